"""Neo4j's limits meet the store: a write too large for the server's transaction memory fails
once with a clear message (the driver would retry it as a transient error), and a user locked
out after wrong passwords gets the same one-line "store unavailable" answer as a wrong password.

These need a server with the limits on (the session's server has no lock-out, so tests may try
wrong passwords): a second local server of this module's own, started even when ``NEO4J_URI``
names one (its settings cannot be changed from a client in Neo4j Community).
"""

from __future__ import annotations

import pytest

from graph.batch import Batch
from graph.exceptions import PowermapError
from graph.model import Account
from neo4j_support import NEO4J, local_neo4j_server, neo4j_test_store
from powermap.cli import main
from test_store_contract import contacts_frame

pytestmark = NEO4J

#: a transaction may hold 8 MiB; three wrong passwords in a row lock a user out for a minute
LIMITS = {"db.memory.transaction.max": "8m", "dbms.security.auth_max_failed_attempts": "3",
          "dbms.security.auth_lock_time": "60s"}
CLUMSY = ("clumsy", "the-right-password")


@pytest.fixture(scope="module")
def strict_server(tmp_path_factory):
    with local_neo4j_server(tmp_path_factory.mktemp("neo4j-limits"), settings=LIMITS) as server:
        from powermap.wiring import neo4j_driver

        neo4j_driver(server.uri, server.user, server.password).execute_query(
            "CREATE USER $user SET PASSWORD $password CHANGE NOT REQUIRED",
            {"user": CLUMSY[0], "password": CLUMSY[1]}, database_="system")
        yield server


def test_an_import_too_large_for_one_transaction_runs_once_and_fails_with_a_clear_message(strict_server):
    with neo4j_test_store(strict_server, batch_size=200) as store:
        store.write(Batch.from_records([Account(id="X", name="x")]))
        reported = []
        with pytest.raises(PowermapError, match="too large for one Neo4j transaction") as raised:
            store.write(Batch({"contacts": contacts_frame(100_000, "X")}),
                        progress=lambda done, total: reported.append(done))
        assert "MemoryPoolOutOfMemoryError" in str(raised.value) and "nothing was written" in str(raised.value)
        assert reported and reported.count(200) == 1, reported  # the first batch went once: no second run
        assert store.counts()["contacts"] == 0


def test_a_user_locked_out_after_wrong_passwords_is_one_sentence_and_exit_code_4(
        strict_server, monkeypatch, capsys):
    from powermap.settings import get_settings

    monkeypatch.setenv("NEO4J_USER", CLUMSY[0])
    monkeypatch.setenv("NEO4J_PASSWORD", "a-wrong-password")
    monkeypatch.delenv("NEO4J_DATABASE", raising=False)
    get_settings.cache_clear()
    errors = []
    try:
        for _ in range(5):
            assert main(["--store", "neo4j", "--neo4j-uri", strict_server.uri, "stats"]) == 4
            errors.append(capsys.readouterr().err)
        monkeypatch.setenv("NEO4J_PASSWORD", CLUMSY[1])  # now right, but locked out
        get_settings.cache_clear()
        assert main(["--store", "neo4j", "--neo4j-uri", strict_server.uri, "stats"]) == 4
        errors.append(capsys.readouterr().err)
    finally:
        get_settings.cache_clear()
    assert all(len(err.strip().splitlines()) == 1 and err.startswith("powermap: Neo4j at ") for err in errors)
    assert "refused the user name or password" in errors[0]
    assert all("too many wrong passwords" in err for err in errors[3:])
