"""People who move or leave (issue 14 part 4): identity across a move, departures marked
in the store, the people_change finding, outcome and coverage without departed people,
and what deleting a team member or an opportunity does to plan actions — on both stores."""

from __future__ import annotations

import datetime as dt
import sqlite3
import time

import pandas as pd
import pytest

from graph.analysis.change import diff, take_snapshot
from graph.analysis.people import people_changes
from graph.analysis.reports import coverage_report, gaps_report, outcome_report
from graph.analysis.review import review_report
from graph.embedded import EmbeddedStore
from importers import import_frames
from neo4j_support import BOTH_STORES

DAY = dt.date(2026, 11, 1)


def person(cid, name, account="A", **fields):
    return {"id": cid, "name": name, "account_id": account, "title": fields.pop("title", None),
            "department_id": None, "reports_to": None, **fields}


# ----- identity, on hand-made rows --------------------------------------------------------------
def test_same_id_with_a_new_account_title_and_manager_is_one_move():
    before = {"c1": person("c1", "王芳", "A-HF", title="总监", reports_to="m1")}
    after = {"c1": person("c1", "王芳", "A-SZ", title="副总经理", reports_to="m2")}
    found = people_changes(before, after)
    assert [(m["id"], m["matched_by"], m["changed"]) for m in found["moves"]] == \
        [("c1", "id", ["account_id", "title", "reports_to"])]
    assert found["moves"][0]["from"]["account_id"] == "A-HF" and found["moves"][0]["to"]["account_id"] == "A-SZ"
    assert found["departures"] == found["arrivals"] == found["ambiguous"] == []


def test_nothing_changed_is_no_move():
    row = {"c1": person("c1", "王芳", title="总监")}
    assert people_changes(row, dict(row)) == {"moves": [], "departures": [], "arrivals": [], "ambiguous": []}


def test_a_re_keyed_person_is_matched_by_email_and_the_address_is_never_shown():
    before = {"003A": person("003A", "Li Ming", "A", email="li.ming@customer.cn", title="VP")}
    after = {"003Z": person("003Z", "Ming Li", "B", email=" Li.Ming@Customer.cn ", title="VP")}
    found = people_changes(before, after)
    move = found["moves"][0]
    assert (move["previous_id"], move["id"], move["matched_by"], move["changed"]) == \
        ("003A", "003Z", "email", ["account_id"])
    assert found["departures"] == found["arrivals"] == []
    assert "customer.cn" not in repr(found)


def test_without_email_the_same_name_and_phone_match():
    before = {"k1": person("k1", "张 伟", phone="138-0000-1111")}
    after = {"k2": person("k2", "张伟", phone="13800001111", title="采购经理")}
    move = people_changes(before, after)["moves"][0]
    assert (move["previous_id"], move["matched_by"]) == ("k1", "name+phone")
    assert "1111" not in repr(people_changes(before, after))


def test_the_same_name_without_phone_or_email_is_two_people():
    found = people_changes({"k1": person("k1", "张伟")}, {"k2": person("k2", "张伟")})
    assert [d["id"] for d in found["departures"]] == ["k1"] and [a["id"] for a in found["arrivals"]] == ["k2"]
    assert found["moves"] == []


def test_a_shared_phone_is_ambiguous_and_nothing_is_merged():
    before = {"k1": person("k1", "张伟", phone="021-5555-0000"), "k3": person("k3", "张伟", phone="02155550000")}
    after = {"k2": person("k2", "张伟", phone="(021) 5555 0000")}
    found = people_changes(before, after)
    assert found["moves"] == []
    assert found["ambiguous"] == [{"matched_by": "name+phone",
                                   "departed": [{"id": "k1", "name": "张伟", "account_id": "A"},
                                                {"id": "k3", "name": "张伟", "account_id": "A"}],
                                   "arrived": [{"id": "k2", "name": "张伟", "account_id": "A"}]}]
    assert {d["id"] for d in found["departures"]} == {"k1", "k3"} and [a["id"] for a in found["arrivals"]] == ["k2"]


def test_one_address_matching_two_arrivals_is_ambiguous():
    before = {"a": person("a", "Li", email="x@c.cn")}
    after = {"b": person("b", "Li", email="x@c.cn"), "c": person("c", "Li Jr", email="X@c.cn")}
    found = people_changes(before, after)
    assert found["moves"] == [] and found["ambiguous"][0]["matched_by"] == "email"
    assert len(found["arrivals"]) == 2 and len(found["departures"]) == 1


