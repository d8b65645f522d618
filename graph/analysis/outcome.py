"""Decision-unit outcome: where an opportunity stands, by how its unit decides.

Stances first spread a few steps along influence edges (and from managers to their
people): each contact's projected stance is ``(1 - openness) * stated + openness *
(weighted mean of their influencers' projected stances)``; a contact whose stance is
unknown starts neutral and listens more (openness 0.8). Rival edges carry nothing.

Then the support index (-1..3) follows the decision-unit type:

* **authority** (权威型): the decider's projected stance (several deciders: their
  influence-weighted mean);
* **consensus** (协商型): the influence-weighted mean over all members, deciders
  counting double;
* **advisory** (咨询型): the decider's projected stance, moved halfway toward the
  weighted mean of the advisers who influence them.

An opportunity with no unit type is read as consensus, and says so.
"""

from __future__ import annotations

from typing import Any

import networkx as nx
import numpy as np
from scipy.sparse import csr_matrix, diags

from graph.analysis._views import opportunity_members
from graph.exceptions import OpportunityNotFound
from graph.subgraph import EdgeType, NodeKind, node_key, split_key
from graph.vocabulary import STANCE_LABELS, DecisionUnitType, InfluenceKind

__all__ = ["decision_unit_outcome", "project_stances", "StanceModel", "verdict"]

OPENNESS, UNKNOWN_OPENNESS, MANAGER_WEIGHT = 0.5, 0.8, 0.5


class StanceModel:
    """Who sways whom, as a sparse matrix, to project stances quickly and repeatedly."""

    def __init__(self, G: nx.MultiDiGraph, *, openness: float = OPENNESS):
        self.people = [n for n, d in G.nodes(data=True) if d["kind"] == NodeKind.CONTACT]
        index = {p: i for i, p in enumerate(self.people)}
        rows, cols, weights = [], [], []
        for u, v, d in G.edges(data=True):
            if d["type"] == EdgeType.INFLUENCES and d.get("influence_kind") != InfluenceKind.RIVAL.value:
                w = 0.5 if d.get("weight") is None else float(d["weight"])
                if w > 0:
                    rows.append(index[v]), cols.append(index[u]), weights.append(w)
            elif d["type"] == EdgeType.REPORTS_TO and u in index and v in index:
                rows.append(index[u]), cols.append(index[v]), weights.append(MANAGER_WEIGHT)  # manager sways
        n = len(self.people)
        matrix = csr_matrix((weights, (rows, cols)), shape=(n, n))
        totals = np.asarray(matrix.sum(axis=1)).ravel()
        self.heard = totals > 0
        self.matrix = diags(np.divide(1.0, totals, out=np.zeros(n), where=self.heard)) @ matrix
        self.openness = openness
        self.stated = {p: G.nodes[p].get("stance") for p in self.people}

    def project(self, *, steps: int = 3, stances: dict[str, int | None] | None = None) -> dict[str, float]:
        """Projected stance of every contact; ``stances`` overrides some stated ones."""
        stated = {**self.stated, **(stances or {})}
        known = np.array([stated[p] is not None for p in self.people])
        base = np.array([float(stated[p]) if stated[p] is not None else 0.0 for p in self.people])
        a = np.where(self.heard, np.where(known, self.openness, UNKNOWN_OPENNESS), 0.0)
        x = base.copy()
        for _ in range(steps):
            x = (1 - a) * base + a * (self.matrix @ x)
        return dict(zip(self.people, x.tolist()))


def project_stances(G: nx.MultiDiGraph, *, steps: int = 3, openness: float = OPENNESS) -> dict[str, float]:
    """Every contact's stance after it has spread ``steps`` times along influence edges."""
    return StanceModel(G, openness=openness).project(steps=steps)


def verdict(index: float) -> str:
    """Words for a support index."""
    if index >= 1.5:
        return "likely win"
    if index >= 0.5:
        return "leaning our way"
    if index > -0.25:
        return "open"
    return "at risk"


