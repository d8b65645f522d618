"""The Neo4j store beyond the shared contract.

Offline (always): rows go into Neo4j parameters and come back from node and relationship
properties exactly as the embedded store returns them; required values are enforced; a
server that cannot be reached or refuses the password is one sentence and exit code 4.
Against the session's Neo4j server (neo4j_support): a write that fails in a later batch leaves nothing behind,
the demo data gives identical account graphs in both stores, migration both ways.
"""

from __future__ import annotations

import socket
import subprocess
import sys

import numpy as np
import pytest
from neo4j import exceptions as neo4j_errors

from graph.batch import Batch
from graph.embedded import EmbeddedStore
from graph.exceptions import PowermapError, StoreUnavailable
from graph.model import TABLES, Contact, Influence
from graph.neo4j_rows import from_edge, from_node, to_params
from graph.neo4j_store import Neo4jStore
from graph import cypher
from conftest import REPO
from neo4j_support import neo4j_test_store
from powermap.cli import main
from test_store_contract import world


def stored_as_neo4j_would(table: str, row: tuple) -> dict:
    """What a read gives back after the upsert: ``SET n += row`` keeps no null property."""
    params = to_params(table, row)
    properties = {k: v for k, v in params.items() if v is not None}
    if table in cypher.NODE_LABEL:
        return from_node(table, properties)
    edge = cypher.EDGES[table]
    ends = (properties.pop(edge.source_column), properties.pop(edge.target_column))
    return from_edge(table, properties, *ends)


def by_key(table: str, rows: list[dict]) -> dict:
    return {tuple(row[k] for k in TABLES[table].key): row for row in rows}


@pytest.mark.parametrize("table", list(TABLES))
def test_rows_come_back_from_neo4j_properties_as_the_embedded_store_gives_them(table):
    batch = Batch.from_records(world())
    with EmbeddedStore(":memory:") as embedded:
        embedded.write(batch)
        expected = [{k: v for k, v in row.items() if k not in ("key", "updated_at")}
                    for row in embedded.list_records(table, limit=1000)]
    got = [stored_as_neo4j_would(table, row) for row in batch.rows(table)]
    assert by_key(table, got) == by_key(table, expected)


def test_parameters_are_plain_python_values():
    row = (np.str_("c1"), "A", None, "n", None, "staff", None, ("user", "decider"), np.int64(2),
           np.float64(0.5), None, None, None, None, None, None)
    params = to_params("contacts", row)
    assert params["roles"] == ["decider", "user"]
    assert type(params["stance"]) is int and type(params["influence"]) is float and type(params["id"]) is str
    assert to_params("contacts", row[:7] + ((),) + row[8:])["roles"] is None  # no roles: no property


def test_a_row_without_a_required_value_is_refused_before_it_is_sent():
    batch = Batch.from_records([Contact(id="c1", account_id="A", name="ok")])
    batch.tables["contacts"].loc[0, "name"] = None
    with pytest.raises(PowermapError, match="contacts row c1: name is empty"):
        to_params("contacts", next(batch.rows("contacts")))


def test_an_influence_row_keeps_its_kind_as_part_of_the_key():
    row = next(Batch.from_records([Influence(source_id="a", target_id="b", kind="advice")]).rows("influence"))
    assert stored_as_neo4j_would("influence", row) == {"source_id": "a", "target_id": "b", "weight": None,
                                                      "kind": "advice"}


@pytest.fixture
def fresh_settings():
    """Settings read again from the environment the test sets up (they are cached per process)."""
    from powermap.settings import get_settings

    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("scheme", ["bolt", "neo4j"])
