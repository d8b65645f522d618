"""The maps as pages: ``/`` (index), ``/accounts/{id}/map``, ``/accounts/{id}/influence`` (when a
browser asks for HTML; API clients get the ranking there),
``/accounts/{id}/gap-report``, ``/opportunities/{id}/map``, ``/groups/{id}/map`` and the
``/static/…`` they use. Served with a Content-Security-Policy that allows this server
only; a browser without a session is sent to the sign-in form and back.

(No ``from __future__ import annotations``: FastAPI must see the annotations as objects.)"""

import json
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.security import HTTPAuthorizationCredentials

from api.deps import StateDep, StoreDep, get_principal
from api.exports import csv_bytes, xlsx_bytes
from api.problems import ApiProblem, errors, not_found
from api.routes.common import visible_account, visible_opportunity
from api.security import SESSION_COOKIE, Principal
from graph.analysis import find_gaps, gap_counts
from graph.analysis.coverage import coach_coverage
from graph.analysis.findings import gap_findings
from viz import maps
from viz.page import SERVED_CSP, STATIC_TYPES, map_page, static_file
from viz.tables import FINDING_COLUMNS, finding_rows, gap_report_page, index_page

__all__ = ["router"]

router = APIRouter(tags=["maps"], include_in_schema=True)
Lang = Annotated[Literal["en", "zh"] | None, Query(description="Labels in English or Chinese "
                                                                "(default: from Accept-Language).")]
Focus = Annotated[str | None, Query(max_length=2000, description="Contact ids to focus, comma-separated.")]
Reason = Annotated[str | None, Query(max_length=300, description="Why these people are focused (plain text, "
                                                                 "shown above the chart), e.g. a gap's finding.")]
#: Accounts per page of the index.
INDEX_PAGE_SIZE = 25
_HTML = {200: {"content": {"text/html": {}}, "description": "An HTML page."}}


class _SignIn(Exception):
    """No key: send the browser to the sign-in form."""


def _who(request: Request, store, state) -> Principal:
    auth = request.headers.get("authorization", "")
    bearer = None
    if auth.lower().startswith("bearer "):
        bearer = HTTPAuthorizationCredentials(scheme="Bearer", credentials=auth[7:].strip())
    try:
        return get_principal(store, state, bearer, request.cookies.get(SESSION_COOKIE))
    except ApiProblem as problem:
        if problem.status == 401:
            raise _SignIn() from None
        raise


def principal(request: Request, store, state) -> Principal:
    """The key behind an API request made without the usual dependency (401 without one)."""
    try:
        return _who(request, store, state)
    except _SignIn:
        raise _unauthorised() from None


def _unauthorised() -> ApiProblem:
    return ApiProblem(401, "an API key is required (Authorization: Bearer <key>)",
                      type="urn:powermap:problem:unauthorised", headers={"WWW-Authenticate": "Bearer"})


def _lang(request: Request, lang: str | None) -> str:
    if lang:
        return lang
    accepted = request.headers.get("accept-language", "").lower()
    first = accepted.split(",")[0].strip()
    return "zh" if first.startswith("zh") else "en"


def _page(content: str) -> HTMLResponse:
    return HTMLResponse(content, headers={"Content-Security-Policy": SERVED_CSP, "X-Content-Type-Options": "nosniff",
                                          "Referrer-Policy": "no-referrer", "Cache-Control": "no-store"})


def _guard(handler):
    """Wrap a page: no key → a browser is sent to /login?next=<this page>, others get 401."""
    import functools

    @functools.wraps(handler)
    def wrapped(*args, **kwargs):
        request: Request = kwargs["request"]
        try:
            return handler(*args, **kwargs)
        except _SignIn:
            if not wants_html(request):
                raise _unauthorised() from None
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?next={quote(target, safe='/')}", status_code=303)
    return wrapped


def _view(request: Request, store, state, account_id: str, lang: str | None):
    """(key, language, the account's subgraph as the key may see it) of a page request."""
    who = _who(request, store, state)
    return who, _lang(request, lang), visible_account(store, who, account_id)


def _languages(request: Request) -> dict[str, str]:
    """The English/中文 switch: this page's address with ``lang`` set (other parameters kept)."""
    out = {}
    for code in ("en", "zh"):
        url = request.url.include_query_params(lang=code)
        out[code] = f"{url.path}?{url.query}"
    return out


def _nav(account_id: str, lang: str) -> dict[str, str]:
    from viz.encoding import text

    q = f"?lang={lang}"
    return {text(lang, "accounts"): f"/{q}", text(lang, "org"): f"/accounts/{quote(account_id, safe='')}/map{q}",
            text(lang, "influence"): f"/accounts/{quote(account_id, safe='')}/influence{q}",
            text(lang, "group"): f"/groups/{quote(account_id, safe='')}/map{q}",
            text(lang, "gap_report"): f"/accounts/{quote(account_id, safe='')}/gap-report{q}"}


