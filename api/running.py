"""The imports a server is running, each stoppable: by its deadline, by its client going
away (checked while it runs), and all at once when the server shuts down — so that a
huge upload neither writes after its client has gone nor keeps the server from stopping.

A stopped import raises :class:`importers.limits.ImportCancelled` at its next check
(between rows, chunks, validation steps and write batches); its transaction is rolled
back and nothing is written.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from importers.limits import Cancellation, ImportLimits, cancellable, limits_in_force

__all__ = ["RunningImports"]

#: how often a running import's client is checked for having gone (seconds)
_POLL = 0.2


class RunningImports:
    """The server's running imports (``app.state.running_imports``)."""

    def __init__(self, *, deadline: float | None, limits: ImportLimits):
        self.deadline = deadline
        self.limits = limits
        self._lock = threading.Lock()
        self._running: set[Cancellation] = set()

    def cancel_all(self, reason: str) -> int:
        """Stop every running import; returns how many there were."""
        with self._lock:
            running = list(self._running)
        for cancellation in running:
            cancellation.cancel(reason)
        return len(running)

    async def run(self, request: Request, func: Callable[..., Any], *args: Any) -> Any:
        """``func(*args)`` in the thread pool as a stoppable import, within the limits."""
        cancellation = Cancellation(deadline=self.deadline)

        def work() -> Any:
            with limits_in_force(self.limits), cancellable(cancellation):
                cancellation.check()
                return func(*args)

        with self._lock:
            self._running.add(cancellation)
        try:
            task = asyncio.ensure_future(run_in_threadpool(work))
            while True:
                done, _ = await asyncio.wait({task}, timeout=_POLL)
                if done:
                    return task.result()
                if await request.is_disconnected():
                    cancellation.cancel("the client disconnected")
        finally:
            with self._lock:
                self._running.discard(cancellation)
