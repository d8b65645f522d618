"""Interaction history: the decay maths, each importer (workbook, participants sheet,
Salesforce tasks and events, an e-mail log), strength and recency in the account graph,
the cadence policy around its boundary day, the CLI, the Neo4j adapter's reads, and a
real e-mail corpus (Enron, ``tests/data/enron_email``)."""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import json
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from builders import SMALL, write_csv, write_workbook
from graph.analysis.cadence import DEFAULT_PEERS, CadencePolicy, TierCadence, cadence_breaches, default_policy, load_policy
from graph.analysis.gaps import find_gaps
from graph.analysis.history import strength_report
from graph.analysis.next_moves import next_moves
from graph.batch import Batch
from graph.embedded import EmbeddedStore
from graph.exceptions import ImportRejected, PowermapError
from graph.model import Interaction, personal_fields
from graph.strength import StrengthPolicy, contribution, derive_strengths, infer_influence
from graph.subgraph import EdgeType, build_account_graph
from importers import import_frames, import_paths
from importers.salesforce import salesforce_id
from powermap.cli import main

DAY = dt.date(2026, 10, 1)
ENRON = Path(__file__).parent / "data" / "enron_email"


def row(days_ago: int, type_: str, team=("T",), contacts=("C",), sender=None, **extra) -> dict:
    return {"date": (DAY - dt.timedelta(days=days_ago)).isoformat(), "type": type_, "team_ids": team,
            "contact_ids": contacts, "sender_id": sender, **extra}


def strength_of(rows, policy=StrengthPolicy(), team="T", contact="C") -> float:
    pairs = derive_strengths(rows, as_of=DAY, policy=policy)
    found = pairs[(pairs["team_id"] == team) & (pairs["contact_id"] == contact)]
    return float(found["strength"].iloc[0]) if len(found) else 0.0


# ----- the decay maths, by hand -----------------------------------------------------------------
def test_one_executive_visit_today_is_half_strength():
    assert strength_of([row(0, "executive_visit")]) == pytest.approx(3 / (3 + 3))


def test_an_interaction_one_half_life_old_counts_half():
    assert strength_of([row(90, "executive_visit")]) == pytest.approx(1.5 / (1.5 + 3))
    assert strength_of([row(30, "visit")], StrengthPolicy(half_life_days=30)) == pytest.approx(1 / (1 + 3))


def test_an_executive_visit_outweighs_an_email():
    assert strength_of([row(0, "executive_visit")]) > strength_of([row(0, "email", sender="T")]) > 0


def test_answered_mail_counts_fully_and_one_way_mail_at_half():
    # four sent by us, two answered, all today: O = 1.0, I = 0.5
    mails = [row(0, "email", sender="T")] * 4 + [row(0, "email", sender="C")] * 2
    assert strength_of(mails) == pytest.approx((2 * 0.5 + 0.5 * 0.5) / (1.25 + 3))
    one_way = strength_of([row(0, "email", sender="T")] * 2)
    two_way = strength_of([row(0, "email", sender="T"), row(0, "email", sender="C")])
    assert one_way == pytest.approx(0.25 / 3.25) and two_way == pytest.approx(0.5 / 3.5)


def test_later_interactions_are_ignored_and_counts_and_last_date_are_kept():
    undated = {**row(0, "visit"), "date": None}
    pairs = derive_strengths([row(10, "call"), row(3, "call"), row(-5, "visit"), undated], as_of=DAY)
    assert pairs.loc[0, "interactions"] == 2 and pairs.loc[0, "last_interaction"] == "2026-09-28"


def test_a_meeting_of_two_and_two_gives_four_pairs_and_contacts_alone_give_no_pair():
    pairs = derive_strengths([row(0, "meeting", team=("T1", "T2"), contacts=("C1", "C2")),
                              row(0, "meeting", team=(), contacts=("C1", "C2"))], as_of=DAY)
    assert sorted(zip(pairs["team_id"], pairs["contact_id"])) == [("T1", "C1"), ("T1", "C2"), ("T2", "C1"),
                                                                  ("T2", "C2")]
    assert list(pairs["strength"]) == [pytest.approx(1.5 / 4.5)] * 4


def reference_strengths(rows, policy=StrengthPolicy()) -> dict:
    """The module docstring's formula, one interaction and one pair at a time."""
    sums: dict = {}
    for r in rows:
        age = (DAY - dt.date.fromisoformat(r["date"])).days
        if age < 0:
            continue
        value = contribution(r["type"], age, policy)
        sender = r["sender_id"]
        side = ("m" if r["type"] != "email" else "o" if sender in r["team_ids"]
                else "i" if sender in r["contact_ids"] else "u")
        for pair in itertools.product(r["team_ids"], r["contact_ids"]):
            entry = sums.setdefault(pair, {"m": 0.0, "o": 0.0, "i": 0.0, "u": 0.0, "n": 0, "last": ""})
            entry[side] += value
            entry["n"] += 1
            entry["last"] = max(entry["last"], r["date"])
    out = {}
    for pair, e in sums.items():
        score = e["m"] + 2 * min(e["o"], e["i"]) + policy.one_way_weight * (abs(e["o"] - e["i"]) + e["u"])
        out[pair] = (e["n"], e["last"], score / (score + policy.saturation))
    return out


