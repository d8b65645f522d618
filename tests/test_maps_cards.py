"""The org chart as an account manager sees it, in a real browser: Debian's Chromium
driven by Playwright (``executable_path``, never a downloaded browser) at 1440×900.

Checks what the eye needs: a dozen people on screen, every visible label at least
11 px, no two cards overlapping, the top person and every decider findable without
hovering, the person panel (click, keyboard, Escape), the line layers, the filters,
search as you type, hostile names shown short and harmless."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import REPO
from graph.embedded import EmbeddedStore
from importers import import_paths
from powermap.commands.maps import chromium
from viz.maps import decision_unit_map, group_map, influence_map, org_map
from viz.page import map_page

playwright = pytest.importorskip("playwright.sync_api", reason="./dev test installs Playwright")
pytestmark = pytest.mark.skipif(chromium() is None, reason="Chromium is not installed (./dev test installs it)")

# every element that shows text of its own, on screen: its font size and its box
_LABELS = """() => {
  const out = [];
  const vw = innerWidth, vh = innerHeight;
  for (const e of document.querySelectorAll("body *")) {
    const own = Array.from(e.childNodes).some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || !e.getClientRects().length) continue;
    const r = e.getBoundingClientRect();
    if (r.bottom <= 0 || r.right <= 0 || r.top >= vh || r.left >= vw || r.width === 0) continue;
    out.push({text: e.textContent.trim().slice(0, 30), size: parseFloat(getComputedStyle(e).fontSize)});
  }
  return out;
}"""
_CARDS = """() => Array.from(document.querySelectorAll(".card")).filter(c => c.getClientRects().length).map(c => {
  const r = c.getBoundingClientRect();
  return {id: c.dataset.id, l: r.left, t: r.top, r: r.right, b: r.bottom};
})"""


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cards")
    with EmbeddedStore(folder / "demo.db") as store:
        import_paths([REPO / "demo" / "demo.xlsx"], store)
        G = store.account_subgraph("A-G1")
        page = folder / "org.html"
        page.write_text(map_page(org_map(G), inline=True), encoding="utf-8")
        yield G, page, folder


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium(), args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


def open_page(browser, path: Path, width: int = 1440, height: int = 900):
    page = browser.new_page(viewport={"width": width, "height": height})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri())
    page.wait_for_selector("body[data-ready='1']", timeout=30000)
    page.errors = errors
    return page


def until(page, condition: str) -> None:
    """Wait for a condition (the page's policy forbids eval, so poll with evaluate)."""
    for _ in range(100):
        if page.evaluate(f"() => {condition}"):
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"never true: {condition}")


def on_screen(cards, width, height):
    return [c for c in cards if c["b"] > 0 and c["t"] < height and c["r"] > 0 and c["l"] < width]


def test_demo_org_chart_reads_at_a_glance_at_1440x900(demo, browser):
    G, path, _ = demo
    page = open_page(browser, path)
    cards = page.evaluate(_CARDS)
    assert len(cards) == sum(1 for _, d in G.nodes(data=True) if d["kind"] == "contact")  # everyone has a card
    visible = on_screen(cards, 1440, 900)
    assert len(visible) >= 12, len(visible)
    sizes = page.evaluate(_LABELS)
    assert sizes and min(s["size"] for s in sizes) >= 11, sorted(sizes, key=lambda s: s["size"])[:3]
    overlapping = [(a["id"], b["id"]) for i, a in enumerate(cards) for b in cards[i + 1:]
                   if a["l"] < b["r"] - 0.5 and b["l"] < a["r"] - 0.5 and a["t"] < b["b"] - 0.5 and b["t"] < a["b"] - 0.5]
    assert overlapping == []
    assert "contact:C0001" in {c["id"] for c in visible}  # the top of the hierarchy, without scrolling
    listed = page.locator(".decider-list button").all_text_contents()
    deciders = [d["name"] for _, d in G.nodes(data=True) if d["kind"] == "contact" and "decider" in (d.get("roles") or ())]
    assert sorted(listed) == sorted(deciders)  # every decider findable without hovering
    assert page.locator(".card .c-coach").count() == sum(1 for _, d in G.nodes(data=True) if d.get("stance") == 3)
    assert page.errors == []
    page.close()


def test_a_click_opens_the_person_panel_and_escape_closes_it(demo, browser):
    G, path, _ = demo
    page = open_page(browser, path)
    panel = page.locator("[data-panel=person]")
    assert panel.is_hidden()
    page.locator(".card[data-id='contact:C0010']").click()
    assert panel.is_visible()
    text = panel.inner_text()
    assert G.nodes["contact:C0010"]["name"] in text
    ours = [G.nodes[u]["name"] for u, v, d in G.edges(data=True) if v == "contact:C0010" and d["type"] == "relationship"]
    assert ours and all(name in text for name in ours)  # our people who know them
    boss = G.nodes[f"contact:{G.nodes['contact:C0010']['reports_to']}"]["name"]
    assert boss in text and "strength" in text
    page.keyboard.press("Escape")
    assert panel.is_hidden()
    assert page.evaluate("document.activeElement.dataset.id") == "contact:C0010"  # focus back on the card
    # keyboard only: a card takes focus and Enter opens its panel
    page.locator(".card[data-id='contact:C0001']").focus()
    page.keyboard.press("Enter")
    assert panel.is_visible() and G.nodes["contact:C0001"]["name"] in panel.inner_text()
    assert page.evaluate("document.activeElement.className") == "panel-close"
    page.keyboard.press("Escape")
    assert panel.is_hidden()
    page.close()


