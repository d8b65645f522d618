"""The maps: org chart, influence, decision unit and group, with the page's metadata
(legend, filters, what to focus, the person panels). The org chart's people are cards
the page lays out itself (:mod:`viz.cards`, ``cards.js``); the other maps are pyvis
networks with computed positions, drawn by vis-network.

Nodes and edges are built here as plain dicts and handed to a ``pyvis.network.Network``
directly: its ``add_node``/``from_nx`` scan lists (quadratic at 2,000 people) and
``from_nx`` rewrites ``weight`` attributes. User text goes only into data fields that
the page renders as text (never into pyvis's HTML template, which we do not use).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import networkx as nx
from pyvis.network import Network

from graph.analysis import find_gaps, strongest_paths
from graph.analysis._views import deciders, department_kind, team
from graph.analysis.cadence import CadencePolicy
from graph.analysis.competitors import leans_to
from graph.analysis.divisions import division_of
from graph.analysis.outcome import decision_unit_outcome
from graph.analysis.ranking import influence_ranking
from graph.analysis.rollup import group_rollup
from graph.subgraph import EdgeType, NodeKind, node_key, split_key
from viz.cards import LARGE_ACCOUNT, WORDS, initials, org_cards, person_panels
from viz.encoding import PATH_COLOUR, coverage_colour, edge_style, node_style, plain, short, text
from viz.layout import column_positions, label_width

__all__ = ["MapData", "org_map", "influence_map", "decision_unit_map", "group_map", "words"]


@dataclass
class MapData:
    """What a page needs: the network, its title and facts for the legend and filters."""

    kind: str
    title: str
    network: Network
    lang: str = "en"
    facts: list[str] = field(default_factory=list)
    departments: list[str] = field(default_factory=list)
    focus: list[str] = field(default_factory=list)
    links: dict[str, str] = field(default_factory=dict)  # node id → page to open on click
    clustered: bool = False
    extra: dict[str, Any] = field(default_factory=dict)  # the org chart's groups, the panels, the words

    @property
    def data(self) -> dict[str, Any]:
        """The JSON the page script reads."""
        nodes, edges, _, _, _, options = self.network.get_network_data()
        return {"kind": self.kind, "nodes": nodes, "edges": edges, "options": options, "focus": self.focus,
                "links": self.links, "clustered": self.clustered, **self.extra}


def _network(nodes: list[dict], edges: list[dict], *, physics: bool = False) -> Network:
    net = Network(height="100%", width="100%", directed=True, cdn_resources="local")
    net.nodes, net.edges = nodes, edges
    net.node_ids = [n["id"] for n in nodes]
    net.node_map = {n["id"]: n for n in nodes}
    net.set_options("""{
      "physics": {"enabled": %s},
      "interaction": {"hover": true, "tooltipDelay": 150, "hideEdgesOnDrag": true, "navigationButtons": false,
                      "keyboard": true, "multiselect": true},
      "edges": {"smooth": false},
      "nodes": {"font": {"size": 14, "strokeWidth": 3, "strokeColor": "#ffffff", "face": "Arial, 'Noto Sans CJK SC', 'WenQuanYi Zen Hei', 'Microsoft YaHei', sans-serif"},
                "scaling": {"label": {"drawThreshold": 3}}},
      "layout": {"improvedLayout": false}
    }""" % ("true" if physics else "false"))
    return net


def _tip(G: nx.MultiDiGraph, key: str, lang: str, pii: bool) -> list[str]:
    """Tooltip lines (plain text; the page renders them with textContent)."""
    d = G.nodes[key]
    t = lambda k: text(lang, k)  # noqa: E731
    if d["kind"] == NodeKind.TEAM:
        return [short(d.get("name") or d["id"], 200), f"{t('role')}: {d.get('role') or ''}"]
    department = d.get("department_id")
    dep_name = G.nodes.get(node_key(NodeKind.DEPARTMENT, department), {}).get("name") if department else None
    stance = d.get("stance")
    lines = [short(d.get("name") or d["id"], 200), f"{t('title')}: {short(d.get('title'), 200) or '—'}",
             f"{t('department')}: {short(dep_name, 200) or '—'}",
             f"{t('roles')}: {', '.join(d.get('roles') or ()) or '—'}",
             f"{t('stance')}: {t(str(stance)) if stance is not None else t('unknown').split(' ')[0]}",
             f"{t('last_contact')}: {d.get('last_contact') or '—'}"]
    if pii:
        lines += [f"{t('email')}: {d['email']}" for _ in [0] if d.get("email")]
        lines += [f"{t('phone')}: {d['phone']}" for _ in [0] if d.get("phone")]
    return lines


def _person(G: nx.MultiDiGraph, key: str, *, lang: str, pii: bool, score: float,
            at: tuple[float, float] | None) -> dict[str, Any]:
    d = G.nodes[key]
    name = short(d.get("name") or d["id"])
    label = ("★ " if d.get("stance") == 3 else "") + name + (f"\n{short(d['title'])}" if d.get("title") else "")
    node = {"id": key, "label": label, "tip": _tip(G, key, lang, pii), "kind": d["kind"],
            "record": d["id"], "name": name, "department": department_kind(G, key) or "",
            "department_id": d.get("department_id") or "", "roles": list(d.get("roles") or ()),
            "stance": d.get("stance"), "competitor": leans_to(G, key) if d["kind"] == NodeKind.CONTACT else None,
            **node_style(d["kind"], stance=d.get("stance"), roles=tuple(d.get("roles") or ()), score=score)}
    if at is not None:
        node["x"], node["y"] = at
    return node


def _edges(G: nx.MultiDiGraph, keep: set[str], *, types: tuple[str, ...]) -> list[dict[str, Any]]:
    out = []
    for u, v, k, d in G.edges(keys=True, data=True):
        t = d["type"]
        if u in keep and v in keep and t in types:
            if t == EdgeType.INFLUENCES:
                style = edge_style(t, strength=d.get("weight"), rival=d.get("influence_kind") == "rival")
            elif t == EdgeType.RELATIONSHIP:
                style = edge_style(t, strength=d.get("strength"))
            else:
                style = edge_style(t)
            out.append({"id": f"{u}|{v}|{k}", "from": u, "to": v, "edge": t, **style})
    return out


def _scores(G: nx.MultiDiGraph) -> dict[str, float]:
    return {node_key(NodeKind.CONTACT, r["id"]): r["score"] for r in influence_ranking(G, brokers=False)}


def org_map(G: nx.MultiDiGraph, *, lang: str = "en", pii: bool = False, today: dt.date | None = None,
            focus: list[str] | None = None, cluster_above: int = LARGE_ACCOUNT,
            cadence_policy: CadencePolicy | None = None, moves: bool | None = None,
            reason: str | None = None) -> MapData:
    """The org chart as person cards grouped account → department (see :mod:`viz.cards`):
    each card's colour and word is the stance, badges the buying roles and the gaps that
    name the person, blue initials our people who know them. Reporting, influence and
    our relationships are line layers the page switches; a click opens the person panel.
    Above ``cluster_above`` contacts sub-accounts and big departments start collapsed.
    The panels carry the next moves up to ``cluster_above`` contacts (``moves`` forces
    them on or off: the search costs about a second at 2,000 people). ``reason`` says why
    the ``focus`` people are outlined (the gap report's finding), shown as text above the chart."""
    contacts = [n for n, d in G.nodes(data=True) if d["kind"] == NodeKind.CONTACT]
    found = find_gaps(G, today=today, cadence_policy=cadence_policy)
    worst: dict[str, str] = {}
    count: dict[str, int] = {}
    for g in found:
        for c in g.contacts:
            key = node_key(NodeKind.CONTACT, c)
            count[key] = count.get(key, 0) + 1
            if _RANK[g.severity] < _RANK.get(worst.get(key, ""), 9):
                worst[key] = g.severity
    ties: dict[str, list[str]] = {}
    edges = []
    for u, v, k, d in G.edges(keys=True, data=True):
        t = d["type"]
        if t not in (EdgeType.REPORTS_TO, EdgeType.INFLUENCES, EdgeType.RELATIONSHIP) or u not in G or v not in G:
            continue
        edge = {"id": f"{u}|{v}|{k}", "from": u, "to": v, "edge": t}
        if t == EdgeType.RELATIONSHIP:
            ties.setdefault(v, []).append(u)
            edge.update(strength=d.get("strength"), division=division_of(G, u))
        elif t == EdgeType.INFLUENCES:
            edge.update(weight=d.get("weight"), rival=d.get("influence_kind") == "rival")
        edges.append(edge)
    team_keys = team(G)
    marks = {k: initials(G.nodes[k].get("name") or G.nodes[k]["id"]) for k in team_keys}
    nodes = []
    for key in contacts:
        d = G.nodes[key]
        name = short(d.get("name") or d["id"])
        nodes.append({"id": key, "kind": "contact", "record": d["id"], "name": name,
                      "label": ("★ " if d.get("stance") == 3 else "") + name, "title": short(d.get("title"), 48),
                      "roles": list(d.get("roles") or ()), "stance": d.get("stance"), "competitor": leans_to(G, key),
                      "department_id": d.get("department_id") or "", "account_id": d.get("account_id") or "",
                      "known": [marks[t] for t in sorted(ties.get(key, []), key=lambda t: marks[t])],
                      "known_divisions": [division_of(G, t) for t in sorted(ties.get(key, []), key=lambda t: marks[t])],
                      "gap": worst.get(key), "gaps": count.get(key, 0)})
    for key in team_keys:
        d = G.nodes[key]
        nodes.append({"id": key, "kind": "team", "record": d["id"], "name": short(d.get("name") or d["id"]),
                      "label": short(d.get("name") or d["id"]), "initials": marks[key],
                      "title": short(d.get("role")), "roles": [], "stance": None, "department_id": "",
                      "division": division_of(G, key)})
    groups = org_cards(G, large_above=cluster_above)
    root = G.graph["root"]
    data = MapData("org", f"{short(G.nodes[root]['name'], 80)} — {text(lang, 'org')}", _network(nodes, edges),
                   lang=lang, focus=list(focus or []), clustered=groups["large"])
    data.extra = {"groups": groups, "words": words(lang),
                  "panels": person_panels(G, contacts + team_keys, lang=lang, pii=pii, gaps=found, today=today,
                                          cadence_policy=cadence_policy,
                                          moves=not groups["large"] if moves is None else moves),
                  "departments": _department_choices(G), "competitors": _competitor_choices(G),
                  "divisions": division_colours(G),
                  "why": plain(reason.strip())[:300] if reason and reason.strip() else None}
    data.departments = [c[0] for c in data.extra["departments"]]
    coaches = sum(1 for n in nodes if n["stance"] == 3)
    data.facts = [f"{len(contacts)} {text(lang, 'contacts')}",
                  f"{sum(1 for n in nodes if 'decider' in n['roles'])} {text(lang, 'deciders').lower()}",
                  f"{coaches} {text(lang, 'coaches') if coaches != 1 else text(lang, 'coach').lower()}"]
    return data


_RANK = {"high": 0, "medium": 1, "low": 2}


def words(lang: str) -> dict[str, str]:
    """The UI words a page script needs, in ``lang``."""
    return {k: text(lang, k) for k in WORDS}


def _people_extra(G: nx.MultiDiGraph, people: list[str], *, lang: str, pii: bool) -> dict[str, Any]:
    """What a network map of people adds to its data: the words, the department
    filter's names and the person panels (next moves up to a large account's size)."""
    large = sum(1 for _, d in G.nodes(data=True) if d["kind"] == NodeKind.CONTACT) > LARGE_ACCOUNT
    return {"words": words(lang), "departments": _department_choices(G), "competitors": _competitor_choices(G),
            "panels": person_panels(G, people, lang=lang, pii=pii, moves=not large)}


#: Colours of our divisions on the org chart's division layer, in the divisions' name order:
#: Okabe–Ito hues (told apart with colour-blindness too) darkened to carry white initials
#: (contrast at least 3:1); the ninth division repeats the first.
DIVISION_COLOURS = ("#0072B2", "#A86400", "#007A5A", "#B0407F", "#3F6FB5", "#B34700", "#6B6B00", "#000000")
#: Our relationships from team members without a business unit, on the division layer.
NO_DIVISION_COLOUR = "#9aa0a6"


def division_colours(G: nx.MultiDiGraph) -> list[list[str | None]]:
    """``[division, colour]`` of each business unit of our team in G, by name, then
    ``[None, grey]`` when someone has none (nothing at all when no one has one)."""
    units = [division_of(G, t) for t in team(G)]
    named = sorted({u for u in units if u})
    if not named:
        return []
    rows: list[list[str | None]] = [[u, DIVISION_COLOURS[i % len(DIVISION_COLOURS)]] for i, u in enumerate(named)]
    return rows + ([[None, NO_DIVISION_COLOUR]] if None in units else [])


def _competitor_choices(G: nx.MultiDiGraph) -> list[str]:
    """The competitors someone in G leans to, for the competitor filter."""
    return sorted({r for n, d in G.nodes(data=True) if d["kind"] == NodeKind.CONTACT and (r := leans_to(G, n))})


def _department_choices(G: nx.MultiDiGraph) -> list[list[str]]:
    """``[id, "name · account"]`` of every department with people, for the filter."""
    used = {d.get("department_id") for _, d in G.nodes(data=True) if d["kind"] == NodeKind.CONTACT}
    out = []
    for key, d in G.nodes(data=True):
        if d["kind"] == NodeKind.DEPARTMENT and d["id"] in used:
            account = G.nodes.get(node_key(NodeKind.ACCOUNT, d.get("account_id") or ""), {}).get("name")
            label = short(d.get("name") or d["id"]) + (f" · {short(account, 24)}" if account else "")
            out.append([d["id"], label])
    return sorted(out, key=lambda c: (c[1], c[0]))


def influence_map(G: nx.MultiDiGraph, *, lang: str = "en", pii: bool = False, k: int = 0,
                  focus: list[str] | None = None) -> MapData:
    """Our team on the left, the deciders on the right, the strongest path to each decider
    highlighted (numbered, labelled with its strength, thicker = stronger); people on no
    path are left out and counted in the facts (the org chart shows everyone)."""
    ours, targets = team(G), sorted(deciders(G))
    paths: list[tuple[int, dict]] = []
    for d in targets:
        for p in strongest_paths(G, split_key(d)[1], k=k):
            paths.append((len(paths) + 1, p))
    on_path: dict[str, int] = {}  # node → hop index along its path
    highlighted: dict[tuple[str, str], int] = {}
    for number, p in paths:
        keys = [_key(G, p["steps"][0]["from"], NodeKind.TEAM)] + [_key(G, s["to"], NodeKind.CONTACT) for s in p["steps"]]
        for i, node in enumerate(keys):
            on_path[node] = max(on_path.get(node, 0), i)
        for a, b in zip(keys, keys[1:]):
            highlighted.setdefault((a, b), number)
    depth = max(on_path.values(), default=1)
    columns: list[list[str]] = [[] for _ in range(depth + 1)]
    columns[0] = list(ours)
    for node, i in sorted(on_path.items(), key=lambda x: (x[1], x[0])):
        if node not in ours and node not in targets:
            columns[min(max(i, 1), depth - 1 if depth > 1 else 1)].append(node)
    columns[-1] = columns[-1] + [t for t in targets if t not in columns[-1]] if depth > 0 else targets
    rest = sum(1 for n in G if G.nodes[n]["kind"] == NodeKind.CONTACT and n not in on_path and n not in targets)
    widths = {n: label_width(G.nodes[n].get("name"), G.nodes[n].get("title")) for n in G}
    at = column_positions([c for c in columns if c], widths=widths, dx=300, dy=72, max_rows=12)
    scores = _scores(G)
    keep = [n for n in G if n in at and G.nodes[n]["kind"] in (NodeKind.CONTACT, NodeKind.TEAM)]
    nodes = [_person(G, n, lang=lang, pii=pii, score=scores.get(n, 0.0), at=at.get(n)) for n in keep]
    edges = []
    for e in _edges(G, set(keep), types=(EdgeType.INFLUENCES, EdgeType.RELATIONSHIP, EdgeType.REPORTS_TO)):
        number = highlighted.get((e["from"], e["to"])) or highlighted.get((e["to"], e["from"]))
        if number:
            strength = paths[number - 1][1]["strength"]
            e.update(width=round(2 + 5 * strength, 1), label=f"{number} · {strength:.2f}", color={"color": PATH_COLOUR},
                     font={"align": "top", "size": 13, "strokeWidth": 4}, smooth=False)
        else:
            e.update(color={"color": "#dadce0", "opacity": 0.35}, width=0.5)
        edges.append(e)
    root = G.nodes[G.graph["root"]]
    data = MapData("influence", f"{short(root['name'], 80)} — {text(lang, 'influence')}", _network(nodes, edges), lang=lang,
                   focus=list(focus or []), extra=_people_extra(G, keep, lang=lang, pii=pii))
    data.facts = [f"{len(targets)} {text(lang, 'deciders').lower()}", f"{len(paths)} {text(lang, 'paths')}",
                  text(lang, "not_on_path").format(n=rest)]
    return data


def _reached_by(G: nx.MultiDiGraph, contact_id: str) -> list[str]:
    """Initials of our people whose strongest paths reach a contact (best first)."""
    out: list[str] = []
    for p in strongest_paths(G, contact_id, k=3):
        source = _key(G, p["steps"][0]["from"], NodeKind.TEAM)
        mark = initials(G.nodes[source].get("name") or split_key(source)[1])
        if mark not in out:
            out.append(mark)
    return out


def _key(G: nx.MultiDiGraph, record_id: str, kind: str) -> str:
    key = node_key(kind, record_id)
    return key if key in G else node_key(NodeKind.CONTACT, record_id)


def decision_unit_map(G: nx.MultiDiGraph, opportunity_id: str, *, lang: str = "en", pii: bool = False) -> MapData:
    """The unit's members with stated and projected stance, deciders emphasised, and the
    support index in the page's facts."""
    result = decision_unit_outcome(G, opportunity_id)
    members = [node_key(NodeKind.CONTACT, m["id"]) for m in result["members"]]
    decider_keys = [node_key(NodeKind.CONTACT, m["id"]) for m in result["members"] if m["is_decider"]]
    others = [m for m in members if m not in decider_keys]
    widths = {n: label_width(G.nodes[n].get("name"), G.nodes[n].get("title")) for n in members}
    at = column_positions([others[: len(others) // 2], decider_keys, others[len(others) // 2:]], widths=widths,
                          dx=380, dy=170, max_rows=6)
    scores = _scores(G)
    nodes = []
    for m in result["members"]:
        key = node_key(NodeKind.CONTACT, m["id"])
        node = _person(G, key, lang=lang, pii=pii, score=scores.get(key, 0.0), at=at.get(key))
        stated = "?" if m["stated"] is None else f"{m['stated']:+d}"
        node["label"] += f"\n{text(lang, 'stated')} {stated} → {text(lang, 'projected')} {m['projected']:+.1f}"
        reach = _reached_by(G, m["id"])
        node["label"] += f"\n{text(lang, 'reached_by')}: {', '.join(reach) if reach else '—'}"
        node["tip"] = node["tip"] + [f"{text(lang, 'projected')}: {m['projected']:+.2f}", f"weight: {m['weight']:.0%}"]
        if m["is_decider"]:
            node["borderWidth"] = 4
            node["size"] = max(node.get("size", 20), 30)
        nodes.append(node)
    edges = _edges(G, set(members), types=(EdgeType.INFLUENCES, EdgeType.REPORTS_TO))
    data = MapData("unit", f"{short(result['name'], 80)} ({result['dmu_type']})", _network(nodes, edges), lang=lang,
                   extra=_people_extra(G, members, lang=lang, pii=pii))
    data.facts = [f"{text(lang, 'support_index')}: {result['support_index']:+.2f} — {result['verdict']}",
                  *result["reasons"][:3]]
    return data


def group_map(G: nx.MultiDiGraph, *, lang: str = "en", today: dt.date | None = None,
              link: str = "/accounts/{id}/map", cadence_policy: CadencePolicy | None = None) -> MapData:
    """The account hierarchy, each part coloured by coverage (red 0 → green 1), sized by
    its contacts, labelled with its posture (entered, else suggested), each linking to
    its own map."""
    rollup = group_rollup(G, today=today, cadence_policy=cadence_policy)
    nodes, edges, links = [], [], {}
    rows: list[list[dict]] = []

    def walk(part: dict, depth: int, parent: str | None) -> None:
        while len(rows) <= depth:
            rows.append([])
        rows[depth].append(part)
        if parent:
            edges.append({"id": f"{parent}|{part['id']}", "from": f"account:{parent}", "to": f"account:{part['id']}",
                          "arrows": "to", "color": {"color": "#9aa0a6"}, "edge": "part_of"})
        for child in part["accounts"]:
            walk(child, depth + 1, part["id"])

    walk(rollup, 0, None)
    for depth, row in enumerate(rows):
        for i, part in enumerate(row):
            total = part["total"]
            coverage = total["coverage"] if total["deciders"] else (1.0 if total["covered"] else 0.0)
            key = f"account:{part['id']}"
            links[key] = link.format(id=quote(part["id"], safe=""))  # an id may hold '/', '?' or '#'
            nodes.append({
                "id": key, "label": f"{short(part['name'])}\n{total['contacts']} {text(lang, 'contacts')} · "
                                                 f"{coverage:.0%} {text(lang, 'coverage')}" + (
                    f" · {text(lang, part['effective_posture'])}" if part.get("effective_posture") else ""),
                "kind": "account",
                "record": part["id"], "name": short(part["name"]), "shape": "dot",
                "size": round(12 + 4 * total["contacts"] ** 0.5, 1), "color": coverage_colour(coverage),
                "x": round((i - (len(row) - 1) / 2) * 260, 1), "y": depth * 200,
                "tip": [short(part["name"], 200), f"{text(lang, 'contacts')}: {total['contacts']}",
                        f"{text(lang, 'coverage')}: {coverage:.0%} ({total['covered_deciders']}/{total['deciders']})",
                        f"{text(lang, 'gaps')}: {total['gaps']['high']}/{total['gaps']['medium']}/{total['gaps']['low']}",
                        *_posture_tip(part, lang)],
                "stance": None, "roles": [], "department": "", "department_id": ""})
    data = MapData("group", f"{short(rollup['name'], 80)} — {text(lang, 'group')}", _network(nodes, edges), lang=lang,
                   links=links)
    data.facts = [f"{len(nodes)} {text(lang, 'accounts').lower()}"]
    return data


def _posture_tip(part: dict, lang: str) -> list[str]:
    """Posture (entered, the suggestion beside it when they differ) and share of wallet."""
    lines = []
    if part.get("effective_posture"):
        entered, suggested = part.get("posture"), part.get("suggested_posture")
        shown = text(lang, part["effective_posture"])
        if entered and suggested and suggested != entered:
            shown += f" ({text(lang, 'suggested')}: {text(lang, suggested)})"
        lines.append(f"{text(lang, 'posture')}: {shown}")
    if part.get("share_of_wallet") is not None:
        lines.append(f"{text(lang, 'share_of_wallet')}: {part['share_of_wallet']:.0%}")
    return lines

