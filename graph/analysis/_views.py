"""Views of an account subgraph shared by the analyses: who is who, and how influence
travels (the reach graph). Private to :mod:`graph.analysis`."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import networkx as nx

from graph.subgraph import EdgeType, NodeKind
from graph.vocabulary import COACH, BuyingRole, InfluenceKind, Level

#: Strength assumed for a relationship or influence edge whose strength was not given.
DEFAULT_STRENGTH = 0.5
#: Strength of a reporting line, in both directions, unless an analysis is told otherwise.
REPORTS_TO_WEIGHT = 0.5
SUPPORT = 1  # stance at or above which a contact supports us


def contacts(G: nx.MultiDiGraph, *, internal: bool = True) -> list[str]:
    """Contact nodes; ``internal`` leaves out managers from outside the account."""
    return [n for n, d in G.nodes(data=True)
            if d["kind"] == NodeKind.CONTACT and not (internal and d.get("external"))]


def team(G: nx.MultiDiGraph) -> list[str]:
    return [n for n, d in G.nodes(data=True) if d["kind"] == NodeKind.TEAM]


def accounts(G: nx.MultiDiGraph) -> list[str]:
    return [n for n, d in G.nodes(data=True) if d["kind"] == NodeKind.ACCOUNT]


def opportunities(G: nx.MultiDiGraph) -> list[str]:
    return [n for n, d in G.nodes(data=True) if d["kind"] == NodeKind.OPPORTUNITY]


def stance(G: nx.MultiDiGraph, node: str) -> int | None:
    return G.nodes[node].get("stance")


def is_coach(G: nx.MultiDiGraph, node: str) -> bool:
    return stance(G, node) == COACH


def is_supporter(G: nx.MultiDiGraph, node: str) -> bool:
    s = stance(G, node)
    return s is not None and s >= SUPPORT


def is_opponent(G: nx.MultiDiGraph, node: str) -> bool:
    return stance(G, node) == -1


def has_role(G: nx.MultiDiGraph, node: str, role: BuyingRole) -> bool:
    return role.value in (G.nodes[node].get("roles") or ())


def is_executive(G: nx.MultiDiGraph, node: str) -> bool:
    return G.nodes[node].get("level") == Level.EXECUTIVE.value


def deciders(G: nx.MultiDiGraph, *, internal: bool = True) -> list[str]:
    """Contacts with the decider role, or marked decider in an opportunity."""
    marked = {v for _, v, d in G.edges(data=True) if d["type"] == EdgeType.INVOLVES and d.get("is_decider")}
    return [c for c in contacts(G, internal=internal) if c in marked or has_role(G, c, BuyingRole.DECIDER)]


def opportunity_members(G: nx.MultiDiGraph, opportunity: str) -> dict[str, dict[str, Any]]:
    """contact → its involvement (role, is_decider) in one opportunity."""
    return {v: d for _, v, d in G.out_edges(opportunity, data=True) if d["type"] == EdgeType.INVOLVES}


def account_of(G: nx.MultiDiGraph, node: str) -> str | None:
    """The account node a contact, department or opportunity belongs to."""
    account_id = G.nodes[node].get("account_id")
    return f"{NodeKind.ACCOUNT}:{account_id}" if account_id else None


def department_kind(G: nx.MultiDiGraph, contact: str) -> str | None:
    department = G.nodes[contact].get("department_id")
    key = f"{NodeKind.DEPARTMENT}:{department}"
    return G.nodes[key].get("department_kind") if department and key in G else None


def our_executives(G: nx.MultiDiGraph) -> list[str]:
    """Our team members of executive role or top rank (1-2)."""
    return [t for t in team(G) if G.nodes[t].get("role") == "executive" or (G.nodes[t].get("rank") or 99) <= 2]


def relationships(G: nx.MultiDiGraph) -> list[tuple[str, str, dict]]:
    return [(u, v, d) for u, v, d in G.edges(data=True) if d["type"] == EdgeType.RELATIONSHIP]


def reach_graph(G: nx.MultiDiGraph, *, reports_to_weight: float = REPORTS_TO_WEIGHT,
                drop: Iterable[str] = ()) -> nx.DiGraph:
    """How influence travels from our team to the customer's people.

    Edges: team → contact (relationship strength), contact → contact (influence weight;
    rival edges left out) and reporting lines in both directions at
    ``reports_to_weight``. A contact who opposes us (stance -1) carries nothing
    forward: it keeps its incoming edges only. Each edge has ``strength`` (the best of
    the parallel edges), ``type`` and ``cost`` = -log(strength), so the cheapest path is
    the strongest. Nodes in ``drop`` are left out (to ask "what if we lose them").
    """
    R = nx.DiGraph()
    dropped = set(drop)
    for n, d in G.nodes(data=True):
        if d["kind"] in (NodeKind.CONTACT, NodeKind.TEAM) and n not in dropped:
            R.add_node(n)

    def offer(u: str, v: str, strength: float | None, edge_type: str) -> None:
        if u not in R or v not in R or u == v:
            return
        s = DEFAULT_STRENGTH if strength is None else float(strength)
        if s <= 0 or (G.nodes[u]["kind"] == NodeKind.CONTACT and is_opponent(G, u)):
            return
        if not R.has_edge(u, v) or R[u][v]["strength"] < s:
            R.add_edge(u, v, strength=s, type=edge_type, cost=-math.log(min(s, 1.0)))

    for u, v, d in G.edges(data=True):
        t = d["type"]
        if t == EdgeType.RELATIONSHIP:
            offer(u, v, d.get("strength"), t)
        elif t == EdgeType.INFLUENCES and d.get("influence_kind") != InfluenceKind.RIVAL.value:
            offer(u, v, d.get("weight"), t)
        elif t == EdgeType.REPORTS_TO and reports_to_weight > 0:
            offer(u, v, reports_to_weight, t)
            offer(v, u, reports_to_weight, "manages")
    return R


def person(G: nx.MultiDiGraph, node: str) -> dict[str, Any]:
    """id, name, kind and (for contacts) title, stance and roles: enough to explain."""
    d = G.nodes[node]
    row = {"id": d["id"], "name": d.get("name"), "kind": d["kind"]}
    if d["kind"] == NodeKind.CONTACT:
        row.update(title=d.get("title"), stance=d.get("stance"), roles=list(d.get("roles") or ()))
    elif d["kind"] == NodeKind.TEAM:
        row.update(role=d.get("role"))
    return row


def name(G: nx.MultiDiGraph, node: str) -> str:
    d = G.nodes[node]
    title = d.get("title")
    return f"{d.get('name') or d['id']}" + (f" ({title})" if title else "")
