"""On a real organisation the tests never tuned for — Krackhardt's high-tech managers
(tests/data/krackhardt, see its PROVENANCE.md) — imported through the workbook format,
the influence ranking finds the real formal head and the real most-consulted person."""

from __future__ import annotations

import csv
import re
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


def import_organisation(store, folder, account: tuple[str, str], departments: list[list], contacts: list[list],
                        advice: list[tuple[str, str]]):
    """Write an organisation as workbook-format CSV files, import it, return its subgraph.
    ``contacts``: [id, department id, name, title, reports_to]; ``advice``: (a, b) = a goes
    to b for advice, so b influences a."""
    write_csv(folder / "accounts.csv", [["id", "name"], list(account)])
    write_csv(folder / "departments.csv", [["id", "account_id", "name"]] + [[d, account[0], n] for d, n in departments])
    write_csv(folder / "contacts.csv", [["id", "account_id", "department_id", "name", "title", "reports_to"]] +
              [[c, account[0], d, n, t, r] for c, d, n, t, r in contacts])
    write_csv(folder / "influence.csv", [["source_id", "target_id", "weight", "kind"]] +
              [[b, a, 1, "advice"] for a, b in advice])
    import_paths([folder], store)
    return store.account_subgraph(account[0])


def import_krackhardt(store, folder):
    """Krackhardt's firm as account K; its subgraph."""
    attributes = list(csv.DictReader(open(DATA / "Krack-High-Tec-Attributes.csv")))
    boss = dict(edges("ReportsTo"))
    return import_organisation(
        store, folder, ("K", "Krackhardt high-tech firm"),
        [[f"dept{d}", f"Department {d}"] for d in sorted({a["DEPT"] for a in attributes})],
        [[a["ID"], f"dept{a['DEPT']}", f"Manager {a['ID']}", TITLES[a["LEVEL"]], boss.get(a["ID"], "")]
         for a in attributes],
        edges("Advice"))


@pytest.fixture
def krackhardt(store, tmp_path):
    return import_krackhardt(store, tmp_path)


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


def test_brokers_follow_the_direction_of_advice(krackhardt):
    # manager 15 asks 20 of the others for advice but only 4 ask him: on an undirected view he
    # was the top broker; along who-listens-to-whom, the VPs 18 and 21 are the ones in between
    ranking = {r["id"]: r for r in influence_ranking(krackhardt)}
    assert {i for i, r in ranking.items() if r["broker"]} == {"18", "21"}
    assert not ranking["15"]["broker"]


# ----- Lazega's law firm: partners and associates, no reporting lines (tests/data/lazega) -----
LAZEGA = Path(__file__).parent / "data" / "lazega" / "Lazega-Law-Firm.paj"


def lazega_data() -> tuple[list[tuple[str, str]], dict[str, list[str]]]:
    """(advice ties "a goes to b for advice", attribute name → 71 values) from the Pajek file."""
    text = LAZEGA.read_text()
    advice = [tuple(line.split()[1:3]) for line in text.splitlines() if line.startswith("1:")]
    attributes = {m.group(1): m.group(2).split() for m in re.finditer(
        r"\*(?:Partition|Vector) (\w+)\.(?:clu|vec)\s*\n(?:%.*\n)*\*Vertices 71\s*\n((?:\s*\d+\s*\n?){71})", text)}
    return advice, attributes


def import_lazega(store, folder):
    """Lazega's law firm as account SGR; its subgraph."""
    advice, attributes = lazega_data()
    status, practice = attributes["status"], attributes["practice"]
    return import_organisation(
        store, folder, ("SGR", "SG&R law firm"), [["lit", "Litigation"], ["corp", "Corporate"]],
        [[str(i + 1), "lit" if practice[i] == "1" else "corp", f"Lawyer {i + 1}",
          "Partner" if status[i] == "1" else "Associate", ""] for i in range(71)],
        advice)


@pytest.fixture
def lazega(store, tmp_path):
    return import_lazega(store, tmp_path)


def test_lazega_import_keeps_every_advice_tie(lazega):
    assert sum(1 for _, _, d in lazega.edges(data=True) if d["type"] == "influences") == 892
    assert sum(1 for _, _, d in lazega.edges(data=True) if d["type"] == "reports_to") == 0


def test_without_reporting_lines_partners_stand_formally_above_associates(lazega):
    ranking = influence_ranking(lazega)
    partners = [r for r in ranking if r["title"] == "Partner"]
    associates = [r for r in ranking if r["title"] == "Associate"]
    assert (len(partners), len(associates)) == (36, 35)
    assert {r["formal"] for r in partners} == {1.0} and {r["formal"] for r in associates} == {0.0}


def test_no_partner_is_a_hidden_influencer(lazega):
    ranking = influence_ranking(lazega)
    most_sought = sorted(ranking, key=lambda r: -r["informal"])[:2]
    assert [r["id"] for r in most_sought] == ["26", "13"]  # partners, sought by 37 and 34 colleagues
    hidden = [r for r in ranking if r["hidden_influencer"]]
    assert hidden and all(r["title"] == "Associate" for r in hidden)
    assert all(r["informal"] >= 0.3 for r in hidden)


def test_equal_scores_say_they_are_tied(lazega):
    ranking = influence_ranking(lazega)
    by_id = {r["id"]: r for r in ranking}
    for r in ranking:
        same = sorted(o["id"] for o in ranking if o["score"] == r["score"] and o["id"] != r["id"])
        assert r["tied_count"] == len(same) and r["tied_with"] == same[:10]
    assert by_id["17"]["tied_with"] == ["24"] and by_id["24"]["tied_with"] == ["17"]


@pytest.mark.parametrize("organisation, account", [("krackhardt", "K"), ("lazega", "SGR")])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_exported_and_imported_again_changes_nothing(organisation, account, lang, request, store, tmp_path):
    from importers.workbook_writer import account_tables, account_workbook

    request.getfixturevalue(organisation)
    before = account_tables(store, account)
    path = tmp_path / f"{account}.xlsx"
    path.write_bytes(account_workbook(store, account, lang))
    report = import_paths([path], store)
    assert not report.result.changed and report.rows["influence"] == len(before["influence"]) > 100
    assert account_tables(store, account) == before

