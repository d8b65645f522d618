"""What the analyses share within a ``_views.shared`` block: the same answers as computed
afresh, and nothing kept once the block ends (G may change between two analyses)."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from scipy.sparse import csr_matrix

from graph.analysis import _views as v
from graph.analysis._reach import Reach
from graph.analysis.cadence import cadence_breaches
from graph.analysis.coverage import coach_reach
from graph.analysis.gaps import find_gaps
from graph.analysis.posture import account_postures
from graph.subgraph import build_account_graph
from test_analysis_properties import accounts, build

TODAY = dt.date(2026, 11, 1)
CUTOFF = -math.log(0.1)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(accounts())
def test_cuts_answers_like_a_dijkstra_run_without_the_lost_node(world):
    """Reach.cuts skips Dijkstra when a detour is in sight: never a different answer."""
    G = build(world)
    with v.shared(G):
        for cutoff in (CUTOFF, float("inf")):
            reach = Reach.of(G, v.US, cutoff)
            plain = Reach(reach.nodes, reach.matrix, v.US, cutoff, index=reach.index)  # no shortcut
            for node in reach.nodes[1:]:
                for lost in reach.nodes[1:]:
                    assert reach.cuts(lost, node) == (not plain.still_reaches(lost, (node,))), (lost, node)


def _world():
    return dict(accounts=[{"id": "G", "name": "Group", "tier": "A", "share_of_wallet": 0.7, "posture": "maintain"},
                          {"id": "S", "name": "Sub", "parent_id": "G"}], departments=[],
                contacts=[{"id": "a", "account_id": "G", "name": "A", "stance": 1, "roles": ("decider",),
                           "level": "director"},
                          {"id": "b", "account_id": "S", "name": "B", "roles": ("decider",), "reports_to": "a",
                           "level": "manager"},
                          {"id": "c", "account_id": "S", "name": "C", "stance": 0, "reports_to": "b"}],
                team=[{"id": "t", "name": "T", "role": "account_manager"}],
                relationships=[{"team_id": "t", "contact_id": "a", "strength": 0.8, "last_interaction": "2026-01-01"}],
                influence=[], opportunities=[], opportunity_members=[])


def test_within_answers_are_shared_but_coaches_are_read_live():
    """Next moves raise a stance inside a shared block: the new coach's reach is found, the same
    as computed without any sharing."""
    G = build_account_graph("G", **_world())
    with v.shared(G):
        assert coach_reach(G) == {}
        G.nodes["contact:c"]["stance"] = 3
        try:
            inside = coach_reach(G, reach=Reach.of(G))
        finally:
            G.nodes["contact:c"]["stance"] = 0
        assert coach_reach(G) == {}
    G.nodes["contact:c"]["stance"] = 3
    assert inside == coach_reach(G) == {"contact:c": {"contact:a", "contact:b"}}


def test_nothing_derived_outlives_the_block():
    """Node lists, accounts, postures, cadence's judged accounts and the reach: all recomputed
    once G changed after the block."""
    G = build_account_graph("G", **_world())
    with v.shared(G):
        before = [g.type for g in find_gaps(G, today=TODAY)]
        postures = account_postures(G)
        postures[0]["entered"] = "changed by a caller"  # rows are the caller's to change
        assert account_postures(G)[0]["entered"] == "maintain"
    assert "cadence_breach" in before and "uncovered_decider" not in before
    G.add_node("contact:d", kind="contact", id="d", account_id="G", name="D", roles=("decider",), level="director")
    G.nodes["account:G"]["tier"] = None
    G.nodes["account:G"]["share_of_wallet"] = 0.1
    G.add_edge("team:t", "contact:b", key="relationship", type="relationship", strength=0.9,
               last_interaction="2026-10-30")
    with v.shared(G):
        assert "contact:d" in v.contacts(G) and v.accounts_of(G)["contact:d"] == "account:G"
        assert cadence_breaches(G, today=TODAY) == []
        assert account_postures(G)[0]["suggested"] == "attack"
        after = find_gaps(G, today=TODAY)
    assert "cadence_breach" not in {g.type for g in after}
    assert [g.contacts for g in after if g.type == "uncovered_decider"] == [("d",)]


def test_a_copy_made_inside_a_block_reads_nothing_cached_for_the_original():
    """G.copy() and subgraph views carry G's graph dict: changed, the copy is analysed as it is,
    inside the block and after it."""
    G = build_account_graph("G", **_world())
    with v.shared(G):
        before = sorted(g.type for g in find_gaps(G, today=TODAY))
        H = G.copy()
        H.add_node("contact:d", kind="contact", id="d", account_id="G", name="D", roles=("decider",),
                   level="director")
        view = H.subgraph([n for n in H if n != "contact:c"])
        inside = find_gaps(H, today=TODAY)
        inside_view = sorted(g.type for g in find_gaps(view, today=TODAY))
        assert "contact:d" in v.contacts(H) and "contact:d" not in v.contacts(G)
        assert sorted(g.type for g in find_gaps(G, today=TODAY)) == before
    assert [g.contacts for g in inside if g.type == "uncovered_decider"] == [("d",)]
    assert [g.contacts for g in find_gaps(H, today=TODAY) if g.type == "uncovered_decider"] == [("d",)]
    assert inside_view == sorted(g.type for g in find_gaps(view, today=TODAY))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(accounts())
def test_reach_matrix_is_the_one_scipy_builds_from_the_edges(world):
    """The matrix is assembled as CSR straight from the grouped edges: the very arrays a
    COO → CSR conversion gives (Dijkstra relaxes edges in that order)."""
    G = build(world)
    nodes, edges = v.reach_edges(G)
    index = {n: i for i, n in enumerate(nodes)}
    expected = csr_matrix(([-math.log(min(s, 1.0)) + 1e-12 for _, _, s, _ in edges],
                           ([index[u] for u, _, _, _ in edges], [index[w] for _, w, _, _ in edges])),
                          shape=(len(nodes), len(nodes)))
    reach = Reach.of(G)
    for part in ("indptr", "indices", "data"):
        assert np.array_equal(getattr(reach.matrix, part), getattr(expected, part)), part
    assert {(u, w): reach.strength(u, w) for u, w, _, _ in edges} == {(u, w): s for u, w, s, _ in edges}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(accounts())
def test_reach_edges_read_from_the_adjacency_are_the_carried_edges_at_their_best(world):
    """reach_edges reads G's dicts directly: the same list as the plain definition over
    carried_edges (best parallel edge, opponents carry nothing, grouped by start node)."""
    G = build(world)
    for weight in (0.5, 0.0):
        nodes = [v.US] + [n for n, d in G.nodes(data=True) if d["kind"] in ("contact", "team")]
        opponents = {n for n in nodes if n != v.US and G.nodes[n].get("stance") == -1
                     and G.nodes[n]["kind"] == "contact"}
        best: dict[tuple[str, str], tuple[float, str]] = {}
        for u, w, s, t in v.carried_edges(G, reports_to_weight=weight):
            if u in nodes and w in nodes and u not in opponents and best.get((u, w), (0.0,))[0] < s:
                best[(u, w)] = (s, t)
        grouped = sorted(best.items(), key=lambda item: nodes.index(item[0][0]))
        expected = [(v.US, n, 1.0, "us") for n in nodes if n != v.US and G.nodes[n]["kind"] == "team"]
        expected += [(u, w, s, t) for (u, w), (s, t) in grouped]
        assert v.reach_edges(G, reports_to_weight=weight) == (nodes, expected)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(accounts())
def test_reach_graph_is_the_digraph_networkx_builds_from_the_reach_edges(world):
    """paths searches the reach graph, filled dict by dict: the same DiGraph as
    add_nodes_from / add_edges_from make from the reach edges — nodes, successors and
    predecessors in the same order, with the same data."""
    import networkx as nx

    G = build(world)
    nodes, edges = v.reach_edges(G)
    expected = nx.DiGraph()
    expected.add_nodes_from(nodes)
    expected.add_edges_from((u, w, {"strength": s, "type": t, "cost": -math.log(min(s, 1.0))})
                            for u, w, s, t in edges)
    R = v.reach_graph(G)
    assert list(R.nodes(data=True)) == list(expected.nodes(data=True))
    assert list(R.edges(data=True)) == list(expected.edges(data=True))
    assert [list(R.pred[n].items()) for n in R] == [list(expected.pred[n].items()) for n in expected]
    assert all(R.succ[u][w] is R.pred[w][u] for u, w in R.edges)
    R.remove_edges_from(list(R.out_edges(v.US)))  # as paths from one team member does
    assert not R.succ[v.US] and all(v.US not in R.pred[n] for n in R)
