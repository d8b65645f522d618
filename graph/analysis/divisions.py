"""One customer across our divisions (事业部协同): which of our business units touch which
parts of the account, where two of them court the same decider, and which deciders only
another division than the deal's own knows.

A team member's division is their ``business_unit`` (team members without one are listed
as ``unassigned`` and take part in nothing below). A division **touches** a contact
through its members' relationships (the strongest relationship is its strength there;
the account's own contacts only, not managers outside it).

* **overlap** — a decider whom two or more divisions know: who, from which divisions,
  with which strengths and — when the interaction history is loaded — what each division
  last talked about with them (the subjects of its members' latest interactions);
* **orphan** — a decider of a deal whom exactly one division knows, and that division is
  not the deal's. A deal's division is its owner's (``owner_id`` on the opportunity, a
  team member) ``business_unit``: opportunities record no division of their own; a deal
  with no owner, or an owner without a division, has no orphans.

Both are ``division_gap`` findings of the gap report (:meth:`GapFinder.divisions
<graph.analysis.gaps.GapFinder.divisions>`). With no ``business_unit`` on anyone the view
says so in ``message`` and finds nothing.
"""

from __future__ import annotations

from typing import Any

import networkx as nx

from graph.analysis import _views as v
from graph.subgraph import NodeKind, node_key, split_key

__all__ = ["division_of", "division_ties", "deal_division", "overlaps", "orphans", "division_view",
           "tie_strength", "NO_DIVISIONS"]

#: What the view says when no team member of the account has a business unit.
NO_DIVISIONS = ("no team member on this account has a business_unit (事业部): set it on the team sheet "
                "to see which of our divisions touch whom")


def division_of(G: nx.MultiDiGraph, team_member: str) -> str | None:
    """The business unit of a team member node (None when not set)."""
    unit = G.nodes[team_member].get("business_unit") if team_member in G else None
    return unit.strip() or None if isinstance(unit, str) else None


def division_ties(G: nx.MultiDiGraph) -> dict[str, dict[str, list[tuple[str, dict]]]]:
    """contact node → division → ``[(team member node, relationship data), …]``, strongest
    first: every relationship of a team member with a division to one of the account's
    own contacts."""
    own = set(v.contacts(G))
    ties: dict[str, dict[str, list[tuple[str, dict]]]] = {}
    units = {t: division_of(G, t) for t in v.team(G)}
    for t, c, d in v.relationships(G):
        unit = units[t]
        if unit and c in own:
            by_unit = ties.get(c)
            if by_unit is None:
                ties[c] = {unit: [(t, d)]}
            elif unit in by_unit:
                by_unit[unit].append((t, d))
            else:
                by_unit[unit] = [(t, d)]
    for by_unit in ties.values():
        for rows in by_unit.values():
            if len(rows) > 1:  # most contacts have one tie per division: nothing to sort
                rows.sort(key=lambda td: (-tie_strength(td[1]), td[0]))
    return ties


def deal_division(G: nx.MultiDiGraph, opportunity: str) -> tuple[str | None, str | None]:
    """``(owner team member node, division)`` of an opportunity node (None where unknown)."""
    owner_id = G.nodes[opportunity].get("owner_id")
    owner = node_key(NodeKind.TEAM, owner_id) if owner_id else None
    return owner, (division_of(G, owner) if owner else None)


def overlaps(G: nx.MultiDiGraph, ties: dict | None = None) -> list[dict[str, Any]]:
    """Deciders two or more divisions know: ``decider`` (node) and ``divisions``
    (division → its ties, strongest first)."""
    ties = division_ties(G) if ties is None else ties
    return [{"decider": d, "divisions": dict(sorted(ties[d].items()))}
            for d in sorted(v.deciders(G)) if len(ties.get(d, {})) >= 2]


def orphans(G: nx.MultiDiGraph, ties: dict | None = None) -> list[dict[str, Any]]:
    """Deciders of a deal whom only one division knows, not the deal's: ``opportunity``,
    ``owner``, ``division`` (the deal's), ``decider``, ``known_by`` (the one division) and
    ``ties`` (its members' relationships, strongest first)."""
    ties = division_ties(G) if ties is None else ties
    deciders = set(v.deciders(G))
    out = []
    for o in sorted(v.opportunities(G)):
        owner, division = deal_division(G, o)
        if division is None:
            continue
        for m, e in sorted(v.opportunity_members(G, o).items()):
            known = ties.get(m, {})
            if (e.get("is_decider") or m in deciders) and len(known) == 1 and division not in known:
                (unit, rows), = known.items()
                out.append({"opportunity": o, "owner": owner, "division": division, "decider": m,
                            "known_by": unit, "ties": rows})
    return out


