"""How next moves tries a candidate: the gaps it closes and opens. Private to
:mod:`graph.analysis.next_moves`.

A candidate is a new (or renewed) relationship ``t → c`` or one step up ``c``'s stance.
:meth:`Trials.fully` applies it to the graph, runs again every gap family it can affect
and undoes it: the reference. :meth:`Trials.quickly` gives the same answer computing
again only what the one change can reach:

* a **relationship** leaves the reach family (uncovered deciders, gatekeepers, single
  points of failure, single threads) as it was unless the new edge brings within the
  path-strength cutoff a decider not reached or behind a cut point, or (when the account
  hangs on threads) anyone of the account — each node's distance to the nearest of those
  comes from one reverse Dijkstra made once — and then the reach is computed with that
  edge, as the full way does; it leaves the untouched parts as they were unless ``c``'s
  account is one; of the division gaps only ``c``'s can change, and only when ``t`` has a
  division and ``c`` decides: they are found again on a small graph of ``c`` and the
  people and deals around them; it closes its own staleness, executive-peer and cadence
  gaps (those families never run again);
* a **stance** step closes ``c``'s unknown-stance and missing-line gaps (those depend on
  ``c`` alone); the other families it can affect run again.

Closed and opened gaps are compared by key, family by family, in the base gaps' order.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable

import networkx as nx
import numpy as np
from scipy.sparse.csgraph import dijkstra

from graph.analysis import _views as v
from graph.analysis._reach import Reach
from graph.analysis.cadence import CadencePolicy
from graph.analysis.divisions import deal_division, division_of, division_ties, tie_strength
from graph.analysis.gaps import FAMILY, Gap, GapFinder
from graph.subgraph import EdgeType, split_key
from graph.vocabulary import COACH

__all__ = ["Trials", "RELATIONSHIP_FAMILIES", "stance_families", "raised"]

#: The gap families a new or renewed relationship can affect.
RELATIONSHIP_FAMILIES = frozenset({"reach", "untouched", "stale", "peers", "cadence", "divisions"})
#: Distances within this of the cutoff are left to the full computation (rounding).
_MARGIN = 1e-9


class Trials:
    """Tries candidates on ``G`` against the gaps ``finder`` found (``base``).

    ``room`` is the finder's reach with a place for every edge a candidate may add
    (:meth:`Reach.with_room_for`)."""

    def __init__(self, G: nx.MultiDiGraph, finder: GapFinder, base: list[Gap], room: Reach, *, today: dt.date,
                 new_strength: float, executives: set[str], cadence_policy: CadencePolicy | None):
        self.G, self.finder, self.base, self.room = G, finder, base, room
        self.today, self.new_strength, self.executives = today, new_strength, executives
        self.cadence_policy = cadence_policy
        self.by_family: dict[str, list[Gap]] = {}
        self._position = {id(g): i for i, g in enumerate(base)}
        self._first: dict[str, int] = {}
        for i, g in enumerate(base):
            self._first.setdefault(g.key, i)
        for g in base:
            self.by_family.setdefault(FAMILY[g.type], []).append(g)
        reach = finder.reach
        own = np.fromiter((reach.index[c] for c in sorted(finder.own) if c in reach.index), dtype=np.int64)
        # what a new edge must bring within reach to change the reach family: a decider not
        # reached or behind a cut point, anyone of the account when it hangs on threads (or
        # is not reached at all: a single_threaded gap too); each node's distance to the
        # nearest of them (one reverse Dijkstra)
        deciders = [reach.index[d] for d in finder.deciders if d not in finder.reachable or finder.cut_points(d)]
        threaded = any(g.type == "single_threaded" for g in self.by_family.get("reach", ()))
        watched = own if threaded else np.asarray(deciders, dtype=np.int64)
        self._to_watched = dijkstra(reach.matrix.transpose().tocsr(), indices=watched, limit=reach.cutoff,
                                    min_only=True) if watched.size else None
        self._closable: dict[str, list[Gap]] = {}  # contact → its stale, peer and cadence gaps (see _met)
        for g in base:
            if g.type == "cadence_breach" or (g.type in ("stale_relationship", "no_executive_peer")
                                              and len(g.contacts) == 1):
                for c in dict.fromkeys(g.contacts):
                    self._closable.setdefault(c, []).append(g)
        self._untouched = {a for g in self.by_family.get("untouched", ()) for a in g.accounts}
        self._deciders = set(finder.deciders)
        # made at the first need (_divisions_may_change): contact → division → [(team
        # member, strength)], and the divisions of each one's deals
        self._ties: dict | None = None
        self._deal_divisions: dict[str, set[str]] = {}

    # ----- the reference ------------------------------------------------------------------
    def fully(self, team_key: str | None, contact: str, verb: str | None) -> tuple[list[Gap], list[Gap]]:
        """``(closed, opened)``: the candidate applied, its families run again, undone."""
        G, finder = self.G, self.finder
        if verb is None:
            strength = max(self.new_strength, finder.reach.strength(team_key, contact))
            undo = relate(G, team_key, contact, self.new_strength, self.today)
            try:
                reach = self.room.with_edges([(team_key, contact, -math.log(strength))])
                after = self._run(reach, {"reach", "untouched", "divisions"})
            finally:
                undo()
            met = self._met(team_key, contact)
            after += [g for g in self.base if FAMILY[g.type] in ("stale", "peers", "cadence")
                      and not any(g is m for m in met)]
            return _difference(self.base, after, RELATIONSHIP_FAMILIES)
        previous = G.nodes[contact].get("stance")
        stance = raised(previous)
        families = stance_families(previous, stance)
        G.nodes[contact]["stance"] = stance
        try:
            after = self._run(self._stance_reach(contact, previous), families)
        finally:
            G.nodes[contact]["stance"] = previous
        return _difference(self.base, after, families)

    # ----- the quick way ------------------------------------------------------------------
    def quickly(self, team_key: str | None, contact: str, verb: str | None) -> tuple[list[Gap], list[Gap]]:
        """The same as :meth:`fully`, computing again only what the candidate can change."""
        G, finder = self.G, self.finder
        if verb is None:
            strength = max(self.new_strength, finder.reach.strength(team_key, contact))
            closed, opened = self._met(team_key, contact), []
            if self._reach_may_change(team_key, contact, strength):  # the reach family reads no relationship
                reach = self.room.with_edges([(team_key, contact, -math.log(strength))])
                c, o = _difference(self.base, self._run(reach, {"reach"}), {"reach"})
                closed, opened = closed + c, opened + o
            if contact in finder.own and G.nodes[contact].get("account_id") in self._untouched:
                undo = relate(G, team_key, contact, self.new_strength, self.today)
                try:
                    c, o = _difference(self.base, self._run(finder.reach, {"untouched"}), {"untouched"})
                finally:
                    undo()
                closed, opened = closed + c, opened + o
            if self._divisions_may_change(team_key, contact):
                c, o = self._division_gaps(team_key, contact)
                closed, opened = closed + c, opened + o
            return self._in_order(closed), opened
        previous = G.nodes[contact].get("stance")
        stance = raised(previous)
        families = stance_families(previous, stance)
        cid = split_key(contact)[1]
        closed = [g for g in self.by_family.get("unknown", ()) if "unknown" in families and g.contacts == (cid,)]
        closed += [g for g in self.by_family.get("lines", ()) if "lines" in families and cid in g.contacts]
        again = families - {"unknown", "lines"}
        opened = []
        if again:
            G.nodes[contact]["stance"] = stance
            try:
                c, opened = _difference(self.base, self._run(self._stance_reach(contact, previous), again), again)
            finally:
                G.nodes[contact]["stance"] = previous
            closed += c
        return self._in_order(closed), opened

    # ----- helpers ------------------------------------------------------------------------
    def _in_order(self, gaps: list[Gap]) -> list[Gap]:
        """Closed base gaps as :meth:`fully` lists them: one per key (the base's last of that
        key), in the order of the keys' first places in the base."""
        if len(gaps) < 2:
            return gaps
        last = {g.key: g for g in sorted(gaps, key=lambda g: self._position[id(g)])}
        return sorted(last.values(), key=lambda g: self._first[g.key])

    def _run(self, reach: Reach, families: set[str]) -> list[Gap]:
        return GapFinder(self.G, today=self.today, reach=reach, like=self.finder, grown_from=self.finder,
                         cadence_policy=self.cadence_policy).run(families)

    def _stance_reach(self, contact: str, previous: int | None) -> Reach:
        """The reach once ``contact``'s stance is raised: an opponent who turns carries paths again."""
        if previous == -1:
            return self.room.with_edges(carried_from(self.G, contact, self.finder.reach.index))
        return self.finder.reach

    def _met(self, team_key: str, contact: str) -> list[Gap]:
        """The base gaps a new or renewed relationship ``team_key`` → ``contact`` closes by
        itself: its own staleness, from an executive the executive-peer gap, and a cadence
        breach naming both people (a meeting today)."""
        ours, theirs = split_key(team_key)[1], split_key(contact)[1]
        return [g for g in self._closable.get(theirs, ()) if (g.type == "stale_relationship" and g.team == (ours,))
                or (g.type == "no_executive_peer" and team_key in self.executives)
                or (g.type == "cadence_breach" and ours in g.team)]

    def _division_gaps(self, team_key: str, contact: str) -> tuple[list[Gap], list[Gap]]:
        """``(closed, opened)`` division gaps once ``team_key`` relates to ``contact``. Only
        ``contact``'s can change: they are found again on a graph of ``contact``, the team
        members who know them, their deals and the deals' owners (all the division gaps of
        ``contact`` read), with the relationship added there; G is not changed."""
        G = self.G
        H = nx.MultiDiGraph(root=G.graph["root"], account_id=G.graph.get("account_id"))
        H.add_node(contact, **G.nodes[contact])
        H.add_node(team_key, **G.nodes[team_key])
        for u, keyed in G.pred[contact].items():
            for key, d in keyed.items():
                if d["type"] in (EdgeType.RELATIONSHIP, EdgeType.INVOLVES):
                    H.add_node(u, **G.nodes[u])
                    H.add_edge(u, contact, key=key, **d)
                    owner = deal_division(G, u)[0] if d["type"] == EdgeType.INVOLVES else None
                    if owner in G:
                        H.add_node(owner, **G.nodes[owner])
        relate(H, team_key, contact, self.new_strength, self.today)
        theirs = (split_key(contact)[1],)
        after = [g for g in self.by_family.get("divisions", ()) if g.contacts != theirs]
        after += GapFinder(H, today=self.today, reach=self.finder.reach, like=self.finder,
                           cadence_policy=self.cadence_policy).run({"divisions"})
        return _difference(self.base, after, {"divisions"})

    def _divisions_may_change(self, team_key: str, contact: str) -> bool:
        """False when a relationship ``team_key`` → ``contact`` leaves the division gaps'
        keys as they were (:mod:`graph.analysis.divisions`): its maker has no division,
        ``contact`` does not decide, two divisions knew them already, or the one division
        that knew them is the maker's and its strongest tie stays the same person."""
        unit = division_of(self.G, team_key)
        if unit is None or contact not in self._deciders:
            return False
        if self._ties is None:  # strengths read now: trying a renewal changes the edge's data in place
            self._ties = {c: {u: [(t, tie_strength(d)) for t, d in rows] for u, rows in by_unit.items()}
                          for c, by_unit in division_ties(self.G).items()}
            for o in v.opportunities(self.G):
                division = deal_division(self.G, o)[1]
                for m in v.opportunity_members(self.G, o) if division else ():
                    self._deal_divisions.setdefault(m, set()).add(division)
        ties = self._ties.get(contact, {})
        if len(ties) >= 2:
            return False  # overlap before and after; no orphan
        if not ties:  # an orphan opens in each deal of another division
            return bool(self._deal_divisions.get(contact, set()) - {unit})
        if unit not in ties:
            return True  # an overlap opens
        previous = self.G.edges[team_key, contact, EdgeType.RELATIONSHIP].get("strength") \
            if self.G.has_edge(team_key, contact, EdgeType.RELATIONSHIP) else None
        renewed = tie_strength({"strength": max(self.new_strength, previous or 0.0)})  # as relate() sets it
        rows = [(t, s) for t, s in ties[unit] if t != team_key] + [(team_key, renewed)]
        return min(rows, key=lambda row: (-row[1], row[0]))[0] != ties[unit][0][0]

    def _reach_may_change(self, team_key: str, contact: str, strength: float) -> bool:
        """False when the edge ``team_key`` → ``contact`` of ``strength`` cannot change the
        reach family: it is already there as strong, or no watched node (see ``__init__``)
        is within the cutoff through it. (Only deciders and, when there are threads, the
        contacts we reach decide that family: a contact newly reached changes nothing else.)"""
        reach = self.finder.reach
        if strength == reach.strength(team_key, contact) and strength <= 1.0:
            return False  # the same reach graph
        if self._to_watched is None:
            return False
        at_c = reach.dist[reach.index[team_key]] + (-math.log(strength) + 1e-12)  # as Dijkstra adds (_reach._EPS)
        return bool(at_c + self._to_watched[reach.index[contact]] <= reach.cutoff + _MARGIN)


