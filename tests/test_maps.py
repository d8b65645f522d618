"""The maps' encoding, layout and pages: readable, offline, and safe with hostile names."""

from __future__ import annotations

import json
import re
from collections import defaultdict

import pytest

from conftest import REPO
from graph.analysis.findings import gap_findings
from graph.embedded import EmbeddedStore
from importers import import_paths
from viz.encoding import STANCE_COLOURS, UNKNOWN_COLOUR, edge_style, legend, node_style
from viz.layout import label_width, org_positions
from viz.maps import decision_unit_map, group_map, influence_map, org_map
from viz.page import map_page
from viz.tables import gap_report_page, index_page


@pytest.fixture(scope="module")
def demo_graph(tmp_path_factory):
    with EmbeddedStore(tmp_path_factory.mktemp("maps") / "demo.db") as store:
        import_paths([REPO / "demo" / "demo.xlsx"], store)
        yield store.account_subgraph("A-G1")


def test_colour_is_stance_shape_is_role_size_is_influence():
    assert node_style("contact", stance=-1)["color"]["background"] == STANCE_COLOURS[-1] == "#d93025"
    assert node_style("contact", stance=3)["color"]["background"] == "#fbbc04"
    unknown = node_style("contact", stance=None)
    assert unknown["color"]["background"] == UNKNOWN_COLOUR and unknown["shapeProperties"]["borderDashes"]
    assert node_style("contact", roles=("influencer", "decider"))["shape"] == "diamond"
    assert node_style("contact", roles=("gatekeeper",))["shape"] == "triangle"
    assert node_style("contact", roles=("user",))["shape"] == "dot"
    assert node_style("contact", score=1.0)["size"] > node_style("contact", score=0.0)["size"]
    ringed = node_style("contact", in_high_gap=True)
    assert ringed["color"]["border"] == "#c5221f" and ringed["borderWidth"] == 4
    assert node_style("team")["shape"] == "box"


def test_edge_styles_by_kind():
    assert edge_style("reports_to")["smooth"] is False and not edge_style("reports_to").get("dashes")
    assert edge_style("influences")["smooth"]["type"] == "curvedCW"
    assert edge_style("relationship", strength=1.0)["width"] > edge_style("relationship", strength=0.1)["width"]
    assert edge_style("relationship")["dashes"] is True
    assert edge_style("influences", rival=True)["color"]["color"] == STANCE_COLOURS[-1]


def test_legend_in_both_languages():
    assert any(row["label"] == "教练 ★" for row in legend("zh"))
    assert {row["group"] for row in legend("en")} == {"Stance", "Shape", "Lines"}


def test_label_width_counts_cjk_double():
    assert label_width("王建国王建国") > label_width("WangWang")
    assert label_width("王建国", "董事长兼总经理") == label_width("董事长兼总经理")


def _overlaps(positions, widths):
    rows = defaultdict(list)
    for key, (x, y) in positions.items():
        rows[round(y)].append((x - widths[key] / 2, x + widths[key] / 2, key))
    found = []
    for spans in rows.values():
        spans.sort()
        for (a0, a1, ka), (b0, b1, kb) in zip(spans, spans[1:]):
            if b0 < a1 - 0.5:
                found.append((ka, kb))
    return found


def test_org_chart_has_the_top_person_on_top_and_no_overlapping_labels(demo_graph):
    G = demo_graph
    at = org_positions(G)
    widths = {k: label_width(G.nodes[k].get("name"), G.nodes[k].get("title")) for k in at}
    assert _overlaps(at, widths) == []
    contacts = [k for k in at if G.nodes[k]["kind"] == "contact"]
    assert len(contacts) == sum(1 for _, d in G.nodes(data=True) if d["kind"] == "contact")
    chairman = at["contact:C0001"]  # 董事长, the top of the group
    assert chairman[1] == min(at[c][1] for c in contacts)
    same_line = 0
    for c in contacts:  # within a department, everyone sits below their manager
        boss = f"contact:{G.nodes[c].get('reports_to')}"
        if boss in at and G.nodes[c].get("department_id") and \
                G.nodes[c]["department_id"] == G.nodes[boss].get("department_id"):
            assert at[c][1] > at[boss][1], c
            same_line += 1
    assert same_line > 50
    # a base's people sit below the group's
    group_bottom = max(at[c][1] for c in contacts if G.nodes[c]["account_id"] == "A-G1")
    assert min(at[c][1] for c in contacts if G.nodes[c]["account_id"] == "A-SZ") > group_bottom


