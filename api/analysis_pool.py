"""Gap reports computed off the request thread: in worker processes, once per question
and store version.

An analysis holds a core for tens of milliseconds; run in the server's request threads,
fifty clients asking after a write queue behind one another on one interpreter. Here
each question (the request's path and query and what the key sees) is computed in a
process pool sized to the cores, **once per store version**: every request that asks it
while that computation runs awaits the same result, and a write (which changes the
store's version) starts at most one new computation per question. The answer goes into
the app's :class:`~api.cache.AnalysisCache` when no write happened meanwhile, so later
askers are served from there.

The workers open the store themselves (``opener`` must be picklable: it is sent to
each worker): the embedded store's file, or a driver of their own to the same Neo4j
database. They start by ``spawn``, never by forking a server that runs threads.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from collections.abc import Callable, Hashable
from concurrent.futures import Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import partial
from typing import Any

from api.cache import AnalysisCache
from api.problems import ApiProblem
from graph.exceptions import NotFound
from graph.store import GraphStore

__all__ = ["AnalysisPool", "GapsQuestion", "gaps_body"]


@dataclass(frozen=True)
class GapsQuestion:
    """What a gap report request asks: sent to a worker as it is."""

    account_id: str
    principal: Any  # api.security.Principal (the key and the accounts it sees)
    as_of: Any  # datetime.date | None
    stale_days: int
    executive_stale_days: int
    format: str


def gaps_body(store: GraphStore, question: GapsQuestion, cadence_policy: Any) -> bytes:
    """The gap report's response body (JSON, CSV or XLSX) as the key may see it."""
    from api.exports import csv_bytes, xlsx_bytes
    from api.responses import json_response
    from api.routes.common import visible_account
    from graph.analysis import reports

    report = reports.gaps_json(visible_account(store, question.principal, question.account_id),
                               today=question.as_of, stale_days=question.stale_days,
                               executive_stale_days=question.executive_stale_days, cadence_policy=cadence_policy)
    if question.format == "csv":
        return csv_bytes(GAP_COLUMNS, gap_rows(report))
    if question.format == "xlsx":
        return xlsx_bytes(GAP_COLUMNS, gap_rows(report), sheet="gaps")
    return bytes(json_response(report).body)


#: Columns of the gap report as CSV / XLSX.
GAP_COLUMNS = ("severity", "type", "explanation", "contacts", "accounts", "team", "opportunity", "key", "cause")


def gap_rows(report: dict[str, Any]) -> list[list[Any]]:
    """One row per gap; ``cause`` (the finding it follows from) lets a spreadsheet group them."""
    return [[g["severity"], g["type"], g["explanation"], "; ".join(g["contacts"]), "; ".join(g["accounts"]),
             "; ".join(g["team"]), g["opportunity"], g["key"], g["cause"]] for g in report["gaps"]]


class AnalysisPool:
    """Worker processes (one per core by default) that compute gap reports, each question
    once per store version."""

    def __init__(self, opener: Callable[[], GraphStore], *, workers: int | None = None,
                 cadence_policy: Any = None):
        self.workers = workers or os.cpu_count() or 1
        self._start = partial(ProcessPoolExecutor, max_workers=self.workers,
                              mp_context=multiprocessing.get_context("spawn"),
                              initializer=_open_worker, initargs=(opener, cadence_policy))
        self._executor = self._start()
        self._flights: dict[Hashable, asyncio.Future] = {}
        self._warming: list[Future] = []
        #: computations started (one per question and store version): what the tests count
        self.computations = 0

    def warm_up(self) -> None:
        """Start every worker (each opens its store), once, without waiting for them:
        until they are up (seconds on a loaded machine) :attr:`ready` is false and the
        server computes in its own threads."""
        if not self._warming:
            self._warming = [self._submit(_ready) for _ in range(self.workers)]

    @property
    def ready(self) -> bool:
        """Whether the workers started by :meth:`warm_up` are up (false before it)."""
        return bool(self._warming) and all(future.done() for future in self._warming)

    def wait_ready(self) -> None:
        """Start the workers and wait until they are up."""
        self.warm_up()
        wait(self._warming)

    async def gaps(self, key: Hashable, version: Hashable, question: GapsQuestion,
                   cache: AnalysisCache) -> bytes:
        """The body for ``question``: computed in a worker, or the computation already under
        way for the same ``key`` under the same store ``version``; kept in ``cache``
        unless a write came in between."""
        flight = self._flights.get((key, version))
        if flight is None:
            generation = cache.generation()
            flight = asyncio.wrap_future(self._submit(_worker_gaps, question))
            self.computations += 1
            self._flights[(key, version)] = flight

            def landed(done: asyncio.Future) -> None:
                self._flights.pop((key, version), None)
                if not done.cancelled() and done.exception() is None and done.result()[0] == "ok":
                    cache.put(key, done.result()[1], version=version, generation=generation)

            flight.add_done_callback(landed)
        outcome, value = await asyncio.shield(flight)  # one client leaving does not stop the others' answer
        if outcome == "not found":
            raise ApiProblem(404, value, type="urn:powermap:problem:not-found")
        return value

    def _submit(self, *job: Any) -> Future:
        """The job sent to a worker; a pool whose worker died (killed, out of memory) is
        replaced by a new one rather than failing every question after."""
        try:
            return self._executor.submit(*job)
        except BrokenProcessPool:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = self._start()
            return self._executor.submit(*job)

    def close(self) -> None:
        for flight in self._flights.values():
            flight.cancel()
        self._executor.shutdown(wait=True, cancel_futures=True)


_STORE: GraphStore | None = None
_POLICY: Any = None


def _open_worker(opener: Callable[[], GraphStore], cadence_policy: Any) -> None:
    global _STORE, _POLICY
    _STORE, _POLICY = opener(), cadence_policy


def _ready() -> None:
    return None


def _worker_gaps(question: GapsQuestion) -> tuple[str, Any]:
    """``("ok", body)``, or ``("not found", message)`` for an account that is not there
    (or not the key's): exceptions of the store are not sent back as they are."""
    try:
        return "ok", gaps_body(_STORE, question, _POLICY)
    except NotFound as err:
        return "not found", str(err)
    except ApiProblem as problem:
        if problem.status == 404:
            return "not found", problem.detail
        raise RuntimeError(f"{problem.status}: {problem.detail}") from None