def _difference(base: list[Gap], after: list[Gap], families: set[str]) -> tuple[list[Gap], list[Gap]]:
    """``(closed, opened)``: the base gaps of ``families`` whose key is gone, the new keys' gaps."""
    before = {g.key: g for g in base if FAMILY[g.type] in families}
    now = {g.key: g for g in after}
    return [g for k, g in before.items() if k not in now], [g for k, g in now.items() if k not in before]


def stance_families(previous: int | None, stance: int) -> set[str]:
    """The gap families a stance change from ``previous`` to ``stance`` can affect."""
    families = set()
    if previous is None:
        families.add("unknown")
    if previous == -1:
        families |= {"opposed", "reach"}  # no longer opposes; now carries paths
    if stance >= 1 > (previous if previous is not None else 0):
        families |= {"opposed", "lines", "reach"}  # a new supporter: counter-weight, line, cut point
    if stance == COACH:
        families.add("coaches")
    if stance >= 2 > (previous if previous is not None else 0):
        families.add("competitors")  # prefers us now: no longer the rival's coach
    return families


def raised(stance: int | None) -> int:
    return 0 if stance is None else min(stance + 1, COACH)


def carried_from(G: nx.MultiDiGraph, contact: str, nodes: dict) -> list[tuple[str, str, float]]:
    """The reach edges ``(contact, w, cost)`` an opponent who turns carries again."""
    best: dict[str, float] = {}
    for _, w, strength, _ in v.carried_edges(G, source=contact):
        if w in nodes:
            best[w] = max(best.get(w, 0.0), strength)
    return [(contact, w, -math.log(min(s, 1.0))) for w, s in best.items()]


def relate(G: nx.MultiDiGraph, t: str, c: str, strength: float, today: dt.date) -> Callable[[], None]:
    """Add (or renew) the relationship t → c in G; return the undo, which leaves G as it
    was, down to the order of its edges and the identity of their data."""
    key = EdgeType.RELATIONSHIP
    previous = dict(G.edges[t, c, key]) if G.has_edge(t, c, key) else None
    G.add_edge(t, c, key=key, type=key, strength=max(strength, (previous or {}).get("strength") or 0.0),
               last_interaction=today.isoformat())  # a renewal changes the edge's data in place

    def undo() -> None:
        if previous is None:
            G.remove_edge(t, c, key=key)
        else:
            data = G.edges[t, c, key]
            data.clear()
            data.update(previous)
    return undo