people = st.lists(st.sampled_from(["T1", "T2", "X"]), max_size=3, unique=True)
contacts_ = st.lists(st.sampled_from(["C1", "C2", "X"]), max_size=3, unique=True)
interaction_rows = st.lists(st.builds(
    lambda days, type_, team, contacts, sender: row(days, type_, tuple(team), tuple(contacts), sender),
    st.integers(-30, 400), st.sampled_from(["email", "email", "visit", "call", "executive_visit", "other"]),
    people, contacts_, st.sampled_from([None, "T1", "T2", "C1", "C2", "X", "nobody"])), max_size=25)


@given(interaction_rows)
@settings(max_examples=150, deadline=None)
def test_derived_strengths_follow_the_formula_for_any_history(rows):
    """The vectorised derivation against the formula applied row by row: any mix of
    meetings of several, directed mail from either side, unknown senders, future dates
    and an id that is both one of ours and a contact ("X")."""
    got = derive_strengths(rows, as_of=DAY)
    expected = reference_strengths(rows)
    assert {(t, c): (n, last, pytest.approx(s)) for t, c, n, last, s in
            zip(got["team_id"], got["contact_id"], got["interactions"], got["last_interaction"], got["strength"])} \
        == expected
    order = list(zip(-got["strength"], got["team_id"], got["contact_id"]))
    assert order == sorted(order)


def test_contact_to_contact_interaction_is_inferred_influence_both_ways():
    edges = infer_influence([row(0, "call", team=(), contacts=("A", "B"))], as_of=DAY)
    assert [(e["source_id"], e["target_id"], e["inferred"]) for e in edges] == [("A", "B", True), ("B", "A", True)]
    assert edges[0]["weight"] == pytest.approx(1 / 4)


def test_interaction_notes_are_personal_data():
    assert personal_fields(Interaction) == {"notes"}


# ----- the account graph reflects the history -----------------------------------------------------
def small_graph(interactions, policy=StrengthPolicy(), entered=0.9, last="2026-01-10"):
    return build_account_graph(
        "A", accounts=[{"id": "A", "name": "Acme", "tier": "A"}], departments=[],
        contacts=[{"id": "C", "account_id": "A", "name": "Li", "roles": ("decider",), "level": "executive",
                   "stance": 3, "last_contact": "2026-01-10"},
                  {"id": "D", "account_id": "A", "name": "Wu", "roles": ("influencer",), "stance": 1}],
        team=[{"id": "T", "name": "Zhang", "role": "account_manager"}, {"id": "X", "name": "VP", "role": "executive"}],
        relationships=[{"team_id": "T", "contact_id": "C", "strength": entered, "last_interaction": last}],
        influence=[], opportunities=[], opportunity_members=[], interactions=interactions, as_of=DAY,
        policy=policy)


def test_derived_strength_is_used_by_default_and_the_entered_one_kept_beside_it():
    G = small_graph([row(0, "executive_visit")])
    e = G.edges["team:T", "contact:C", EdgeType.RELATIONSHIP]
    assert (e["strength"], e["strength_derived"], e["strength_entered"], e["strength_source"]) == (0.5, 0.5, 0.9,
                                                                                                    "derived")
    assert e["last_interaction"] == DAY.isoformat() and G.nodes["contact:C"]["last_contact"] == DAY.isoformat()
    G = small_graph([row(0, "executive_visit")], StrengthPolicy(prefer="entered"))
    assert G.edges["team:T", "contact:C", EdgeType.RELATIONSHIP]["strength"] == 0.9


def test_a_relationship_without_history_keeps_its_entered_strength():
    e = small_graph([row(0, "call", team=("X",), contacts=("D",))]).edges["team:T", "contact:C", "relationship"]
    assert e["strength"] == 0.9 and e["strength_derived"] is None and e["interactions"] == 0


def test_stale_relationship_uses_the_history():
    stale = [g for g in find_gaps(small_graph([]), today=DAY) if g.type == "stale_relationship"]
    assert stale and stale[0].contacts == ("C",)
    fresh = find_gaps(small_graph([row(20, "visit")]), today=DAY)
    assert not [g for g in fresh if g.type == "stale_relationship"]