def test_marked_departed_is_a_departure_and_an_already_departed_person_is_not_one_again():
    before = {"c1": person("c1", "王芳"), "c2": person("c2", "李雷", status="departed")}
    after = {"c1": person("c1", "王芳", status="departed")}
    found = people_changes(before, after)
    assert [(d["id"], d["how"]) for d in found["departures"]] == [("c1", "marked departed")]


# ----- a workbook's status column, on both stores ------------------------------------------------
def world() -> dict[str, pd.DataFrame]:
    return {
        "accounts": pd.DataFrame([{"id": "G", "name": "华东重工", "kind": "group"},
                                  {"id": "S", "name": "苏州基地", "parent_id": "G", "kind": "base"},
                                  {"id": "H", "name": "合肥基地", "parent_id": "G", "kind": "base"}]),
        "contacts": pd.DataFrame([
            {"id": "D1", "account_id": "S", "name": "周总", "title": "总经理", "roles": "decider", "stance": 2},
            {"id": "D2", "account_id": "S", "name": "钱工", "title": "总工", "roles": "decider", "stance": 0},
            {"id": "K1", "account_id": "S", "name": "孙经理", "title": "采购经理", "stance": 3},
        ]),
        "team": pd.DataFrame([{"id": "T1", "name": "赵敏", "role": "account_manager", "accounts": "G"},
                              {"id": "T2", "name": "钱进", "role": "solution_manager", "accounts": "G"}]),
        "relationships": pd.DataFrame([{"team_id": "T1", "contact_id": "K1", "strength": 0.8},
                                       {"team_id": "T1", "contact_id": "D1", "strength": 0.6}]),
        "influence": pd.DataFrame([{"source_id": "K1", "target_id": "D1", "weight": 0.7, "kind": "advice"}]),
        "opportunities": pd.DataFrame([{"id": "O1", "account_id": "S", "name": "液压系统", "dmu_type": "authority",
                                        "stage": "Negotiation"},
                                       {"id": "O9", "account_id": "S", "name": "旧项目", "stage": "Closed Won"}]),
        "opportunity_members": pd.DataFrame([{"opportunity_id": "O1", "contact_id": "D1", "is_decider": 1},
                                             {"opportunity_id": "O9", "contact_id": "D2", "is_decider": 1}]),
        "plans": pd.DataFrame([{"id": "P1", "account_id": "S", "contact_id": "D1", "owner_id": "T2",
                                "action": "visit", "due": "2026-12-15", "opportunity_id": "O1"}]),
    }


@BOTH_STORES
def test_a_departed_decider_is_a_people_change_and_no_longer_leans_our_way(store):
    import_frames(world(), store)
    before = outcome_report(store, "O1")
    assert before["verdict"] == "likely win" and before["votes"]["for"] == ["D1"]
    assert coverage_report(store, "G")["covered_deciders"] == ["D1"]
    take_snapshot(store, "Q3")
    report = import_frames({"contacts": pd.DataFrame([{"id": "D1", "account_id": "S", "name": "周总",
                                                       "在职状态": "离职"}])}, store)
    assert report.result.updated == {"contacts": 1}
    assert store.get("contacts", "D1").departed and store.get("contacts", "D1").title == "总经理"  # kept, last known
    again = import_frames({"contacts": pd.DataFrame([{"id": "D1", "account_id": "S", "name": "周总",
                                                      "在职状态": "离职"}])}, store)
    assert again.result.updated == {"contacts": 0} and again.result.unchanged == {"contacts": 1}  # idempotent
    found = [g for g in gaps_report(store, "G", today=DAY)["gaps"] if g["type"] == "people_change"]
    assert [(g["contacts"], g["opportunity"], g["severity"]) for g in found] == [(["D1"], "O1", "high")]
    assert "has left" in found[0]["explanation"]
    outcome = outcome_report(store, "O1")
    assert outcome["verdict"] == "unknown: its decider left" and outcome["votes"]["for"] == []
    assert [m["id"] for m in outcome["departed_members"]] == ["D1"]
    assert "D1" not in coverage_report(store, "G")["deciders"]
    change = diff(store, "Q3")
    assert [(d["id"], d["how"]) for d in change["departures"]] == [("D1", "marked departed")]
    assert change["moves"] == change["arrivals"] == []


