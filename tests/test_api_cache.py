"""The analysis cache: one computation for concurrent askers, forgotten after a write."""

from __future__ import annotations

import threading
import time

from api.cache import AnalysisCache


def test_concurrent_askers_share_one_computation():
    cache, calls = AnalysisCache(ttl=60), []

    def compute() -> bytes:
        calls.append(1)
        time.sleep(0.2)
        return b"answer"

    results = []
    threads = [threading.Thread(target=lambda: results.append(cache.get_or_compute("k", compute))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [b"answer"] * 8 and len(calls) == 1


def test_clear_forgets_and_an_answer_begun_before_a_write_is_not_kept():
    cache = AnalysisCache(ttl=60)
    assert cache.get_or_compute("k", lambda: b"1") == b"1"
    assert cache.get_or_compute("k", lambda: b"2") == b"1"
    cache.clear()

    def slow_then_write() -> bytes:
        cache.clear()  # a write lands while the answer is being computed
        return b"stale"

    assert cache.get_or_compute("k", slow_then_write) == b"stale"
    assert cache.get_or_compute("k", lambda: b"fresh") == b"fresh"


def test_entries_expire_and_ttl_zero_never_keeps():
    cache = AnalysisCache(ttl=0.05)
    cache.get_or_compute("k", lambda: b"old")
    time.sleep(0.1)
    assert cache.get_or_compute("k", lambda: b"new") == b"new"
    never = AnalysisCache(ttl=0)
    never.get_or_compute("k", lambda: b"a")
    assert never.get_or_compute("k", lambda: b"b") == b"b"


def test_an_answer_computed_under_another_store_version_is_not_served():
    cache = AnalysisCache(ttl=60)
    assert cache.get_or_compute("k", lambda: b"v1 answer", version="v1") == b"v1 answer"
    assert cache.get_or_compute("k", lambda: b"again", version="v1") == b"v1 answer"
    assert cache.get_or_compute("k", lambda: b"v2 answer", version="v2") == b"v2 answer"  # written elsewhere
    assert cache.get_or_compute("k", lambda: b"again", version="v2") == b"v2 answer"
    assert cache.peek("k", version="v2") == b"v2 answer" and cache.peek("k", version="v3") is None
