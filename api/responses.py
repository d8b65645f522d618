"""JSON responses, ETags, cursors and timestamps shared by the routes."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
from typing import Any

from fastapi import Request, Response

from api.problems import ApiProblem

__all__ = ["json_response", "etag_of", "single", "encode_cursor", "decode_cursor", "since_text"]


def _dumps(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False,
                      default=str).encode("utf-8")


def json_response(data: Any, *, status_code: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(_dumps(data), status_code=status_code, headers=headers, media_type="application/json")


def etag_of(body: bytes, version: str = "") -> str:
    """A strong ETag of a representation (it differs between PII and non-PII views) of a
    record at ``version`` (a keyed digest of the full stored record, see
    :func:`api.routes.common.record_version`: a change the key cannot see changes it too)."""
    return '"' + hashlib.sha256(body + version.encode("ascii")).hexdigest()[:32] + '"'


def _matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    if header.strip() == "*":
        return True
    tags = [t.strip().removeprefix("W/") for t in header.split(",")]
    return etag in tags


def single(request: Request, data: Any, *, status_code: int = 200, version: str = "") -> Response:
    """A single resource with its ETag; 304 when ``If-None-Match`` names that ETag."""
    body = _dumps(data)
    etag = etag_of(body, version)
    headers = {"ETag": etag, "Cache-Control": "private, no-cache"}
    if status_code == 200 and _matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(body, status_code=status_code, headers=headers, media_type="application/json")


def check_if_match(request: Request, current: Any, version: str = "") -> None:
    """412 when ``If-Match`` is given and names another representation than ``current``
    (at ``version``)."""
    header = request.headers.get("if-match")
    if header is None:
        return
    if current is None:
        if header.strip() == "*":
            raise ApiProblem(412, "If-Match: * but there is no such record", type="urn:powermap:problem:precondition")
        raise ApiProblem(412, "the record does not exist (If-Match given)", type="urn:powermap:problem:precondition")
    if not _matches(header, etag_of(_dumps(current), version)):
        raise ApiProblem(412, "the record has changed since it was read (ETag differs)",
                         type="urn:powermap:problem:precondition")


def encode_cursor(key: Any) -> str:
    return base64.urlsafe_b64encode(_dumps(key)).decode("ascii").rstrip("=")


def decode_cursor(cursor: str | None, width: int) -> str | tuple[str, ...] | None:
    """The key a cursor stands for: an id, or a tuple of ``width`` ids for edge tables."""
    if cursor is None:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        key = None
    if width == 1 and isinstance(key, str):
        return key
    if width > 1 and isinstance(key, list) and len(key) == width and all(isinstance(k, str) for k in key):
        return tuple(key)
    raise ApiProblem(422, "not a cursor this list returned", type="urn:powermap:problem:invalid-request",
                     errors=[{"loc": ["query", "cursor"], "message": "not a cursor this list returned"}])


def since_text(moment: dt.datetime | None) -> str | None:
    """``updated_since`` in the store's form (UTC, whole seconds, rounded down); naive means UTC."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    try:
        moment = moment.astimezone(dt.timezone.utc)
    except (OverflowError, ValueError):
        moment = dt.datetime.min.replace(tzinfo=dt.timezone.utc) if moment.year < 2 else \
            dt.datetime.max.replace(tzinfo=dt.timezone.utc)
    return moment.replace(microsecond=0).isoformat(timespec="seconds")
