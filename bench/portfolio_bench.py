"""Portfolio benchmark: `powermap gaps --all --json` (or `--jsonl`) over a large store.

    python bench/portfolio_bench.py --contacts 1000000 --keep /tmp/pm-portfolio   # the target scale
    python bench/portfolio_bench.py --contacts 100000                               # a quick look

It imports bench/import_bench's synthetic portfolio (C/100 accounts, a group per ten:
10,000 accounts and 1,000 top-level groups for 1M contacts) into a fresh embedded store
(kept and reused with --keep), then runs the CLI command in a child process writing to a
file, and prints its wall time, the peak resident memory of that process (the parent,
its own VmHWM) and of its largest worker, the output's size and the load average (the machine may be
shared: figures taken under load say so). ``--code`` times another checkout's CLI
(a before figure) on the same store.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = """
import json, resource, sys, time
from powermap.cli import main
t = time.perf_counter()
with open(sys.argv[1], "w", encoding="utf-8") as out:
    sys.stdout = out
    code = main(sys.argv[2:])
    sys.stdout = sys.__stdout__
seconds = time.perf_counter() - t
with open("/proc/self/status") as status:  # this process's own peak (ru_maxrss would keep the launcher's)
    peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
print(json.dumps({"code": code, "seconds": seconds, "parent_mb": peak / 1024,
                  "worker_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}), file=sys.stderr)
"""


BUILD = """
import sys
from pathlib import Path
from bench.import_bench import generate
from graph.embedded import EmbeddedStore
from importers import import_paths
db, data, contacts = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
if not any(data.glob("*.csv")):
    data.mkdir(parents=True, exist_ok=True)
    print(f"generating a portfolio of {contacts:,} contacts …", file=sys.stderr, flush=True)
    generate(data, contacts)
print(f"importing {data} …", file=sys.stderr, flush=True)
with EmbeddedStore(db) as store:
    import_paths([data], store)
"""


def build(folder: Path, contacts: int, data: Path | None = None) -> Path:
    """The portfolio's store in ``folder`` (made once, then reused), from the CSV files in
    ``data`` when given (import_bench's --keep folder), else generated. In a process of its
    own: this one stays small, and so do the figures of the processes it starts."""
    db = folder / f"portfolio-{contacts}.db"
    if db.exists():
        return db
    partial = db.with_suffix(".part")
    subprocess.run([sys.executable, "-c", BUILD, str(partial), str(data or folder / f"portfolio-{contacts}"),
                    str(contacts)], check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    partial.rename(db)
    return db


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contacts", type=int, default=1_000_000, help="number of contacts (default 1,000,000)")
    parser.add_argument("--keep", type=Path, help="keep (and reuse) the store in this folder")
    parser.add_argument("--workers", type=int, help="worker processes [default: one per core]")
    parser.add_argument("--jsonl", action="store_true", help="JSON Lines instead of one JSON document")
    parser.add_argument("--code", type=Path, default=ROOT, help="the powermap checkout whose CLI is timed")
    parser.add_argument("--data", type=Path, help="import these CSV files (import_bench --keep's) instead of "
                                                  "generating them; --contacts then only names the store")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = (args.keep or Path(tmp)).resolve()
        folder.mkdir(parents=True, exist_ok=True)
        db = build(folder, args.contacts, args.data)
        output = folder / ("gaps.jsonl" if args.jsonl else "gaps.json")
        command = ["--db", str(db), "gaps", "--all", "--as-of", "2026-11-01",
                   "--jsonl" if args.jsonl else "--json", *(["--workers", str(args.workers)] if args.workers else [])]
        print(f"running powermap {' '.join(command[2:])} …", file=sys.stderr, flush=True)
        before = os.getloadavg()
        t = time.perf_counter()
        # run in the checkout: `python -c` puts the working directory before PYTHONPATH
        result = subprocess.run([sys.executable, "-c", CHILD, str(output), *command], capture_output=True,
                                text=True, cwd=args.code.resolve(),
                                env={**os.environ, "PYTHONPATH": str(args.code.resolve())})
        wall = time.perf_counter() - t
        if result.returncode:
            sys.exit(result.stderr)
        figures = json.loads(result.stderr.strip().splitlines()[-1])
        if figures["code"]:
            sys.exit(f"the command failed with exit code {figures['code']}: {result.stderr}")
        if args.jsonl:
            with open(output, encoding="utf-8") as lines:
                gaps = sum(1 for _ in lines)
            accounts = "?"
        else:
            with open(output, encoding="utf-8") as document:
                counts = json.load(document)["counts"]
            gaps, accounts = counts["total"], f"{counts['accounts']:,}"
        print(f"code: {args.code.resolve()}   store: {db.name}")
        print(f"gaps --all {'--jsonl' if args.jsonl else '--json'}: {accounts} top-level accounts, {gaps:,} gaps, "
              f"{output.stat().st_size / 2**20:,.1f} MB written")
        print(f"time: {figures['seconds']:.1f} s in the command ({wall:.1f} s with the interpreter's start)")
        print(f"peak memory: parent {figures['parent_mb']:,.0f} MB, largest worker {figures['worker_mb']:,.0f} MB")
        after = os.getloadavg()
        print(f"load average before: {' '.join(f'{x:.2f}' for x in before)}   "
              f"after: {' '.join(f'{x:.2f}' for x in after)}")


if __name__ == "__main__":
    main()
