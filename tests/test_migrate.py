"""`powermap migrate`: a whole graph copied between stores and verified (embedded ↔ embedded
here; embedded ↔ Neo4j in test_neo4j_store.py when a server is configured)."""

from __future__ import annotations

import json

import pytest

from graph.batch import Batch
from graph.embedded import EmbeddedStore
from graph.migrate import MigrationMismatch, TargetNotEmpty, copy_graph
from graph.model import TABLES
from powermap.cli import main
from test_store_contract import world


@pytest.fixture
def source(tmp_path):
    path = tmp_path / "source.db"
    with EmbeddedStore(path) as store:
        store.write(Batch.from_records(world()))
        store.save_snapshot("2026Q3", b"\x00q3")
    return str(path)


def test_migrate_copies_every_record_and_snapshot(source, tmp_path, capsys):
    target = str(tmp_path / "target.db")
    assert main(["migrate", "--from", source, "--to", target, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["source"] == report["target"] == Batch.from_records(world()).counts()
    assert report["snapshots"] == 1
    with EmbeddedStore(source) as a, EmbeddedStore(target) as b:
        for table in TABLES:
            strip = lambda rows: [{k: v for k, v in r.items() if k != "updated_at"} for r in rows]  # noqa: E731
            assert strip(b.list_records(table, limit=100)) == strip(a.list_records(table, limit=100))
        assert b.load_snapshot("2026Q3") == b"\x00q3"


def test_migrate_into_a_store_that_holds_records_is_refused(source, tmp_path, capsys):
    target = str(tmp_path / "target.db")
    with EmbeddedStore(target) as store:
        store.write(Batch.from_records(world()[:1]))
    assert main(["migrate", "--from", source, "--to", target]) == 2
    assert "the target store is not empty (1 accounts)" in capsys.readouterr().err
    with EmbeddedStore(target) as store:
        assert store.counts()["accounts"] == 1


def test_migrate_from_a_missing_file_creates_nothing(tmp_path, capsys):
    missing = tmp_path / "missing.db"
    assert main(["migrate", "--from", str(missing), "--to", str(tmp_path / "t.db")]) == 4
    assert "no store file" in capsys.readouterr().err and not missing.exists()


class _LossyStore(EmbeddedStore):
    """A store that silently drops influence edges: what verification is there to catch."""

    def write(self, batch, *, progress=None):
        return super().write(Batch({t: f for t, f in batch.tables.items() if t != "influence"}), progress=progress)


def test_a_copy_that_does_not_read_back_like_its_source_is_an_error():
    with EmbeddedStore(":memory:") as a, _LossyStore(":memory:") as b:
        a.write(Batch.from_records(world()))
        with pytest.raises(MigrationMismatch, match="influence: 3 in the source, 0 copied"):
            copy_graph(a, b)


def test_copy_graph_refuses_a_target_with_snapshots_only():
    with EmbeddedStore(":memory:") as a, EmbeddedStore(":memory:") as b:
        b.save_snapshot("old", b"x")
        with pytest.raises(TargetNotEmpty, match="1 snapshots"):
            copy_graph(a, b)