@BOTH_STORES
def test_a_decider_who_moves_is_a_people_change_since_the_latest_snapshot(store):
    import_frames(world(), store)
    take_snapshot(store, "Q3")
    assert not [g for g in gaps_report(store, "G", today=DAY)["gaps"] if g["type"] == "people_change"]
    import_frames({"contacts": pd.DataFrame([{"id": "D1", "account_id": "H", "name": "周总", "title": "副总裁"}])},
                  store)
    found = [g for g in gaps_report(store, "G", today=DAY)["gaps"] if g["type"] == "people_change"]
    assert [(g["contacts"], g["opportunity"]) for g in found] == [(["D1"], "O1")]
    assert "moved since snapshot Q3 (account 苏州基地 → 合肥基地, title 总经理 → 副总裁)" in found[0]["explanation"]
    move = diff(store, "Q3")["moves"][0]
    assert (move["id"], move["changed"]) == ("D1", ["account_id", "title"])
    take_snapshot(store, "Q4")  # the move is in the latest snapshot now: no longer news
    assert not [g for g in gaps_report(store, "G", today=DAY)["gaps"] if g["type"] == "people_change"]


def _people_change_counts(change, account):
    return next(a["gaps"] for a in change["accounts"] if a["id"] == account)["by_type"].get("people_change")


def move_d1_to_hefei(store):
    import_frames({"contacts": pd.DataFrame([{"id": "D1", "account_id": "H", "name": "周总", "title": "副总裁"}])},
                  store)


@BOTH_STORES
def test_the_review_counts_the_people_change_findings_it_lists(store):
    import_frames(world(), store)
    take_snapshot(store, "2026Q3")
    move_d1_to_hefei(store)
    review = review_report(store, "G", quarter="2026Q4", today=DAY)  # takes 2026Q4, compares with 2026Q3
    assert [g["contacts"] for g in review["people_change"]] == [["D1"]]
    assert review["since_previous"]["gaps"]["by_type"]["people_change"] == {"old": 0, "new": 1}
    assert _people_change_counts(diff(store, "2026Q3", "2026Q4"), "G") == {"old": 0, "new": 1}


@BOTH_STORES
def test_diff_judges_each_side_s_people_change_against_the_snapshot_before_it(store):
    import_frames(world(), store)
    take_snapshot(store, "Q2")
    move_d1_to_hefei(store)
    take_snapshot(store, "Q3")  # D1 moved in Q3: a finding at Q3, judged against Q2
    assert _people_change_counts(diff(store, "Q2", "Q3"), "G") == {"old": 0, "new": 1}
    since_q3 = diff(store, "Q3")  # nothing moved since Q3: the finding is gone
    assert _people_change_counts(since_q3, "G") == {"old": 1, "new": 0}
    figures = next(a["gaps"] for a in since_q3["accounts"] if a["id"] == "G")
    assert figures["change"] == figures["new"] - figures["old"]
    assert figures["change"] == sum(t["new"] - t["old"] for t in figures["by_type"].values())


@BOTH_STORES
def test_a_coach_who_leaves_matters_and_a_decider_of_a_closed_deal_does_not(store):
    import_frames(world(), store)
    import_frames({"contacts": pd.DataFrame([{"id": "K1", "account_id": "S", "name": "孙经理", "status": "departed"},
                                             {"id": "D2", "account_id": "S", "name": "钱工", "status": "left"}])},
                  store)
    found = [g for g in gaps_report(store, "G", today=DAY)["gaps"] if g["type"] == "people_change"]
    assert [(g["contacts"], g["severity"], g["opportunity"]) for g in found] == [(["K1"], "medium", None)]
    assert found[0]["explanation"].startswith("coach 孙经理 (采购经理) has left")


@BOTH_STORES
def test_deleting_a_team_member_leaves_their_plan_actions_without_an_owner_and_flagged(store):
    import_frames(world(), store)
    stamp = store.list_records("plans")[0]["updated_at"]
    time.sleep(1.1)  # updated_at has a resolution of one second
    assert store.delete("team", "T2")
    row = store.list_records("plans")[0]
    assert row["owner_id"] is None and row["updated_at"] > stamp
    assert store.list_records("plans", updated_since=row["updated_at"])[0]["id"] == "P1"
    from graph.analysis.plans import plan_report

    action = plan_report(store, "G", as_of=DAY)["actions"][0]
    assert action["needs_owner"] is True and action["owner_id"] is None and action["status"] == "open"
    overdue = [g for g in gaps_report(store, "G", today=dt.date(2026, 12, 31))["gaps"] if g["type"] == "plan_overdue"]
    assert "nobody (its owner was removed)" in overdue[0]["explanation"] and overdue[0]["team"] == []


@BOTH_STORES
def test_deleting_an_opportunity_bumps_its_actions_updated_at(store):
    import_frames(world(), store)
    stamp = store.list_records("plans")[0]["updated_at"]
    time.sleep(1.1)
    assert store.delete("opportunities", "O1")
    row = store.list_records("plans")[0]
    assert row["opportunity_id"] is None and row["updated_at"] > stamp


