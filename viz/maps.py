"""The maps: org chart, influence, decision unit and group, as pyvis networks with
computed positions and the page's metadata (legend, filters, what to focus).

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
from graph.analysis.outcome import decision_unit_outcome
from graph.analysis.ranking import influence_ranking
from graph.analysis.rollup import group_rollup
from graph.subgraph import EdgeType, NodeKind, node_key, split_key
from viz.encoding import edge_style, node_style, text
from viz.layout import column_positions, label_width, org_positions

__all__ = ["MapData", "org_map", "influence_map", "decision_unit_map", "group_map", "CLUSTER_ABOVE"]

#: Above this many people, departments start collapsed into expandable cluster nodes.
CLUSTER_ABOVE = 2000


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

    @property
    def data(self) -> dict[str, Any]:
        """The JSON the page script reads."""
        nodes, edges, _, _, _, options = self.network.get_network_data()
        return {"kind": self.kind, "nodes": nodes, "edges": edges, "options": options, "focus": self.focus,
                "links": self.links, "clustered": self.clustered}


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
      "nodes": {"font": {"size": 14, "face": "Arial, 'Noto Sans CJK SC', 'WenQuanYi Zen Hei', 'Microsoft YaHei', sans-serif"},
                "scaling": {"label": {"drawThreshold": 3}}},
      "layout": {"improvedLayout": false}
    }""" % ("true" if physics else "false"))
    return net


def _tip(G: nx.MultiDiGraph, key: str, lang: str, pii: bool) -> list[str]:
    """Tooltip lines (plain text; the page renders them with textContent)."""
    d = G.nodes[key]
    t = lambda k: text(lang, k)  # noqa: E731
    if d["kind"] == NodeKind.TEAM:
        return [d.get("name") or d["id"], f"{t('role')}: {d.get('role') or ''}"]
    department = d.get("department_id")
    dep_name = G.nodes.get(node_key(NodeKind.DEPARTMENT, department), {}).get("name") if department else None
    stance = d.get("stance")
    lines = [d.get("name") or d["id"], f"{t('title')}: {d.get('title') or '—'}",
             f"{t('department')}: {dep_name or '—'}",
             f"{t('roles')}: {', '.join(d.get('roles') or ()) or '—'}",
             f"{t('stance')}: {t(str(stance)) if stance is not None else t('unknown').split(' ')[0]}",
             f"{t('last_contact')}: {d.get('last_contact') or '—'}"]
    if pii:
        lines += [f"{t('email')}: {d['email']}" for _ in [0] if d.get("email")]
        lines += [f"{t('phone')}: {d['phone']}" for _ in [0] if d.get("phone")]
    return lines


def _person(G: nx.MultiDiGraph, key: str, *, lang: str, pii: bool, score: float, high: set[str],
            at: tuple[float, float] | None, faded: bool = False) -> dict[str, Any]:
    d = G.nodes[key]
    name = d.get("name") or d["id"]
    label = ("★ " if d.get("stance") == 3 else "") + name + (f"\n{d['title']}" if d.get("title") else "")
    node = {"id": key, "label": label, "tip": _tip(G, key, lang, pii), "kind": d["kind"],
            "record": d["id"], "name": name, "department": department_kind(G, key) or "",
            "department_id": d.get("department_id") or "", "roles": list(d.get("roles") or ()),
            "stance": d.get("stance"),
            **node_style(d["kind"], stance=d.get("stance"), roles=tuple(d.get("roles") or ()), score=score,
                         in_high_gap=split_key(key)[1] in high)}
    if at is not None:
        node["x"], node["y"] = at
    if faded:
        node["opacity"] = 0.25
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


def _high_gap_people(G: nx.MultiDiGraph, today: dt.date | None, cadence_policy: CadencePolicy | None) -> set[str]:
    return {c for g in find_gaps(G, today=today, cadence_policy=cadence_policy) if g.severity == "high"
            for c in g.contacts}


def org_map(G: nx.MultiDiGraph, *, lang: str = "en", pii: bool = False, today: dt.date | None = None,
            focus: list[str] | None = None, cluster_above: int = CLUSTER_ABOVE,
            cadence_policy: CadencePolicy | None = None) -> MapData:
    """The org chart: top-down by reporting line, departments side by side, sub-accounts
    under their parent, influence drawn over it as curves and our relationships dashed.
    People named in a high-severity gap (``cadence_policy`` behind ``cadence_breach``) are ringed."""
    people = [n for n, d in G.nodes(data=True) if d["kind"] in (NodeKind.CONTACT, NodeKind.TEAM)]
    contacts = [n for n in people if G.nodes[n]["kind"] == NodeKind.CONTACT]
    clustered = len(contacts) > cluster_above
    at = org_positions(G)
    scores, high = _scores(G), _high_gap_people(G, today, cadence_policy)
    nodes = [_person(G, n, lang=lang, pii=pii, score=scores.get(n, 0.0), high=high, at=at.get(n)) for n in people]
    edges = _edges(G, set(people), types=(EdgeType.REPORTS_TO, EdgeType.INFLUENCES, EdgeType.RELATIONSHIP))
    for e in edges:  # the org chart is the picture; influence and our ties are drawn lightly over it
        if e["edge"] != EdgeType.REPORTS_TO:
            e["color"] = {**e["color"], "opacity": 0.3}
    root = G.nodes[G.graph["root"]]
    departments = sorted({G.nodes[n].get("department_id") or "" for n in contacts} - {""})
    data = MapData("org", f"{root['name']} — {text(lang, 'org')}", _network(nodes, edges), lang=lang,
                   departments=departments, focus=list(focus or []), clustered=clustered)
    data.facts = [f"{len(contacts)} {text(lang, 'contacts')}"]
    return data


