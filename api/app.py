"""The application factory: ``create_app(settings)`` wires the store, the API state,
the webhook dispatcher, the routers, the error handlers, the body-size limit and the
self-hosted API docs (``/docs``, ``/openapi.json`` — no CDN)."""

from __future__ import annotations

import asyncio
import logging
import re
import threading
from collections.abc import Callable, Iterable
from contextlib import asynccontextmanager
from functools import partial
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse
from fastapi.security import HTTPAuthorizationCredentials
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from api.analysis_pool import AnalysisPool
from api.deps import ReadKey, StateDep, StoreDep, get_principal
from api.cache import AnalysisCache
from graph.analysis.cadence import load_policy
from api.events import Dispatcher, GapWatcher, PeopleWatcher, StanceWatcher, Watcher
from api.paths import KeepEncodedSeparators
from api.problems import PROBLEM_MEDIA_TYPE, ApiProblem, install_problem_handlers, problem_response
from api.routes import ROUTERS
from api.running import RunningImports
from api.schemas import ImportBody
from api.security import SESSION_COOKIE, page_csp
from api.settings import ApiSettings, get_api_settings
from api.sqlite_state import SqliteApiState
from api.state import ApiState
from graph.store import GraphStore
from importers.limits import ImportLimits

__all__ = ["create_app", "BodyLimit", "DESCRIPTION"]

DESCRIPTION = """\
Stakeholder and decision-chain analysis for key-account sales teams, over HTTP.

**Authentication.** Every endpoint but `/healthz` needs an API key from
`powermap keys create`: send `Authorization: Bearer <key>`. Browsers sign in with the link
`powermap serve` prints (`/login?key=…`), which sets a session cookie. Scopes: *read* <
*write* < *admin*. A key restricted to accounts sees those accounts and their descendants
only; anything else answers 404 as if it did not exist. Personal fields (a contact's email,
phone, birthday, notes) are returned only to keys made with `--pii`.

**Sync.** Lists are paged with `limit` and `cursor` (follow `next_cursor`) and filter with
`updated_since`; single records carry an `ETag` (send `If-None-Match` for 304, `If-Match`
on `PUT` to update only what you read).

**Errors** are RFC 9457 `application/problem+json` with `type`, `title`, `status`,
`detail` and, for validation, `errors` (each with `loc`, or `file`/`row`/`column` for
imports).
"""


log = logging.getLogger("powermap.api")


class RedactKeys(logging.Filter):
    """Take API keys out of access-log lines (``/login?key=…`` carries one)."""

    _KEY = re.compile(r"((?:^|[?&])key=)[^&\s]+")

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(self._KEY.sub(r"\1[redacted]", a) if isinstance(a, str) else a for a in record.args)
        return True


class BodyTooLarge(StarletteHTTPException):
    def __init__(self, limit: int):
        super().__init__(413, f"the request body is larger than {limit:,} bytes")


class BodyTimeout(StarletteHTTPException):
    def __init__(self, seconds: float):
        super().__init__(408, f"the request body did not arrive: nothing was received for {seconds:g} s",
                         headers={"Connection": "close"})


class BodyLimit:
    """413 for bodies over the limit (uploads: ``max_upload``; anything else: ``max_body``),
    checked on ``Content-Length`` and while reading; 408 when a body stops arriving for
    ``body_timeout`` seconds (a ``Content-Length`` larger than what is sent no longer holds
    the connection); a client that goes away in the middle of its body ends the request
    quietly (one log line, no traceback); plus a few security headers."""

    _HEADERS = [(b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
                (b"referrer-policy", b"no-referrer")]

    def __init__(self, app: Any, *, max_body: int, max_upload: int, body_timeout: float = 30.0):
        self.app = app
        self.max_body = max_body
        self.max_upload = max_upload
        self.body_timeout = body_timeout

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or ())
        content_type = headers.get(b"content-type", b"").lower()
        limit = self.max_upload if content_type.startswith(b"multipart/") else self.max_body

        async def send_with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message = {**message, "headers": [*message.get("headers", []),
                                                  *(h for h in self._HEADERS if h[0] not in present)]}
            await send(message)

        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            status = 413 if declared.isdigit() else 400
            response = problem_response(status, f"the request body is larger than {limit:,} bytes"
                                        if status == 413 else "invalid Content-Length")
            await response(scope, receive, send_with_headers)
            return
        received, body_done = 0, False

        async def limited_receive() -> dict:
            nonlocal received, body_done
            if body_done:  # past the body, receive() waits for the client to go: not timed
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), self.body_timeout)
            except asyncio.TimeoutError:
                raise BodyTimeout(self.body_timeout) from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
                body_done = not message.get("more_body", False)
            return message

        try:
            await self.app(scope, limited_receive, send_with_headers)
        except ClientDisconnect:
            log.warning("%s %s: the client went away before its whole body arrived (%d bytes); nothing done",
                      scope.get("method"), scope.get("path"), received)


