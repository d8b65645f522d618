"""A full disk under a real Neo4j: a local server whose home lies on a tiny tmpfs of its
own (a private mount namespace, made with ``unshare``), filled to the brim once the
store is set up. Neo4j fails the commit ("could not append transaction … to log") and
then stops the database until it is restarted; powermap asks the server why (its status
message says "No space left on device") and answers as for the embedded store: exit
code 4 and 507, "the disk … is full", never an internal error."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from builders import write_csv
from neo4j_support import NEO4J
from test_disk_full import _free_port, _namespaces_allowed, big_contacts

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "neo4j-server"))
import local_neo4j  # noqa: E402

pytestmark = [NEO4J, pytest.mark.skipif(not _namespaces_allowed(),
                                         reason="this machine does not allow a private tmpfs (unshare -rm)")]
POWERMAP = str(Path(sys.executable).with_name("powermap"))
PASSWORD = "full-disk-password"


@pytest.fixture
def full_disk_neo4j(tmp_path):
    """(the server's NEO4J_* variables, a function that fills its disk, its process)."""
    local_neo4j.build()
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    # no preallocated 256 MB transaction logs on a 300 MB disk: small ones, written as they grow
    command = local_neo4j.java_command(mnt / "home", port=local_neo4j.free_port(), password=PASSWORD,
                                       stop_on_stdin_eof=True, settings={"db.tx_log.preallocate": "false",
                                                                         "db.tx_log.rotation.size": "1M"})
    script = (f"mount -t tmpfs -o size=300m tmpfs {shlex.quote(str(mnt))} && mkdir {shlex.quote(str(mnt / 'home'))}"
              " && exec " + " ".join(shlex.quote(part) for part in command))
    server = subprocess.Popen(["unshare", "-rm", "sh", "-c", script], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=(tmp_path / "neo4j.log").open("wb"))
    line = server.stdout.readline().decode()  # the launcher's NEO4J_URI=… line once Bolt answers
    assert line.startswith("NEO4J_URI="), (tmp_path / "neo4j.log").read_text(errors="replace")[-2000:]
    env = dict(part.split("=", 1) for part in line.split())
    disk = Path(f"/proc/{server.pid}/root") / str(mnt).lstrip("/")  # the tmpfs, seen from outside

    def fill() -> None:
        with open(disk / "filler", "wb", buffering=0) as filler:
            for size in (1 << 20, 4096):  # to the last page
                try:
                    while True:
                        filler.write(bytes(size))
                except OSError:
                    pass
        assert os.statvfs(disk).f_bavail == 0

    try:
        yield env, fill
    finally:
        server.stdin.close()
        try:
            server.wait(timeout=120)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def test_a_full_disk_under_neo4j_is_exit_4_and_507_with_a_clear_message(full_disk_neo4j, tmp_path):
    env, fill = full_disk_neo4j
    env = {**os.environ, **env, "POWERMAP_STORE": "neo4j"}

    def powermap(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([POWERMAP, *args], capture_output=True, text=True, env=env, timeout=600)

    write_csv(tmp_path / "accounts.csv", [["id", "name"], ["A", "华东重工"]])
    assert powermap("import", str(tmp_path / "accounts.csv")).returncode == 0
    made = powermap("keys", "create", "--name", "crm", "--scope", "admin", "--json")
    assert made.returncode == 0, made.stderr
    key = {"Authorization": "Bearer " + __import__("json").loads(made.stdout)["key"]}
    port = _free_port()
    server = subprocess.Popen([POWERMAP, "serve", "--port", str(port), "--no-sign-in-link"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as client:
            for _ in range(1200):
                try:
                    if client.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            else:
                pytest.fail("the server did not start")
            assert client.get("/accounts", headers=key).status_code == 200
            fill()
            contacts = big_contacts(tmp_path)  # 30,000 rows: more than the slack of Neo4j's current log file
            uploaded = client.post("/import", headers=key,
                                   files=[("files", ("contacts.csv", contacts.read_bytes(), "text/csv"))])
            written = client.put("/accounts/B", json={"name": "新客户"}, headers=key)  # the database is stopped now
            for answer in (uploaded, written):
                assert answer.status_code == 507, answer.text
                assert answer.headers["content-type"].startswith("application/problem+json")
                assert "full" in answer.json()["detail"]
        imported = powermap("import", str(contacts.parent))
        assert imported.returncode == 4, imported.stderr
        assert "the disk of Neo4j at" in imported.stderr and "is full" in imported.stderr
        listed = powermap("accounts")  # Neo4j has stopped the database: reads fail too, and say why
        assert listed.returncode == 4 and "is full" in listed.stderr and "restart" in listed.stderr, listed.stderr
        assert "internal error" not in imported.stderr + listed.stderr
    finally:
        server.terminate()
        output = server.communicate(timeout=60)[0]
    assert "Traceback" not in output, output[-3000:]
