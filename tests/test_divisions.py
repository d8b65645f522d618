"""One customer across our divisions: the division view, overlaps, orphans and the
division_gap — on hand-made accounts, on the demo (合肥), through the CLI and the API on
both stores, and the gap report's owner column."""

from __future__ import annotations

import csv
import datetime as dt
import json

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.deps import get_store
from apikit import make_api
from builders import write_csv, write_workbook
from conftest import REPO
from graph.analysis.divisions import NO_DIVISIONS, division_view
from graph.analysis.findings import gap_findings, gap_label
from graph.analysis.gaps import find_gaps
from graph.analysis.next_moves import next_moves
from graph.strength_policy import StrengthPolicy
from graph.subgraph import build_account_graph
from importers import import_paths
from neo4j_support import BOTH_STORES, NEO4J
from powermap.cli import main

TODAY = dt.date(2026, 11, 1)


def account(*, units=("Hydraulics", "Hydraulics", "Controls"), owner="e1", messages=True):
    """Acme with a subsidiary S. Deciders d1 (purchasing, in A) and d2 (design, in S), both in
    deal O owned by ``owner``; h1 (units[0]) knows d1 at 0.7, e1 (units[2]) knows d1 at 0.4,
    h2 (units[1]) knows d2 at 0.6; n (no unit) knows x. With ``messages`` h1 and e1 each had
    one interaction with d1, on different subjects."""
    h1, h2, e1 = units
    interactions = [
        {"id": "I1", "date": "2026-10-20", "type": "visit", "account_id": "A", "subject": "price review",
         "team_ids": ["h1"], "contact_ids": ["d1"]},
        {"id": "I2", "date": "2026-10-25", "type": "meeting", "account_id": "A", "subject": "controls demo",
         "team_ids": ["e1"], "contact_ids": ["d1"]},
    ] if messages else []
    return build_account_graph(
        "A", accounts=[{"id": "A", "name": "Acme"}, {"id": "S", "name": "Acme South", "parent_id": "A"}],
        departments=[{"id": "P", "account_id": "A", "name": "Purchasing", "kind": "purchasing"},
                     {"id": "E", "account_id": "S", "name": "Design", "kind": "design"}],
        contacts=[{"id": "d1", "account_id": "A", "department_id": "P", "name": "Li", "title": "CPO",
                   "roles": ("decider",), "stance": 1},
                  {"id": "d2", "account_id": "S", "department_id": "E", "name": "Xu", "title": "Chief Engineer",
                   "roles": ("decider",), "stance": 0},
                  {"id": "x", "account_id": "A", "department_id": "P", "name": "Ma", "stance": 1}],
        team=[{"id": "h1", "name": "Wu", "role": "account_manager", "business_unit": h1, "accounts": ("A",)},
              {"id": "h2", "name": "Sun", "role": "delivery_manager", "business_unit": h2},
              {"id": "e1", "name": "Zheng", "role": "sales", "business_unit": e1},
              {"id": "n", "name": "Qian", "role": "sales"}],
        relationships=[{"team_id": "h1", "contact_id": "d1", "strength": 0.7, "last_interaction": "2026-10-20"},
                       {"team_id": "e1", "contact_id": "d1", "strength": 0.4, "last_interaction": "2026-10-25"},
                       {"team_id": "h2", "contact_id": "d2", "strength": 0.6, "last_interaction": "2026-10-10"},
                       {"team_id": "n", "contact_id": "x", "strength": 0.5, "last_interaction": "2026-10-10"}],
        influence=[], interactions=interactions, as_of=TODAY, policy=StrengthPolicy(prefer="entered"),
        opportunities=[{"id": "O", "account_id": "A", "name": "Controls retrofit", "stage": "proposal",
                        "owner_id": owner}],
        opportunity_members=[{"opportunity_id": "O", "contact_id": "d1", "is_decider": True},
                             {"opportunity_id": "O", "contact_id": "d2", "is_decider": True}])


