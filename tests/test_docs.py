"""The documentation site (docs/, MkDocs + Material) builds strictly — a broken link, anchor or
nav entry fails it, as CI runs this suite — and offline; the README stays short."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from apikit import api  # noqa: F401  (the webhook guide is tried on a real API)
from conftest import REPO

CONFIG = REPO / "mkdocs.yml"


def build(config: Path, site: Path) -> subprocess.CompletedProcess:
    """`mkdocs build --strict` of ``config`` into ``site``, as `./dev docs --build` runs it."""
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(config),
                           "--site-dir", str(site)], capture_output=True, text=True, timeout=600,
                          env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    result = build(CONFIG, out)
    assert result.returncode == 0, result.stderr
    return out


def text_of(page: Path) -> str:
    """The readable text of a built page (tags dropped)."""
    return re.sub(r"<[^>]+>", " ", page.read_text(encoding="utf-8"))


def test_the_site_builds_strictly_with_every_page_of_the_nav(site):
    for page in ("index.html", "getting-started.html", "concepts.html", "zh/getting-started.html",
                 "zh/concepts.html", "guides/salesforce.html", "guides/interactions.html", "guides/neo4j.html",
                 "guides/keys.html", "guides/webhooks.html", "guides/cadence.html", "reference/cli.html",
                 "reference/http-api.html", "reference/workbook.html", "measured.html"):
        assert (site / page).is_file(), page
    assert (site / "assets" / "demo-org-chart.png").is_file()
    assert "五分钟" in text_of(site / "zh" / "getting-started.html")
    # the figures page is the README's own section
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    figure = re.search(r"\*\*(\d[\d,.]* s — [\d,]+ rows/s)\*\*", readme).group(1)
    assert figure in text_of(site / "measured.html")


def test_every_cli_command_has_its_reference_page_from_its_help(site):
    import click

    from powermap.cli import app

    root = click.Context(app, info_name="powermap")
    names = app.list_commands(root)
    assert len(names) >= 25
    overview = (site / "reference" / "cli.html").read_text(encoding="utf-8")
    for name in names:
        page = site / "reference" / "cli" / f"{name}.html"
        assert page.is_file(), f"no reference page for `powermap {name}`"
        assert f'href="cli/{name}.html"' in overview, f"`powermap {name}` is not in the CLI reference's table"
        text = text_of(page)
        assert f"Usage: powermap {name}" in text
        command = app.get_command(root, name)
        for option in (p for p in command.params if isinstance(p, click.Option)):
            assert option.opts[0] in text, (name, option.opts)
        if isinstance(command, click.Group):
            for sub in command.list_commands(click.Context(command)):
                assert f"Usage: powermap {name} {sub}" in text, (name, sub)


def test_every_http_route_is_in_the_reference_from_the_openapi_document(site):
    from api.app import create_app

    document = create_app().openapi()
    page = (site / "reference" / "http-api.html").read_text(encoding="utf-8")
    operations = [(method.upper(), path) for path, item in document["paths"].items() for method in item
                  if method in ("get", "put", "post", "patch", "delete")]
    assert len(operations) >= 70
    missing = [f"{m} {p}" for m, p in operations if f"<code>{m} {p}</code>" not in page]
    assert not missing, f"routes missing from the HTTP reference: {missing}"
    for name, schema in document["components"]["schemas"].items():
        assert f'id="schema-{re.sub("[^0-9A-Za-z]", "-", name).lower()}"' in page, name
        for field in schema.get("properties", {}):
            assert f"<code>{field}</code>" in page, (name, field)


def test_every_workbook_column_is_in_the_reference_from_the_model(site):
    from graph.model import TABLES
    from importers.sheet_format import columns, sheet_name

    text = text_of(site / "reference" / "workbook.html")
    for table in TABLES:
        assert f"{table} · {sheet_name(table, 'zh')}" in text
        for en, zh in zip(columns(table, "en"), columns(table, "zh")):
            assert re.search(rf"\b{re.escape(en.header)}\s*{re.escape(zh.header)}", text), (table, en.name)
    # a drop-down's words and a range, as the template has them
    assert "coach / 教练" in text or "教练 / coach" in text
    assert "number 0..1" in text


def test_a_broken_link_fails_the_build(tmp_path):
    docs = tmp_path / "docs"
    shutil.copytree(REPO / "docs", docs)
    with (docs / "concepts.md").open("a", encoding="utf-8") as page:
        page.write("\nSee [the missing page](guides/no-such-page.md) and [a missing part](index.md#no-such-part).\n")
    # mkdocs.yml's own strictness settings, without the hooks and what they watch (the reference they generate is
    # checked on the real build above; leaving them out keeps this second build quick)
    config = CONFIG.read_text(encoding="utf-8").replace("docs_dir: docs", f"docs_dir: {docs}")
    config = re.sub(r"^(?:hooks|watch):\n(?:  - .*\n)+", "", config, flags=re.M)
    assert "tools/docs/hooks.py" not in config
    (tmp_path / "mkdocs.yml").write_text(config, encoding="utf-8")
    result = build(tmp_path / "mkdocs.yml", tmp_path / "site")
    assert result.returncode != 0
    assert "no-such-page.md" in result.stderr and "no-such-part" in result.stderr


def test_the_site_loads_nothing_from_outside(site):
    """No web fonts, no CDN: the pages work offline, like the maps."""
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        for tag in re.findall(r"<(?:link|script|img)\b[^>]*>", html):
            assert not re.search(r"""(?:src|href)=["']?(?:https?:)?//""", tag), (page.name, tag)


