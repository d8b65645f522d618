"""Two imports, each valid alone, started together by two real processes on one store:
validation that reads stored records runs inside the write lock, so the second sees what
the first wrote, and a reporting cycle across both is refused, never stored."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from builders import write_csv
from graph.embedded import EmbeddedStore

OTHERS = 60_000  # rows besides the one that closes the cycle: both validate before either writes


def contacts_file(path, manager_of, prefix):
    rows = [["id", "account_id", "name", "reports_to"], [manager_of[0], "A", manager_of[0], manager_of[1]]]
    rows += [[f"{prefix}{i:06d}", "A", f"person {i}", None] for i in range(OTHERS)]
    path.mkdir()
    return write_csv(path / "contacts.csv", rows)


def powermap(db, *args):
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    command = Path(sys.executable).with_name("powermap")  # the installed command, as a user runs it
    return subprocess.Popen([str(command), "--db", str(db), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def test_two_concurrent_imports_cannot_store_a_reporting_cycle(tmp_path):
    db = tmp_path / "store.db"
    base = tmp_path / "base"
    base.mkdir()
    write_csv(base / "accounts.csv", [["id", "name"], ["A", "华东重工"]])
    write_csv(base / "contacts.csv", [["id", "account_id", "name"], ["CP", "A", "采购"], ["CQ", "A", "质量"]])
    seeded = powermap(db, "import", str(base / "accounts.csv"), str(base / "contacts.csv"))
    assert seeded.wait() == 0, seeded.stderr.read()
    first = contacts_file(tmp_path / "a", ("CP", "CQ"), "PA")
    second = contacts_file(tmp_path / "b", ("CQ", "CP"), "PB")
    runs = [powermap(db, "import", str(first)), powermap(db, "import", str(second))]
    results = [(p.wait(), p.stderr.read()) for p in runs]
    codes = sorted(code for code, _ in results)
    assert codes == [0, 3], results
    refused = next(err for code, err in results if code == 3)
    assert "reporting cycle" in refused
    with EmbeddedStore(db) as store:
        managers = store.parents("contacts", ["CP", "CQ"])
        assert list(managers.values()).count(None) == 1, managers  # one line stored, not both
