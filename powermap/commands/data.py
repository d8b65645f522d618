"""Data commands: import, stats, accounts, show, demo."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, Task, TextColumn, \
    TimeRemainingColumn
from rich.table import Table
from rich.tree import Tree

from graph.exceptions import ImportRejected, PowermapError
from graph.vocabulary import STANCE_LABELS
from powermap.cli import app, err, escape, json_option, open_cli_store, out, print_json, store_label

# the importers (pandas), the graph (networkx) and the store's keys are imported in the
# commands that use them, so that `powermap accounts` starts at once


# ----- import ----------------------------------------------------------------------------
@app.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "-f", "format", type=click.Choice(["auto", "workbook", "salesforce", "email-log"]),
              default="auto", show_default=True,
              help="auto detects a Salesforce export folder by its Account.csv/Contact.csv, and an "
                   "e-mail log (a CSV with timestamp, sender and recipients columns).")
@click.option("--dry-run", is_flag=True, help="Validate only; write nothing.")
@click.option("--deadline", type=click.FloatRange(min=0, min_open=True), metavar="SECONDS",
              envvar="POWERMAP_IMPORT_DEADLINE_SECONDS", show_envvar=True,
              help="Stop the import if it runs longer than this; nothing is written (for scheduled "
                   "jobs fed files from elsewhere). Default: no deadline (Ctrl-C also writes nothing).")
@json_option
def import_command(paths: tuple[Path, ...], format: str, dry_run: bool, deadline: float | None,
                   as_json: bool) -> None:
    """Import spreadsheets or a Salesforce export.

    PATHS are workbooks (.xlsx, a sheet per table), CSV files named after their table
    (contacts.csv, 联系人.csv …), folders of them, or a Salesforce export folder.
    Everything is validated first and written in one transaction: on any problem
    nothing is written and every problem is listed with file, row and column (exit
    code 3). Re-importing the same files changes nothing. On a terminal it shows
    the file it reads, the rows it checks and the write's progress.

    \b
    Examples:
      powermap import customers.xlsx
      powermap import export/ --format salesforce --dry-run
      powermap import message-trace.csv --format email-log
    """
    from importers import import_paths
    from importers.limits import Cancellation, cancellable, watching

    with open_cli_store() as store:
        with _progress() as (progress, callback, stage), cancellable(Cancellation(deadline=deadline)), \
                watching(stage):
            try:
                report = import_paths(list(paths), store, format=format, dry_run=dry_run, progress=callback)
            except ImportRejected as rejected:
                progress.stop()
                if as_json:
                    print_json({"problems": [p.as_dict() for p in rejected.problems]})
                else:
                    for problem in rejected.problems:
                        err.print(f"  {problem}", markup=False)
                raise
    if as_json:
        print_json(report.as_dict())
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
    """On a terminal's stderr, what the import does now — the file it reads, the rows it
    checks — and a progress bar while a large write runs; gone when the import ends."""

    def __enter__(self) -> tuple[Progress, Any, Any]:
        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), _Counted(MofNCompleteColumn()),
                            _Counted(TimeRemainingColumn()), console=err, transient=True)
        self.task = None

        def stage(text: str) -> None:
            if self.task is None:
                self.bar.start()
                self.task = self.bar.add_task(text, total=None)
            self.bar.update(self.task, description=text, total=None, completed=0)
            self.bar.refresh()  # every stage shown, however short (a few a run)

        def callback(done: int, total: int) -> None:
            if total < 50_000:
                return
            if self.task is None:
                stage("writing")
            self.bar.update(self.task, description="writing", total=total, completed=done)

        return self.bar, callback, stage

    def __exit__(self, *exc: object) -> None:
        self.bar.stop()


class _Counted(ProgressColumn):
    """A column shown only while there is a count (the write), blank while a stage runs."""

    def __init__(self, column: ProgressColumn) -> None:
        super().__init__()
        self.column = column

    def render(self, task: Task) -> Any:
        return self.column.render(task) if task.total is not None else ""


# ----- reading ---------------------------------------------------------------------------
@app.command()
@json_option
def stats(as_json: bool) -> None:
    """Counts of everything in the store (accounts, contacts, edges …)."""
    from graph.store import COUNT_KEYS

    with open_cli_store() as store:
        counts = store.counts()
    if as_json:
        print_json(counts)
        return
    table = Table("what", "count")
    for key in COUNT_KEYS:
        table.add_row(key.replace("_", " "), f"{counts[key]:,}")
    out.print(table)


@app.command()
@json_option
def accounts(as_json: bool) -> None:
    """Every account: id, name, parent, kind, tier, entered posture, our share of its
    wallet and its number of contacts (`powermap posture` suggests a posture)."""
    with open_cli_store() as store:
        rows = store.list_accounts()
    if as_json:
        print_json(rows)
        return
    table = Table("id", "name", "parent", "kind", "tier", "posture", "share of wallet", "contacts")
    for row in rows:
        share = f"{row['share_of_wallet']:.0%}" if row.get("share_of_wallet") is not None else ""
        table.add_row(*(str(row[c]) if row[c] is not None else "" for c in
                        ("id", "name", "parent_id", "kind", "tier", "posture")), share, str(row["contacts"]))
    out.print(table)


@app.command()
@click.argument("account")
@json_option
def show(account: str, as_json: bool) -> None:
    """The tree of ACCOUNT (an id from `powermap accounts`): group → subsidiaries →
    departments → contacts with title, level, buying roles and stance."""
    from graph.tree import account_tree

    with open_cli_store() as store:
        tree = account_tree(store.account_subgraph(account, history=False))  # the tree needs no history
    if as_json:
        print_json(tree)
        return
    out.print(_render_tree(tree))


def _render_tree(node: dict, parent: Tree | None = None) -> Tree:
    label = f"[bold]{escape(node['name'])}[/] [dim]{node['id']} · {node.get('kind') or ''}" + (
        f" · tier {node['tier']}" if node.get("tier") else "") + (
        f" · {node['posture']}" if node.get("posture") else "") + (
        f" · share of wallet {node['share_of_wallet']:.0%}" if node.get("share_of_wallet") is not None else "") + "[/]"
    branch = parent.add(label) if parent else Tree(label)
    for department in node["departments"]:
        _render_department(department, branch)
    for contact in node["contacts"]:
        branch.add(_contact_label(contact))
    for child in node["accounts"]:
        _render_tree(child, branch)
    return branch


def _render_department(department: dict, parent: Tree) -> None:
    branch = parent.add(f"[cyan]{escape(department['name'])}[/] [dim]({department['kind']})[/]")
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
    return (f"{escape(contact['name'])} [dim]{escape(contact['title'] or '')} · {contact['level']}[/]"
            f"{' · ' + roles if roles else ''} · {stance_text}")


# ----- demo ------------------------------------------------------------------------------
@app.command()
@click.option("--no-serve", is_flag=True, help="Only load the data; do not start the server.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="The server's port.")
def demo(no_serve: bool, port: int) -> None:
    """Load the bundled demo data (a group customer with bases, purchasing windows,
    150+ contacts, our iron triangle and four opportunities) into the store, then serve
    it on 127.0.0.1 and print the sign-in link to the index of maps (Ctrl-C stops).

    The store also gets the snapshot 2026Q3 — the demo as it was at the end of the
    previous quarter, before a decider moved — so that `powermap diff 2026Q3` and
    `powermap review A-G1 --quarter 2026Q4 --as-of 2026-11-01` have something to show."""
    from graph.analysis.change import take_snapshot
    from importers import import_paths
    from powermap.commands.serve import listen, run_server
    from powermap.wiring import DEMO_PREVIOUS_QUARTER as previous
    from powermap.wiring import DEMO_WORKBOOK as workbook

    if not workbook.is_file():
        raise PowermapError(f"demo data not found at {workbook}; run: python demo/generate.py")
    sock = None if no_serve else listen("127.0.0.1", port)  # a busy port fails before anything is loaded
    with open_cli_store() as store:
        if previous.is_file():  # the previous quarter: the demo with that quarter's differences
            import_paths([workbook], store)
            import_paths([previous], store)
            take_snapshot(store, "2026Q3")
        import_paths([workbook], store)
        counts = store.counts()
        top = [a for a in store.list_accounts() if a["parent_id"] is None]
    err.print(f"Loaded the demo data into {store_label()}: "
              f"{counts['accounts']} accounts, {counts['contacts']} contacts, "
              f"{counts['team_members']} team members.", markup=False)
    for account in top:
        out.print(f"  powermap show {account['id']}    # {account['name']}", markup=False)
    if previous.is_file():
        out.print("  powermap diff 2026Q3    # what changed since the previous quarter's snapshot", markup=False)
    if sock is not None:
        run_server("127.0.0.1", port, sock=sock)
