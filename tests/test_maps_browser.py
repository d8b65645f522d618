"""The maps in a real browser: Debian's Chromium, headless, with every host but
127.0.0.1 unresolvable. Pages load, draw the expected number of people, run no script
of a hostile data set, and the demo's org chart is written as a picture (not blank)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from builders import write_workbook
from conftest import REPO
from graph.embedded import EmbeddedStore
from importers import import_paths
from powermap.commands.maps import CHROMIUM_FLAGS, chromium
from viz.maps import decision_unit_map, group_map, influence_map, org_map
from viz.page import map_page

pytestmark = pytest.mark.skipif(chromium() is None, reason="Chromium is not installed (./dev test installs it)")
ARTIFACTS = REPO / "test-artifacts"
HOSTILE = ['<script>document.body.setAttribute("data-pwned","1")</script>',
           '<img src=x onerror="document.body.setAttribute(\'data-pwned\',\'1\')">',
           'a "href" b', '</script><img src=x onerror="document.body.setAttribute(\'data-pwned\',\'1\')">',
           'javascript:document.body.setAttribute("data-pwned","1")']


def browse(target: str, tmp_path: Path, *, screenshot: Path | None = None) -> str:
    """The DOM after the page ran (or a screenshot), in headless Chromium."""
    profile = tmp_path / f"profile-{time.monotonic_ns()}"
    what = [f"--screenshot={screenshot}", "--window-size=1600,1000"] if screenshot else ["--dump-dom"]
    result = subprocess.run([chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--virtual-time-budget=15000",
                             *what, target], capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def attribute(dom: str, name: str) -> str | None:
    body = re.search(r"<body[^>]*>", dom)
    found = re.search(rf'{name}="([^"]*)"', body.group(0)) if body else None
    return found.group(1) if found else None


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("browser")
    with EmbeddedStore(folder / "demo.db") as store:
        import_paths([REPO / "demo" / "demo.xlsx"], store)
        yield store, folder


def test_exported_maps_draw_every_person_offline(demo, tmp_path):
    store, _ = demo
    G = store.account_subgraph("A-G1")
    for name, data in (("org", org_map(G)), ("influence", influence_map(G)), ("group", group_map(G)),
                       ("unit", decision_unit_map(G, "O2"))):
        page = tmp_path / f"{name}.html"
        page.write_text(map_page(data, inline=True), encoding="utf-8")
        dom = browse(page.as_uri(), tmp_path)
        assert attribute(dom, "data-ready") == "1", name
        assert attribute(dom, "data-drawn") == str(len(data.network.nodes)), name


def test_the_demo_org_chart_as_a_picture_is_not_blank(demo, tmp_path):
    from PIL import Image

    store, _ = demo
    page = tmp_path / "org.html"
    page.write_text(map_page(org_map(store.account_subgraph("A-G1")), inline=True), encoding="utf-8")
    ARTIFACTS.mkdir(exist_ok=True)
    picture = ARTIFACTS / "demo-org-map.png"
    picture.unlink(missing_ok=True)
    browse(page.as_uri(), tmp_path, screenshot=picture)
    image = Image.open(picture).convert("RGB")
    canvas = image.crop((0, 60, int(image.width * 0.8), image.height))  # the map, not the legend
    colours = canvas.getcolors(maxcolors=1 << 20)
    inked = sum(count for count, colour in colours if colour != (255, 255, 255))
    assert len(colours) > 20 and inked > 0.01 * canvas.width * canvas.height


def hostile_workbook(path: Path) -> Path:
    return write_workbook(path, {
        "accounts": [["id", "name", "parent_id"], ["H", HOSTILE[0], None], ["H2", HOSTILE[1], "H"]],
        "departments": [["id", "account_id", "name", "kind"], ["HD", "H", HOSTILE[3], "purchasing"]],
        "contacts": [["id", "account_id", "department_id", "name", "title", "roles", "stance", "notes"]] + [
            [f"h{i}", "H" if i % 2 else "H2", "HD" if i % 2 else None, HOSTILE[i % 5], HOSTILE[(i + 2) % 5],
             "决策者" if i == 1 else None, (i % 5) - 1, HOSTILE[(i + 1) % 5]] for i in range(10)],
        "team": [["id", "name", "role"], ["T", HOSTILE[4], "account_manager"]],
        "relationships": [["team_id", "contact_id", "strength"], ["T", "h1", 0.5]],
        "influence": [["source_id", "target_id", "weight"], ["h2", "h1", 0.5], ["h3", "h1", 0.5]],
        "opportunities": [["id", "account_id", "name", "dmu_type"], ["OH", "H", HOSTILE[2], "authority"]],
        "opportunity_members": [["opportunity_id", "contact_id", "role", "is_decider"], ["OH", "h1", "决策者", "是"]],
    })


def test_hostile_names_run_no_script_in_exported_maps(tmp_path):
    with EmbeddedStore(tmp_path / "hostile.db") as store:
        import_paths([hostile_workbook(tmp_path / "hostile.xlsx")], store)
        G = store.account_subgraph("H")
        for name, data in (("org", org_map(G)), ("influence", influence_map(G)), ("group", group_map(G)),
                           ("unit", decision_unit_map(G, "OH"))):
            page = tmp_path / f"{name}.html"
            page.write_text(map_page(data, inline=True), encoding="utf-8")
            dom = browse(page.as_uri(), tmp_path)
            assert attribute(dom, "data-pwned") is None, name
            assert attribute(dom, "data-drawn") == str(len(data.network.nodes)), name


def _serve(db: Path, port: int) -> tuple[subprocess.Popen, str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    server = subprocess.Popen([sys.executable, "-m", "powermap", "--db", str(db), "serve", "--port", str(port)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    link = server.stdout.readline().strip()
    assert link.startswith("http://127.0.0.1"), server.stderr.read()
    import httpx

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    return server, link


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("data", ["demo", "hostile"])
def test_served_pages_load_signed_in_and_run_no_hostile_script(data, tmp_path):
    db = tmp_path / "served.db"
    source = REPO / "demo" / "demo.xlsx" if data == "demo" else hostile_workbook(tmp_path / "hostile.xlsx")
    with EmbeddedStore(db) as store:
        import_paths([source], store)
        root = "A-G1" if data == "demo" else "H"
        opportunity = "O2" if data == "demo" else "OH"
        expected = len(org_map(store.account_subgraph(root)).network.nodes)
        expected_influence = len(influence_map(store.account_subgraph(root)).network.nodes)
    port = _free_port()
    server, link = _serve(db, port)
    try:
        key = link.split("key=")[1].split("&")[0]
        pages = {f"/accounts/{root}/map": expected, f"/accounts/{root}/influence": expected_influence,
                 f"/groups/{root}/map": None, f"/opportunities/{opportunity}/map": None}
        for path, count in pages.items():
            dom = browse(f"http://127.0.0.1:{port}/login?key={key}&next={path}", tmp_path)
            assert attribute(dom, "data-ready") == "1", path
            assert attribute(dom, "data-pwned") is None, path
            if count is not None:
                assert attribute(dom, "data-drawn") == str(count), path
            assert 'class="lang-switch"' in dom and "lang=zh" in dom, path  # the English/中文 switch
        index = browse(f"http://127.0.0.1:{port}/login?key={key}&next=/", tmp_path)
        assert f"/accounts/{root}/map" in index and attribute(index, "data-pwned") is None
        assert "<img src" not in index and "<script>document" not in index  # the names are shown as text
        report = browse(f"http://127.0.0.1:{port}/login?key={key}&next=/accounts/{root}/gap-report", tmp_path)
        assert "focus=" in report and attribute(report, "data-pwned") is None and "<img src" not in report
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_a_2000_person_account_draws(tmp_path):
    sys.path.insert(0, str(REPO))
    from bench.synthetic import group_account

    with EmbeddedStore(tmp_path / "big.db") as store:
        store.write(group_account(2000, 8000))
        data = org_map(store.account_subgraph("G"))
    page = tmp_path / "big.html"
    page.write_text(map_page(data, inline=True), encoding="utf-8")
    dom = browse(page.as_uri(), tmp_path)
    assert attribute(dom, "data-drawn") == str(len(data.network.nodes)) and len(data.network.nodes) >= 2000


def test_powermap_map_writes_html_and_png(demo, tmp_path):
    from powermap.cli import main

    _, folder = demo
    db = str(folder / "demo.db")
    assert main(["--db", db, "map", "A-G1", "--kind", "group", "-o", str(tmp_path / "g.html")]) == 0
    page = (tmp_path / "g.html").read_text(encoding="utf-8")
    assert "Content-Security-Policy" in page and "/static/" not in page
    assert main(["--db", db, "map", "A-G1", "-o", str(tmp_path / "org.png"), "--width", "800", "--height", "600"]) == 0
    from PIL import Image

    assert Image.open(tmp_path / "org.png").size == (800, 600)
    assert main(["--db", db, "map", "A-G1", "-o", str(tmp_path / "org.txt")]) == 2


def test_competitor_filter_shows_only_the_people_leaning_to_that_rival(demo, tmp_path):
    """The org chart's competitor filter, preset from the address as the select would set it:
    in Chromium every card but those leaning to Siemens is hidden; the influence map's
    network shows only them (and our team)."""
    from graph.analysis.competitors import leans_to

    store, _ = demo
    G = store.account_subgraph("A-G1")
    siemens = {d["id"] for n, d in G.nodes(data=True) if d["kind"] == "contact" and leans_to(G, n) == "Siemens"}
    assert siemens
    data = org_map(G)
    assert "Siemens" in data.extra["competitors"]
    page = tmp_path / "org.html"
    page.write_text(map_page(data, inline=True), encoding="utf-8")
    dom = browse(page.as_uri() + "?competitor=Siemens", tmp_path)
    assert attribute(dom, "data-ready") == "1"
    cards = re.findall(r'<[a-z]+ [^>]*class="card[^"]*"[^>]*>', dom)
    shown = {re.search(r'data-id="contact:([^"]+)"', c).group(1) for c in cards
             if "hidden" not in c and 'data-id="contact:' in c}
    assert shown == siemens
    network = influence_map(G)
    page = tmp_path / "influence.html"
    page.write_text(map_page(network, inline=True), encoding="utf-8")
    dom = browse(page.as_uri() + "?competitor=Siemens", tmp_path)
    kept = [n for n in network.network.nodes if n["kind"] != "contact" or n.get("competitor") == "Siemens"]
    assert int(attribute(dom, "data-drawn")) == len(kept) < len(network.network.nodes)
