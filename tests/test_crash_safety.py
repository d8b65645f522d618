"""A process killed with SIGKILL in the middle of an import leaves the store exactly as before."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap

import pytest

from builders import write_csv
from graph.embedded import EmbeddedStore
from importers import import_paths

CHILD = textwrap.dedent("""
    import sys, time
    from graph.embedded import EmbeddedStore
    from importers import import_paths

    def progress(done, total):
        print(f"writing {done}/{total}", flush=True)  # the transaction is open and half written
        time.sleep(60)                                 # wait here for the SIGKILL

    import_paths([sys.argv[2]], EmbeddedStore(sys.argv[1]), progress=progress)
    print("committed", flush=True)
""")


@pytest.mark.parametrize("journal", ["rollback", "wal"])
def test_sigkill_mid_import_leaves_the_store_unchanged(tmp_path, journal):
    """A first import this large is loaded under a rollback journal; with another process
    holding the store open (a reader here), in the WAL as every other write."""
    db = tmp_path / "crash.db"
    write_csv(tmp_path / "accounts.csv", [["id", "name"], ["A", "Acme"]])
    write_csv(tmp_path / "seed.csv", [["id", "account_id", "name"], ["keep", "A", "kept contact"]])
    with EmbeddedStore(db) as store:
        import_paths([tmp_path / "accounts.csv"], store)
        (tmp_path / "seed.csv").rename(tmp_path / "contacts.csv")
        import_paths([tmp_path / "contacts.csv"], store)
        before = store.counts()
    big = tmp_path / "big" / "contacts.csv"
    big.parent.mkdir()
    write_csv(big, [["id", "account_id", "name", "stance"]] + [[f"c{i}", "A", f"person {i}", "1"]
                                                              for i in range(150_000)] + [["keep", "A", "renamed", "3"]])
    reader = EmbeddedStore(db) if journal == "wal" else None
    if reader:
        assert reader.counts() == before
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(db), str(big)], stdout=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    try:
        line = child.stdout.readline()
        assert line.startswith("writing "), line
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
        if reader:
            reader.close()
    assert (tmp_path / "crash.db-journal").exists() == (journal == "rollback")  # the half-written import
    with sqlite3.connect(db) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        # a write this large sets the indexes aside until its end: the crash brought them back
        assert indexes_of(raw, "contact") == {"contact_account", "contact_reports_to"}
    with EmbeddedStore(db) as store:
        assert store.counts() == before
        assert store.get("contacts", "keep").name == "kept contact"
        assert store.get("contacts", "c1") is None


def indexes_of(db: sqlite3.Connection, table: str) -> set[str]:
    return {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
                                     "AND sql IS NOT NULL", (table,))}