@router.get("/", summary="Accounts index page", responses={**_HTML, **errors(401)})
@_guard
def index(request: Request, store: StoreDep, state: StateDep, lang: Lang = None,
          page: Annotated[int, Query(ge=1, le=1_000_000, description="The page of accounts (25 a page).")] = 1,
          q: Annotated[str | None, Query(max_length=200, description="Find accounts and people by name or "
                                                                     "title (instead of the list).")] = None) -> Response:
    """The top-level accounts a page at a time with tier, posture, contacts, coach coverage and
    gap counts, each linking to its maps; ``q`` finds accounts and people across the store
    instead. Counts come from the analysis cache; those not there yet are fetched by the
    page from ``/accounts/{id}/index-row`` (computed and cached there), so the page itself
    never waits for an analysis."""
    who = _who(request, store, state)
    lang = _lang(request, lang)
    accounts = store.list_accounts()
    top = [a for a in accounts if who.sees_account(a["id"])
           and not (a["parent_id"] and who.sees_account(a["parent_id"]))]  # top-level accounts of what the key sees
    query = (q or "").strip()
    cache = request.app.state.analysis_cache
    if query:
        return _page(index_page([], lang=lang, total=len(top), query=query, found=_found(store, who, query, lang)))
    pages = max(1, -(-len(top) // INDEX_PAGE_SIZE))
    page = min(page, pages)
    rows, version = [], store.version()
    for account in top[(page - 1) * INDEX_PAGE_SIZE: page * INDEX_PAGE_SIZE]:
        cached = cache.peek(_row_key(account["id"], who), version=version)
        counts = json.loads(cached) if cached else {
            "contacts": None, "pending": f"/accounts/{quote(account['id'], safe='')}/index-row"}
        rows.append({**account, **counts,
                     "links": {k: v for k, v in _nav(account["id"], lang).items() if not v.startswith("/?")}})
    return _page(index_page(rows, lang=lang, total=len(top), page=page, pages=pages, cache_seconds=cache.ttl))


@router.get("/accounts/{account_id}/index-row", include_in_schema=False)
def index_row(request: Request, account_id: str, store: StoreDep, state: StateDep) -> Response:
    """An index row's figures as JSON (``contacts``, ``coverage``, ``gaps`` by severity),
    computed once and kept in the analysis cache; the index page fetches the rows it lacks."""
    who = principal(request, store, state)
    body = request.app.state.analysis_cache.get_or_compute(
        _row_key(account_id, who), lambda: _index_counts(request, store, who, account_id),
        version=store.version())
    return Response(body, media_type="application/json", headers={"Cache-Control": "no-store"})


def _row_key(account_id: str, who: Principal) -> tuple:
    return ("index-row", account_id, who.visible, who.pii)


def _index_counts(request: Request, store, who: Principal, account_id: str) -> bytes:
    """An index row's figures (contacts, coach coverage, gaps by severity), as cached bytes."""
    G = visible_account(store, who, account_id)
    counts = gap_counts(find_gaps(G, cadence_policy=request.app.state.cadence_policy))
    return json.dumps({"contacts": sum(1 for _, d in G.nodes(data=True) if d["kind"] == "contact"),
                       "coverage": coach_coverage(G)["coverage"], "gaps": counts["by_severity"]}).encode()


def _found(store, who: Principal, query: str, lang: str) -> dict[str, list[dict]]:
    """Accounts and people whose name (or title) contains ``query``, as far as the key sees."""
    names = {a["id"]: a["name"] for a in store.list_accounts()}
    found: dict[str, list[dict]] = {"accounts": [], "people": []}
    for hit in store.search(query, limit=200):
        if not who.sees_account(hit["account_id"]):
            continue
        where = quote(hit["account_id"], safe="")
        if hit["kind"] == "account" and len(found["accounts"]) < 50:
            found["accounts"].append({"id": hit["id"], "name": hit["name"], "link": f"/accounts/{where}/map?lang={lang}"})
        elif hit["kind"] == "contact" and len(found["people"]) < 50:
            found["people"].append({**hit, "account_name": names.get(hit["account_id"]),
                                    "link": f"/accounts/{where}/map?focus={quote(hit['id'], safe='')}&lang={lang}"})
    return found


@router.get("/accounts/{account_id}/map", summary="Org-chart map",
            responses={**_HTML, **errors(401, 404)})
@_guard
def org(request: Request, account_id: str, store: StoreDep, state: StateDep, lang: Lang = None,
        focus: Focus = None, reason: Reason = None) -> Response:
    """Person cards grouped account → department, line layers, a person panel on click;
    ``focus`` outlines people (the gap report's "show on map"), ``reason`` says why."""
    who, lang, G = _view(request, store, state, account_id, lang)
    data = maps.org_map(G, lang=lang, pii=who.pii, focus=[f for f in (focus or "").split(",") if f],
                        cadence_policy=request.app.state.cadence_policy, reason=reason)
    return _page(map_page(data, nav=_nav(account_id, lang), languages=_languages(request)))


def wants_html(request: Request) -> bool:
    """True for a browser asking for a page (``Accept: text/html…``), False for API clients."""
    accept = request.headers.get("accept", "").lower()
    return accept.startswith("text/html") or ("text/html" in accept and "application/json" not in accept)


@_guard
def influence(request: Request, account_id: str, store: StoreDep, state: StateDep, lang: Lang = None) -> Response:
    """The influence map (``GET /accounts/{id}/influence`` asked for as HTML): our team on
    one side, the deciders on the other, the strongest paths highlighted."""
    who, lang, G = _view(request, store, state, account_id, lang)
    return _page(map_page(maps.influence_map(G, lang=lang, pii=who.pii), nav=_nav(account_id, lang),
                          languages=_languages(request)))


_SHEET_TYPES = {"csv": "text/csv; charset=utf-8",
                "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@router.get("/accounts/{account_id}/gap-report", summary="Gap report page (or its spreadsheet)",
            responses={**_HTML, **errors(401, 404, 422), 200: {"content": {"text/html": {}, **{
                t: {} for t in _SHEET_TYPES.values()}}}})
@_guard
def gap_report(request: Request, account_id: str, store: StoreDep, state: StateDep, lang: Lang = None,
               format: Literal["html", "csv", "xlsx"] = "html") -> Response:
    """The findings grouped by root cause, each with its people by name, an owner on our side,
    the recommended action and a link to the map on its people; ``format=csv|xlsx`` gives the
    same as a spreadsheet (one row per gap, the finding's headline first)."""
    version = store.version()  # before the graph is read: an answer is never older than its version
    who, lang, G = _view(request, store, state, account_id, lang)
    cache = request.app.state.analysis_cache
    key = ("gap-findings", account_id, who.visible, who.pii)
    report = json.loads(cache.get_or_compute(key, lambda: json.dumps(
        gap_findings(G, cadence_policy=request.app.state.cadence_policy), default=str).encode(), version=version))
    account = {"id": account_id, "name": G.nodes[G.graph["root"]]["name"]}
    map_link = f"/accounts/{quote(account_id, safe='')}/map"
    if format in _SHEET_TYPES:
        rows = finding_rows(report, map_link=str(request.base_url).rstrip("/") + map_link, lang=lang)
        body = csv_bytes(FINDING_COLUMNS, rows) if format == "csv" else xlsx_bytes(FINDING_COLUMNS, rows,
                                                                                 sheet="gap report")
        name = quote(f"gap-report-{account_id}.{format}", safe="")
        return Response(body, media_type=_SHEET_TYPES[format],
                        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}",
                                 "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"})
    here = f"/accounts/{quote(account_id, safe='')}/gap-report?lang={lang}"
    return _page(gap_report_page(account, report, lang=lang, map_link=map_link, nav=_nav(account_id, lang),
                                 exports={"XLSX": f"{here}&format=xlsx", "CSV": f"{here}&format=csv"}))


