"""``/accounts``: the customer organisations — list and search, one account, its tree,
its contacts, its graph as JSON, GraphML or GEXF and its records as an import-format
workbook; upsert and delete."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Query, Request, Response

from api.deps import ReadKey, StoreDep
from api.exports import GRAPH_MEDIA_TYPES, XLSX_MEDIA_TYPE, gexf_bytes, graph_json, graphml_bytes
from api.problems import errors, not_found
from api.responses import decode_cursor, encode_cursor, json_response, since_text
from api.routes.common import Cursor, Limit, UpdatedSince, page, record_router, visible_account
from api.schemas import PAGE, TreeAccount
from api.visibility import View
from graph.tree import account_tree

__all__ = ["router"]

router = record_router("accounts", prefix="/accounts", tag="accounts", list_route=False)
_SCAN = 1000


@router.get("", response_model=PAGE["accounts"], summary="List or search accounts", responses=errors(401, 422))
def list_accounts(who: ReadKey, store: StoreDep, limit: Limit = 100, cursor: Cursor = None,
                  updated_since: UpdatedSince = None,
                  q: Annotated[str | None, Query(max_length=200, description=(
                      "Only accounts whose name or id contains this text (any language, any case)."))] = None,
                  ) -> Response:
    """A page of the accounts the key may see, ordered by id; each with `updated_at`."""
    if not q:
        return page(store, who, "accounts", limit=limit, cursor=cursor, updated_since=updated_since)
    needle = q.casefold()
    view = View(store, who)
    after = decode_cursor(cursor, 1)
    found: list[dict] = []
    while len(found) <= limit:
        rows = store.list_records("accounts", limit=_SCAN, after=after, updated_since=since_text(updated_since),
                                  account_ids=who.visible)
        for row in rows:
            if needle in (row["name"] or "").casefold() or needle in row["id"].casefold():
                found.append(row)
                if len(found) > limit:
                    break
        if len(rows) < _SCAN or len(found) > limit:
            break
        after = rows[-1]["key"]
    more = len(found) > limit
    found = found[:limit]
    next_cursor = encode_cursor(found[-1]["key"]) if more else None
    return json_response({"items": [view.row("accounts", r) for r in found], "next_cursor": next_cursor})


@router.get("/{account_id}/tree", summary="The account tree", response_model=TreeAccount,
            responses=errors(401, 404))
def tree(account_id: str, who: ReadKey, store: StoreDep) -> Response:
    """The account with its departments, contacts and sub-accounts, nested — the same JSON
    as `powermap show ID --json`."""
    return json_response(account_tree(visible_account(store, who, account_id)))


@router.get("/{account_id}/contacts", response_model=PAGE["contacts"], summary="Contacts of an account",
            responses=errors(401, 404, 422))
def contacts(account_id: str, who: ReadKey, store: StoreDep, limit: Limit = 100, cursor: Cursor = None,
             updated_since: UpdatedSince = None,
             descendants: Annotated[bool, Query(description=(
                 "Include the contacts of its sub-accounts (bases, windows …); false: the account's own."))]
             = True) -> Response:
    """A page of the account's contacts, ordered by id."""
    if not who.sees_account(account_id) or store.get("accounts", account_id) is None:
        raise not_found("account", account_id)
    accounts = store.account_descendants([account_id]) if descendants else {account_id}
    if who.visible is not None:
        accounts &= who.visible
    return page(store, who, "contacts", limit=limit, cursor=cursor, updated_since=updated_since,
                account_ids=accounts)


_GRAPH_RESPONSES = {200: {"description": "The graph", "content": {
    "application/json": {"schema": {"type": "object", "properties": {
        "directed": {"type": "boolean"}, "multigraph": {"type": "boolean"}, "graph": {"type": "object"},
        "nodes": {"type": "array", "items": {"type": "object"}},
        "edges": {"type": "array", "items": {"type": "object"}}},
        "required": ["nodes", "edges"]}},
    "application/graphml+xml": {"schema": {"type": "string"}},
    "application/gexf+xml": {"schema": {"type": "string"}}}}}


@router.get("/{account_id}/graph", summary="Export the account's graph", response_class=Response,
            responses={**_GRAPH_RESPONSES, **errors(401, 404, 422)})
def graph(request: Request, account_id: str, who: ReadKey, store: StoreDep,
          format: Annotated[Literal["json", "graphml", "gexf"], Query(
              description="json: node-link JSON; graphml: for yEd/Gephi/Cytoscape; gexf: for Gephi.")] = "json",
          ) -> Response:
    """The account's subgraph (descendants, departments, contacts, our team, opportunities
    and every edge among them) as the key may see it. Nodes are keyed `kind:id`; edges carry
    a `type` (part_of, reports_to, influences, relationship, owns, involves)."""
    G = visible_account(store, who, account_id)
    if format == "json":
        return json_response(graph_json(G))
    body = graphml_bytes(G) if format == "graphml" else gexf_bytes(G)
    return Response(body, media_type=GRAPH_MEDIA_TYPES[format], headers={
        "Content-Disposition": f'attachment; filename="account-graph.{format}"'})


@router.get("/{account_id}/export", summary="Export the account as a workbook", response_class=Response,
            responses={200: {"description": "The workbook", "content": {XLSX_MEDIA_TYPE: {
                "schema": {"type": "string", "format": "binary"}}}}, **errors(401, 404, 422)})
def export(account_id: str, who: ReadKey, store: StoreDep,
           format: Annotated[Literal["xlsx"], Query(description="xlsx: the import format's workbook.")] = "xlsx",
           lang: Annotated[Literal["zh", "en"], Query(description="Sheet names, headers and words in Chinese "
                                                                  "or English.")] = "zh") -> Response:
    """The account and every part below it in exactly the import format (the sheets of
    `GET /template`, the same file as `powermap export`), as the key may see it: records
    outside its accounts left out, the personal columns only for a key with PII (without
    them the columns are absent, so re-importing the file leaves them as they are). Text
    is written as text, never run as a formula. Re-imported unchanged (`POST /import`), it
    changes nothing."""
    from importers.workbook_writer import account_workbook

    if not who.sees_account(account_id) or store.get("accounts", account_id) is None:
        raise not_found("account", account_id)
    view = View(store, who)
    body = account_workbook(store, account_id, lang, personal=who.pii, keep=view.sees, shape=view.row)
    return Response(body, media_type=XLSX_MEDIA_TYPE, headers={
        "Content-Disposition": 'attachment; filename="account.xlsx"'})
