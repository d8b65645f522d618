"""Posture from share of wallet: the suggestion and its reasons, posture_mismatch, how
posture shapes gap severities and next moves, the trend from snapshots, CLI, API, roll-up
and group map — on hand-made accounts and on the demo."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from graph.analysis.gaps import find_gaps
from graph.analysis.next_moves import next_moves
from graph.analysis.posture import PosturePolicy, account_postures, default_posture_policy
from graph.analysis.rollup import group_rollup
from graph.exceptions import PowermapError
from graph.subgraph import build_account_graph
from importers import import_paths
from viz.maps import group_map
from conftest import REPO

TODAY = dt.date(2026, 11, 1)


def account(share, posture=None, *, tier="A", rival_decider=False, parts=(), people=()):
    """One account A (and parts below it) with a decider, optionally leaning to a rival."""
    accounts = [{"id": "A", "name": "Acme", "tier": tier, "posture": posture, "share_of_wallet": share},
                *parts]
    contacts = [{"id": "d", "account_id": "A", "name": "Li", "roles": ("decider",), "stance": 1,
                 "competitor": "Rival" if rival_decider else None}, *people]
    return build_account_graph("A", accounts=accounts, departments=[], contacts=contacts,
                               team=[{"id": "t", "name": "Wu", "role": "account_manager"}],
                               relationships=[{"team_id": "t", "contact_id": "d", "strength": 0.8,
                                               "last_interaction": "2026-10-20"}],
                               influence=[], opportunities=[], opportunity_members=[])


def suggestion(G, **options):
    return {p["id"]: p for p in account_postures(G, **options)}["A"]


@pytest.mark.parametrize("share, posture, tier, suggested, mismatch", [
    (0.90, "attack", "A", "maintain", True),     # we hold most of it: not an attack
    (0.03, "maintain", "A", "attack", True),     # almost nothing of a tier-A wallet: attack
    (0.70, None, "A", "maintain", False),        # no posture entered: a suggestion, no mismatch
    (0.45, "attack", "A", "attack", False),      # the middle band of a tier-A account: room to grow
    (0.45, "maintain", "C", "maintain", False),  # the middle band of a tier-C account: maintain
    (None, "attack", "A", None, False),          # no share: no suggestion, nothing to disagree with
])
def test_suggested_posture_by_share_and_tier(share, posture, tier, suggested, mismatch):
    row = suggestion(account(share, posture, tier=tier))
    assert (row["suggested"], row["mismatch"]) == (suggested, mismatch)
    assert row["effective"] == (posture or suggested)


def test_a_decider_leaning_to_a_rival_means_defend_above_the_defend_share():
    row = suggestion(account(0.70, "maintain", rival_decider=True))
    assert (row["suggested"], row["rival_deciders"], row["rivals"]) == ("defend", ["d"], {"Rival": 1})
    assert row["mismatch"] and "leaning to a rival" in row["reason"]
    # below the defend share there is no position to defend: attack
    assert suggestion(account(0.10, rival_decider=True))["suggested"] == "attack"


def test_a_slide_since_the_previous_snapshot_means_defend():
    row = suggestion(account(0.62, "maintain"), previous_share={"A": 0.70})
    assert (row["suggested"], row["share_change"], row["mismatch"]) == ("defend", -0.08, True)
    assert suggestion(account(0.66), previous_share={"A": 0.70})["suggested"] == "maintain"  # 4 points: noise


def test_an_entered_defend_stands_until_history_shows_no_slide():
    no_history = suggestion(account(0.45, "defend"))
    assert (no_history["suggested"], no_history["mismatch"]) == ("attack", False)
    assert "no snapshot shows the trend" in no_history["reason"]
    steady = suggestion(account(0.45, "defend"), previous_share={"A": 0.44})
    assert steady["mismatch"]


def test_posture_mismatch_is_a_gap_with_readable_names():
    from graph.analysis.findings import gap_label

    gaps = [g for g in find_gaps(account(0.70, "maintain", rival_decider=True), today=TODAY)
            if g.type == "posture_mismatch"]
    assert [(g.severity, g.contacts, g.accounts) for g in gaps] == [("high", ("d",), ("A",))]
    assert "marked maintain" in gaps[0].explanation and "suggests defend" in gaps[0].explanation
    assert gap_label("posture_mismatch", "zh") == "客户策略与份额不符"
    assert not [g for g in find_gaps(account(0.70, "maintain"), today=TODAY) if g.type == "posture_mismatch"]


def test_a_defend_account_raises_its_coach_gap_and_a_part_below_inherits_the_posture():
    part = [{"id": "S", "name": "Sub", "parent_id": "A"}]
    people = [{"id": "s", "account_id": "S", "name": "Su", "stance": 1},
              {"id": "c", "account_id": "A", "name": "Coach", "stance": 3}]

    def no_coach(posture):
        G = account(0.5, posture, parts=part, people=people)
        return {g.accounts: g for g in find_gaps(G, today=TODAY) if g.type == "no_coach"}

    assert list(no_coach("maintain")) == [("S",)]  # a coach in Acme, none in Sub
    assert no_coach("maintain")[("S",)].severity == "medium"
    defended = no_coach("defend")[("S",)]
    assert defended.severity == "high" and defended.explanation.endswith("— at a defend account")


def test_posture_weighs_next_moves():
    people = [{"id": "x", "account_id": "A", "name": "Xu", "roles": ("decider",), "stance": 1}]
    G = account(0.05, "attack", people=people)
    attack = {m["contact"]: m for m in next_moves(G, today=TODAY, time_budget=None, per_person=None, top=10)}
    G = account(0.05, "maintain", people=people)
    maintain = {m["contact"]: m for m in next_moves(G, today=TODAY, time_budget=None, per_person=None, top=10)}
    # a relationship with Xu, whom none of ours knows, fits an attack
    assert attack["x"]["posture"] == "attack" and attack["x"]["posture_weight"] == 1.5
    assert maintain["x"]["posture_weight"] == 1.0
    assert attack["x"]["gain"] == pytest.approx(1.5 * maintain["x"]["gain"], abs=0.01)


def test_policy_file_is_read_and_checked(tmp_path):
    policy = PosturePolicy.from_toml("[share]\nmaintain_share = 0.8\n[severity]\nmaintain = ['no_coach']")
    assert (policy.maintain_share, policy.attack_share, policy.raises("maintain", "no_coach")) == (0.8, 0.3, True)
    assert suggestion(account(0.70), policy=policy)["suggested"] == "attack"
    for bad in ("[share]\nmaintain_share = 2", "[share]\nattack_share = 0.9", "[rivals]\nrival_deciders = 0",
                "[tiers]\nattack_tiers = ['D']", "[severity]\nsleep = []", "[severity]\ndefend = ['nap']",
                "[moves]\nweight = 0.5", "not toml ["):
        with pytest.raises(PowermapError):
            PosturePolicy.from_toml(bad)
    assert default_posture_policy().raises("defend", "no_coach")


# ----- the demo --------------------------------------------------------------------------------
@pytest.fixture
def demo(store):
    import_paths([REPO / "demo" / "demo.xlsx"], store)
    return store


def test_demo_hefei_is_defended_against_a_rival_inside_the_decision_chain(demo):
    rows = {p["id"]: p for p in account_postures(demo.account_subgraph("A-G1"))}
    hefei = rows["A-HF"]
    assert (hefei["entered"], hefei["suggested"], hefei["mismatch"]) == ("defend", "defend", False)
    assert hefei["rival_deciders"] and hefei["rivals"]["Siemens"] >= 1
    assert rows["A-SZ"]["suggested"] == "maintain" and rows["A-HF-W1"]["effective"] == "defend"


def test_demo_quarter_over_quarter_from_snapshots(demo):
    from graph.analysis.change import diff, take_snapshot
    from graph.analysis.reports import posture_report
    from graph.batch import Batch
    from graph.exceptions import SnapshotNotFound
    from graph.model import Account

    take_snapshot(demo, "2026Q3")
    suzhou = demo.get("accounts", "A-SZ")
    demo.write(Batch.from_records([Account(**{**suzhou.model_dump(), "share_of_wallet": 0.61})]))  # a 7-point slide
    report = posture_report(demo, "A-G1")
    row = {r["id"]: r for r in report["accounts"]}["A-SZ"]
    assert report["since"] == "2026Q3"
    assert (row["previous_share"], row["share_change"], row["suggested"], row["mismatch"]) == (0.68, -0.07, "defend", True)
    assert row["previous_posture"] == "maintain"
    changes = diff(demo, "2026Q3")["posture_changes"]
    assert changes == [{"id": "A-SZ", "name": "华东重工苏州基地", "share_of_wallet": {"old": 0.68, "new": 0.61},
                        "posture": {"old": "maintain", "new": "maintain"}}]
    with pytest.raises(SnapshotNotFound):
        posture_report(demo, "A-G1", since="no-such-quarter")


def test_demo_rollup_and_group_map_show_posture(demo):
    G = demo.account_subgraph("A-G1")
    rollup = group_rollup(G, today=TODAY)
    assert (rollup["posture"], rollup["share_of_wallet"], rollup["effective_posture"]) == ("defend", 0.45, "defend")
    assert rollup["total"]["competitors"] >= rollup["own"]["competitors"] > 0
    data = group_map(G, lang="zh", today=TODAY)
    hefei = data.network.node_map["account:A-HF"]
    assert hefei["label"].endswith("防御") and "份额占有率: 38%" in hefei["tip"]


def test_cli_posture_accounts_and_show(run, tmp_path):
    assert run("import", str(REPO / "demo" / "demo.xlsx"))[0] == 0
    code, out, _ = run("posture", "A-G1", "--json")
    assert code == 0 and {r["id"] for r in json.loads(out)["accounts"]} >= {"A-G1", "A-HF", "A-SZ"}
    code, out, _ = run("posture", "--all")
    assert code == 0 and "defend" in out and "no snapshot: trend unknown" in out
    assert run("posture")[0] == 2 and run("posture", "A-G1", "--since", "nope")[0] != 0
    bad = tmp_path / "bad.toml"
    bad.write_text("[share]\nslide = 7", encoding="utf-8")
    code, _, err = run("posture", "A-G1", "--posture-policy", str(bad))
    assert code != 0 and "share.slide" in err
    code, out, _ = run("accounts")
    assert code == 0 and "45%" in out and "68%" in out
    assert {r["id"]: r["share_of_wallet"] for r in json.loads(run("accounts", "--json")[1])}["A-HF"] == 0.38
    code, out, _ = run("show", "A-HF")
    assert code == 0 and "share of wallet 38%" in out
    code, out, _ = run("rollup", "A-G1")
    assert code == 0 and "defend" in out


def test_api_posture(api):
    body = api.get("/accounts/G1/posture").json()
    assert body["since"] is None and body["accounts"][0]["id"] == "G1"
    assert body["accounts"][0]["entered"] == "defend" and body["counts"]["accounts"] == 3
    assert api.post("/snapshots", json={"label": "Q3"}).status_code == 201
    assert api.get("/accounts/G1/posture?since=Q3").json()["since"] == "Q3"
    missing = api.get("/accounts/G1/posture?since=Q1")
    assert missing.status_code == 404 and "Traceback" not in missing.text
    assert api.get("/accounts/NOPE/posture").status_code == 404
    assert api.get("/accounts/G1/rollup").json()["effective_posture"] == "defend"
