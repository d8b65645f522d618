"""Gap reports off the request thread: computed in worker processes (real ones, started by
``spawn``, each opening the store itself), once per question and store version however
many clients ask, on the embedded store and on Neo4j."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from concurrent.futures.process import BrokenProcessPool
from functools import partial

import pytest
from fastapi.testclient import TestClient

from api.analysis_pool import AnalysisPool, GapsQuestion
from api.app import create_app
from api.cache import AnalysisCache
from api.security import Principal
from api.state import ApiKey
from apikit import Api, load_data, make_api, running_api
from graph.analysis import reports
from graph.embedded import EmbeddedStore
from neo4j_support import NEO4J

AS_OF = dt.date(2026, 11, 1)
ADMIN = Principal(key=ApiKey(1, "admin", "admin", True, None, "2026-11-01T00:00:00+00:00"), visible=None)


def _ask(pool: AnalysisPool, cache: AnalysisCache, version: str, clients: int) -> list[bytes]:
    question = GapsQuestion("G1", ADMIN, AS_OF, 90, 180, "json")

    async def everyone() -> list[bytes]:
        return await asyncio.gather(*(pool.gaps(("G1",), version, question, cache) for _ in range(clients)))

    return asyncio.run(everyone())


def test_many_clients_asking_at_once_cost_one_computation_per_store_version(api):
    pool = AnalysisPool(partial(EmbeddedStore, api.settings.db), workers=2)
    cache = AnalysisCache(ttl=0)  # nothing kept: only the computations in flight are shared
    try:
        bodies = _ask(pool, cache, "v1", clients=20)
        assert pool.computations == 1 and len(set(bodies)) == 1
        assert json.loads(bodies[0]) == json.loads(json.dumps(reports.gaps_report(api.store, "G1", today=AS_OF)))
        _ask(pool, cache, "v2", clients=20)  # a write changed the version: one more computation
        assert pool.computations == 2
    finally:
        pool.close()


def test_the_answer_is_kept_only_when_no_write_came_in_between(api):
    pool = AnalysisPool(partial(EmbeddedStore, api.settings.db), workers=1)
    cache = AnalysisCache(ttl=60)
    try:
        cache.peek(("G1",), version="v1")  # the request reads the version first
        generation = cache.generation()
        [body] = _ask(pool, cache, "v1", clients=1)
        assert cache.peek(("G1",), version="v1") == body
        cache.clear()  # a write through this server
        assert cache.generation() != generation and cache.peek(("G1",), version="v1") is None
        cache.put(("G1",), body, version="v1", generation=generation)  # computed before the write: dropped
        assert cache.peek(("G1",), version="v1") is None
    finally:
        pool.close()


@pytest.fixture
def pooled_api(tmp_path):
    """The API with two analysis workers (the pool is off by default)."""
    with running_api(tmp_path, analysis_workers=2) as kit:
        yield kit


def test_api_gaps_come_from_the_workers_and_follow_every_write(pooled_api):
    api = pooled_api
    assert api.app.state.analysis_pool is not None and not api.app.state.analysis_pool.ready
    api.app.state.analysis_pool.wait_ready()
    first = api.get("/accounts/G1/gaps").json()
    assert api.get("/accounts/G1/gaps").json() == first
    assert api.app.state.analysis_pool.computations == 1  # the second answer came from the cache
    c3 = {k: v for k, v in api.get("/contacts/C3").json().items() if k not in ("id", "updated_at")}
    assert api.put("/contacts/C3", {**c3, "roles": "decider", "stance": None}, "writer").status_code == 200
    after = api.get("/accounts/G1/gaps").json()
    assert api.app.state.analysis_pool.computations == 2
    assert any(g["type"] == "unknown_stance" and g["contacts"] == ["C3"] for g in after["gaps"])
    assert after == json.loads(json.dumps(reports.gaps_report(api.store, "G1")))
    assert api.get("/accounts/NOPE/gaps").status_code == 404
    assert api.get("/accounts/G1/gaps", "base-reader").status_code == 404  # outside the key: not even asked
    assert api.get("/accounts/G1/gaps?format=csv").headers["content-type"].startswith("text/csv")


def test_no_workers_by_default(tmp_path):
    settings, secrets = make_api(tmp_path)
    app = create_app(settings)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        kit = Api(client, settings, secrets, tmp_path, app)
        load_data(kit)
        assert app.state.analysis_pool is None
        assert kit.get("/accounts/G1/gaps").json()["counts"]["total"] > 0


@NEO4J
def test_workers_on_neo4j_open_their_own_driver(tmp_path, neo4j_env):
    from powermap.settings import get_settings
    from powermap.wiring import open_store

    opener = partial(open_store, get_settings(), store="neo4j")
    settings, secrets = make_api(tmp_path, analysis_workers=2)
    app = create_app(settings, open_store=opener, worker_store=opener)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        kit = Api(client, settings, secrets, tmp_path, app)
        load_data(kit)
        app.state.analysis_pool.wait_ready()
        first = kit.get("/accounts/G1/gaps").json()
        assert first == json.loads(json.dumps(reports.gaps_report(app.state.store, "G1")))
        c3 = {k: v for k, v in kit.get("/contacts/C3").json().items() if k not in ("id", "updated_at")}
        assert kit.put("/contacts/C3", {**c3, "roles": "decider", "stance": None}, "writer").status_code == 200
        after = kit.get("/accounts/G1/gaps").json()
        assert any(g["type"] == "unknown_stance" and g["contacts"] == ["C3"] for g in after["gaps"])
        assert app.state.analysis_pool.computations == 2


def test_a_worker_that_dies_is_replaced(api):
    pool = AnalysisPool(partial(EmbeddedStore, api.settings.db), workers=1)
    cache = AnalysisCache(ttl=0)
    try:
        [before] = _ask(pool, cache, "v1", clients=1)
        for process in list(pool._executor._processes.values()):
            process.kill()
            process.join()
        try:  # the question in flight when the pool notices may fail; the next ones are answered
            _ask(pool, cache, "v2", clients=1)
        except BrokenProcessPool:
            pass
        assert _ask(pool, cache, "v3", clients=1) == [before]
    finally:
        pool.close()
