"""``/opportunities`` and ``/opportunity-members``: purchases we compete for and the
contacts in each one's decision-making unit."""

from __future__ import annotations

from fastapi import Response

from api.deps import ReadKey, StoreDep
from api.problems import ApiProblem, errors, not_found
from api.responses import decode_cursor, encode_cursor, json_response, since_text
from api.routes.common import Cursor, Limit, UpdatedSince, record_router
from api.schemas import PAGE
from api.visibility import View

__all__ = ["router", "members_router"]

router = record_router("opportunities", prefix="/opportunities", tag="opportunities")
members_router = record_router("opportunity_members", prefix="/opportunity-members", tag="opportunities")


@router.get("/{opportunity_id}/members", response_model=PAGE["opportunity_members"],
            summary="The decision-making unit of one opportunity", responses=errors(401, 404, 422))
def opportunity_members(opportunity_id: str, who: ReadKey, store: StoreDep, limit: Limit = 100,
                        cursor: Cursor = None, updated_since: UpdatedSince = None) -> Response:
    """The contacts in the opportunity's decision-making unit (role, whether they decide)."""
    record = store.get("opportunities", opportunity_id)
    if record is None or not View(store, who).sees("opportunities", record.row()):
        raise not_found("opportunity", opportunity_id)
    view = View(store, who)
    after = decode_cursor(cursor, 2) or (opportunity_id, "")
    if after[0] != opportunity_id:
        raise ApiProblem(422, "not a cursor of this list", type="urn:powermap:problem:invalid-request",
                         errors=[{"loc": ["query", "cursor"], "message": "not a cursor of this list"}])
    rows = store.list_records("opportunity_members", limit=limit + 1, after=after,
                              updated_since=since_text(updated_since), account_ids=who.visible)
    rows = [r for r in rows if r["opportunity_id"] == opportunity_id]
    more = len(rows) > limit
    rows = rows[:limit]
    items = [view.row("opportunity_members", r) for r in rows if view.sees("opportunity_members", r)]
    return json_response({"items": items, "next_cursor": encode_cursor(rows[-1]["key"]) if more else None})
