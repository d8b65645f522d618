"""``powermap map``: a map as one self-contained HTML file (to e-mail), or for a slide as a
PNG picture, an SVG (that picture in an SVG wrapper) or a PDF page, drawn by headless
Chromium in the page's export mode: the whole chart fitted, its legend, no controls."""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import click

from graph.exceptions import PowermapError
from powermap.cli import app, cadence_policy, err, open_cli_store
from viz import maps
from viz.page import map_page

__all__ = ["map_command", "chromium", "CHROMIUM_FLAGS", "export_size", "org_chart_height"]

#: How powermap runs Chromium: headless, and never reaching out to the network by itself.
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
                  "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1")


def chromium() -> str | None:
    """The path of a Chromium to render pictures with, if there is one."""
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


@app.command("map")
@click.argument("account")
@click.option("--kind", type=click.Choice(["org", "influence", "group"]), default="org", show_default=True,
              help="org chart, influence paths to the deciders, or the group's parts by coverage.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="FILE.html (one self-contained page), or for a slide FILE.png, FILE.svg or FILE.pdf "
                   "(the whole chart and its legend, no controls; with headless Chromium).")
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True, help="Labels.")
@click.option("--pii", is_flag=True, help="Show e-mail and phone in the tooltips (personal data!).")
@click.option("--width", type=click.IntRange(400, 8000), default=1600, show_default=True,
              help="Picture width in pixels (PDF: the page width).")
@click.option("--height", type=click.IntRange(300, 8000),
              help="Picture height [default: what the chart's shape needs at --width; for the org "
                   "chart, measured by Chromium in a first pass]. A given height fits the chart into "
                   "it (scaled down, or up to 2× for a small chart), e.g. --height 900 for a 16:9 slide.")
def map_command(account: str, kind: str, output: Path, lang: str, pii: bool, width: int, height: int | None) -> None:
    """Write the map of ACCOUNT to a file: an .html that works offline, with no
    external reference, to send by e-mail; or, to put in a slide, a .png, .svg or .pdf
    of the whole chart with its legend and without the page's controls (search box,
    filter menus, links), sized to the chart's shape and filled by it, rendered with
    headless Chromium (the org chart in two passes: one measures its shape at --width).
    The .svg holds the same picture as the .png (a raster image in an SVG file).

    \b
    Examples:
      powermap map A-G1 -o group.html
      powermap map A-JN -o jiangnan.png
      powermap map A-G1 --kind influence --lang zh -o 影响力.pdf
    """
    suffix = output.suffix.lower()
    if suffix not in (".html", ".htm", ".png", ".svg", ".pdf"):
        raise click.BadParameter("the file must end in .html, .png, .svg or .pdf", param_hint="-o")
    with open_cli_store() as store:
        G = store.account_subgraph(account)
    policy = cadence_policy()  # the configured one: rings and group gap counts as `gaps` reports them
    data = {"org": lambda: maps.org_map(G, lang=lang, pii=pii, cadence_policy=policy),
            "influence": lambda: maps.influence_map(G, lang=lang, pii=pii),
            "group": lambda: maps.group_map(G, lang=lang, cadence_policy=policy)}[kind]()
    if suffix in (".html", ".htm"):
        page = map_page(data, inline=True)
        output.write_text(page, encoding="utf-8")
        err.print(f"wrote {output} ({len(page.encode()):,} bytes, {len(data.network.nodes)} nodes)", markup=False)
        return
    browser = chromium()
    if browser is None:
        raise PowermapError(f"a {suffix[1:].upper()} needs Chromium (Debian: apt-get install chromium); "
                            "write .html instead")
    size = (width, height or export_size(data.network.nodes, width))
    with tempfile.TemporaryDirectory() as tmp:
        if kind == "org" and height is None:  # a first pass measures the chart's shape at this width
            measured = _render(browser, map_page(data, inline=True, export_size=size), size, Path(tmp), ["--dump-dom"])
            if measured.returncode:
                raise PowermapError(f"Chromium could not lay out the org chart: {measured.stderr.strip()[-300:]}")
            size = (width, org_chart_height(measured.stdout))
        page = map_page(data, inline=True, export_size=size)
        picture = Path(tmp) / "map.png"
        target = (["--no-pdf-header-footer", f"--print-to-pdf={output.resolve()}"] if suffix == ".pdf"
                  else [f"--screenshot={picture}"])
        result = _render(browser, page, size, Path(tmp), target)
        if suffix != ".pdf" and not result.returncode and picture.exists():
            if suffix == ".png":
                shutil.move(picture, output)
            else:
                output.write_text(_svg(picture.read_bytes(), size), encoding="utf-8")
    if result.returncode or not output.exists():
        raise PowermapError(f"Chromium could not render the {suffix[1:].upper()}: {result.stderr.strip()[-300:]}")
    err.print(f"wrote {output} ({size[0]}×{size[1]}, {len(data.network.nodes)} nodes)", markup=False)


