"""Shared fixtures: a real embedded store file per test."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.embedded import EmbeddedStore

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def store(tmp_path):
    with EmbeddedStore(tmp_path / "powermap.db") as s:
        yield s
