"""``GET /audit``: who wrote what and when (admin keys only)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel

from api.deps import AdminKey, StateDep
from api.problems import ApiProblem, errors
from api.responses import json_response
from api.routes.common import Limit

__all__ = ["router"]

router = APIRouter(tags=["audit"])


class AuditEntry(BaseModel):
    id: int
    at: str
    key: str
    action: str
    ids: list[Any]
    detail: Any = None


class AuditPage(BaseModel):
    items: list[AuditEntry]
    next_cursor: str | None = None


@router.get("/audit", response_model=AuditPage, summary="The audit log", responses=errors(401, 403, 422))
def audit(who: AdminKey, state: StateDep, limit: Limit = 100,
          cursor: Annotated[str | None, Query(max_length=18, description="`next_cursor` of the previous page.")] = None,
          since: Annotated[dt.datetime | None, Query(description="Only entries at or after this time.")] = None,
          key: Annotated[str | None, Query(max_length=200, description="Only this key's entries.")] = None,
          action: Annotated[str | None, Query(max_length=100, description=(
              "Only this action: import, put <table>, delete <table>, webhook.create, webhook.delete, "
              "key.create, key.revoke."))] = None) -> Response:
    """Writes, newest first: the key's name, the time, the action, the ids and what changed."""
    before = None
    if cursor is not None:
        if not cursor.isdigit():
            raise ApiProblem(422, "not a cursor this list returned", type="urn:powermap:problem:invalid-request",
                             errors=[{"loc": ["query", "cursor"], "message": "not a cursor this list returned"}])
        before = int(cursor)
    since_text = None
    if since is not None:
        moment = since if since.tzinfo else since.replace(tzinfo=dt.timezone.utc)
        try:
            since_text = moment.astimezone(dt.timezone.utc).isoformat(timespec="microseconds")
        except (OverflowError, ValueError):  # beyond year 1..9999 once in UTC
            since_text = "0000" if moment.year < 2 else "9999-12-31T23:59:59.999999+00:00"
    entries = state.audit_entries(limit=limit + 1, before=before, since=since_text, key_name=key, action=action)
    more = len(entries) > limit
    entries = entries[:limit]
    return json_response({"items": entries, "next_cursor": str(entries[-1]["id"]) if more else None})