#: The export page's fixed parts: the legend column on the right and the title bar on top.
_LEGEND_WIDTH, _TITLE_HEIGHT = 236, 46


def export_size(nodes: list[dict], width: int) -> int:
    """The picture height that gives the chart its own shape at ``width`` (its positions'
    extent plus room for labels), never shorter than the legend needs. The org chart's cards
    have no positions: their count gives a first guess, which ``org_chart_height`` replaces
    with the measured shape.

    >>> export_size([{"x": 0, "y": 0}, {"x": 1000, "y": 500}], 1600)
    772
    >>> export_size([{"kind": "contact"}] * 157, 1600)  # the org chart's cards: no positions
    2118
    """
    xs = [n["x"] for n in nodes if n.get("x") is not None]
    ys = [n["y"] for n in nodes if n.get("y") is not None]
    if not xs and any(n.get("kind") == "contact" for n in nodes):  # the org chart's cards, ~60 px tall,
        columns = max(1.0, (width - _LEGEND_WIDTH) / 240)           # in columns of ~240 px (and headers)
        rows = len(nodes) / columns
        return max(560, min(8000, round(_TITLE_HEIGHT + rows * 75)))
    if not xs:
        return round(width * 0.625)
    shape = (max(ys) - min(ys) + 160) / (max(xs) - min(xs) + 240)
    return max(560, min(8000, round(_TITLE_HEIGHT + (width - _LEGEND_WIDTH) * shape)))


def org_chart_height(dom: str) -> int:
    """The picture height that gives the card org chart its own shape, from the page a first
    pass of export mode dumped: cards.js lays the chart out as wide as the map (less its
    margins) at its natural size and reports its extent (``data-export-content-width/height``);
    the map takes that shape at its width, below the title bar; within [560, 8000] like every
    picture (a taller chart is then laid out wider and scaled down to fit).

    >>> org_chart_height('<body class="pm-export" data-export-content-width="1333" '
    ...                  'data-export-content-height="1443" data-export-frame-width="1365" '
    ...                  'data-export-margin="16" data-export-chrome-height="41">')
    1516
    """
    head = re.search(r"<body[^>]*>", dom)
    found = dict(re.findall(r'data-export-([a-z-]+)="([\d.]+)"', head.group(0) if head else ""))
    try:
        content_w, content_h, frame_w, margin, chrome = (float(found[k]) for k in (
            "content-width", "content-height", "frame-width", "margin", "chrome-height"))
    except KeyError:
        raise PowermapError("Chromium did not lay out the org chart (its page has no export measures)") from None
    chart = (frame_w - 2 * margin) * content_h / max(content_w, 1.0)
    return max(560, min(8000, round(chrome + 2 * margin + chart)))


def _render(browser: str, page: str, size: tuple[int, int], tmp: Path, target: list[str]):
    """Run headless Chromium on ``page`` (its export mode) in a window of ``size``: ``target``
    says what to make of it (a screenshot, a PDF, the DOM on stdout)."""
    html = tmp / "map.html"
    html.write_text(page, encoding="utf-8")
    return subprocess.run([browser, *CHROMIUM_FLAGS, f"--user-data-dir={tmp}/profile",
                           f"--window-size={size[0]},{size[1]}", "--virtual-time-budget=10000",
                           *target, html.as_uri()], capture_output=True, text=True, timeout=120)


def _svg(png: bytes, size: tuple[int, int]) -> str:
    """An SVG file holding the picture (slides and editors that want SVG take it as it is)."""
    data = base64.b64encode(png).decode()
    return (f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
            f'width="{size[0]}" height="{size[1]}" viewBox="0 0 {size[0]} {size[1]}">'
            f'<image width="{size[0]}" height="{size[1]}" href="data:image/png;base64,{data}" '
            f'xlink:href="data:image/png;base64,{data}"/></svg>\n')
