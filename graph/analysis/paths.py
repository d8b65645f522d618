"""Influence paths: how our people reach a customer's decision makers.

A path's strength is the product of its edges' strengths: relationship strength (team
member → contact), influence weight (contact → contact) and reporting lines in both
directions at a configurable weight. Rival influence edges and contacts who oppose us
(stance -1) never carry a path forward.
"""

from __future__ import annotations

import math
from itertools import islice
from typing import Any

import networkx as nx

from graph.analysis._views import REPORTS_TO_WEIGHT, US, reach_graph
from graph.exceptions import ContactNotFound, TeamMemberNotFound
from graph.subgraph import NodeKind, node_key, split_key

__all__ = ["strongest_paths"]

def strongest_paths(G: nx.MultiDiGraph, target: str, *, source: str | None = None, k: int = 3,
                    reports_to_weight: float = REPORTS_TO_WEIGHT) -> list[dict[str, Any]]:
    """The strongest path from our team (or one team member) to a contact, and the ``k``
    next-best simple paths, strongest first.

    Parameters
    ----------
    G : MultiDiGraph
        An account subgraph.
    target : str
        The contact's id.
    source : str, optional
        One team member's id; by default any of our team.
    k : int
        How many next-best paths to add to the strongest one.
    reports_to_weight : float
        The strength of a reporting line (either direction).

    Returns
    -------
    list of dict
        ``{"strength": float, "steps": [{"from", "to", "type", "strength"}, …]}``; empty
        when no path exists. ``type`` is ``relationship``, ``influences``,
        ``reports_to`` (up the line) or ``manages`` (down the line).

    Raises
    ------
    ContactNotFound, TeamMemberNotFound

    Examples
    --------
    >>> from graph.subgraph import build_account_graph
    >>> G = build_account_graph("A", accounts=[{"id": "A", "name": "A"}], departments=[],
    ...     contacts=[{"id": "x", "account_id": "A", "name": "X", "reports_to": None, "stance": 1},
    ...               {"id": "boss", "account_id": "A", "name": "Boss", "reports_to": None, "stance": 0}],
    ...     team=[{"id": "am", "name": "AM"}], relationships=[{"team_id": "am", "contact_id": "x", "strength": 0.8}],
    ...     influence=[{"source_id": "x", "target_id": "boss", "weight": 0.5, "kind": "advice"}],
    ...     opportunities=[], opportunity_members=[])
    >>> [round(p["strength"], 2) for p in strongest_paths(G, "boss")]
    [0.4]
    """
    target_key = node_key(NodeKind.CONTACT, target)
    if target_key not in G:
        raise ContactNotFound(target)
    if source is not None and node_key(NodeKind.TEAM, source) not in G:
        raise TeamMemberNotFound(source)
    R = reach_graph(G, reports_to_weight=reports_to_weight)
    if source:
        R.remove_edges_from([(US, t) for t in list(R.successors(US)) if t != node_key(NodeKind.TEAM, source)])
    if not nx.has_path(R, US, target_key):
        return []
    paths = []
    for nodes in islice(nx.shortest_simple_paths(R, US, target_key, weight="cost"), k + 1):
        steps = [{"from": split_key(u)[1], "to": split_key(v)[1], "type": R[u][v]["type"],
                  "strength": R[u][v]["strength"]} for u, v in zip(nodes[1:], nodes[2:])]
        paths.append({"strength": math.prod(s["strength"] for s in steps), "steps": steps})
    return paths