@router.get("/opportunities/{opportunity_id}/map", summary="Decision-unit map",
            responses={**_HTML, **errors(401, 404)})
@_guard
def unit(request: Request, opportunity_id: str, store: StoreDep, state: StateDep, lang: Lang = None) -> Response:
    """The unit's members with stated and projected stance and the support index."""
    who = _who(request, store, state)
    lang = _lang(request, lang)
    G, opportunity = visible_opportunity(store, who, opportunity_id)
    return _page(map_page(maps.decision_unit_map(G, opportunity_id, lang=lang, pii=who.pii),
                          nav=_nav(opportunity.account_id, lang), languages=_languages(request)))


@router.get("/groups/{account_id}/map", summary="Group map",
            responses={**_HTML, **errors(401, 404)})
@_guard
def group(request: Request, account_id: str, store: StoreDep, state: StateDep, lang: Lang = None) -> Response:
    """The account hierarchy coloured by coverage, sized by contacts, click-through to each part."""
    who, lang, G = _view(request, store, state, account_id, lang)
    data = maps.group_map(G, lang=lang, link="/accounts/{id}/map?lang=" + lang,
                          cadence_policy=request.app.state.cadence_policy)
    return _page(map_page(data, nav=_nav(account_id, lang), languages=_languages(request)))


@router.get("/static/{name}", summary="A script or stylesheet of the pages", include_in_schema=False)
def static(name: str) -> Response:
    content = static_file(name)
    suffix = name[name.rfind("."):] if "." in name else ""
    if content is None or suffix not in STATIC_TYPES:
        raise not_found("file", name)
    return Response(content, media_type=STATIC_TYPES[suffix],
                    headers={"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"})
