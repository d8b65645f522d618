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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
import pandas as pd

from graph.vocabulary import InteractionType

__all__ = ["TYPE_WEIGHTS", "StrengthPolicy", "derive_strengths", "strength_from_score", "contribution",
           "infer_influence", "last_contacts", "PAIR_COLUMNS"]

#: Default weight of one interaction of each type.
TYPE_WEIGHTS: Mapping[str, float] = MappingProxyType({
    InteractionType.EXECUTIVE_VISIT.value: 3.0,
    InteractionType.VISIT.value: 2.0,
    InteractionType.TECHNICAL_EXCHANGE.value: 2.0,
    InteractionType.MEETING.value: 1.5,
    InteractionType.EVENT.value: 1.0,
    InteractionType.CALL.value: 1.0,
    InteractionType.OTHER.value: 0.5,
    InteractionType.EMAIL.value: 0.25,
})
_DIRECTED = frozenset({InteractionType.EMAIL.value})

#: Columns of :func:`derive_strengths`' result.
PAIR_COLUMNS = ("team_id", "contact_id", "interactions", "two_way", "last_interaction", "score", "strength")


@dataclass(frozen=True)
class StrengthPolicy:
    """How strength is derived from history and which strength the analyses use.

    ``prefer``: ``"derived"`` (default) uses the derived strength where a pair has
    history and the hand-entered one elsewhere; ``"entered"`` uses the hand-entered
    strength where there is one and the derived one elsewhere.
    """

    half_life_days: float = 90.0
    saturation: float = 3.0
    one_way_weight: float = 0.5
    type_weights: Mapping[str, float] = field(default_factory=lambda: dict(TYPE_WEIGHTS))
    prefer: Literal["derived", "entered"] = "derived"
    infer_influence: bool = False

    def __post_init__(self) -> None:
        if self.half_life_days <= 0 or self.saturation <= 0:
            raise ValueError("half_life_days and saturation must be positive")
        if not 0 <= self.one_way_weight <= 1:
            raise ValueError("one_way_weight must be within 0..1")
        if self.prefer not in ("derived", "entered"):
            raise ValueError("prefer is 'derived' or 'entered'")


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
    frame = frame.loc[:, [c for c in ("date", "type", "team_ids", "contact_ids", "sender_id") if c in frame]]
    if "sender_id" not in frame:
        frame["sender_id"] = None
    dates = pd.to_datetime(frame["date"].astype(str).str[:10], format="%Y-%m-%d")
    ages = (pd.Timestamp(as_of) - dates).dt.days.to_numpy()
    keep = ages >= 0
    frame, ages = frame.loc[keep], ages[keep]
    if frame.empty:
        return pd.DataFrame(columns=list(PAIR_COLUMNS))
    types = frame["type"].fillna("other").astype(str)
    default = policy.type_weights.get("other", 0.5)
    weights = types.map(lambda t: policy.type_weights.get(t, default)).to_numpy(dtype=float)
    value = weights * np.exp2(-ages / policy.half_life_days)
    directed = types.isin(_DIRECTED).to_numpy()
    teams, contacts, senders = frame["team_ids"].tolist(), frame["contact_ids"].tolist(), frame["sender_id"].tolist()
    # 0 two-way, 1 sent by us, 2 sent by them, 3 one-way of unknown sender
    side = np.zeros(len(frame), dtype=np.int8)
    for i in np.flatnonzero(directed):
        s = senders[i]
        side[i] = 1 if s is not None and s in (teams[i] or ()) else 2 if s is not None and s in (
            contacts[i] or ()) else 3
    counts_t = np.fromiter((len(t) if t is not None else 0 for t in teams), dtype=np.int64, count=len(teams))
    counts_c = np.fromiter((len(c) if c is not None else 0 for c in contacts), dtype=np.int64, count=len(contacts))
    per_row = counts_t * counts_c
    if not per_row.any():
        return pd.DataFrame(columns=list(PAIR_COLUMNS))
    simple = bool((per_row <= 1).all())
    if simple:  # the common case (one of ours, one of theirs): no cross product to build
        rows = np.flatnonzero(per_row == 1)
        team_col = [next(iter(teams[i])) for i in rows]
        contact_col = [next(iter(contacts[i])) for i in rows]
    else:
        rows = np.repeat(np.arange(len(frame)), per_row)
        team_col, contact_col = [], []
        for i in np.flatnonzero(per_row):
            for t, c in itertools.product(sorted(teams[i]), sorted(contacts[i])):
                team_col.append(t)
                contact_col.append(c)
    pairs = pd.DataFrame({
        "team_id": pd.Categorical(team_col), "contact_id": pd.Categorical(contact_col),
        "date": dates.to_numpy()[rows], "side": side[rows], "value": value[rows]})
    for code, name in ((0, "m"), (1, "o"), (2, "i"), (3, "u")):
        pairs[name] = np.where(pairs["side"].to_numpy() == code, pairs["value"].to_numpy(), 0.0)
    pairs["n_o"] = pairs["side"].to_numpy() == 1
    pairs["n_i"] = pairs["side"].to_numpy() == 2
    pairs["n_m"] = pairs["side"].to_numpy() == 0
    grouped = pairs.groupby(["team_id", "contact_id"], observed=True, sort=False).agg(
        interactions=("value", "size"), last=("date", "max"), m=("m", "sum"), o=("o", "sum"), i=("i", "sum"),
        u=("u", "sum"), n_o=("n_o", "sum"), n_i=("n_i", "sum"), n_m=("n_m", "sum"))
    o, i_ = grouped["o"].to_numpy(), grouped["i"].to_numpy()
    score = (grouped["m"].to_numpy() + 2 * np.minimum(o, i_)
             + policy.one_way_weight * (np.abs(o - i_) + grouped["u"].to_numpy()))
    result = pd.DataFrame({
        "team_id": grouped.index.get_level_values(0).astype(str),
        "contact_id": grouped.index.get_level_values(1).astype(str),
        "interactions": grouped["interactions"].to_numpy(dtype=np.int64),
        "two_way": (grouped["n_m"].to_numpy() + 2 * np.minimum(grouped["n_o"].to_numpy(),
                                                              grouped["n_i"].to_numpy())).astype(np.int64),
        "last_interaction": grouped["last"].dt.strftime("%Y-%m-%d").to_numpy(),
        "score": score,
        "strength": score / (score + policy.saturation),
    })
    return result.sort_values(["strength", "team_id", "contact_id"], ascending=[False, True, True],
                              ignore_index=True)


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