def influence_map(G: nx.MultiDiGraph, *, lang: str = "en", pii: bool = False, k: int = 0,
                  focus: list[str] | None = None) -> MapData:
    """Our team on the left, the deciders on the right, the strongest path to each decider
    highlighted (thicker and numbered), everyone else faded."""
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
    rest = sorted(n for n in G if G.nodes[n]["kind"] == NodeKind.CONTACT and n not in on_path and n not in targets)
    widths = {n: label_width(G.nodes[n].get("name"), G.nodes[n].get("title")) for n in G}
    at = column_positions([c for c in columns if c], widths=widths, dy=95)
    below = max((y for _, y in at.values()), default=0.0) + 160
    for i, n in enumerate(rest):  # the faded rest, in a band below everything
        at[n] = (round((i % 12) * 170 - 900, 1), round(below + (i // 12) * 60, 1))
    scores = _scores(G)
    keep = [n for n in G if G.nodes[n]["kind"] in (NodeKind.CONTACT, NodeKind.TEAM)]
    nodes = [_person(G, n, lang=lang, pii=pii, score=scores.get(n, 0.0), high=set(), at=at.get(n),
                     faded=n in rest) for n in keep]
    edges = []
    for e in _edges(G, set(keep), types=(EdgeType.INFLUENCES, EdgeType.RELATIONSHIP, EdgeType.REPORTS_TO)):
        number = highlighted.get((e["from"], e["to"])) or highlighted.get((e["to"], e["from"]))
        if number:
            e.update(width=5, label=str(number), color={"color": "#e37400"}, font={"align": "top"})
        else:
            e.update(color={"color": "#dadce0", "opacity": 0.35}, width=0.5)
        edges.append(e)
    root = G.nodes[G.graph["root"]]
    data = MapData("influence", f"{root['name']} — {text(lang, 'influence')}", _network(nodes, edges), lang=lang,
                   focus=list(focus or []))
    data.facts = [f"{len(targets)} deciders, {len(paths)} paths"]
    return data


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
                          dx=380, dy=110)
    scores = _scores(G)
    nodes = []
    for m in result["members"]:
        key = node_key(NodeKind.CONTACT, m["id"])
        node = _person(G, key, lang=lang, pii=pii, score=scores.get(key, 0.0), high=set(), at=at.get(key))
        stated = "?" if m["stated"] is None else f"{m['stated']:+d}"
        node["label"] += f"\n{text(lang, 'stated')} {stated} → {text(lang, 'projected')} {m['projected']:+.1f}"
        node["tip"] = node["tip"] + [f"{text(lang, 'projected')}: {m['projected']:+.2f}", f"weight: {m['weight']:.0%}"]
        if m["is_decider"]:
            node["borderWidth"] = 4
            node["size"] = max(node.get("size", 20), 30)
        nodes.append(node)
    edges = _edges(G, set(members), types=(EdgeType.INFLUENCES, EdgeType.REPORTS_TO))
    data = MapData("unit", f"{result['name']} ({result['dmu_type']})", _network(nodes, edges), lang=lang)
    data.facts = [f"{text(lang, 'support_index')}: {result['support_index']:+.2f} — {result['verdict']}",
                  *result["reasons"][:3]]
    return data


def group_map(G: nx.MultiDiGraph, *, lang: str = "en", today: dt.date | None = None,
              link: str = "/accounts/{id}/map", cadence_policy: CadencePolicy | None = None) -> MapData:
    """The account hierarchy, each part coloured by coverage (red 0 → green 1), sized by
    its contacts, each linking to its own map."""
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
                "id": key, "label": f"{part['name']}\n{total['contacts']} · {coverage:.0%}", "kind": "account",
                "record": part["id"], "name": part["name"], "shape": "dot",
                "size": round(12 + 4 * total["contacts"] ** 0.5, 1), "color": _coverage_colour(coverage),
                "x": round((i - (len(row) - 1) / 2) * 260, 1), "y": depth * 200,
                "tip": [part["name"], f"{text(lang, 'contacts')}: {total['contacts']}",
                        f"{text(lang, 'coverage')}: {coverage:.0%} ({total['covered_deciders']}/{total['deciders']})",
                        f"{text(lang, 'gaps')}: {total['gaps']['high']}/{total['gaps']['medium']}/{total['gaps']['low']}"],
                "stance": None, "roles": [], "department": "", "department_id": ""})
    data = MapData("group", f"{rollup['name']} — {text(lang, 'group')}", _network(nodes, edges), lang=lang,
                   links=links)
    data.facts = [f"{len(nodes)} {text(lang, 'accounts').lower()}"]
    return data


def _coverage_colour(share: float) -> str:
    share = max(0.0, min(1.0, share))
    red, green = (217, 48, 37), (52, 168, 83)
    mix = [round(r + (g - r) * share) for r, g in zip(red, green)]
    return "#" + "".join(f"{c:02x}" for c in mix)

