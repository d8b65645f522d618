"""A full disk: a real tiny filesystem (tmpfs of 2 MB in a private mount namespace, made
with ``unshare``) filled to the brim under a real store. Writes fail as a whole with a
clear message — exit 4 for the CLI, 507 for the API — reads keep working (a key's
last-used time is best effort), and /healthz says the store cannot write."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from api.sqlite_state import SqliteApiState
from builders import write_csv

POWERMAP = str(Path(sys.executable).with_name("powermap"))


def _namespaces_allowed() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-rm", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt || "
                            "mount -t tmpfs -o size=64k tmpfs /tmp"], capture_output=True)
    return probe.returncode == 0


pytestmark = pytest.mark.skipif(not _namespaces_allowed(),
                                reason="this machine does not allow a private tmpfs (unshare -rm)")

#: mount a 2 MB tmpfs on $MNT, copy the store in, then fill all but $FREE bytes of it
_PREPARE = """set -e
mount -t tmpfs -o size=2m tmpfs "$MNT"
cp "$SEED"/* "$MNT"/
dd if=/dev/zero of="$MNT/filler" bs=4096 2>/dev/null || true
truncate -s "-$FREE" "$MNT/filler"
"""


def seeded(tmp_path: Path) -> Path:
    seed = tmp_path / "seed"
    seed.mkdir()
    base = tmp_path / "base"
    base.mkdir()
    write_csv(base / "accounts.csv", [["id", "name"], ["A", "华东重工"]])
    done = subprocess.run([POWERMAP, "--db", str(seed / "store.db"), "import", str(base / "accounts.csv")],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return seed


def big_contacts(tmp_path: Path) -> Path:
    folder = tmp_path / "big"
    folder.mkdir()
    rows = [["id", "account_id", "name", "title"]]
    rows += [[f"P{i:06d}", "A", f"联系人 {i}", "工程师"] for i in range(30_000)]
    return write_csv(folder / "contacts.csv", rows)


def test_an_import_onto_a_full_disk_exits_4_with_a_clear_message(tmp_path):
    seed, mnt = seeded(tmp_path), tmp_path / "mnt"
    mnt.mkdir()
    script = _PREPARE + f'{POWERMAP} --db "$MNT/store.db" import "$FILE" || echo "exit=$?" >&2\n' \
                        f'{POWERMAP} --db "$MNT/store.db" accounts --json\n'
    env = {**os.environ, "MNT": str(mnt), "SEED": str(seed), "FREE": "64K", "FILE": str(big_contacts(tmp_path))}
    done = subprocess.run(["unshare", "-rm", "sh", "-c", script], capture_output=True, text=True, env=env)
    assert "exit=4" in done.stderr, done.stderr
    assert "disk" in done.stderr and "full" in done.stderr and "nothing was written" in done.stderr
    assert "internal error" not in done.stderr and "Traceback" not in done.stderr
    assert [a["id"] for a in json.loads(done.stdout)] == ["A"]  # the store is as it was


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_server_on_a_full_disk_keeps_reading_refuses_writes_with_507_and_says_so(tmp_path):
    seed, mnt = seeded(tmp_path), tmp_path / "mnt"
    mnt.mkdir()
    with SqliteApiState(seed / "store.api.db") as state:
        keys = {name: state.create_key(name, "admin")[1] for name in ("first", "second")}
    fill, filled = tmp_path / "fill", tmp_path / "filled"
    port = _free_port()
    script = _PREPARE + (
        f'{POWERMAP} --db "$MNT/store.db" serve --port {port} --no-sign-in-link &\n'
        f'while [ ! -e "{fill}" ]; do sleep 0.05; done\n'
        'dd if=/dev/zero of="$MNT/filler2" bs=512 2>/dev/null || true\n'
        f'touch "{filled}"\n'
        'wait\n')
    env = {**os.environ, "MNT": str(mnt), "SEED": str(seed), "FREE": "256K"}
    server = subprocess.Popen(["unshare", "-rm", "sh", "-c", script], env=env, start_new_session=True,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=30) as client:
            for _ in range(600):
                try:
                    if client.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.05)
            else:
                pytest.fail("the server did not start")
            first = {"Authorization": f"Bearer {keys['first']}"}
            assert client.get("/accounts", headers=first).status_code == 200
            fill.touch()
            while not filled.exists():
                time.sleep(0.05)
            second = {"Authorization": f"Bearer {keys['second']}"}  # its first use: last-used cannot be written
            listed = client.get("/accounts", headers=second)
            assert listed.status_code == 200 and [a["id"] for a in listed.json()["items"]] == ["A"]
            health = client.get("/healthz")
            assert health.status_code == 503 and "cannot_write" in (health.json()["store"], health.json()["state"])
            written = client.put("/accounts/B", json={"name": "新客户"}, headers=first)
            assert written.status_code == 507, written.text
            assert written.headers["content-type"].startswith("application/problem+json")
            assert "full" in written.json()["detail"]
            assert client.get("/accounts/B", headers=first).status_code == 404
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        output = server.communicate(timeout=30)[0]
    assert "Traceback" not in output or "store full" in output, output