def test_the_readme_is_short_and_keeps_the_commands_and_figures():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert len(readme.split("## Measured")[0]) < 5000, "the README's overview grew: write it into docs/"
    for must in ("./dev demo", "./dev test", "docs/getting-started.md", "## Measured",
                 "docs/assets/demo-org-chart.png"):
        assert must in readme
    assert (REPO / "docs" / "assets" / "demo-org-chart.png").is_file()
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "./dev test" in ci


# ----- the getting-started tutorials, run as a newcomer would ---------------------------------
def tutorial_sheets(page: Path) -> dict[str, list[dict[str, str]]]:
    """The rows a tutorial asks to type: each "### Sheet `name`" (工作表) heading's table."""
    sheets: dict[str, list[dict[str, str]]] = {}
    for name, table in re.findall(r"^### (?:Sheet|工作表) `([^`]+)`\n(?:.*\n)*?((?:\|.*\|\n)+)",
                                  page.read_text(encoding="utf-8"), flags=re.M):
        lines = [[cell.strip() for cell in line.strip().strip("|").split("|")] for line in table.splitlines()]
        header, body = lines[0], lines[2:]
        sheets[name] = [dict(zip(header, row)) for row in body]
    return sheets


def typed(text: str):
    """A cell as Excel stores what was typed: numbers become numbers, the rest stays text."""
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    if re.fullmatch(r"-?\d*\.\d+", text):
        return float(text)
    return text or None


def fill_in(template: Path, sheets: dict[str, list[dict[str, str]]]) -> None:
    """Delete every example row, then type the tutorial's rows under the template's headers."""
    from openpyxl import load_workbook

    book = load_workbook(template)
    for sheet in book.worksheets[1:]:  # the first is the instructions
        if sheet.max_row > 1:
            sheet.delete_rows(2, sheet.max_row - 1)
    for name, rows in sheets.items():
        sheet = book[name]
        headers = [cell.value for cell in sheet[1]]
        for i, row in enumerate(rows, start=2):
            for header, text in row.items():
                sheet.cell(i, headers.index(header) + 1, typed(text))
    book.save(template)


TUTORIALS = [  # page, template language, workbook, account, the stance column, the first next move
    ("getting-started.md", "en", "customers.xlsx", "NW", "stance",
     "Sun Hao should build a relationship with Zhou Ming"),
    ("zh/getting-started.md", "zh", "客户.xlsx", "HB", "关系评分",
     "孙浩 should build a relationship with 周明"),
]


