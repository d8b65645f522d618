"""CLI start-up benchmark: how long `powermap --help`, `powermap accounts` and `powermap show`
take, from the shell's point of view (a fresh process each run, its whole wall time).

    python bench/cli_bench.py              # 15 runs each, medians
    python bench/cli_bench.py --runs 31
    python bench/cli_bench.py --source /tmp/old   # another checkout's code (e.g. `git archive` of
                                                  # an older commit), with this environment's libraries

The demo data is loaded into a temporary embedded store first (`powermap demo --no-serve`);
`accounts` and `show A-G1` then read it. The machine may be shared, so every figure is the
median of repeated runs (min and max beside it); `python -c 'import click, rich'` is timed
too, as the floor any click + rich CLI pays.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGETS = {"--help": 0.25, "accounts": 0.5, "show A-G1": 0.5}


def _time(argv: list[str], env: dict[str, str], runs: int, cwd: str) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        times.append(time.perf_counter() - start)
        if done.returncode:
            raise SystemExit(f"{' '.join(argv)} failed: {done.stderr.decode()}")
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="runs per command (default 15)")
    parser.add_argument("--source", type=Path, help="run the powermap code in this folder instead")
    args = parser.parse_args()
    # `python -m powermap` is the console script's own entry point (powermap.cli:main)
    powermap = [sys.executable, "-m", "powermap"]
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "POWERMAP_DB": str(Path(tmp) / "demo.db")}
        if args.source:
            env["PYTHONPATH"] = str(args.source.resolve())
        subprocess.run([*powermap, "demo", "--no-serve"], env=env, check=True, cwd=tmp,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        rows = [("python -c 'import click, rich'", [sys.executable, "-c", "import click, rich"], None)]
        rows += [(f"powermap {command}", [*powermap, *command.split()], TARGETS[command]) for command in TARGETS]
        print(f"{'command':34} {'median':>8} {'min':>8} {'max':>8} {'target':>8}   ({args.runs} runs each)")
        for label, argv, target in rows:
            times = _time(argv, env, args.runs, tmp)
            verdict = "" if target is None else (f"{target:7.2f}s " + ("met" if statistics.median(times) < target
                                                                        else "MISSED"))
            print(f"{label:34} {statistics.median(times):7.3f}s {min(times):7.3f}s {max(times):7.3f}s {verdict}")


if __name__ == "__main__":
    main()
