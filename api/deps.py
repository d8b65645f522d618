"""Typed dependencies of the routes: the store, the API state, the event bus, the
settings and the calling key's principal with its scope.

A route declares what it needs in its signature::

    @router.get("/{account_id}/gaps")
    def gaps(account_id: str, store: StoreDep, who: ReadKey): ...

The small dependencies are ``async`` (no thread hop); ``get_principal``, which queries,
runs in the thread pool. The store, the API state, the webhook dispatcher, the watchers and the write lock live
on ``app.state`` (made by :func:`api.app.create_app`'s lifespan); the event bus and the
write path are assembled per request from them, so overriding ``get_store`` (tests:
``app.dependency_overrides[get_store]``) swaps the store everywhere.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from api.events import EventBus
from api.problems import ApiProblem
from api.security import SESSION_COOKIE, Principal
from api.settings import ApiSettings
from api.state import ApiState
from api.writes import Writes
from graph.store import GraphStore

__all__ = ["get_store", "get_state", "get_bus", "get_settings", "get_writes", "get_principal",
           "StoreDep", "StateDep", "BusDep", "SettingsDep", "WritesDep", "PrincipalDep",
           "ReadKey", "WriteKey", "AdminKey"]


async def get_store(request: Request) -> GraphStore:
    return request.app.state.store


async def get_state(request: Request) -> ApiState:
    return request.app.state.api_state


async def get_bus(request: Request, store: Annotated[GraphStore, Depends(get_store)],
            state: Annotated[ApiState, Depends(get_state)]) -> EventBus:
    return EventBus(state, store, watchers=request.app.state.watchers, wake=request.app.state.dispatcher.wake)


async def get_settings(request: Request) -> ApiSettings:
    return request.app.state.settings


async def get_writes(request: Request, store: Annotated[GraphStore, Depends(get_store)],
               state: Annotated[ApiState, Depends(get_state)],
               bus: Annotated[EventBus, Depends(get_bus)]) -> Writes:
    return Writes(store, state, bus, lock=request.app.state.write_lock,
                  on_change=request.app.state.analysis_cache.clear)


StoreDep = Annotated[GraphStore, Depends(get_store)]
StateDep = Annotated[ApiState, Depends(get_state)]
BusDep = Annotated[EventBus, Depends(get_bus)]
SettingsDep = Annotated[ApiSettings, Depends(get_settings)]
WritesDep = Annotated[Writes, Depends(get_writes)]

_bearer = HTTPBearer(auto_error=False, description="An API key from `powermap keys create`.")
_cookie = APIKeyCookie(name=SESSION_COOKIE, auto_error=False,
                       description="The browser session made by `GET /login?key=…`.")

_UNAUTHORISED = {"WWW-Authenticate": 'Bearer realm="powermap"'}


def get_principal(
    store: StoreDep,
    state: StateDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)] = None,
    session: Annotated[str | None, Depends(_cookie)] = None,
) -> Principal:
    """The key behind the request (Bearer header, else session cookie); 401 without one."""
    if bearer is not None:
        key = state.authenticate(bearer.credentials)
        if key is None:
            raise ApiProblem(401, "unknown or revoked API key", type="urn:powermap:problem:unauthorised",
                             headers=_UNAUTHORISED)
    elif session:
        key = state.session_key(session)
        if key is None:
            raise ApiProblem(401, "the session has expired or was ended; sign in again",
                             type="urn:powermap:problem:unauthorised", headers=_UNAUTHORISED)
    else:
        raise ApiProblem(401, "an API key is required (Authorization: Bearer <key>)",
                         type="urn:powermap:problem:unauthorised", headers=_UNAUTHORISED)
    visible = None if key.accounts is None else frozenset(store.account_descendants(key.accounts))
    return Principal(key=key, visible=visible)


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def _require(scope: str):
    async def dependency(principal: PrincipalDep) -> Principal:
        if not principal.allows(scope):
            raise ApiProblem(403, f"this needs a key with {scope!r} scope; key {principal.name!r} has "
                                  f"{principal.key.scope!r}", type="urn:powermap:problem:forbidden")
        return principal

    dependency.__name__ = f"require_{scope}"
    return dependency


#: Any valid key (every scope can read).
ReadKey = Annotated[Principal, Depends(_require("read"))]
#: A key with write or admin scope.
WriteKey = Annotated[Principal, Depends(_require("write"))]
#: An admin key.
AdminKey = Annotated[Principal, Depends(_require("admin"))]
