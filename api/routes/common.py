"""What the resource routers share: paging parameters, the 404-outside rule, and
:func:`record_router`, which gives a table its list, read, upsert and delete routes.

(No ``from __future__ import annotations`` here: the generated routes' annotations name
local models, which FastAPI must see as objects.)"""

import datetime as dt
import enum
import hashlib
import hmac
import inspect
import json
from collections.abc import Callable
from typing import Annotated, Any

import networkx as nx
import pandas as pd
from fastapi import APIRouter, Body, Path, Query, Request, Response

from api.deps import ReadKey, StateDep, StoreDep, WriteKey, WritesDep
from api.problems import ApiProblem, errors, not_found
from api.responses import check_if_match, decode_cursor, encode_cursor, json_response, since_text, single
from api.schemas import IN, OUT, PAGE
from api.security import Principal
from api.visibility import View
from graph.exceptions import ImportRejected
from graph.model import TABLES
from graph.store import GraphStore
from graph.vocabulary import parse_text
from importers import tables_from_frames

__all__ = ["Limit", "Cursor", "UpdatedSince", "MAX_LIMIT", "visible_account", "visible_opportunity",
           "visible_record", "page",
           "record_router", "NOUNS"]

MAX_LIMIT = 1000
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Records per page (1..1000).")]
Cursor = Annotated[str | None, Query(description="`next_cursor` of the previous page.", max_length=4096)]
UpdatedSince = Annotated[dt.datetime | None, Query(description=(
    "Only records changed at or after this time (ISO 8601; no zone means UTC), for incremental sync."))]

NOUNS = {"accounts": "account", "departments": "department", "contacts": "contact", "team": "team member",
         "relationships": "relationship", "influence": "influence edge", "opportunities": "opportunity",
         "opportunity_members": "opportunity member", "plans": "plan action"}
_ETAG_HEADER = {"ETag": {"description": "The representation's entity tag (for If-None-Match / If-Match).",
                         "schema": {"type": "string"}}}


def visible_account(store: GraphStore, principal: Principal, account_id: str) -> nx.MultiDiGraph:
    """The account's subgraph as the key may see it; 404 if it is missing or outside."""
    if not principal.sees_account(account_id):
        raise not_found("account", account_id)
    return View(store, principal).graph(store.account_subgraph(account_id))


def visible_opportunity(store: GraphStore, principal: Principal, opportunity_id: str) -> tuple[nx.MultiDiGraph, Any]:
    """The graph an opportunity's outcome is computed on — its whole group, or only its own
    account for a key that sees no more — and the opportunity; 404 if missing or outside."""
    from graph.analysis.reports import top_account

    opportunity = store.get("opportunities", opportunity_id)
    if opportunity is None or not principal.sees_account(opportunity.account_id):
        raise not_found("opportunity", opportunity_id)
    root = top_account(store, opportunity.account_id)
    return visible_account(store, principal, root if principal.sees_account(root) else opportunity.account_id), \
        opportunity


def visible_record(store: GraphStore, principal: Principal, table: str, key: tuple[str, ...]) -> dict[str, Any]:
    """One record as the key may see it; 404 if it is missing or outside."""
    return _visible_version(store, principal, table, key, b"")[0]


