"""Interaction history commands: interactions, strength, cadence."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
from rich.table import Table

from graph.analysis.history import cadence_report, interactions_report, strength_report
from powermap.cli import (app, cadence_policy, date_value, escape, json_option, open_cli_store, out, policy_option,
                          print_json)



def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


@app.command()
@click.argument("account")
@click.option("--since", callback=date_value, metavar="DATE", help="Only interactions on or after this date.")
@json_option
def interactions(account: str, since: dt.date | None, as_json: bool) -> None:
    """The interactions (visits, meetings, calls, e-mails …) of ACCOUNT and the parts below
    it, newest first. Notes are personal data and are not shown."""
    with open_cli_store() as store:
        report = interactions_report(store, account, since=since)
    if as_json:
        print_json(report)
        return
    table = Table("date", "type", "ours", "theirs", "subject", title=f"Interactions of {escape(account)}")
    for item in report["interactions"]:
        table.add_row(item["date"] + (f" {item['time']}" if item["time"] else ""), item["type"],
                      escape(", ".join(p["name"] or p["id"] for p in item["team"])),
                      escape(", ".join(p["name"] or p["id"] for p in item["contacts"])),
                      escape(item["subject"] or ""))
    out.print(table)
    out.print(f"{report['counts']['total']} interactions")


@app.command()
@click.argument("account")
@click.option("--as-of", "as_of", callback=date_value, metavar="DATE", help="Measure decay to this date (default today).")
@json_option
def strength(account: str, as_of: dt.date | None, as_json: bool) -> None:
    """Relationship strength in ACCOUNT: derived from the interaction history (half-life
    decay, type weights, two-way contact counting more) beside the hand-entered one,
    and which one the analyses use (POWERMAP_STRENGTH)."""
    with open_cli_store() as store:
        report = strength_report(store, account, as_of=as_of)
    if as_json:
        print_json(report)
        return
    table = Table("ours", "theirs", "interactions", "last", "derived", "entered", "used",
                  title=f"Relationship strength in {escape(account)} as of {report['as_of']}")
    for p in report["pairs"]:
        table.add_row(escape(p["team_name"] or p["team_id"]), escape(p["contact_name"] or p["contact_id"]),
                      str(p["interactions"]), p["last_interaction"] or "", _number(p["strength_derived"]),
                      _number(p["strength_entered"]), f"{_number(p['strength'])} {p['source'] or ''}".strip())
    out.print(table)


@app.command()
@click.argument("account", required=False)
@click.option("--all", "all_accounts", is_flag=True, help="Every top-level account.")
@policy_option
@click.option("--as-of", "as_of", callback=date_value, metavar="DATE", help="Count days to this date (default today).")
@json_option
def cadence(account: str | None, all_accounts: bool, policy_file: Path | None, as_of: dt.date | None,
            as_json: bool) -> None:
    """Breaches of the visit cadence by account tier and peer level (对等交流): our
    executives meeting the account's executives, and each decider below them meeting
    their peers of ours (the account manager, solution or delivery manager by default),
    as often as the policy says (who, ours, last date, days overdue)."""
    if bool(account) == all_accounts:
        raise click.UsageError("give an ACCOUNT or --all")
    with open_cli_store() as store:
        report = cadence_report(store, account, today=as_of, policy=cadence_policy(policy_file))
    if as_json:
        print_json(report)
        return
    if not report["breaches"]:
        out.print(f"No cadence breaches as of {report['as_of']}.")
        return
    table = Table("account", "tier", "kind", "who", "ours", "last", "overdue",
                  title=f"Cadence breaches as of {report['as_of']}")
    names = report["names"]
    for b in report["breaches"]:
        table.add_row(escape(b["account_name"]), b["tier"], b["kind"].replace("_", " "),
                      escape(", ".join(names.get(c, c) for c in b["contacts"])),
                      escape(", ".join(names.get(t, t) for t in b["team"])), b["last"] or "never",
                      f"{b['days_overdue']} days (limit {b['limit']})" if b["days_overdue"] is not None
                      else f"no interaction (limit {b['limit']})")
    out.print(table)
