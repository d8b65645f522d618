"""What the Neo4j store sends, checked without a server: only statements of graph.cypher,
each with exactly the parameters it names (the linter cannot see a ``$rows`` the Python
side forgot to pass), writes inside one managed transaction, nodes before the links and
edges that need them, and reads with read routing.

The driver here is a recorder with the real driver's call shapes (checked against the
installed ``neo4j`` package); it answers writes as if every row were written, and the read
that splits new rows from stored ones as if none (or, with ``stored``, every one) were stored.
"""

from __future__ import annotations

import inspect
import re

import neo4j
import pytest

from graph import cypher
from graph.batch import Batch
from graph.model import TABLES
from graph.neo4j_store import Neo4jStore
from test_store_contract import world

TEXTS = {statement.text: name for name, statement in cypher.STATEMENTS.items()}


def parameters_named(text: str) -> set[str]:
    return set(re.findall(r"\$(\w+)", text))


class _Result:
    def __init__(self, record: dict | None, records: list | None = None):
        self.record, self.records = record, records or []

    def single(self, strict: bool = False):
        return self.record

    def consume(self) -> None:
        return None

    def __iter__(self):
        return iter(self.records)


class _Transaction:
    def __init__(self, log: list, stored: bool = False):
        self.log, self.stored = log, stored

    def run(self, query, parameters=None, **kwparameters):
        params = {**(parameters or {}), **kwparameters}
        self.log.append(("tx", TEXTS.get(query, query), params))
        if TEXTS.get(query, "").startswith("existing_ids.") and self.stored:
            return _Result(None, [{"id": i} for i in params["ids"]])
        rows = params.get("rows", [])
        return _Result({"written": len(rows), "inserted": len(rows), "updated": 0, "deleted": 1, "child": None}
                       if not TEXTS.get(query, "").startswith("delete.accounts.child") else None)


class _Session:
    def __init__(self, log: list, config: dict, stored: bool = False):
        self.log, self.config, self.stored = log, config, stored

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def begin_transaction(self):
        self.log.append(("begin", self.config, None))
        log = self.log

        class Explicit(_Transaction):
            def commit(self):
                log.append(("commit", None, None))

            def rollback(self):
                log.append(("rollback", None, None))

        return Explicit(self.log)

    def execute_write(self, transaction_function, *args, **kwargs):
        self.log.append(("begin", self.config, None))
        result = transaction_function(_Transaction(self.log, self.stored), *args, **kwargs)
        self.log.append(("commit", None, None))
        return result


class _RecordingDriver:
    """The calls Neo4jStore makes on ``neo4j.Driver``, recorded."""

    execute_query_bookmark_manager = object()

    def __init__(self):
        self.log: list = []
        self.stored = False  # the write's read of stored ids finds every id (True) or none


    def verify_connectivity(self) -> None:
        self.log.append(("verify", None, None))

    def session(self, **config):
        return _Session(self.log, config, self.stored)

    def execute_query(self, query_, parameters_=None, routing_=neo4j.RoutingControl.WRITE, database_=None, **kw):
        name = TEXTS.get(query_, query_)
        self.log.append(("query", name, {"params": dict(parameters_ or {}), "routing": routing_,
                                         "database": database_}))
        canned = {"counts": [dict.fromkeys(("accounts", "departments", "contacts", "team_members",
                                            "relationships", "reports_to", "influences", "opportunities",
                                            "interactions"), 0)],
                  "search": [{"accounts": [], "contacts": []}], "node_count": [{"nodes": 0}]}
        return _Result(None, canned.get(name, []))


def test_the_recorder_has_the_real_drivers_call_shapes():
    query = inspect.signature(neo4j.Driver.execute_query).parameters
    assert {"query_", "parameters_", "routing_", "database_"} <= set(query)
    assert list(inspect.signature(neo4j.ManagedTransaction.run).parameters)[:3] == ["self", "query", "parameters"]
    assert hasattr(neo4j.Driver, "execute_query_bookmark_manager") and hasattr(neo4j.Session, "execute_write")


@pytest.fixture
def recorded():
    driver = _RecordingDriver()
    store = Neo4jStore(driver, database="crm", batch_size=2)
    return store, driver.log


def test_schema_is_set_up_at_start_with_every_schema_statement(recorded):
    _, log = recorded
    assert [entry[1] for entry in log if entry[0] == "query"] == [s.name for s in cypher.SCHEMA]