def create_app(settings: ApiSettings | None = None, *, open_store: Callable[[], GraphStore] | None = None,
               open_state: Callable[[], ApiState] | None = None,
               watchers: Iterable[Watcher] | None = None,
               worker_store: Callable[[], GraphStore] | None = None) -> FastAPI:
    """The powermap HTTP API.

    Parameters
    ----------
    settings : ApiSettings, optional
        Default: from the environment (:func:`api.settings.get_api_settings`).
    open_store : callable, optional
        Opens the graph store when the app starts (the composition root passes the
        configured one); default: the embedded store at ``settings.db``.
    open_state : callable, optional
        Opens the API's own state when the app starts (the composition root puts it in the
        Neo4j database of a Neo4j store, where every server shares it); default: the SQLite
        file ``settings.state_path``.
    watchers : iterable of Watcher, optional
        What turns writes into events; default: ``[StanceWatcher(), PeopleWatcher(), GapWatcher()]``.
    worker_store : callable, optional
        Opens the same store in an analysis worker process (picklable: the composition
        root passes :func:`powermap.cli.store_opener`'s); default: the embedded store at
        ``settings.db`` when ``open_store`` is not given, else no workers (the request
        threads compute the analyses). ``settings.analysis_workers`` sizes the pool; its
        processes start with the app when ``worker_store`` is given, else at the first
        gap report asked — the request threads answer until they are up.
    """
    settings = settings or get_api_settings()
    cadence_policy = load_policy(settings.cadence_policy) if settings.cadence_policy else None
    watchers = list(watchers) if watchers is not None else [StanceWatcher(), PeopleWatcher(),
                                                                  GapWatcher(cadence_policy=cadence_policy)]

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if open_store is not None:
            store = open_store()
        else:
            from graph.embedded import EmbeddedStore

            store = EmbeddedStore(settings.db)
        state = open_state() if open_state is not None else SqliteApiState(settings.state_path)
        dispatcher = Dispatcher(state, attempts=settings.webhook_attempts, backoff=settings.webhook_backoff_seconds,
                                max_backoff=settings.webhook_max_backoff_seconds,
                                timeout=settings.webhook_timeout_seconds,
                                allow_private=settings.webhook_allow_private)
        app.state.store, app.state.api_state, app.state.dispatcher = store, state, dispatcher
        opener = worker_store
        if opener is None and open_store is None:
            from graph.embedded import EmbeddedStore

            opener = partial(EmbeddedStore, settings.db)
        if opener is not None and settings.analysis_workers != 0:
            app.state.analysis_pool = AnalysisPool(opener, workers=settings.analysis_workers,
                                                   cadence_policy=cadence_policy)
            if worker_store is not None:  # a server: its workers start with it, not at the first question
                app.state.analysis_pool.warm_up()
        access_log = logging.getLogger("uvicorn.access")
        if not any(isinstance(f, RedactKeys) for f in access_log.filters):
            access_log.addFilter(RedactKeys())
        dispatcher.start()
        try:
            yield
        finally:
            app.state.running_imports.cancel_all("the server is shutting down")
            if app.state.analysis_pool is not None:
                app.state.analysis_pool.close()
                app.state.analysis_pool = None
            dispatcher.stop()
            state.close()
            store.close()

    app = FastAPI(title="powermap", version=_version(), description=DESCRIPTION, lifespan=lifespan,
                  docs_url=None, redoc_url=None, openapi_url=None)
    app.state.settings = settings
    app.state.watchers = watchers
    app.state.write_lock = threading.Lock()
    app.state.analysis_cache = AnalysisCache(ttl=settings.analysis_cache_seconds)
    app.state.analysis_pool = None  # made when the app starts
    app.state.cadence_policy = cadence_policy
    app.state.running_imports = RunningImports(deadline=settings.import_deadline_seconds,
                                               limits=ImportLimits.from_environment())
    install_problem_handlers(app)
    app.add_middleware(BodyLimit, max_body=settings.max_body_bytes, max_upload=settings.max_upload_bytes,
                       body_timeout=settings.body_timeout_seconds)
    app.add_middleware(KeepEncodedSeparators)
    for router in ROUTERS:
        app.include_router(router)
    _add_docs(app)
    return app


