"""``powermap plan``: the relationship plan of an account, checked against the interaction record."""

from __future__ import annotations

import datetime as dt

import click
from rich.table import Table

from graph.analysis.plans import plan_report
from powermap.cli import app, date_value, escape, json_option, open_cli_store, out, print_json

_STYLE = {"done": "green", "overdue": "bold red", "open": "", "closed": "dim"}


@app.command("plan")
@click.argument("account")
@click.option("--as-of", "as_of", callback=date_value, metavar="DATE",
              help="Judge the plan on this day instead of today (YYYY-MM-DD): interactions after it are "
                   "not seen yet, and the day after an action's due date is its first overdue day.")
@json_option
def plan_command(account: str, as_of: dt.date | None, as_json: bool) -> None:
    """Every plan action of ACCOUNT (and its sub-accounts) with its status, read from the
    interaction record, never typed in: done (an interaction of the planned type with the
    contact, by the owner, from start to due inclusive), overdue (due passed without one),
    open, or closed by hand (who and why are kept). Shows the interaction that closed each
    action, days overdue and whether the contact reached the target stance; then totals
    per owner and per opportunity, with "done, stance not moved": actions that happened
    and changed nothing.

    Plan actions come from a `plan` (计划) sheet of an import, from the API (PUT
    /plans/{id}) or from `powermap next-moves ACCOUNT --accept N`."""
    with open_cli_store() as store:
        report = plan_report(store, account, as_of=as_of)
    if as_json:
        print_json(report)
        return
    out.print(f"[bold]{escape(report['account_name'])}[/] plan as of {report['as_of']}")
    if not report["actions"]:
        out.print("No plan actions (import a 计划/plan sheet, or `powermap next-moves ACCOUNT --accept N`).")
        return
    table = Table("action", "contact", "owner", "type", "due", "status", "closed by", "target stance")
    for a in report["actions"]:
        closing = a["closing_interaction"]
        status = a["status"] + (f" {a['days_overdue']} d" if a["status"] == "overdue" else "")
        if a["manual_close"]:
            status += f" (by {a['manual_close']['by']}: {a['manual_close']['reason']})"
        reached = {None: "", True: "reached", False: "not reached"}[a["stance_reached"]]
        table.add_row(escape(a["id"]), escape(a["contact_name"] or a["contact_id"]),
                      escape(a["owner_name"] or a["owner_id"]), a["action"], a["due"],
                      f"[{_STYLE[a['status']]}]{escape(status)}[/]" if _STYLE[a["status"]] else escape(status),
                      escape(f"{closing['id']} {closing['date']}" + (" (colleague)" if closing["match"] == "colleague"
                                                                     else "")) if closing else "",
                      f"{a['target_stance']} {reached}" if a["target_stance"] is not None else "")
    out.print(table)
    totals = Table("owner / opportunity", "done", "overdue", "open", "closed", "done, stance not moved")
    for row in report["by_owner"]:
        totals.add_row(escape(row["owner_name"] or row["owner_id"]), *_counts(row))
    for row in report["by_opportunity"]:
        totals.add_row(escape(row["opportunity_name"] or row["opportunity_id"] or "(no opportunity)"), *_counts(row))
    totals.add_row("[bold]all[/]", *_counts(report["totals"]))
    out.print(totals)


def _counts(row: dict) -> list[str]:
    return [str(row[k]) for k in ("done", "overdue", "open", "closed", "done_stance_not_moved")]
