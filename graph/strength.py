"""Relationship strength and recency derived from the interaction history.

For every (team member, contact) pair that met, called or wrote: how many interactions,
the last one, and a strength in 0..1. Each interaction counts with its type's weight
(an executive visit outweighs an e-mail), halved every ``half_life_days`` of age:

    contribution = type_weight × 0.5 ** (age_days / half_life_days)

Face-to-face and spoken contact (visits, meetings, calls, events) is two-way by nature
and counts in full (``M``). E-mails have a direction: ``O`` sums those our side sent,
``I`` those the contact's side sent, ``U`` those whose sender is unknown. Mail that was
answered counts in full, one-way mail at ``one_way_weight``:

    score    = M + 2·min(O, I) + one_way_weight · (|O − I| + U)
    strength = score / (score + saturation)

so one executive visit today (weight 3, saturation 3) gives 0.5, two give 0.67.
Interactions after ``as_of`` are ignored. Which strength the analyses use, the derived
or a hand-entered one, is :attr:`StrengthPolicy.prefer`.

Contact-to-contact interactions (no one of ours taking part) give inferred influence
edges only when :attr:`StrengthPolicy.infer_influence` is set: each interaction adds its
weighted, decayed contribution to the pair, with the same saturation.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Collection, Iterable, Mapping
from operator import itemgetter
from typing import Any

import numpy as np
import pandas as pd

from graph.strength_policy import TYPE_WEIGHTS, StrengthPolicy
from graph.vocabulary import InteractionType

__all__ = ["TYPE_WEIGHTS", "StrengthPolicy", "derive_strengths", "strength_from_score", "contribution",
           "infer_influence", "last_contacts", "PAIR_COLUMNS"]

_DIRECTED = frozenset({InteractionType.EMAIL.value})

#: Columns of :func:`derive_strengths`' result.
PAIR_COLUMNS = ("team_id", "contact_id", "interactions", "two_way", "last_interaction", "score", "strength")


def contribution(type_: str, age_days: float, policy: StrengthPolicy = StrengthPolicy()) -> float:
    """One interaction's weight after decay.

    >>> contribution("executive_visit", 0), contribution("executive_visit", 90), contribution("email", 180)
    (3.0, 1.5, 0.0625)
    """
    weight = policy.type_weights.get(type_, policy.type_weights.get("other", 0.5))
    return weight * 0.5 ** (age_days / policy.half_life_days)


def strength_from_score(score: float, policy: StrengthPolicy = StrengthPolicy()) -> float:
    """``score / (score + saturation)``.

    >>> strength_from_score(3.0), round(strength_from_score(6.0), 4)
    (0.5, 0.6667)
    """
    return score / (score + policy.saturation) if score > 0 else 0.0


def derive_strengths(interactions: Iterable[Mapping[str, Any]] | pd.DataFrame, *, as_of: dt.date | None = None,
                     policy: StrengthPolicy = StrengthPolicy()) -> pd.DataFrame:
    """Count, last date and strength per (team member, contact) pair.

    Parameters
    ----------
    interactions : iterable of rows or DataFrame
        Interactions in storage form (``date`` ISO text, ``type``, ``team_ids``,
        ``contact_ids`` as sequences, ``sender_id``).
    as_of : date, optional
        The date ages are measured from (default: today); later interactions are ignored.
    policy : StrengthPolicy

    Returns
    -------
    DataFrame
        Columns :data:`PAIR_COLUMNS`, one row per pair, strongest first. ``two_way`` is
        the number of interactions counted as two-way (spoken or answered).

    Examples
    --------
    >>> rows = [{"date": "2026-01-01", "type": "executive_visit", "team_ids": ["T"], "contact_ids": ["C"]}]
    >>> float(derive_strengths(rows, as_of=dt.date(2026, 1, 1)).loc[0, "strength"])
    0.5
    """
    as_of = as_of or dt.date.today()
    frame = interactions if isinstance(interactions, pd.DataFrame) else pd.DataFrame(list(interactions))
    if frame.empty or "team_ids" not in frame or "contact_ids" not in frame:
        return pd.DataFrame(columns=list(PAIR_COLUMNS))
    day = _days(frame["date"])
    age = np.datetime64(as_of, "D").astype(np.int64) - day
    keep = age >= 0
    if not keep.all():
        frame, day, age = frame.loc[keep], day[keep], age[keep]
    if frame.empty:
        return pd.DataFrame(columns=list(PAIR_COLUMNS))
    # every value computed per distinct type, put back by position
    type_codes, types = pd.factorize(frame["type"].to_numpy(dtype=object), use_na_sentinel=False)
    types = ["other" if pd.isna(t) else str(t) for t in types]
    default = policy.type_weights.get("other", 0.5)
    weight = np.array([policy.type_weights.get(t, default) for t in types], dtype=float)[type_codes]
    value = weight * np.exp2(-age / policy.half_life_days)
    directed = np.array([t in _DIRECTED for t in types], dtype=bool)[type_codes]
    teams, n_t, t1 = _people(frame["team_ids"])
    contacts, n_c, c1 = _people(frame["contact_ids"])
    senders = frame["sender_id"].to_numpy(dtype=object) if "sender_id" in frame else np.full(len(frame), None)
    side = _sides(directed, senders, teams, n_t, t1, contacts, n_c, c1)
    per_row = n_t * n_c
    if not per_row.any():
        return pd.DataFrame(columns=list(PAIR_COLUMNS))
    # pairs: the common row (one of ours, one of theirs) directly, meetings of several crossed
    rows = np.flatnonzero(per_row == 1)
    team_col, contact_col = t1[rows], c1[rows]
    crossed = np.flatnonzero(per_row > 1)
    if len(crossed):
        extra = [(i, t, c) for i in crossed for t, c in itertools.product(sorted(teams[i]), sorted(contacts[i]))]
        rows = np.concatenate([rows, np.array([e[0] for e in extra], dtype=np.int64)])
        team_col = np.concatenate([team_col, np.array([e[1] for e in extra], dtype=object)])
        contact_col = np.concatenate([contact_col, np.array([e[2] for e in extra], dtype=object)])
    team_codes, team_ids = pd.factorize(team_col)
    contact_codes, contact_ids = pd.factorize(contact_col)
    group, pair_keys = pd.factorize(team_codes.astype(np.int64) * len(contact_ids) + contact_codes)
    n = len(pair_keys)
    side, value = side[rows], value[rows]

    def total(code: int) -> np.ndarray:
        return np.bincount(group, weights=np.where(side == code, value, 0.0), minlength=n)

    def count(code: int) -> np.ndarray:
        return np.bincount(group[side == code], minlength=n)

    last = np.full(n, np.iinfo(np.int64).min)
    np.maximum.at(last, group, day[rows])
    o, i_ = total(1), total(2)
    score = total(0) + 2 * np.minimum(o, i_) + policy.one_way_weight * (np.abs(o - i_) + total(3))
    team_of, contact_of = np.divmod(pair_keys, len(contact_ids))
    result = pd.DataFrame({
        "team_id": team_ids[team_of].astype(object),
        "contact_id": contact_ids[contact_of].astype(object),
        "interactions": np.bincount(group, minlength=n).astype(np.int64),
        "two_way": (count(0) + 2 * np.minimum(count(1), count(2))).astype(np.int64),
        "last_interaction": np.datetime_as_string(last.astype("datetime64[D]"), unit="D").astype(object),
        "score": score,
        "strength": score / (score + policy.saturation),
    })
    # strongest first, then by team member and contact
    order = np.lexsort((_ranks(contact_ids)[contact_of], _ranks(team_ids)[team_of], -result["strength"].to_numpy()))
    return result.iloc[order].reset_index(drop=True)


def _days(dates: pd.Series) -> np.ndarray:
    """ISO dates (text, dates or datetimes) as days since 1970, each distinct value read once;
    a missing date as the far future, so that no analysis date counts it."""
    codes, distinct = pd.factorize(dates.to_numpy(dtype=object))
    parsed = np.array([np.datetime64(str(d)[:10], "D") for d in distinct], dtype="datetime64[D]")
    return np.append(parsed.astype(np.int64), np.iinfo(np.int64).max)[codes]


def _people(column: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A list column as (the lists, their lengths, the only member where there is one)."""
    lists = column.to_numpy(dtype=object)
    try:  # tuples throughout (storage form): counted and read without a Python loop
        sizes = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
    except TypeError:  # a blank among them
        sizes = np.fromiter((len(v) if isinstance(v, Collection) else 0 for v in lists), dtype=np.int64,
                            count=len(lists))
    only = np.full(len(lists), None, dtype=object)
    ones = np.flatnonzero(sizes == 1)
    try:
        only[ones] = list(map(itemgetter(0), lists[ones]))
    except TypeError:  # sets
        only[ones] = [next(iter(v)) for v in lists[ones]]
    return lists, sizes, only


