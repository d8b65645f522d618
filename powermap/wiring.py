"""Composition root: which store the CLI and the API talk to."""

from __future__ import annotations

import atexit
import logging
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from graph.embedded import EmbeddedStore
from graph.exceptions import StoreUnavailable
from graph.store import GraphStore
from graph.strength_policy import StrengthPolicy
from powermap.settings import Settings

if TYPE_CHECKING:  # the driver is an optional dependency, imported when a Neo4j store is opened
    import neo4j

    from api.state import ApiState

__all__ = ["open_store", "open_store_at", "open_api_state", "neo4j_driver", "strength_policy", "DEMO_DIR",
           "DEMO_WORKBOOK", "DEMO_PREVIOUS_QUARTER", "NEO4J_SCHEMES"]

#: The bundled demo data, shipped inside the package (regenerate with ``python demo/generate.py``;
#: ``demo/demo.xlsx`` in a checkout is a link to it).
DEMO_DIR = Path(__file__).resolve().parent / "data"
DEMO_WORKBOOK = DEMO_DIR / "demo.xlsx"
#: What was different at the end of 2026 Q3 (a decider who has moved since): ``powermap demo``
#: loads it over the demo, snapshots ``2026Q3``, then loads the demo again.
DEMO_PREVIOUS_QUARTER = DEMO_DIR / "demo-2026Q3.xlsx"


#: URI schemes of a Neo4j server (``neo4j://`` routes over a cluster, ``bolt://`` talks to one server)
NEO4J_SCHEMES = ("neo4j://", "neo4j+s://", "neo4j+ssc://", "bolt://", "bolt+s://", "bolt+ssc://")


def open_store(settings: Settings, *, db: str | None = None, store: str | None = None,
               neo4j_uri: str | None = None) -> GraphStore:
    """The store the settings name; ``db``, ``store`` and ``neo4j_uri`` override them
    (the CLI's global options)."""
    if (store or settings.store) == "neo4j":
        return _configured(_open_neo4j(settings, neo4j_uri or settings.neo4j_uri), settings)
    return _configured(EmbeddedStore(db or settings.db), settings)


def strength_policy(settings: Settings) -> StrengthPolicy:
    """How strength is derived from the interaction history, from the settings."""
    return StrengthPolicy(half_life_days=settings.half_life_days, prefer=settings.strength,
                          infer_influence=settings.infer_influence)


def _configured(store: GraphStore, settings: Settings) -> GraphStore:
    store.strength_policy = strength_policy(settings)
    return store


def open_store_at(location: str, settings: Settings, *, db: str | None = None, neo4j_uri: str | None = None,
                  must_exist: bool = False) -> GraphStore:
    """A store named on the command line: ``embedded`` (the configured file, or ``db``),
    ``neo4j`` (the configured server, or ``neo4j_uri``), a Neo4j URI (with the configured
    credentials) or the path of an embedded store file, which ``must_exist`` if asked."""
    if location == "neo4j":
        return _configured(_open_neo4j(settings, neo4j_uri or settings.neo4j_uri), settings)
    if location.startswith(NEO4J_SCHEMES):
        return _configured(_open_neo4j(settings, location), settings)
    path = (db or settings.db) if location == "embedded" else location
    if must_exist and path != ":memory:" and not Path(path).is_file():
        raise StoreUnavailable(f"no store file {path}")
    return _configured(EmbeddedStore(path), settings)


@lru_cache(maxsize=None)
def neo4j_driver(uri: str, user: str | None, password: str | None) -> neo4j.Driver:
    """The process's one Neo4j driver for ``uri`` and these credentials (created on first
    use, shared by every store opened on it, closed when the process exits).

    Raises
    ------
    StoreUnavailable
        When the driver is not installed or ``uri`` is no Neo4j address.
    """
    try:
        import neo4j
    except ImportError as err:
        raise StoreUnavailable(
            "the Neo4j store needs the neo4j driver: pip install 'powermap[neo4j]'") from err
    if not uri.startswith(NEO4J_SCHEMES):
        raise StoreUnavailable(f"{uri!r} is not a Neo4j address (use neo4j://host:7687, bolt://host:7687, "
                               "neo4j+s://… for TLS)")
    auth = (user or "neo4j", password) if password is not None else None
    # the driver logs connection failures; without this Python's last-resort handler would
    # print them beside the one-line error the CLI gives (an app's own logging still sees them)
    logging.getLogger("neo4j").addHandler(logging.NullHandler())
    try:
        driver = neo4j.GraphDatabase.driver(uri, auth=auth, connection_timeout=15.0, user_agent="powermap")
    except (neo4j.exceptions.ConfigurationError, ValueError) as err:
        raise StoreUnavailable(f"cannot use Neo4j address {uri!r}: {err}") from err
    atexit.register(driver.close)
    return driver


#: (uri, database) pairs whose constraints and indexes this process has set up
_SCHEMA_READY: set[tuple[str, str | None]] = set()


def _open_neo4j(settings: Settings, uri: str | None) -> GraphStore:
    from graph.neo4j_store import Neo4jStore

    driver, database = _neo4j(settings, uri)
    store = Neo4jStore(driver, database=database, batch_size=settings.neo4j_batch_size, address=uri,
                       setup_schema=(uri, database) not in _SCHEMA_READY)
    _SCHEMA_READY.add((uri, database))
    return store


def _neo4j(settings: Settings, uri: str | None) -> tuple[neo4j.Driver, str | None]:
    """The driver for ``uri`` with the configured credentials, and the configured database."""
    if not uri:
        raise StoreUnavailable("the Neo4j store needs NEO4J_URI (or --neo4j-uri), e.g. neo4j://localhost:7687")
    password = settings.neo4j_password.get_secret_value() if settings.neo4j_password else None
    return neo4j_driver(uri, settings.neo4j_user, password), settings.neo4j_database or None


def open_api_state(settings: Settings, *, state_path: str, api_db: str | None = None, store: str | None = None,
                   neo4j_uri: str | None = None) -> ApiState:
    """The HTTP API's own state (keys, sessions, audit log, webhooks) for the configured store.

    With a Neo4j store it lives in the same Neo4j database, where every ``powermap serve``
    on that database shares it. With the embedded store it is the SQLite file ``api_db``
    (``POWERMAP_API_DB``) or ``state_path`` (beside the store).
    """
    if (store or settings.store) == "neo4j":
        from api.neo4j_state import Neo4jApiState

        uri = neo4j_uri or settings.neo4j_uri
        driver, database = _neo4j(settings, uri)
        return Neo4jApiState(driver, database=database, address=uri)
    from api.sqlite_state import SqliteApiState

    return SqliteApiState(api_db or state_path)
