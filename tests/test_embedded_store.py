"""What only the embedded store does: bulk writes set their indexes aside and build them
again; the participant index holds only interactions filed away from a contact's account."""

from __future__ import annotations

import sqlite3

import pytest

from builders import write_csv
from graph.batch import Batch
from graph.embedded import EmbeddedStore
from graph.model import Account, Contact, Interaction, TeamMember
from importers import import_paths
from test_crash_safety import indexes_of


def test_a_bulk_write_builds_the_indexes_again_and_they_are_used(tmp_path, monkeypatch):
    import graph.embedded_write

    monkeypatch.setattr(graph.embedded_write, "_BULK_ROWS", 5)
    db = tmp_path / "bulk.db"
    write_csv(tmp_path / "accounts.csv", [["id", "name"], ["A", "Acme"], ["B", "Beta"]])
    write_csv(tmp_path / "contacts.csv", [["id", "account_id", "name"]] + [[f"c{i}", "AB"[i % 2], f"p{i}"]
                                                                           for i in range(20)])
    with EmbeddedStore(db) as store:
        report = import_paths([tmp_path / "accounts.csv", tmp_path / "contacts.csv"], store)
        assert report.result.inserted == {"accounts": 2, "contacts": 20}
        assert len(store.subgraph_rows("B")["contacts"]) == 10
    with sqlite3.connect(db) as raw:
        assert indexes_of(raw, "contact") == {"contact_account", "contact_reports_to"}
        plan = " ".join(r[3] for r in raw.execute("EXPLAIN QUERY PLAN SELECT id FROM contact WHERE account_id = 'A'"))
        assert "contact_account" in plan


def test_only_interactions_filed_away_from_a_contacts_account_are_indexed(tmp_path):
    people = [Contact(id=f"c{i}", account_id="A" if i < 8 else "B", name=f"p{i}") for i in range(12)]
    with EmbeddedStore(tmp_path / "p.db") as store:
        store.write(Batch.from_records([Account(id="A", name="A"), Account(id="B", name="B"), *people]))
        # one interaction among twelve contacts: their accounts are looked up one by one
        store.write(Batch.from_records([Interaction(id="I1", date="2026-01-05", account_id="A",
                                                    contact_ids={"c1", "c9"})]))
        # many: every contact's account is read at once
        store.write(Batch.from_records([Interaction(id=f"J{i}", date="2026-01-05", account_id="A",
                                                    contact_ids={f"c{i}"}) for i in range(12)]))
        with sqlite3.connect(tmp_path / "p.db") as raw:
            indexed = set(raw.execute("SELECT person_id, interaction_id FROM interaction_participant"))
        assert indexed == {("c9", "I1"), ("c8", "J8"), ("c9", "J9"), ("c10", "J10"), ("c11", "J11")}
        assert {r["id"] for r in store.subgraph_rows("B")["interactions"]} == {"I1", "J8", "J9", "J10", "J11"}


@pytest.mark.parametrize("where", ["sqlite", "progress"])
def test_a_bulk_write_that_fails_midway_writes_nothing_and_keeps_its_indexes(tmp_path, monkeypatch, where):
    import graph.embedded_write

    monkeypatch.setattr(graph.embedded_write, "_BULK_ROWS", 5)
    monkeypatch.setattr(graph.embedded_write, "CHUNK", 4)
    calls = []
    if where == "sqlite":  # SQLite refuses a statement of the third chunk
        real = graph.embedded_write._write_team_accounts

        def failing(db, ids, accounts):
            calls.append(ids)
            if len(calls) == 3:
                db.execute("INSERT INTO no_such_table VALUES (1)")
            real(db, ids, accounts)
        monkeypatch.setattr(graph.embedded_write, "_write_team_accounts", failing)
    people = [TeamMember(id=f"t{i}", name=f"p{i}", accounts={"A"}) for i in range(20)]
    with EmbeddedStore(tmp_path / "f.db") as store:
        store.write(Batch.from_records([Account(id="A", name="A")]))
        schema = store._db.execute("SELECT type, name, sql FROM sqlite_master").fetchall()

        def progress(done, total):
            if where == "progress" and done >= 12:
                raise RuntimeError("stopped while preparing")
        with pytest.raises((sqlite3.OperationalError, RuntimeError)):
            store.write(Batch.from_records(people), progress=progress)
        assert store.counts()["team_members"] == 0
        with sqlite3.connect(tmp_path / "f.db") as raw:
            assert raw.execute("SELECT count(*) FROM team_account").fetchone()[0] == 0
            assert raw.execute("SELECT type, name, sql FROM sqlite_master").fetchall() == schema
        store.write(Batch.from_records(people[:2]))  # the store is usable afterwards
        assert store.counts()["team_members"] == 2
