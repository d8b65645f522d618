"""Views of an account subgraph shared by the analyses: who is who, and how influence
travels (the reach graph). Private to :mod:`graph.analysis`."""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import networkx as nx

from graph.subgraph import EdgeType, NodeKind
from graph.vocabulary import COACH, BuyingRole, InfluenceKind, Level

#: Strength assumed for a relationship or influence edge whose strength was not given.
DEFAULT_STRENGTH = 0.5
#: Strength of a reporting line, in both directions, unless an analysis is told otherwise.
REPORTS_TO_WEIGHT = 0.5
SUPPORT = 1  # stance at or above which a contact supports us
# enum values read once: the hot loops below compare plain strings
_RIVAL = InfluenceKind.RIVAL.value
_EXECUTIVE = Level.EXECUTIVE.value


def contacts(G: nx.MultiDiGraph, *, internal: bool = True) -> list[str]:
    """Contact nodes; ``internal`` leaves out managers from outside the account."""
    return _nodes(G, NodeKind.CONTACT, internal)


def team(G: nx.MultiDiGraph) -> list[str]:
    return _nodes(G, NodeKind.TEAM)


def accounts(G: nx.MultiDiGraph) -> list[str]:
    return _nodes(G, NodeKind.ACCOUNT)


def opportunities(G: nx.MultiDiGraph) -> list[str]:
    return _nodes(G, NodeKind.OPPORTUNITY)


def _nodes(G: nx.MultiDiGraph, kind: str, internal: bool = False) -> list[str]:
    """The nodes of one kind in G's order (``internal``: without external ones), listed once
    within a :func:`shared` block (no analysis adds or removes nodes in one)."""
    def listed() -> list[str]:
        return [n for n, d in G._node.items() if d["kind"] == kind and not (internal and d.get("external"))]
    if _cache(G) is None:
        return listed()
    return list(_memo(G, ("nodes", kind, internal), listed))  # a copy: callers may change theirs


def stance(G: nx.MultiDiGraph, node: str) -> int | None:
    return G._node[node].get("stance")


def is_coach(G: nx.MultiDiGraph, node: str) -> bool:
    return G._node[node].get("stance") == COACH  # stance(), inlined: asked of every contact


def is_supporter(G: nx.MultiDiGraph, node: str) -> bool:
    s = G._node[node].get("stance")
    return s is not None and s >= SUPPORT


def is_opponent(G: nx.MultiDiGraph, node: str) -> bool:
    return G._node[node].get("stance") == -1


def has_role(G: nx.MultiDiGraph, node: str, role: BuyingRole) -> bool:
    return role._value_ in (G._node[node].get("roles") or ())  # _value_: no enum descriptor


def is_executive(G: nx.MultiDiGraph, node: str) -> bool:
    return G._node[node].get("level") == _EXECUTIVE


def deciders(G: nx.MultiDiGraph, *, internal: bool = True) -> list[str]:
    """Contacts with the decider role, or marked decider in an opportunity."""
    return list(_memo(G, ("deciders", internal), lambda: _deciders(G, internal)))


def _deciders(G: nx.MultiDiGraph, internal: bool) -> list[str]:
    marked = {v for o in opportunities(G) for _, v, d in G.out_edges(o, data=True)
              if d["type"] == EdgeType.INVOLVES and d.get("is_decider")}
    return [c for c in contacts(G, internal=internal) if c in marked or has_role(G, c, BuyingRole.DECIDER)]


def opportunity_members(G: nx.MultiDiGraph, opportunity: str) -> dict[str, dict[str, Any]]:
    """contact → its involvement (role, is_decider) in one opportunity."""
    return {v: d for _, v, d in G.out_edges(opportunity, data=True) if d["type"] == EdgeType.INVOLVES}


def account_of(G: nx.MultiDiGraph, node: str) -> str | None:
    """The account node a contact, department or opportunity belongs to."""
    account_id = G._node[node].get("account_id")
    return f"{NodeKind.ACCOUNT}:{account_id}" if account_id else None


def accounts_of(G: nx.MultiDiGraph) -> dict[str, str | None]:
    """node → :func:`account_of` it, for every node, shared within a :func:`shared` block."""
    return _memo(G, "accounts_of", lambda: {n: f"{NodeKind.ACCOUNT}:{d['account_id']}" if d.get("account_id") else None
                                            for n, d in G._node.items()})  # account_of(G, n), inlined


def related_contacts(G: nx.MultiDiGraph) -> set[str]:
    """The contacts one of our team has a relationship with (read from the adjacency: no edge data)."""
    succ = G._succ
    return {c for t in team(G) for c, keys in succ[t].items() if EdgeType.RELATIONSHIP in keys}


def department_kind(G: nx.MultiDiGraph, contact: str) -> str | None:
    kinds = (_cache(G) or {}).get("department_kinds")
    if kinds is not None and contact in kinds:
        return kinds[contact]
    return _department_kind(G, contact)


