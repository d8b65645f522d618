"""Composition root: which store the CLI and the API talk to."""

from __future__ import annotations

from pathlib import Path

from graph.embedded import EmbeddedStore
from graph.store import GraphStore
from powermap.settings import Settings

__all__ = ["open_store", "DEMO_DIR"]

#: The bundled demo data (regenerate with ``python demo/generate.py``).
DEMO_DIR = Path(__file__).resolve().parent.parent / "demo"


def open_store(settings: Settings, *, db: str | None = None) -> GraphStore:
    """The store the settings name; ``db`` overrides the embedded store's file."""
    return EmbeddedStore(db or settings.db)
