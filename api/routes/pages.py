"""The maps as pages: ``/`` (index), ``/accounts/{id}/map``, ``/accounts/{id}/influence`` (when a
browser asks for HTML; API clients get the ranking there),
``/accounts/{id}/gap-report``, ``/opportunities/{id}/map``, ``/groups/{id}/map`` and the
``/static/…`` they use. Served with a Content-Security-Policy that allows this server
only; a browser without a session is sent to the sign-in form and back.

(No ``from __future__ import annotations``: FastAPI must see the annotations as objects.)"""

from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.security import HTTPAuthorizationCredentials

from api.deps import StateDep, StoreDep, get_principal
from api.problems import ApiProblem, errors, not_found
from api.routes.common import visible_account, visible_opportunity
from api.security import SESSION_COOKIE, Principal
from graph.analysis import find_gaps, gap_counts, reports
from graph.analysis.coverage import coach_coverage
from viz import maps
from viz.page import SERVED_CSP, STATIC_TYPES, gap_report_page, index_page, map_page, static_file

__all__ = ["router"]

router = APIRouter(tags=["maps"], include_in_schema=True)
Lang = Annotated[Literal["en", "zh"] | None, Query(description="Labels in English or Chinese "
                                                                "(default: from Accept-Language).")]
Focus = Annotated[str | None, Query(max_length=2000, description="Contact ids to focus, comma-separated.")]
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


def _nav(account_id: str, lang: str) -> dict[str, str]:
    from viz.encoding import text

    q = f"?lang={lang}"
    return {text(lang, "accounts"): f"/{q}", text(lang, "org"): f"/accounts/{quote(account_id, safe='')}/map{q}",
            text(lang, "influence"): f"/accounts/{quote(account_id, safe='')}/influence{q}",
            text(lang, "group"): f"/groups/{quote(account_id, safe='')}/map{q}",
            text(lang, "gap_report"): f"/accounts/{quote(account_id, safe='')}/gap-report{q}"}


@router.get("/", summary="Accounts index page", responses={**_HTML, **errors(401)})
@_guard
def index(request: Request, store: StoreDep, state: StateDep, lang: Lang = None) -> Response:
    """Accounts with search, tier, posture, coverage and gap counts, each linking to its maps."""
    who = _who(request, store, state)
    lang = _lang(request, lang)
    rows = []
    for account in store.list_accounts():
        if not who.sees_account(account["id"]) or (account["parent_id"] and who.sees_account(account["parent_id"])):
            continue  # top-level accounts of what the key sees
        G = visible_account(store, who, account["id"])
        counts = gap_counts(find_gaps(G, cadence_policy=request.app.state.cadence_policy))
        rows.append({**account, "contacts": sum(1 for _, d in G.nodes(data=True) if d["kind"] == "contact"),
                     "coverage": coach_coverage(G)["coverage"], "gaps": counts["by_severity"],
                     "links": {k: v for k, v in _nav(account["id"], lang).items() if not v.startswith("/?")}})
    return _page(index_page(rows, lang=lang))


@router.get("/accounts/{account_id}/map", summary="Org-chart map",
            responses={**_HTML, **errors(401, 404)})
@_guard
def org(request: Request, account_id: str, store: StoreDep, state: StateDep, lang: Lang = None,
        focus: Focus = None) -> Response:
    """Top-down by reporting line, departments side by side, influence drawn over it."""
    who, lang, G = _view(request, store, state, account_id, lang)
    data = maps.org_map(G, lang=lang, pii=who.pii, focus=[f for f in (focus or "").split(",") if f],
                        cadence_policy=request.app.state.cadence_policy)
    return _page(map_page(data, nav=_nav(account_id, lang)))


def wants_html(request: Request) -> bool:
    """True for a browser asking for a page (``Accept: text/html…``), False for API clients."""
    accept = request.headers.get("accept", "").lower()
    return accept.startswith("text/html") or ("text/html" in accept and "application/json" not in accept)


@_guard
def influence(request: Request, account_id: str, store: StoreDep, state: StateDep, lang: Lang = None) -> Response:
    """The influence map (``GET /accounts/{id}/influence`` asked for as HTML): our team on
    one side, the deciders on the other, the strongest paths highlighted."""
    who, lang, G = _view(request, store, state, account_id, lang)
    return _page(map_page(maps.influence_map(G, lang=lang, pii=who.pii), nav=_nav(account_id, lang)))


@router.get("/accounts/{account_id}/gap-report", summary="Gap report page",
            responses={**_HTML, **errors(401, 404)})
@_guard
def gap_report(request: Request, account_id: str, store: StoreDep, state: StateDep, lang: Lang = None) -> Response:
    """The findings, each linking to the map focused on the people involved."""
    who, lang, G = _view(request, store, state, account_id, lang)
    report = reports.gaps_json(G, cadence_policy=request.app.state.cadence_policy)
    account = {"id": account_id, "name": G.nodes[G.graph["root"]]["name"]}
    return _page(gap_report_page(account, report["gaps"], lang=lang,
                                 map_link=f"/accounts/{quote(account_id, safe='')}/map"))


@router.get("/opportunities/{opportunity_id}/map", summary="Decision-unit map",
            responses={**_HTML, **errors(401, 404)})
@_guard
def unit(request: Request, opportunity_id: str, store: StoreDep, state: StateDep, lang: Lang = None) -> Response:
    """The unit's members with stated and projected stance and the support index."""
    who = _who(request, store, state)
    lang = _lang(request, lang)
    G, opportunity = visible_opportunity(store, who, opportunity_id)
    return _page(map_page(maps.decision_unit_map(G, opportunity_id, lang=lang, pii=who.pii),
                          nav=_nav(opportunity.account_id, lang)))


@router.get("/groups/{account_id}/map", summary="Group map",
            responses={**_HTML, **errors(401, 404)})
@_guard
def group(request: Request, account_id: str, store: StoreDep, state: StateDep, lang: Lang = None) -> Response:
    """The account hierarchy coloured by coverage, sized by contacts, click-through to each part."""
    who, lang, G = _view(request, store, state, account_id, lang)
    data = maps.group_map(G, lang=lang, link="/accounts/{id}/map?lang=" + lang,
                          cadence_policy=request.app.state.cadence_policy)
    return _page(map_page(data, nav=_nav(account_id, lang)))


@router.get("/static/{name}", summary="A script or stylesheet of the pages", include_in_schema=False)
def static(name: str) -> Response:
    content = static_file(name)
    suffix = name[name.rfind("."):] if "." in name else ""
    if content is None or suffix not in STATIC_TYPES:
        raise not_found("file", name)
    return Response(content, media_type=STATIC_TYPES[suffix],
                    headers={"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"})
