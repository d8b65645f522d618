"""The ``powermap`` command: a thin layer over the library.

Each command parses its arguments, calls one library function and formats the
result, as a table for people or, with ``--json``, as JSON on stdout (and nothing
else on stdout). Errors are one line on stderr with a non-zero exit code:
2 unknown id or bad usage, 3 import rejected, 4 store unavailable, 1 anything else.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.tree import Tree

from graph.exceptions import ImportRejected, PowermapError
from graph.store import COUNT_KEYS, GraphStore
from graph.tree import account_tree
from graph.vocabulary import STANCE_LABELS
from importers import Format, import_paths
from powermap.settings import get_settings
from powermap.wiring import DEMO_DIR, open_store

__all__ = ["app", "main"]

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


class _State:
    db: str | None = None


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--db", envvar="POWERMAP_DB", metavar="PATH",
              help="The embedded store's file [default: ./powermap.db; env POWERMAP_DB].")
@click.version_option(package_name="powermap")
def app(db: str | None) -> None:
    """Stakeholder and decision-chain analyzer for key-account sales teams.

    Import your accounts, contacts, our team and the ties among them from Excel/CSV
    (English or Chinese) or a Salesforce export, then explore who decides, who
    influences whom and how we reach them. Start with `powermap demo`.
    """
    _State.db = db


json_option = click.option("--json", "as_json", is_flag=True,
                           help="Print JSON on stdout instead of a table.")


def _store() -> GraphStore:
    return open_store(get_settings(), db=_State.db)


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


# ----- import ----------------------------------------------------------------------------
@app.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "-f", "format", type=click.Choice(["auto", "workbook", "salesforce"]),
              default="auto", show_default=True,
              help="auto detects a Salesforce export folder by its Account.csv/Contact.csv.")
@click.option("--dry-run", is_flag=True, help="Validate only; write nothing.")
@json_option
def import_command(paths: tuple[Path, ...], format: str, dry_run: bool, as_json: bool) -> None:
    """Import spreadsheets or a Salesforce export.

    PATHS are workbooks (.xlsx, a sheet per table), CSV files named after their table
    (contacts.csv, 联系人.csv …), folders of them, or a Salesforce export folder.
    Everything is validated first and written in one transaction: on any problem
    nothing is written and every problem is listed with file, row and column (exit
    code 3). Re-importing the same files changes nothing.

    \b
    Examples:
      powermap import customers.xlsx
      powermap import export/ --format salesforce --dry-run
    """
    fmt: Format = format  # type: ignore[assignment]
    with _store() as store:
        with _progress() as (progress, callback):
            try:
                report = import_paths(list(paths), store, format=fmt, dry_run=dry_run, progress=callback)
            except ImportRejected as rejected:
                progress.stop()
                if as_json:
                    _print_json({"problems": [p.as_dict() for p in rejected.problems]})
                else:
                    for problem in rejected.problems:
                        err.print(f"  {problem}", markup=False)
                raise
    if as_json:
        _print_json(report.as_dict())
        return
    for warning in report.warnings:
        err.print(f"note: {warning}", markup=False)
    table = Table("table", "rows read", "new", "changed", "unchanged", title=(
        "Dry run: valid, nothing written" if dry_run else "Imported"))
    for name, rows in report.rows.items():
        r = report.result
        table.add_row(name, f"{rows:,}", *(
            [f"{r.inserted.get(name, 0):,}", f"{r.updated.get(name, 0):,}", f"{r.unchanged.get(name, 0):,}"]
            if r else ["-", "-", "-"]))
    out.print(table)


class _progress:
    """A progress bar on stderr while a large write runs (silent for small ones)."""

    def __enter__(self) -> tuple[Progress, Any]:
        self.bar = Progress(TextColumn("writing"), BarColumn(), MofNCompleteColumn(),
                            TimeRemainingColumn(), console=err, transient=True)
        self.task = None

        def callback(done: int, total: int) -> None:
            if total < 50_000:
                return
            if self.task is None:
                self.bar.start()
                self.task = self.bar.add_task("write", total=total)
            self.bar.update(self.task, completed=done)

        return self.bar, callback

    def __exit__(self, *exc: object) -> None:
        self.bar.stop()


# ----- reading ---------------------------------------------------------------------------
@app.command()
@json_option
def stats(as_json: bool) -> None:
    """Counts of everything in the store (accounts, contacts, edges …)."""
    with _store() as store:
        counts = store.counts()
    if as_json:
        _print_json(counts)
        return
    table = Table("what", "count")
    for key in COUNT_KEYS:
        table.add_row(key.replace("_", " "), f"{counts[key]:,}")
    out.print(table)


@app.command()
@json_option
def accounts(as_json: bool) -> None:
    """Every account: id, name, parent, kind and its number of contacts."""
    with _store() as store:
        rows = store.list_accounts()
    if as_json:
        _print_json(rows)
        return
    table = Table("id", "name", "parent", "kind", "tier", "posture", "contacts")
    for row in rows:
        table.add_row(*(str(row[c]) if row[c] is not None else "" for c in
                        ("id", "name", "parent_id", "kind", "tier", "posture", "contacts")))
    out.print(table)


@app.command()
@click.argument("account")
@json_option
def show(account: str, as_json: bool) -> None:
    """The tree of ACCOUNT (an id from `powermap accounts`): group → subsidiaries →
    departments → contacts with title, level, buying roles and stance."""
    with _store() as store:
        tree = account_tree(store.account_subgraph(account))
    if as_json:
        _print_json(tree)
        return
    out.print(_render_tree(tree))


def _render_tree(node: dict, parent: Tree | None = None) -> Tree:
    label = f"[bold]{_esc(node['name'])}[/] [dim]{node['id']} · {node.get('kind') or ''}" + (
        f" · tier {node['tier']}" if node.get("tier") else "") + (
        f" · {node['posture']}" if node.get("posture") else "") + "[/]"
    branch = parent.add(label) if parent else Tree(label)
    for department in node["departments"]:
        _render_department(department, branch)
    for contact in node["contacts"]:
        branch.add(_contact_label(contact))
    for child in node["accounts"]:
        _render_tree(child, branch)
    return branch


def _render_department(department: dict, parent: Tree) -> None:
    branch = parent.add(f"[cyan]{_esc(department['name'])}[/] [dim]({department['kind']})[/]")
    for contact in department["contacts"]:
        branch.add(_contact_label(contact))
    for sub in department["departments"]:
        _render_department(sub, branch)


_STANCE_STYLE = {-1: "red", 0: "white", 1: "green", 2: "bold green", 3: "bold yellow"}


def _contact_label(contact: dict) -> str:
    stance = contact["stance"]
    stance_text = (f"[{_STANCE_STYLE[stance]}]{stance:+d} {STANCE_LABELS[stance]}[/]"
                   if stance is not None else "[dim]stance unknown[/]")
    roles = ", ".join(contact["roles"])
    return (f"{_esc(contact['name'])} [dim]{_esc(contact['title'] or '')} · {contact['level']}[/]"
            f"{' · ' + roles if roles else ''} · {stance_text}")


def _esc(text: str) -> str:
    from rich.markup import escape

    return escape(str(text))


# ----- demo ------------------------------------------------------------------------------
@app.command()
def demo() -> None:
    """Load the bundled demo data (a group customer with bases, purchasing windows,
    150+ contacts, our iron triangle and four opportunities) into the store."""
    workbook = DEMO_DIR / "demo.xlsx"
    if not workbook.is_file():
        raise PowermapError(f"demo data not found at {workbook}; run: python demo/generate.py")
    with _store() as store:
        import_paths([workbook], store)
        counts = store.counts()
        top = [a for a in store.list_accounts() if a["parent_id"] is None]
    err.print(f"Loaded the demo data into {_State.db or get_settings().db}: "
              f"{counts['accounts']} accounts, {counts['contacts']} contacts, "
              f"{counts['team_members']} team members.", markup=False)
    for account in top:
        out.print(f"  powermap show {account['id']}    # {account['name']}", markup=False)


# ----- entry point -----------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    """Run the CLI; map powermap's errors to one line on stderr and an exit code."""
    try:
        app.main(args=argv, prog_name="powermap", standalone_mode=False)
    except PowermapError as error:
        err.print(f"powermap: {error}", markup=False)
        return error.exit_code
    except click.exceptions.Exit as done:
        return done.exit_code
    except click.ClickException as usage:
        usage.show()
        return 2
    except click.exceptions.Abort:
        err.print("aborted", markup=False)
        return 130
    except Exception as bug:  # noqa: BLE001 - last resort: one line, traceback on request
        if os.environ.get("POWERMAP_DEBUG"):
            raise
        err.print(f"powermap: internal error ({type(bug).__name__}: {bug}); "
                  "run with POWERMAP_DEBUG=1 for the traceback and report it", markup=False)
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