def division_view(G: nx.MultiDiGraph) -> dict[str, Any]:
    """Which of our divisions touch which parts, departments and deciders of an account.

    Parameters
    ----------
    G : MultiDiGraph
        An account subgraph.

    Returns
    -------
    dict
        ``account``; ``message`` (None, or why there is nothing to show); ``divisions``:
        per division (most relationships first) ``name``, ``team`` (ids), ``relationships``
        (count), ``accounts`` and ``departments`` (id → ``relationships``, ``strength`` —
        the strongest), ``deciders`` (id → strength); ``unassigned`` (team ids without a
        division); ``opportunities``: per deal ``id``, ``name``, ``owner``, ``division``;
        ``overlaps``: per decider ``id`` and ``divisions`` (per division ``name``,
        ``strength`` and ``team``: ``id``, ``strength``, ``last_interaction``,
        ``subjects``), ``messages_differ`` (the divisions talk about different things;
        None without history); ``orphans``: ``opportunity``, ``owner``, ``division``,
        ``decider``, ``known_by``, ``strength``, ``team``; ``counts``; ``names`` (id →
        "name (title)" of the contacts, team members, deals, accounts and departments named).

    Examples
    --------
    >>> from graph.subgraph import build_account_graph
    >>> G = build_account_graph("A", accounts=[{"id": "A", "name": "Acme"}], departments=[],
    ...     contacts=[{"id": "d", "account_id": "A", "name": "Li", "roles": ("decider",)}],
    ...     team=[{"id": "h", "name": "Wu", "business_unit": "Hydraulics"},
    ...           {"id": "e", "name": "Xu", "business_unit": "Controls"}],
    ...     relationships=[{"team_id": "h", "contact_id": "d", "strength": 0.7}],
    ...     influence=[], opportunities=[{"id": "O", "account_id": "A", "name": "Deal", "owner_id": "e"}],
    ...     opportunity_members=[{"opportunity_id": "O", "contact_id": "d", "is_decider": True}])
    >>> [(o["decider"], o["division"], o["known_by"], o["strength"]) for o in division_view(G)["orphans"]]
    [('d', 'Controls', 'Hydraulics', 0.7)]
    """
    ties = division_ties(G)
    members = v.team(G)
    units = sorted({u for t in members if (u := division_of(G, t))})
    deciders = set(v.deciders(G))
    divisions = {u: {"name": u, "team": [], "relationships": 0, "accounts": {}, "departments": {}, "deciders": {}}
                 for u in units}
    for t in sorted(members):
        if (u := division_of(G, t)) is not None:
            divisions[u]["team"].append(split_key(t)[1])
    for c, by_unit in ties.items():
        data = G.nodes[c]
        for u, rows in by_unit.items():
            row, best = divisions[u], tie_strength(rows[0][1])
            row["relationships"] += len(rows)
            for part, key in (("accounts", data.get("account_id")), ("departments", data.get("department_id"))):
                if key:
                    seen = row[part].setdefault(key, {"relationships": 0, "strength": 0.0})
                    seen["relationships"] += len(rows)
                    seen["strength"] = max(seen["strength"], best)
            if c in deciders:
                row["deciders"][split_key(c)[1]] = best
    for row in divisions.values():
        for part in ("accounts", "departments", "deciders"):
            row[part] = dict(sorted(row[part].items()))
    deals = []
    for o in sorted(v.opportunities(G)):
        owner, division = deal_division(G, o)
        deals.append({"id": split_key(o)[1], "name": G.nodes[o].get("name"),
                      "owner": split_key(owner)[1] if owner else None, "division": division})
    overlap_rows = [_overlap_row(o) for o in overlaps(G, ties)]
    orphan_rows = [{"opportunity": split_key(o["opportunity"])[1], "owner": split_key(o["owner"])[1],
                    "division": o["division"], "decider": split_key(o["decider"])[1], "known_by": o["known_by"],
                    "strength": tie_strength(o["ties"][0][1]), "team": [_tie(t, d) for t, d in o["ties"]]}
                   for o in orphans(G, ties)]
    named = {*(node_key(NodeKind.CONTACT, x["id"]) for x in overlap_rows),
             *(node_key(NodeKind.CONTACT, x["decider"]) for x in orphan_rows),
             *(node_key(NodeKind.TEAM, x["owner"]) for x in orphan_rows),
             *(node_key(NodeKind.TEAM, t) for row in divisions.values() for t in row["team"]),
             *(node_key(NodeKind.CONTACT, d) for row in divisions.values() for d in row["deciders"]),
             *(node_key(NodeKind.OPPORTUNITY, d["id"]) for d in deals),
             *(node_key(NodeKind.ACCOUNT, a) for row in divisions.values() for a in row["accounts"]),
             *(node_key(NodeKind.DEPARTMENT, d) for row in divisions.values() for d in row["departments"])}
    return {"account": G.graph["account_id"], "message": None if units else NO_DIVISIONS,
            "divisions": sorted(divisions.values(), key=lambda r: (-r["relationships"], r["name"])),
            "unassigned": sorted(split_key(t)[1] for t in members if division_of(G, t) is None),
            "opportunities": deals, "overlaps": overlap_rows, "orphans": orphan_rows,
            "counts": {"divisions": len(units), "relationships": sum(r["relationships"] for r in divisions.values()),
                       "overlaps": len(overlap_rows), "orphans": len(orphan_rows)},
            "names": {split_key(k)[1]: v.name(G, k) for k in sorted(named) if k in G}}


def tie_strength(edge: dict) -> float:
    """A relationship's strength (the default when not given), rounded to 4 places."""
    s = edge.get("strength")
    return round(v.DEFAULT_STRENGTH if s is None else float(s), 4)


# ----- private helpers -------------------------------------------------------------------------------
def _tie(team_member: str, edge: dict) -> dict[str, Any]:
    last = edge.get("last_interaction")
    return {"id": split_key(team_member)[1], "strength": tie_strength(edge),
            "last_interaction": str(last)[:10] if last else None, "subjects": list(edge.get("subjects") or ())}


def _overlap_row(overlap: dict[str, Any]) -> dict[str, Any]:
    rows = [{"name": u, "strength": tie_strength(ties[0][1]), "team": [_tie(t, d) for t, d in ties]}
            for u, ties in overlap["divisions"].items()]
    said = [{s for t in r["team"] for s in t["subjects"]} for r in rows]
    differ = None if not all(said) else any(s != said[0] for s in said[1:])
    return {"id": split_key(overlap["decider"])[1], "divisions": rows, "messages_differ": differ}
