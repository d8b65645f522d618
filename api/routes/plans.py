"""Relationship plans over HTTP: ``/plans`` (list, read, upsert, delete plan actions, like
every resource), ``GET /accounts/{id}/plan`` (the same JSON as ``powermap plan --json``)
``POST /accounts/{id}/next-moves/{n}/accept`` (a next move becomes a plan action) and
``GET /accounts/{id}/review`` (the quarterly account review).

(No ``from __future__ import annotations``: FastAPI must see the annotations as objects.)"""

import datetime as dt
from typing import Annotated, Literal

import pandas as pd
from fastapi import APIRouter, Body, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from api.deps import ReadKey, StoreDep, WriteKey, WritesDep
from api.exports import review_xlsx
from api.problems import ApiProblem, errors, not_found
from api.responses import json_response, single
from api.routes.common import record_router, visible_account, visible_record
from graph.analysis import reports
from graph.analysis.plans import plan_from_move, plan_report
from graph.analysis.review import review_report
from graph.exceptions import ImportRejected
from graph.model import TABLES
from importers import tables_from_frames
from viz.review import review_page, review_tables

__all__ = ["router", "account_router"]

router = record_router("plans", prefix="/plans", tag="plans")
account_router = APIRouter(prefix="/accounts", tags=["plans"])


class AcceptIn(BaseModel):
    """Who takes the move on and when (all optional)."""

    model_config = ConfigDict(extra="forbid")
    owner: str | None = Field(default=None, description="Our owner instead of the move's (a team member id).")
    start: dt.date | None = Field(default=None, description="Start date (default today); moves are ranked on it.")
    due: dt.date | None = Field(default=None, description="Due date (default 30 days after start).")


@account_router.get("/{account_id}/plan", summary="Plan actions and their status", responses=errors(401, 404, 422))
def account_plan(account_id: str, store: StoreDep, who: ReadKey,
                 as_of: Annotated[dt.date | None, Query(description="Judge the plan on this day.")] = None
                 ) -> Response:
    """Every plan action of the account and its sub-accounts with its status (done, overdue,
    open, closed), the interaction that closed it, days overdue and the target stance;
    totals per owner and per opportunity. The same JSON as `powermap plan --json`."""
    if not who.sees_account(account_id):
        raise not_found("account", account_id)
    report = plan_report(store, account_id, as_of=as_of)
    report["actions"] = [a for a in report["actions"] if who.sees_account(a["account_id"])]
    return json_response(report)


@account_router.get("/{account_id}/review", summary="Quarterly account review", responses=errors(401, 403, 404, 422))
def account_review(request: Request, account_id: str, store: StoreDep, who: ReadKey,
                   quarter: Annotated[str, Query(description="The quarter, e.g. 2026Q4.", max_length=10)],
                   as_of: Annotated[dt.date | None, Query(description="Judge on this day.")] = None,
                   format: Annotated[Literal["json", "html", "xlsx"], Query(description="json, html or xlsx.")] = "json",
                   lang: Annotated[Literal["en", "zh"], Query(description="Labels of the HTML page.")] = "en"
                   ) -> Response:
    """The review pack, the same JSON as `powermap review --json` (or its page or workbook).
    Over HTTP the review never takes a snapshot (`POST /snapshots` does, for admins);
    keys restricted to some accounts get 403, as the pack compares whole snapshots."""
    if not who.sees_account(account_id):
        raise not_found("account", account_id)
    if who.restricted:
        raise ApiProblem(403, "the quarterly review needs a key that is not restricted to some accounts",
                         type="urn:powermap:problem:forbidden")
    try:
        report = review_report(store, account_id, quarter=quarter, today=as_of, take_snapshots=False,
                               cadence_policy=request.app.state.cadence_policy)
    except ValueError as bad:
        raise ApiProblem(422, str(bad), type="urn:powermap:problem:invalid-request",
                         errors=[{"loc": ["query", "quarter"], "message": str(bad)}]) from bad
    if format == "html":
        return Response(review_page(report, lang=lang), media_type="text/html; charset=utf-8")
    if format == "xlsx":
        return Response(review_xlsx(review_tables(report)),
                        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": f'attachment; filename="review-{report["quarter"]}.xlsx"'})
    return json_response(report)


@account_router.post("/{account_id}/next-moves/{number}/accept", status_code=201,
                     summary="Accept a next move as a plan action", responses=errors(401, 403, 404, 422))
def accept_next_move(request: Request, account_id: str, store: StoreDep, who: WriteKey, writes: WritesDep,
                     number: Annotated[int, Path(ge=1, le=50, description="The move's place in next-moves (from 1).")],
                     body: Annotated[AcceptIn | None, Body()] = None) -> Response:
    """Make the `number`-th next move (as `GET /accounts/{id}/next-moves?as_of=start` ranks
    them) a plan action with an owner and dates, validated and written like any plan
    action. 201 with the action."""
    body = body or AcceptIn()
    start = body.start or dt.date.today()
    G = visible_account(store, who, account_id)
    moves = reports.next_moves_json(G, top=max(5, number), today=start,
                                    cadence_policy=request.app.state.cadence_policy)["moves"]
    if number > len(moves):
        raise not_found("next move", str(number))
    move = moves[number - 1]
    owner = body.owner or move.get("team")
    node = G.nodes.get(f"team:{owner}") or {}
    contact = G.nodes.get(f"contact:{move['contact']}") or {}
    try:
        action = plan_from_move(move, account_id=contact.get("account_id") or account_id, start=start,
                                due=body.due, owner=owner, owner_role=node.get("role"), stance=contact.get("stance"))
    except ValueError as bad:
        raise ApiProblem(422, str(bad).splitlines()[0], type="urn:powermap:problem:invalid-request") from bad
    frame = pd.DataFrame([action.row()], columns=list(TABLES["plans"].columns), dtype=object)
    try:
        writes.apply(tables_from_frames({"plans": frame}), who, action="accept next move", audit_ids=[action.id])
    except ImportRejected as rejected:
        raise ApiProblem(422, "the plan action is not valid", type="urn:powermap:problem:invalid-record",
                         errors=[{"column": p.column, "message": p.message} for p in rejected.problems]) from rejected
    return single(request, visible_record(store, who, "plans", (action.id,)), status_code=201)
