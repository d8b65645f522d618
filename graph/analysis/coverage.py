"""Coach coverage: do we have a coach, and does a coach reach each decision maker?

A coach (stance 3) *reaches* a decider within ``hops`` steps along influence edges
(not rival) and reporting lines in either direction, never through someone who opposes
us; a coach who is a decider covers themself. Per line (purchasing, design, user …) the
coverage is the share of that line's deciders reached by any coach, from whatever line:
a purchasing coach who reaches the president covers the management line. A line without
deciders has no coverage (None, shown "n/a"), not 0 %.
"""

from __future__ import annotations

from typing import Any

import networkx as nx

from graph.analysis._reach import Reach
from graph.analysis._views import contacts, deciders, department_kinds, is_coach, opportunity_members, shared
from graph.subgraph import split_key
from graph.vocabulary import THREE_LINES, DepartmentKind

__all__ = ["coach_coverage", "coach_reach"]


def coach_reach(G: nx.MultiDiGraph, *, hops: int = 2, reach: Reach | None = None) -> dict[str, set[str]]:
    """coach node → the decider nodes it reaches within ``hops`` (``reach``: a prepared
    :class:`~graph.analysis._reach.Reach` over the account's reach graph)."""
    reach = reach or Reach.of(G)
    coaches = [c for c in contacts(G, internal=False) if is_coach(G, c) and c in reach.index]
    targets = set(deciders(G))
    return {coach: targets & near for coach, near in reach.within(coaches, hops).items()}


def coach_coverage(G: nx.MultiDiGraph, *, hops: int = 2) -> dict[str, Any]:
    """Coaches, deciders and the share of deciders a coach reaches — for the account,
    per department kind (the three lines first) and per opportunity.

    Returns
    -------
    dict
        ``coaches``, ``deciders``, ``covered_deciders`` (ids), ``coverage`` (0..1; 0 when
        there is no decider), ``reach`` (coach id → decider ids it reaches),
        ``by_department`` (line → ``coaches`` of that line, its ``deciders``, the
        ``covered_deciders`` any coach reaches, ``covering_coaches``, and ``coverage``:
        None for a line without deciders) and ``by_opportunity``.

    Examples
    --------
    >>> from graph.subgraph import build_account_graph
    >>> G = build_account_graph("A", accounts=[{"id": "A", "name": "A"}], departments=[],
    ...     contacts=[{"id": "coach", "account_id": "A", "name": "C", "stance": 3, "reports_to": None},
    ...               {"id": "mid", "account_id": "A", "name": "M", "stance": 0, "reports_to": None},
    ...               {"id": "boss", "account_id": "A", "name": "B", "roles": ("decider",), "reports_to": None}],
    ...     team=[], relationships=[], opportunities=[], opportunity_members=[],
    ...     influence=[{"source_id": "coach", "target_id": "mid", "weight": 0.5, "kind": "advice"},
    ...                {"source_id": "mid", "target_id": "boss", "weight": 0.5, "kind": "advice"}])
    >>> coach_coverage(G)["covered_deciders"], coach_coverage(G, hops=1)["coverage"]
    (['boss'], 0.0)
    """
    with shared(G):
        return _coverage(G, hops)


def _coverage(G: nx.MultiDiGraph, hops: int) -> dict[str, Any]:
    reach = coach_reach(G, hops=hops)
    own = set(contacts(G))
    coaches = sorted(c for c in reach if c in own)
    decider_nodes = sorted(deciders(G))

    def summary(coach_nodes: list[str], decider_list: list[str]) -> dict[str, Any]:
        covered = covered_by(coach_nodes)
        hit = sorted(d for d in decider_list if d in covered)
        return {"coaches": _ids(coach_nodes), "deciders": _ids(decider_list), "covered_deciders": _ids(hit),
                "coverage": round(len(hit) / len(decider_list), 4) if decider_list else 0.0}

    def covered_by(coach_nodes: list[str]) -> set[str]:
        return set().union(*(reach[c] for c in coach_nodes)) if coach_nodes else set()

    result = summary(list(reach), decider_nodes)  # coaches anywhere (a group's) may cover us
    result["coaches"] = _ids(coaches)
    result["reach"] = {split_key(c)[1]: _ids(sorted(reach[c])) for c in sorted(reach)}
    kinds = [k.value for k in THREE_LINES] + [k.value for k in DepartmentKind if k not in THREE_LINES]
    by_kind = {}
    everyone = list(reach)
    kind_of, decider_set = department_kinds(G), set(decider_nodes)
    lines: dict[str | None, list[str]] = {}
    for c in own:
        lines.setdefault(kind_of[c], []).append(c)
    for kind in kinds:
        members = lines.get(kind, [])
        if members or kind in (k.value for k in THREE_LINES):
            line_deciders = sorted(c for c in members if c in decider_set)
            line_set = set(line_deciders)
            # a line's deciders count as covered when any coach reaches them, whatever
            # the coach's own line; a line without deciders has no coverage to speak of
            row = summary(everyone, line_deciders)
            row["coaches"] = _ids(sorted(c for c in members if c in reach))
            row["covering_coaches"] = _ids(sorted(c for c in everyone if reach[c] & line_set))
            if not line_deciders:
                row["coverage"] = None
            by_kind[kind] = row
    result["by_department"] = by_kind
    by_opportunity = {}
    for opp in sorted(n for n, d in G.nodes(data=True) if d["kind"] == "opportunity"):
        members = opportunity_members(G, opp)
        opp_deciders = sorted(m for m, d in members.items() if d.get("is_decider") or d.get("role") == "decider")
        opp_coaches = sorted(c for c in reach if c in members or reach[c] & set(opp_deciders))
        by_opportunity[split_key(opp)[1]] = summary(opp_coaches, opp_deciders)
    result["by_opportunity"] = by_opportunity
    return result


def _ids(nodes: list[str]) -> list[str]:
    return [split_key(n)[1] for n in nodes]
