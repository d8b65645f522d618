"""The competitor lens: which rival (友商) each contact leans to, the rivals' strongest
people around the deciders, and where our hold on a decider is thinner than theirs.

A contact leans to the competitor named in their ``competitor`` field unless they
support us more than rivals (stance 2 or 3: "supports us more than rivals" outranks the
field). For each decider:

* **ours** — the strength of our strongest path to them (the product of the steps, as
  in :func:`~graph.analysis.paths.strongest_paths`; 0 when we do not reach them);
* **theirs** — per rival: 1.0 when the decider leans to it, else the strongest single
  tie from someone leaning to it — an influence edge into the decider (rival-kind edges
  left out) or a reporting line at ``reports_to_weight``;
* **thinner** — some rival's hold is stronger than ours.

A rival's **strongest people** are its leaning deciders first, then the contacts with
the strongest ties into deciders (their "coaches"). Per opportunity the same is cut to
the unit's members and the deal's own named competitor is shown beside it.
"""

from __future__ import annotations

import math
from typing import Any

import networkx as nx

from graph.analysis import _views as v
from graph.analysis._reach import Reach
from graph.subgraph import EdgeType, NodeKind, split_key
from graph.vocabulary import InfluenceKind

__all__ = ["leans_to", "rival_ties", "competitor_lens"]

#: At or above this stance a contact supports us more than rivals, whatever their field says.
PREFERS_US = 2


def leans_to(G: nx.MultiDiGraph, contact: str) -> str | None:
    """The competitor a contact leans to (None when none, or when they prefer us)."""
    d = G._node[contact]
    rival = d.get("competitor")
    return rival if rival and (d.get("stance") is None or d["stance"] < PREFERS_US) else None


def rival_ties(G: nx.MultiDiGraph, decider: str, *, reports_to_weight: float = v.REPORTS_TO_WEIGHT
               ) -> list[tuple[str, str, float]]:
    """``(contact, rival, strength)`` of every tie into ``decider`` from someone leaning to
    a rival: influence edges (not rival-kind) and reporting lines either way."""
    ties = []
    # G's adjacency read directly, in in_edges / out_edges order
    incoming = [(u, e) for u, keyed in G._pred[decider].items() for e in keyed.values()]
    rival_kind = InfluenceKind.RIVAL.value
    for u, e in incoming:
        if e["type"] == EdgeType.INFLUENCES and e.get("influence_kind") != rival_kind:
            weight = e.get("weight")
            ties.append((u, v.DEFAULT_STRENGTH if weight is None else float(weight)))
    if reports_to_weight > 0:
        ties += [(u, reports_to_weight) for u, e in incoming if e["type"] == EdgeType.REPORTS_TO]
        ties += [(w, reports_to_weight) for w, keyed in G._succ[decider].items() for e in keyed.values()
                 if e["type"] == EdgeType.REPORTS_TO]
    out = []
    for u, strength in ties:
        rival = leans_to(G, u) if G._node[u]["kind"] == NodeKind.CONTACT and u != decider else None
        if rival:
            out.append((u, rival, strength))
    return out