def test_line_layers_switch_on_and_off(demo, browser):
    _, path, _ = demo
    page = open_page(browser, path)
    assert page.locator("svg.layers path.l-report").count() > 50  # reporting lines on at start
    assert page.locator("svg.layers path.l-influence, svg.layers path.l-ours").count() == 0  # the others off
    page.check("input[data-layer=influences]")
    until(page, "document.querySelectorAll('svg.layers path.l-influence').length > 20")
    page.check("input[data-layer=relationship]")
    until(page, "document.querySelectorAll('svg.layers path.l-ours').length > 5")
    page.uncheck("input[data-layer=reports_to]")
    page.uncheck("input[data-layer=influences]")
    page.uncheck("input[data-layer=relationship]")
    until(page, "document.querySelectorAll('svg.layers path').length === 0")
    page.locator(".card[data-id='contact:C0010']").click()  # the selected person's lines only
    until(page, "document.querySelectorAll('svg.layers path.hot').length > 0")
    assert page.locator("svg.layers path:not(.hot)").count() == 0
    page.close()


def test_filters_list_names_and_words_and_search_says_when_nothing_matches(demo, browser):
    G, path, _ = demo
    page = open_page(browser, path)
    departments = page.locator("#filter-department option").all_text_contents()[1:]
    assert departments and not any(d.startswith("D-") for d in departments)  # names, not ids
    assert "coach ★" in page.locator("#filter-stance option").all_text_contents()
    page.select_option("#filter-stance", "3")
    until(page, "document.body.dataset.shown === '2'")
    page.select_option("#filter-stance", "")
    page.select_option("#filter-role", "decider")
    deciders = sum(1 for _, d in G.nodes(data=True) if "decider" in (d.get("roles") or ()))
    until(page, f"document.body.dataset.shown === '{deciders}'")
    page.select_option("#filter-role", "")
    page.locator("#search").type("zqx")
    assert "No one matches" in page.locator("#search-status").inner_text()
    page.fill("#search", "")
    page.locator("#search").type(G.nodes["contact:C0010"]["name"][:2])
    assert page.locator(".card.hit").count() >= 1 and "match" in page.locator("#search-status").inner_text()
    page.keyboard.press("Enter")
    assert page.locator("[data-panel=person]").is_visible()
    page.close()


def test_hostile_names_show_short_and_harmless(demo, browser, tmp_path):
    G = demo[0].copy()
    G.nodes["contact:C0001"]["name"] = "名" * 5000
    G.nodes["contact:C0010"]["name"] = "\u202eevil"
    G.nodes["contact:C0011"]["name"] = '<img src=x onerror="document.body.dataset.pwned=1">'
    path = tmp_path / "hostile.html"
    path.write_text(map_page(org_map(G), inline=True), encoding="utf-8")
    page = open_page(browser, path)
    long_label = page.locator(".card[data-id='contact:C0001'] .c-name").inner_text()
    assert len(long_label) == 40 and long_label.endswith("…")
    assert page.locator(".card[data-id='contact:C0010'] .c-name").inner_text() == "evil"
    page.locator(".card[data-id='contact:C0001']").click()
    assert len(page.locator("#panel-name").inner_text()) == 5000  # the full text in the panel
    page.keyboard.press("Escape")
    page.locator(".card[data-id='contact:C0010']").click()
    assert page.locator("#panel-name").inner_text() == "[U+202E]evil"
    assert page.evaluate("document.body.dataset.pwned") is None and page.locator("img").count() == 0
    cards = page.evaluate(_CARDS)
    assert len(on_screen(cards, 1440, 900)) >= 12  # one long name does not collapse the chart
    page.close()


def test_the_network_maps_show_their_legends_and_the_group_map_no_person_filters(demo, browser, tmp_path):
    G = demo[0]
    for name, data in (("influence", influence_map(G)), ("unit", decision_unit_map(G, "O2")),
                       ("group", group_map(G))):
        path = tmp_path / f"{name}.html"
        path.write_text(map_page(data, inline=True), encoding="utf-8")
        page = open_page(browser, path)
        legend = page.locator(".legend").inner_text()
        if name == "group":
            assert "Coach coverage" in legend and "opposes us" not in legend
            assert page.locator("#filter-stance, #filter-role, #search").count() == 0
        else:
            assert "opposes us" in legend and page.locator("#filter-stance").count() == 1
            page.locator("#search").type("zqx")
            assert "No one matches" in page.locator("#search-status").inner_text()
        if name == "influence":
            assert "strongest path" in legend
        if name != "group":  # a person's panel, from the search (Enter) or a click on the canvas
            decider = next(n for n in data.network.nodes if "decider" in n["roles"])
            page.fill("#search", "")
            page.locator("#search").type(decider["name"])
            page.keyboard.press("Enter")
            assert page.locator("[data-panel=person]").is_visible()
            assert G.nodes[decider["id"]]["name"] in page.locator("#panel-name").inner_text()
            page.keyboard.press("Escape")
            assert page.locator("[data-panel=person]").is_hidden()
        assert page.errors == []
        page.close()