@pytest.mark.parametrize("stored", [False, True], ids=["new records", "stored records"])
def test_a_write_is_one_transaction_of_registered_statements_with_their_parameters(recorded, stored):
    store, log = recorded
    store._driver.stored = stored
    log.clear()
    result = store.write(Batch.from_records(world()))
    assert [e[0] for e in log].count("begin") == 1 and log[0][0] == "begin" and log[-1][0] == "commit"
    assert log[0][1] == {"database": "crm", "bookmark_manager": _RecordingDriver.execute_query_bookmark_manager}
    sent = [(name, params) for kind, name, params in log if kind == "tx"]
    for name, params in sent:
        assert name in cypher.STATEMENTS, f"not a statement of graph.cypher: {name}"
        assert set(params) == parameters_named(cypher.STATEMENTS[name].text), name
    names = [name for name, _ in sent]
    write = "upsert" if stored else "create"
    assert not [n for n in names if n.startswith("create" if stored else "upsert")]

    def node_writes(table: str) -> list[int]:
        return [i for i, n in enumerate(names) if n == f"{write}.{table}"]

    # every table's nodes before the links and edges that point at them
    for link in cypher.LINKS:
        target_table = next(t for t, label in cypher.NODE_LABEL.items() if label == link.target)
        if not node_writes(link.table):
            continue  # no such records in the world
        drawn = [i for i, n in enumerate(names) if n in (f"link.{link.table}.{link.column}",
                                                          f"create_link.{link.table}.{link.column}")]
        if link.table != target_table and not stored:
            drawn = node_writes(link.table)  # drawn by the CREATE of the table's nodes
        if not drawn and not stored and link.table == target_table:
            continue  # new nodes with no parent (manager): nothing to draw
        assert drawn and min(drawn) > max(node_writes(target_table)), link
    for table, edge in cypher.EDGES.items():
        first_edge = min(node_writes(table))
        for label in (edge.source, edge.target):
            node_table = next(t for t, lb in cypher.NODE_LABEL.items() if lb == label)
            assert max(node_writes(node_table)) < first_edge
    # batches of two rows: three contacts need two statements, each after the read of stored ids
    assert names.count(f"{write}.contacts") == 2
    assert names.count("existing_ids.contacts") == 2
    assert result.inserted["contacts"] == (0 if stored else 4)


def test_every_read_uses_read_routing_and_names_its_parameters(recorded):
    store, log = recorded
    log.clear()
    store.existing_ids("contacts", ["a"])
    store.parents("accounts", ["a"])
    store.counts()
    store.list_accounts()
    store.search("采购")
    store.subgraph_rows("A")
    store.account_descendants(["A"])
    for table in TABLES:
        store.get(table, "x" if len(TABLES[table].key) == 1 else tuple("xyz"[:len(TABLES[table].key)]))
        store.list_records(table)
        key = TABLES[table].key
        store.list_records(table, after="x" if len(key) == 1 else ["x"] * len(key), account_ids=["A"],
                           updated_since="2026")
    store.dump()
    store.list_snapshots()
    store.node_count()
    queries = [(name, info) for kind, name, info in log if kind == "query"]
    assert len(queries) > 40
    for name, info in queries:
        assert name in cypher.STATEMENTS, name
        assert info["routing"] == neo4j.RoutingControl.READ and info["database"] == "crm", name
        assert set(info["params"]) == parameters_named(cypher.STATEMENTS[name].text), name


def test_exclusive_writes_hold_the_write_lock_in_a_transaction_of_their_own(recorded):
    store, log = recorded
    log.clear()
    with store.exclusive_writes():
        store.existing_ids("contacts", ["C1"])
        store.write(Batch.from_records(world()))
        store.delete("contacts", "C1")
    kinds = [(kind, name if kind == "tx" else None) for kind, name, _ in log if kind in ("begin", "commit", "tx")]
    assert kinds[:2] == [("begin", None), ("tx", cypher.WRITE_LOCK.name)]
    assert [name for kind, name in kinds if kind == "tx"].count(cypher.WRITE_LOCK.name) == 1  # taken once
    assert log[-1][0] == "commit"
    log.clear()
    try:
        with store.exclusive_writes():
            raise RuntimeError("validation failed")
    except RuntimeError:
        pass
    assert [kind for kind, _, _ in log] == ["begin", "tx", "rollback"]
    log.clear()
    store.write(Batch.from_records(world()))  # outside: the write takes the lock itself, first
    assert [name for kind, name, _ in log if kind == "tx"][0] == cypher.WRITE_LOCK.name


def test_deletes_and_snapshots_send_their_statements_with_their_parameters(recorded):
    store, log = recorded
    for table in TABLES:
        log.clear()
        key = "x" if len(TABLES[table].key) == 1 else tuple("xyz"[:len(TABLES[table].key)])
        assert store.delete(table, key) is True
        sent = [(name, params) for kind, name, params in log if kind == "tx"]
        # every write takes the write lock first (see Neo4jStore.exclusive_writes); a delete that
        # deleted something gives the graph a new version, last
        assert [name for name, _ in sent] == [cypher.WRITE_LOCK.name, *(s.name for s in cypher.DELETE[table]),
                                              cypher.BUMP_VERSION.name]
        for name, params in sent:
            assert set(params) == parameters_named(cypher.STATEMENTS[name].text), name
    log.clear()
    store.save_snapshot("2026Q4", b"data")
    (kind, name, info), = log
    assert name == "snapshot.save" and set(info["params"]) == parameters_named(cypher.SAVE_SNAPSHOT.text)
