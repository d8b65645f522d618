"""Every analysis's JSON on the demo, the real organisations of tests/data and the benchmark's
synthetic account, as golden files that pin the results while the analyses are made faster.

    .venv/bin/python tests/golden_analyses.py        # (re)write tests/data/golden/*.json

Capture the golden files from a commit whose analyses are known right (the files in the
repository were captured on main before the shared reach structure of issue #17), then
change the analyses: tests/test_analysis_golden.py compares each analysis's JSON, key
for key. A change that is meant to change results regenerates the files in its own commit
and says why. Fields added to an analysis after the capture are listed in
:data:`ADDED_FIELDS` and left out of the comparison.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
for folder in (str(REPO), str(HERE)):
    if folder not in sys.path:
        sys.path.insert(0, folder)

from graph.analysis import reports  # noqa: E402
from graph.analysis._views import contacts, deciders, opportunities  # noqa: E402
from graph.analysis.cadence import cadence_breaches  # noqa: E402
from graph.analysis.findings import gap_findings  # noqa: E402
from graph.embedded import EmbeddedStore  # noqa: E402
from graph.subgraph import split_key  # noqa: E402

GOLDEN = HERE / "data" / "golden"
TODAY = dt.date(2026, 11, 1)
#: organisation → (the accounts analysed, the day the analyses are run on)
ORGANISATIONS: dict[str, tuple[tuple[str, ...], dt.date]] = {
    "demo": (("A-G1", "A-HF", "A-JN"), TODAY),
    "krackhardt": (("K",), TODAY),
    "lazega": (("SGR",), TODAY),
    "enron": (("ENRON",), dt.date(2002, 7, 1)),
    "synthetic": (("G",), TODAY),
}
#: Fields analyses gained after the golden files were captured: analysis → keys (at any depth).
ADDED_FIELDS = {"gaps": {"cause", "by_cause"}, "findings": {"cause", "division"},  # division: the owner's
                "outcome": {"departed_members"}}
#: How many deciders (or, without any, contacts; the first, sorted) each account's paths are asked for.
PATH_TARGETS = 4


def load(name: str, folder: Path) -> EmbeddedStore:
    """A fresh embedded store in ``folder`` holding the organisation ``name``."""
    from importers import import_paths

    store = EmbeddedStore(folder / f"{name}.db")
    if name == "demo":
        import_paths([REPO / "demo" / "demo.xlsx"], store)
    elif name == "krackhardt":
        from test_real_organisation import import_krackhardt

        import_krackhardt(store, folder)
    elif name == "lazega":
        from test_real_organisation import import_lazega

        import_lazega(store, folder)
    elif name == "enron":
        from test_interactions import import_enron

        import_enron(store)
    elif name == "synthetic":
        from bench.synthetic import group_account

        store.write(group_account(500, 2000))
    else:
        raise ValueError(f"no organisation {name!r}")
    return store


def analyses(store: EmbeddedStore, account: str, today: dt.date) -> dict[str, Any]:
    """analysis name → its JSON (as the CLI's --json prints it) for one account."""
    G = store.account_subgraph(account, as_of=today)
    targets = [split_key(c)[1] for c in sorted(deciders(G)) or sorted(contacts(G))][:PATH_TARGETS]
    team = sorted(split_key(t)[1] for t, d in G.nodes(data=True) if d["kind"] == "team")
    out: dict[str, Any] = {
        "paths": {t: reports.paths_json(G, t, k=3) for t in targets},
        "paths_from": {t: reports.paths_json(G, t, source=team[0], k=2) for t in targets[:2]} if team else {},
        "coverage": reports.coverage_json(G),
        "gaps": reports.gaps_json(G, today=today),
        "influence": reports.influence_json(G),
        "outcome": {split_key(o)[1]: reports.outcome_json(G, split_key(o)[1]) for o in sorted(opportunities(G))},
        "next_moves": reports.next_moves_json(G, top=10, today=today, time_budget=None),
        "next_moves_uncapped": reports.next_moves_json(G, top=10, today=today, time_budget=None, per_person=None),
        "rollup": reports.rollup_json(G, today=today),
        "cadence": cadence_breaches(G, today=today),
        "findings": gap_findings(G, today=today),
    }
    return json.loads(json.dumps(out, default=str))


def organisation_json(name: str, folder: Path) -> dict[str, Any]:
    accounts, today = ORGANISATIONS[name]
    with load(name, folder) as store:
        return {account: analyses(store, account, today) for account in accounts}


def main() -> None:
    import tempfile

    GOLDEN.mkdir(parents=True, exist_ok=True)
    for name in sys.argv[1:] or ORGANISATIONS:
        with tempfile.TemporaryDirectory() as tmp:
            result = organisation_json(name, Path(tmp))
        (GOLDEN / f"{name}.json").write_text(json.dumps(result, indent=1, ensure_ascii=False, sort_keys=True) + "\n")
        print(f"wrote {GOLDEN / f'{name}.json'}")


if __name__ == "__main__":
    main()
