"""MkDocs hooks (mkdocs.yml `hooks:`): the reference generated from the code at every build, so it
cannot drift from what the program does.

* a page per CLI command, ``reference/cli/<command>.md``, from its click ``--help`` (and the CLI
  reference's table of commands from the lazy command table, ``powermap.commands.COMMANDS``);
* the HTTP API from the OpenAPI document the server itself serves (``create_app().openapi()``);
* the workbook's sheets and columns from the model and its vocabulary (``importers.sheet_format``,
  the meanings and accepted words of the template's instructions sheet, the importer's aliases);
* the measured figures from the README's "Measured" section, where the project keeps them.

A committed page asks for a generated part with a marker line, ``<!-- generated: NAME -->``; an
unknown name fails the build. Nothing is fetched from outside.
"""

from __future__ import annotations

import re
import sys
from functools import cache
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the sibling module, wherever mkdocs runs from
from openapi_markdown import cell, http_reference  # noqa: E402

MARKER = re.compile(r"^<!-- generated: ([a-z-]+) -->$", re.M)
CLI_DIR = "reference/cli"
WIDTH = 78  # the help texts' wrapping: a code block of the theme's text column holds 78 characters


# ----- hooks ---------------------------------------------------------------------------------
def on_config(config: MkDocsConfig) -> MkDocsConfig:
    """The nav's "CLI" entry becomes a section: the overview, then one page per command."""
    overview = f"{CLI_DIR}.md"
    for section in config["nav"] or []:
        for entries in (v for v in section.values() if isinstance(v, list)):
            for i, entry in enumerate(entries):
                if isinstance(entry, dict) and list(entry.values()) == [overview]:
                    (title,) = entry
                    entries[i] = {title: [{"Overview": overview}, *({f"powermap {name}": f"{CLI_DIR}/{name}.md"}
                                                      for name in _commands())]}
    return config


def on_files(files: Files, config: MkDocsConfig) -> Files:
    docs = Path(config["docs_dir"])
    for name in _commands():
        files.append(File.generated(config, f"{CLI_DIR}/{name}.md", content=_command_page(name, docs)))
    return files


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    def generated(match: re.Match) -> str:
        part = match.group(1)
        if part not in PARTS:
            raise PluginError(f"{page.file.src_uri}: no generated part {part!r} (known: {', '.join(PARTS)})")
        return PARTS[part]()

    return MARKER.sub(generated, markdown)


# ----- the command line ----------------------------------------------------------------------
@cache
def _commands() -> tuple[str, ...]:
    from powermap.commands import COMMANDS

    return tuple(sorted(COMMANDS))


def _help(command, name: str, parent=None) -> str:
    import click

    context = click.Context(command, info_name=name, parent=parent, terminal_width=WIDTH, max_content_width=WIDTH)
    return command.get_help(context)


def _command_page(name: str, docs: Path) -> str:
    import click

    from powermap.cli import app

    root = click.Context(app, info_name="powermap", terminal_width=WIDTH, max_content_width=WIDTH)
    command = app.get_command(root, name)
    if command is None:
        raise PluginError(f"powermap has no command {name!r} although powermap.commands.COMMANDS lists it")
    parts = [f"# powermap {name}\n", _short(name), "", "```text", _help(command, name, root), "```", ""]
    if isinstance(command, click.Group):
        group = click.Context(command, info_name=name, parent=root)
        for sub in command.list_commands(group):
            parts += [f"## powermap {name} {sub}\n", "```text", _help(command.get_command(group, sub), sub, group),
                      "```", ""]
    guides = _pages_showing(f"powermap {name}", docs)
    if guides:
        parts += ["## In the guides\n", *(f"- [{title}](../../{path})" for path, title in guides), ""]
    return "\n".join(parts)


def _short(name: str) -> str:
    from powermap.commands import COMMANDS

    return COMMANDS[name][1]


def _pages_showing(text: str, docs: Path) -> list[tuple[str, str]]:
    """The hand-written pages that show ``text`` (a command in use), with their titles."""
    found = []
    pattern = re.compile(rf"{re.escape(text)}\b")
    for page in sorted(docs.rglob("*.md")):
        path = page.relative_to(docs).as_posix()
        body = page.read_text(encoding="utf-8")
        if path.startswith("reference/") or not pattern.search(body):
            continue
        title = "Home" if path == "index.md" else re.search(r"^# (.+)$", body, re.M).group(1)
        found.append((path, title))
    return found


def _cli_commands() -> str:
    rows = ["| command | what it does |", "|---|---|"]
    for name in _commands():
        rows.append(f"| [`powermap {name}`](cli/{name}.md) | {cell(_short(name))} |")
    return "\n".join(rows)


# ----- the workbook --------------------------------------------------------------------------
def _workbook_columns() -> str:
    from graph.model import TABLE_ORDER
    from importers.sheet_format import columns, sheet_name
    from importers.tabular import PARTICIPANT_COLUMNS, PARTICIPANTS, header_aliases, sheet_aliases
    from importers.workbook_writer import column_guide

    out = []
    for table in TABLE_ORDER:
        out += [f"## {table} · {sheet_name(table, 'zh')}\n",
                f"Sheet or file names read as this table: {_codes(sheet_aliases(table))}.\n",
                "| column · 列 | meaning · 含义 | accepts · 可填写 | also read from |", "|---|---|---|---|"]
        aliases = header_aliases(table)
        for en, zh in zip(columns(table, "en"), columns(table, "zh")):
            meaning, meaning_zh, accepts = column_guide(en)
            marks = "".join(f"<br>{m}" for m, on in (("**required**", en.required), ("*personal*", en.personal)) if on)
            others = [a for a in aliases.get(en.name, []) if a != zh.header]
            out.append(f"| `{en.header}`<br>{zh.header}{marks} | {cell(meaning)}<br>{cell(meaning_zh)} | "
                       f"{cell(accepts)} | {_codes(others)} |")
        out.append("")
    aliases = header_aliases(PARTICIPANTS)
    out += [f"## {PARTICIPANTS}\n", f"Sheet or file names read as this table: {_codes(sheet_aliases(PARTICIPANTS))}.\n",
            "| column | also read from |", "|---|---|",
            *(f"| `{column}` | {_codes(aliases.get(column, []))} |" for column in PARTICIPANT_COLUMNS), ""]
    return "\n".join(out)


# ----- the README's figures ------------------------------------------------------------------
def _measured() -> str:
    """The README's "Measured" section (the project keeps its figures there), as it stands."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    if "\n## Measured\n" not in readme:
        raise PluginError("README.md has no '## Measured' section")
    section = readme.split("\n## Measured\n", 1)[1]
    return section.split("\n## ", 1)[0].strip()


# ----- helpers -------------------------------------------------------------------------------
def _codes(words) -> str:
    return ", ".join(f"`{w}`" for w in words) or "–"


PARTS = {"cli-commands": _cli_commands, "http-endpoints": http_reference, "workbook-columns": _workbook_columns,
         "readme-measured": _measured}
