"""The Neo4j server of the tests (a pytest plugin, registered in conftest.py).

Without ``NEO4J_URI`` the first test that needs Neo4j starts a **local Neo4j Community
server** (``neo4j-server/``, the one of ``./dev neo4j``: built with Maven when needed, on a free
port, its files in a temporary folder); it serves the whole session and stops when the session
ends (or when this process dies: it watches its standard input). With ``NEO4J_URI`` (and
``NEO4J_USER``, ``NEO4J_PASSWORD``, ``NEO4J_DATABASE``) the tests use that server instead —
point it at a scratch database, never at one holding real data: a test refuses to start on a
database that is not empty, and every test empties it again when it ends.

No Neo4j test is ever skipped: when the local server cannot be built or started (no Java or
Maven) the tests that need it **fail** with the reason. To run the suite without Neo4j on
purpose, deselect them: ``pytest -m "not neo4j"``.

What a test (or a script built on these) uses:

- ``neo4j_server`` (session fixture): a :class:`Neo4jServer` — ``uri``, ``user``, ``password``,
  ``database``, ``env()`` for a child process's environment.
- ``neo4j_store`` (fixture): an empty :class:`~graph.neo4j_store.Neo4jStore` on that server,
  emptied again after the test; ``neo4j_test_store(server, batch_size=…)`` is the same as a
  context manager with store options.
- ``neo4j_env`` (fixture): the server's ``NEO4J_*`` variables set in this process's
  environment (and the settings cache cleared), for tests of the CLI and the API; the database
  is emptied after the test.
- ``local_neo4j_server(home, settings={…})``: a server of one's own (context manager), for
  a test that needs other server settings (tests/test_neo4j_limits.py) or several servers.
- ``@BOTH_STORES`` runs a test that takes conftest's ``store`` on the embedded store and on Neo4j.
- ``NEO4J`` marks a parameter: ``pytest.param("neo4j", marks=NEO4J)``; every test using
  ``neo4j_server`` is marked ``neo4j`` automatically.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

__all__ = ["Neo4jServer", "NEO4J", "BOTH_STORES", "neo4j_test_store", "local_neo4j_server", "local_neo4j_launcher",
           "external_neo4j_server"]

REPO = Path(__file__).resolve().parent.parent
#: the mark of a test (or a parameter) that needs the Neo4j server
NEO4J = pytest.mark.neo4j
#: runs a test taking the ``store`` fixture once on each store: the embedded one and Neo4j
BOTH_STORES = pytest.mark.parametrize("store", ["embedded", pytest.param("neo4j", marks=NEO4J)], indirect=True)


@dataclass(frozen=True)
class Neo4jServer:
    """Where the tests' Neo4j is and how to log in; ``local``: started by this test session."""

    uri: str
    user: str
    password: str | None
    database: str | None = None
    local: bool = False

    def env(self) -> dict[str, str]:
        """The ``NEO4J_*`` variables naming this server (for a child process or monkeypatch)."""
        values = {"NEO4J_URI": self.uri, "NEO4J_USER": self.user}
        if self.password is not None:
            values["NEO4J_PASSWORD"] = self.password
        if self.database:
            values["NEO4J_DATABASE"] = self.database
        return values


def external_neo4j_server() -> Neo4jServer | None:
    """The server ``NEO4J_URI`` names, when it is set."""
    uri = os.environ.get("NEO4J_URI")
    if not uri:
        return None
    return Neo4jServer(uri, os.environ.get("NEO4J_USER") or "neo4j", os.environ.get("NEO4J_PASSWORD"),
                       os.environ.get("NEO4J_DATABASE") or None)


def local_neo4j_launcher():
    """``neo4j-server/local_neo4j.py`` (standard library only): ``LocalNeo4j.start(home)``, ``build()``."""
    folder = str(REPO / "neo4j-server")
    if folder not in sys.path:
        sys.path.insert(0, folder)
    import local_neo4j

    return local_neo4j


@contextmanager
def local_neo4j_server(home: Path, **options) -> Iterator[Neo4jServer]:
    """A local server in ``home`` for as long as the block runs (``options``: those of
    ``LocalNeo4j.start``, e.g. ``settings={"db.memory.transaction.max": "8m"}``); a server that
    cannot be built or started fails the test with the reason."""
    launcher = local_neo4j_launcher()
    try:
        server = launcher.LocalNeo4j.start(home, **options)
    except launcher.LauncherError as err:
        pytest.fail(f"the Neo4j tests need a Neo4j server and the local one could not start: {err}\n"
                    "(set NEO4J_URI to use another server, or deselect them with -m 'not neo4j')",
                    pytrace=False)
    with server:
        yield Neo4jServer(server.uri, server.user, server.password, None, local=True)


@pytest.fixture(scope="session")
def neo4j_server(tmp_path_factory) -> Iterator[Neo4jServer]:
    """The session's Neo4j server: ``NEO4J_URI``'s, or a local one started now and stopped at the end."""
    external = external_neo4j_server()
    if external is not None:
        yield external
        return
    with local_neo4j_server(tmp_path_factory.mktemp("neo4j")) as server:
        yield server


def _open(server: Neo4jServer, **overrides):
    from graph.neo4j_store import Neo4jStore
    from powermap.wiring import neo4j_driver

    driver = neo4j_driver(server.uri, server.user, server.password)
    return Neo4jStore(driver, database=server.database, address=server.uri, **overrides)


@contextmanager
def neo4j_test_store(server: Neo4jServer, **overrides) -> Iterator:
    """An empty Neo4j store on ``server`` (``overrides``: store options); emptied when the test ends."""
    store = _open(server, **overrides)
    nodes = store.node_count()
    if nodes:
        if not server.local:
            store.close()
            pytest.fail(f"the Neo4j database at {server.uri} holds {nodes} nodes: the tests need an empty "
                        "database they may clear (point NEO4J_URI / NEO4J_DATABASE at a scratch one)")
        store.clear()  # the session's own server: what an earlier test left is no one's data
    try:
        yield store
    finally:
        store.clear()
        store.close()


@pytest.fixture
def neo4j_store(neo4j_server):
    """An empty Neo4j store on the session's server; emptied again after the test."""
    with neo4j_test_store(neo4j_server) as store:
        yield store


@pytest.fixture
def neo4j_env(neo4j_server, monkeypatch) -> Iterator[Neo4jServer]:
    """The server's ``NEO4J_*`` in the environment (settings read afresh), on an empty database
    that is emptied again after the test."""
    from powermap.settings import get_settings

    monkeypatch.delenv("NEO4J_DATABASE", raising=False)
    for name, value in neo4j_server.env().items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    with neo4j_test_store(neo4j_server):
        yield neo4j_server
    get_settings.cache_clear()


def pytest_collection_modifyitems(items) -> None:
    """Every test that uses the server carries the ``neo4j`` mark (``-m "not neo4j"`` leaves them out)."""
    for item in items:
        if "neo4j_server" in getattr(item, "fixturenames", ()):
            item.add_marker(NEO4J)
