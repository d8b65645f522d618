"""The analyses as JSON-ready reports over a store: what the CLI's ``--json`` prints and
the HTTP API returns, from one place."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import networkx as nx

from graph.analysis.change import diff, take_snapshot
from graph.analysis.coverage import coach_coverage
from graph.analysis.gaps import find_gaps, gap_counts
from graph.analysis.next_moves import next_moves
from graph.analysis.outcome import decision_unit_outcome
from graph.analysis.paths import strongest_paths
from graph.analysis.ranking import influence_ranking
from graph.analysis.rollup import group_rollup
from graph.exceptions import OpportunityNotFound
from graph.store import GraphStore

__all__ = ["paths_report", "coverage_report", "gaps_report", "portfolio_gaps_report", "influence_report",
           "outcome_report", "next_moves_report", "rollup_report", "snapshot_report", "snapshots_report",
           "diff_report", "top_account"]


def top_account(store: GraphStore, account_id: str) -> str:
    """The top of the hierarchy ``account_id`` belongs to (itself when it has no parent)."""
    seen = {account_id}
    current = account_id
    while True:
        parent = store.parents("accounts", [current]).get(current)
        if parent is None or parent in seen:
            return current
        seen.add(parent)
        current = parent


def paths_report(store: GraphStore, account_id: str, to: str, *, source: str | None = None, k: int = 3,
                 reports_to_weight: float = 0.5) -> dict[str, Any]:
    G = store.account_subgraph(account_id)
    return {"account": account_id, "to": to, "from": source,
            "paths": strongest_paths(G, to, source=source, k=k, reports_to_weight=reports_to_weight)}


def coverage_report(store: GraphStore, account_id: str, *, hops: int = 2) -> dict[str, Any]:
    return {"account": account_id, **coach_coverage(store.account_subgraph(account_id), hops=hops)}


def gaps_report(store: GraphStore, account_id: str, *, today: dt.date | None = None,
                **options: Any) -> dict[str, Any]:
    gaps = find_gaps(store.account_subgraph(account_id), today=today, **options)
    return {"account": account_id, "gaps": [g.as_dict() for g in gaps], "counts": gap_counts(gaps)}


_WORKER_STORE: GraphStore | None = None


def _open_worker_store(opener: Callable[[], GraphStore]) -> None:
    global _WORKER_STORE
    _WORKER_STORE = opener()  # one store per worker process


def _account_gaps(store: GraphStore, account_id: str, today: dt.date, options: dict) -> list[dict[str, Any]]:
    gaps = find_gaps(store.account_subgraph(account_id), today=today, **options)
    return [{**g.as_dict(), "account": account_id} for g in gaps]


def _worker_gaps(job: tuple) -> list[dict[str, Any]]:
    account_id, today, options = job
    return _account_gaps(_WORKER_STORE, account_id, today, options)


def portfolio_gaps_report(store: GraphStore, opener: Callable[[], GraphStore] | None = None, *,
                          today: dt.date | None = None, workers: int | None = None,
                          progress: Callable[[int, int], None] | None = None, **options: Any) -> dict[str, Any]:
    """Gaps of every top-level account, spread over worker processes (one per core by
    default). ``opener`` opens the same store in a worker (it must be picklable); without
    it, or with one worker, everything runs here."""
    roots = [a["id"] for a in store.list_accounts() if a["parent_id"] is None]
    today = today or dt.date.today()
    workers = workers or os.cpu_count() or 1
    if opener is None or workers == 1 or len(roots) < 8:
        results = (_account_gaps(store, r, today, options) for r in roots)
        gaps = _collect(results, len(roots), progress)
    else:
        jobs = [(r, today, options) for r in roots]
        with ProcessPoolExecutor(max_workers=workers, initializer=_open_worker_store, initargs=(opener,)) as pool:
            chunk = max(1, min(64, len(roots) // (workers * 8)))
            gaps = _collect(pool.map(_worker_gaps, jobs, chunksize=chunk), len(roots), progress)
    by_account: dict[str, int] = {}
    for gap in gaps:
        by_account[gap["account"]] = by_account.get(gap["account"], 0) + 1
    return {"gaps": gaps, "counts": {"accounts": len(roots), "total": len(gaps), "by_account": by_account}}


def _collect(results, total: int, progress) -> list[dict[str, Any]]:
    gaps: list[dict[str, Any]] = []
    for done, found in enumerate(results, start=1):
        gaps.extend(found)
        if progress:
            progress(done, total)
    return gaps


def influence_report(store: GraphStore, account_id: str, *, top: int | None = None) -> dict[str, Any]:
    return {"account": account_id, "ranking": influence_ranking(store.account_subgraph(account_id), top=top)}


def _opportunity_graph(store: GraphStore, opportunity_id: str) -> nx.MultiDiGraph:
    opportunity = store.get("opportunities", opportunity_id)
    if opportunity is None:
        raise OpportunityNotFound(opportunity_id)
    return store.account_subgraph(top_account(store, opportunity.account_id))


def outcome_report(store: GraphStore, opportunity_id: str, *, steps: int = 3) -> dict[str, Any]:
    return decision_unit_outcome(_opportunity_graph(store, opportunity_id), opportunity_id, steps=steps)


def next_moves_report(store: GraphStore, account_id: str, *, top: int = 5, today: dt.date | None = None
                      ) -> dict[str, Any]:
    return {"account": account_id, "moves": next_moves(store.account_subgraph(account_id), top=top, today=today)}


def rollup_report(store: GraphStore, account_id: str, *, today: dt.date | None = None) -> dict[str, Any]:
    return group_rollup(store.account_subgraph(account_id), today=today)


def snapshot_report(store: GraphStore, label: str) -> dict[str, Any]:
    return take_snapshot(store, label)


def snapshots_report(store: GraphStore) -> dict[str, Any]:
    return {"snapshots": store.list_snapshots()}


def diff_report(store: GraphStore, old: str, new: str) -> dict[str, Any]:
    return diff(store, old, new)
