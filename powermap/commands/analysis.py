"""Analysis commands: paths, coverage, gaps, influence, outcome, next-moves, rollup,
snapshot, diff. Each prints a table for people or, with --json, the report as JSON."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from graph.analysis import portfolio, reports
from graph.analysis.change import CURRENT
from graph.analysis.findings import gap_label
from graph.analysis.people import MOVE_WORDS
from graph.vocabulary import STANCE_LABELS
from powermap.cli import (app, cadence_policy, date_value, err, escape, json_option, open_cli_store, out,
                          policy_option, print_json, store_opener)

_SEVERITY_STYLE = {"high": "bold red", "medium": "yellow", "low": "dim"}



as_of_option = click.option("--as-of", "as_of", callback=date_value, metavar="DATE",
                            help="Measure staleness from this date instead of today (YYYY-MM-DD).")
def _named(names: dict[str, str], record: str) -> str:
    """ "name (title) [id]" for people, the id alone when the name is unknown (escaped)."""
    return f"{escape(names[record])} [dim]\\[{escape(record)}][/]" if record in names else escape(record)


def _stance(value: int | None) -> str:
    return f"{value:+d} {STANCE_LABELS[value]}" if value is not None else "unknown"


# ----- paths -----------------------------------------------------------------------------
@app.command()
@click.argument("account")
@click.option("--to", "to", required=True, metavar="CONTACT", help="The contact to reach (an id).")
@click.option("--from", "source", metavar="TEAM_MEMBER", help="Start from this team member only.")
@click.option("-k", "k", type=click.IntRange(0, 20), default=3, show_default=True,
              help="How many next-best paths to add to the strongest one.")
@click.option("--reports-to-weight", type=click.FloatRange(0, 1), default=0.5, show_default=True,
              help="Strength of a reporting line, up or down.")
@json_option
def paths(account: str, to: str, source: str | None, k: int, reports_to_weight: float, as_json: bool) -> None:
    """The strongest influence paths from our team to a contact in ACCOUNT.

    A path's strength is the product of its steps: relationship strength, influence
    weight, reporting lines. Rival edges and people who oppose us carry nothing.
    """
    with open_cli_store() as store:
        report = reports.paths_report(store, account, to, source=source, k=k, reports_to_weight=reports_to_weight)
    if as_json:
        print_json(report)
        return
    names = report["names"]
    if not report["paths"]:
        out.print(f"No path from {'our team' if not source else _named(names, source)} reaches {_named(names, to)}.")
    for n, path in enumerate(report["paths"], start=1):
        steps = " → ".join([_named(names, path["steps"][0]["from"])] +
                           [f"[dim]{s['type']} {s['strength']:.2f}[/] {_named(names, s['to'])}"
                            for s in path["steps"]])
        out.print(f"{n}. strength {path['strength']:.3f}: {steps}")


# ----- coverage --------------------------------------------------------------------------
@app.command()
@click.argument("account")
@click.option("--hops", type=click.IntRange(1, 5), default=2, show_default=True,
              help="How many steps a coach may be from a decider and still cover them.")
@json_option
def coverage(account: str, hops: int, as_json: bool) -> None:
    """Coach coverage of ACCOUNT: the coaches, the deciders they reach within --hops,
    per department line (that line's deciders reached by any coach; "n/a" for a line
    without deciders) and per opportunity."""
    with open_cli_store() as store:
        report = reports.coverage_report(store, account, hops=hops)
    if as_json:
        print_json(report)
        return
    names = report["names"]
    out.print(f"Coaches: {', '.join(_named(names, c) for c in report['coaches']) or 'none'}")
    out.print(f"Deciders covered: {len(report['covered_deciders'])} of {len(report['deciders'])} "
              f"({report['coverage']:.0%}): {', '.join(_named(names, c) for c in report['covered_deciders']) or '—'}")
    uncovered = [c for c in report["deciders"] if c not in report["covered_deciders"]]
    if uncovered:
        out.print(f"Deciders no coach covers: {', '.join(_named(names, c) for c in uncovered)}")
    table = Table("line / opportunity", "coaches", "deciders", "covered", "coverage",
                  caption="coaches: those in the line; covered: its deciders any coach reaches; n/a: no deciders")
    for name, row in [*((escape(k), v) for k, v in report["by_department"].items()),
                      *((f"opportunity {_named(names, k)}", v) for k, v in report["by_opportunity"].items())]:
        table.add_row(name, str(len(row["coaches"])), str(len(row["deciders"])),
                      str(len(row["covered_deciders"])),
                      "n/a" if row["coverage"] is None else f"{row['coverage']:.0%}")
    out.print(table)


# ----- gaps ------------------------------------------------------------------------------
@app.command()
@click.argument("account", required=False)
@click.option("--all", "all_accounts", is_flag=True, help="Every top-level account of the store, on all cores.")
@as_of_option
@click.option("--stale-days", type=click.IntRange(1), default=90, show_default=True,
              help="A relationship is stale after this many days without interaction.")
@click.option("--executive-stale-days", type=click.IntRange(1), default=180, show_default=True,
              help="The same for relationships with customer executives.")
@click.option("--workers", type=click.IntRange(1), help="Processes for --all [default: one per core].")
@policy_option
@json_option
@click.option("--jsonl", is_flag=True,
              help="Print JSON Lines on stdout instead: one gap a line, each written as soon as its account is "
                   "done (with --all, the account's id and name in every line).")
def gaps(account: str | None, all_accounts: bool, as_of: dt.date | None, stale_days: int,
         executive_stale_days: int, workers: int | None, policy_file: Path | None, as_json: bool,
         jsonl: bool) -> None:
    """Relationship gaps of ACCOUNT (or of every account with --all), most severe first,
    each with the people involved and a one-line explanation.

    With --all --json (or --jsonl) the gaps are written while the accounts are analysed,
    one account at a time, in compact JSON: a portfolio of any size takes the memory of
    one account's gaps. For example `powermap gaps --all --jsonl > gaps.jsonl`."""
    if bool(account) == all_accounts:
        raise click.UsageError("give an ACCOUNT or --all (not both)")
    if as_json and jsonl:
        raise click.UsageError("give --json or --jsonl (not both)")
    options = {"stale_days": stale_days, "executive_stale_days": executive_stale_days,
               "cadence_policy": cadence_policy(policy_file)}
    with open_cli_store() as store:
        if all_accounts and (as_json or jsonl):
            results = portfolio.portfolio_gaps(store, store_opener(), today=as_of, workers=workers, **options)
            portfolio.write_portfolio_gaps(results, sys.stdout, lines=jsonl)
            return
        if all_accounts:
            opener = store_opener()
            with Progress(TextColumn("accounts"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                          console=err, transient=True) as bar:
                task = bar.add_task("gaps", total=None)
                report = reports.portfolio_gaps_report(
                    store, opener, today=as_of, workers=workers,
                    progress=lambda done, total: bar.update(task, completed=done, total=total), **options)
        else:
            report = reports.gaps_report(store, account, today=as_of, **options)
    if jsonl:
        portfolio.write_portfolio_gaps(iter([(account, report["gaps"])]), sys.stdout, lines=True)
        return
    if as_json:
        print_json(report)
        return
    table = Table("severity", "type", *(["account"] if all_accounts else []), "explanation")
    for gap in report["gaps"]:
        style = _SEVERITY_STYLE[gap["severity"]]
        where = [f"{escape(gap['account_name'])} [dim]\\[{escape(gap['account'])}][/]"] if all_accounts else []
        table.add_row(f"[{style}]{gap['severity']}[/]", gap_label(gap["type"]), *where, escape(gap["explanation"]))
    out.print(table)
    out.print(f"{report['counts']['total']} gaps")


# ----- influence -------------------------------------------------------------------------
@app.command()
@click.argument("account")
@click.option("--top", type=click.IntRange(1), help="Show only the first N people.")
@json_option
def influence(account: str, top: int | None, as_json: bool) -> None:
    """Who really matters in ACCOUNT: formal position (the org chart and the level of the
    title; the level alone where no reporting lines were entered), informal influence
    (being consulted), their combined score; hidden influencers (sought, formally low),
    brokers (in between on who listens to whom) and equal scores ("tied with") flagged."""
    with open_cli_store() as store:
        report = reports.influence_report(store, account, top=top)
    if as_json:
        print_json(report)
        return
    table = Table("name", "title", "formal", "informal", "score", "flags", "id")
    names = {r["id"]: r["name"] or r["id"] for r in report["ranking"]}
    for row in report["ranking"]:
        flags = ", ".join(f for f, on in (("hidden influencer", row["hidden_influencer"]),
                                          ("broker", row["broker"]), (_tie(row, names), row["tied_count"])) if on)
        table.add_row(escape(row["name"] or row["id"]), escape(row["title"] or ""), f"{row['formal']:.2f}",
                      f"{row['informal']:.2f}", f"{row['score']:.2f}", escape(flags), f"[dim]{escape(row['id'])}[/]")
    out.print(table)


def _tie(row: dict, names: dict[str, str]) -> str:
    more = row["tied_count"] - len(row["tied_with"])
    tied = ", ".join(names.get(i, i) for i in row["tied_with"])
    return f"tied with {tied}" + (f" and {more} more" if more > 0 else "")


# ----- outcome ---------------------------------------------------------------------------
_MOVER = {"team": "ours", "contact": "influences them", "manager": "their manager"}


def _majority(votes: dict) -> str:
    return f" — {votes['needed']} more needed for a majority" if votes["needed"] else " — a majority for us"

@app.command()
@click.argument("opportunity")
@click.option("--steps", type=click.IntRange(0, 10), default=3, show_default=True,
              help="How many steps stances spread along influence edges.")
@json_option
def outcome(opportunity: str, steps: int, as_json: bool) -> None:
    """Where OPPORTUNITY stands: each member's stated and projected stance, for / against
    / undecided, and the support index (-1..3) by the decision unit's type: the
    decider's stance (authority), the deciders' majority with the swing voters and who
    could move them (consensus), the decider and the unit's own advisers (advisory)."""
    with open_cli_store() as store:
        report = reports.outcome_report(store, opportunity, steps=steps)
    if as_json:
        print_json(report)
        return
    out.print(f"[bold]{escape(report['name'])}[/] ({report['dmu_type']}): support index "
              f"{report['support_index']:+.2f} — {report['verdict']}")
    votes = report["votes"]
    if votes["for"] or votes["against"] or votes["undecided"]:
        out.print(f"Deciders: {len(votes['for'])} for, {len(votes['against'])} against, "
                  f"{len(votes['undecided'])} undecided" + (_majority(votes) if report["dmu_type"] == "consensus" else ""))
    for swing in report["swing_voters"]:
        movers = ", ".join(f"{escape(m['name'] or m['id'])} ({_MOVER[m['kind']]}, {m['strength']:.2f})"
                           for m in swing["movers"]) or "nobody of ours or on our side yet"
        out.print(f"Swing voter {escape(swing['name'] or swing['id'])} ({escape(swing['title'] or '')}, projected "
                  f"{swing['projected']:+.2f}): could be moved by {movers}")
    table = Table("name", "role", "decider", "stated", "projected", "side", "weight", "id")
    for m in report["members"]:
        table.add_row(escape(m["name"] or m["id"]), escape(m["role"] or ""), "yes" if m["is_decider"] else "",
                      _stance(m["stated"]), f"{m['projected']:+.2f}", m["side"], f"{m['weight']:.0%}",
                      f"[dim]{escape(m['id'])}[/]")
    out.print(table)
    for reason in report["reasons"]:
        out.print(f"• {escape(reason)}")


# ----- next moves ------------------------------------------------------------------------
@app.command("next-moves")
@click.argument("account")
@click.option("--top", type=click.IntRange(1), default=5, show_default=True, help="How many actions.")
@click.option("--per-person", type=click.IntRange(1), default=2, show_default=True,
              help="The most actions given to any one of our people (spreads the work over the iron triangle).")
@click.option("--budget-ms", type=click.IntRange(1), default=150, show_default=True,
              help="Milliseconds to spend trying candidate actions, the most promising first.")
@click.option("--accept", type=click.IntRange(1), metavar="N",
              help="Make move N (as numbered in the list) a plan action: an owner, a start (--as-of or "
                   "today) and a due date; `powermap plan ACCOUNT` then checks it against the record.")
@click.option("--owner", metavar="TEAM_MEMBER", help="With --accept: the owner, instead of the move's.")
@click.option("--due", callback=date_value, metavar="DATE",
              help="With --accept: the due date (default: 30 days after the start).")
@as_of_option
@policy_option
@json_option
def next_moves_command(account: str, top: int, per_person: int, budget_ms: int, accept: int | None,
                       owner: str | None, due: dt.date | None, as_of: dt.date | None,
                       policy_file: Path | None, as_json: bool) -> None:
    """The next relationships to build, meetings the visit cadence asks for, or people to
    win over in ACCOUNT, each with its owner on our side and the deals it serves, ranked
    by the gaps they close and the deals' support they add (weighed by what each deal
    puts at stake: value, stage and how its unit decides).

    With --accept N the N-th move becomes a plan action (a visit, an executive visit
    or a meeting to raise the stance, with an owner and dates) written to the store."""
    if accept is None and (owner or due):
        raise click.UsageError("--owner and --due go with --accept N")
    with open_cli_store() as store:
        if accept is not None:
            _accept(store, account, accept, owner=owner, due=due, start=as_of, top=top, per_person=per_person,
                    budget_ms=budget_ms, policy_file=policy_file, as_json=as_json)
            return
        report = reports.next_moves_report(store, account, top=top, today=as_of,
                                           cadence_policy=cadence_policy(policy_file), per_person=per_person,
                                           time_budget=budget_ms / 1000)
    if as_json:
        print_json(report)
        return
    if not report["moves"]:
        out.print("No single action closes a gap.")
    for n, move in enumerate(report["moves"], start=1):
        out.print(f"{n}. [bold]{escape(move['description'])}[/] (gain {move['gain']:.1f})")
        for deal in move["deals"]:
            change = (f"support {deal['support_before']:+.2f} → {deal['support_after']:+.2f}"
                      if deal["support_after"] != deal["support_before"] else f"support {deal['support_before']:+.2f}")
            out.print(f"     serves {escape(deal['opportunity'])} {escape(deal['name'] or '')} ({change})")
        for gap in move["closes"]:
            out.print(f"     closes {gap['severity']} {gap_label(gap['type']).lower()}: {escape(gap['explanation'])}")
        for gap in move["opens"]:
            out.print(f"     [dim]opens {gap['severity']} {gap_label(gap['type']).lower()}: {escape(gap['explanation'])}[/]")
    if report.get("candidates"):
        more = " (--budget-ms gives it more time)" if report["tried"] < report["candidates"] else ""
        out.print(f"[dim]{report['tried']} of {report['candidates']} candidate actions tried{more}[/]")


def _accept(store: Any, account: str, number: int, *, owner: str | None, due: dt.date | None,
            start: dt.date | None, top: int, per_person: int, budget_ms: int, policy_file: Path | None,
            as_json: bool) -> None:
    from graph.analysis.plans import accept_move
    from graph.batch import Batch

    try:
        action = accept_move(store, account, number, start=start, due=due, owner=owner, top=top,
                             per_person=per_person, cadence_policy=cadence_policy(policy_file),
                             time_budget=budget_ms / 1000)
    except ValueError as bad:
        raise click.UsageError(str(bad).splitlines()[0]) from bad
    if store.get("team", action.owner_id) is None:
        raise click.UsageError(f"no team member {action.owner_id!r}")
    store.write(Batch.from_records([action]))
    if as_json:
        print_json({"accepted": action.row()})
        return
    out.print(f"Plan action [bold]{escape(action.id)}[/]: {escape(action.owner_id)} → {escape(action.contact_id)}, "
              f"{action.action.value} from {action.start} to {action.due}"
              + (f", target stance {_stance(action.target_stance)}" if action.target_stance is not None else ""))


# ----- rollup ----------------------------------------------------------------------------
@app.command()
@click.argument("account")
@as_of_option
@policy_option
@json_option
def rollup(account: str, as_of: dt.date | None, policy_file: Path | None, as_json: bool) -> None:
    """Coverage and gaps of ACCOUNT rolled up its hierarchy: which parts of a group are
    covered, and each part's posture (entered, else suggested; `powermap posture`)."""
    with open_cli_store() as store:
        report = reports.rollup_report(store, account, today=as_of, cadence_policy=cadence_policy(policy_file))
    if as_json:
        print_json(report)
        return
    table = Table("account", "posture", "contacts", "we touch", "coaches", "deciders covered", "gaps high/med/low")
    _rollup_rows(table, report, 0)
    out.print(table)


def _rollup_rows(table: Table, node: dict[str, Any], depth: int) -> None:
    total = node["total"]
    mark = "" if total["covered"] else " [red](untouched)[/]"
    posture = node.get("effective_posture") or ""
    if node.get("suggested_posture") and node.get("posture") and node["suggested_posture"] != node["posture"]:
        posture += f" [dim](suggested {node['suggested_posture']})[/]"
    table.add_row("  " * depth + escape(node["name"]) + mark, posture, str(total["contacts"]), str(total["touched_contacts"]),
                  str(total["coaches"]), f"{total['covered_deciders']}/{total['deciders']} ({total['coverage']:.0%})",
                  "/".join(str(total["gaps"][s]) for s in ("high", "medium", "low")))
    for child in node["accounts"]:
        _rollup_rows(table, child, depth + 1)


# ----- snapshots -------------------------------------------------------------------------
@app.command()
@click.option("--label", help="Freeze the current graph under this label (e.g. 2026Q4).")
@click.option("--list", "list_", is_flag=True, help="List the snapshots instead.")
@json_option
def snapshot(label: str | None, list_: bool, as_json: bool) -> None:
    """Freeze the whole graph under --label, to compare later with `powermap diff`."""
    if bool(label) == list_:
        raise click.UsageError("give --label LABEL or --list")
    with open_cli_store() as store:
        report = reports.snapshots_report(store) if list_ else reports.snapshot_report(store, label)
    if as_json:
        print_json(report)
    elif list_:
        for row in report["snapshots"]:
            out.print(f"{escape(row['label'])}  {row['created_at']}  {row['size']:,} bytes")
    else:
        out.print(f"Snapshot {escape(report['label'])} taken: "
                  + ", ".join(f"{v:,} {k}" for k, v in report["counts"].items()))


@app.command()
@click.argument("old")
@click.argument("new", default=CURRENT)
@json_option
def diff(old: str, new: str, as_json: bool) -> None:
    """What changed from snapshot OLD to NEW (another snapshot, or `current`, the
    default): stances, people who moved, left or arrived, relationships, coverage and gaps.

    \b
    People:
      moved     account, department, title or manager changed — the same contact id, or,
                when an export re-keyed the person, a removed and an added contact with
                the same e-mail (or, without e-mail, the same name and phone)
      departed  removed, or marked departed (a re-imported Salesforce export marks a
                contact it deleted that way; a workbook's `status` column says 离职/departed)
      arrived   new people
      ambiguous re-keying matches that were not one-to-one: reported, never merged; the
                people stay a departure and an arrival until someone decides
    Personal fields (e-mail, phone) are matched on but never printed.

    \b
    Examples:
      powermap snapshot --label 2026Q3        # at the end of each quarter
      powermap import export-2026-11/          # the next CRM export
      powermap diff 2026Q3                     # what changed since, in words
      powermap diff 2026Q3 2026Q4 --json       # between two snapshots, as JSON
    """
    with open_cli_store() as store:
        report = reports.diff_report(store, old, new)
    if as_json:
        print_json(report)
        return
    out.print(f"From {escape(old)} to {escape(new)}:")
    for change in report["stance_changes"]:
        out.print(f"  stance    {escape(change['name'])} ({escape(change['id'])}): "
                  f"{_stance(change['old'])} → {_stance(change['new'])}")
    for move in report["moves"]:
        rekeyed = (f", re-keyed from {escape(move['previous_id'])} by {move['matched_by']}"
                   if move["previous_id"] != move["id"] else "")
        out.print(f"  moved     {escape(move['name'] or move['id'])} ({escape(move['id'])}{rekeyed}): "
                  + "; ".join(f"{MOVE_WORDS[f]} {_called(report['names'], move['from'][f])} → "
                              f"{_called(report['names'], move['to'][f])}" for f in move["changed"]))
    for person in report["departures"]:
        out.print(f"  departed  {escape(person['name'] or person['id'])} ({escape(person['id'])}, "
                  f"{escape(person['account_id'] or '')}{', ' + escape(person['title']) if person['title'] else ''}): "
                  f"{person['how']}")
    for person in report["arrivals"]:
        out.print(f"  arrived   {escape(person['name'] or person['id'])} ({escape(person['id'])}, "
                  f"{escape(person['account_id'] or '')})")
    for match in report["ambiguous_matches"]:
        out.print(f"  [yellow]ambiguous[/] same {match['matched_by']}: departed "
                  f"{escape(', '.join(p['id'] for p in match['departed']))} / arrived "
                  f"{escape(', '.join(p['id'] for p in match['arrived']))} "
                  "— not merged, check by hand")
    out.print(f"  relationships: +{len(report['new_relationships'])} / -{len(report['lost_relationships'])}")
    for account in report["accounts"]:
        c, g = account["coverage"], account["gaps"]
        out.print(f"  {escape(account['name'])}: coverage {c['old']:.0%} → {c['new']:.0%}, "
                  f"gaps {g['old']} → {g['new']}")


def _called(names: dict[str, str], record: str | None) -> str:
    """"name [id]" of an account, department or manager; "—" for none (escaped)."""
    if not record:
        return "—"
    return f"{escape(names[record])} [dim]\\[{escape(record)}][/]" if record in names else escape(record)