# ----- hand-made cases -----------------------------------------------------------------------
def test_the_view_says_which_division_touches_which_part_department_and_decider():
    view = division_view(account())
    assert view["message"] is None and view["unassigned"] == ["n"]
    hydraulics, controls = view["divisions"]
    assert hydraulics == {"name": "Hydraulics", "team": ["h1", "h2"], "relationships": 2,
                          "accounts": {"A": {"relationships": 1, "strength": 0.7}, "S": {"relationships": 1, "strength": 0.6}},
                          "departments": {"E": {"relationships": 1, "strength": 0.6},
                                          "P": {"relationships": 1, "strength": 0.7}},
                          "deciders": {"d1": 0.7, "d2": 0.6}}
    assert controls["name"] == "Controls" and controls["deciders"] == {"d1": 0.4}
    assert view["opportunities"] == [{"id": "O", "name": "Controls retrofit", "owner": "e1", "division": "Controls"}]
    assert view["names"]["E"] == "Design" and view["names"]["S"] == "Acme South" and view["names"]["d2"] == "Xu (Chief Engineer)"
    assert view["counts"] == {"divisions": 2, "relationships": 3, "overlaps": 1, "orphans": 1}


def test_two_divisions_courting_one_decider_is_an_overlap_with_their_strengths_and_messages():
    (overlap,) = division_view(account())["overlaps"]
    assert overlap == {"id": "d1", "messages_differ": True, "divisions": [
        {"name": "Controls", "strength": 0.4,
         "team": [{"id": "e1", "strength": 0.4, "last_interaction": "2026-10-25", "subjects": ["controls demo"]}]},
        {"name": "Hydraulics", "strength": 0.7,
         "team": [{"id": "h1", "strength": 0.7, "last_interaction": "2026-10-20", "subjects": ["price review"]}]}]}
    # without an interaction history there is nothing to compare: unknown, not "the same"
    assert division_view(account(messages=False))["overlaps"][0]["messages_differ"] is None


def test_a_deals_decider_only_another_division_knows_is_an_orphan():
    (orphan,) = division_view(account())["orphans"]
    assert orphan == {"opportunity": "O", "owner": "e1", "division": "Controls", "decider": "d2",
                      "known_by": "Hydraulics", "strength": 0.6,
                      "team": [{"id": "h2", "strength": 0.6, "last_interaction": "2026-10-10", "subjects": []}]}
    # the deal's own division knowing the decider, a deal of the knowing division, or a deal
    # whose owner has no division (or no owner at all): no orphan
    assert division_view(account(units=("Hydraulics", "Controls", "Controls")))["orphans"] == []
    assert division_view(account(owner="h1"))["orphans"] == []
    assert division_view(account(owner="n"))["orphans"] == []
    assert division_view(account(owner=None))["orphans"] == []


def test_without_any_business_unit_the_view_says_so_and_finds_nothing():
    G = account(units=(None, None, None))
    view = division_view(G)
    assert view["message"] == NO_DIVISIONS and "business_unit" in view["message"]
    assert view["divisions"] == view["overlaps"] == view["orphans"] == []
    assert view["unassigned"] == ["e1", "h1", "h2", "n"]
    assert not [g for g in find_gaps(G, today=TODAY) if g.type == "division_gap"]


