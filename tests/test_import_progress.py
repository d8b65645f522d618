"""An import says what it does while it runs: each file it reads, the rows it checks, then
the write's progress bar — to a watcher (:func:`importers.limits.watching`) and, on a
terminal, on the CLI's stderr."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
import time
from pathlib import Path

from builders import write_csv
from graph.embedded import EmbeddedStore
from importers import import_paths
from importers.limits import watching

REPO = Path(__file__).resolve().parent.parent


def _portfolio(folder: Path, contacts: int) -> Path:
    folder.mkdir()
    write_csv(folder / "accounts.csv", [["id", "name"], ["A", "Acme"]])
    write_csv(folder / "contacts.csv", [["id", "account_id", "name"]] +
              [[f"c{i}", "A", f"person {i}"] for i in range(contacts)])
    return folder


def test_a_watcher_is_told_each_file_the_check_and_the_write(tmp_path):
    folder = _portfolio(tmp_path / "in", 3)
    seen: list[str] = []
    with EmbeddedStore(tmp_path / "s.db") as store, watching(seen.append):
        import_paths([folder], store, dry_run=True)
        assert seen == ["reading accounts.csv", "reading contacts.csv", "checking 4 rows"]
        seen.clear()
        import_paths([folder], store)
    assert seen == ["reading accounts.csv", "reading contacts.csv", "checking 4 rows", "writing 4 rows"]


def test_on_a_terminal_the_cli_shows_what_the_import_does(tmp_path):
    folder = _portfolio(tmp_path / "in", 60_000)  # a write large enough for the progress bar
    controller, terminal = pty.openpty()
    env = {**os.environ, "TERM": "xterm", "COLUMNS": "120", "PYTHONPATH": str(REPO)}
    env.pop("NO_COLOR", None)
    child = subprocess.Popen([sys.executable, "-m", "powermap", "--db", str(tmp_path / "s.db"), "import", str(folder)],
                             stdin=terminal, stdout=terminal, stderr=terminal, env=env, cwd=REPO)
    os.close(terminal)
    shown = b""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        shown += chunk
    assert child.wait(timeout=60) == 0
    os.close(controller)
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", shown.decode("utf-8", "replace"))
    assert "reading accounts.csv" in text and "reading contacts.csv" in text
    assert "checking 60,001 rows" in text
    assert re.search(r"writing .*\d+/60001", text)  # the write's bar, with its count
    assert "Imported" in text and "60,000" in text
