"""Decision-unit outcome: where an opportunity stands, by how its unit decides.

Stances first spread a few steps along influence edges (and from managers to their
people): each contact's projected stance is ``(1 - openness) * stated + openness *
(weighted mean of their influencers' projected stances)``; a contact whose stance is
unknown starts neutral and listens more (openness 0.8). Rival edges carry nothing.

Each person then counts as **for** us (projected stance 0.5 or more), **against** us
(-0.25 or less) or **undecided**, and the support index (-1..3) follows the unit's type:

* **authority** (权威型): the decider's projected stance (several deciders: their
  influence-weighted mean);
* **consensus** (协商型): the deciders' majority decides. The index is the stance a
  strict majority of the deciders holds at least (the lower median of their projected
  stances): three of five deciders for us is "leaning our way" whatever the other two
  think, one coach and two neutral deciders is "open". The report counts the deciders
  for, against and undecided, the votes still needed for a majority, and names the
  **swing voters** (the undecided deciders) with who could move them: the supporters
  of ours who influence them and our people who know them;
* **advisory** (咨询型): the decider follows a few trusted advisers, who are the unit's
  own members with the influencer or user role (on the deal or on the contact) or from
  the design (technical) line. Deciders weigh half, the advisers the other half, each
  by their influence, doubled for one who directly influences (or manages) a decider.
  People outside the unit weigh nothing here: their pull shows in the projection.

A person "pulls the unit toward us" when they are for us and "away from us" when they
are against us: it is their own stance, not their distance from the average. An
opportunity with no unit type is read as consensus, and says so.
"""

from __future__ import annotations

from typing import Any

import networkx as nx
import numpy as np
from scipy.sparse import csr_matrix, diags

from graph.analysis._views import department_kind, opportunity_members
from graph.exceptions import OpportunityNotFound
from graph.subgraph import EdgeType, NodeKind, node_key, split_key
from graph.vocabulary import STANCE_LABELS, BuyingRole, DecisionUnitType, DepartmentKind, InfluenceKind

__all__ = ["decision_unit_outcome", "DecisionUnit", "project_stances", "StanceModel", "verdict", "side"]

OPENNESS, UNKNOWN_OPENNESS, MANAGER_WEIGHT = 0.5, 0.8, 0.5


class StanceModel:
    """Who sways whom, as a sparse matrix, to project stances quickly and repeatedly."""

    def __init__(self, G: nx.MultiDiGraph, *, openness: float = OPENNESS):
        nodes, contact = G._node, NodeKind.CONTACT  # G's own dicts: no NetworkX views in this loop
        self.people = [n for n, d in nodes.items() if d["kind"] == contact]
        index = {p: i for i, p in enumerate(self.people)}
        rows, cols, weights = [], [], []
        influences, reports_to, rival = EdgeType.INFLUENCES, EdgeType.REPORTS_TO, InfluenceKind.RIVAL.value
        for u, neighbours in G._succ.items():  # G.edges() order: duplicate entries summed in the same order
            if u not in index:
                continue
            for v, keyed in neighbours.items():
                for d in keyed.values():
                    if d["type"] == influences and d.get("influence_kind") != rival:
                        w = 0.5 if d.get("weight") is None else float(d["weight"])
                        if w > 0:
                            rows.append(index[v]), cols.append(index[u]), weights.append(w)
                    elif d["type"] == reports_to and v in index:
                        rows.append(index[u]), cols.append(index[v]), weights.append(MANAGER_WEIGHT)  # manager sways
        n = len(self.people)
        matrix = csr_matrix((weights, (rows, cols)), shape=(n, n))
        totals = np.asarray(matrix.sum(axis=1)).ravel()
        self.heard = totals > 0
        self.matrix = diags(np.divide(1.0, totals, out=np.zeros(n), where=self.heard)) @ matrix
        self.openness = openness
        self.stated = {p: nodes[p].get("stance") for p in self.people}
        self._index = index
        # the stated stances as arrays: which are known, and their values (0 where unknown)
        self._known = np.array([s is not None for s in self.stated.values()], dtype=bool)
        self._base = np.array([0.0 if s is None else float(s) for s in self.stated.values()])

    def project(self, *, steps: int = 3, stances: dict[str, int | None] | None = None) -> dict[str, float]:
        """Projected stance of every contact; ``stances`` overrides some stated ones."""
        return dict(zip(self.people, self.projected(steps=steps, stances=stances)))

    def projected(self, *, steps: int = 3, stances: dict[str, int | None] | None = None) -> list[float]:
        """:meth:`project`'s stances as a list, in the order of ``people``."""
        known, base = self._known, self._base
        if stances:
            known, base = known.copy(), base.copy()
            for p, s in stances.items():
                i = self._index.get(p)
                if i is not None:
                    known[i], base[i] = s is not None, 0.0 if s is None else float(s)
        a = np.where(self.heard, np.where(known, self.openness, UNKNOWN_OPENNESS), 0.0)
        x = base.copy()
        for _ in range(steps):
            x = (1 - a) * base + a * (self.matrix @ x)
        return x.tolist()


