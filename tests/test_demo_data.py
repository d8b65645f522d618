"""The bundled demo data: realistic, complete, and the same world in both formats."""

from __future__ import annotations

from collections import Counter

import pytest

from conftest import REPO
from graph.embedded import EmbeddedStore
from importers import import_paths

DEMO = REPO / "demo"


@pytest.fixture(scope="module")
def workbook_store(tmp_path_factory):
    store = EmbeddedStore(tmp_path_factory.mktemp("demo") / "wb.db")
    import_paths([DEMO / "demo.xlsx"], store)
    yield store
    store.close()


@pytest.fixture(scope="module")
def salesforce_store(tmp_path_factory):
    store = EmbeddedStore(tmp_path_factory.mktemp("demo") / "sf.db")
    import_paths([DEMO / "salesforce"], store)
    yield store
    store.close()


def _people(store) -> dict[str, tuple]:
    """name → (account name, manager name, title) for every contact."""
    accounts = {a["id"]: a["name"] for a in store.list_accounts()}
    contacts = {}
    for account_id in accounts:
        G = store.account_subgraph(account_id)
        for _, data in G.nodes(data=True):
            if data["kind"] == "contact":
                contacts[data["id"]] = data
    return {c["name"]: (accounts[c["account_id"]], contacts[c["reports_to"]]["name"] if c["reports_to"] else None,
                        c["title"]) for c in contacts.values()}


def test_demo_is_a_realistic_group_customer(workbook_store):
    counts = workbook_store.counts()
    assert counts["contacts"] >= 150 and counts["opportunities"] >= 3
    accounts = {a["id"]: a for a in workbook_store.list_accounts()}
    depth = {}
    for account_id in accounts:
        d, node = 0, accounts[account_id]["parent_id"]
        while node:
            d, node = d + 1, accounts[node]["parent_id"]
        depth[account_id] = d
    assert max(depth.values()) >= 2 and sum(1 for d in depth.values() if d == 1) >= 3
    G = workbook_store.account_subgraph("A-G1")
    contacts = [d for _, d in G.nodes(data=True) if d["kind"] == "contact"]
    stances = {c["stance"] for c in contacts}
    assert {3, -1, None} <= stances
    for part, d in depth.items():
        if d == 1:
            kinds = {data["department_kind"] for _, data in G.nodes(data=True)
                     if data["kind"] == "department" and data["account_id"] == part}
            assert {"purchasing", "design", "user"} <= kinds, part
    dmu_types = {d["dmu_type"] for _, d in G.nodes(data=True) if d["kind"] == "opportunity"}
    assert len(dmu_types) >= 2
    team_roles = {d["role"] for _, d in G.nodes(data=True) if d["kind"] == "team"}
    assert {"account_manager", "solution_manager", "delivery_manager", "executive"} <= team_roles
    assert not any(c["external"] for c in contacts)  # every manager is inside the group
    assert any(G.nodes[f"contact:{c}"]["reports_to"] for c in ("C0037", "C0083"))  # base heads report up


def test_salesforce_export_is_the_same_world(workbook_store, salesforce_store):
    wb, sf = workbook_store.counts(), salesforce_store.counts()
    for key in ("accounts", "contacts", "team_members", "opportunities", "reports_to"):
        assert wb[key] == sf[key], key
    assert _people(workbook_store) == _people(salesforce_store)
    wb_accounts = {a["name"]: a["kind"] for a in workbook_store.list_accounts()}
    sf_accounts = {a["name"]: a["kind"] for a in salesforce_store.list_accounts()}
    assert wb_accounts.keys() == sf_accounts.keys()