def test_org_map_nodes_edges_and_tooltips(demo_graph):
    data = org_map(demo_graph)
    nodes = {n["id"]: n for n in data.network.nodes}
    coach = nodes["contact:C0010"]
    assert coach["label"].startswith("★ ") and coach["color"]["background"] == "#fbbc04"
    assert all("x" in n and "y" in n for n in nodes.values())
    assert {e["edge"] for e in data.network.edges} == {"reports_to", "influences", "relationship"}
    assert not any("@" in line for n in nodes.values() for line in n["tip"])  # no personal data by default
    with_pii = {n["id"]: n for n in org_map(demo_graph, pii=True).network.nodes}
    assert any("@" in line for line in with_pii["contact:C0010"]["tip"])
    assert any(line.startswith("Last contact: 20") for line in coach["tip"])


def test_influence_unit_and_group_maps(demo_graph):
    data = influence_map(demo_graph)
    numbered = [e for e in data.network.edges if e.get("label")]
    assert numbered and all(e["width"] == 5 for e in numbered)
    faded = [n for n in data.network.nodes if n.get("opacity")]
    assert faded and len(faded) < len(data.network.nodes)
    unit = decision_unit_map(demo_graph, "O1")
    assert any("Support index" in f for f in unit.facts)
    assert any("→ projected" in n["label"] for n in unit.network.nodes)
    group = group_map(demo_graph)
    assert len(group.network.nodes) == 10 and group.links["account:A-SZ"] == "/accounts/A-SZ/map"


HOSTILE = ['<script>document.body.setAttribute("data-pwned","1")</script>',
           '<img src=x onerror="document.body.setAttribute(\'data-pwned\',\'1\')">',
           'see "href" here', '</script><script>document.body.setAttribute("data-pwned","1")</script>',
           'javascript:document.body.setAttribute("data-pwned","1")', "{{ 7*7 }} & ${7*7}"]


def test_pages_escape_every_user_string_and_reference_nothing_outside(demo_graph):
    G = demo_graph.copy()
    for i, (key, d) in enumerate(list(G.nodes(data=True))):
        if d["kind"] in ("contact", "account"):
            d["name"] = HOSTILE[i % len(HOSTILE)]
            d["title"] = HOSTILE[(i + 1) % len(HOSTILE)]
    for data in (org_map(G), influence_map(G), group_map(G)):
        for inline in (True, False):
            page = map_page(data, inline=inline)
            head, _, rest = page.partition('<script type="application/json" id="map-data">')
            block, _, tail = rest.partition("</script>")
            assert "<script>" not in head and "<img" not in head and "<img" not in block
            assert "</script" not in block.lower() and "<" not in block
            assert json.loads(block)["nodes"]  # the data survives as data
            assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    rows = [{"id": "X", "name": HOSTILE[1], "tier": HOSTILE[0], "posture": None, "contacts": 1, "coverage": 0.5,
             "gaps": {"high": 1}, "links": {"map": "/accounts/X/map"}}]
    index = index_page(rows)
    assert "<img" not in index and "&lt;img" in index
    for d in (d for _, d in G.nodes(data=True) if d["kind"] in ("department", "team")):
        d["name"] = HOSTILE[1]
    findings = gap_findings(G)
    assert len(findings["findings"]) > 10
    report = gap_report_page({"id": "X", "name": HOSTILE[3]}, findings, map_link="/accounts/X/map",
                             exports={"XLSX": "/x?format=xlsx"})
    assert "<img" not in report and "&lt;img" in report and report.count("<script") == 1  # our gaps.js only
    assert '<script src="/static/gaps.js" defer></script>' in report
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", report)


def test_exported_page_allows_only_its_own_inlined_code(demo_graph):
    page = map_page(org_map(demo_graph), inline=True)
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page).group(1)
    assert "default-src &#x27;none&#x27;" in csp and "unsafe-inline" not in csp and "http" not in csp
    assert len(re.findall(r"sha256-", csp)) == 4  # two scripts, two stylesheets
