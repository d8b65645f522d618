"""``powermap map``: a map as one self-contained HTML file (to e-mail) or a PNG picture."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import click

from graph.exceptions import PowermapError
from powermap.cli import app, cadence_policy, err, open_cli_store
from viz import maps
from viz.page import map_page

__all__ = ["map_command", "chromium", "CHROMIUM_FLAGS"]

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
              help="FILE.html (one self-contained page) or FILE.png (a picture, with headless Chromium).")
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True, help="Labels.")
@click.option("--pii", is_flag=True, help="Show e-mail and phone in the tooltips (personal data!).")
@click.option("--width", type=click.IntRange(400, 8000), default=1600, show_default=True, help="PNG width.")
@click.option("--height", type=click.IntRange(300, 8000), default=1000, show_default=True, help="PNG height.")
def map_command(account: str, kind: str, output: Path, lang: str, pii: bool, width: int, height: int) -> None:
    """Write the map of ACCOUNT to a file: an .html that works offline, with no
    external reference, to send by e-mail; or a .png rendered with headless Chromium.

    \b
    Examples:
      powermap map A-G1 -o group.html
      powermap map A-G1 --kind influence --lang zh -o 影响力.png
    """
    suffix = output.suffix.lower()
    if suffix not in (".html", ".htm", ".png"):
        raise click.BadParameter("the file must end in .html or .png", param_hint="-o")
    with open_cli_store() as store:
        G = store.account_subgraph(account)
    policy = cadence_policy()  # the configured one: rings and group gap counts as `gaps` reports them
    data = {"org": lambda: maps.org_map(G, lang=lang, pii=pii, cadence_policy=policy),
            "influence": lambda: maps.influence_map(G, lang=lang, pii=pii),
            "group": lambda: maps.group_map(G, lang=lang, cadence_policy=policy)}[kind]()
    page = map_page(data, inline=True)
    if suffix != ".png":
        output.write_text(page, encoding="utf-8")
        err.print(f"wrote {output} ({len(page.encode()):,} bytes, {len(data.network.nodes)} nodes)", markup=False)
        return
    browser = chromium()
    if browser is None:
        raise PowermapError("a PNG needs Chromium (Debian: apt-get install chromium); write .html instead")
    with tempfile.TemporaryDirectory() as tmp:
        html = Path(tmp) / "map.html"
        html.write_text(page, encoding="utf-8")
        result = subprocess.run([browser, *CHROMIUM_FLAGS, f"--user-data-dir={tmp}/profile",
                                 f"--window-size={width},{height}", "--virtual-time-budget=10000",
                                 f"--screenshot={output.resolve()}", html.as_uri()],
                                capture_output=True, text=True, timeout=120)
    if result.returncode or not output.exists():
        raise PowermapError(f"Chromium could not render the picture: {result.stderr.strip()[-300:]}")
    err.print(f"wrote {output}", markup=False)
