"""The analyses over HTTP: the same JSON as the CLI's ``--json``, on the graph the key may see.

``/accounts/{id}/paths|coverage|gaps|influence|next-moves|rollup|posture|competitors|divisions``,
``/opportunities/{id}/outcome``, ``/snapshots`` and ``/snapshots/diff``. The gap report is
also served as CSV or XLSX (``?format=``), every cell neutralised against formula injection.

(No ``from __future__ import annotations``: FastAPI must see the annotations as objects.)"""

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from api.analysis_pool import GAP_COLUMNS, GapsQuestion, gap_rows, gaps_body
from api.deps import AdminKey, ReadKey, StateDep, StoreDep
from api.problems import ApiProblem, errors, not_found
from api.responses import json_response
from api.routes.common import visible_account, visible_opportunity
from api.security import Principal
from api.visibility import visible_move
from graph.analysis import reports
from graph.analysis.change import CURRENT, diff, snapshot_accounts
from graph.exceptions import SnapshotNotFound
from graph.store import GraphStore

__all__ = ["router", "opportunity_router", "snapshot_router", "gap_rows", "GAP_COLUMNS"]

router = APIRouter(prefix="/accounts", tags=["analysis"])
opportunity_router = APIRouter(prefix="/opportunities", tags=["analysis"])
snapshot_router = APIRouter(prefix="/snapshots", tags=["analysis"])

AsOf = Annotated[dt.date | None, Query(description="Measure staleness from this date instead of today.")]


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class Step(_Open):
    from_: str = Field(alias="from")
    to: str
    type: str
    strength: float


class Path(_Open):
    strength: float
    steps: list[Step]


class PathsOut(_Open):
    paths: list[Path]


class CoverageOut(_Open):
    account: str
    coaches: list[str]
    deciders: list[str]
    covered_deciders: list[str]
    coverage: float
    by_department: dict[str, dict[str, Any]]
    by_opportunity: dict[str, dict[str, Any]]


class GapOut(_Open):
    type: str
    severity: Literal["high", "medium", "low"]
    contacts: list[str]
    explanation: str
    accounts: list[str]
    team: list[str]
    opportunity: str | None
    key: str
    cause: str = Field(description="The finding the gap follows from, to group gaps by root cause: "
                                   "`subsidiary:<account>` (inside an untouched subsidiary), else "
                                   "`person:<contact>`, `opportunity:<id>` or `account:<id>`.")


class GapsOut(_Open):
    account: str
    gaps: list[GapOut]
    counts: dict[str, Any] = Field(description="`total`, `by_type`, `by_severity` and `by_cause` "
                                               "(cause → number of gaps, most first).")


class RankedOut(_Open):
    id: str
    name: str | None
    formal: float
    informal: float
    score: float
    hidden_influencer: bool
    broker: bool
    tied_with: list[str]
    tied_count: int


class RankingOut(_Open):
    ranking: list[RankedOut]


class MemberOut(_Open):
    id: str
    name: str | None
    role: str | None
    is_decider: bool
    stated: int | None
    projected: float
    side: Literal["for", "against", "undecided"]
    weight: float


class OutcomeOut(_Open):
    opportunity: str
    name: str | None
    dmu_type: str
    support_index: float
    verdict: str
    votes: dict[str, Any]
    swing_voters: list[dict[str, Any]]
    members: list[MemberOut]
    reasons: list[str]


class MoveOut(_Open):
    action: Literal["new_relationship", "raise_stance"]
    team: str | None
    contact: str
    description: str
    gain: float
    support_gain: float
    deals: list[dict[str, Any]]
    closes: list[dict[str, Any]]
    opens: list[dict[str, Any]]


class MovesOut(_Open):
    account: str
    moves: list[MoveOut]
    candidates: int
    tried: int


class RollupOut(_Open):
    id: str
    name: str | None
    kind: str | None
    own: dict[str, Any]
    total: dict[str, Any]
    accounts: list["RollupOut"]


class SnapshotOut(_Open):
    label: str
    created_at: str
    size: int


class SnapshotsOut(_Open):
    snapshots: list[SnapshotOut]


class SnapshotTaken(_Open):
    label: str
    created_at: str
    counts: dict[str, int]


class SnapshotIn(BaseModel):
    label: str = Field(min_length=1, max_length=100, pattern=r"^[^/\\]+$")


