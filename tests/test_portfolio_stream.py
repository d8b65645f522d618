"""``gaps --all`` writes each account's gaps as they arrive: valid compact JSON, or JSON
Lines, the same gaps in the same order as the report collected whole, from worker
processes on a real store file."""

from __future__ import annotations

import datetime as dt
import io
import json
from functools import partial

import pandas as pd
import pytest

from graph.analysis.portfolio import portfolio_gaps, write_portfolio_gaps
from graph.analysis.reports import portfolio_gaps_report
from graph.embedded import EmbeddedStore
from importers import import_frames
from powermap.cli import main

AS_OF = dt.date(2026, 11, 1)


@pytest.fixture(scope="module")
def portfolio_db(tmp_path_factory):
    """Twelve top-level accounts (enough for the worker processes) with a few people each:
    a decider no one reaches, an opponent, a stale relationship."""
    db = tmp_path_factory.mktemp("portfolio") / "portfolio.db"
    accounts, contacts, relationships = [], [], []
    for a in range(12):
        accounts.append({"id": f"A{a:02d}", "name": f"客户{a}"})
        for c in range(a % 4 + 1):
            contacts.append({"id": f"A{a:02d}-C{c}", "account_id": f"A{a:02d}", "name": f"联系人{a}-{c}",
                             "title": "总经理" if c == 0 else "采购经理",
                             "roles": "决策者" if c == 0 else "把关者", "stance": "-1" if c == 1 else "1"})
        relationships.append({"team_id": "T1", "contact_id": f"A{a:02d}-C{a % 4}", "strength": 0.6,
                              "last_interaction": "2026-01-05"})
    with EmbeddedStore(db) as store:
        import_frames({"accounts": pd.DataFrame(accounts), "contacts": pd.DataFrame(contacts),
                       "team": pd.DataFrame([{"id": "T1", "name": "李销售", "role": "account_manager"}]),
                       "relationships": pd.DataFrame(relationships)}, store)
    return str(db)


def _cli(db: str, capsys, *args: str) -> str:
    assert main(["--db", db, "gaps", "--all", "--as-of", AS_OF.isoformat(), *args]) == 0
    return capsys.readouterr().out


def test_streamed_json_is_the_report_collected_whole(portfolio_db, capsys):
    out = _cli(portfolio_db, capsys, "--json", "--workers", "2")
    assert "\n  " not in out  # compact: one line
    data = json.loads(out)
    with EmbeddedStore(portfolio_db) as store:
        whole = portfolio_gaps_report(store, today=AS_OF)  # in this process, one account after another
    assert json.loads(json.dumps(whole, ensure_ascii=False, default=str)) == data
    assert data["counts"]["accounts"] == 12 and data["counts"]["total"] == len(data["gaps"]) > 12
    assert [g["account"] for g in data["gaps"]] == sorted(g["account"] for g in data["gaps"])


def test_json_lines_hold_one_gap_each_with_its_account(portfolio_db, capsys):
    whole = json.loads(_cli(portfolio_db, capsys, "--json"))
    lines = _cli(portfolio_db, capsys, "--jsonl", "--workers", "2").splitlines()
    assert [json.loads(line) for line in lines] == whole["gaps"]
    assert all(set(json.loads(line)) >= {"account", "account_name", "type", "severity"} for line in lines)


def test_one_account_as_json_lines(portfolio_db, capsys):
    assert main(["--db", portfolio_db, "gaps", "A03", "--as-of", AS_OF.isoformat(), "--jsonl"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert main(["--db", portfolio_db, "gaps", "A03", "--as-of", AS_OF.isoformat(), "--json"]) == 0
    assert [json.loads(line) for line in lines] == json.loads(capsys.readouterr().out)["gaps"]


def test_json_and_jsonl_together_are_refused(portfolio_db, capsys):
    assert main(["--db", portfolio_db, "gaps", "--all", "--json", "--jsonl"]) == 2
    assert "--json or --jsonl" in capsys.readouterr().err


def test_each_account_is_written_before_the_next_is_asked_for(portfolio_db):
    out = io.StringIO()
    arrived = []  # (account, what the writer had written when it arrived)

    def watched(results):
        for account, gaps in results:
            arrived.append((account, out.getvalue()))
            yield account, gaps

    with EmbeddedStore(portfolio_db) as store:
        results = portfolio_gaps(store, partial(EmbeddedStore, portfolio_db), today=AS_OF, workers=2)
        counts = write_portfolio_gaps(watched(results), out)
    data = json.loads(out.getvalue())
    assert counts == data["counts"] and counts["accounts"] == 12
    firsts = {}
    for gap in data["gaps"]:
        firsts.setdefault(gap["account"], json.dumps(gap, ensure_ascii=False))
    assert len(firsts) > 6
    for (account, _), (_, written) in zip(arrived, arrived[1:]):  # each account out when the next arrives
        assert account not in firsts or firsts[account] in written