def decision_unit_outcome(G: nx.MultiDiGraph, opportunity: str, *, steps: int = 3,
                          openness: float = OPENNESS, projected: dict[str, float] | None = None) -> dict[str, Any]:
    """Project the outcome of one opportunity's decision unit.

    Parameters
    ----------
    G : MultiDiGraph
        The subgraph of the opportunity's account.
    opportunity : str
        The opportunity's id.
    steps, openness : int, float
        How far and how strongly stances spread along influence edges.
    projected : dict, optional
        Projected stances computed already (by :class:`StanceModel`).

    Returns
    -------
    dict
        ``opportunity``, ``name``, ``dmu_type``, ``support_index`` (-1..3), ``verdict``,
        ``members`` (each with ``stated`` and ``projected`` stance and its ``weight`` in
        the index) and ``reasons`` (the top explanations, strongest first).

    Examples
    --------
    >>> from graph.subgraph import build_account_graph
    >>> def unit(dmu):
    ...     return build_account_graph("A", accounts=[{"id": "A", "name": "A"}], departments=[],
    ...         contacts=[{"id": "boss", "account_id": "A", "name": "Boss", "stance": -1, "influence": 0.5},
    ...                   {"id": "a", "account_id": "A", "name": "A1", "stance": 3, "influence": 0.5},
    ...                   {"id": "b", "account_id": "A", "name": "B1", "stance": 3, "influence": 0.5}],
    ...         team=[], relationships=[], influence=[],
    ...         opportunities=[{"id": "O", "account_id": "A", "name": "Deal", "dmu_type": dmu}],
    ...         opportunity_members=[{"opportunity_id": "O", "contact_id": "boss", "role": "decider",
    ...                               "is_decider": True},
    ...                              {"opportunity_id": "O", "contact_id": "a", "role": "user"},
    ...                              {"opportunity_id": "O", "contact_id": "b", "role": "user"}])
    >>> decision_unit_outcome(unit("authority"), "O")["support_index"]
    -1.0
    >>> decision_unit_outcome(unit("consensus"), "O")["support_index"]
    1.0
    """
    key = node_key(NodeKind.OPPORTUNITY, opportunity)
    if key not in G:
        raise OpportunityNotFound(opportunity)
    data = G.nodes[key]
    dmu = data.get("dmu_type") or DecisionUnitType.CONSENSUS.value
    members = opportunity_members(G, key)
    projected = projected if projected is not None else project_stances(G, steps=steps, openness=openness)
    deciders = [m for m, e in members.items() if e.get("is_decider") or e.get("role") == "decider"]

    def influence(c: str) -> float:
        value = G.nodes[c].get("influence")
        return 0.5 if value is None else max(float(value), 0.05)

    weights: dict[str, float] = {}
    reasons: list[tuple[float, str]] = []
    if dmu == DecisionUnitType.AUTHORITY.value and deciders:
        weights = {d: influence(d) for d in deciders}
    elif dmu == DecisionUnitType.ADVISORY.value and deciders:
        advisers: dict[str, float] = {}
        for d in deciders:
            for u, _, e in G.in_edges(d, data=True):
                if e["type"] == EdgeType.INFLUENCES and e.get("influence_kind") != InfluenceKind.RIVAL.value \
                        and u not in deciders:
                    advisers[u] = max(advisers.get(u, 0.0), 0.5 if e.get("weight") is None else float(e["weight"]))
        decider_total = sum(influence(d) for d in deciders)
        share = 0.5 if advisers else 1.0
        weights = {d: share * influence(d) / decider_total for d in deciders}
        adviser_total = sum(advisers.values())
        for a, w in advisers.items():
            weights[a] = weights.get(a, 0.0) + 0.5 * w / adviser_total
    else:
        weights = {m: influence(m) * (2 if m in deciders else 1) for m in members}
        if dmu != DecisionUnitType.CONSENSUS.value:
            reasons.append((99.0, f"no decider is marked in this {dmu} unit, so it is read as a consensus"))
    total = sum(weights.values()) or 1.0
    weights = {c: w / total for c, w in weights.items()}
    index = sum(weights[c] * projected[c] for c in weights)
    if not data.get("dmu_type"):
        reasons.append((99.0, "the decision-unit type is not recorded; read as consensus"))

    rows = []
    for c in sorted(set(members) | set(weights)):
        node = G.nodes[c]
        stated = node.get("stance")
        e = members.get(c, {})
        rows.append({"id": split_key(c)[1], "name": node.get("name"), "title": node.get("title"),
                     "role": e.get("role") or ("adviser" if c not in members else None),
                     "is_decider": c in deciders, "stated": stated, "projected": round(projected[c], 2),
                     "weight": round(weights.get(c, 0.0), 4)})
        pull = weights.get(c, 0.0) * (projected[c] - index)
        who = f"{node.get('name')}{' (decider)' if c in deciders else ''}"
        stated_text = STANCE_LABELS.get(stated, "stance unknown") if stated is not None else "stance unknown"
        if weights.get(c, 0.0) > 0:
            direction = "pulls the unit toward us" if projected[c] >= index else "pulls the unit away from us"
            reasons.append((abs(pull) + weights[c] * (abs(projected[c]) + 1),
                            f"{who}: {stated_text}, projected {projected[c]:+.1f}, weight {weights[c]:.0%} — "
                            f"{direction}"))
        if stated is not None and abs(projected[c] - stated) >= 0.5:
            moved = "toward" if projected[c] > stated else "away from"
            reasons.append((max(weights.get(c, 0.0), 0.02) * abs(projected[c] - stated),
                            f"{who} is moved {moved} us by the people who influence them "
                            f"({stated:+d} → {projected[c]:+.1f})"))
    rows.sort(key=lambda r: (-r["weight"], r["id"]))
    reasons.sort(key=lambda r: -r[0])
    return {"opportunity": opportunity, "name": data.get("name"), "dmu_type": dmu,
            "support_index": round(index, 2), "verdict": verdict(index), "members": rows,
            "reasons": [text for _, text in reasons[:5]]}
