"""The org chart as person cards, and the person panel's facts (shared by every map).

A card says, without hovering: name, title, buying-role badges, stance (the card's
colour and a word), a coach marker, the initials of our people who know the person and
a gap badge. Cards are grouped account → department (the purchasing, design and user
lines first), each group collapsible; a large account starts with its sub-accounts and
big departments folded to their leads (the most senior people and every decider) instead
of shrinking everyone. Every label is capped and
cleaned (:func:`viz.encoding.short`); the panel carries the full text.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import networkx as nx

from graph.analysis import Gap, find_gaps
from graph.analysis.cadence import CadencePolicy
from graph.analysis.next_moves import next_moves
from graph.analysis.plans import graph_plan_status
from graph.subgraph import EdgeType, NodeKind, node_key, split_key
from viz.encoding import plain, short, text

__all__ = ["org_cards", "person_panels", "initials", "LARGE_ACCOUNT", "BIG_DEPARTMENT", "WORDS"]

#: Above this many contacts an account opens with its sub-accounts collapsed …
LARGE_ACCOUNT = 300
#: … and, inside it, departments of more than this many people folded to their leads:
BIG_DEPARTMENT = 30
#: the most senior this many, and every decider.
LEADS = 8
_LINE_ORDER = {"management": 0, "purchasing": 1, "design": 2, "user": 3, "quality": 4, "logistics": 5, "finance": 6,
               "other": 7}
_LEVEL_ORDER = {"executive": 0, "director": 1, "manager": 2, "staff": 3}
_SEVERITY = {"high": 0, "medium": 1, "low": 2}
#: The words a page script needs, by key (looked up in the page's language).
WORDS = ("-1", "0", "1", "2", "3", "decider", "influencer", "gatekeeper", "buyer", "user", "initiator", "coach",
         "gap_badge", "gap_badges", "known_by", "manager", "reports", "influenced_by", "influences_whom",
         "next_move", "moves_skipped", "panel_plan", "none", "close", "title", "department", "roles", "stance", "matches", "no_match", "panel_gaps",
         "people_n", "show_all", "show_leads", "strength", "last", "never", "gaps", "deciders", "email", "phone",
         "last_contact", "line_none", "reached_by", "our_team", "unknown_short", "team_account_manager",
         "team_solution_manager", "team_delivery_manager", "team_executive", "team_sales", "team_other",
         "people_1", "outside_managers", *(f"line_{kind}" for kind in (
             "purchasing", "design", "user", "quality", "logistics", "finance", "management", "other")))


def initials(name: str | None) -> str:
    """Short initials of one of our people: a Latin name's first letters, a Chinese
    name's first two characters.

    >>> initials("Account Manager"), initials("王建国"), initials("")
    ('AM', '王建', '?')
    """
    words = short(name, 60).split()
    if not words:
        return "?"
    if any(ord(ch) > 0x2E80 for ch in words[0]):
        return words[0][:2]
    return "".join(w[0] for w in words[:3]).upper()


def _name(G: nx.MultiDiGraph, key: str) -> str:
    d = G.nodes[key]
    return d.get("name") or d.get("id") or key


def person_panels(G: nx.MultiDiGraph, people: list[str], *, lang: str, pii: bool, gaps: list[Gap] | None = None,
                  today: dt.date | None = None, cadence_policy: CadencePolicy | None = None,
                  moves: bool = True) -> dict[str, dict[str, Any]]:
    """What the person panel shows for each of ``people`` (graph keys): full name and
    title (cleaned, not cut), department, roles, stance, ours who know them (strength and
    last interaction), manager and reports, influence both ways, their gaps and the next
    moves that concern them (``moves=False`` skips computing them). ``gaps``: the account's
    gaps when already found. People are referred to as ``[key, name]`` pairs."""
    named: dict[str, list[tuple[str, str]]] = {}
    for g in find_gaps(G, today=today, cadence_policy=cadence_policy) if gaps is None else gaps:
        for c in g.contacts:
            named.setdefault(node_key(NodeKind.CONTACT, c), []).append((g.severity, plain(g.explanation)))
    concerns: dict[str, list[str]] = {}
    if moves:
        # every candidate tried (no wall-clock budget): the same panels however loaded the machine
        for m in next_moves(G, top=10, today=today, cadence_policy=cadence_policy, time_budget=None):
            concerns.setdefault(node_key(NodeKind.CONTACT, m["contact"]), []).append(plain(m["description"]))
            if m.get("team"):
                concerns.setdefault(node_key(NodeKind.TEAM, m["team"]), []).append(plain(m["description"]))
    planned: dict[str, list[str]] = {}  # the contact's open and overdue plan actions
    for a in graph_plan_status(G, as_of=today or dt.date.today()):
        if a["status"] in ("open", "overdue"):
            late = text(lang, "plan_overdue_days").format(n=a["days_overdue"]) if a["status"] == "overdue" else ""
            planned.setdefault(node_key(NodeKind.CONTACT, a["contact_id"]), []).append(plain(
                text(lang, "plan_line").format(action=text(lang, "act_" + a["action"]), due=a["due"],
                                               owner=_name(G, node_key(NodeKind.TEAM, a["owner_id"])))
                + (f" · {late}" if late else "")))
    shown: dict[str, str] = {}

    def who(key: str) -> str:  # a person's name as the panel shows it (computed once per person)
        if key not in shown:
            shown[key] = plain(_name(G, key))
        return shown[key]

    ours: dict[str, list[dict]] = {}
    knows: dict[str, list[dict]] = {}
    manager: dict[str, str] = {}
    reports: dict[str, list[str]] = {}
    influenced_by: dict[str, list[dict]] = {}
    influences: dict[str, list[dict]] = {}
    for u, v, d in G.edges(data=True):
        t = d["type"]
        if t == EdgeType.RELATIONSHIP:
            tie = {"strength": d.get("strength"), "last": str(d["last_interaction"]) if d.get("last_interaction")
                   else None}
            ours.setdefault(v, []).append({"who": [u, who(u)], **tie})
            knows.setdefault(u, []).append({"who": [v, who(v)], **tie})
        elif t == EdgeType.REPORTS_TO:
            manager[u] = v
            reports.setdefault(v, []).append(u)
        elif t == EdgeType.INFLUENCES:
            rival = d.get("influence_kind") == "rival"
            influenced_by.setdefault(v, []).append({"who": [u, who(u)], "weight": d.get("weight"),
                                                    "rival": rival})
            influences.setdefault(u, []).append({"who": [v, who(v)], "weight": d.get("weight"),
                                                 "rival": rival})
    out = {}
    for key in people:
        d = G.nodes[key]
        dep = d.get("department_id")
        dep_name = G.nodes.get(node_key(NodeKind.DEPARTMENT, dep), {}).get("name") if dep else None
        account = G.nodes.get(node_key(NodeKind.ACCOUNT, d.get("account_id") or ""), {}).get("name")
        boss = manager.get(key)
        panel = {
            "name": who(key), "title": plain(d.get("title") or d.get("role") or ""),
            "department": plain(dep_name or ""), "account": plain(account or ""),
            "roles": [text(lang, r) for r in d.get("roles") or ()], "stance": d.get("stance"),
            "last_contact": str(d["last_contact"]) if d.get("last_contact") else None,
            "ours": sorted(ours.get(key, []) or knows.get(key, []), key=lambda r: -(r["strength"] or 0)),
            "manager": [boss, who(boss)] if boss in G else None,
            "reports": [[r, who(r)] for r in sorted(reports.get(key, []), key=who)],
            "influenced_by": sorted(influenced_by.get(key, []), key=lambda r: -(r["weight"] or 0)),
            "influences": sorted(influences.get(key, []), key=lambda r: -(r["weight"] or 0)),
            "gaps": [e for _, e in sorted(named.get(key, []), key=lambda g: _SEVERITY.get(g[0], 3))],
            "next": concerns.get(key, [])[:3] if moves else None,
            "plan": planned.get(key, []),
        }
        if d["kind"] == NodeKind.TEAM:
            panel["team"] = True
        if pii:
            panel.update({k: plain(d[k]) for k in ("email", "phone") if d.get(k)})
        out[key] = panel
    return out


def org_cards(G: nx.MultiDiGraph, *, large_above: int = LARGE_ACCOUNT) -> dict[str, Any]:
    """The groups of the card chart: ``accounts`` (hierarchy order, each with ``level``,
    its ``tops`` and its ``departments``, each with ``people`` as ``[key, depth]`` in
    tree order), ``team`` and ``outside`` (managers from outside the account), and which
    accounts start ``collapsed`` and which departments ``folded`` to their ``leads``
    (in accounts of more than ``large_above`` contacts)."""
    nodes = G.nodes
    contacts = [k for k, d in nodes(data=True) if d["kind"] == NodeKind.CONTACT]
    large = len(contacts) > large_above
    accounts = {k for k, d in nodes(data=True) if d["kind"] == NodeKind.ACCOUNT}
    children: dict[str, list[str]] = {}
    for a in accounts:
        parent = node_key(NodeKind.ACCOUNT, nodes[a].get("parent_id") or "")
        if parent in accounts and parent != a:
            children.setdefault(parent, []).append(a)
    home: dict[str, list[str]] = {a: [] for a in accounts}
    outside = []
    for c in contacts:
        a = node_key(NodeKind.ACCOUNT, nodes[c].get("account_id") or "")
        (home[a] if a in home else outside).append(c)
    manager = {u: v for u, v, k in G.edges(keys=True) if k == EdgeType.REPORTS_TO}
    senior = lambda c: (_LEVEL_ORDER.get(nodes[c].get("level") or "", 4), _name(G, c), c)  # noqa: E731
    groups: list[dict[str, Any]] = []

    def department_kind(dep: str | None) -> str:
        return (nodes[dep].get("department_kind") or "other") if dep and dep in G else "none"

    def walk(account: str, level: int, parent: str | None) -> None:
        members = home.get(account, [])
        inside = set(members)
        dep_of = {c: node_key(NodeKind.DEPARTMENT, nodes[c]["department_id"]) if nodes[c].get("department_id")
                  else None for c in members}
        tops = sorted((c for c in members if manager.get(c) not in inside and
                       (nodes[c].get("level") == "executive" or department_kind(dep_of[c]) == "management")),
                      key=senior)
        columns: dict[str | None, list[str]] = {}
        for c in members:
            if c not in tops:
                columns.setdefault(dep_of[c], []).append(c)
        departments = []
        for dep in sorted(columns, key=lambda x: (_LINE_ORDER.get(department_kind(x), 8),
                                                  str(nodes[x].get("name") if x in G else ""), str(x))):
            people = columns[dep]
            in_column = set(people)
            kids: dict[str, list[str]] = {}
            roots = []
            for c in sorted(people, key=senior):
                (kids.setdefault(manager[c], []) if manager.get(c) in in_column else roots).append(c)
            ordered: list[list] = []
            seen: set[str] = set()
            for start in roots + sorted(people, key=senior):  # then anyone in a reporting cycle
                stack = [(start, 0)] if start not in seen else []
                while stack:
                    c, depth = stack.pop()
                    if c in seen:
                        continue
                    seen.add(c)
                    ordered.append([c, depth])
                    stack.extend((k, depth + 1) for k in reversed(kids.get(c, [])))
            kind = department_kind(dep)
            folded = large and len(people) > BIG_DEPARTMENT
            leads = []
            if folded:
                depth = dict((c, n) for c, n in ordered)
                by_rank = sorted(people, key=lambda c: (depth[c], *senior(c)))
                leads = [c for c in people if "decider" in (nodes[c].get("roles") or ())]
                leads += [c for c in by_rank if c not in leads][:LEADS]
            departments.append({"id": split_key(dep)[1] if dep else "", "name": short(nodes[dep].get("name"))
                                if dep in G else "", "kind": kind, "people": ordered, "folded": folded,
                                "leads": leads})
        groups.append({"id": split_key(account)[1], "name": short(nodes[account].get("name") or account, 60),
                       "level": level, "parent": split_key(parent)[1] if parent else None, "contacts": len(members), "tops": tops, "departments": departments,
                       "collapsed": large and level > 0})
        for child in sorted(children.get(account, []), key=lambda a: (str(nodes[a].get("name")), a)):
            walk(child, level + 1, account)

    walk(G.graph["root"], 0, None)
    team = sorted((k for k, d in nodes(data=True) if d["kind"] == NodeKind.TEAM), key=lambda k: _name(G, k))
    return {"accounts": groups, "team": team, "outside": sorted(outside, key=senior), "large": large}