class DiffOut(_Open):
    old: str
    new: str
    stance_changes: list[dict[str, Any]]
    moves: list[dict[str, Any]] = Field(description=(
        "People whose account, department, title or manager changed (matched by id, or by e-mail / name and "
        "phone when re-keyed): id, previous_id, matched_by, name, changed, from, to, roles, stance. For a key "
        "restricted to accounts, the side outside its view is blanked and named in outside_view."))
    departures: list[dict[str, Any]] = Field(description="Removed or marked departed: id, name, account_id, "
                                                         "title, roles, stance, how.")
    arrivals: list[dict[str, Any]]
    ambiguous_matches: list[dict[str, Any]] = Field(description=(
        "Re-keying matches that were not one to one (matched_by, departed, arrived): never merged."))
    new_contacts: list[dict[str, Any]]
    departed_contacts: list[dict[str, Any]]
    posture_changes: list[dict[str, Any]]
    new_relationships: list[dict[str, Any]]
    lost_relationships: list[dict[str, Any]]
    accounts: list[dict[str, Any]]


def _cached(request: Request, store: GraphStore, who: Principal, compute) -> Response:
    """The answer from the app's analysis cache (key: the question and what the key sees),
    computed under the store's current version."""
    cache = request.app.state.analysis_cache
    body = cache.get_or_compute(_cache_key(request, who), lambda: _body(compute()), version=store.version())
    return _answer(request, body)


def _cache_key(request: Request, who: Principal) -> tuple:
    return request.url.path, request.url.query, who.visible, who.pii


def _answer(request: Request, body: bytes) -> Response:
    media = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
    kind = request.query_params.get("format", "json")
    name = request.url.path.rstrip("/").rsplit("/", 1)[-1]
    headers = {"Content-Disposition": f'attachment; filename="{name}.{kind}"'} if kind in media else None
    return Response(body, media_type=media.get(kind, "application/json"), headers=headers)


def _body(response: Response) -> bytes:
    return bytes(response.body)


@router.get("/{account_id}/paths", response_model=PathsOut, summary="Strongest influence paths to a contact",
            responses=errors(401, 404, 422))
def paths(request: Request, account_id: str, store: StoreDep, who: ReadKey,
          to: Annotated[str, Query(description="The contact to reach.", max_length=200)],
          from_: Annotated[str | None, Query(alias="from", description="One team member only.", max_length=200)] = None,
          k: Annotated[int, Query(ge=0, le=20, description="Next-best paths to add.")] = 3,
          reports_to_weight: Annotated[float, Query(ge=0, le=1)] = 0.5) -> Response:
    """The strongest path from our team (or one member) to a contact, and the `k` next-best."""
    return _cached(request, store, who, lambda: json_response(reports.paths_json(
        visible_account(store, who, account_id), to, source=from_, k=k, reports_to_weight=reports_to_weight)))


@router.get("/{account_id}/coverage", response_model=CoverageOut, summary="Coach coverage",
            responses=errors(401, 404, 422))
def coverage(request: Request, account_id: str, store: StoreDep, who: ReadKey,
             hops: Annotated[int, Query(ge=1, le=5)] = 2) -> Response:
    """Coaches, the deciders they reach within `hops`, by line and by opportunity."""
    return _cached(request, store, who, lambda: json_response(
        reports.coverage_json(visible_account(store, who, account_id), hops=hops)))


@router.get("/{account_id}/gaps", response_model=GapsOut, summary="Relationship gaps",
            responses={**errors(401, 404, 422), 200: {"content": {
                "text/csv": {}, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}}}})
async def gaps(request: Request, account_id: str, store: StoreDep, who: ReadKey, as_of: AsOf = None,
               stale_days: Annotated[int, Query(ge=1, le=3650)] = 90,
               executive_stale_days: Annotated[int, Query(ge=1, le=3650)] = 180,
               format: Literal["json", "csv", "xlsx"] = "json") -> Response:
    """The gap report, most severe first (`format=csv|xlsx` for a spreadsheet).

    Computed once per store version however many clients ask at once (in the server's
    analysis workers when `POWERMAP_ANALYSIS_WORKERS` turns them on)."""
    question = GapsQuestion(account_id, who, as_of, stale_days, executive_stale_days, format)
    pool = request.app.state.analysis_pool
    if pool is not None and not pool.ready:
        pool.warm_up()  # the workers start now; this question is answered here meanwhile
    if pool is None or not pool.ready or store is not request.app.state.store:  # no workers (yet), or a test's store
        policy = request.app.state.cadence_policy
        return await run_in_threadpool(_cached, request, store, who,
                                       lambda: Response(gaps_body(store, question, policy)))
    if not who.sees_account(account_id):
        raise not_found("account", account_id)
    key = _cache_key(request, who)
    cache = request.app.state.analysis_cache
    version = await run_in_threadpool(store.version)
    body = cache.peek(key, version=version)
    if body is None:
        body = await pool.gaps(key, version, question, cache)
    return _answer(request, body)


