"""Group roll-up: coverage and gaps aggregated up the account hierarchy, so a group
customer shows which of its parts are covered (group → subsidiaries → bases → windows)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import networkx as nx

from graph.analysis import _views as v
from graph.analysis.competitors import leans_to
from graph.analysis.coverage import coach_reach
from graph.analysis.cadence import CadencePolicy
from graph.analysis.gaps import SEVERITIES, Gap, find_gaps
from graph.analysis.posture import account_postures
from graph.subgraph import NodeKind, node_key

__all__ = ["group_rollup"]

_COUNTS = ("contacts", "coaches", "supporters", "opponents", "deciders", "covered_deciders", "touched_contacts",
           "competitors")


def group_rollup(G: nx.MultiDiGraph, *, today: dt.date | None = None, gaps: list[Gap] | None = None,
                 cadence_policy: CadencePolicy | None = None) -> dict[str, Any]:
    """The account tree with, for every part, its own figures and the totals of its subtree.

    Parameters
    ----------
    G : MultiDiGraph
        A (group) account subgraph.
    today : date, optional
        Passed to :func:`find_gaps`.
    gaps : list of Gap, optional
        Gaps already found for ``G`` (found here otherwise).
    cadence_policy : CadencePolicy, optional
        Passed to :func:`find_gaps` (default: the shipped policy).

    Returns
    -------
    dict
        Nested ``{"id", "name", "kind", "own": {...}, "total": {...}, "accounts": [...]}``,
        where ``own`` and ``total`` hold ``contacts``, ``coaches``, ``supporters``,
        ``opponents``, ``deciders``, ``covered_deciders``, ``touched_contacts`` (contacts
        we have a relationship with), ``coverage`` (covered / deciders), ``gaps`` (by
        severity) and ``covered`` — true when at least one person there is reached by a
        relationship of ours; beside ``tier`` and the entered ``posture``: ``share_of_wallet``,
        ``suggested_posture``, ``effective_posture`` and ``posture_mismatch``
        (:mod:`graph.analysis.posture`), and in ``own``/``total`` ``competitors`` (the
        contacts leaning to a rival) and ``rivals`` (competitor → those contacts, most first).

    Examples
    --------
    >>> from graph.subgraph import build_account_graph
    >>> G = build_account_graph("G", accounts=[{"id": "G", "name": "Group"},
    ...     {"id": "S", "name": "Sub", "parent_id": "G"}], departments=[],
    ...     contacts=[{"id": "a", "account_id": "G", "name": "A", "stance": 3, "roles": ("decider",)},
    ...               {"id": "b", "account_id": "S", "name": "B", "roles": ("decider",), "reports_to": "a"}],
    ...     team=[{"id": "t", "name": "T"}], relationships=[{"team_id": "t", "contact_id": "a"}],
    ...     influence=[], opportunities=[], opportunity_members=[])
    >>> r = group_rollup(G)
    >>> r["total"]["coverage"], r["accounts"][0]["own"]["covered"]
    (1.0, False)
    """
    with v.shared(G):  # the gaps, the coaches' reach and the deciders share one reach structure
        return _rollup(G, today=today, gaps=gaps, cadence_policy=cadence_policy)


def _rollup(G: nx.MultiDiGraph, *, today: dt.date | None, gaps: list[Gap] | None,
            cadence_policy: CadencePolicy | None) -> dict[str, Any]:
    gaps = gaps if gaps is not None else find_gaps(G, today=today, cadence_policy=cadence_policy)
    reach = coach_reach(G)
    covered = set().union(*reach.values()) if reach else set()
    deciders = set(v.deciders(G))
    touched = {c for _, c, _ in v.relationships(G)}
    own: dict[str, dict[str, Any]] = {a: {k: 0 for k in _COUNTS} | {"gaps": {s: 0 for s in SEVERITIES}, "rivals": {}}
                                      for a in v.accounts(G)}
    account_of = v.accounts_of(G)
    for c in v.contacts(G):
        row = own[account_of[c]]
        row["contacts"] += 1
        row["coaches"] += v.is_coach(G, c)
        row["supporters"] += v.is_supporter(G, c)
        row["opponents"] += v.is_opponent(G, c)
        row["deciders"] += c in deciders
        row["covered_deciders"] += c in deciders and c in covered
        row["touched_contacts"] += c in touched
        rival = leans_to(G, c)
        if rival:
            row["competitors"] += 1
            row["rivals"][rival] = row["rivals"].get(rival, 0) + 1
    contact_account = {c.partition(":")[2]: account_of[c] for c in v.contacts(G)}  # split_key(c)[1]
    for gap in gaps:  # each gap counts once, where it lives: its (first) account or its last person's
        if gap.accounts:
            place = node_key(NodeKind.ACCOUNT, gap.accounts[0])
        else:
            place = next((contact_account[c] for c in reversed(gap.contacts) if c in contact_account), None)
        if place in own:
            own[place]["gaps"][gap.severity] += 1
    postures = {node_key(NodeKind.ACCOUNT, p["id"]): p for p in account_postures(G)}
    children: dict[str, list[str]] = {}
    for a in own:
        parent = G.nodes[a].get("parent_id")
        if parent and node_key(NodeKind.ACCOUNT, parent) in own:
            children.setdefault(node_key(NodeKind.ACCOUNT, parent), []).append(a)

    def node(a: str) -> dict[str, Any]:
        kids = [node(k) for k in sorted(children.get(a, ()))]
        total = {k: own[a][k] + sum(kid["total"][k] for kid in kids) for k in _COUNTS}
        total["gaps"] = {s: own[a]["gaps"][s] + sum(kid["total"]["gaps"][s] for kid in kids) for s in SEVERITIES}
        rivals = dict(own[a]["rivals"])
        for kid in kids:
            for rival, n in kid["total"]["rivals"].items():
                rivals[rival] = rivals.get(rival, 0) + n
        total["rivals"] = rivals
        return {"id": G.nodes[a]["id"], "name": G.nodes[a]["name"], "kind": G.nodes[a].get("account_kind"),
                "tier": G.nodes[a].get("tier"), "posture": G.nodes[a].get("posture"),
                "share_of_wallet": G.nodes[a].get("share_of_wallet"),
                "suggested_posture": postures[a]["suggested"], "effective_posture": postures[a]["effective"],
                "posture_mismatch": postures[a]["mismatch"],
                "own": _finish(own[a]), "total": _finish(total), "accounts": kids}

    return node(G.graph["root"])


def _finish(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    out["rivals"] = dict(sorted(row["rivals"].items(), key=lambda kv: (-kv[1], kv[0])))
    out["coverage"] = round(row["covered_deciders"] / row["deciders"], 4) if row["deciders"] else 0.0
    out["covered"] = row["touched_contacts"] > 0
    return out