def competitor_lens(G: nx.MultiDiGraph, *, reports_to_weight: float = v.REPORTS_TO_WEIGHT,
                    top: int = 5) -> dict[str, Any]:
    """Who leans to which rival, the rivals' strongest people, and where we are thinner.

    Parameters
    ----------
    G : MultiDiGraph
        An account subgraph.
    reports_to_weight : float
        Strength of a reporting line, for our paths and for the rivals' ties.
    top : int
        How many of each rival's strongest people to list.

    Returns
    -------
    dict
        ``account``; ``leaning`` (contact id → rival); ``competitors``: per rival (most
        people first) ``name``, ``contacts`` and ``deciders`` (ids leaning to it) and
        ``strongest`` (``id``, ``decider``, ``strength`` — their strongest tie into a
        decider, 1.0 for a leaning decider — and ``deciders``: whom they hold);
        ``deciders``: per decider ``id``, ``leans_to``, ``ours``, ``theirs`` (rival →
        strength), ``thinner``; ``opportunities``: per deal ``id``, ``name``,
        ``competitor`` (the deal's named rival), ``leaning`` (rival → member ids) and
        ``thinner`` (its deciders where a rival holds more than we do); ``counts``;
        ``names`` (id → "name (title)").

    Examples
    --------
    >>> from graph.subgraph import build_account_graph
    >>> G = build_account_graph("A", accounts=[{"id": "A", "name": "Acme"}], departments=[],
    ...     contacts=[{"id": "d", "account_id": "A", "name": "Li", "roles": ("decider",)},
    ...               {"id": "x", "account_id": "A", "name": "Xu", "competitor": "Rival"}],
    ...     team=[{"id": "t", "name": "Wu"}], relationships=[{"team_id": "t", "contact_id": "d", "strength": 0.3}],
    ...     influence=[{"source_id": "x", "target_id": "d", "weight": 0.8}], opportunities=[], opportunity_members=[])
    >>> [(r["id"], r["ours"], r["theirs"], r["thinner"]) for r in competitor_lens(G)["deciders"]]
    [('d', 0.3, {'Rival': 0.8}, True)]
    """
    reach = Reach.of(G, reports_to_weight=reports_to_weight)
    leaning = {c: rival for c in v.contacts(G) if (rival := leans_to(G, c))}
    deciders = sorted(v.deciders(G))
    rows, holds = [], {}  # holds: contact → [(decider, strength)]
    for d in deciders:
        theirs: dict[str, float] = {}
        if d in leaning:
            theirs[leaning[d]] = 1.0
            holds.setdefault(d, []).append((d, 1.0))
        for u, rival, strength in rival_ties(G, d, reports_to_weight=reports_to_weight):
            theirs[rival] = max(theirs.get(rival, 0.0), strength)
            holds.setdefault(u, []).append((d, strength))
        ours = _our_strength(reach, d)
        rows.append({"id": split_key(d)[1], "leans_to": leaning.get(d), "ours": ours,
                     "theirs": dict(sorted(theirs.items(), key=lambda kv: (-kv[1], kv[0]))),
                     "thinner": any(s > ours for s in theirs.values())})
    thinner = {r["id"] for r in rows if r["thinner"]}
    competitors = []
    for rival in sorted(set(leaning.values()), key=lambda r: (-sum(x == r for x in leaning.values()), r)):
        people = sorted(c for c, x in leaning.items() if x == rival)
        strong = sorted((c for c in people if c in holds),
                        key=lambda c: (-max(s for _, s in holds[c]), -len(holds[c]), c))[:top]
        competitors.append({
            "name": rival, "contacts": [split_key(c)[1] for c in people],
            "deciders": [split_key(c)[1] for c in people if c in deciders],
            "strongest": [{"id": split_key(c)[1], "decider": c in deciders,
                           "strength": round(max(s for _, s in holds[c]), 4),
                           "deciders": sorted({split_key(d)[1] for d, _ in holds[c]})} for c in strong]})
    opportunities = []
    for o in sorted(v.opportunities(G)):
        members = v.opportunity_members(G, o)
        by_rival: dict[str, list[str]] = {}
        for m in sorted(members):
            if m in leaning:
                by_rival.setdefault(leaning[m], []).append(split_key(m)[1])
        unit_deciders = {split_key(m)[1] for m, e in members.items() if e.get("is_decider") or m in deciders}
        opportunities.append({"id": split_key(o)[1], "name": G.nodes[o].get("name"),
                              "competitor": G.nodes[o].get("competitor"), "leaning": by_rival,
                              "thinner": sorted(unit_deciders & thinner)})
    ids = [*leaning, *deciders]
    return {"account": G.graph["account_id"], "leaning": {split_key(c)[1]: r for c, r in sorted(leaning.items())},
            "competitors": competitors, "deciders": rows, "opportunities": opportunities,
            "counts": {"contacts_leaning": len(leaning), "deciders_leaning": sum(d in leaning for d in deciders),
                       "deciders": len(deciders), "thinner": len(thinner)},
            "names": {split_key(c)[1]: v.name(G, c) for c in ids}}


def _our_strength(reach: Reach, node: str) -> float:
    i = reach.index.get(node)
    if i is None or not math.isfinite(reach.dist[i]):
        return 0.0
    return round(math.exp(-reach.dist[i]), 4)