def record_version(secret: bytes, row: Any) -> str:
    """A keyed digest (HMAC-SHA256 with the server's ETag secret) of a full stored record,
    personal fields and links the key cannot see included. It is part of the record's
    ETag, so any change to the record changes the ETag every key reads, and it reveals
    nothing of what the key may not see (a plain hash of a record whose other fields are
    known would let one guess a birthday)."""
    text = json.dumps(row, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hmac.new(secret, text.encode("utf-8"), hashlib.sha256).hexdigest()


def _visible_version(store: GraphStore, principal: Principal, table: str, key: tuple[str, ...],
                     secret: bytes) -> tuple[dict[str, Any], str]:
    """A record as the key may see it and its version; 404 if it is missing or outside."""
    view = View(store, principal)
    record = store.get(table, key if len(key) > 1 else key[0])
    if record is None or not view.sees(table, record.row()):
        raise not_found(NOUNS[table], "/".join(key))
    return view.row(table, record.row()), record_version(secret, record.row())


def page(store: GraphStore, principal: Principal, table: str, *, limit: int, cursor: str | None,
         updated_since: dt.datetime | None, account_ids: frozenset[str] | set[str] | None = None,
         keep: Callable[[dict[str, Any]], bool] | None = None) -> Response:
    """One page of a table as the key may see it."""
    width = len(TABLES[table].key)
    scope = principal.visible if account_ids is None else account_ids
    rows = store.list_records(table, limit=limit + 1, after=decode_cursor(cursor, width),
                              updated_since=since_text(updated_since), account_ids=scope)
    more = len(rows) > limit
    rows = rows[:limit]
    view = View(store, principal)
    items = [view.row(table, r) for r in rows
             if (keep is None or keep(r)) and (table != "opportunity_members" or view.sees(table, r))]
    next_cursor = encode_cursor(rows[-1]["key"]) if more and rows else None
    headers = {}
    if next_cursor:
        headers["Link"] = f'<?cursor={next_cursor}&limit={limit}>; rel="next"'
    return json_response({"items": items, "next_cursor": next_cursor}, headers=headers)


def _key_annotation(table: str, column: str) -> Any:
    annotation = TABLES[table].model.model_fields[column].annotation
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return annotation
    return str


def _with_keys(func: Callable, table: str) -> Callable:
    """Give ``func(**keys)`` a signature naming the table's key columns as path parameters."""
    signature = inspect.signature(func)
    params = [inspect.Parameter(column, inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                annotation=Annotated[_key_annotation(table, column),
                                                     Path(description=f"the record's {column}")])
              for column in TABLES[table].key]
    params += [p for p in signature.parameters.values() if p.kind != inspect.Parameter.VAR_KEYWORD]
    func.__signature__ = signature.replace(parameters=params)  # type: ignore[attr-defined]
    return func


def _key_of(table: str, values: dict[str, Any]) -> tuple[str, ...]:
    return tuple(v.value if isinstance(v, enum.Enum) else v for v in (values[c] for c in TABLES[table].key))


def record_router(table: str, *, prefix: str, tag: str, list_route: bool = True) -> APIRouter:
    """List (paged, ``updated_since``), read (ETag), upsert (``PUT``) and delete routes of a table."""
    router = APIRouter(prefix=prefix, tags=[tag])
    spec = TABLES[table]
    noun = NOUNS[table]
    key_path = "/" + "/".join("{" + c + "}" for c in spec.key)
    body_model = IN[table]

    if list_route:
        @router.get("", response_model=PAGE[table], summary=f"List {table.replace('_', ' ')}",
                    responses=errors(401, 422))
        def list_table(who: ReadKey, store: StoreDep, limit: Limit = 100, cursor: Cursor = None,
                       updated_since: UpdatedSince = None) -> Response:
            return page(store, who, table, limit=limit, cursor=cursor, updated_since=updated_since)

        list_table.__doc__ = (f"A page of {table.replace('_', ' ')} the key may see, ordered by "
                              f"{', '.join(spec.key)}; each with `updated_at`.")

    def get_one(request: Request, who: ReadKey, store: StoreDep, state: StateDep, **keys: Any) -> Response:
        shown, version = _visible_version(store, who, table, _key_of(table, keys), state.etag_secret)
        return single(request, shown, version=version)

    get_one.__doc__ = f"One {noun}, with an ETag (send If-None-Match to get 304 when unchanged)."
    router.add_api_route(key_path, _with_keys(get_one, table), methods=["GET"], response_model=OUT[table],
                         summary=f"Read one {noun}", responses={200: {"headers": _ETAG_HEADER},
                                                                **errors(304, 401, 404, 422)})

    def put_one(request: Request, who: WriteKey, store: StoreDep, state: StateDep, writes: WritesDep,
                body: Annotated[body_model, Body()], **keys: Any) -> Response:  # type: ignore[valid-type]
        key = _key_of(table, keys)
        view = View(store, who)
        stored = store.get(table, key if len(key) > 1 else key[0])
        current = view.row(table, stored.row()) if stored is not None and view.sees(table, stored.row()) else None
        check_if_match(request, current, record_version(state.etag_secret, stored.row()) if current else "")
        row = body.model_dump()
        for column, value in zip(spec.key, key):
            given = parse_text(row.get(column)) if row.get(column) is not None else None
            if given is not None and given != value and column != "kind":
                raise ApiProblem(422, f"{column} {given!r} in the body differs from {value!r} in the path",
                                 type="urn:powermap:problem:invalid-request",
                                 errors=[{"loc": ["body", column], "message": "differs from the path"}])
            row[column] = value
        for column, value in list(row.items()):
            if isinstance(value, list):
                row[column] = tuple(value)
        frame = pd.DataFrame([row], columns=list(spec.columns), dtype=object)
        try:
            report = writes.apply(tables_from_frames({table: frame}), who, action=f"put {table}",
                                  audit_ids=["/".join(key)])
        except ImportRejected as rejected:
            raise ApiProblem(422, f"the {noun} is not valid", type="urn:powermap:problem:invalid-record",
                             errors=[{"loc": ["body", p.column] if p.column else ["body"],
                                      "column": p.column, "message": p.message} for p in rejected.problems]
                             ) from rejected
        created = bool(report.result and report.result.inserted.get(table))
        if who.restricted and table == "accounts":  # a new sub-account is visible to the key that made it
            who = Principal(key=who.key, visible=frozenset(store.account_descendants(who.key.accounts or ())))
        shown, version = _visible_version(store, who, table, key, state.etag_secret)
        return single(request, shown, status_code=201 if created else 200, version=version)

    put_one.__doc__ = (f"Create or replace one {noun} (idempotent): the body is validated exactly like a "
                       f"row of an import (same parsers, references, cycles), then written atomically. "
                       f"Fields left out are cleared — except personal fields for a key without PII, "
                       f"which are kept as stored (and refused with 422 when such a key sends one). "
                       f"201 when created, 200 otherwise. Send If-Match to update only the version you "
                       f"read (the ETag changes with any change to the record, seen or not).")
    router.add_api_route(key_path, _with_keys(put_one, table), methods=["PUT"], response_model=OUT[table],
                         summary=f"Create or replace one {noun}",
                         responses={200: {"headers": _ETAG_HEADER},
                                    201: {"model": OUT[table], "description": "Created",
                                          "headers": _ETAG_HEADER},
                                    **errors(401, 403, 412, 413, 422, 507)})

    def delete_one(who: WriteKey, writes: WritesDep, **keys: Any) -> Response:
        key = _key_of(table, keys)
        if not writes.delete(table, key, who):
            raise not_found(noun, "/".join(key))
        return Response(status_code=204)

    delete_one.__doc__ = (f"Delete one {noun} with its edges"
                          + (" (refused with 409 while it has sub-accounts)" if table == "accounts" else "")
                          + ".")
    router.add_api_route(key_path, _with_keys(delete_one, table), methods=["DELETE"], status_code=204,
                         summary=f"Delete one {noun}", response_class=Response,
                         responses=errors(401, 403, 404, 409, 422, 507))
    return router

