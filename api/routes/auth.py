"""Browser sign-in, the way Jupyter does it: ``powermap serve`` prints
``http://127.0.0.1:8000/login?key=…&next=/docs``; opening it exchanges the key for a
session cookie (HttpOnly, SameSite=Strict, Secure) and redirects to ``next`` — a path
on this server only. Pages and API calls then work with the cookie or the Bearer header.
Another site cannot sign a browser in with its own key: its links only show a
confirmation naming the key, and a sign-in posted from it is refused.
"""

from __future__ import annotations

import html
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from api.deps import SettingsDep, StateDep
from api.security import SESSION_COOKIE, is_loopback_host, page_csp, safe_next
from api.settings import ApiSettings

__all__ = ["router", "DEFAULT_NEXT"]

router = APIRouter(tags=["sign-in"])
DEFAULT_NEXT = "/docs"
_NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
_HTML_401 = {401: {"description": "Unknown or revoked key: the sign-in form again, with a message.",
                   "content": {"text/html": {"schema": {"type": "string"}}}}}
_SEE_OTHER = {303: {"description": "Signed in: the session cookie is set; go to `next`.",
                    "headers": {"Location": {"schema": {"type": "string"}},
                                "Set-Cookie": {"schema": {"type": "string"}}}}}

Key = Annotated[str | None, Query(max_length=500, description="An API key (as printed by `powermap serve`).")]
Next = Annotated[str | None, Query(max_length=2000, description="Where to go after signing in: a path on this server.")]


@router.get("/login", response_class=HTMLResponse, summary="Sign in (browser)",
            responses={200: {"description": "The sign-in form.", "content": {"text/html": {}}},
                       **_SEE_OTHER, **_HTML_401})
def login(request: Request, state: StateDep, settings: SettingsDep, key: Key = None, next: Next = None) -> Response:
    """With `key`: exchange it for a session cookie and redirect to `next` (a local path;
    anything else goes to /docs) — when the link was opened by the user (typed, pasted,
    from a terminal or this server's own pages). Followed from another site, the link only
    shows a confirmation naming the key, so that nobody signs you in as them (login CSRF).
    Without `key`: the sign-in form."""
    if key is None:
        return _form(next)
    if _cross_site(request):
        found = state.authenticate(key)
        if found is None:
            return _form(next, error="Unknown or revoked key.", status_code=401)
        return _form(next, confirm=(key, found.name))
    return _sign_in(request, state, settings, key, next)


@router.post("/login", response_class=HTMLResponse, summary="Sign in (form)",
             responses={**_SEE_OTHER, **_HTML_401, 200: {"description": "unused", "content": {"text/html": {}}}})
def login_form(request: Request, state: StateDep, settings: SettingsDep,
               key: Annotated[str, Form(max_length=500)], next: Annotated[str | None, Form(max_length=2000)] = None,
               ) -> Response:
    """The sign-in form's target: the same exchange as `GET /login?key=…`; refused with 403
    when posted from another site (its `Origin` or `Sec-Fetch-Site` says so)."""
    if _cross_site(request):
        return _form(next, error="Sign-in from another site refused: sign in on this page.", status_code=403)
    return _sign_in(request, state, settings, key, next)


@router.post("/logout", status_code=303, response_class=Response, summary="Sign out",
             responses={303: {"description": "The session is ended; go to the sign-in form.",
                              "headers": {"Location": {"schema": {"type": "string"}}}}})
def logout(request: Request, state: StateDep) -> Response:
    """End the browser session (the cookie is cleared)."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        state.end_session(token)
    response = RedirectResponse("/login", status_code=303, headers=_NO_STORE)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    return response


def _sign_in(request: Request, state, settings: ApiSettings, key: str, next: str | None) -> Response:
    found = state.authenticate(key)
    if found is None:
        return _form(next, error="Unknown or revoked key.", status_code=401)
    token = state.create_session(found, hours=settings.session_hours)
    response = RedirectResponse(safe_next(next, DEFAULT_NEXT), status_code=303, headers=_NO_STORE)
    response.set_cookie(SESSION_COOKIE, token, max_age=int(settings.session_hours * 3600), path="/",
                        httponly=True, samesite="strict", secure=cookie_secure(request, settings))
    state.audit(found.name, "login", [], None)
    return response


def cookie_secure(request: Request, settings: ApiSettings) -> bool:
    """Secure unless plain http to a host that is not loopback (browsers accept Secure
    cookies from http://localhost and 127.0.0.1, not from other http hosts)."""
    if settings.cookie_secure is not None:
        return settings.cookie_secure
    return request.url.scheme == "https" or is_loopback_host(request.headers.get("host"))


def _cross_site(request: Request) -> bool:
    """Whether the request was made by another site's page (a link, form or redirect there):
    ``Sec-Fetch-Site`` when the browser sends it, else an ``Origin`` or ``Referer`` naming
    another host. A link typed, pasted or opened from a terminal is not (``none``)."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site not in ("same-origin", "none")
    host = (request.headers.get("host") or "").lower()
    for header in ("origin", "referer"):
        value = request.headers.get(header)
        if value and value != "null":
            return (urlsplit(value).netloc or "").lower() != host
        if value == "null":
            return True
    return False


def _form(next: str | None, *, error: str | None = None, status_code: int = 200,
          confirm: tuple[str, str] | None = None) -> Response:
    target = html.escape(safe_next(next, DEFAULT_NEXT), quote=True)
    message = f'<p class="error">{html.escape(error)}</p>' if error else ""
    if confirm is not None:
        key, name = (html.escape(part, quote=True) for part in confirm)
        message = (f"<p>A link from another site asks to sign you in as the key <strong>{name}</strong>. "
                   "Sign in only if this is your key.</p>")
        field = f'<input type="hidden" name="key" value="{key}">'
        button = f"Sign in as {name}"
    else:
        field = ('<label for="key">API key</label>\n'
                 '<input id="key" name="key" type="password" autocomplete="off" required autofocus>')
        button = "Sign in"
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>powermap · sign in</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font:16px system-ui,sans-serif;max-width:28rem;margin:4rem auto;padding:0 1rem}}
input{{font:inherit;width:100%;padding:.4rem;margin:.3rem 0 1rem;box-sizing:border-box}}
button{{font:inherit;padding:.4rem 1.2rem}}.error{{color:#b00020}}</style></head>
<body><h1>powermap</h1>{message}
<form method="post" action="/login">{field}
<input type="hidden" name="next" value="{target}"><button type="submit">{button}</button></form>
<p>Keys come from <code>powermap keys create</code>; <code>powermap serve</code> prints a sign-in link.</p>
</body></html>"""
    return HTMLResponse(page, status_code=status_code, headers={**_NO_STORE, "Content-Security-Policy": page_csp(page),
                                                                "X-Content-Type-Options": "nosniff"})
