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
from viz.cards import initials, org_cards
from viz.encoding import STANCE_COLOURS, UNKNOWN_COLOUR, edge_style, legend, node_style, plain, short
from viz.layout import label_width
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
    assert node_style("contact", stance=2)["color"]["border"] != STANCE_COLOURS[-1]  # no gap ring in stance red
    assert node_style("team")["shape"] == "box"


def test_edge_styles_by_kind():
    assert edge_style("reports_to")["smooth"] is False and not edge_style("reports_to").get("dashes")
    assert edge_style("influences")["smooth"]["type"] == "curvedCW"
    assert edge_style("relationship", strength=1.0)["width"] > edge_style("relationship", strength=0.1)["width"]
    assert edge_style("relationship")["dashes"] is True
    assert edge_style("influences", rival=True)["color"]["color"] == STANCE_COLOURS[-1]


def test_each_map_has_its_own_legend_in_both_languages():
    assert any(row["label"] == "教练 ★" for row in legend("zh"))
    assert list(dict.fromkeys(row["group"] for row in legend("en", "org"))) == ["Stance", "Badges", "Lines"]
    assert any(row["shape"] == "path" for row in legend("en", "influence"))
    assert not any(row["shape"] == "path" for row in legend("en", "org"))
    group = legend("en", "group")
    assert {row["group"] for row in group} == {"Coach coverage", "Lines"}  # no stance legend on the group map
    assert [row["label"] for row in group][:5] == ["0%", "25%", "50%", "75%", "100%"]
    assert any("reach" in row["label"] for row in legend("en", "unit"))


def test_rival_line_is_distinct_from_our_relationship_line():
    rival, ours = edge_style("influences", rival=True), edge_style("relationship")
    assert rival["dashes"] != ours["dashes"] and rival["color"] != ours["color"]


def test_labels_are_capped_and_bidirectional_controls_neutralised():
    assert len(short("名" * 5000)) == 40 and short("名" * 5000).endswith("…")
    assert short("\u202eevil\u202c") == "evil" and "\u202e" not in short("a\u202eb\u2066c")
    assert plain("\u202eevil") == "[U+202E]evil" and plain("x" * 5000) == "x" * 5000
    assert short("a\x00b\nc") == "a b c"
    assert initials("Account Manager") == "AM" and initials("李文博") == "李文"


def test_label_width_counts_cjk_double():
    assert label_width("王建国王建国") > label_width("WangWang")
    assert label_width("王建国", "董事长兼总经理") == label_width("董事长兼总经理")


def test_org_cards_group_people_by_account_and_department_top_first(demo_graph):
    G = demo_graph
    groups = org_cards(G)
    root = groups["accounts"][0]
    assert root["id"] == "A-G1" and root["level"] == 0 and root["tops"][0] == "contact:C0001"  # 董事长 on top
    placed = [k for g in groups["accounts"] for k in g["tops"]] + \
        [p[0] for g in groups["accounts"] for d in g["departments"] for p in d["people"]] + groups["outside"]
    contacts = [k for k, d in G.nodes(data=True) if d["kind"] == "contact"]
    assert sorted(placed) == sorted(contacts)  # everyone exactly once
    kinds = [d["kind"] for d in root["departments"]]
    lines = [k for k in kinds if k in ("purchasing", "design", "user")]
    assert lines == sorted(lines, key=["purchasing", "design", "user"].index) and kinds[0] == "management"
    nested = 0
    for g in groups["accounts"]:
        for d in g["departments"]:
            order = [k for k, _ in d["people"]]
            depth = dict((k, n) for k, n in d["people"])
            for k, n in d["people"]:  # a report sits one level below a manager of the same department
                boss = f"contact:{G.nodes[k].get('reports_to')}"
                if boss in depth:
                    assert n == depth[boss] + 1 and order.index(boss) < order.index(k)
                    nested += 1
    assert nested > 50
    sub = {g["id"]: g for g in groups["accounts"]}["A-SZ"]
    assert sub["parent"] == "A-G1" and sub["level"] == 1 and not sub["collapsed"]  # the demo opens whole
    big = org_cards(G, large_above=100)  # a large account: lower levels collapsed, not shrunk
    assert all(g["collapsed"] for g in big["accounts"][1:]) and not big["accounts"][0]["collapsed"]
    assert not any(d["folded"] for g in groups["accounts"] for d in g["departments"])
    for g in big["accounts"]:
        for d in g["departments"]:
            assert d["folded"] == (len(d["people"]) > 30)
            if d["folded"]:  # its leads: every decider and the most senior eight
                deciders = {k for k, _ in d["people"] if "decider" in (G.nodes[k].get("roles") or ())}
                assert deciders <= set(d["leads"]) and len(d["leads"]) == len(deciders) + 8