def test_an_unreachable_server_is_one_sentence_and_exit_code_4(scheme, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    uri = f"{scheme}://127.0.0.1:{free_port()}"
    code = main(["--store", "neo4j", "--neo4j-uri", uri, "stats"])
    err = capsys.readouterr().err
    assert code == 4
    assert err == f"powermap: cannot reach Neo4j at {uri}: is the server running and NEO4J_URI right?\n"


@pytest.mark.parametrize("args, message", [
    (["--store", "neo4j"], "the Neo4j store needs NEO4J_URI (or --neo4j-uri)"),
    (["--store", "neo4j", "--neo4j-uri", "http://localhost:7474"], "'http://localhost:7474' is not a Neo4j address"),
])
def test_a_missing_or_wrong_uri_is_explained(args, message, capsys, monkeypatch, fresh_settings):
    monkeypatch.delenv("NEO4J_URI", raising=False)
    assert main([*args, "stats"]) == 4
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


class _RefusingDriver:
    """Stands in for ``neo4j.Driver`` where the server answers the handshake with an error."""

    def __init__(self, error: Exception):
        self.error = error

    def verify_connectivity(self) -> None:
        raise self.error


@pytest.mark.parametrize("error, message", [
    (neo4j_errors.AuthError("The client is unauthorized due to authentication failure."),
     "Neo4j at bolt://db:7687 refused the user name or password (check NEO4J_USER and NEO4J_PASSWORD)"),
    (neo4j_errors.ServiceUnavailable("Couldn't connect to db:7687"),
     "cannot reach Neo4j at bolt://db:7687: is the server running and NEO4J_URI right?"),
])
def test_driver_errors_become_store_unavailable(error, message):
    with pytest.raises(StoreUnavailable) as raised:
        Neo4jStore(_RefusingDriver(error), address="bolt://db:7687", setup_schema=False)
    assert str(raised.value) == message and raised.value.__cause__ is error


# ----- against the real server --------------------------------------------------------------------
def test_a_write_failing_in_a_later_batch_leaves_nothing_behind(neo4j_server):
    with neo4j_test_store(neo4j_server, batch_size=1) as store:
        store.write(Batch.from_records(world()))
        before = store.counts()
        new = [Contact(id=f"new{i}", account_id="S", name="ok") for i in range(3)]
        with pytest.raises(PowermapError, match="not in the store"):
            store.write(Batch.from_records([*new, Influence(source_id="new0", target_id="ghost")]))
        assert store.counts() == before and store.get("contacts", "new0") is None


def test_the_demo_data_gives_identical_graphs_and_analyses_in_both_stores(tmp_path, neo4j_store):
    import datetime as dt

    from graph.analysis import coach_coverage, find_gaps
    from importers import import_paths
    from powermap.wiring import DEMO_DIR

    neo = neo4j_store
    with EmbeddedStore(tmp_path / "demo.db") as embedded:
        for store in (neo, embedded):
            import_paths([DEMO_DIR / "demo.xlsx"], store)
        assert neo.counts() == embedded.counts()
        assert neo.list_accounts() == embedded.list_accounts()
        for account in embedded.list_accounts():
            a, b = embedded.account_subgraph(account["id"]), neo.account_subgraph(account["id"])
            assert dict(a.nodes(data=True)) == dict(b.nodes(data=True)), account["id"]
            assert sorted(a.edges(keys=True, data=True), key=repr) == sorted(b.edges(keys=True, data=True), key=repr)
            assert coach_coverage(a) == coach_coverage(b), account["id"]
            today = dt.date(2026, 11, 1)  # the demo data's "as of" date
            assert find_gaps(a, today=today) == find_gaps(b, today=today), account["id"]


def test_migrate_embedded_to_neo4j_and_back(tmp_path, capsys, neo4j_env):
    source, back = str(tmp_path / "source.db"), str(tmp_path / "back.db")
    assert main(["--db", source, "demo", "--no-serve"]) == 0
    with EmbeddedStore(source) as store:
        store.save_snapshot("2026Q3", b"\x00snapshot")
    uri = neo4j_env.uri  # empty before, cleared after
    assert main(["migrate", "--from", source, "--to", uri]) == 0
    assert main(["migrate", "--from", uri, "--to", back]) == 0
    assert main(["migrate", "--from", source, "--to", uri]) == 2  # the target is not empty
    with EmbeddedStore(source) as a, EmbeddedStore(back) as b:
        assert b.counts() == a.counts() and b.load_snapshot("2026Q3") == b"\x00snapshot"
        for table in TABLES:
            assert a.list_records(table, limit=10_000) and len(b.list_records(table, limit=10_000)) == len(
                a.list_records(table, limit=10_000))


def test_schema_setup_is_idempotent_and_reference_columns_are_drawn(neo4j_store):
    store = neo4j_store
    store.setup_schema()
    store.setup_schema()
    store.write(Batch.from_records(world()))
    store.write(Batch.from_records([Contact(id="eng", account_id="S", name="Tom", reports_to="ceo")]))
    records = store._driver.execute_query(
        "MATCH (c:Contact)-[:REPORTS_TO]->(m:Contact) RETURN c.id AS c, m.id AS m ORDER BY c",
        database_=store.database).records
    assert [(r["c"], r["m"]) for r in records] == [("buyer", "ceo"), ("eng", "ceo")]


def test_a_wrong_password_is_one_sentence(neo4j_env, monkeypatch, capsys, fresh_settings):
    monkeypatch.setenv("NEO4J_PASSWORD", "certainly-not-the-password")
    assert main(["--store", "neo4j", "--neo4j-uri", neo4j_env.uri, "stats"]) == 4
    assert "refused the user name or password" in capsys.readouterr().err


def test_the_benchmark_says_which_server_it_uses():
    result = subprocess.run([sys.executable, str(REPO / "bench" / "neo4j_bench.py"), "--help"], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0
    assert "Without ``NEO4J_URI`` it starts the local Neo4j" in result.stdout and "EMPTY database" in result.stdout


def test_the_benchmark_account_has_500_contacts():
    sys.path.insert(0, str(REPO / "bench"))
    try:
        from neo4j_bench import ACCOUNT, five_hundred_contact_account
    finally:
        sys.path.remove(str(REPO / "bench"))
    with EmbeddedStore(":memory:") as store:
        store.write(five_hundred_contact_account())
        G = store.account_subgraph(ACCOUNT)
    assert sum(1 for _, d in G.nodes(data=True) if d["kind"] == "contact") == 500
    assert G.number_of_edges() > 1500


def test_the_subgraph_query_is_planned_without_scanning_an_index_or_a_label(neo4j_store):
    """An account's world is reached through index seeks and expansions from its nodes; with
    a label on the managers outside the account, Neo4j planned a scan of every contact's
    ``account_id`` index once per contact of the account (quadratic, seconds at 100,000)."""
    store = neo4j_store
    store.write(Batch.from_records(world()))
    store.write(Batch.from_records([Contact(id=f"s{i}", account_id="S", name=f"n{i}", reports_to="ceo")
                                    for i in range(20)]))
    with store._driver.session(database=store.database) as session:
        plan = session.run("EXPLAIN " + cypher.SUBGRAPH.text, account_id="S").consume().plan

    def operators(step: dict) -> list[str]:
        return [step["operatorType"].split("@")[0], *(o for child in step.get("children", []) for o in operators(child))]

    found = operators(plan)
    assert "NodeUniqueIndexSeek" in found and not [o for o in found if "Scan" in o], found
    assert store.subgraph_rows("S")["contacts"] and store.subgraph_rows("nope") is None
