"""Next moves tries each candidate the quick way (graph.analysis._trials: only what the one
change can reach is computed again); on many random accounts every candidate's closed and
opened gaps are exactly those of the full re-run (Trials.fully, the reference)."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_analysis_properties import accounts, build

from bench.synthetic import group_account
from graph.analysis import _views as v
from graph.analysis.next_moves import _next_moves, _prepared
from graph.embedded import EmbeddedStore

TODAY = dt.date(2026, 11, 1)
SOME = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _gaps(gaps) -> list[tuple]:
    return [(g.key, g) for g in gaps]  # Gap equality leaves the key out


def _same_trials(G, today: dt.date, new_strength: float) -> int:
    """Asserts each candidate's quick trial equals its full one; returns how many were tried."""
    with v.shared(G):
        _, _, candidates, trials = _prepared(G, today, new_strength, None)
        for _, team_key, contact, verb in candidates:
            quick = trials.quickly(team_key, contact, verb)
            full = trials.fully(team_key, contact, verb)
            assert [_gaps(x) for x in quick] == [_gaps(x) for x in full], (team_key, contact, verb)
        plans = [_next_moves(G, top=10**6, today=today, new_strength=new_strength, time_budget=None,
                             per_person=None, cadence_policy=None, stats=None, fully=fully) for fully in (False, True)]
    assert plans[0] == plans[1]
    return len(candidates)


@SOME
@given(st.integers(8, 90), st.integers(1, 4), st.integers(0, 10**6), st.booleans(),
       st.sampled_from([0.3, 0.6, 0.95]), st.integers(-200, 200))
def test_quick_trials_equal_full_ones_on_group_accounts(contacts, density, seed, divisions, new_strength, shift):
    """Groups with subsidiaries, lines, deals of each unit type and (or not) divisions."""
    with EmbeddedStore(":memory:") as store:  # at most 3 influence edges a person: as many pairs exist
        store.write(group_account(contacts, density * contacts, seed=seed, divisions=divisions))
        G = store.account_subgraph("G")
    _same_trials(G, TODAY + dt.timedelta(days=shift), new_strength)


@SOME
@given(accounts(), st.sampled_from([0.3, 0.6]))
def test_quick_trials_equal_full_ones_on_small_accounts(world, new_strength):
    """Small accounts: opponents, coaches, unknown stances, rival influence, weak relationships."""
    _same_trials(build(world), TODAY, new_strength)


def test_quick_trials_equal_full_ones_on_the_bench_account():
    with EmbeddedStore(":memory:") as store:
        store.write(group_account(500, 2000, divisions=True))
        G = store.account_subgraph("G")
    assert _same_trials(G, TODAY, 0.6) == 136


def _bench_graph(store: EmbeddedStore):
    store.write(group_account(120, 480, seed=3, divisions=True))
    return store.account_subgraph("G")


def _state(G) -> tuple:
    """G's nodes, edges and data, in order, with the identity of each edge's data."""
    return ([(n, dict(d)) for n, d in G.nodes(data=True)],
            [(u, w, k, dict(d), id(d)) for u, w, k, d in G.edges(keys=True, data=True)], dict(G.graph))


def test_trying_candidates_leaves_the_graph_as_it_was():
    """Renewals tried on G are undone in place: same edges, same order, same data objects."""
    with EmbeddedStore(":memory:") as store:
        G = _bench_graph(store)
    before = _state(G)
    for fully in (False, True):
        with v.shared(G):
            _next_moves(G, top=5, today=TODAY, new_strength=0.95, time_budget=None, per_person=2,
                        cadence_policy=None, stats=None, fully=fully)
        assert _state(G) == before


def test_a_change_to_the_graph_between_two_calls_is_seen():
    """Nothing next moves derives is kept on G: after the top move is made on G, next moves
    on G is next moves on a fresh graph with the same change."""
    from graph.analysis.next_moves import next_moves

    with EmbeddedStore(":memory:") as store:
        G, fresh = _bench_graph(store), store.account_subgraph("G")
    first = next_moves(G, today=TODAY, time_budget=None)
    move = next(m for m in first if m["action"] == "new_relationship")
    for graph in (G, fresh):
        graph.add_edge(f"team:{move['team']}", f"contact:{move['contact']}", key="relationship", type="relationship",
                       strength=0.9, last_interaction=TODAY.isoformat())
    again = next_moves(G, today=TODAY, time_budget=None)
    assert again == next_moves(fresh, today=TODAY, time_budget=None)
    assert again != first