def test_inferred_influence_only_when_asked():
    history = [row(0, "meeting", team=(), contacts=("C", "D"))]
    assert not small_graph(history).has_edge("contact:D", "contact:C")
    G = small_graph(history, StrengthPolicy(infer_influence=True))
    assert G.edges["contact:D", "contact:C", "influences/inferred"]["inferred"] is True


# ----- cadence by tier, around the boundary day -----------------------------------------------------
POLICY = CadencePolicy({"A": TierCadence(executive_days=90, account_manager_days=30)})
# a policy that has the account manager meet the customer's executives too
AM_TOO = CadencePolicy({"A": TierCadence(executive_days=90, account_manager_days=30)},
                       {**DEFAULT_PEERS, "executive": ("executive", "account_manager")})


@pytest.mark.parametrize("days_ago, overdue", [(29, None), (30, None), (31, 1), (45, 15)])
def test_account_manager_cadence_breaks_the_day_after_the_limit(days_ago, overdue):
    G = small_graph([row(days_ago, "visit")], last=None)
    found = [b for b in cadence_breaches(G, today=DAY, policy=AM_TOO) if b["kind"] == "decider"]
    if overdue is None:
        assert found == []
    else:
        assert found[0]["days_overdue"] == overdue and found[0]["contacts"] == ["C"]
        assert found[0]["team"] == ["T", "X"] and found[0]["roles"] == ["executive", "account_manager"]
        assert found[0]["last"] == (DAY - dt.timedelta(days=days_ago)).isoformat()


@pytest.mark.parametrize("days_ago, breach", [(90, False), (91, True)])
def test_executive_cadence_on_a_tier_a_account(days_ago, breach):
    G = small_graph([row(days_ago, "executive_visit", team=("X",))], last="2026-09-30")
    found = [b for b in cadence_breaches(G, today=DAY, policy=POLICY) if b["kind"] == "executive"]
    assert bool(found) is breach
    gaps = [g for g in find_gaps(G, today=DAY, cadence_policy=POLICY) if g.type == "cadence_breach"]
    assert bool(gaps) is breach
    if breach:
        assert gaps[0].severity == "high" and gaps[0].accounts == ("A",) and "1 days overdue" in gaps[0].explanation


def test_next_moves_propose_the_meetings_the_cadence_asks_for():
    # the account manager met executive decider Li 45 days ago; our VP met them 100 days ago (limit 90)
    G = small_graph([row(45, "visit"), row(100, "executive_visit", team=("X",))], last=None)
    moves = next_moves(G, today=DAY, cadence_policy=POLICY, top=10)
    meetings = {(m["team"], m["contact"]): [g["type"] for g in m["closes"]] for m in moves if m["team"]}
    assert "cadence_breach" in meetings[("X", "C")]  # our executive with their executive decider
    assert not any("cadence_breach" in closes for (t, _), closes in meetings.items() if t == "T")  # peers only
    assert any("cadence" in m["description"] for m in moves)
    # a policy that also has the account manager meet executives: one meeting of our VP
    # closes both breaches, so the plan does not add the account manager's
    both = next_moves(G, today=DAY, cadence_policy=AM_TOO, top=10)
    closing = [m for m in both if any(g["type"] == "cadence_breach" for g in m["closes"])]
    assert [(m["team"], m["contact"]) for m in closing] == [("X", "C")]
    assert len([g for g in closing[0]["closes"] if g["type"] == "cadence_breach"]) == 2
    relaxed = CadencePolicy({"A": TierCadence(executive_days=365, account_manager_days=365)})
    assert not [m for m in next_moves(G, today=DAY, cadence_policy=relaxed, top=10)
                if any(g["type"] == "cadence_breach" for g in m["closes"])]


def test_never_met_is_a_breach_and_an_untiered_account_is_not_judged():
    G = small_graph([])
    # our executive never met them; the account manager last did on 2026-01-10 (264 days, limit 30)
    # by default an executive decider is met by our executives only (对等交流)
    assert {b["kind"]: b["days_overdue"] for b in cadence_breaches(G, today=DAY)} == {"executive": None}
    G.nodes["contact:C"]["level"] = "director"  # a director decider: the account manager's to meet
    assert {b["kind"]: b["days_overdue"] for b in cadence_breaches(G, today=DAY)} == {"decider": 234}
    G.nodes["account:A"]["tier"] = None
    assert cadence_breaches(G, today=DAY) == []