# ----- an embedded store written before contact status ---------------------------------------------
def test_a_schema_1_store_is_upgraded_in_place(tmp_path):
    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    db.executescript("""
        CREATE TABLE contact (id TEXT PRIMARY KEY, account_id TEXT NOT NULL, department_id TEXT, name TEXT NOT NULL,
            title TEXT, level TEXT NOT NULL, reports_to TEXT, roles TEXT, stance INTEGER, influence REAL,
            competitor TEXT, last_contact TEXT, email TEXT, phone TEXT, birthday TEXT, notes TEXT,
            updated_at TEXT NOT NULL);
        CREATE TABLE plan_action (
            id TEXT PRIMARY KEY, account_id TEXT NOT NULL, contact_id TEXT NOT NULL, owner_id TEXT NOT NULL,
            action TEXT NOT NULL, start TEXT, due TEXT NOT NULL, target_stance INTEGER, opportunity_id TEXT,
            colleagues_count INTEGER NOT NULL, note TEXT, closed_by TEXT, closed_reason TEXT, closed_on TEXT,
            updated_at TEXT NOT NULL);
        INSERT INTO contact (id, account_id, name, level, updated_at) VALUES ('C1', 'A', '王芳', 'staff', 'x');
        INSERT INTO plan_action VALUES ('P1', 'A', 'C1', 'T1', 'visit', NULL, '2026-12-01', NULL, NULL, 0,
                                        NULL, NULL, NULL, NULL, 'x');
        PRAGMA user_version=1;
    """)
    db.close()
    with EmbeddedStore(path) as store:
        assert store.get("contacts", "C1").status is None and store.get("plans", "P1").owner_id == "T1"
        with store._transaction() as tx:
            tx.execute("UPDATE plan_action SET owner_id = NULL")
            tx.execute("UPDATE contact SET status = 'departed'")
        assert store.get("contacts", "C1").departed and store.get("plans", "P1").owner_id is None
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == 2


# ----- the demo: a decider who moved between the snapshots -----------------------------------------
def test_the_demo_has_a_decider_who_moved_since_2026q3(run, tmp_path):
    import json

    assert run("demo", "--no-serve")[0] == 0
    code, out, _ = run("diff", "2026Q3", "--json")
    moves = json.loads(out)["moves"]
    assert code == 0 and [(m["id"], m["name"], m["from"]["account_id"], m["to"]["account_id"]) for m in moves] == \
        [("C0083", "张平华", "A-SZ", "A-HF")]
    code, out, _ = run("diff", "2026Q3")
    assert "moved     张平华 (C0083): account 华东重工苏州基地 [A-SZ] → 华东重工合肥基地 [A-HF]" in out
    code, out, _ = run("review", "A-G1", "--quarter", "2026Q4", "--as-of", "2026-11-01", "--json")
    review = json.loads(out)
    assert [m["id"] for m in review["since_previous"]["moves"]] == ["C0083"]
    assert [g["contacts"] for g in review["people_change"]] == [["C0083"]]
    assert review["summary"]["people_moved"] == 1 and review["summary"]["people_change_findings"] == 1
    assert review["since_previous"]["gaps"]["by_type"]["people_change"] == {"old": 0, "new": 1}  # not "+0"
    account = review["account"]
    assert (account["posture"], account["suggested_posture"], account["posture_mismatch"]) == ("defend", "attack", True)
    again = json.loads(run("review", "A-G1", "--quarter", "2026Q4", "--as-of", "2026-11-01", "--json")[1])
    assert again["people_change"] == review["people_change"]  # judged against 2026Q3, not the review's own snapshot
    code, out, _ = run("review", "A-G1", "--quarter", "2026Q4", "--as-of", "2026-11-01")
    assert "suggested attack — disagrees" in out and "moved     张平华: account 华东重工苏州基地 → 华东重工合肥基地" in out
    assert run("review", "A-G1", "--quarter", "2026Q4", "--as-of", "2026-11-01", "-o", "r.html")[0] == 0
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "Key people who moved or left" in page and "suggested attack" in page and "副总经理 → 基地总经理" in page


def test_a_graph_export_carries_no_analysis_input_and_so_no_note(tmp_path):
    from api.exports import graph_json, graphml_bytes
    from importers import import_paths

    from conftest import REPO

    with EmbeddedStore(tmp_path / "demo.db") as store:
        import_paths([REPO / "demo" / "demo.xlsx"], store)
        G = store.account_subgraph("A-G1")
        assert G.graph["plans"]["actions"] and "people" in G.graph  # the analyses have them
        assert set(graph_json(G)["graph"]) == {"root", "account_id"}
        assert "春节前家访" not in graphml_bytes(G).decode("utf-8")  # a plan action's note (personal data)
