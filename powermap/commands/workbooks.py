"""Workbook commands: a blank template to fill in, and an account written back out, both
in the import format (see :mod:`importers.workbook_writer`)."""

from __future__ import annotations

from pathlib import Path

import click

from powermap.cli import app, err, open_cli_store

_lang_option = click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
                            help="The language of sheet names, headers and the words in the drop-down lists.")
_output_option = click.option("-o", "--output", "output", required=True,
                              type=click.Path(dir_okay=False, writable=True, path_type=Path), metavar="FILE.xlsx",
                              help="The workbook to write (an existing file is replaced).")


@app.command()
@_output_option
@_lang_option
def template(output: Path, lang: str) -> None:
    """Write a blank workbook in the import format, to fill in and import.

    One sheet per table (accounts, departments, contacts, our team, relationships,
    influence, opportunities, decision units, interactions) with headers in the chosen
    language, drop-down lists for every enumerated column (stance 反对/中立/支持/支持你多一点/教练,
    buying roles, department kind, level, tier, posture, DMU type, team role, influence
    kind, interaction type), number ranges for the 0..1 columns, a few example rows
    (ids EX-…) and a first sheet explaining every column in Chinese and English.

    \b
    Examples:
      powermap template -o customers.xlsx
      powermap template -o customers.xlsx --lang en
      powermap import customers.xlsx          # once filled in
    """
    from importers.workbook_writer import template_workbook

    _write(output, template_workbook(lang))  # type: ignore[arg-type]
    err.print(f"Wrote {output}: fill it in, then run: powermap import {output}", markup=False)


@app.command()
@click.argument("account")
@_output_option
@_lang_option
def export(account: str, output: Path, lang: str) -> None:
    """Write ACCOUNT, with every part below it, as a workbook in the import format.

    Its accounts, departments, contacts (with their personal fields), opportunities and
    decision units, interactions, the relationships and influence among its people and
    our team members involved — the same sheets as `powermap template`, so the file can
    be edited and imported again: re-importing it unchanged changes nothing. Links are
    kept as stored (a team member's other accounts, the account's own parent), so it
    re-imports into this store, or into one that has those records. Text is written
    as text, never run as a formula.

    \b
    Examples:
      powermap export A-G1 -o 华东重工.xlsx
      powermap export A-G1 -o group.xlsx --lang en
    """
    from importers.workbook_writer import account_workbook

    with open_cli_store() as store:
        data = account_workbook(store, account, lang)  # type: ignore[arg-type]
    _write(output, data)
    err.print(f"Wrote {account} to {output}", markup=False)


def _write(path: Path, data: bytes) -> None:
    try:
        path.write_bytes(data)
    except OSError as error:
        raise click.ClickException(f"cannot write {path}: {error.strerror or error}") from error