def test_the_policy_file_is_validated(tmp_path):
    assert default_policy().tiers["C"].account_manager_days == 120
    good = tmp_path / "p.toml"
    good.write_text("[tiers.A]\nexecutive_days = 60\naccount_manager_days = 14\n")
    assert load_policy(good).tiers == {"A": TierCadence(60, 14)}
    bad = tmp_path / "bad.toml"
    bad.write_text("[tiers.A]\nexecutive_days = 'often'\naccount_manager_days = 14\n")
    with pytest.raises(PowermapError, match="tiers.A.executive_days must be a whole number"):
        load_policy(bad)
    with pytest.raises(PowermapError, match="cannot read"):
        load_policy(tmp_path / "missing.toml")
    peers = tmp_path / "peers.toml"
    peers.write_text('[tiers.A]\nexecutive_days = 60\naccount_manager_days = 14\n[peers]\ndirector = ["executive"]\n')
    policy = load_policy(peers)
    assert policy.meets("director") == ("executive",) and policy.meets("staff") == DEFAULT_PEERS["staff"]
    peers.write_text('[tiers.A]\nexecutive_days = 60\naccount_manager_days = 14\n[peers]\ndirector = ["boss"]\n')
    with pytest.raises(PowermapError, match="peers.director must be a non-empty list of our roles"):
        load_policy(peers)


def test_peer_levels_decide_who_of_ours_is_to_meet_whom():
    def account(level):  # a tier-A decider; our solution manager met them 10 days ago
        return build_account_graph(
            "A", accounts=[{"id": "A", "name": "Acme", "tier": "A"}], departments=[],
            contacts=[{"id": "C", "account_id": "A", "name": "Li", "roles": ("decider",), "level": level}],
            team=[{"id": "S", "name": "Zhou", "role": "solution_manager"}, {"id": "X", "name": "VP", "role": "executive"}],
            relationships=[{"team_id": "S", "contact_id": "C", "strength": 0.6,
                            "last_interaction": (DAY - dt.timedelta(days=10)).isoformat()}],
            influence=[], opportunities=[], opportunity_members=[])
    # a director's peers are the account, solution or delivery manager: the visit counts
    assert cadence_breaches(account("director"), today=DAY) == []
    # a chairman is our executive's to meet: the solution manager's visit does not count,
    # and nobody asks the account manager to call on them
    (breach,) = cadence_breaches(account("executive"), today=DAY)
    assert (breach["kind"], breach["team"], breach["last"]) == ("executive", ["X"], None)


# ----- workbook / CSV import -------------------------------------------------------------------------
INTERACTIONS = [["编号", "日期", "类型", "所属客户", "主题", "我方参与人", "客户参与人", "备注"],
                ["I1", "2026-09-20", "高层拜访", "G1", "年度拜访", "T2;T1", "C1", "谈了新基地"],
                ["I2", "2026/09/25", "电话", "S1", "交期", "T1", "C2、C3", None]]


def test_interactions_sheet_with_participants_separated_by_semicolons(tmp_path):
    store = EmbeddedStore(tmp_path / "s.db")
    path = write_workbook(tmp_path / "w.xlsx", {**SMALL, "互动记录": INTERACTIONS})
    report = import_paths([path], store)
    assert report.result.inserted["interactions"] == 2
    i1 = store.get("interactions", "I1")
    assert i1.type.value == "executive_visit" and i1.team_ids == {"T1", "T2"} and i1.notes == "谈了新基地"
    assert store.get("interactions", "I2").contact_ids == {"C2", "C3"}
    again = import_paths([path], store)
    assert not again.result.changed  # idempotent by id


def test_interactions_and_participants_sheets(tmp_path):
    store = EmbeddedStore(tmp_path / "s.db")
    sheets = {**SMALL, "interactions": [["id", "date", "type", "account_id", "subject"],
                                        ["I1", "2026-09-20", "technical exchange", "S1", "液压方案"]],
              "参与人": [["interaction_id", "team_id", "contact_id"], ["I1", "T1", None], ["I1", None, "C3"],
                        ["I1", None, "C2"]]}
    import_paths([write_workbook(tmp_path / "w.xlsx", sheets)], store)
    stored = store.get("interactions", "I1")
    assert stored.team_ids == {"T1"} and stored.contact_ids == {"C2", "C3"}


def test_participant_problems_name_the_participants_row(tmp_path):
    store = EmbeddedStore(tmp_path / "s.db")
    sheets = {**SMALL, "interactions": [["id", "date", "type", "account_id"], ["I1", "2026-09-20", "拜访", "S1"],
                                        ["I2", "someday", "sightseeing", "S1"]],
              "interaction_participants": [["interaction_id", "team_id", "contact_id"], ["I1", "T1", None],
                                           ["I9", None, "C3"], ["I1", None, "C404"], ["I1", None, None]]}
    with pytest.raises(ImportRejected) as rejected:
        import_paths([write_workbook(tmp_path / "w.xlsx", sheets)], store)
    problems: dict = {}
    for p in rejected.value.problems:
        problems[(p.file.split(":")[-1], p.row, p.column)] = problems.get((p.file.split(":")[-1], p.row, p.column),
                                                                          "") + p.message
    assert "unknown interaction 'I9'" in problems[("interaction_participants", 3, "interaction_id")]
    assert "unknown contact 'C404'" in problems[("interaction_participants", 4, "contact_id")]
    assert "team member (team_id) or a contact" in problems[("interaction_participants", 5, None)]
    assert "is not a date" in problems[("interactions", 3, "date")]
    assert "not a known interaction type" in problems[("interactions", 3, "type")]
    assert store.counts()["accounts"] == 0  # atomic: nothing written