@pytest.mark.parametrize(("page", "lang", "workbook", "account", "stance", "first_move"), TUTORIALS)
def test_the_tutorial_works_on_a_fresh_store(run, tmp_path, page, lang, workbook, account, stance, first_move):
    """Template → fill in (the page's own tables) → import → map, and the page says what happens."""
    text = (REPO / "docs" / page).read_text(encoding="utf-8")
    code, out, err = run("template", "-o", workbook, *(["--lang", "en"] if lang == "en" else []))
    assert code == 0 and f"powermap template -o {workbook}" in text
    sheets = tutorial_sheets(REPO / "docs" / page)
    assert len(sheets) == 6 and sum(map(len, sheets.values())) == 15
    fill_in(tmp_path / workbook, sheets)

    # the page's example of a rejected import is what the importer says
    from openpyxl import load_workbook
    bad = load_workbook(tmp_path / workbook)
    contacts = bad.worksheets[3]
    contacts.cell(5, [c.value for c in contacts[1]].index(stance) + 1, 7)
    bad.save(tmp_path / "bad.xlsx")
    code, _, err = run("import", "bad.xlsx")
    assert code == 3
    shown = re.search(r"```\n  (\S+?):(.+?, row 5, column .+)\n", text)
    assert shown and f"bad.xlsx:{shown.group(2)}" in err, err

    assert run("import", workbook, "--dry-run")[0] == 0
    code, out, _ = run("import", workbook)
    assert code == 0 and f"powermap import {workbook}" in text
    code, out, _ = run("show", account)
    assert code == 0 and out.count("\n") >= 8
    code, out, _ = run("map", account, "-o", "map.html", *(["--lang", "zh"] if lang == "zh" else []))
    html = (tmp_path / "map.html").read_text(encoding="utf-8")
    assert code == 0 and all(row["编号" if lang == "zh" else "id"] in html for row in sheets[list(sheets)[2]])
    code, out, _ = run("coverage", account)
    assert code == 0 and "1 of 1" in out
    gaps = json.loads(run("gaps", account, "--json")[1])
    assert gaps["counts"]["total"] == 4 and ("four" in text or "四项" in text)
    code, out, _ = run("next-moves", account, "--budget-ms", "600000")
    assert code == 0 and out.startswith(f"1. {first_move}") and first_move in " ".join(text.split())


def test_the_webhook_guide_subscribes_and_verifies_as_the_server_signs(api):
    """The guide's subscription is accepted as written, and its receiver's check accepts what
    the server signs and refuses anything else."""
    import textwrap

    from api.events import sign

    guide = (REPO / "docs" / "guides" / "webhooks.md").read_text(encoding="utf-8")
    body = json.loads(re.search(r"-d '(\{.*?\})'", guide).group(1))
    answer = api.post("/webhooks", key="writer", json=body)
    assert answer.status_code == 201 and answer.json()["secret"]
    secret = answer.json()["secret"]

    code = textwrap.dedent(re.search(r"```python\n(.*?)```", guide, re.S).group(1))
    scope: dict = {}
    exec(compile(code, "webhooks.md", "exec"), scope)
    check = scope["is_from_powermap"]
    delivery = b'{"id": "d1", "event": "stance.changed", "created_at": "2026-11-30T00:00:00Z", "data": {}}'
    assert check(secret, delivery, sign(secret, delivery))
    assert not check(secret, delivery + b" ", sign(secret, delivery))
    assert not check("another secret of enough length", delivery, sign(secret, delivery))


def test_the_concepts_pages_name_gaps_as_the_program_does():
    """A gap named in the concepts pages is one the analyses report, by the same Chinese label."""
    from graph.analysis.findings import GAP_LABELS

    english = (REPO / "docs" / "concepts.md").read_text(encoding="utf-8")
    for code in re.findall(r"`([a-z]+(?:_[a-z]+)+)` gap", english):
        assert code in GAP_LABELS, code
    chinese = (REPO / "docs" / "zh" / "concepts.md").read_text(encoding="utf-8")
    named = re.findall(r"「([^」]+)」（`([a-z_]+)`）", chinese)
    assert len(named) >= 4
    for label, code in named:
        assert GAP_LABELS[code]["zh"] == label, (code, label)