@router.get("/{account_id}/influence", response_model=RankingOut, summary="Influence ranking (or its map)",
            responses={**errors(401, 404, 422), 200: {"content": {"text/html": {}}}})
def influence(request: Request, account_id: str, store: StoreDep, state: StateDep,
              top: Annotated[int | None, Query(ge=1, le=10000)] = None,
              lang: Annotated[Literal["en", "zh"] | None, Query()] = None) -> Response:
    """Formal and informal influence and their combined score, highest first. A browser
    asking for HTML gets the influence map instead (``lang`` sets its labels)."""
    from api.routes import pages

    if pages.wants_html(request):
        return pages.influence(request=request, account_id=account_id, store=store, state=state, lang=lang)
    who = pages.principal(request, store, state)
    return _cached(request, store, who, lambda: json_response(
        reports.influence_json(visible_account(store, who, account_id), top=top)))


@router.get("/{account_id}/next-moves", response_model=MovesOut, summary="Next best relationships",
            responses=errors(401, 404, 422))
def next_moves(request: Request, account_id: str, store: StoreDep, who: ReadKey, as_of: AsOf = None,
               top: Annotated[int, Query(ge=1, le=50)] = 5,
               per_person: Annotated[int, Query(ge=1, le=50, description="The most actions for one of ours.")] = 2
               ) -> Response:
    """The actions that close the most gaps and add the most support to the deals, each
    with its owner and the deals it serves."""
    return _cached(request, store, who, lambda: json_response(
        reports.next_moves_json(visible_account(store, who, account_id), top=top, today=as_of,
                                cadence_policy=request.app.state.cadence_policy, per_person=per_person)))


@router.get("/{account_id}/rollup", response_model=RollupOut, summary="Group roll-up",
            responses=errors(401, 404, 422))
def rollup(request: Request, account_id: str, store: StoreDep, who: ReadKey, as_of: AsOf = None) -> Response:
    """Coverage and gaps rolled up the account hierarchy."""
    return _cached(request, store, who, lambda: json_response(
        reports.rollup_json(visible_account(store, who, account_id), today=as_of,
                            cadence_policy=request.app.state.cadence_policy)))


class PostureOut(_Open):
    account: str | None
    since: str | None
    accounts: list[dict[str, Any]]
    counts: dict[str, Any]


@router.get("/{account_id}/posture", response_model=PostureOut, summary="Suggested posture from share of wallet",
            responses=errors(401, 404, 422))
def posture(request: Request, account_id: str, store: StoreDep, who: ReadKey,
            since: Annotated[str | None, Query(max_length=100, description="The snapshot the trend is read from "
                                                                              "(default: the latest).")] = None
            ) -> Response:
    """Maintain / defend / attack suggested for the account and each part below it, beside
    the entered posture, with the share of wallet's change since a snapshot."""
    def compute() -> Response:
        G = visible_account(store, who, account_id)
        try:
            previous = snapshot_accounts(store, since)
        except SnapshotNotFound as err:
            raise not_found("snapshot", err.record_id) from None
        return json_response(reports.posture_json(G, previous=previous))

    return _cached(request, store, who, compute)


class CompetitorsOut(_Open):
    account: str
    leaning: dict[str, str]
    competitors: list[dict[str, Any]]
    deciders: list[dict[str, Any]]
    opportunities: list[dict[str, Any]]
    counts: dict[str, int]
    names: dict[str, str]


@router.get("/{account_id}/competitors", response_model=CompetitorsOut, summary="The competitor lens",
            responses=errors(401, 404, 422))
def competitors(request: Request, account_id: str, store: StoreDep, who: ReadKey,
                opportunity: Annotated[str | None, Query(max_length=200, description="One deal's unit only.")] = None,
                top: Annotated[int, Query(ge=1, le=50)] = 5) -> Response:
    """Which rival each contact leans to, each rival's strongest people around the
    deciders, and the deciders where a rival holds more than we do."""
    return _cached(request, store, who, lambda: json_response(
        reports.competitors_json(visible_account(store, who, account_id), opportunity=opportunity, top=top)))