def test_unknown_participants_in_the_interactions_sheet_are_row_precise(tmp_path):
    store = EmbeddedStore(tmp_path / "s.db")
    import_frames({"accounts": pd.DataFrame([{"id": "A", "name": "Acme"}])}, store)
    with pytest.raises(ImportRejected) as rejected:
        import_frames({"interactions": pd.DataFrame([
            {"id": "I1", "date": "2026-01-01", "account_id": "A", "contact_ids": "ghost"}])}, store)
    (problem,) = rejected.value.problems
    assert (problem.row, problem.column) == (2, "contact_ids") and "unknown contact 'ghost'" in problem.message


# ----- Salesforce tasks and events ---------------------------------------------------------------------
def sf(id15: str) -> str:
    return salesforce_id(id15)


ACC, CON, CON2, GONE_CON, LEAD = "001000000000AAA", "003000000000CCA", "003000000000CCB", "003000000000CCZ", \
    "00Q000000000LLA"
AM, OUTSIDER = "005000000000UUA", "005000000000UUZ"


def salesforce_export(folder: Path) -> Path:
    folder.mkdir()
    write_csv(folder / "Account.csv", [["Id", "IsDeleted", "Name", "ParentId", "Tier__c"],
                                       [sf(ACC), "false", "华东重工", "", "A"]], quote_all=True)
    write_csv(folder / "Contact.csv", [
        ["Id", "IsDeleted", "AccountId", "Name", "Title", "Email"],
        [sf(CON), "false", sf(ACC), "王建国", "董事长", "w@example.cn"],
        [sf(CON2), "false", sf(ACC), "李明", "采购经理", ""],
        [sf(GONE_CON), "true", sf(ACC), "Gone", "", ""]], quote_all=True)
    write_csv(folder / "User.csv", [["Id", "Name", "Title", "Email"], [sf(AM), "张经理", "大客户经理", "z@us.cn"],
                                    [sf(OUTSIDER), "Other", "Sales", ""]], quote_all=True)
    write_csv(folder / "AccountTeamMember.csv", [["Id", "AccountId", "UserId", "TeamMemberRole"],
                                                 ["01M000000000MMA", sf(ACC), sf(AM), "Account Manager"]],
              quote_all=True)
    write_csv(folder / "Task.csv", [
        ["Id", "IsDeleted", "WhoId", "WhatId", "AccountId", "OwnerId", "ActivityDate", "Subject", "Type",
         "TaskSubtype", "Status", "Description"],
        ["00T000000000TTA", "false", sf(CON), "", sf(ACC), sf(AM), "2026-09-01", "Call", "Call", "Call", "Completed",
         "private note"],
        ["00T000000000TTB", "true", sf(CON), "", sf(ACC), sf(AM), "2026-09-02", "Deleted", "Call", "Call",
         "Completed", ""],
        ["00T000000000TTC", "false", sf(GONE_CON), "", sf(ACC), sf(AM), "2026-09-03", "On deleted", "", "Email",
         "Completed", ""],
        ["00T000000000TTD", "false", sf(CON2), "", "", sf(AM), "2026-09-04", "Email: quote", "", "Email",
         "Completed", ""],
        ["00T000000000TTE", "false", sf(CON), "", sf(ACC), sf(AM), "2026-12-01", "Follow up", "Call", "Task",
         "Not Started", ""],
        ["00T000000000TTF", "false", LEAD, "", "", sf(AM), "2026-09-05", "Lead call", "Call", "Call", "Completed",
         ""],
    ], quote_all=True)
    write_csv(folder / "Event.csv", [
        ["Id", "IsDeleted", "WhoId", "AccountId", "OwnerId", "ActivityDate", "ActivityDateTime", "Subject", "Type"],
        ["00U000000000EEA", "false", sf(CON), sf(ACC), sf(OUTSIDER), "2026-09-10", "2026-09-10T06:30:00.000Z",
         "高层拜访", "高层拜访"],
    ], quote_all=True)
    write_csv(folder / "EventRelation.csv", [
        ["Id", "IsDeleted", "EventId", "RelationId"],
        ["0RE000000000RRA", "false", "00U000000000EEA", sf(CON2)],
        ["0RE000000000RRB", "false", "00U000000000EEA", sf(AM)]], quote_all=True)
    return folder


