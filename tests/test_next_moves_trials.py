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
