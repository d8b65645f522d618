"""A small cache of analysis responses: an analysis of a 500-person account costs tens of
milliseconds of one core, and CRMs and pages ask the same question again and again.

An entry lives until any write through the API (which clears the whole cache) or for
``ttl`` seconds, which bounds how stale an answer can be after a write the API did not
see (a `powermap import` from the command line, another server on the same Neo4j).
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
        self._lock = threading.Lock()

    def get_or_compute(self, key: Hashable, compute: Callable[[], bytes]) -> bytes:
        """The cached answer, or compute it — once: concurrent askers of the same key wait
        for that one computation instead of repeating it."""
        while True:
            with self._lock:
                hit = self._entries.get(key)
                if hit is not None and time.monotonic() - hit[0] <= self.ttl:
                    self._entries.move_to_end(key)
                    return hit[1]
                running = self._running.get(key)
                if running is None:
                    running = self._running[key] = threading.Event()
                    break
            running.wait(timeout=60)  # another request computes it; then look again
            if self.ttl <= 0:
                break
        generation = self._generation
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

    def peek(self, key: Hashable) -> bytes | None:
        """The cached answer if there is a fresh one (nothing is computed)."""
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None and time.monotonic() - hit[0] <= self.ttl:
                self._entries.move_to_end(key)
                return hit[1]
        return None

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._generation += 1  # an answer computed before the write is not kept