def test_salesforce_tasks_and_events_become_interactions(tmp_path):
    store = EmbeddedStore(tmp_path / "s.db")
    report = import_paths([salesforce_export(tmp_path / "sf")], store)
    assert report.rows["interactions"] == 3
    said = "\n".join(report.warnings)
    assert "Task.csv: 1 deleted rows skipped" in said and "Task.csv: 1 rows of deleted records skipped" in said
    assert "1 open (not completed) tasks skipped" in said and "1 activities with no account skipped" in said
    call = store.get("interactions", sf("00T000000000TTA"))
    assert call.type.value == "call" and call.contact_ids == {sf(CON)} and call.team_ids == {sf(AM)}
    assert call.notes == "private note"
    mail = store.get("interactions", sf("00T000000000TTD"))  # no AccountId: the contact's account
    assert mail.type.value == "email" and mail.account_id == sf(ACC) and mail.sender_id == sf(AM)
    event = store.get("interactions", sf("00U000000000EEA"))
    assert event.type.value == "executive_visit" and event.time == "06:30"
    assert event.contact_ids == {sf(CON), sf(CON2)} and event.team_ids == {sf(AM)}  # the outsider left out
    assert store.get("interactions", sf("00T000000000TTB")) is None
    again = import_paths([tmp_path / "sf"], store)
    assert not again.result.changed


# ----- an e-mail log -------------------------------------------------------------------------------------
def test_an_email_log_matches_addresses_and_counts_the_unknown_ones(tmp_path):
    store = EmbeddedStore(tmp_path / "s.db")
    import_paths([write_workbook(tmp_path / "w.xlsx", SMALL)], store)
    import_frames({"team": pd.DataFrame([{"id": "T1", "name": "张经理", "email": "Zhang@Us.example"}])}, store)
    before = store.counts()
    log = write_csv(tmp_path / "trace.csv", [
        ["Received", "SenderAddress", "RecipientAddress", "MessageId", "Subject"],
        ["2026-09-01T08:00:00Z", "zhang@us.example", "wang@example.cn", "<m1@us>", "报价"],
        ["2026-09-01T08:00:00Z", "zhang@us.example", "stranger@example.cn", "<m1@us>", "报价"],
        ["2026-09-02T09:30:00Z", "Wang <wang@example.cn>", "zhang@us.example; boss@example.cn", "<m2@cn>", "Re: 报价"],
        ["2026-09-03T10:00:00Z", "stranger@example.cn", "boss@example.cn", "<m3@cn>", "internal"],
        ["2026-09-04T10:00:00Z", "zhang@us.example", "colleague@us.example", "<m4@us>", "FYI"],
    ])
    report = import_paths([log], store)
    assert report.rows == {"interactions": 2}
    said = "\n".join(report.warnings)
    assert "3 addresses matched no contact or team member (in 4 messages" in said
    assert "2 of 4 messages skipped" in said
    after = store.counts()
    assert after["contacts"] == before["contacts"] and after["team_members"] == before["team_members"]
    replies = store.get("interactions", "mail-<m2@cn>")
    assert replies.sender_id == "C1" and replies.team_ids == {"T1"} and replies.time == "09:30"
    assert store.get("interactions", "mail-<m1@us>").account_id == "G1"
    assert not import_paths([log], store).result.changed  # idempotent
    pairs = strength_report(store, "G1", as_of=dt.date(2026, 9, 4))["pairs"]
    wang = next(p for p in pairs if (p["team_id"], p["contact_id"]) == ("T1", "C1"))
    assert wang["interactions"] == 2 and wang["strength_derived"] > 0 and wang["strength_entered"] is None


def test_an_email_log_without_the_needed_columns_is_refused(tmp_path):
    log = write_csv(tmp_path / "mail.csv", [["timestamp", "sender", "size"], ["2026-01-01", "a@b", "1"]])
    with pytest.raises(ImportRejected) as rejected:
        import_paths([log], EmbeddedStore(tmp_path / "s.db"), format="email-log")
    assert [p.message for p in rejected.value.problems] == ["an e-mail log needs a recipients column"]


# ----- a real corpus: Enron ------------------------------------------------------------------------------
def import_enron(store):
    """Legal as our team, Trading as account ENRON, the e-mail log as interactions; the log's import report."""
    people = pd.read_csv(ENRON / "employees.csv")
    legal, trading = people[people.department == "Legal"], people[people.department == "Trading"]
    import_frames({"accounts": pd.DataFrame([{"id": "ENRON", "name": "Enron trading", "tier": "A"}]),
                   "team": legal[["id", "name", "email"]],
                   "contacts": trading[["id", "name", "title", "email"]].assign(account_id="ENRON")}, store)
    return import_paths([ENRON / "email_log.csv"], store)


