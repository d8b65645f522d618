"""The analyses on small hand-built graphs whose answers are worked out in the test."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from graph.analysis import coach_coverage, find_gaps, strongest_paths
from graph.analysis.next_moves import MIN_TRIED, next_moves
from graph.analysis.outcome import decision_unit_outcome
from graph.analysis.ranking import influence_ranking
from graph.analysis.rollup import group_rollup
from graph.exceptions import ContactNotFound, OpportunityNotFound, TeamMemberNotFound
from graph.subgraph import build_account_graph

TODAY = dt.date(2026, 11, 1)


def person(cid, *, account="A", stance=None, roles=(), level="staff", boss=None, department=None, title=None,
           influence=None):
    return {"id": cid, "account_id": account, "name": cid.upper(), "title": title, "level": level,
            "reports_to": boss, "roles": tuple(roles), "stance": stance, "department_id": department,
            "influence": influence}


def graph(people, *, influence=(), relationships=(), team=(("am", "account_manager", 3),), accounts=None,
          departments=(), opportunities=(), members=()):
    accounts = accounts or [{"id": "A", "name": "Acme", "parent_id": None, "kind": "company"}]
    return build_account_graph(
        accounts[0]["id"], accounts=accounts, departments=list(departments), contacts=list(people),
        team=[{"id": t, "name": t.upper(), "role": r, "rank": k} for t, r, k in team],
        relationships=[{"team_id": t, "contact_id": c, "strength": s, "last_interaction": d}
                       for t, c, s, d in relationships],
        influence=[{"source_id": a, "target_id": b, "weight": w, "kind": k} for a, b, w, k in influence],
        opportunities=list(opportunities), opportunity_members=list(members))


def types(gaps, kind=None):
    return sorted((g.type, g.contacts) for g in gaps if kind is None or g.type == kind)


# ----- paths -----------------------------------------------------------------------------
def test_strongest_path_multiplies_strengths_and_prefers_the_stronger_route():
    G = graph([person("a"), person("b"), person("boss")],
              relationships=[("am", "a", 0.9, None), ("am", "b", 0.5, None)],
              influence=[("a", "boss", 0.5, "advice"), ("b", "boss", 1.0, "advice")])
    paths = strongest_paths(G, "boss", k=1)
    assert [round(p["strength"], 3) for p in paths] == [0.5, 0.45]
    assert [(s["from"], s["to"], s["type"]) for s in paths[0]["steps"]] == [
        ("am", "b", "relationship"), ("b", "boss", "influences")]


def test_rival_edges_and_opponents_carry_nothing():
    G = graph([person("a"), person("foe", stance=-1), person("boss")],
              relationships=[("am", "a", 1.0, None), ("am", "foe", 1.0, None)],
              influence=[("a", "boss", 0.9, "rival"), ("foe", "boss", 0.9, "advice")])
    assert strongest_paths(G, "boss") == []
    assert strongest_paths(G, "foe")[0]["strength"] == 1.0  # an opponent can still be reached


def test_reporting_lines_carry_in_both_directions_at_their_weight():
    G = graph([person("boss"), person("report", boss="boss")], relationships=[("am", "report", 1.0, None)])
    assert strongest_paths(G, "boss")[0]["steps"][-1]["type"] == "reports_to"
    assert strongest_paths(G, "boss", reports_to_weight=0.25)[0]["strength"] == 0.25
    G2 = graph([person("boss"), person("report", boss="boss")], relationships=[("am", "boss", 1.0, None)])
    assert strongest_paths(G2, "report")[0]["steps"][-1]["type"] == "manages"


def test_paths_from_one_team_member_and_unknown_ids():
    G = graph([person("a")], relationships=[("am", "a", 1.0, None)], team=[("am", "sales", 3), ("vp", "executive", 1)])
    assert strongest_paths(G, "a", source="vp") == []
    with pytest.raises(ContactNotFound):
        strongest_paths(G, "nobody")
    with pytest.raises(TeamMemberNotFound):
        strongest_paths(G, "a", source="ghost")


# ----- coverage --------------------------------------------------------------------------
def test_coach_two_hops_from_a_decider_covers_them_three_hops_does_not():
    people = [person("coach", stance=3), person("m1"), person("m2"), person("near", roles=["decider"]),
              person("far", roles=["decider"])]
    G = graph(people, influence=[("coach", "m1", 0.5, "advice"), ("m1", "near", 0.5, "advice"),
                                 ("near", "m2", 0.5, "advice"), ("m2", "far", 0.5, "advice")])
    result = coach_coverage(G)
    assert result["coaches"] == ["coach"] and result["deciders"] == ["far", "near"]
    assert result["covered_deciders"] == ["near"] and result["coverage"] == 0.5
    assert coach_coverage(G, hops=4)["coverage"] == 1.0


def test_coverage_by_line_and_opportunity():
    departments = [{"id": "P", "account_id": "A", "name": "采购部", "kind": "purchasing"},
                   {"id": "D", "account_id": "A", "name": "设计院", "kind": "design"}]
    people = [person("coach", stance=3, department="P"), person("buyer", roles=["decider"], department="P"),
              person("designer", roles=["decider"], department="D")]
    G = graph(people, departments=departments, influence=[("coach", "buyer", 1, "advice")],
              opportunities=[{"id": "O", "account_id": "A", "name": "Deal", "dmu_type": "consensus"}],
              members=[{"opportunity_id": "O", "contact_id": "designer", "role": "decider", "is_decider": True}])
    result = coach_coverage(G)
    assert result["by_department"]["purchasing"]["coverage"] == 1.0
    assert result["by_department"]["design"] == {"coaches": [], "deciders": ["designer"], "covered_deciders": [],
                                                 "covering_coaches": [], "coverage": 0.0}
    assert result["by_department"]["user"]["coverage"] is None  # no deciders: n/a, not 0 %
    assert result["by_opportunity"]["O"]["coverage"] == 0.0


def test_a_lines_deciders_count_as_covered_when_a_coach_of_another_line_reaches_them():
    departments = [{"id": "P", "account_id": "A", "name": "采购部", "kind": "purchasing"},
                   {"id": "M", "account_id": "A", "name": "总经办", "kind": "management"}]
    people = [person("coach", stance=3, department="P"), person("ceo", roles=["decider"], department="M"),
              person("cfo", roles=["decider"], department="M")]
    G = graph(people, departments=departments, influence=[("coach", "ceo", 1, "advice")])
    management = coach_coverage(G)["by_department"]["management"]
    assert management["coaches"] == [] and management["covering_coaches"] == ["coach"]
    assert management["covered_deciders"] == ["ceo"] and management["coverage"] == 0.5
    assert coach_coverage(G)["by_department"]["purchasing"]["coverage"] is None


# ----- gaps ------------------------------------------------------------------------------
def test_opponent_with_supporting_influencer_is_not_a_gap():
    people = [person("d", stance=-1, roles=["decider"]), person("friend", stance=2)]
    alone = graph(people)
    assert types(find_gaps(alone, today=TODAY), "opposed_decider") == [("opposed_decider", ("d",))]
    backed = graph(people, influence=[("friend", "d", 0.6, "advice")])
    assert types(find_gaps(backed, today=TODAY), "opposed_decider") == []
    rival_only = graph(people, influence=[("friend", "d", 0.6, "rival")])
    assert types(find_gaps(rival_only, today=TODAY), "opposed_decider") == [("opposed_decider", ("d",))]


def test_gatekeeper_bottleneck_is_found_and_a_second_route_removes_it():
    people = [person("clerk", roles=["gatekeeper"], stance=0), person("boss", roles=["decider"]), person("eng")]
    one_door = graph(people, relationships=[("am", "clerk", 0.8, None)], influence=[("clerk", "boss", 0.8, "advice")])
    assert types(find_gaps(one_door, today=TODAY), "gatekeeper_only") == [("gatekeeper_only", ("clerk", "boss"))]
    two_doors = graph(people, relationships=[("am", "clerk", 0.8, None), ("am", "eng", 0.8, None)],
                      influence=[("clerk", "boss", 0.8, "advice"), ("eng", "boss", 0.8, "advice")])
    assert types(find_gaps(two_doors, today=TODAY), "gatekeeper_only") == []


def test_a_faint_second_route_does_not_count():
    people = [person("clerk", roles=["gatekeeper"]), person("boss", roles=["decider"]), person("eng")]
    G = graph(people, relationships=[("am", "clerk", 0.8, None), ("am", "eng", 0.2, None)],
              influence=[("clerk", "boss", 0.8, "advice"), ("eng", "boss", 0.3, "advice")])  # 0.2 × 0.3 < 0.1
    assert types(find_gaps(G, today=TODAY), "gatekeeper_only") == [("gatekeeper_only", ("clerk", "boss"))]


def test_uncovered_decider_and_single_point_of_failure():
    people = [person("coach", stance=3), person("boss", roles=["decider"]), person("island", roles=["decider"])]
    G = graph(people, relationships=[("am", "coach", 0.9, None)], influence=[("coach", "boss", 0.9, "advice")])
    gaps = find_gaps(G, today=TODAY)
    assert ("uncovered_decider", ("island",)) in types(gaps)
    assert ("single_point_of_failure", ("coach", "boss")) in types(gaps)
    assert [g.severity for g in gaps if g.type == "single_point_of_failure"] == ["high"]


def test_single_threaded_and_no_thread_at_all():
    people = [person("door"), person("x"), person("y")]
    G = graph(people, relationships=[("am", "door", 1.0, None)],
              influence=[("door", "x", 0.9, "advice"), ("door", "y", 0.9, "advice")])
    assert types(find_gaps(G, today=TODAY), "single_threaded") == [("single_threaded", ("door",))]
    G.add_edge("team:am", "contact:x", key="relationship", type="relationship", strength=1.0)
    assert types(find_gaps(G, today=TODAY), "single_threaded") == []
    assert types(find_gaps(graph(people), today=TODAY), "single_threaded") == [("single_threaded", ())]


def test_stale_relationship_limits_for_staff_and_executives():
    people = [person("staff91"), person("staff89"), person("exec179", level="executive"),
              person("exec181", level="executive")]
    days = {"staff91": 91, "staff89": 89, "exec179": 179, "exec181": 181}
    G = graph(people, relationships=[("am", c, 0.5, (TODAY - dt.timedelta(days=d)).isoformat())
                                     for c, d in days.items()])
    assert [g.contacts for g in find_gaps(G, today=TODAY) if g.type == "stale_relationship"] == \
        [("exec181",), ("staff91",)]
    assert [g.contacts for g in find_gaps(G, today=TODAY, stale_days=100) if g.type == "stale_relationship"] == \
        [("exec181",)]


def test_executive_peer_unknown_stance_missing_line_and_no_coach():
    departments = [{"id": "D", "account_id": "A", "name": "设计院", "kind": "design"}]
    people = [person("ceo", level="executive", roles=["decider"], stance=1),
              person("cto", level="executive", roles=["influencer"], stance=1),
              person("eng", department="D", roles=["influencer"], stance=0)]
    G = graph(people, departments=departments, team=[("am", "account_manager", 3), ("vp", "executive", 1)],
              relationships=[("vp", "ceo", 0.8, None), ("am", "cto", 0.5, None)])
    found = types(find_gaps(G, today=TODAY))
    assert ("no_executive_peer", ("cto",)) in found and ("no_executive_peer", ("ceo",)) not in found
    assert ("missing_line", ("eng",)) in found
    assert ("no_coach", ()) in found
    assert not [t for t in found if t[0] == "unknown_stance"]
    G.nodes["contact:ceo"]["stance"] = None
    assert ("unknown_stance", ("ceo",)) in types(find_gaps(G, today=TODAY))


def test_untouched_subsidiary_reports_the_topmost_untouched_part():
    accounts = [{"id": "G", "name": "Group", "parent_id": None, "kind": "group"},
                {"id": "S1", "name": "Sub one", "parent_id": "G", "kind": "subsidiary"},
                {"id": "S2", "name": "Sub two", "parent_id": "G", "kind": "subsidiary"},
                {"id": "W2", "name": "Window", "parent_id": "S2", "kind": "window"}]
    people = [person("g", account="G"), person("s1", account="S1"), person("s2", account="S2"),
              person("w2", account="W2")]
    G = graph(people, accounts=accounts, relationships=[("am", "g", 1.0, None), ("am", "s1", 1.0, None)])
    untouched = [g for g in find_gaps(G, today=TODAY) if g.type == "untouched_subsidiary"]
    assert [(g.accounts, g.severity) for g in untouched] == [(("S2", "W2"), "medium")]


def test_gap_keys_are_stable():
    G = graph([person("d", roles=["decider"])])
    assert [g.key for g in find_gaps(G, today=TODAY)] == [g.key for g in find_gaps(G, today=TODAY)]


# ----- ranking ---------------------------------------------------------------------------
def test_hidden_influencer_is_informal_high_and_formal_low():
    people = [person("ceo", level="executive"), *(person(f"m{i}", level="manager", boss="ceo") for i in range(4)),
              *(person(f"s{i}", boss=f"m{i % 4}") for i in range(12))]
    G = graph(people, influence=[("s0", x["id"], 1.0, "advice") for x in people if x["id"] != "s0"])
    ranking = {r["id"]: r for r in influence_ranking(G)}
    assert ranking["s0"]["hidden_influencer"] and ranking["s0"]["informal"] == 1.0
    assert ranking["ceo"]["formal"] == 1.0 and not ranking["ceo"]["hidden_influencer"]
    assert {r["id"] for r in influence_ranking(G, top=2)} == {"ceo", "s0"}


def test_without_reporting_lines_the_level_is_the_formal_standing_and_partners_are_not_hidden():
    # a partnership: no org chart; everyone asks partner p1 and associate a1 for advice
    people = [person("p1", level="executive"), person("p2", level="executive"),
              *(person(f"a{i}") for i in range(1, 5))]
    G = graph(people, influence=[(adviser, x["id"], 1.0, "advice") for adviser in ("p1", "a1")
                                 for x in people if x["id"] != adviser])
    ranking = {r["id"]: r for r in influence_ranking(G)}
    assert ranking["p1"]["formal"] == ranking["p2"]["formal"] == 1.0 and ranking["a1"]["formal"] == 0.0
    assert not ranking["p1"]["hidden_influencer"]           # sought after, but formally on top
    assert ranking["a1"]["hidden_influencer"]               # sought after, formally at the bottom
    assert ranking["a2"]["tied_with"] == ["a3", "a4"] and ranking["a2"]["tied_count"] == 2
    assert ranking["p1"]["tied_with"] == []


def test_brokers_are_found_on_the_directed_network():
    # x asks a, b and c for advice; nobody asks x. b passes what c says on to a.
    people = [person(i) for i in ("a", "b", "c", "x")]
    G = graph(people, influence=[("c", "b", 1.0, "advice"), ("b", "a", 1.0, "advice"),
                                 *((i, "x", 1.0, "advice") for i in ("a", "b", "c"))])
    ranking = {r["id"]: r for r in influence_ranking(G)}
    assert ranking["b"]["broker"] and ranking["b"]["betweenness"] > 0
    assert not ranking["x"]["broker"] and ranking["x"]["betweenness"] == 0.0


# ----- outcome ---------------------------------------------------------------------------
def _unit(dmu):
    people = [person("boss", stance=-1, influence=0.5), person("a", stance=3, influence=0.5),
              person("b", stance=3, influence=0.5)]
    members = [{"opportunity_id": "O", "contact_id": "boss", "role": "decider", "is_decider": True},
               {"opportunity_id": "O", "contact_id": "a", "role": "user", "is_decider": False},
               {"opportunity_id": "O", "contact_id": "b", "role": "user", "is_decider": False}]
    return graph(people, opportunities=[{"id": "O", "account_id": "A", "name": "Deal", "dmu_type": dmu}],
                 members=members, influence=[("a", "boss", 1.0, "advice")] if dmu == "advisory" else ())


def test_authority_and_consensus_units_with_the_same_members_differ():
    authority = decision_unit_outcome(_unit("authority"), "O")
    consensus = decision_unit_outcome(_unit("consensus"), "O")
    assert authority["support_index"] == -1.0 and authority["verdict"] == "at risk"
    # consensus: the one decider opposes us, so the majority does; two coaches who are not
    # deciders get no vote
    assert consensus["support_index"] == -1.0 and consensus["verdict"] == "at risk"
    assert consensus["votes"] == {"for": [], "against": ["boss"], "undecided": [], "needed": 1}


def _consensus(stances, *, influence=(), relationships=(), extra=()):
    people = [person(f"d{i}", stance=s) for i, s in enumerate(stances)] + list(extra)
    members = [{"opportunity_id": "O", "contact_id": f"d{i}", "role": "decider", "is_decider": True}
               for i in range(len(stances))]
    return graph(people, opportunities=[{"id": "O", "account_id": "A", "name": "Deal", "dmu_type": "consensus"}],
                 members=members, influence=influence, relationships=relationships)


def test_consensus_one_coach_and_two_neutral_deciders_is_open():
    result = decision_unit_outcome(_consensus([3, 0, 0]), "O")
    # the weighted mean would read +1.00 "leaning our way"; the majority (two of three) is neutral
    assert result["support_index"] == 0.0 and result["verdict"] == "open"
    assert result["votes"] == {"for": ["d0"], "against": [], "undecided": ["d1", "d2"], "needed": 1}
    assert [s["id"] for s in result["swing_voters"]] == ["d1", "d2"]


def test_consensus_three_of_five_deciders_for_us_is_leaning_our_way():
    result = decision_unit_outcome(_consensus([1, 1, 1, -1, -1]), "O")
    # the weighted mean would be +0.20 "open"; three of five is a majority for us
    assert result["support_index"] == 1.0 and result["verdict"] == "leaning our way"
    assert result["votes"]["needed"] == 0 and result["votes"]["against"] == ["d3", "d4"]
    assert result["swing_voters"] == []


def test_swing_voters_name_who_could_move_them():
    # d2 is undecided; supporter s (not a member) advises them, our account manager knows them,
    # opponent o advises them too but would not move them our way
    result = decision_unit_outcome(_consensus(
        [2, -1, 0], extra=[person("s", stance=2), person("o", stance=-1)],
        influence=[("s", "d2", 0.4, "advice"), ("o", "d2", 0.4, "advice")],
        relationships=[("am", "d2", 0.7, TODAY.isoformat())]), "O", steps=0)
    assert result["votes"] == {"for": ["d0"], "against": ["d1"], "undecided": ["d2"], "needed": 1}
    (swing,) = result["swing_voters"]
    assert swing["id"] == "d2"
    assert [(m["id"], m["kind"]) for m in swing["movers"]] == [("am", "team"), ("s", "contact")]


def test_pull_is_about_the_persons_own_stance():
    # a supporter below the unit's average still pulls toward us, not away
    result = decision_unit_outcome(_consensus([3, 3, 1]), "O", steps=0)
    (line,) = [r for r in result["reasons"] if r.startswith("D2")]
    assert "toward us" in line and "away" not in line


def test_advisory_unit_follows_the_adviser():
    result = decision_unit_outcome(_unit("advisory"), "O")
    # the boss listens to a (a coach): projected ½·(-1) + ½·3 = 1 after one step, and
    # stays there. Deciders weigh ½; the unit's users a and b advise, a doubled for
    # influencing the boss directly: a ⅓, b ⅙. Index ½·1 + ⅓·3 + ⅙·3 = 2
    assert result["support_index"] == 2.0
    weights = {m["id"]: m["weight"] for m in result["members"]}
    assert weights == {"boss": 0.5, "a": 0.3333, "b": 0.1667}
    assert {m["id"]: m["projected"] for m in result["members"]}["boss"] == 1.0
    assert result["reasons"]


def test_advisers_are_the_units_influencers_not_outsiders_with_an_edge():
    people = [person("boss", stance=0), person("coach", stance=3, roles=["influencer"]),
              person("outsider", stance=-1)]
    members = [{"opportunity_id": "O", "contact_id": "boss", "role": "decider", "is_decider": True},
               {"opportunity_id": "O", "contact_id": "coach", "role": "buyer", "is_decider": False}]
    G = graph(people, opportunities=[{"id": "O", "account_id": "A", "name": "Deal", "dmu_type": "advisory"}],
              members=members, influence=[("outsider", "boss", 0.9, "advice")])
    result = decision_unit_outcome(G, "O")
    weights = {m["id"]: m["weight"] for m in result["members"]}
    assert weights == {"boss": 0.5, "coach": 0.5}  # the coach is a listed influencer; the outsider has no vote
    assert "outsider" not in weights


def test_unknown_opportunity():
    with pytest.raises(OpportunityNotFound):
        decision_unit_outcome(_unit("authority"), "nope")


# ----- next moves and roll-up ----------------------------------------------------------------
def test_next_move_is_the_relationship_that_reaches_the_uncovered_decider():
    people = [person("known", stance=1), person("boss", roles=["decider"], stance=1, level="executive")]
    G = graph(people, team=[("am", "account_manager", 3), ("vp", "executive", 1)],
              relationships=[("am", "known", 0.8, TODAY.isoformat())])
    before = [g.key for g in find_gaps(G, today=TODAY)]
    moves = next_moves(G, today=TODAY)
    assert (moves[0]["action"], moves[0]["team"], moves[0]["contact"]) == ("new_relationship", "vp", "boss")
    assert {c["type"] for c in moves[0]["closes"]} >= {"uncovered_decider", "no_executive_peer"}
    assert [g.key for g in find_gaps(G, today=TODAY)] == before  # the graph is left as it was


def _deal(people, members, *, dmu="consensus", stage="Negotiation", value=100, **kw):
    return graph(people, opportunities=[{"id": "O", "account_id": "A", "name": "Deal", "dmu_type": dmu,
                                         "stage": stage, "value": value}],
                 members=[{"opportunity_id": "O", "contact_id": c, "role": r, "is_decider": r == "decider"}
                          for c, r in members], **kw)


def test_winning_over_a_swing_voter_gives_the_deal_its_majority_and_says_which_deal():
    # three deciders: one for us, one against, one undecided whom our account manager knows
    people = [person("d1", stance=2, roles=["decider"]), person("d2", stance=-1, roles=["decider"]),
              person("d3", stance=0, roles=["decider"])]
    G = _deal(people, [("d1", "decider"), ("d2", "decider"), ("d3", "decider")],
              relationships=[("am", c, 0.8, TODAY.isoformat()) for c in ("d1", "d2", "d3")])
    moves = next_moves(G, today=TODAY, time_budget=None)
    win = next(m for m in moves if m["action"] == "raise_stance" and m["contact"] == "d3")
    assert win["team"] == "am" and win["description"].startswith("AM should win D3 over")
    assert win["deals"] == [{"opportunity": "O", "name": "Deal", "stake": 1.0, "support_before": 0.0,
                             "support_after": 1.0}]
    assert win["support_gain"] == 1.0 and win["gain"] > 0


def test_moves_are_spread_with_a_cap_per_person():
    # four executives nobody of ours knows (our VP's to meet) and a design-line decider (the solution manager's)
    departments = [{"id": "D", "account_id": "A", "name": "设计院", "kind": "design"}]
    people = [*(person(f"e{i}", level="executive", roles=["decider"], stance=1) for i in range(4)),
              person("designer", roles=["decider"], stance=1, department="D")]
    G = graph(people, departments=departments,
              team=[("am", "account_manager", 3), ("vp", "executive", 1), ("sm", "solution_manager", 3)])
    capped = next_moves(G, today=TODAY, top=4, per_person=2, time_budget=None)
    # the VP's third meeting (gain 6) gives way: nobody gets more than two, and the solution
    # manager's one move (gain 3) comes in before anyone's second
    assert [(m["team"], m["gain"]) for m in capped] == [("vp", 6.0), ("vp", 6.0), ("sm", 3.0)]
    uncapped = next_moves(G, today=TODAY, top=4, per_person=None, time_budget=None)
    assert [m["team"] for m in uncapped] == ["vp"] * 4
    first = next_moves(G, today=TODAY, top=2, per_person=2, time_budget=None)
    assert sorted(m["team"] for m in first) == ["sm", "vp"]  # everyone's best before anyone's second


def test_a_gap_two_moves_close_is_credited_to_the_first_only():
    # two of ours could each reach the one decider: the plan takes one, the other adds nothing
    people = [person("boss", roles=["decider"], stance=1), person("a", stance=1), person("b", stance=1)]
    G = graph(people, influence=[("a", "boss", 0.9, "advice"), ("b", "boss", 0.9, "advice")],
              team=[("am", "account_manager", 3), ("sm", "solution_manager", 3)])
    moves = next_moves(G, today=TODAY, time_budget=None, per_person=None, top=10)
    reaching = [m for m in moves if "uncovered_decider" in {g["type"] for g in m["closes"]}]
    assert len(reaching) == 1


def test_a_time_budget_still_tries_the_most_promising_candidates():
    people = [person(f"d{i}", roles=["decider"]) for i in range(40)]
    G = graph(people)
    unbounded, bounded = {}, {}
    next_moves(G, today=TODAY, time_budget=None, stats=unbounded)
    next_moves(G, today=TODAY, time_budget=0.0, stats=bounded)
    assert unbounded["tried"] == unbounded["candidates"] > MIN_TRIED
    assert bounded == {"candidates": unbounded["candidates"], "tried": MIN_TRIED}


def test_touching_a_subsidiary_does_not_open_the_gap_of_the_part_below_it():
    accounts = [{"id": "G", "name": "Group", "parent_id": None, "kind": "group"},
                {"id": "S", "name": "Sub", "parent_id": "G", "kind": "subsidiary"},
                {"id": "W", "name": "Window", "parent_id": "S", "kind": "window"}]
    people = [person("g", account="G", stance=3), person("s", account="S", roles=["decider"], stance=1),
              person("w", account="W", stance=1)]
    G = graph(people, accounts=accounts, relationships=[("am", "g", 1.0, TODAY.isoformat())])
    move = next(m for m in next_moves(G, today=TODAY, time_budget=None, top=10, per_person=None)
                if m["contact"] == "s")
    assert "untouched_subsidiary" in {g["type"] for g in move["closes"]}
    assert move["opens"] == []  # the window was untouched before too


def test_rollup_adds_up_the_hierarchy():
    accounts = [{"id": "G", "name": "Group", "parent_id": None, "kind": "group"},
                {"id": "S", "name": "Sub", "parent_id": "G", "kind": "subsidiary"}]
    people = [person("g", account="G", stance=3, roles=["decider"]), person("s", account="S", roles=["decider"])]
    G = graph(people, accounts=accounts, relationships=[("am", "g", 1.0, TODAY.isoformat())])
    report = group_rollup(G, today=TODAY)
    assert report["total"]["contacts"] == 2 and report["own"]["contacts"] == 1
    assert report["total"]["deciders"] == 2 and report["total"]["covered_deciders"] == 1
    sub = report["accounts"][0]
    assert (sub["id"], sub["own"]["covered"], sub["total"]["touched_contacts"]) == ("S", False, 0)
    total_gaps = sum(report["total"]["gaps"].values())
    assert total_gaps == len(find_gaps(G, today=TODAY))
