"""The competitor lens: leanings, the rivals' strongest people, where we are thinner, the
competitor_coach gap, rival counts in the roll-up — hand-made cases and the demo."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from graph.analysis.competitors import competitor_lens
from graph.analysis.gaps import find_gaps
from graph.analysis.next_moves import next_moves
from graph.analysis.rollup import group_rollup
from graph.subgraph import build_account_graph
from importers import import_paths
from conftest import REPO

TODAY = dt.date(2026, 11, 1)


def deal(*, adviser_stance=0, in_unit=True, ours=0.3):
    """Decider d, adviser x (leaning to Rival) who influences d at 0.8, our t knows d."""
    return build_account_graph(
        "A", accounts=[{"id": "A", "name": "Acme"}], departments=[],
        contacts=[{"id": "d", "account_id": "A", "name": "Li", "roles": ("decider",), "stance": 1},
                  {"id": "x", "account_id": "A", "name": "Xu", "competitor": "Rival", "stance": adviser_stance},
                  {"id": "y", "account_id": "A", "name": "Yu", "competitor": "Other", "stance": 2}],
        team=[{"id": "t", "name": "Wu", "role": "account_manager"}],
        relationships=[{"team_id": "t", "contact_id": "d", "strength": ours, "last_interaction": "2026-10-20"},
                       {"team_id": "t", "contact_id": "x", "strength": 0.6, "last_interaction": "2026-10-20"}],
        influence=[{"source_id": "x", "target_id": "d", "weight": 0.8},
                   {"source_id": "y", "target_id": "d", "weight": 0.9}],
        opportunities=[{"id": "O", "account_id": "A", "name": "Deal", "competitor": "Rival", "stage": "proposal"}],
        opportunity_members=[{"opportunity_id": "O", "contact_id": "d", "is_decider": True}] if in_unit else [])


def test_lens_compares_our_hold_with_the_rivals_and_ignores_who_prefers_us():
    lens = competitor_lens(deal())
    assert lens["leaning"] == {"x": "Rival"}  # y names Other but supports us more than rivals
    # our strongest path runs through the rival's own adviser: t → x (0.6) → d (0.8) = 0.48 > 0.3 direct
    assert lens["deciders"] == [{"id": "d", "leans_to": None, "ours": 0.48, "theirs": {"Rival": 0.8}, "thinner": True}]
    assert lens["competitors"] == [{"name": "Rival", "contacts": ["x"], "deciders": [],
                                    "strongest": [{"id": "x", "decider": False, "strength": 0.8, "deciders": ["d"]}]}]
    assert lens["opportunities"] == [{"id": "O", "name": "Deal", "competitor": "Rival", "leaning": {},
                                      "thinner": ["d"]}]
    assert not competitor_lens(deal(ours=0.9))["deciders"][0]["thinner"]


def test_competitor_coach_is_high_in_a_deal_and_closed_by_winning_the_adviser_over():
    gaps = [g for g in find_gaps(deal(), today=TODAY) if g.type == "competitor_coach"]
    assert [(g.severity, g.contacts) for g in gaps] == [("high", ("x", "d"))]
    assert "leans to Rival" in gaps[0].explanation
    assert [g.severity for g in find_gaps(deal(in_unit=False), today=TODAY) if g.type == "competitor_coach"] \
        == ["medium"]
    assert not [g for g in find_gaps(deal(adviser_stance=2), today=TODAY) if g.type == "competitor_coach"]
    moves = next_moves(deal(adviser_stance=1), today=TODAY, time_budget=None, per_person=None, top=10)
    win = [m for m in moves if m["contact"] == "x" and m["action"] == "raise_stance"]
    assert win and "competitor_coach" in {g["type"] for g in win[0]["closes"]}


def test_rollup_counts_contacts_leaning_to_each_rival():
    rollup = group_rollup(deal(), today=TODAY)
    assert (rollup["own"]["competitors"], rollup["total"]["rivals"]) == (1, {"Rival": 1})


@pytest.fixture
def demo(store):
    import_paths([REPO / "demo" / "demo.xlsx"], store)
    return store


def test_demo_hefei_deal_siemens_holds_the_chief_engineer(demo):
    from graph.analysis.reports import competitors_json

    G = demo.account_subgraph("A-G1")
    o2 = competitors_json(G, opportunity="O2")
    assert o2["opportunity"]["competitor"] == "Siemens" and o2["leaning"]["C0091"] == "Siemens"
    siemens = next(r for r in o2["competitors"] if r["name"] == "Siemens")
    assert siemens["strongest"][0] == {"id": "C0091", "decider": True, "strength": 1.0,
                                       "deciders": ["C0083", "C0085", "C0091"]}
    assert {d["id"] for d in o2["deciders"] if d["thinner"]} == {"C0083", "C0091"}
    gaps = find_gaps(G, today=TODAY)
    assert ("high", ("C0091", "C0083")) in {(g.severity, g.contacts) for g in gaps if g.type == "competitor_coach"}
    with pytest.raises(Exception, match="O9"):
        competitors_json(G, opportunity="O9")


def test_cli_and_api(run, api):
    assert run("import", str(REPO / "demo" / "demo.xlsx"))[0] == 0
    code, out, _ = run("competitors", "A-G1", "--json")
    assert code == 0 and json.loads(out)["counts"]["deciders_leaning"] >= 1
    code, out, _ = run("competitors", "A-G1", "--opportunity", "O2")
    assert code == 0 and "Siemens" in out and "张磊文" in out
    assert run("competitors", "A-G1", "--opportunity", "O9")[0] == 2
    body = api.get("/accounts/G1/competitors").json()
    assert body["account"] == "G1" and isinstance(body["deciders"], list)
    assert api.get("/accounts/G1/competitors?opportunity=O1").json()["opportunity"]["id"] == "O1"
    missing = api.get("/accounts/G1/competitors?opportunity=NOPE")
    assert missing.status_code == 404 and "Traceback" not in missing.text