def _sides(directed: np.ndarray, senders: np.ndarray, teams: np.ndarray, n_t: np.ndarray, t1: np.ndarray,
           contacts: np.ndarray, n_c: np.ndarray, c1: np.ndarray) -> np.ndarray:
    """Per interaction: 0 two-way by nature, 1 sent by us, 2 sent by them, 3 one-way of
    unknown sender (a directed interaction whose sender is missing or took no part)."""
    sent = directed & ~pd.isna(senders)
    ours = sent & (senders == t1)
    for i in np.flatnonzero(sent & (n_t > 1)):
        ours[i] = senders[i] in teams[i]
    theirs = sent & ~ours & (senders == c1)
    for i in np.flatnonzero(sent & ~ours & (n_c > 1)):
        theirs[i] = senders[i] in contacts[i]
    side = np.where(directed, 3, 0).astype(np.int8)
    side[ours] = 1
    side[theirs] = 2
    return side


def _ranks(values: np.ndarray) -> np.ndarray:
    """Each value's position in sorted order."""
    ranks = np.empty(len(values), dtype=np.int64)
    ranks[np.argsort(np.asarray(values, dtype=object), kind="stable")] = np.arange(len(values))
    return ranks


def infer_influence(interactions: Iterable[Mapping[str, Any]], *, as_of: dt.date | None = None,
                    policy: StrengthPolicy = StrengthPolicy()) -> list[dict[str, Any]]:
    """Influence edges (both directions) between contacts who interact without us.

    Each row: ``source_id``, ``target_id``, ``weight`` (the pair's strength), ``kind``
    ``other`` and ``inferred`` True.

    >>> rows = [{"date": "2026-01-01", "type": "meeting", "team_ids": [], "contact_ids": ["A", "B"]}]
    >>> [(r["source_id"], r["target_id"], r["weight"]) for r in infer_influence(rows, as_of=dt.date(2026, 1, 1))]
    [('A', 'B', 0.3333333333333333), ('B', 'A', 0.3333333333333333)]
    """
    as_of = as_of or dt.date.today()
    scores: dict[tuple[str, str], float] = {}
    for row in interactions:
        if row.get("team_ids") or len(row.get("contact_ids") or ()) < 2:
            continue
        age = (as_of - dt.date.fromisoformat(str(row["date"])[:10])).days
        if age < 0:
            continue
        value = contribution(row.get("type") or "other", age, policy)
        for a, b in itertools.combinations(sorted(row["contact_ids"]), 2):
            scores[(a, b)] = scores.get((a, b), 0.0) + value
    edges = []
    for (a, b), score in sorted(scores.items()):
        weight = strength_from_score(score, policy)
        for s, t in ((a, b), (b, a)):
            edges.append({"source_id": s, "target_id": t, "weight": weight, "kind": "other", "inferred": True})
    return edges


def last_contacts(interactions: Iterable[Mapping[str, Any]], *, as_of: dt.date | None = None) -> dict[str, str]:
    """The date of each contact's latest interaction (ISO text), up to ``as_of``.

    >>> last_contacts([{"date": "2026-02-01", "contact_ids": ["C"]}, {"date": "2026-03-01", "contact_ids": ["C"]}],
    ...               as_of=dt.date(2026, 2, 15))
    {'C': '2026-02-01'}
    """
    limit = (as_of or dt.date.today()).isoformat()
    last: dict[str, str] = {}
    for row in interactions:
        date = str(row["date"])[:10]
        if date > limit:
            continue
        for c in row.get("contact_ids") or ():
            if date > last.get(c, ""):
                last[c] = date
    return last
