"""Relationship plans (issue 18): statuses read from the interaction record at the date
boundaries, the plan sheet, accepting a next move, and the API."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from builders import SMALL, write_workbook
from graph.analysis.plans import plan_report, plan_status
from graph.exceptions import ImportRejected
from importers import import_paths

D = dt.date.fromisoformat


def action(**overrides):
    return {"id": "P1", "account_id": "A", "contact_id": "c", "owner_id": "am", "action": "visit",
            "start": "2026-10-01", "due": "2026-10-31", "target_stance": None, "colleagues_count": False,
            **overrides}


def met(day, *, type="visit", team=("am",), contacts=("c",), id=None):
    return {"id": id or f"I-{day}", "date": day, "type": type, "team_ids": team, "contact_ids": contacts}


def status(plan, interactions, as_of, **kwargs):
    return plan_status([plan], interactions, as_of=D(as_of), **kwargs)[0]


def test_a_visit_on_the_due_day_is_on_time_and_the_day_after_due_is_overdue():
    assert status(action(), [met("2026-10-31")], "2026-11-01")["status"] == "done"
    late = status(action(), [met("2026-11-01")], "2026-11-01")
    assert (late["status"], late["days_overdue"], late["late_interaction"]["id"]) == ("overdue", 1, "I-2026-11-01")
    assert status(action(), [], "2026-10-31") | {} == status(action(), [], "2026-10-31")
    assert status(action(), [], "2026-10-31")["status"] == "open"


def test_the_start_day_counts_and_the_day_before_does_not():
    assert status(action(), [met("2026-10-01")], "2026-10-02")["closing_interaction"]["id"] == "I-2026-10-01"
    assert status(action(), [met("2026-09-30")], "2026-10-02")["status"] == "open"


def test_an_interaction_after_the_as_of_date_is_not_seen_yet():
    assert status(action(), [met("2026-10-20")], "2026-10-19")["status"] == "open"
    assert status(action(), [met("2026-10-20")], "2026-10-20")["status"] == "done"


def test_another_type_another_contact_or_someone_else_does_not_close_it():
    others = [met("2026-10-10", type="call"), met("2026-10-11", contacts=("d",)), met("2026-10-12", team=("vp",))]
    assert status(action(), others, "2026-11-05")["status"] == "overdue"


def test_a_colleague_counts_only_when_the_plan_says_so():
    exchange = [met("2026-10-10", type="technical_exchange", team=("sm",))]
    colleagues = {"am": {"sm"}}
    assert status(action(), exchange, "2026-11-01", colleagues=colleagues)["status"] == "overdue"
    done = status(action(colleagues_count=True), exchange, "2026-11-01", colleagues=colleagues)
    assert done["status"] == "done" and done["closing_interaction"]["match"] == "colleague"
    not_a_colleague = status(action(colleagues_count=True), exchange, "2026-11-01", colleagues={})
    assert not_a_colleague["status"] == "overdue"


def test_a_manual_close_keeps_who_and_why_and_takes_effect_on_its_day():
    closed = action(closed_by="vp", closed_reason="customer froze the budget", closed_on="2026-10-15")
    before = status(closed, [], "2026-10-14")
    after = status(closed, [], "2026-11-20")
    assert before["status"] == "open" and before["manual_close"] is None
    assert after["status"] == "closed" and after["days_overdue"] == 0
    assert after["manual_close"] == {"by": "vp", "reason": "customer froze the budget", "on": "2026-10-15"}


def test_target_stance_reached_or_done_without_moving_it():
    history = [(D("2026-09-01"), {"c": 0}), (D("2026-12-01"), {"c": 2})]
    reached = status(action(target_stance=2), [met("2026-10-05")], "2026-11-01", stances={"c": 2},
                     stance_history=history)
    assert (reached["stance_reached"], reached["stance_reached_on"], reached["done_stance_not_moved"]) == \
        (True, "2026-12-01", False)
    flat = status(action(target_stance=2), [met("2026-10-05")], "2026-11-01", stances={"c": 1})
    assert flat["stance_reached"] is False and flat["done_stance_not_moved"] is True
    assert status(action(), [met("2026-10-05")], "2026-11-01")["stance_reached"] is None


PLAN_SHEET = [["计划编号", "客户", "联系人", "负责人", "行动", "开始日期", "截止日期", "目标态度", "商机", "备注"],
              ["P1", "S1", "C2", "T1", "家访", "2026-10-01", "2026-10-31", "支持", "O1", "春节前"],
              ["P2", "S1", "C1", "T2", "客户来访", "2026-10-01", "2026-11-30", None, None, None]]


def test_the_plan_sheet_is_read_in_chinese_and_judged(tmp_path, store):
    sheets = {**SMALL, "计划": PLAN_SHEET,
              "interactions": [["id", "date", "type", "account_id", "team_ids", "contact_ids"],
                               ["I1", "2026-10-31", "家访", "S1", "T1", "C2"]]}
    import_paths([write_workbook(tmp_path / "plan.xlsx", sheets)], store)
    report = plan_report(store, "G1", as_of=D("2026-11-01"))
    by_id = {a["id"]: a for a in report["actions"]}
    assert by_id["P1"]["action"] == "home_visit" and by_id["P1"]["status"] == "done"
    assert by_id["P1"]["closing_interaction"]["id"] == "I1" and by_id["P1"]["done_stance_not_moved"] is True
    assert by_id["P2"]["action"] == "site_visit" and by_id["P2"]["status"] == "open"
    assert report["totals"] | {} == {"done": 1, "overdue": 0, "open": 1, "closed": 0,
                                     "done_stance_not_moved": 1, "actions": 2}
    assert [o["owner_id"] for o in report["by_owner"]] == ["T1", "T2"]
    assert [o["opportunity_id"] for o in report["by_opportunity"]] == ["O1", None]


def test_a_bad_plan_row_names_file_row_and_column_and_nothing_is_written(tmp_path, store):
    rows = [PLAN_SHEET[0], PLAN_SHEET[1],
            ["P3", "S1", "C9", "T1", "拜访", "2026-12-01", "2026-11-01", None, None, None],
            ["P4", "S1", "C1", "T1", "拜访", "2026-10-01", "2026-11-01", None, None, None]]
    path = write_workbook(tmp_path / "bad.xlsx", {**SMALL, "计划": rows})
    with pytest.raises(ImportRejected) as rejected:
        import_paths([path], store)
    found = {(p.row, p.column, p.message.split(":")[0]) for p in rejected.value.problems}
    assert (3, "联系人", "unknown contact 'C9'") in found
    assert (3, "开始日期", "start 2026-12-01 is after due 2026-11-01") in found
    assert all(p.file.startswith("bad.xlsx") for p in rejected.value.problems)
    assert store.counts()["accounts"] == 0 and store.list_records("plans") == []


def test_a_manual_close_needs_who_and_why(tmp_path, store):
    rows = [[*PLAN_SHEET[0], "关闭人"], [*PLAN_SHEET[1], "T1"]]
    with pytest.raises(ImportRejected) as rejected:
        import_paths([write_workbook(tmp_path / "close.xlsx", {**SMALL, "plan": rows})], store)
    assert [p.column for p in rejected.value.problems] == ["closed_reason"]


def test_accepting_a_next_move_makes_a_plan_action_from_the_cli(tmp_path, run):
    assert run("import", str(write_workbook(tmp_path / "small.xlsx", SMALL)))[0] == 0
    code, out, _ = run("next-moves", "G1", "--as-of", "2026-10-01", "--json")
    move = json.loads(out)["moves"][0]
    code, out, err = run("next-moves", "G1", "--as-of", "2026-10-01", "--accept", "1", "--due", "2026-10-15", "--json")
    assert code == 0, err
    accepted = json.loads(out)["accepted"]
    assert (accepted["contact_id"], accepted["owner_id"], accepted["start"], accepted["due"]) == \
        (move["contact"], move["team"], "2026-10-01", "2026-10-15")
    code, out, _ = run("plan", "G1", "--as-of", "2026-10-16", "--json")
    action = json.loads(out)["actions"][0]
    assert (action["id"], action["status"], action["days_overdue"]) == (accepted["id"], "overdue", 1)
    assert run("next-moves", "G1", "--accept", "40")[0] == 2
    assert run("next-moves", "G1", "--due", "2026-10-15")[0] == 2


def test_plans_over_the_api_with_restricted_keys(api):
    body = {"account_id": "S1", "contact_id": "C2", "owner_id": "T1", "action": "家访", "start": "2026-10-01",
            "due": "2026-10-31", "note": "private note"}
    assert api.put("/plans/P1", body).status_code == 201
    assert api.put("/plans/PX", {**body, "account_id": "X1", "contact_id": "CX1"}, key="base-writer"
                   ).status_code == 422
    assert "note" not in api.get("/plans/P1", key="reader").json()
    assert api.get("/plans/P1", key="pii-reader").json()["note"] == "private note"
    assert api.get("/plans/P1", key="x-reader").status_code == 404
    report = api.get("/accounts/G1/plan?as_of=2026-11-01").json()
    assert [(a["id"], a["status"], a["days_overdue"]) for a in report["actions"]] == [("P1", "overdue", 1)]
    assert api.get("/accounts/G1/plan", key="x-reader").status_code == 404
    accepted = api.post("/accounts/G1/next-moves/1/accept", json={"start": "2026-10-01", "due": "2026-10-20"})
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["due"] == "2026-10-20"
    assert api.post("/accounts/G1/next-moves/1/accept", key="reader").status_code == 403
    assert api.put("/plans/P2", {**body, "start": "2026-12-01"}).status_code == 422
