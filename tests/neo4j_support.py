"""The Neo4j store in tests: opened only when ``NEO4J_URI`` names a server, only on an
empty database, and emptied again after each test (so each leaves it as it found it).

Point the tests at a scratch server or database, never at one that holds real data:
``NEO4J_URI=bolt://localhost:7687 NEO4J_PASSWORD=… [NEO4J_DATABASE=…] ./dev test``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

__all__ = ["NEO4J_URI", "NEEDS_NEO4J", "needs_neo4j", "neo4j_test_store"]

NEO4J_URI = os.environ.get("NEO4J_URI")
SKIP_REASON = ("NEO4J_URI is not set: the Neo4j store's tests need a Neo4j 5 server "
               "(NEO4J_URI, NEO4J_USER, NEO4J_PASSWORD, NEO4J_DATABASE; see the README's Team deployment)")
#: marks of a test that needs the server: ``pytest.param("neo4j", marks=NEEDS_NEO4J)``
NEEDS_NEO4J = [pytest.mark.neo4j, pytest.mark.skipif(not NEO4J_URI, reason=SKIP_REASON)]


def needs_neo4j(test):
    """Mark a test function as needing the server (skipped with the reason above without it)."""
    for mark in NEEDS_NEO4J:
        test = mark(test)
    return test


@contextmanager
def neo4j_test_store(**overrides) -> Iterator:
    """A Neo4j store on the configured, empty database; cleared when the test ends."""
    from graph.neo4j_store import Neo4jStore
    from powermap.settings import Settings
    from powermap.wiring import neo4j_driver

    settings = Settings()
    password = settings.neo4j_password.get_secret_value() if settings.neo4j_password else None
    driver = neo4j_driver(NEO4J_URI, settings.neo4j_user, password)
    store = Neo4jStore(driver, database=settings.neo4j_database or None, address=NEO4J_URI,
                       **{"batch_size": settings.neo4j_batch_size, **overrides})
    nodes = store.node_count()
    if nodes:
        pytest.fail(f"the Neo4j database at {NEO4J_URI} holds {nodes} nodes: the tests need an empty "
                    "database they may clear (point NEO4J_URI / NEO4J_DATABASE at a scratch one)")
    try:
        yield store
    finally:
        store.clear()
        store.close()