def _version() -> str:
    try:
        return version("powermap")
    except PackageNotFoundError:
        return "0"


# ----- OpenAPI and self-hosted Swagger UI --------------------------------------------------
def _swagger_dir() -> Path:
    import swagger_ui

    return Path(swagger_ui.__file__).resolve().parent / "static"


_ASSETS = {"swagger-ui-bundle.js": "text/javascript", "swagger-ui.css": "text/css",
           "favicon-32x32.png": "image/png"}


def _add_docs(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _openapi_document(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    @app.get("/openapi.json", include_in_schema=False)
    def openapi_json(who: ReadKey) -> JSONResponse:
        return JSONResponse(app.openapi())

    @app.get("/docs", include_in_schema=False)
    def docs(request: Request, store: StoreDep, state: StateDep) -> Response:
        scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
        bearer = HTTPAuthorizationCredentials(scheme=scheme, credentials=credentials.strip()) \
            if scheme.lower() == "bearer" and credentials.strip() else None
        try:
            get_principal(store, state, bearer, request.cookies.get(SESSION_COOKIE))
        except ApiProblem:
            return RedirectResponse("/login?next=/docs", status_code=303)
        page = get_swagger_ui_html(openapi_url="/openapi.json", title="powermap API",
                                   swagger_js_url="/docs/assets/swagger-ui-bundle.js",
                                   swagger_css_url="/docs/assets/swagger-ui.css",
                                   swagger_favicon_url="/docs/assets/favicon-32x32.png")
        page.headers["Cache-Control"] = "no-store"
        # Swagger UI styles its elements inline; its one inline script is allowed by its hash
        page.headers["Content-Security-Policy"] = page_csp(page.body.decode("utf-8"), inline_style_attributes=True)
        page.headers["X-Content-Type-Options"] = "nosniff"
        return page

    @app.get("/docs/assets/{name}", include_in_schema=False)
    def docs_asset(name: str, who: ReadKey) -> Response:
        if name not in _ASSETS:
            raise ApiProblem(404, f"no asset {name!r}")
        return FileResponse(_swagger_dir() / name, media_type=_ASSETS[name],
                            headers={"Cache-Control": "private, max-age=86400"})


def _openapi_document(app: FastAPI) -> dict[str, Any]:
    document = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    body_schema = ImportBody.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(body_schema.pop("$defs", {}))
    schemas["ImportBody"] = body_schema
    for path_item in document.get("paths", {}).values():
        for operation in path_item.values():
            for status, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                ref = content.get("application/json", {}).get("schema", {}).get("$ref", "")
                if status[:1] in "45" and ref.endswith(("/Problem", "/HTTPValidationError")):
                    content.pop("application/json")
                    content[PROBLEM_MEDIA_TYPE] = {"schema": {"$ref": "#/components/schemas/Problem"}}
                    if ref.endswith("/HTTPValidationError"):
                        response["description"] = "The request is not valid; `errors` lists every problem."
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    return document
