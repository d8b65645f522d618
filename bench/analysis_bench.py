"""Analysis benchmark: per-analysis medians on one account, and the portfolio gap run.

    python bench/analysis_bench.py                         # one 500-contact, 2,000-edge account
    python bench/analysis_bench.py --compare ../main       # before (that checkout) and after (this one)
    python bench/analysis_bench.py --portfolio 1000000     # + `gaps --all` over 1M contacts

The account is bench/synthetic.group_account (a group with four subsidiaries). Each
analysis runs --repeat times on the same graph; the median wall time and the median CPU
time (``time.process_time``: less noisy on a shared, loaded machine) are printed, with
the load average before and after. "reach build" is the reach structure the analyses
share (reach edges → SciPy matrix → Dijkstra from our team), built afresh each run.
"next moves" runs with the default 150 ms budget (so it takes about that long whenever
more candidates are left); "next moves, all candidates" tries every candidate.

``--compare DIR`` runs this benchmark on the analyses of another checkout (``--code
DIR``, e.g. ``git archive main | tar -x -C /tmp/main``) and on this one, alternately,
``--rounds`` times each in fresh processes, and prints both side by side (the median
over rounds of each run's medians). The portfolio run generates bench/import_bench's
CSV portfolio (10,000 accounts for 1M contacts), imports it into a fresh embedded store,
then times the same code path as `powermap gaps --all` (one worker process per core) and
reports peak memory of the parent and of the largest worker.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# --code DIR: time the analyses of another checkout (the "before" of --compare)
CODE = Path(sys.argv[sys.argv.index("--code") + 1]).resolve() if "--code" in sys.argv else ROOT
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(CODE))

from bench.synthetic import group_account  # noqa: E402
from graph.analysis import reports  # noqa: E402
from graph.analysis.coverage import coach_coverage  # noqa: E402
from graph.analysis.divisions import division_view  # noqa: E402
from graph.analysis.gaps import find_gaps  # noqa: E402
from graph.analysis.next_moves import next_moves  # noqa: E402
from graph.analysis.outcome import decision_unit_outcome  # noqa: E402
from graph.analysis.paths import strongest_paths  # noqa: E402
from graph.analysis.ranking import influence_ranking  # noqa: E402
from graph.analysis.rollup import group_rollup  # noqa: E402
from graph.embedded import EmbeddedStore  # noqa: E402

TODAY = dt.date(2026, 11, 1)


def medians_ms(fn, repeat: int) -> tuple[float, float]:
    """(median wall ms, median CPU ms) of ``repeat`` runs after a warm-up."""
    fn()  # warm up
    wall, cpu = [], []
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def reach_build(G):
    """The reach structure the analyses share, built afresh (this checkout, or the old way)."""
    from graph.analysis import _views
    from graph.analysis._reach import Reach

    cutoff = -math.log(0.1)
    if hasattr(Reach, "of"):
        return lambda: Reach.of(G, _views.US, cutoff)
    return lambda: Reach(_views.reach_graph(G), _views.US, cutoff)


def account_rows(contacts: int, edges: int, repeat: int) -> tuple[str, list[tuple[str, float, float]]]:
    with tempfile.TemporaryDirectory() as tmp:
        store = EmbeddedStore(Path(tmp) / "account.db")
        store.write(group_account(contacts, edges, divisions=True))
        G = store.account_subgraph("G")
        people = sum(1 for _, d in G.nodes(data=True) if d["kind"] == "contact")
        links = sum(1 for _, _, d in G.edges(data=True) if d["type"] in ("reports_to", "influences", "relationship"))
        target = max((n for n, d in G.nodes(data=True) if d["kind"] == "contact"),
                     key=lambda n: G.in_degree(n))
        rows = [
            ("subgraph fetch (store → MultiDiGraph)", lambda: store.account_subgraph("G")),
            ("reach build (edges → matrix → Dijkstra)", reach_build(G)),
            ("paths (strongest + 3 next)", lambda: strongest_paths(G, G.nodes[target]["id"], k=3)),
            ("coverage", lambda: coach_coverage(G)),
            ("gaps", lambda: find_gaps(G, today=TODAY)),
            ("influence ranking", lambda: influence_ranking(G)),
            ("outcome (consensus unit)", lambda: decision_unit_outcome(G, "O1")),
            ("next moves (top 5, default time budget)", lambda: next_moves(G, today=TODAY)),
            ("next moves, all candidates", lambda: next_moves(G, today=TODAY, time_budget=None)),
            ("rollup", lambda: group_rollup(G, today=TODAY)),
            ("divisions", lambda: division_view(G)),
        ]
        stats: dict[str, int] = {}
        next_moves(G, today=TODAY, stats=stats)
        out = [(name, *medians_ms(fn, repeat)) for name, fn in rows]
        out.append((f"next moves tried (of {stats['candidates']} candidates)", float(stats["tried"]), float("nan")))
        store.close()
        return f"account: {people} contacts, {links} edges (reports-to + influence + relationships)", out


def account_bench(contacts: int, edges: int, repeat: int, as_json: bool = False) -> None:
    print(f"load average before: {_load()}", file=sys.stderr if as_json else sys.stdout)
    title, rows = account_rows(contacts, edges, repeat)
    if as_json:
        print(json.dumps({"title": title, "rows": rows, "load": _load()}))
        return
    print(f"{title}, median of {repeat} runs (code: {CODE})")
    print(f"  {'':42s} {'wall ms':>8s} {'CPU ms':>8s}")
    for name, wall, cpu in rows:
        print(f"  {name:42s} {wall:8.1f} {cpu:8.1f}")
    print(f"load average after: {_load()}")


def compare_bench(before: Path, args: argparse.Namespace) -> None:
    """Before (``before``'s analyses) and after (this checkout's), alternately, in fresh processes."""
    runs: dict[str, list[dict]] = {"before": [], "after": []}
    loads = [_load()]
    for _ in range(args.rounds):
        for label, code in (("before", before), ("after", ROOT)):
            out = subprocess.run([sys.executable, __file__, "--code", str(code), "--json", "--repeat", str(args.repeat),
                                  "--contacts", str(args.contacts), "--edges", str(args.edges)],
                                 check=True, capture_output=True, text=True).stdout
            runs[label].append(json.loads(out.strip().splitlines()[-1]))
            loads.append(runs[label][-1]["load"])
    print(f"{runs['after'][0]['title']}; {args.rounds} alternating rounds of {args.repeat} runs each, "
          f"median over rounds of each run's median")
    print(f"before: {before}\nafter:  {ROOT}")
    print(f"  {'':42s} {'wall before':>12s} {'wall after':>11s} {'CPU before':>11s} {'CPU after':>10s}")
    for i, (name, _, _) in enumerate(runs["after"][0]["rows"]):
        def med(label: str, col: int) -> float:
            values = [r["rows"][i][col] for r in runs[label] if i < len(r["rows"])]
            return statistics.median(values) if values else float("nan")
        print(f"  {name:42s} {med('before', 1):12.1f} {med('after', 1):11.1f} {med('before', 2):11.1f} "
              f"{med('after', 2):10.1f}")
    print(f"load average (1, 5, 15 min) at the start and after each run: {'; '.join(loads)}")


def _load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


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
    parser.add_argument("--compare", type=Path, metavar="DIR",
                        help="also time the analyses of the checkout in DIR (before) beside this one (after)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating before/after runs with --compare")
    parser.add_argument("--code", type=Path, metavar="DIR", help="time the analyses of the checkout in DIR")
    parser.add_argument("--json", action="store_true", help="print the account figures as one JSON line")
    args = parser.parse_args()
    if args.compare:
        compare_bench(args.compare.resolve(), args)
    else:
        account_bench(args.contacts, args.edges, args.repeat, as_json=args.json)
    if args.portfolio:
        portfolio_bench(args.portfolio, args.workers, args.keep)


if __name__ == "__main__":
    main()