def test_division_gaps_are_findings_with_a_label_an_owner_and_the_move_that_closes_them():
    gaps = [g for g in find_gaps(account(), today=TODAY) if g.type == "division_gap"]
    assert [(g.severity, g.contacts, g.team, g.opportunity) for g in gaps] == [
        ("high", ("d2",), ("h2",), "O"), ("medium", ("d1",), (), None)]
    assert "only Hydraulics knows them: Sun 0.60" in gaps[0].explanation and "(Controls, owned by Zheng)" in gaps[0].explanation
    assert "Controls: Zheng 0.40; Hydraulics: Wu 0.70" in gaps[1].explanation
    assert gap_label("division_gap", "en") == "Our divisions not coordinated" and gap_label("division_gap", "zh")
    # the deal's owner meeting the orphan, introduced by who knows them, closes it
    moves = next_moves(account(), today=TODAY, time_budget=None, per_person=None, top=20)
    (intro,) = [m for m in moves if m["contact"] == "d2" and m["team"] == "e1"]
    assert "introduced by Sun" in intro["description"]
    assert "division_gap" in {g["type"] for g in intro["closes"]}
    report = gap_findings(account(), today=TODAY)
    finding = next(f for f in report["findings"] if f["type"] == "division_gap" and f["subject"]["kind"] == "person")
    assert finding["label"]["en"] == "Our divisions not coordinated"
    assert finding["owner"] == {"id": "h1", "name": "Wu", "role": "account_manager", "division": "Hydraulics"}


# ----- the demo: two divisions at 合肥 --------------------------------------------------------------
@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from graph.embedded import EmbeddedStore

    with EmbeddedStore(tmp_path_factory.mktemp("divisions") / "demo.db") as store:
        import_paths([REPO / "demo" / "demo.xlsx"], store)
        yield store


def test_demo_hefei_has_an_overlap_on_the_general_manager_and_orphans_of_the_electro_hydraulic_deal(demo):
    view = division_view(demo.account_subgraph("A-HF", as_of=TODAY))
    names = view["names"]
    assert [(d["name"], d["team"]) for d in view["divisions"]] == [("液压事业部", ["T02", "T04", "T06"]),
                                                                  ("电控事业部", ["T03", "T07"])]
    assert [d["relationships"] for d in view["divisions"]] == [13, 4]  # 电控 was 3 of 16 before the overlap
    (overlap,) = view["overlaps"]
    assert names[overlap["id"]] == "张平华 (基地总经理)" and overlap["messages_differ"] is True
    assert {d["name"]: [t["id"] for t in d["team"]] for d in overlap["divisions"]} == {"液压事业部": ["T02"],
                                                                                       "电控事业部": ["T07"]}
    assert "电液控制系统方案汇报" in {s for d in overlap["divisions"] for t in d["team"] for s in t["subjects"]}
    assert {(o["opportunity"], o["division"], names[o["decider"]], o["known_by"]) for o in view["orphans"]} == {
        ("O2", "电控事业部", "白飞 (采购总监)", "液压事业部"), ("O2", "电控事业部", "郭庆宇 (制造部长)", "液压事业部")}
    gaps = [g for g in find_gaps(demo.account_subgraph("A-HF", as_of=TODAY), today=TODAY) if g.type == "division_gap"]
    assert sorted(g.severity for g in gaps) == ["high", "high", "medium"]


