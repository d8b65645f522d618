"""Account strategy commands: posture (maintain / defend / attack) from share of wallet,
the competitor lens, and one customer across our divisions."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import click
from rich.table import Table

from graph.analysis import reports
from graph.analysis.posture import load_posture_policy
from powermap.cli import app, escape, json_option, open_cli_store, out, print_json

_POSTURE_STYLE = {"maintain": "green", "defend": "bold yellow", "attack": "cyan"}


@app.command()
@click.argument("account", required=False)
@click.option("--all", "all_accounts", is_flag=True, help="Every top-level account and the parts below it.")
@click.option("--since", metavar="LABEL",
              help="Read the trend (and last quarter's posture) from this snapshot [default: the latest one].")
@click.option("--posture-policy", "policy_file", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="The posture rules (TOML; copy graph/analysis/posture_policy.toml) [default: the shipped ones].")
@json_option
def posture(account: str | None, all_accounts: bool, since: str | None, policy_file: Path | None,
            as_json: bool) -> None:
    """Suggested posture of ACCOUNT and each part below it (or of every account with
    --all): maintain (维护, we hold most of the wallet), defend (防御, a rival is
    pushing or our share is sliding) or attack (进攻, low share, high potential), from
    our share of wallet, its change since a snapshot, deciders leaning to a rival and
    the tier. The entered posture is shown beside it; "≠" marks a disagreement, which
    the gap report lists as posture_mismatch.

    \b
    Example: powermap snapshot --label 2026Q3   (each quarter)
             powermap posture A-G1 --since 2026Q3
    """
    if bool(account) == all_accounts:
        raise click.UsageError("give an ACCOUNT or --all (not both)")
    policy = load_posture_policy(policy_file) if policy_file else None
    with open_cli_store() as store:
        report = reports.posture_report(store, account, since=since, policy=policy)
    if as_json:
        print_json(report)
        return
    table = Table("account", "tier", "share of wallet", "entered", "suggested", "rivals", "why",
                  caption=f"trend since snapshot {report['since']}" if report["since"] else "no snapshot: trend unknown")
    for row in report["accounts"]:
        table.add_row(f"{escape(row['name'] or row['id'])} [dim]\\[{escape(row['id'])}][/]", row["tier"] or "",
                      _share(row), _posture(row["entered"], row["previous_posture"]),
                      ("[red]≠[/] " if row["mismatch"] else "") + _posture(row["suggested"], None),
                      _rivals(row["rivals"]), escape(row["reason"]))
    out.print(table)
    counts = report["counts"]
    out.print(f"{counts['accounts']} accounts, {counts['mismatches']} where the entered posture disagrees")


@app.command()
@click.argument("account")
@click.option("--opportunity", metavar="OPPORTUNITY", help="Only this opportunity's decision unit.")
@click.option("--top", type=click.IntRange(1, 50), default=5, show_default=True,
              help="How many of each rival's strongest people to list.")
@json_option
def competitors(account: str, opportunity: str | None, top: int, as_json: bool) -> None:
    """The competitor lens (友商) of ACCOUNT: which rival each contact leans to (their
    `competitor`, unless they support us more than rivals), each rival's strongest people
    among and around the deciders (its "coaches"), and the deciders where a rival's hold
    is stronger than ours (our strongest path against their strongest tie).

    \b
    Example: powermap competitors A-G1 --opportunity O2
    """
    with open_cli_store() as store:
        report = reports.competitors_report(store, account, opportunity=opportunity, top=top)
    if as_json:
        print_json(report)
        return
    named = partial(_named, report["names"])

    if "opportunity" in report:
        deal = report["opportunity"]
        out.print(f"[bold]{escape(deal['name'] or deal['id'])}[/]: named rival {escape(deal['competitor'] or '—')}")
    for rival in report["competitors"]:
        out.print(f"[bold]{escape(rival['name'])}[/]: {len(rival['contacts'])} contacts lean to it, "
                  f"{len(rival['deciders'])} of them deciders")
        for person in rival["strongest"]:
            held = ", ".join(named(d) for d in person["deciders"] if d != person["id"])
            out.print(f"  {named(person['id'])}{' (decider)' if person['decider'] else ''} "
                      f"{person['strength']:.2f}" + (f" → {held}" if held else ""))
    thinner = [d for d in report["deciders"] if d["thinner"]]
    if thinner:
        table = Table("decider thinner than a rival", "ours", "theirs")
        for d in thinner:
            table.add_row(named(d["id"]), f"{d['ours']:.2f}",
                          ", ".join(f"{escape(k)} {x:.2f}" for k, x in d["theirs"].items()))
        out.print(table)
    out.print(f"{len(report['leaning'])} contacts lean to a rival; ours is thinner at {len(thinner)} "
              f"of {len(report['deciders'])} deciders")


@app.command()
@click.argument("account")
@json_option
def divisions(account: str, as_json: bool) -> None:
    """Our divisions (事业部) on ACCOUNT: which business units of ours (the team members'
    `business_unit`) touch which parts, departments and deciders, with their strongest
    relationship; overlaps (a decider two divisions court separately, with each one's
    strength and latest interaction subjects) and orphans (a deal's decider only another
    division knows; a deal's division is its owner's, the opportunity's `owner_id`).

    \b
    Example: powermap divisions A-HF
    """
    with open_cli_store() as store:
        report = reports.divisions_report(store, account)
    if as_json:
        print_json(report)
        return
    if report["message"]:
        out.print(escape(report["message"]))
        return
    named = partial(_named, report["names"])

    table = Table("division", "our people", "relationships", "parts, departments (strongest)",
                  "deciders (strength)")
    for d in report["divisions"]:
        table.add_row(escape(d["name"]), ", ".join(named(t) for t in d["team"]), str(d["relationships"]),
                      "; ".join(", ".join(f"{escape(report['names'].get(i, i))} {x['strength']:.2f}"
                                          for i, x in d[part].items()) for part in ("accounts", "departments")),
                      ", ".join(f"{named(c)} {x:.2f}" for c, x in d["deciders"].items()))
    out.print(table)
    if report["unassigned"]:
        out.print("no business unit: " + ", ".join(escape(t) for t in report["unassigned"]))
    for o in report["overlaps"]:
        out.print(f"[bold]overlap[/] {named(o['id'])}" + (" — different messages" if o["messages_differ"] else ""))
        for d in o["divisions"]:
            for t in d["team"]:
                said = " / ".join(t["subjects"])
                out.print(f"  {escape(d['name'])}: {named(t['id'])} {t['strength']:.2f}"
                          + (f" [dim]«{escape(said)}»[/]" if said else ""))
    for o in report["orphans"]:
        out.print(f"[bold red]orphan[/] {named(o['decider'])} decides {named(o['opportunity'])} "
                  f"({escape(o['division'])}, owner {named(o['owner'])}) but only {escape(o['known_by'])} knows them: "
                  + ", ".join(f"{named(t['id'])} {t['strength']:.2f}" for t in o["team"]))
    c = report["counts"]
    out.print(f"divisions: {c['divisions']}, relationships: {c['relationships']}, overlaps: {c['overlaps']}, "
              f"orphans: {c['orphans']}")


def _named(names: dict[str, str], i: str) -> str:
    """A person or deal by name, with its id dimmed."""
    return f"{escape(names.get(i, i))} [dim]\\[{escape(i)}][/]"


def _share(row: dict) -> str:
    if row["share_of_wallet"] is None:
        return ""
    change = row["share_change"]
    trend = f" ({change:+.0%})" if change else ""
    return f"{row['share_of_wallet']:.0%}{trend}"


def _posture(value: str | None, previous: str | None) -> str:
    if value is None:
        return "—"
    was = f" [dim](was {previous})[/]" if previous and previous != value else ""
    return f"[{_POSTURE_STYLE.get(value, '')}]{value}[/]{was}"


def _rivals(rivals: dict[str, int]) -> str:
    """The two competitors most contacts lean to, and how many more."""
    shown = ", ".join(f"{escape(k)} {n}" for k, n in list(rivals.items())[:2])
    return shown + (f" +{len(rivals) - 2}" if len(rivals) > 2 else "")