@pytest.fixture(scope="module")
def enron(tmp_path_factory):
    """Legal is our team, Trading the customer's people; Other's addresses stay unknown."""
    people = pd.read_csv(ENRON / "employees.csv")
    store = EmbeddedStore(tmp_path_factory.mktemp("enron") / "enron.db")
    report = import_enron(store)
    as_of = dt.date(2002, 7, 1)
    pairs = pd.DataFrame(strength_report(store, "ENRON", as_of=as_of)["pairs"])
    # direct mail between each pair, from the log itself
    address = dict(zip(people.email, people.id))
    side = dict(zip(people.id, people.department))
    sent, received, recent = Counter(), Counter(), Counter()
    with open(ENRON / "email_log.csv", encoding="utf-8") as f:
        for message in csv.DictReader(f):
            days = (as_of - dt.date.fromisoformat(message["timestamp"][:10])).days
            sender = address[message["sender"]]
            for to in message["recipients"].split(";"):
                to = address[to]
                if side[sender] == "Legal" and side[to] == "Trading":
                    sent[(sender, to)] += 1
                    recent[(sender, to, "out")] += days <= 180
                elif side[sender] == "Trading" and side[to] == "Legal":
                    received[(to, sender)] += 1
                    recent[(to, sender, "in")] += days <= 180
    pairs["two_way_mail"] = [min(sent[p], received[p]) for p in zip(pairs.team_id, pairs.contact_id)]
    pairs["recent_two_way"] = [min(recent[(t, c, "out")], recent[(t, c, "in")])
                               for t, c in zip(pairs.team_id, pairs.contact_id)]
    pairs["mail"] = [sent[p] + received[p] for p in zip(pairs.team_id, pairs.contact_id)]
    return report, pairs


def test_enron_log_imports_with_unknown_addresses_counted(enron):
    report, _ = enron
    assert report.rows == {"interactions": 1715}
    assert any("51 addresses matched no contact or team member" in w for w in report.warnings)


def test_enron_pairs_with_the_most_recent_two_way_mail_are_strongest(enron):
    _, pairs = enron  # strongest first
    top = pairs.iloc[0]
    assert top.recent_two_way == pairs.recent_two_way.max() > 0  # most two-way mail in the last half year
    assert (pairs.head(10).two_way_mail > 0).all()  # the ten strongest all wrote back and forth
    two_way, one_way = pairs[pairs.two_way_mail > 0], pairs[(pairs.two_way_mail == 0) & (pairs.mail > 0)]
    assert two_way.strength.mean() > 3 * one_way.strength.mean()


def test_enron_recent_mail_beats_old_volume(enron):
    _, pairs = enron
    top = pairs.iloc[0]
    bulkiest = pairs.loc[pairs.mail.idxmax()]  # hundreds of messages, the last months before the end
    assert bulkiest.mail > 3 * top.mail and bulkiest.last_interaction < top.last_interaction
    assert bulkiest.strength < top.strength


# ----- the CLI ------------------------------------------------------------------------------------------
@pytest.fixture
def history_db(tmp_path):
    db = str(tmp_path / "h.db")
    path = write_workbook(tmp_path / "w.xlsx", {**SMALL, "interactions": INTERACTIONS})
    assert main(["--db", db, "import", str(path)]) == 0
    return db


def run_json(capsys, *args):
    code = main(list(args))
    captured = capsys.readouterr()
    return code, json.loads(captured.out) if code == 0 else captured.err


def test_cli_interactions_strength_and_cadence(history_db, capsys):
    code, listed = run_json(capsys, "--db", history_db, "interactions", "G1", "--json")
    assert code == 0 and [i["id"] for i in listed["interactions"]] == ["I2", "I1"]
    assert "notes" not in listed["interactions"][0] and listed["interactions"][1]["team"][0]["name"]
    code, listed = run_json(capsys, "--db", history_db, "interactions", "G1", "--since", "2026-09-21", "--json")
    assert [i["id"] for i in listed["interactions"]] == ["I2"]
    code, shown = run_json(capsys, "--db", history_db, "strength", "G1", "--as-of", "2026-09-20", "--json")
    pair = next(p for p in shown["pairs"] if (p["team_id"], p["contact_id"]) == ("T2", "C1"))
    assert pair["strength_derived"] == 0.5 and pair["strength_entered"] == 0.8 and pair["source"] == "derived"
    code, cadence = run_json(capsys, "--db", history_db, "cadence", "G1", "--as-of", "2026-12-20", "--json")
    executive = [b for b in cadence["breaches"] if b["kind"] == "executive" and b["account"] == "G1"]
    assert executive[0]["last"] == "2026-09-20" and executive[0]["days_overdue"] == 1
    code, everything = run_json(capsys, "--db", history_db, "cadence", "--all", "--as-of", "2026-12-20", "--json")
    assert everything["counts"]["total"] == cadence["counts"]["total"]
    assert main(["--db", history_db, "cadence"]) == 2
    assert main(["--db", history_db, "interactions", "NOPE"]) == 2


