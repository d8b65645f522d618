"""The gaps of a whole portfolio, one top-level account at a time, as they are found.

:func:`portfolio_gaps` yields each account's gaps in the order of the store's accounts,
computed in worker processes (one per core by default) with only a few accounts in
flight at once: whoever consumes it (``powermap gaps --all`` writing JSON) holds one
account's result at a time, however large the portfolio. :func:`write_portfolio_gaps`
writes that stream as one JSON document or as JSON Lines.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import os
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import IO, Any

from graph.analysis.gaps import find_gaps
from graph.store import GraphStore

__all__ = ["portfolio_gaps", "portfolio_roots", "write_portfolio_gaps", "account_gaps"]

#: At most this many accounts are sent to a worker at once, and this many chunks are in
#: flight per worker: enough to keep every worker busy, few enough that results waiting
#: to be written stay small.
_CHUNK = 8
_AHEAD = 2


def portfolio_roots(store: GraphStore) -> list[str]:
    """The ids of the store's top-level accounts (those with no parent), in its order."""
    return [a["id"] for a in store.list_accounts() if a["parent_id"] is None]


def account_gaps(store: GraphStore, account_id: str, today: dt.date, options: dict) -> list[dict[str, Any]]:
    """The gaps of one account's hierarchy as JSON-ready dicts naming the account."""
    G = store.account_subgraph(account_id, as_of=today)
    gaps = find_gaps(G, today=today, **options)
    name = G.nodes[G.graph["root"]]["name"]
    return [{**g.as_dict(), "account": account_id, "account_name": name} for g in gaps]


def portfolio_gaps(store: GraphStore, opener: Callable[[], GraphStore] | None = None, *,
                   roots: list[str] | None = None, today: dt.date | None = None, workers: int | None = None,
                   **options: Any) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """``(account id, its gaps)`` for every top-level account (or ``roots``), in order.

    ``opener`` opens the same store in a worker process (it must be picklable); without
    it, with one worker, or for fewer than eight accounts, everything runs here. At most
    ``workers × 2`` chunks of a few accounts are in flight, so the caller never holds
    more than those results."""
    roots = portfolio_roots(store) if roots is None else roots
    today = today or dt.date.today()
    workers = workers or os.cpu_count() or 1
    if opener is None or workers == 1 or len(roots) < 8:
        for root in roots:
            yield root, account_gaps(store, root, today, options)
        return
    size = max(1, min(_CHUNK, len(roots) // (workers * 4)))  # a small portfolio: small chunks, all busy
    chunks = [roots[i:i + size] for i in range(0, len(roots), size)]
    with ProcessPoolExecutor(max_workers=workers, initializer=_open_worker_store, initargs=(opener,)) as pool:
        pending: deque = deque()
        queued = iter(chunks)
        try:
            for chunk in queued:
                pending.append(pool.submit(_worker_gaps, chunk, today, options))
                if len(pending) >= workers * _AHEAD:
                    yield from pending.popleft().result()
            while pending:
                yield from pending.popleft().result()
        finally:  # the consumer stopped (or failed): drop what is not started
            for future in pending:
                future.cancel()


def write_portfolio_gaps(results: Iterator[tuple[str, list[dict[str, Any]]]], out: IO[str], *,
                         lines: bool = False,
                         progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Write the gaps of ``results`` to ``out`` as they arrive and return the counts.

    The document is ``{"gaps": [...], "counts": {...}}`` in compact JSON, each gap written
    once its account is done; with ``lines``, one gap per line (JSON Lines) and no counts.
    ``progress(accounts done)`` is called after each account."""
    by_account: dict[str, int] = {}
    accounts = total = 0
    if not lines:
        out.write('{"gaps": [')
    for account, gaps in results:
        accounts += 1
        for gap in gaps:
            text = json.dumps(gap, ensure_ascii=False, default=str)
            out.write(f"{text}\n" if lines else f"{', ' if total else ''}{text}")
            total += 1
        if gaps:
            by_account[account] = len(gaps)
        if progress:
            progress(accounts)
    counts = {"accounts": accounts, "total": total, "by_account": by_account}
    if not lines:
        out.write(f'], "counts": {json.dumps(counts, ensure_ascii=False)}}}\n')
    out.flush()
    return counts


_WORKER_STORE: GraphStore | None = None


#: A worker's cyclic garbage collector runs after this many net allocations (Python's
#: default is 700): on the 1,000-contact groups of the 1M-contact portfolio the default
#: ran ~26 young and ~2 middle collections per account and a full one every fifth, for
#: the few cyclic objects (~10,000) each account leaves; these thresholds run one young
#: collection every three accounts, which finds them all: ~12-20 % less CPU per account.
WORKER_GC_THRESHOLD = (50_000, 20, 100)


def _open_worker_store(opener: Callable[[], GraphStore]) -> None:
    global _WORKER_STORE
    _WORKER_STORE = opener()  # one store per worker process
    gc.freeze()  # what the worker imported and opened lives as long as the worker
    gc.set_threshold(*WORKER_GC_THRESHOLD)


def _worker_gaps(chunk: list[str], today: dt.date, options: dict) -> list[tuple[str, list[dict[str, Any]]]]:
    return [(account, account_gaps(_WORKER_STORE, account, today, options)) for account in chunk]