def test_the_salesforce_demo_tells_the_same_division_story(demo, tmp_path):
    """Opportunity.OwnerId is the deal's owner (a user in an account team); a user outside the
    teams is left out with a warning."""
    from graph.embedded import EmbeddedStore

    with EmbeddedStore(tmp_path / "sf.db") as sf:
        import_paths([REPO / "demo" / "salesforce"], sf)
        hefei = next(a["id"] for a in sf.list_accounts() if a["name"] == "华东重工合肥基地")
        mine = division_view(demo.account_subgraph("A-HF", as_of=TODAY))
        theirs = division_view(sf.account_subgraph(hefei, as_of=TODAY))
        owner = sf.get("team", sf.get("opportunities", theirs["opportunities"][0]["id"]).owner_id)
        assert owner.name == "郑凯" and owner.business_unit == "电控事业部"
        assert sorted(mine["names"][o["decider"]] for o in mine["orphans"]) == \
            sorted(theirs["names"][o["decider"]] for o in theirs["orphans"])
        assert [mine["names"][o["id"]] for o in mine["overlaps"]] == [theirs["names"][o["id"]] for o in theirs["overlaps"]]
    folder = tmp_path / "export"
    folder.mkdir()
    for name in ("Account.csv", "Contact.csv", "User.csv", "AccountTeamMember.csv"):
        (folder / name).write_bytes((REPO / "demo" / "salesforce" / name).read_bytes())
    with open(REPO / "demo" / "salesforce" / "Opportunity.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    rows[1][rows[0].index("OwnerId")] = "0055g00000ZZZZZ"  # a user in no account team
    write_csv(folder / "Opportunity.csv", rows)
    with EmbeddedStore(tmp_path / "outside.db") as store:
        result = import_paths([folder], store)
        assert any("owned by a user outside the account teams" in w for w in result.warnings)
        assert sum(store.get("opportunities", o["id"]).owner_id is None
                   for o in store.list_records("opportunities", limit=10)) == 1


def test_demo_gap_report_names_the_owners_division(demo):
    report = gap_findings(demo.account_subgraph("A-HF", as_of=TODAY), today=TODAY)
    owners = [f["owner"] for f in report["findings"] if f["owner"]]
    assert owners and all("division" in o for o in owners)
    assert {o["division"] for o in owners} <= {"液压事业部", "电控事业部", None}
    from viz.tables import FINDING_COLUMNS, finding_rows, gap_report_page

    rows = finding_rows(report, map_link="/accounts/A-HF/map")
    column = FINDING_COLUMNS.index("owner's division")
    assert {r[column] for r in rows} >= {"液压事业部"}
    page = gap_report_page({"id": "A-HF", "name": "华东重工合肥基地"}, report, map_link="/accounts/A-HF/map")
    assert '<td class="owner">' in page and '<span class="dim">液压事业部</span>' in page


# ----- CLI and API, on both stores -----------------------------------------------------------------
#: Two divisions on one customer, in the workbook format (the deal's owner under its Chinese header).
DIVISIONS = {
    "accounts": [["id", "name", "parent_id"], ["G", "华北机械集团", None], ["B", "天津基地", "G"]],
    "contacts": [["id", "account_id", "name", "title", "roles", "stance"],
                 ["C1", "G", "刘总", "总经理", "决策者", 1], ["C2", "B", "陈工", "总工程师", "决策者", 0]],
    "team": [["id", "name", "role", "business_unit", "accounts"],
             ["T1", "王经理", "account_manager", "液压事业部", "G;B"], ["T2", "赵经理", "sales", "电控事业部", "B"]],
    "relationships": [["team_id", "contact_id", "strength"], ["T1", "C1", 0.7], ["T2", "C1", 0.4], ["T1", "C2", 0.6]],
    "opportunities": [["编号", "所属客户", "名称", "商机负责人"], ["O1", "B", "电控改造", "T2"]],
    "opportunity_members": [["opportunity_id", "contact_id", "is_decider"], ["O1", "C1", "是"], ["O1", "C2", "是"]],
}


def _expected_divisions(view):
    assert [d["name"] for d in view["divisions"]] == ["液压事业部", "电控事业部"]
    assert [o["id"] for o in view["overlaps"]] == ["C1"]
    assert [(o["opportunity"], o["decider"], o["known_by"]) for o in view["orphans"]] == [("O1", "C2", "液压事业部")]


@BOTH_STORES
def test_api_divisions_on_both_stores_with_the_analyses_key_rules(store, tmp_path):
    import_paths([write_workbook(tmp_path / "divisions.xlsx", DIVISIONS)], store)
    assert store.get("opportunities", "O1").owner_id == "T2"
    settings, secrets = make_api(tmp_path)
    app = create_app(settings)
    app.dependency_overrides[get_store] = lambda: store
    with TestClient(app, base_url="http://127.0.0.1") as client:
        def get(path, key="admin"):
            return client.get(path, headers={"Authorization": f"Bearer {secrets[key]}"})

        body = get("/accounts/G/divisions").json()
        _expected_divisions(body)
        assert body["counts"] == {"divisions": 2, "relationships": 3, "overlaps": 1, "orphans": 1}
        assert get("/accounts/G/divisions").json() == body  # cached, the same
        missing = get("/accounts/NOPE/divisions")
        assert missing.status_code == 404 and "Traceback" not in missing.text
        assert client.get("/accounts/G/divisions").status_code == 401
        assert get("/accounts/G/divisions", key="x-reader").status_code == 404  # outside the key's accounts


@pytest.mark.parametrize("which", ["embedded", pytest.param("neo4j", marks=NEO4J)])
def test_cli_divisions_on_both_stores(which, request, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    if which == "neo4j":
        request.getfixturevalue("neo4j_env")
    prefix = ["--db", str(tmp_path / "cli.db")] if which == "embedded" else ["--store", "neo4j"]
    assert main([*prefix, "import", str(write_workbook(tmp_path / "divisions.xlsx", DIVISIONS))]) == 0
    capsys.readouterr()
    assert main([*prefix, "divisions", "G", "--json"]) == 0
    _expected_divisions(json.loads(capsys.readouterr().out))
    assert main([*prefix, "divisions", "G"]) == 0
    text = capsys.readouterr().out
    assert "overlap" in text and "刘总 (总经理)" in text and "orphan" in text and "陈工 (总工程师)" in text
    assert main([*prefix, "divisions", "NOPE"]) != 0 and "NOPE" in capsys.readouterr().err


def test_cli_says_when_no_one_has_a_business_unit(run, tmp_path):
    sheets = {**DIVISIONS, "team": [["id", "name", "role", "accounts"], ["T1", "王经理", "account_manager", "G;B"],
                                    ["T2", "赵经理", "sales", "B"]]}
    assert run("import", str(write_workbook(tmp_path / "plain.xlsx", sheets)))[0] == 0
    code, out, _ = run("divisions", "G")
    assert code == 0 and "no team member on this account has a business_unit" in " ".join(out.split())
    code, out, _ = run("divisions", "G", "--json")
    assert code == 0 and json.loads(out)["orphans"] == [] and json.loads(out)["message"] == NO_DIVISIONS


def test_an_older_store_file_gets_the_owner_column(tmp_path):
    import sqlite3

    from graph.embedded import EmbeddedStore

    path = tmp_path / "old.db"
    with sqlite3.connect(path) as db:  # an opportunity table as schema 1 shipped it
        db.execute("CREATE TABLE opportunity (id TEXT PRIMARY KEY, account_id TEXT NOT NULL, name TEXT NOT NULL, "
                   "dmu_type TEXT, stage TEXT, value REAL, competitor TEXT, updated_at TEXT NOT NULL)")
        db.execute("INSERT INTO opportunity VALUES ('O1', 'G', 'old deal', NULL, NULL, NULL, NULL, '2026-01-01')")
    with EmbeddedStore(path) as store:
        assert store.get("opportunities", "O1").owner_id is None and store.get("opportunities", "O1").name == "old deal"


def test_an_owner_who_is_not_one_of_our_team_is_refused_naming_the_row(run, tmp_path):
    sheets = {**DIVISIONS, "opportunities": [["编号", "所属客户", "名称", "商机负责人"], ["O1", "B", "电控改造", "T9"]]}
    code, out, err = run("import", str(write_workbook(tmp_path / "bad.xlsx", sheets)))
    assert code != 0 and "T9" in out + err and "商机负责人" in out + err
    assert run("stats", "--json")[0] == 0 and json.loads(run("stats", "--json")[1])["opportunities"] == 0


def test_api_divisions_follow_the_keys_accounts(api):
    """A key limited to the base sees the base's view and nothing of the group above it."""
    assert api.get("/accounts/G1/divisions", key="base-reader").status_code == 404
    body = api.get("/accounts/S1/divisions", key="base-reader").json()
    assert [d["name"] for d in body["divisions"]] == ["液压事业部"]
    assert set(body["names"]) <= {"T1", "C2", "C3", "S1", "D-PUR", "D-DES", "O1"}  # nothing of G1's people
    assert api.get("/accounts/S1/divisions", key="x-reader").status_code == 404