def test_org_map_cards_and_person_panels(demo_graph):
    data = org_map(demo_graph)
    nodes = {n["id"]: n for n in data.network.nodes}
    coach = nodes["contact:C0010"]
    assert coach["label"].startswith("★ ") and coach["stance"] == 3
    assert coach["known"] and all(len(k) <= 3 for k in coach["known"])  # our people as initials
    assert {e["edge"] for e in data.network.edges} == {"reports_to", "influences", "relationship"}
    gapped = [n for n in nodes.values() if n.get("gap")]
    assert gapped and {n["gap"] for n in gapped} <= {"high", "medium", "low"}
    panel = data.extra["panels"]["contact:C0010"]
    assert panel["ours"] and all(r["strength"] is not None for r in panel["ours"])
    assert panel["manager"] and panel["name"] == demo_graph.nodes["contact:C0010"]["name"]
    assert "email" not in panel  # no personal data by default
    assert "email" in org_map(demo_graph, pii=True).extra["panels"]["contact:C0010"]
    assert any(p["next"] for p in data.extra["panels"].values())  # the next moves reach the panels
    labels = dict(data.extra["departments"])
    assert labels and not any(label.startswith("D-") for label in labels.values())  # names, not ids
    assert data.data["words"]["-1"] == "opposes us" and org_map(demo_graph, lang="zh").data["words"]["-1"] == "反对"


def test_influence_unit_and_group_maps(demo_graph):
    data = influence_map(demo_graph)
    numbered = [e for e in data.network.edges if e.get("label")]
    assert numbered and all(re.fullmatch(r"\d+ · [01]\.\d\d", e["label"]) for e in numbered)
    assert not any(n.get("opacity") for n in data.network.nodes)  # no faded crowd
    assert len(data.network.nodes) < 60 and any("no path" in f for f in data.facts)
    unit = decision_unit_map(demo_graph, "O1")
    assert any("Support index" in f for f in unit.facts)
    assert any("→ projected" in n["label"] for n in unit.network.nodes)
    assert any(re.search(r"reached by: [^—]", n["label"]) for n in unit.network.nodes)
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
    for data, hashes in ((org_map(demo_graph), 3), (influence_map(demo_graph), 5)):
        page = map_page(data, inline=True)
        csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page).group(1)
        assert "default-src &#x27;none&#x27;" in csp and "unsafe-inline" not in csp and "http" not in csp
        assert len(re.findall(r"sha256-", csp)) == hashes  # org: panel.js, cards.js, map.css; others: vis too
        assert 'style="' not in page.split("<script")[0]  # no inline style attribute: the policy blocks it


def test_the_org_map_says_why_people_are_focused_as_text(demo_graph):
    data = org_map(demo_graph, focus=["C0010"], reason='<img src=x> no coach in "design"')
    page = map_page(data)
    assert '<p class="why" role="note">&lt;img src=x&gt; no coach in &quot;design&quot;</p>' in page
    assert data.data["focus"] == ["C0010"] and 'class="why"' not in map_page(org_map(demo_graph))


def test_a_reporting_cycle_still_gives_everyone_one_card(demo_graph):
    G = demo_graph.copy()
    a, b = "contact:C0010", "contact:C0011"
    for u, v, k in [e for e in G.out_edges([a, b], keys=True) if e[2] == "reports_to"]:
        G.remove_edge(u, v, k)
    G.nodes[b]["department_id"] = G.nodes[a]["department_id"]
    G.add_edge(a, b, "reports_to", type="reports_to")
    G.add_edge(b, a, "reports_to", type="reports_to")
    groups = org_cards(G)
    placed = [k for g in groups["accounts"] for k in g["tops"]] + \
        [p[0] for g in groups["accounts"] for d in g["departments"] for p in d["people"]] + groups["outside"]
    assert placed.count(a) == 1 and placed.count(b) == 1
    assert len(placed) == sum(1 for _, d in G.nodes(data=True) if d["kind"] == "contact")