def test_demo_carries_a_year_of_interactions_that_tell_the_same_story(workbook_store, salesforce_store):
    import datetime as dt

    wb = workbook_store.list_records("interactions", limit=10_000)
    sf = salesforce_store.list_records("interactions", limit=10_000)
    assert len(wb) == len(sf) >= 500  # deleted and open tasks skipped
    assert "2025-11-01" <= min(r["date"] for r in wb) and max(r["date"] for r in wb) <= "2026-11-01"
    assert {"visit", "executive_visit", "meeting", "technical_exchange", "call", "email"} <= {r["type"] for r in wb}
    assert Counter(r["type"] for r in wb) == Counter(r["type"] for r in sf)
    assert any(len(r["team_ids"]) > 1 for r in wb)  # a review with several of ours (participants sheet)
    G = workbook_store.account_subgraph("A-G1", as_of=dt.date(2026, 11, 1))
    chairman = G.edges["team:T01", "contact:C0001", "relationship"]  # the planted stale tie stays stale
    assert chairman["last_interaction"] == "2026-03-20" and chairman["strength_derived"] < chairman["strength_entered"]
    latest: dict[str, str] = {}
    for r in wb:
        for c in r["contact_ids"]:
            latest[c] = max(latest.get(c, ""), r["date"])
    stated = {c["id"]: c["last_contact"] for c in workbook_store.list_records("contacts", limit=1000)}
    for node, data in G.nodes(data=True):  # what the maps' tooltips show: the later of the two
        if data["kind"] == "contact" and data["id"] in latest:
            assert data["last_contact"] == max(latest[data["id"]], stated[data["id"]] or "")
    untouched = {d["id"] for _, d in G.nodes(data=True) if d["kind"] == "contact" and d["account_id"] in
                 ("A-CQ", "A-CQ-W1")}
    assert untouched and not untouched & {c for r in wb for c in r["contact_ids"]}


def test_next_moves_on_the_demo_spread_over_the_iron_triangle_and_serve_deals(workbook_store):
    import datetime as dt

    from graph.analysis.next_moves import next_moves

    G = workbook_store.account_subgraph("A-G1", as_of=dt.date(2026, 11, 1))
    stats = {}
    moves = next_moves(G, today=dt.date(2026, 11, 1), time_budget=None, stats=stats)
    assert stats["tried"] == stats["candidates"] > 16  # every candidate the gaps and deals suggest
    owners = {G.nodes[f"team:{m['team']}"]["role"] for m in moves}
    assert {"solution_manager", "delivery_manager"} <= owners
    assert all(m["team"] for m in moves)  # every move has an owner, win-overs included
    assert max(Counter(m["team"] for m in moves).values()) <= 2
    assert any(d["opportunity"] == "O2" for m in moves for d in m["deals"])  # the coach-less deal
    wins = [m for m in moves if m["action"] == "raise_stance" and m["deals"]]
    assert wins and all(m["support_gain"] != 0 for m in wins)
    assert not [g for m in moves for g in m["opens"] if g["type"] == "untouched_subsidiary"]


def test_the_demo_plan_shows_every_status_on_the_story_date(workbook_store):
    from datetime import date

    from graph.analysis.plans import plan_report

    report = plan_report(workbook_store, "A-G1", as_of=date(2026, 11, 1))
    status = {a["id"]: (a["status"], a["days_overdue"], (a["closing_interaction"] or {}).get("match"),
                        a["stance_reached"], a["done_stance_not_moved"]) for a in report["actions"]}
    assert status == {
        "PL-26Q4-01": ("done", 0, "owner", True, False),     # the coach, kept a coach
        "PL-26Q4-02": ("done", 0, "owner", False, True),     # visited, stance not moved
        "PL-26Q4-03": ("done", 0, "colleague", False, True),  # the solution manager went, as allowed
        "PL-26Q4-04": ("overdue", 7, None, False, False),    # our VP never met the 总裁
        "PL-26Q4-05": ("overdue", 17, None, False, False),   # the home visit did not happen
        "PL-26Q4-06": ("open", 0, None, False, False),       # the site visit is due in December
        "PL-26Q4-07": ("closed", 0, None, None, False),      # closed by hand, with who and why
    }
    assert report["totals"] == {"done": 3, "overdue": 2, "open": 1, "closed": 1, "done_stance_not_moved": 2,
                                "actions": 7}
    closed = next(a for a in report["actions"] if a["status"] == "closed")
    assert closed["manual_close"]["by"] == "T02" and closed["manual_close"]["reason"]


def test_overdue_plan_actions_join_the_gap_report_under_their_contacts(workbook_store):
    from datetime import date

    from graph.analysis.findings import gap_findings, gap_label
    from graph.analysis.reports import gaps_report

    day = date(2026, 11, 1)
    overdue = [g for g in gaps_report(workbook_store, "A-G1", today=day)["gaps"] if g["type"] == "plan_overdue"]
    assert sorted((g["contacts"], g["team"], g["severity"]) for g in overdue) == [
        (["C0002"], ["T01"], "medium"), (["C0083"], ["T02"], "high")]  # 7 and 17 days overdue
    assert gap_label("plan_overdue", "zh") == "计划行动逾期"
    findings = gap_findings(workbook_store.account_subgraph("A-G1", as_of=day), today=day)["findings"]
    about = {f["subject"]["id"] for f in findings if any(g["type"] == "plan_overdue" for g in f["gaps"])}
    assert about == {"C0002", "C0083"}
