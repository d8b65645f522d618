"""A small cache of analysis responses: an analysis of a 500-person account costs tens of
milliseconds of one core, and CRMs and pages ask the same question again and again.

An entry lives until the graph changes or for ``ttl`` seconds. A write through this
server clears the whole cache; a write anywhere else (another server on the same Neo4j,
a ``powermap import``) changes the store's version (:meth:`graph.store.GraphStore.version`),
which every question reads first: an answer computed under another version is never
served. ``ttl`` bounds staleness only where the store cannot tell its version (and it
lets "today" move on for answers that depend on the date).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable

__all__ = ["AnalysisCache"]


class AnalysisCache:
    """Least-recently-used responses by key, each kept at most ``ttl`` seconds."""

    def __init__(self, *, ttl: float = 30.0, size: int = 256):
        self.ttl, self.size = ttl, size
        self._entries: OrderedDict[Hashable, tuple[float, bytes]] = OrderedDict()
        self._running: dict[Hashable, threading.Event] = {}
        self._generation = 0
        self._version: Hashable = None
        self._lock = threading.Lock()

    def get_or_compute(self, key: Hashable, compute: Callable[[], bytes], *, version: Hashable = None) -> bytes:
        """The cached answer, or compute it — once: concurrent askers of the same key wait
        for that one computation instead of repeating it. ``version``: the store's version,
        read before asking; when it differs from the one the entries were computed under,
        they are all forgotten."""
        while True:
            with self._lock:
                self._at(version)
                hit = self._entries.get(key)
                if hit is not None and time.monotonic() - hit[0] <= self.ttl:
                    self._entries.move_to_end(key)
                    return hit[1]
                running = self._running.get(key)
                if running is None:
                    running = self._running[key] = threading.Event()
                    generation = self._generation
                    break
            running.wait(timeout=60)  # another request computes it; then look again
            if self.ttl <= 0:
                with self._lock:
                    generation = self._generation
                break
        try:
            value = compute()  # outside the lock: other questions need not wait
            with self._lock:
                if self.ttl > 0 and generation == self._generation:  # no write since we started
                    self._entries[key] = (time.monotonic(), value)
                    self._entries.move_to_end(key)
                    while len(self._entries) > self.size:
                        self._entries.popitem(last=False)
            return value
        finally:
            with self._lock:
                self._running.pop(key, None)
            running.set()

    def peek(self, key: Hashable, *, version: Hashable = None) -> bytes | None:
        """The cached answer if there is a fresh one (nothing is computed); ``version`` as
        for :meth:`get_or_compute`."""
        with self._lock:
            self._at(version)
            hit = self._entries.get(key)
            if hit is not None and time.monotonic() - hit[0] <= self.ttl:
                self._entries.move_to_end(key)
                return hit[1]
        return None

    def generation(self) -> int:
        """A number that changes at each :meth:`clear` (a write through this server): read it
        before computing an answer that :meth:`put` is to keep."""
        with self._lock:
            return self._generation

    def put(self, key: Hashable, value: bytes, *, version: Hashable, generation: int) -> None:
        """Keep ``value`` computed elsewhere (:mod:`api.analysis_pool`) under the store
        ``version`` read before computing it and the :meth:`generation` of then; it is
        dropped when the store has changed since (another version, or a write through
        this server), or when the cache is off."""
        with self._lock:
            if self.ttl <= 0 or generation != self._generation or (version is not None and version != self._version):
                return
            self._entries[key] = (time.monotonic(), value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._forget()

    def _at(self, version: Hashable) -> None:
        """Forget every entry when the store's version is not the one they were computed under."""
        if version is not None and version != self._version:
            self._forget()
            self._version = version

    def _forget(self) -> None:
        self._entries.clear()
        self._generation += 1  # an answer being computed before the change is not kept
