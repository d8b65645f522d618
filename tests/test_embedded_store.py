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

    monkeypatch.setattr(graph.embedded_write, "BULK_ROWS", 5)
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

    monkeypatch.setattr(graph.embedded_write, "BULK_ROWS", 5)
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


def _people(count: int) -> Batch:
    return Batch.from_records([Account(id="A", name="Acme")] +
                              [Contact(id=f"c{i:04d}", account_id="A", name=f"p{i}", stance=i % 4) for i in range(count)])


def _journal(path) -> str:
    with sqlite3.connect(path) as raw:
        return raw.execute("PRAGMA journal_mode").fetchone()[0]


def test_a_first_bulk_load_is_written_straight_into_the_file_and_the_store_returns_to_wal(tmp_path, monkeypatch):
    import graph.embedded

    monkeypatch.setattr(graph.embedded, "BULK_ROWS", 100)
    db = tmp_path / "bulk.db"
    seen = []
    with EmbeddedStore(db) as store:
        store.write(_people(20), progress=lambda *_: seen.append(("small", _journal_of(store))))
        # 1,234 rows into a store of 21: under a rollback journal, no WAL file while it writes
        store.write(_people(1_234), progress=lambda *_: seen.append(
            ("bulk", _journal_of(store), (tmp_path / "bulk.db-wal").exists())))
        # 1,235 rows again into a store holding as many: the WAL, as every other write
        store.write(_people(1_234), progress=lambda *_: seen.append(("update", _journal_of(store))))
        assert store.counts()["contacts"] == 1_234
        assert store.get("contacts", "c1233").stance == 1233 % 4
    assert list(dict.fromkeys(seen)) == [("small", "wal"), ("bulk", "delete", False), ("update", "wal")]
    assert _journal(db) == "wal"
    with sqlite3.connect(db) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert not (tmp_path / "bulk.db-journal").exists()


def _journal_of(store: EmbeddedStore) -> str:
    return store._db.execute("PRAGMA journal_mode").fetchone()[0]


def test_a_bulk_load_while_another_process_has_the_store_open_keeps_the_wal_and_its_readers(tmp_path, monkeypatch):
    import graph.embedded

    monkeypatch.setattr(graph.embedded, "BULK_ROWS", 100)
    db = tmp_path / "shared.db"
    with EmbeddedStore(db) as store, EmbeddedStore(db) as reader:
        assert reader.counts()["contacts"] == 0
        during = []
        store.write(_people(500), progress=lambda *_: during.append((_journal_of(store), reader.counts()["contacts"])))
        assert during and set(during) == {("wal", 0)}  # the reader never waited, and saw the store as it was
        assert reader.counts()["contacts"] == 500


def test_a_bulk_load_that_fails_writes_nothing_and_the_store_returns_to_wal(tmp_path, monkeypatch):
    import graph.embedded

    monkeypatch.setattr(graph.embedded, "BULK_ROWS", 100)

    def stop(done, total):
        raise RuntimeError("stopped")

    db = tmp_path / "failed.db"
    with EmbeddedStore(db) as store:
        with pytest.raises(RuntimeError):
            store.write(_people(300), progress=stop)
        assert _journal_of(store) == "wal" and store.counts()["contacts"] == 0
        store.write(_people(300))
        assert store.counts()["contacts"] == 300
    assert _journal(db) == "wal"


def test_a_process_opening_the_store_during_a_bulk_load_is_told_why_it_cannot(tmp_path, monkeypatch):
    import graph.embedded
    from graph.exceptions import StoreUnavailable

    monkeypatch.setattr(graph.embedded, "BULK_ROWS", 100)
    db = tmp_path / "busy.db"
    refused = []

    def open_another(done, total):
        with pytest.raises(StoreUnavailable) as err:
            EmbeddedStore(db)
        refused.append(str(err.value))

    with EmbeddedStore(db) as store:
        store.write(_people(300), progress=open_another)
    assert refused and "holds it alone (a large first import loading it); try again when that ends" in refused[0]
    with EmbeddedStore(db) as store:  # and once it ended, it opens
        assert store.counts()["contacts"] == 300


def test_a_write_of_many_statements_stamps_every_row_once(tmp_path):
    """Rows are upserted hundreds to a statement (the last statement holds the rest), every
    row stamped with the write's time; an unchanged row keeps its stamp."""
    with EmbeddedStore(tmp_path / "s.db") as store:
        store.write(_people(1_234))
        rows = store._db.execute("SELECT id, name, stance, updated_at FROM contact ORDER BY rowid").fetchall()
        assert [r[:3] for r in rows] == [(f"c{i:04d}", f"p{i}", i % 4) for i in range(1_234)]
        first = {r[3] for r in rows}
        assert len(first) == 1
        store._db.execute("UPDATE contact SET updated_at = 'before'")
        changed = Batch.from_records([Account(id="A", name="Acme")] + [
            Contact(id=f"c{i:04d}", account_id="A", name=f"p{i}" if i % 7 else "renamed", stance=i % 4)
            for i in range(1_234)])
        assert store.write(changed).updated == {"contacts": len(range(0, 1_234, 7)), "accounts": 0}
        stamps = dict(store._db.execute("SELECT id, updated_at FROM contact"))
        assert {i for i, s in stamps.items() if s != "before"} == {f"c{i:04d}" for i in range(0, 1_234, 7)}


def test_a_bulk_load_that_cannot_return_to_wal_at_once_does_at_the_next_write(tmp_path, monkeypatch):
    """Another program (not powermap, which cannot open the store during the load) starts
    reading the store as the load commits: the store stays under the rollback journal until
    its next write."""
    import graph.embedded

    monkeypatch.setattr(graph.embedded, "BULK_ROWS", 100)
    db = tmp_path / "held.db"
    other = sqlite3.connect(db, isolation_level=None)
    switch, held = EmbeddedStore._journal_mode, []

    def other_reads_first(store, mode, *, wait):
        if mode == "wal" and not held:
            held.append(True)
            other.execute("BEGIN")
            other.execute("SELECT count(*) FROM contact").fetchone()  # a read held until COMMIT
        return switch(store, mode, wait=wait)

    monkeypatch.setattr(EmbeddedStore, "_journal_mode", other_reads_first)
    with EmbeddedStore(db) as store:
        store._db.execute("PRAGMA busy_timeout=50")
        store.write(_people(300))
        assert _journal_of(store) == "delete"  # the other program's read kept it there
        other.execute("COMMIT")
        store.write(_people(1))
        assert _journal_of(store) == "wal" and store.counts()["contacts"] == 300
    other.close()
    assert _journal(db) == "wal"
