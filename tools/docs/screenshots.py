"""Screenshots with Debian's Chromium (driven by Playwright, never a downloaded browser), 1440×900.

    python tools/docs/screenshots.py demo            # docs/assets/demo-org-chart.png: the demo's org chart
                                                     # as `powermap demo` serves it (what the README shows)
    python tools/docs/screenshots.py site SITE OUT   # pages of a built documentation site (SITE, from
                                                     # `./dev docs --build`) as PNGs in OUT, to look at

`demo` loads the demo into a temporary store, starts `powermap demo --port 0`, signs in with the
link it prints, opens /accounts/A-G1/map and waits until the chart says it is ready.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]
VIEWPORT = {"width": 1440, "height": 900}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
#: the pages of the documentation site worth looking at as a reader
SITE_PAGES = ("index.html", "getting-started.html", "reference/cli/gaps.html", "reference/workbook.html",
              "reference/http-api.html", "zh/getting-started.html", "zh/concepts.html")


def chromium_path() -> str:
    for path in ("/usr/bin/chromium", "/usr/bin/chromium-browser"):
        if Path(path).exists():
            return path
    sys.exit("Chromium is not installed (./dev test installs Debian's chromium)")


def demo_org_chart(out: Path) -> None:
    with tempfile.TemporaryDirectory() as folder:
        powermap = Path(sys.executable).with_name("powermap")
        server = subprocess.Popen([str(powermap), "--db", str(Path(folder) / "demo.db"), "demo", "--port", "0"],
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                  env={**os.environ, "COLUMNS": "400"})
        try:
            link = None
            for line in server.stdout:
                found = re.search(r"(http://\S+/login\?key=\S+)", line)
                if found:
                    link = found.group(1)
                    break
            if link is None:
                sys.exit("powermap demo printed no sign-in link")
            base = link.split("/login")[0]
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
                page = browser.new_page(viewport=VIEWPORT)
                page.goto(link)
                page.goto(f"{base}/accounts/A-G1/map?lang=en")
                page.wait_for_selector("body[data-ready='1']", timeout=60000)
                out.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(out))
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(f"wrote {out}")


def site_pages(site: Path, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport=VIEWPORT)
        for name in SITE_PAGES:
            page.goto((site / name).resolve().as_uri())
            page.wait_for_load_state("load")
            shot = out / (name.replace("/", "_").removesuffix(".html") + ".png")
            page.screenshot(path=str(shot))
            print(f"wrote {shot}")
        browser.close()


if __name__ == "__main__":
    if sys.argv[1:2] == ["demo"]:
        demo_org_chart(ROOT / "docs" / "assets" / "demo-org-chart.png")
    elif sys.argv[1:2] == ["site"] and len(sys.argv) == 4:
        site_pages(Path(sys.argv[2]), Path(sys.argv[3]))
    else:
        sys.exit(__doc__)
