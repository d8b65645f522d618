"""Shared fixtures: a real embedded store file per test."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.embedded import EmbeddedStore

#: the HTTP API's fixtures (``api``, ``receiver``) and the Neo4j server's (``neo4j_server``,
#: ``neo4j_store``, ``neo4j_env``) for every test module
pytest_plugins = ("apikit", "neo4j_support")

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def store(request, tmp_path):
    """A real embedded store file; with ``@BOTH_STORES`` (neo4j_support) also an empty Neo4j store."""
    if getattr(request, "param", "embedded") == "neo4j":
        from neo4j_support import neo4j_test_store

        with neo4j_test_store(request.getfixturevalue("neo4j_server")) as s:
            yield s
        return
    with EmbeddedStore(tmp_path / "powermap.db") as s:
        yield s


@pytest.fixture
def run(tmp_path, capsys, monkeypatch):
    """``run(*args)`` runs the powermap command on a store of its own: (exit code, stdout, stderr)."""
    from powermap.cli import main

    monkeypatch.chdir(tmp_path)
    db = str(tmp_path / "cli.db")

    def invoke(*args: str) -> tuple[int, str, str]:
        code = main(["--db", db, *args])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return invoke
