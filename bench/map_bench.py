"""Map benchmark: server-side page generation and first drawing in headless Chromium.

    python bench/map_bench.py                  # 150 (the demo), 500 and 2,000 people

For each size it times building the org-chart page (person cards, gaps, next moves for
the panels, HTML; the median of --repeat runs) and loads the exported page in Debian's
Chromium, reading back how long after navigation start the chart was drawn
(`data-draw-ms`, set by the page's script in the first animation frame after every card
is built and the line layers are drawn). Headless Chromium on this machine stands in for
a laptop browser; say so when quoting the figure.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.synthetic import group_account  # noqa: E402
from graph.embedded import EmbeddedStore  # noqa: E402
from importers import import_paths  # noqa: E402
from powermap.commands.maps import CHROMIUM_FLAGS, chromium  # noqa: E402
from viz.maps import org_map  # noqa: E402
from viz.page import map_page  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cases = []
        demo = EmbeddedStore(Path(tmp) / "demo.db")
        import_paths([ROOT / "demo" / "demo.xlsx"], demo)
        cases.append(("demo group", demo.account_subgraph("A-G1"), {}))
        for people in (500, 2000):
            store = EmbeddedStore(Path(tmp) / f"{people}.db")
            store.write(group_account(people, people * 4))
            cases.append((f"{people} people", store.account_subgraph("G"), {}))
        # the worst case: every group of the 2,000 open (all cards laid out, every reporting line drawn)
        cases.append(("2000 all open", cases[-1][1], {"cluster_above": 10**6, "moves": False}))
        browser = chromium()
        for name, G, options in cases:
            times = []
            for _ in range(args.repeat):
                t = time.perf_counter()
                page = map_page(org_map(G, **options))
                times.append((time.perf_counter() - t) * 1000)
            inline = Path(tmp) / "page.html"
            inline.write_text(map_page(org_map(G, **options), inline=True), encoding="utf-8")
            drawn = "n/a (no Chromium)"
            if browser:
                result = subprocess.run([browser, *CHROMIUM_FLAGS, f"--user-data-dir={tmp}/p{time.monotonic_ns()}",
                                         "--virtual-time-budget=20000", "--dump-dom", inline.as_uri()],
                                        capture_output=True, text=True, timeout=300)
                found = re.search(r'data-draw-ms="(\d+)"', result.stdout)
                drawn = f"{found.group(1)} ms" if found else "did not draw"
            people = sum(1 for _, d in G.nodes(data=True) if d["kind"] == "contact")
            print(f"{name:13s} {people:5d} contacts: page {statistics.median(times):6.1f} ms (median of "
                  f"{args.repeat}), {len(page) / 1024:,.0f} KB served; first drawing in Chromium {drawn}")


if __name__ == "__main__":
    main()