# ----- the Neo4j adapter's reads -------------------------------------------------------------------------
def test_neo4j_subgraph_rows_carry_interactions_and_their_people():
    from test_neo4j_calls import _RecordingDriver, _Result
    from graph.neo4j_store import Neo4jStore

    class Canned(_RecordingDriver):
        def execute_query(self, query_, parameters_=None, **kw):
            super().execute_query(query_, parameters_, **kw)
            if "AS interactions" not in query_:
                return _Result(None, [])
            return _Result(None, [{
                "accounts": [{"id": "A", "name": "Acme", "kind": "company"}], "departments": [],
                "contacts": [{"id": "C", "account_id": "A", "name": "Li", "level": "staff"}],
                "team": [{"id": "T", "name": "Zhang", "role": "account_manager"}],
                "relationships": [], "influence": [], "opportunities": [], "opportunity_members": [], "owned": [],
                "interactions": [{"id": "I", "date": "2026-10-01", "type": "executive_visit", "account_id": "A",
                                  "team_ids": ["T"], "contact_ids": ["C"]}]}])

    store = Neo4jStore(Canned(), setup_schema=False)
    rows = store.subgraph_rows("A")
    assert rows["interactions"][0]["team_ids"] == ("T",) and rows["interactions"][0]["notes"] is None
    G = store.account_subgraph("A", as_of=DAY)
    assert G.edges["team:T", "contact:C", EdgeType.RELATIONSHIP]["strength"] == 0.5


@pytest.mark.parametrize("stored", [False, True], ids=["new interactions", "stored interactions"])
def test_neo4j_write_draws_participants_after_the_people_exist(stored):
    from test_neo4j_calls import _RecordingDriver
    from test_store_contract import world
    from graph.neo4j_store import Neo4jStore

    driver = _RecordingDriver()
    driver.stored = stored  # the write's read finds every id stored (MERGE) or none (CREATE)
    store = Neo4jStore(driver, setup_schema=False)
    driver.log.clear()
    store.write(Batch.from_records(world()))
    sent = [(name, params) for kind, name, params in driver.log if kind == "tx"]
    names = [name for name, _ in sent]
    write = "upsert" if stored else "create"
    assert names.index(f"{write}.interactions") > max(names.index(f"{write}.team"), names.index(f"{write}.contacts"))
    if not stored:  # drawn by the CREATE itself, from the row's own columns
        (row,) = dict(sent)["create.interactions"]["rows"]
        assert (row["team_ids"], row["contact_ids"], row["account_id"]) == (["exec"], ["x1"], "X")
        assert not [name for name in names if name.startswith("link.interactions.")]
        return
    drawn = {name: params["rows"] for name, params in sent if name.startswith("link.interactions.")}
    assert drawn["link.interactions.team_ids"] == [{"id": "I-X", "refs": ["exec"]}]
    assert drawn["link.interactions.contact_ids"] == [{"id": "I-X", "refs": ["x1"]}]
    assert drawn["link.interactions.account_id"] == [{"id": "I-X", "ref": "X"}]


def test_an_email_log_reads_every_address_form_one_cell_mixes_and_reports_the_rest(tmp_path):
    store = EmbeddedStore(tmp_path / "s.db")
    import_paths([write_workbook(tmp_path / "w.xlsx", SMALL)], store)
    import_frames({"team": pd.DataFrame([{"id": "T1", "name": "张经理", "email": "zhang@us.example"}]),
                   "contacts": pd.DataFrame([{"id": "C2", "account_id": "S1", "name": "李明",
                                              "email": "li@example.cn"},
                                             {"id": "C3", "account_id": "S1", "name": "Tom Lee",
                                              "email": "tom@example.cn"}])}, store)
    log = write_csv(tmp_path / "trace.csv", [
        ["Received", "SenderAddress", "RecipientAddress", "MessageId"],
        ["2026-09-01T08:00:00Z", "张经理 <zhang@us.example>",
         'Wang <wang@example.cn>, li@example.cn; "Lee, Tom" <tom@example.cn> bob@', "<m1@us>"],
    ])
    report = import_paths([log], store)
    mail = store.get("interactions", "mail-<m1@us>")
    assert mail.contact_ids == {"C1", "C2", "C3"} and mail.team_ids == {"T1"} and mail.sender_id == "T1"
    said = "\n".join(report.warnings)
    assert "1 entries in 1 rows are not e-mail addresses and were left out (row 2: 'bob@')" in said