def project_stances(G: nx.MultiDiGraph, *, steps: int = 3, openness: float = OPENNESS) -> dict[str, float]:
    """Every contact's stance after it has spread ``steps`` times along influence edges."""
    return StanceModel(G, openness=openness).project(steps=steps)


#: Projected stance from which a person counts as for us, and up to which as against us.
FOR, AGAINST = 0.5, -0.25


def verdict(index: float) -> str:
    """Words for a support index."""
    if index >= 1.5:
        return "likely win"
    if index >= FOR:
        return "leaning our way"
    if index > AGAINST:
        return "open"
    return "at risk"


def side(projected: float) -> str:
    """``for``, ``against`` or ``undecided``: where a projected stance puts a person."""
    return "for" if projected >= FOR else "against" if projected <= AGAINST else "undecided"


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
        ``votes`` (the deciders' ids ``for``, ``against`` and ``undecided``, and
        ``needed``: more votes for us that a strict majority needs, 0 when we have it),
        ``swing_voters`` (consensus units: each undecided decider with ``movers``, the
        people who could move them), ``members`` (each with ``stated`` and ``projected``
        stance, ``side`` and its ``weight`` in the index), ``departed_members`` (members
        who left: they count for nothing; when every decider left, the verdict is
        ``unknown: its decider left``) and ``reasons`` (the top explanations, strongest
        first).

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
    ...                              {"opportunity_id": "O", "contact_id": "a", "role": "decider",
    ...                               "is_decider": True},
    ...                              {"opportunity_id": "O", "contact_id": "b", "role": "user"}])
    >>> decision_unit_outcome(unit("authority"), "O")["support_index"]
    1.0
    >>> decision_unit_outcome(unit("consensus"), "O")["votes"]
    {'for': ['a'], 'against': ['boss'], 'undecided': [], 'needed': 1}
    """
    unit = DecisionUnit(G, opportunity)
    data, dmu, members, deciders = unit.data, unit.dmu, unit.members, unit.deciders
    projected = projected if projected is not None else project_stances(G, steps=steps, openness=openness)
    index = unit.index(projected)
    weights = unit.weights
    reasons: list[tuple[float, str]] = []
    votes = _votes(deciders, projected)
    swing: list[dict[str, Any]] = []
    if unit.by_majority:
        swing = [_swing_voter(G, d, projected) for d in deciders if side(projected[d]) == "undecided"]
        reasons.append((98.0, _tally(votes, len(deciders))))
        if dmu != DecisionUnitType.CONSENSUS.value:
            reasons.append((99.0, f"no decider is marked in this {dmu} unit, so it is read as a consensus"))
    elif not deciders:
        reasons.append((99.0, "no decider is marked: the members' influence-weighted stance stands in for the vote"))
    if not data.get("dmu_type"):
        reasons.append((99.0, "the decision-unit type is not recorded; read as consensus"))
    left = _departed_members(G, opportunity)
    for gone in left:
        reasons.append((100.0, f"{gone['name']}{' (decider)' if gone['is_decider'] else ''} has left and no "
                               "longer counts: find out who took over"))
    lost_every_decider = any(g["is_decider"] for g in left) and not deciders

    rows = []
    for c in sorted(members):
        node = G.nodes[c]
        stated = node.get("stance")
        e = members[c]
        where = side(projected[c])
        rows.append({"id": split_key(c)[1], "name": node.get("name"), "title": node.get("title"),
                     "role": e.get("role"), "is_decider": c in deciders, "stated": stated,
                     "projected": round(projected[c], 2), "side": where, "weight": round(weights.get(c, 0.0), 4)})
        who = f"{node.get('name')}{' (decider)' if c in deciders else ''}"
        stated_text = STANCE_LABELS.get(stated, "stance unknown") if stated is not None else "stance unknown"
        if weights.get(c, 0.0) > 0:
            direction = {"for": "for us, pulls the unit toward us", "undecided": "undecided",
                         "against": "against us, pulls the unit away from us"}[where]
            reasons.append((weights[c] * (abs(projected[c]) + 1),
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
            "support_index": round(index, 2),
            "verdict": "unknown: its decider left" if lost_every_decider else verdict(index), "votes": votes,
            "swing_voters": swing, "members": rows, "departed_members": left,
            "reasons": [text for _, text in reasons[:5]]}


def _departed_members(G: nx.MultiDiGraph, opportunity: str) -> list[dict[str, Any]]:
    """Members of the opportunity's unit who departed (left out of the graph, listed in
    ``G.graph["people"]``): id, name, title, role, is_decider."""
    people = G.graph.get("people") or {}
    gone = {r["id"]: r for r in people.get("departed", ())}
    return [{"id": m["contact_id"], "name": gone[m["contact_id"]].get("name"), "title": gone[m["contact_id"]].get("title"),
             "role": m.get("role"), "is_decider": bool(m.get("is_decider") or m.get("role") == "decider")}
            for m in sorted(people.get("members", ()), key=lambda m: m["contact_id"])
            if m["opportunity_id"] == opportunity and m["contact_id"] in gone]


class DecisionUnit:
    """One opportunity's decision unit: its members, deciders, type and who weighs how
    much; :meth:`index` reads the support index off any projection of stances."""

    def __init__(self, G: nx.MultiDiGraph, opportunity: str):
        key = node_key(NodeKind.OPPORTUNITY, opportunity)
        if key not in G:
            raise OpportunityNotFound(opportunity)
        self.data = G.nodes[key]
        self.dmu = self.data.get("dmu_type") or DecisionUnitType.CONSENSUS.value
        self.members = opportunity_members(G, key)
        self.deciders = sorted(m for m, e in self.members.items() if e.get("is_decider") or e.get("role") == "decider")

        def influence(c: str) -> float:
            value = G.nodes[c].get("influence")
            return 0.5 if value is None else max(float(value), 0.05)

        self.by_majority = False
        if self.dmu == DecisionUnitType.AUTHORITY.value and self.deciders:
            weights = {d: influence(d) for d in self.deciders}
        elif self.dmu == DecisionUnitType.ADVISORY.value and self.deciders:
            weights = _advisory_weights(G, self.members, self.deciders, influence)
        elif self.deciders:
            weights, self.by_majority = {d: 1.0 for d in self.deciders}, True
        else:
            weights = {m: influence(m) for m in self.members}
        total = sum(weights.values()) or 1.0
        self.weights = {c: w / total for c, w in weights.items()}

    def index(self, projected: dict[str, float]) -> float:
        """The support index (-1..3) for these projected stances."""
        if self.by_majority:  # the stance a strict majority of the deciders holds at least
            ordered = sorted(projected[d] for d in self.deciders)
            return ordered[(len(ordered) - 1) // 2]
        return sum(w * projected[c] for c, w in self.weights.items())


def _votes(deciders: list[str], projected: dict[str, float]) -> dict[str, Any]:
    tally: dict[str, Any] = {"for": [], "against": [], "undecided": []}
    for d in deciders:
        tally[side(projected[d])].append(split_key(d)[1])
    tally["needed"] = max(0, len(deciders) // 2 + 1 - len(tally["for"])) if deciders else 0
    return tally


def _tally(votes: dict[str, Any], n: int) -> str:
    text = (f"{len(votes['for'])} of {n} deciders are for us, {len(votes['against'])} against, "
            f"{len(votes['undecided'])} undecided")
    return text + (f": {votes['needed']} more needed for a majority" if votes["needed"] else ": a majority for us")


def _advisory_weights(G: nx.MultiDiGraph, members: dict[str, dict], deciders: list[str], influence) -> dict:
    """Deciders half, the unit's own advisers half (each by influence, doubled when they
    influence or manage a decider directly)."""
    chosen = set(deciders)
    direct: dict[str, float] = {}
    for d in deciders:
        for u, _, e in G.in_edges(d, data=True):
            if e["type"] == EdgeType.INFLUENCES and e.get("influence_kind") != InfluenceKind.RIVAL.value:
                direct[u] = max(direct.get(u, 0.0), 0.5 if e.get("weight") is None else float(e["weight"]))
        for _, boss, e in G.out_edges(d, data=True):
            if e["type"] == EdgeType.REPORTS_TO:
                direct[boss] = max(direct.get(boss, 0.0), MANAGER_WEIGHT)
    advisers = [m for m in members if m not in chosen and _advises(G, m, members[m])]
    decider_total = sum(influence(d) for d in deciders)
    share = 0.5 if advisers else 1.0
    weights = {d: share * influence(d) / decider_total for d in deciders}
    raw = {a: influence(a) * (1 + direct.get(a, 0.0)) for a in advisers}
    adviser_total = sum(raw.values()) or 1.0
    weights.update({a: 0.5 * w / adviser_total for a, w in raw.items()})
    return weights


def _advises(G: nx.MultiDiGraph, contact: str, involvement: dict) -> bool:
    roles = {involvement.get("role"), *(G.nodes[contact].get("roles") or ())}
    return bool(roles & {BuyingRole.INFLUENCER.value, BuyingRole.USER.value}) \
        or department_kind(G, contact) == DepartmentKind.DESIGN.value


def _swing_voter(G: nx.MultiDiGraph, decider: str, projected: dict[str, float]) -> dict[str, Any]:
    """An undecided decider and who could move them: our supporters who influence (or
    manage) them, strongest first, and our people who know them."""
    movers = []
    for u, _, e in G.in_edges(decider, data=True):
        kind = G.nodes[u]["kind"]
        if kind == NodeKind.TEAM and e["type"] == EdgeType.RELATIONSHIP:
            strength = 0.5 if e.get("strength") is None else float(e["strength"])
            movers.append({"id": G.nodes[u]["id"], "name": G.nodes[u].get("name"), "kind": "team",
                           "strength": round(strength, 2)})
        elif kind == NodeKind.CONTACT and e["type"] == EdgeType.INFLUENCES \
                and e.get("influence_kind") != InfluenceKind.RIVAL.value and side(projected[u]) == "for":
            strength = 0.5 if e.get("weight") is None else float(e["weight"])
            movers.append({"id": G.nodes[u]["id"], "name": G.nodes[u].get("name"), "kind": "contact",
                           "strength": round(strength, 2), "projected": round(projected[u], 2)})
    for _, boss, e in G.out_edges(decider, data=True):
        if e["type"] == EdgeType.REPORTS_TO and boss in projected and side(projected[boss]) == "for":
            movers.append({"id": G.nodes[boss]["id"], "name": G.nodes[boss].get("name"), "kind": "manager",
                           "strength": MANAGER_WEIGHT, "projected": round(projected[boss], 2)})
    movers.sort(key=lambda m: (-m["strength"], m["id"]))
    node = G.nodes[decider]
    return {"id": node["id"], "name": node.get("name"), "title": node.get("title"),
            "projected": round(projected[decider], 2), "movers": movers}
