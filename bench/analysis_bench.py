"""Analysis benchmark: per-analysis medians on one account, and the portfolio gap run.

    python bench/analysis_bench.py                         # one 500-contact, 2,000-edge account
    python bench/analysis_bench.py --portfolio 1000000     # + `gaps --all` over 1M contacts

The account is bench/synthetic.group_account (a group with four subsidiaries). Each
analysis runs --repeat times on the same graph; the median is printed. The portfolio
run generates bench/import_bench's CSV portfolio (10,000 accounts for 1M contacts),
imports it into a fresh embedded store, then times the same code path as
`powermap gaps --all` (one worker process per core) and reports peak memory of the
parent and of the largest worker.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import statistics
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.synthetic import group_account  # noqa: E402
from graph.analysis import reports  # noqa: E402
from graph.analysis.coverage import coach_coverage  # noqa: E402
from graph.analysis.gaps import find_gaps  # noqa: E402
from graph.analysis.next_moves import next_moves  # noqa: E402
from graph.analysis.outcome import decision_unit_outcome  # noqa: E402
from graph.analysis.paths import strongest_paths  # noqa: E402
from graph.analysis.ranking import influence_ranking  # noqa: E402
from graph.analysis.rollup import group_rollup  # noqa: E402
from graph.embedded import EmbeddedStore  # noqa: E402

TODAY = dt.date(2026, 11, 1)


def median_ms(fn, repeat: int) -> float:
    fn()  # warm up
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def account_bench(contacts: int, edges: int, repeat: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = EmbeddedStore(Path(tmp) / "account.db")
        store.write(group_account(contacts, edges))
        G = store.account_subgraph("G")
        people = sum(1 for _, d in G.nodes(data=True) if d["kind"] == "contact")
        links = sum(1 for _, _, d in G.edges(data=True) if d["type"] in ("reports_to", "influences", "relationship"))
        print(f"account: {people} contacts, {links} edges (reports-to + influence + relationships), "
              f"median of {repeat} runs")
        target = max((n for n, d in G.nodes(data=True) if d["kind"] == "contact"),
                     key=lambda n: G.in_degree(n))
        rows = [
            ("subgraph fetch (store → MultiDiGraph)", lambda: store.account_subgraph("G")),
            ("paths (strongest + 3 next)", lambda: strongest_paths(G, G.nodes[target]["id"], k=3)),
            ("coverage", lambda: coach_coverage(G)),
            ("gaps", lambda: find_gaps(G, today=TODAY)),
            ("influence ranking", lambda: influence_ranking(G)),
            ("outcome (consensus unit)", lambda: decision_unit_outcome(G, "O1")),
            ("next moves (top 5, default time budget)", lambda: next_moves(G, today=TODAY)),
            ("rollup", lambda: group_rollup(G, today=TODAY)),
        ]
        for name, fn in rows:
            print(f"  {name:42s} {median_ms(fn, repeat):8.1f} ms")
        stats: dict[str, int] = {}
        next_moves(G, today=TODAY, stats=stats)
        full = {}
        t = time.perf_counter()
        next_moves(G, today=TODAY, time_budget=None, stats=full)
        print(f"  next moves tried {stats['tried']} of {stats['candidates']} candidates within the default "
              f"budget; all {full['candidates']} take {(time.perf_counter() - t) * 1000:.0f} ms")
        store.close()


def portfolio_bench(contacts: int, workers: int | None, keep: Path | None) -> None:
    from bench.import_bench import generate
    from importers import import_paths

    with tempfile.TemporaryDirectory() as tmp:
        folder = keep or Path(tmp)
        db = folder / "portfolio.db"
        if not db.exists():
            data = folder / "portfolio"
            data.mkdir(parents=True, exist_ok=True)
            print(f"generating and importing a portfolio of {contacts:,} contacts …", file=sys.stderr, flush=True)
            generate(data, contacts)
            with EmbeddedStore(db) as store:
                import_paths([data], store)
        with EmbeddedStore(db) as store:
            counts = store.counts()
            print(f"portfolio: {counts['accounts']:,} accounts, {counts['contacts']:,} contacts")
            t = time.perf_counter()
            report = reports.portfolio_gaps_report(store, partial(EmbeddedStore, str(db)), today=TODAY,
                                                   workers=workers)
            elapsed = time.perf_counter() - t
        parent = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"gaps --all: {report['counts']['accounts']:,} top-level accounts, {report['counts']['total']:,} gaps "
              f"in {elapsed:.1f} s with {workers or 'one per core'} workers")
        print(f"peak memory: parent {parent:,.0f} MB, largest worker {child:,.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contacts", type=int, default=500)
    parser.add_argument("--edges", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--portfolio", type=int, metavar="CONTACTS", help="also time gaps --all over a portfolio")
    parser.add_argument("--workers", type=int, help="worker processes for the portfolio run")
    parser.add_argument("--keep", type=Path, help="keep (and reuse) the portfolio store in this folder")
    args = parser.parse_args()
    account_bench(args.contacts, args.edges, args.repeat)
    if args.portfolio:
        portfolio_bench(args.portfolio, args.workers, args.keep)


if __name__ == "__main__":
    main()
