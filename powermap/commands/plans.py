"""``powermap plan`` (the relationship plan of an account, checked against the interaction record)
and ``powermap review`` (the quarterly account review)."""

from __future__ import annotations

import datetime as dt
import subprocess
import tempfile
from pathlib import Path

import click
from rich.table import Table

from graph.analysis.plans import plan_report
from graph.exceptions import PowermapError
from powermap.cli import (app, cadence_policy, date_value, err, escape, json_option, open_cli_store, out,
                          policy_option, print_json)

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
                      escape(a["owner_name"] or a["owner_id"] or "NEEDS AN OWNER (owner removed)"), a["action"], a["due"],
                      f"[{_STYLE[a['status']]}]{escape(status)}[/]" if _STYLE[a["status"]] else escape(status),
                      escape(f"{closing['id']} {closing['date']}" + (" (colleague)" if closing["match"] == "colleague"
                                                                     else "")) if closing else "",
                      f"{a['target_stance']} {reached}" if a["target_stance"] is not None else "")
    out.print(table)
    totals = Table("owner / opportunity", "done", "overdue", "open", "closed", "done, stance not moved")
    for row in report["by_owner"]:
        totals.add_row(escape(row["owner_name"] or row["owner_id"] or "(no owner: removed)"), *_counts(row))
    for row in report["by_opportunity"]:
        totals.add_row(escape(row["opportunity_name"] or row["opportunity_id"] or "(no opportunity)"), *_counts(row))
    totals.add_row("[bold]all[/]", *_counts(report["totals"]))
    out.print(totals)


def _counts(row: dict) -> list[str]:
    return [str(row[k]) for k in ("done", "overdue", "open", "closed", "done_stance_not_moved")]


@app.command("review")
@click.argument("account")
@click.option("--quarter", required=True, metavar="YYYYQn", help="The quarter under review, e.g. 2026Q4.")
@click.option("--as-of", "as_of", callback=date_value, metavar="DATE",
              help="Judge on this day instead of the quarter's last day or today, whichever is earlier.")
@click.option("-o", "output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the pack: FILE.html (one page, no script), FILE.pdf (needs Chromium) or FILE.xlsx.")
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True,
              help="Language of the HTML/PDF labels.")
@policy_option
@json_option
def review_command(account: str, quarter: str, as_of: dt.date | None, output: Path | None, lang: str,
                   policy_file: Path | None, as_json: bool) -> None:
    """The quarterly account review (季度经营复盘) of ACCOUNT: one pack for the routine
    review meeting, summary first — tier, share of wallet and the entered posture beside
    the suggested one (`powermap posture`); coach coverage and gaps, and their change
    since the previous quarter's snapshot (labelled like 2026Q3); deciders whose stance
    changed; people who moved, left or arrived (`powermap diff`) and the key people
    among them (people_change findings); visit cadence breaches; the quarter's plan actions in numbers (done / overdue / open / closed /
    done but stance not moved, per owner); and next quarter's proposed plan (next moves,
    each with the `--accept` command that commits to it).

    Takes the quarter's snapshot when it is missing and the quarter is not over. The
    figures are those `plan`, `diff`, `cadence`, `gaps` and `next-moves` give for the
    same day.

      powermap review A-G1 --quarter 2026Q4 -o review.pdf --lang zh"""
    from graph.analysis.people import MOVE_WORDS
    from graph.analysis.review import review_report

    suffix = output.suffix.lower() if output else None
    if suffix not in (None, ".html", ".htm", ".pdf", ".xlsx"):
        raise click.BadParameter("the file must end in .html, .pdf or .xlsx", param_hint="-o")
    with open_cli_store() as store:
        try:
            report = review_report(store, account, quarter=quarter, today=as_of,
                                   cadence_policy=cadence_policy(policy_file))
        except ValueError as bad:
            raise click.BadParameter(str(bad), param_hint="--quarter") from bad
    if output:
        _write_review(report, output, suffix, lang)
    if as_json:
        print_json(report)
    elif not output:
        s = report["summary"]
        a = report["account"]
        out.print(f"[bold]{escape(a['name'])}[/] review {report['quarter']} as of {report['as_of']}")
        posture = f"{a['posture'] or '—'} (entered)" + (
            f", suggested {a['suggested_posture']}{' — disagrees' if a['posture_mismatch'] else ''}: "
            f"{a['posture_reason']}" if a["suggested_posture"] else "")
        for label, value in (("posture", posture),
                             ("share of wallet", f"{a['share_of_wallet']:.0%}" if a["share_of_wallet"] is not None
                              else "—"),
                             ("coach coverage", f"{s['coach_coverage']:.0%}"), ("gaps", s["gaps"]),
                             ("gaps since " + str(report["compared_with"]) if report["compared_with"]
                              else "gaps since the previous quarter",
                              f"{s['gaps_change']:+d}" if s["gaps_change"] is not None
                              else "no snapshot of the previous quarter"),
                             ("decider stance changes", s["decider_stance_changes"]),
                             ("people since the previous quarter", f"moved {s['people_moved']}, left "
                              f"{s['people_departed']}, arrived {s['people_arrived']}" if report["compared_with"]
                              else "no snapshot of the previous quarter"),
                             ("key people who moved or left (findings)", s["people_change_findings"]),
                             ("cadence breaches", s["cadence_breaches"]),
                             ("plan", ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in s["plan"].items())),
                             ("proposed moves", s["proposed_moves"])):
            out.print(f"  {label}: {escape(str(value))}")
        since = report["since_previous"]
        for m in since["moves"]:
            out.print(f"    moved     {escape(m['name'] or m['id'])}: " + escape("; ".join(
                f"{MOVE_WORDS[f]} {since['names'].get(m['from'][f], m['from'][f]) or '—'} → "
                f"{since['names'].get(m['to'][f], m['to'][f]) or '—'}" for f in m["changed"])))
        for c in since["departures"]:
            out.print(f"    left      {escape(c['name'] or c['id'])} ({escape(c['account_id'])}, {c['how']})")
        for g in report["people_change"]:
            out.print(f"    [red]finding[/]   {escape(g['explanation'])}")


def _write_review(report: dict, output: Path, suffix: str, lang: str) -> None:
    from viz.review import review_page, review_tables

    if suffix == ".xlsx":
        from api.exports import review_xlsx

        output.write_bytes(review_xlsx(review_tables(report)))
    elif suffix == ".pdf":
        from powermap.commands.maps import CHROMIUM_FLAGS, chromium

        browser = chromium()
        if browser is None:
            raise PowermapError("a PDF needs Chromium (Debian: apt-get install chromium); write .html instead")
        with tempfile.TemporaryDirectory() as tmp:
            page = Path(tmp) / "review.html"
            page.write_text(review_page(report, lang=lang), encoding="utf-8")
            result = subprocess.run([browser, *CHROMIUM_FLAGS, f"--user-data-dir={tmp}/profile",
                                     "--no-pdf-header-footer", f"--print-to-pdf={output.resolve()}", page.as_uri()],
                                    capture_output=True, text=True, timeout=120)
        if result.returncode or not output.exists():
            raise PowermapError(f"Chromium could not render the PDF: {result.stderr.strip()[-300:]}")
    else:
        output.write_text(review_page(report, lang=lang), encoding="utf-8")
    err.print(f"wrote {output}", markup=False)
