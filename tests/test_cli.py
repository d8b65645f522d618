"""The powermap command: every command works, teaches with --help and is in the documentation
(docs/: a page written by hand shows it in use; the CLI reference is generated, see test_docs.py)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest

from builders import SMALL, write_csv, write_workbook
from conftest import REPO
from powermap.cli import app, main


def commands(group: click.Group = app, prefix: str = "") -> list[str]:
    return sorted(f"{prefix}{name}" for name in group.list_commands(click.Context(group)))


def test_import_then_stats_accounts_and_show(run, tmp_path):
    code, out, _ = run("import", str(write_workbook(tmp_path / "a.xlsx", SMALL)))
    assert code == 0 and "contacts" in out
    code, out, _ = run("stats", "--json")
    assert json.loads(out) == {"accounts": 3, "departments": 2, "contacts": 3, "team_members": 2,
                               "relationships": 2, "reports_to": 2, "influences": 2, "opportunities": 1,
                               "interactions": 0}
    code, out, _ = run("accounts", "--json")
    assert [(a["id"], a["parent_id"], a["kind"], a["contacts"]) for a in json.loads(out)] == [
        ("G1", None, "group", 1), ("S1", "G1", "base", 2), ("W1", "S1", "window", 0)]
    code, out, _ = run("show", "G1", "--json")
    tree = json.loads(out)
    assert tree["contacts"] == [{"id": "C1", "name": "王建国", "title": "董事长", "level": "executive",
                                 "reports_to": None, "roles": ["decider"], "stance": 3}]
    base = tree["accounts"][0]
    assert [d["kind"] for d in base["departments"]] == ["purchasing", "design"]
    assert base["departments"][0]["contacts"][0]["roles"] == ["buyer", "gatekeeper"]
    assert base["accounts"][0]["id"] == "W1"
    code, out, _ = run("show", "G1")
    assert code == 0 and "王建国" in out and "coach" in out and "采购部" in out


def test_json_output_is_only_json(run, tmp_path):
    code, out, _ = run("import", str(write_workbook(tmp_path / "a.xlsx", SMALL)), "--json")
    assert json.loads(out)["inserted"]["contacts"] == 3


def test_rejected_import_exits_3_and_lists_every_problem(run, tmp_path):
    write_csv(tmp_path / "contacts.csv", [["id", "account_id", "name", "stance"], ["C1", "A", "x", "9"]])
    code, out, err = run("import", str(tmp_path / "contacts.csv"))
    assert code == 3
    assert "contacts.csv, row 2, column 'stance'" in err and "contacts.csv, row 2, column 'account_id'" in err
    assert "nothing was written" in err and "Traceback" not in err
    code, out, _ = run("import", str(tmp_path / "contacts.csv"), "--json")
    assert code == 3 and len(json.loads(out)["problems"]) == 2


def test_dry_run_writes_nothing(run, tmp_path):
    code, out, _ = run("import", "--dry-run", str(write_workbook(tmp_path / "a.xlsx", SMALL)))
    assert code == 0 and "Dry run" in out
    assert json.loads(run("stats", "--json")[1])["contacts"] == 0


def test_unknown_account_is_one_line_and_exit_2(run):
    code, out, err = run("show", "NOPE")
    assert (code, out, err.strip()) == (2, "", "powermap: no account 'NOPE'")


def test_missing_path_is_a_clear_error(run, tmp_path):
    code, _, err = run("import", str(tmp_path / "nowhere.xlsx"))
    assert code == 3 and "no such file or folder" in err


def test_demo_loads_the_bundled_data(run):
    code, out, err = run("demo", "--no-serve")
    assert code == 0 and "powermap show" in out
    counts = json.loads(run("stats", "--json")[1])
    assert counts["contacts"] >= 150 and counts["opportunities"] >= 3


@pytest.mark.parametrize("command", commands())
def test_every_command_has_help_and_is_in_the_docs(command, capsys):
    assert main([command, "--help"]) == 0
    help_text = capsys.readouterr().out
    assert len(help_text.splitlines()) > 3
    pages = "\n".join(page.read_text(encoding="utf-8") for page in (REPO / "docs").rglob("*.md"))
    assert re.search(rf"powermap {re.escape(command)}\b", pages), f"no page of docs/ shows `powermap {command}`"


def test_installed_console_script_runs():
    exe = shutil.which("powermap", path=str(Path(sys.executable).parent))
    if exe is None:
        pytest.skip("the package is not installed in this environment (pip install -e .)")
    result = subprocess.run([exe, "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "decision-chain" in result.stdout
