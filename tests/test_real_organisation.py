"""On a real organisation the tests never tuned for — Krackhardt's high-tech managers
(tests/data/krackhardt, see its PROVENANCE.md) — imported through the workbook format,
the influence ranking finds the real formal head and the real most-consulted person."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from builders import write_csv
from graph.analysis.ranking import influence_ranking
from importers import import_paths

DATA = Path(__file__).parent / "data" / "krackhardt"
TITLES = {"1": "CEO", "2": "Vice President", "3": "Manager"}


def edges(name: str) -> list[tuple[str, str]]:
    rows = (line.split() for line in (DATA / f"Krack-High-Tec-edgelist-{name}.txt").read_text().splitlines())
    return [(a, b) for a, b, tie in rows if tie == "1"]


@pytest.fixture
def krackhardt(store, tmp_path):
    attributes = list(csv.DictReader(open(DATA / "Krack-High-Tec-Attributes.csv")))
    boss = dict(edges("ReportsTo"))
    write_csv(tmp_path / "accounts.csv", [["id", "name"], ["K", "Krackhardt high-tech firm"]])
    write_csv(tmp_path / "departments.csv", [["id", "account_id", "name"]] +
              [[f"dept{d}", "K", f"Department {d}"] for d in sorted({a["DEPT"] for a in attributes})])
    write_csv(tmp_path / "contacts.csv", [["id", "account_id", "department_id", "name", "title", "reports_to"]] +
              [[a["ID"], "K", f"dept{a['DEPT']}", f"Manager {a['ID']}", TITLES[a["LEVEL"]], boss.get(a["ID"], "")]
               for a in attributes])
    # "a goes to b for advice": b influences a
    write_csv(tmp_path / "influence.csv", [["source_id", "target_id", "weight", "kind"]] +
              [[b, a, 1, "advice"] for a, b in edges("Advice")])
    import_paths([tmp_path], store)
    return store.account_subgraph("K")


def test_import_keeps_every_tie(krackhardt):
    assert sum(1 for _, _, d in krackhardt.edges(data=True) if d["type"] == "reports_to") == 20
    assert sum(1 for _, _, d in krackhardt.edges(data=True) if d["type"] == "influences") == 190


def test_formal_part_finds_the_ceo_and_informal_part_the_most_consulted(krackhardt):
    ranking = influence_ranking(krackhardt)
    by_formal = max(ranking, key=lambda r: r["formal"])
    by_informal = max(ranking, key=lambda r: r["informal"])
    assert by_formal["id"] == "7"      # the CEO (LEVEL 1)
    assert by_informal["id"] == "2"    # sought for advice by 18 of the 20 others
    vps = {"2", "14", "18", "21"}
    top_formal = {r["id"] for r in sorted(ranking, key=lambda r: -r["formal"])[:5]}
    assert top_formal == vps | {"7"}
