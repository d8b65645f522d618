"""``GET /healthz``: is the server up and can it reach its store? (No key needed.)"""

from __future__ import annotations

import logging
from importlib.metadata import PackageNotFoundError, version
from typing import Literal

from fastapi import APIRouter, Response
from pydantic import BaseModel

from api.deps import StateDep, StoreDep
from api.responses import json_response

__all__ = ["router"]

log = logging.getLogger("powermap.api")
router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: Literal["ok", "unavailable"]
    store: Literal["ok", "unavailable", "cannot_write"]
    state: Literal["ok", "unavailable", "cannot_write"]
    version: str


def _version() -> str:
    try:
        return version("powermap")
    except PackageNotFoundError:
        return "unknown"


@router.get("/healthz", response_model=Health, summary="Health", responses={
    503: {"model": Health, "description": "The store or the API state cannot be reached, or cannot write "
                                          "(a full disk)."}})
def healthz(store: StoreDep, state: StateDep) -> Response:
    """200 when the store and the API state answer and can write, 503 otherwise (no details
    are given): ``unavailable`` when a part cannot be read, ``cannot_write`` when it answers
    but a write fails (a full disk, a read-only file)."""
    checks = {}
    for name, read, write in (("store", lambda: store.get("accounts", "\x00healthz"), lambda: store.probe_write()),
                              ("state", state.ping, lambda: state.probe_write())):
        for failed, probe in (("unavailable", read), ("cannot_write", write)):
            try:
                probe()
                checks[name] = "ok"
            except Exception:  # noqa: BLE001 - any failure means unhealthy; logged, not shown
                log.exception("health check of the %s failed (%s)", name, failed)
                checks[name] = failed
                break
    ok = all(v == "ok" for v in checks.values())
    return json_response({"status": "ok" if ok else "unavailable", **checks, "version": _version()},
                         status_code=200 if ok else 503)