def test_a_large_account_opens_collapsed_with_its_deciders_named(browser, tmp_path):
    import sys

    sys.path.insert(0, str(REPO))
    from bench.synthetic import group_account

    with EmbeddedStore(tmp_path / "big.db") as store:
        store.write(group_account(2000, 8000))
        G = store.account_subgraph("G")
    path = tmp_path / "big.html"
    path.write_text(map_page(org_map(G, moves=False), inline=True), encoding="utf-8")
    page = open_page(browser, path)
    assert page.get_attribute("body", "data-drawn") == str(2000 + 5)  # every card built (and our five)
    assert page.locator("section.collapsed").count() >= 4  # sub-accounts collapsed, not shrunk
    assert page.locator("section.dept.folded").count() >= 3  # big departments show their leads
    assert len(on_screen(page.evaluate(_CARDS), 1440, 900)) >= 12
    sizes = page.evaluate(_LABELS)
    assert min(s["size"] for s in sizes) >= 11
    chips = page.locator(".collapsed > .g-when-closed .person-link")
    assert chips.count() >= 12  # the deciders of collapsed groups are named on them
    chips.first.click()  # … and one click opens the way to the card and its panel
    assert page.locator("[data-panel=person]").is_visible()
    page.keyboard.press("Escape")
    before = len(page.evaluate(_CARDS))
    page.locator("section.dept.folded button.more").first.click()  # a department unfolds whole
    assert len(page.evaluate(_CARDS)) > before + 50
    page.close()


def test_the_person_panel_lists_the_contacts_open_and_overdue_plan_actions(demo, browser):
    G, path, _ = demo
    page = open_page(browser, path)
    page.locator(".card[data-id='contact:C0002']").click()  # the 总裁 our VP was to visit by 2026-10-25
    text = page.locator("[data-panel=person]").inner_text()
    assert "Plan actions (open, overdue)" in text
    assert "executive visit by 陈志远, due 2026-10-25" in text and "days overdue" in text
    page.keyboard.press("Escape")
    page.locator(".card[data-id='contact:C0010']").click()  # the coach: the plan's visit was done
    assert "Plan actions" not in page.locator("[data-panel=person]").inner_text()
    assert page.errors == []
    page.close()


def test_the_division_layer_colours_our_relationships_by_division(browser, tmp_path):
    """合肥 in the demo: two of our divisions; the layer draws every relationship of ours in
    its division's colour, paints our people's chips and initials, and lists the divisions."""
    with EmbeddedStore(tmp_path / "demo.db") as store:
        import_paths([REPO / "demo" / "demo.xlsx"], store)
        G = store.account_subgraph("A-HF")
    data = org_map(G)
    colours = dict(data.extra["divisions"])
    assert set(colours) == {"液压事业部", "电控事业部"} and len(set(colours.values())) == 2
    path = tmp_path / "hefei.html"
    path.write_text(map_page(data, inline=True), encoding="utf-8")
    page = open_page(browser, path)
    assert page.locator(".division-legend li").all_text_contents() == ["液压事业部", "电控事业部"]
    assert page.locator("svg.layers path.l-division").count() == 0  # off at start
    page.check("input[data-layer=division]")
    relationships = sum(1 for _, _, d in G.edges(data=True) if d["type"] == "relationship")
    until(page, f"document.querySelectorAll('svg.layers path.l-division').length === {relationships}")
    strokes = page.evaluate("() => Array.from(document.querySelectorAll('svg.layers path.l-division'))"
                            ".map(p => p.style.stroke)")
    hexed = {"rgb(%d, %d, %d)" % tuple(int(c[i:i + 2], 16) for i in (1, 3, 5)) for c in colours.values()}
    assert set(strokes) == hexed
    # the general manager both divisions court: one initial in each division's colour
    gm = next(k for k, d in G.nodes(data=True) if d.get("title") == "基地总经理" and d.get("account_id") == "A-HF")
    painted = page.evaluate(f"() => Array.from(document.querySelectorAll(\".card[data-id='{gm}'] .b-known .ini\"))"
                            ".map(i => i.style.background)")
    assert len(painted) == 2 and set(painted) == hexed
    assert page.evaluate("() => document.body.classList.contains('by-division')")
    page.uncheck("input[data-layer=division]")
    until(page, "document.querySelectorAll('svg.layers path.l-division').length === 0")
    assert page.evaluate("() => Array.from(document.querySelectorAll('.ini')).every(i => !i.style.background)")
    assert page.errors == []
    page.close()