def department_kinds(G: nx.MultiDiGraph) -> dict[str, str | None]:
    """contact → the kind of its department (None without one), shared within a :func:`shared` block."""
    return _memo(G, "department_kinds", lambda: {c: _department_kind(G, c) for c in contacts(G, internal=False)})


def _department_kind(G: nx.MultiDiGraph, contact: str) -> str | None:
    department = G._node[contact].get("department_id")
    if not department:
        return None
    data = G._node.get(f"{NodeKind.DEPARTMENT}:{department}")
    return data.get("department_kind") if data is not None else None


def our_executives(G: nx.MultiDiGraph) -> list[str]:
    """Our team members of executive role or top rank (1-2)."""
    nodes = G._node
    return [t for t in team(G) if nodes[t].get("role") == "executive" or (nodes[t].get("rank") or 99) <= 2]


def relationships(G: nx.MultiDiGraph) -> list[tuple[str, str, dict]]:
    """(team member, contact, edge data) of every relationship."""
    succ, relationship = G._succ, EdgeType.RELATIONSHIP  # G's adjacency, in out_edges order
    return [(t, c, d) for t in team(G) for c, keyed in succ[t].items() for d in keyed.values()
            if d["type"] == relationship]


#: The node of the reach graph that stands for "us": it links to every team member.
US = "__us__"
_SHARED = "_powermap_shared_views"


@contextmanager
def shared(G: nx.MultiDiGraph) -> Iterator[None]:
    """Within the block, what the analyses derive from ``G`` alone (the reach edges, the
    deciders, the contacts' department kinds) is computed once and shared — by a gap
    report, the coverage and next moves it draws on, a roll-up, one request or one
    portfolio step. Nested blocks share the outer one's; everything is forgotten when
    the outermost block ends, so ``G`` may be changed between two analyses. Inside a
    block ``G`` must not change except where an analysis restores it and passes its own
    reach (next moves trying candidates)."""
    if _cache(G) is not None:
        yield
        return
    G.graph[_SHARED] = (id(G), {})
    try:
        yield
    finally:
        G.graph.pop(_SHARED, None)


def _cache(G: nx.MultiDiGraph) -> dict | None:
    """The open block's cache of ``G``, or None. The entry in ``G.graph`` names the graph
    that opened the block: a copy of ``G`` made inside it (``G.copy()``, a subgraph view,
    ``nx.DiGraph(G)``) carries the entry in its own graph dict but is not that graph, so
    it reads nothing cached for ``G``."""
    entry = G.graph.get(_SHARED)
    return entry[1] if entry is not None and entry[0] == id(G) else None


def _memo(G: nx.MultiDiGraph, key: Hashable, build: Callable[[], Any]) -> Any:
    cache = _cache(G)
    if cache is None:
        return build()
    if key not in cache:
        cache[key] = build()
    return cache[key]


def reach_edges(G: nx.MultiDiGraph, *, reports_to_weight: float = REPORTS_TO_WEIGHT,
                drop: Iterable[str] = ()) -> tuple[list[str], list[tuple[str, str, float, str]]]:
    """The reach graph as lists: its nodes (:data:`US` first) and its edges ``(u, w, strength,
    type)`` in the order :func:`reach_graph` gives them (``R.edges()``), shared within a
    :func:`shared` block. See :func:`reach_graph` for what travels where."""
    dropped = tuple(sorted(set(drop)))

    def listed() -> tuple[list[str], list[tuple[str, str, float, str]]]:
        nodes, rows = reach_rows(G, reports_to_weight=reports_to_weight, drop=dropped)
        return nodes, [(u, w, s, t) for u, row in zip(nodes, rows) for w, (s, t) in row.items()]
    return _memo(G, ("reach", reports_to_weight, dropped), listed)


def reach_rows(G: nx.MultiDiGraph, *, reports_to_weight: float = REPORTS_TO_WEIGHT,
               drop: Iterable[str] = ()) -> tuple[list[str], list[dict[str, tuple[float, str]]]]:
    """:func:`reach_edges` by start node: the nodes (:data:`US` first) and, for each, its
    out-edges as ``{w: (strength, type)}`` in the same order — what the reach matrix is
    made of, with no tuple per edge. Shared within a :func:`shared` block: do not change them."""
    dropped = tuple(sorted(set(drop)))
    return _memo(G, ("reach rows", reports_to_weight, dropped),
                 lambda: _reach_rows(G, reports_to_weight, set(dropped)))


