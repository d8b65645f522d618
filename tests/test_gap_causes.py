"""Every gap names its cause — the finding it follows from — so reports, the API and the maps
can group gaps by root cause (issue #13): hand-worked graphs, the demo on both stores,
the CLI's JSON and the HTTP API."""

from __future__ import annotations

import datetime as dt

from conftest import REPO
from graph.analysis import reports
from graph.analysis.findings import gap_findings
from graph.analysis.gaps import find_gaps
from graph.subgraph import build_account_graph
from importers import import_paths
from neo4j_support import BOTH_STORES

TODAY = dt.date(2026, 11, 1)


def group_with_untouched_subsidiary(**extra):
    """Group G (we know Gu, a supporter) with subsidiary S, whose executive decider Su
    nobody of ours has met; ``extra`` adds records (opportunities …)."""
    records = dict(
        accounts=[{"id": "G", "name": "Group"}, {"id": "S", "name": "Sub", "parent_id": "G"}], departments=[],
        contacts=[{"id": "g", "account_id": "G", "name": "Gu", "stance": 1, "reports_to": None},
                  {"id": "s", "account_id": "S", "name": "Su", "roles": ("decider",), "stance": 0,
                   "level": "executive", "reports_to": None}],
        team=[{"id": "T", "name": "Tom", "role": "account_manager", "accounts": ("G",)}],
        relationships=[{"team_id": "T", "contact_id": "g", "strength": 0.8}], influence=[],
        opportunities=[], opportunity_members=[])
    records.update(extra)
    return build_account_graph("G", **records)


def causes(G) -> dict[tuple[str, tuple[str, ...]], str]:
    return {(g.type, g.contacts): g.cause for g in find_gaps(G, today=TODAY)}


def test_gaps_inside_an_untouched_subsidiary_follow_from_it():
    found = causes(group_with_untouched_subsidiary())
    assert found[("untouched_subsidiary", ())] == "subsidiary:S"
    assert found[("uncovered_decider", ("s",))] == "subsidiary:S"  # Su is in S: a consequence
    assert found[("no_executive_peer", ("s",))] == "subsidiary:S"


def test_other_gaps_follow_from_whom_they_are_about():
    found = causes(group_with_untouched_subsidiary())
    assert found[("single_threaded", ("g",))] == "person:g"  # all our reach goes through Gu
    assert found[("no_coach", ())] == "account:G"  # no coach anywhere in the group


def test_a_deal_gap_follows_from_the_deal_and_a_deal_in_the_untouched_part_from_the_part():
    G = group_with_untouched_subsidiary(
        opportunities=[{"id": "O", "account_id": "G", "name": "Deal", "dmu_type": "authority"},
                       {"id": "P", "account_id": "S", "name": "Sub deal", "dmu_type": "authority"}],
        opportunity_members=[{"opportunity_id": "O", "contact_id": "g", "role": "decider", "is_decider": True},
                             {"opportunity_id": "P", "contact_id": "s", "role": "decider", "is_decider": True}])
    by_deal = {g.opportunity: g.cause for g in find_gaps(G, today=TODAY) if g.type == "no_coach" and g.opportunity}
    assert by_deal == {"O": "opportunity:O", "P": "subsidiary:S"}


def test_a_gap_keeps_its_cause_whatever_else_is_found():
    G = group_with_untouched_subsidiary()
    before = causes(G)
    G.add_node("contact:x", kind="contact", id="x", account_id="G", name="X", stance=None, roles=["influencer"])
    after = causes(G)
    assert after[("unknown_stance", ("x",))] == "person:x"
    assert {k: c for k, c in after.items() if k in before} == before


@BOTH_STORES
def test_demo_gaps_are_grouped_by_cause_as_the_findings_are(store):
    """On the demo (both stores): every gap has a cause, the counts by cause add up, and
    the gaps of one cause are exactly the gaps of one finding of the gap report."""
    import_paths([REPO / "demo" / "demo.xlsx"], store)
    report = reports.gaps_report(store, "A-G1", today=TODAY)
    assert all(g["cause"] for g in report["gaps"])
    by_cause = report["counts"]["by_cause"]
    assert sum(by_cause.values()) == report["counts"]["total"]
    assert list(by_cause.values()) == sorted(by_cause.values(), reverse=True)
    untouched = next(g for g in report["gaps"] if g["type"] == "untouched_subsidiary")
    assert untouched["cause"] == "subsidiary:A-CQ" and by_cause["subsidiary:A-CQ"] > 10
    grouped: dict[str, set[str]] = {}
    for gap in report["gaps"]:
        grouped.setdefault(gap["cause"], set()).add(gap["key"])
    findings = gap_findings(store.account_subgraph("A-G1", as_of=TODAY), today=TODAY)["findings"]
    assert {f["cause"]: {g["key"] for g in f["gaps"]} for f in findings} == grouped


def test_cli_json_gives_every_gap_its_cause(tmp_path, capsys):
    import json

    from powermap.cli import main

    db = str(tmp_path / "demo.db")
    assert main(["--db", db, "demo", "--no-serve"]) == 0
    capsys.readouterr()
    assert main(["--db", db, "gaps", "A-JN", "--as-of", "2026-11-01", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["gaps"] and all(g["cause"] for g in data["gaps"])
    assert sum(data["counts"]["by_cause"].values()) == data["counts"]["total"]
    assert main(["--db", db, "gaps", "--all", "--as-of", "2026-11-01", "--json"]) == 0
    everything = json.loads(capsys.readouterr().out)["gaps"]
    assert {g["account"] for g in everything} == {"A-G1", "A-JN"} and all(g["cause"] for g in everything)


def test_api_gaps_name_their_cause(api):
    body = api.get("/accounts/G1/gaps?as_of=2026-11-01").json()
    assert body["gaps"] and all(g["cause"].split(":")[0] in ("subsidiary", "person", "opportunity", "account")
                                for g in body["gaps"])
    assert sum(body["counts"]["by_cause"].values()) == body["counts"]["total"]
    schema = api.get("/openapi.json").json()["components"]["schemas"]["GapOut"]
    assert "cause" in schema["required"] and "root cause" in schema["properties"]["cause"]["description"]