class DivisionsOut(_Open):
    account: str
    message: str | None
    divisions: list[dict[str, Any]]
    unassigned: list[str]
    opportunities: list[dict[str, Any]]
    overlaps: list[dict[str, Any]]
    orphans: list[dict[str, Any]]
    counts: dict[str, int]
    names: dict[str, str]


@router.get("/{account_id}/divisions", response_model=DivisionsOut, summary="Our divisions on one customer",
            responses=errors(401, 404, 422))
def divisions(request: Request, account_id: str, store: StoreDep, who: ReadKey) -> Response:
    """Which of our divisions (team members' business units) touch which parts,
    departments and deciders, with which strength; deciders two divisions court
    (overlaps) and a deal's deciders only another division knows (orphans)."""
    return _cached(request, store, who, lambda: json_response(
        reports.divisions_json(visible_account(store, who, account_id))))


@opportunity_router.get("/{opportunity_id}/outcome", response_model=OutcomeOut,
                        summary="Decision-unit outcome", responses=errors(401, 404, 422))
def outcome(opportunity_id: str, store: StoreDep, who: ReadKey,
            steps: Annotated[int, Query(ge=0, le=10)] = 3) -> Response:
    """Stated and projected stance of each member and the support index."""
    G, _ = visible_opportunity(store, who, opportunity_id)
    return json_response(reports.outcome_json(G, opportunity_id, steps=steps))


@snapshot_router.get("", response_model=SnapshotsOut, summary="List snapshots", responses=errors(401))
def list_snapshots(store: StoreDep, who: ReadKey) -> Response:
    """The frozen graphs, oldest first."""
    return json_response(reports.snapshots_json(store))


@snapshot_router.post("", response_model=SnapshotTaken, status_code=201, summary="Take a snapshot",
                      responses=errors(401, 403, 422))
def take_snapshot(body: SnapshotIn, store: StoreDep, who: AdminKey) -> Response:
    """Freeze the whole graph under a label (admin: it holds every account)."""
    if body.label == CURRENT:
        raise ApiProblem(422, f"{CURRENT!r} names the live graph; choose another label")
    taken = reports.snapshot_report(store, body.label)
    return json_response({k: taken[k] for k in ("label", "created_at", "counts")}, status_code=201)


@snapshot_router.get("/diff", response_model=DiffOut, summary="What changed between snapshots",
                     responses=errors(401, 404, 422))
def snapshot_diff(store: StoreDep, who: ReadKey,
                  old: Annotated[str, Query(max_length=100)],
                  new: Annotated[str, Query(max_length=100)] = CURRENT) -> Response:
    """Stances, people, relationships, coverage and gaps from `old` to `new` (default: `current`)."""
    try:
        report = diff(store, old, new)
    except SnapshotNotFound as err:
        raise not_found("snapshot", err.record_id) from None
    return json_response(_visible_diff(store, who, report))


def _visible_diff(store: GraphStore, who: Principal, report: dict[str, Any]) -> dict[str, Any]:
    """A diff cut to the key's accounts: other accounts' people, ties and figures left out."""
    if not who.restricted:
        return report
    seen = who.sees_account
    contacts = {c["id"] for key in ("new_contacts", "departed_contacts") for c in report[key] if seen(c["account_id"])}
    contacts |= {c["id"] for c in report["stance_changes"] if seen(c["account_id"])}

    def visible_contact(cid: str) -> bool:
        if cid in contacts:
            return True
        record = store.get("contacts", cid)
        return record is not None and seen(record.account_id)

    out = dict(report)
    for key in ("stance_changes", "new_contacts", "departed_contacts"):
        out[key] = [c for c in report[key] if seen(c["account_id"])]
    for key in ("new_relationships", "lost_relationships"):
        out[key] = [r for r in report[key] if visible_contact(r["contact_id"])]
    for key in ("departures", "arrivals"):
        out[key] = [c for c in report.get(key, ()) if seen(c["account_id"])]
    out["moves"] = [m for m in (visible_move(m, seen, visible_contact) for m in report.get("moves", ()))
                    if m is not None]
    out["ambiguous_matches"] = [
        {**a, "departed": [p for p in a["departed"] if seen(p["account_id"])],
         "arrived": [p for p in a["arrived"] if seen(p["account_id"])]} for a in report.get("ambiguous_matches", ())
        if any(seen(p["account_id"]) for p in (*a["departed"], *a["arrived"]))]
    out["accounts"] = [a for a in report["accounts"] if seen(a["id"])]
    out["posture_changes"] = [a for a in report.get("posture_changes", ()) if seen(a["id"])]
    return out