def _reach_rows(G: nx.MultiDiGraph, reports_to_weight: float,
                dropped: set[str]) -> tuple[list[str], list[dict[str, tuple[float, str]]]]:
    # read straight from G's node and adjacency dicts (no NetworkX views: this is the hot
    # loop of every analysis); the same edges, in the same order, as carried_edges gives
    contact, team_kind = NodeKind.CONTACT, NodeKind.TEAM
    nodes, ours, opponents = [US], {}, set()
    for n, d in G._node.items():
        kind = d["kind"]
        if (kind == contact or kind == team_kind) and n not in dropped:
            nodes.append(n)
            if kind == team_kind:
                ours[n] = (1.0, "us")
            elif d.get("stance") == -1:
                opponents.add(n)
    # u → w → (the best strength, its edge type), each u's row in the order its edges came
    # first: R.edges() lists each node's out-edges together, nodes in order
    best: dict[str, dict[str, tuple[float, str]]] = {n: {} for n in nodes}
    best[US] = ours
    relationship, influences, reports_to = EdgeType.RELATIONSHIP, EdgeType.INFLUENCES, EdgeType.REPORTS_TO
    for u, neighbours in G._succ.items():
        out = best.get(u)
        if out is None:
            continue
        carries = u not in opponents
        for w, keyed in neighbours.items():
            back = best.get(w)
            if back is None:
                continue
            for d in keyed.values():
                t = d["type"]
                if t == relationship:
                    s = d.get("strength")
                elif t == influences and d.get("influence_kind") != _RIVAL:
                    s = d.get("weight")
                elif t == reports_to and reports_to_weight > 0:
                    if carries:
                        _offer(out, w, reports_to_weight, t)
                    if w not in opponents:
                        _offer(back, u, reports_to_weight, "manages")
                    continue
                else:
                    continue
                s = DEFAULT_STRENGTH if s is None else float(s)
                if carries and s > 0 and u != w:  # _offer(out, w, s, t), inlined: most edges pass here
                    old = out.get(w)
                    if old is None or old[0] < s:
                        out[w] = (s, t)
    return nodes, [best[n] for n in nodes]


def _offer(row: dict[str, tuple[float, str]], w: str, strength: float, edge_type: str) -> None:
    """Keep the edge to ``w`` in ``row`` when it is stronger than the one there."""
    old = row.get(w)
    if old is None or old[0] < strength:
        row[w] = (strength, edge_type)


def reach_graph(G: nx.MultiDiGraph, *, reports_to_weight: float = REPORTS_TO_WEIGHT,
                drop: Iterable[str] = ()) -> nx.DiGraph:
    """How influence travels from our team to the customer's people.

    Edges: team → contact (relationship strength), contact → contact (influence weight;
    rival edges left out) and reporting lines in both directions at
    ``reports_to_weight``. A contact who opposes us (stance -1) carries nothing
    forward: it keeps its incoming edges only. Each edge has ``strength`` (the best of
    the parallel edges), ``type`` and ``cost`` = -log(strength), so the cheapest path is
    the strongest. The node :data:`US` links to every team member at cost 0. Nodes in
    ``drop`` are left out (to ask "what if we lose them").
    """
    nodes, rows = reach_rows(G, reports_to_weight=reports_to_weight, drop=drop)
    # the DiGraph's own dicts filled as add_nodes_from / add_edges_from would fill them
    # (one edge per pair: the rows hold the best), without their per-edge cost
    R = nx.DiGraph()
    R._node.update((n, {}) for n in nodes)
    succ, pred = R._succ, R._pred
    pred.update((n, {}) for n in nodes)
    for u, row in zip(nodes, rows):
        out = succ[u] = {}
        for w, (s, t) in row.items():
            out[w] = pred[w][u] = {"strength": s, "type": t, "cost": -math.log(min(s, 1.0))}
    return R


def carried_edges(G: nx.MultiDiGraph, *, reports_to_weight: float = REPORTS_TO_WEIGHT,
                  source: str | None = None) -> list[tuple[str, str, float, str]]:
    """``(u, v, strength, type)`` of every edge that can carry influence (all of them, or
    those leaving ``source``), before opponents are taken out."""
    edges = G.edges(data=True) if source is None else _around(G, source)
    out = []
    for u, w, d in edges:
        t = d["type"]
        if t == EdgeType.RELATIONSHIP:
            s = d.get("strength")
        elif t == EdgeType.INFLUENCES and d.get("influence_kind") != _RIVAL:
            s = d.get("weight")
        elif t == EdgeType.REPORTS_TO and reports_to_weight > 0:
            if source is None or u == source:
                out.append((u, w, reports_to_weight, t))
            if source is None or w == source:
                out.append((w, u, reports_to_weight, "manages"))
            continue
        else:
            continue
        s = DEFAULT_STRENGTH if s is None else float(s)
        if s > 0 and u != w and (source is None or u == source):
            out.append((u, w, s, t))
    return out


def _around(G: nx.MultiDiGraph, node: str) -> list:
    return [*G.out_edges(node, data=True), *G.in_edges(node, data=True)]


def person(G: nx.MultiDiGraph, node: str) -> dict[str, Any]:
    """id, name, kind and (for contacts) title, stance and roles: enough to explain."""
    d = G._node[node]
    row = {"id": d["id"], "name": d.get("name"), "kind": d["kind"]}
    if d["kind"] == NodeKind.CONTACT:
        row.update(title=d.get("title"), stance=d.get("stance"), roles=list(d.get("roles") or ()))
    elif d["kind"] == NodeKind.TEAM:
        row.update(role=d.get("role"))
    return row


def name(G: nx.MultiDiGraph, node: str) -> str:
    d = G._node[node]
    title = d.get("title")
    return f"{d.get('name') or d['id']}" + (f" ({title})" if title else "")
