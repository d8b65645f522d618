"""The Neo4j store: the shared graph of a sales organisation, through the official driver.

The driver is created by the composition root (:mod:`powermap.wiring`) and handed in;
every statement comes from :mod:`graph.cypher`. Reads run with read routing so they are
served by any member of a cluster; writes run as managed transactions, which the driver
retries on transient errors (a leader switch, a deadlock).

Atomicity: a :meth:`~Neo4jStore.write` is **one** transaction. The rows go to the server in
batches of ``batch_size``, all inside that transaction, and it commits only after the last
batch. Per batch of a node table one read finds which ids are stored already: the others are
written with ``CREATE``, their links to other tables' nodes in the same statement (the
uniqueness constraints still refuse an id stored meanwhile); the stored ones with ``MERGE``,
only their supplied columns and only when these differ. An edge with an end created by this
write cannot exist yet and is created; other edges are merged. A failure at any point, a
killed process or a lost connection leaves the graph exactly as it was, and no reader ever
sees half an import. A staging area was not chosen: publishing staged data atomically in
Neo4j Community Edition takes one transaction as large as the import itself (or a filter on
every read), so it buys nothing. The price is that the server must hold the import's changes
in memory until the commit; when an import exceeds the server's transaction memory
(``db.memory.transaction.max``, the heap) it fails as a whole with a message that says so.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import neo4j
from neo4j import RoutingControl
from neo4j import exceptions as neo4j_errors

from graph import cypher
from graph.batch import Batch
from graph.exceptions import PowermapError, SnapshotNotFound, StoreFull, StoreUnavailable
from graph.model import TABLES, Record
from graph.neo4j_rows import deduplicated, from_edge, from_node, param_chunks, upsert_row
from graph.store import COUNT_KEYS, GraphStore, Progress, WriteResult

__all__ = ["Neo4jStore", "DEFAULT_BATCH_SIZE", "run_schema_statement", "stopped_database"]

#: Rows per ``UNWIND`` statement.
DEFAULT_BATCH_SIZE = 10_000



#: What Neo4j answers when another process created the same index or constraint at the same
#: moment: ``IF NOT EXISTS`` only sees committed rules, so two servers starting together race.
_SCHEMA_RACE_CODES = ("Neo.ClientError.Schema.EquivalentSchemaRuleAlreadyExists",
                      "Neo.ClientError.Schema.IndexAlreadyExists",
                      "Neo.ClientError.Schema.ConstraintAlreadyExists")


def run_schema_statement(driver: neo4j.Driver, text: str, params: dict[str, Any] | None = None, *,
                         database: str | None = None) -> None:
    """Run one ``CREATE … IF NOT EXISTS`` (or the wait for indexes), tolerating the rule
    having been created by another process in the meantime."""
    try:
        driver.execute_query(text, params or {}, routing_=RoutingControl.WRITE, database_=database)
    except neo4j_errors.ClientError as err:
        if err.code not in _SCHEMA_RACE_CODES:
            raise

class Neo4jStore(GraphStore):
    """A :class:`GraphStore` in a Neo4j 5 database.

    Parameters
    ----------
    driver : neo4j.Driver
        Created once by the composition root; the store only borrows it unless
        ``close_driver`` is true.
    database : str, optional
        The database to use (``NEO4J_DATABASE``); the server's default when None.
    batch_size : int
        Rows per ``UNWIND`` statement of a write.
    close_driver : bool
        Close the driver when the store is closed.
    address : str
        How error messages name the server (the URI).
    setup_schema : bool
        Create the constraints and indexes (idempotent) before first use.

    Raises
    ------
    StoreUnavailable
        When the server cannot be reached, refuses the credentials or has no such database.
    """

    def __init__(self, driver: neo4j.Driver, *, database: str | None = None,
                 batch_size: int = DEFAULT_BATCH_SIZE, close_driver: bool = False,
                 address: str = "the Neo4j server", setup_schema: bool = True):
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self._driver = driver
        self.database = database
        self.batch_size = int(batch_size)
        self.address = address
        self._close_driver = close_driver
        self._held = threading.local()  # .lock: this thread holds the write lock (exclusive_writes)
        with self._errors():
            driver.verify_connectivity()
            if setup_schema:
                self.setup_schema()

    def setup_schema(self, *, wait_seconds: int = 300) -> None:
        """Create the uniqueness constraints and indexes if missing, then wait until online."""
        with self._errors():
            for statement in cypher.SCHEMA:
                params = {"seconds": wait_seconds} if statement.name == "schema.await" else {}
                run_schema_statement(self._driver, statement.text, params, database=self.database)

    # ----- writes -------------------------------------------------------------------------
    def write(self, batch: Batch, *, progress: Progress | None = None) -> WriteResult:
        now = _now()
        total = len(batch)
        tables = [t for t in TABLES if batch.count(t)]
        unique = {t: deduplicated(batch, t) for t in tables}

        def work(tx: neo4j.ManagedTransaction) -> WriteResult:
            self._lock_writes(tx)
            result, done = WriteResult(), 0
            created: dict[str, set[str]] = {}  # node table → ids this write creates
            for table in tables:
                provided = batch.columns_provided(table)
                inserted = updated = 0
                for rows in param_chunks(table, unique[table], self.batch_size):
                    new, stored = self._split_new(tx, table, rows, created)
                    inserted += self._create(tx, table, new, now)
                    updated += self._upsert(tx, table, stored, provided, now)
                    done += len(rows)
                    if progress:
                        progress(done, total)
                # links within the table (a manager, a parent) once all its nodes are there
                for link in cypher.LINKS:
                    if link.table != table or link.target != cypher.NODE_LABEL[table] or link.column not in provided:
                        continue
                    for rows in param_chunks(table, unique[table], self.batch_size):
                        new = [{"id": r["id"], "ref": r[link.column]} for r in rows
                               if r["id"] in created[table] and r[link.column] is not None]
                        if new:
                            tx.run(cypher.CREATE_LINK[(table, link.column)].text, rows=new).consume()
                        stored = [r for r in rows if r["id"] not in created[table]]
                        if stored:
                            _draw(tx, link, stored)
                result.inserted[table] = inserted
                result.updated[table] = updated
                result.unchanged[table] = batch.count(table) - inserted - updated
            if result.changed:
                tx.run(cypher.BUMP_VERSION.text).consume()
            return result

        return self._write(work)

    def _split_new(self, tx: neo4j.ManagedTransaction, table: str, rows: list[dict[str, Any]],
                   created: dict[str, set[str]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The rows whose record is not stored yet, and the others. A node is new when the
        database has no node of its id (one read); an edge when either end is a node this
        write created (it can have no relationships yet)."""
        if table in cypher.NODE_LABEL:
            ids = [row["id"] for row in rows]
            stored_ids = {r["id"] for r in tx.run(cypher.EXISTING_IDS[table].text, ids=ids)}
            fresh = created.setdefault(table, set())
            fresh.update(i for i in ids if i not in stored_ids)
            return [r for r in rows if r["id"] not in stored_ids], [r for r in rows if r["id"] in stored_ids]
        edge = cypher.EDGES[table]
        source, target = (created.get(_NODE_TABLE[label], set()) for label in (edge.source, edge.target))
        new = [r for r in rows if r[edge.source_column] in source or r[edge.target_column] in target]
        if len(new) == len(rows):
            return new, []
        return new, [r for r in rows if not (r[edge.source_column] in source or r[edge.target_column] in target)]

    def _create(self, tx: neo4j.ManagedTransaction, table: str, rows: list[dict[str, Any]], now: str) -> int:
        """CREATE the rows (absent records) and their links to other tables; how many."""
        if not rows:
            return 0
        edge = cypher.EDGES.get(table)
        if edge:
            own = edge.properties(table)
            params = [{edge.source_column: r[edge.source_column], edge.target_column: r[edge.target_column],
                       "props": {c: r[c] for c in own}} for r in rows]
        else:
            params = rows
        written = tx.run(cypher.CREATE[table].text, rows=params, now=now).single(strict=True)["written"]
        if written != len(rows):
            _raise_missing_endpoints(tx, table, rows)
        return written

    def _upsert(self, tx: neo4j.ManagedTransaction, table: str, rows: list[dict[str, Any]],
                provided: tuple[str, ...], now: str) -> int:
        """MERGE the rows (stored records): only the supplied columns, only when they differ,
        and redraw their links to other tables; how many changed."""
        if not rows:
            return 0
        maps = [upsert_row(table, row, provided) for row in rows]
        record = tx.run(cypher.UPSERT[table].text, rows=maps, now=now).single(strict=True)
        if record["written"] != len(rows):
            _raise_missing_endpoints(tx, table, rows)
        for link in cypher.LINKS:
            if link.table == table and link.column in provided and link.target != cypher.NODE_LABEL[table]:
                _draw(tx, link, rows)
        return record["updated"]

    def delete(self, table: str, key: str | tuple[str, ...]) -> bool:
        self._check_table(table)
        spec = TABLES[table]
        values = (key,) if isinstance(key, str) else tuple(key)
        if len(values) != len(spec.key):
            raise ValueError(f"{table} is keyed by {', '.join(spec.key)}")
        if table in cypher.NODE_LABEL:
            params: dict[str, Any] = {"id": values[0]}
        else:
            edge = cypher.EDGES[table]
            params = {"source": values[0], "target": values[1], **dict(zip(edge.key_properties, values[2:]))}

        params["now"] = _now()

        def run(tx: neo4j.ManagedTransaction, statement: cypher.Statement) -> neo4j.Result:
            return tx.run(statement.text, {k: v for k, v in params.items() if k in statement.parameters})

        def work(tx: neo4j.ManagedTransaction) -> bool:
            self._lock_writes(tx)
            statements = cypher.DELETE[table]
            if table == "accounts":
                child = run(tx, statements[0]).single()
                if child is not None:
                    raise PowermapError(f"account {values[0]!r} has sub-accounts (e.g. {child['child']!r}); "
                                        "delete them first")
                statements = statements[1:]
            for statement in statements[:-1]:
                run(tx, statement).consume()
            deleted = run(tx, statements[-1]).single(strict=True)["deleted"] > 0
            if deleted:
                tx.run(cypher.BUMP_VERSION.text).consume()
            return deleted

        return self._write(work)

    @contextmanager
    def exclusive_writes(self, *, rows: int = 0) -> Iterator[None]:
        """A transaction of its own holds the write lock node for the block; the block's
        reads see every committed write (no other writer can commit meanwhile) and its
        writes run in transactions of their own, which skip the lock this thread holds.
        (``rows`` is a hint this store needs not.)"""
        if getattr(self._held, "lock", False):
            yield
            return
        with self._errors(), self._driver.session(database=self.database) as session:
            tx = session.begin_transaction()
            try:
                tx.run(cypher.WRITE_LOCK.text, now=_now()).consume()
                self._held.lock = True
                yield
            except BaseException:
                tx.rollback()
                raise
            finally:
                self._held.lock = False
            tx.commit()

    def probe_write(self) -> None:
        self._write(lambda tx: tx.run(cypher.WRITE_LOCK.text, now=_now()).consume())

    def _lock_writes(self, tx: neo4j.ManagedTransaction) -> None:
        if not getattr(self._held, "lock", False):
            tx.run(cypher.WRITE_LOCK.text, now=_now()).consume()

    # ----- reads for validation -------------------------------------------------------------
    def existing_ids(self, table: str, ids: Iterable[str]) -> set[str]:
        self._check_table(table)
        if table not in cypher.EXISTING_IDS:
            raise ValueError(f"{table} is not keyed by id")
        ids = list(ids)
        if not ids:
            return set()
        return {r["id"] for r in self._read(cypher.EXISTING_IDS[table], ids=ids)}

    def parents(self, table: str, ids: Iterable[str]) -> dict[str, str | None]:
        self._check_table(table)
        if table not in cypher.PARENTS:
            raise ValueError(f"{table} has no hierarchy")
        ids = list(ids)
        if not ids:
            return {}
        return {r["id"]: r["parent"] for r in self._read(cypher.PARENTS[table], ids=ids)}

    # ----- reads ----------------------------------------------------------------------------
    def get(self, table: str, key: str | tuple[str, ...]) -> Record | None:
        self._check_table(table)
        spec = TABLES[table]
        values = (key,) if isinstance(key, str) else tuple(key)
        if len(values) != len(spec.key):
            raise ValueError(f"{table} is keyed by {', '.join(spec.key)}")
        if table in cypher.NODE_LABEL:
            records = self._read(cypher.GET[table], id=values[0])
            rows = [from_node(table, r["row"]) for r in records]
        else:
            edge = cypher.EDGES[table]
            records = self._read(cypher.GET[table], source=values[0], target=values[1],
                                 **dict(zip(edge.key_properties, values[2:])))
            rows = [from_edge(table, r["row"], r["source"], r["target"]) for r in records]
        return spec.model.model_validate(rows[0]) if rows else None

    def counts(self) -> dict[str, int]:
        record = self._read(cypher.COUNTS)[0]
        return {key: record[key] for key in COUNT_KEYS}

    def list_accounts(self) -> list[dict[str, Any]]:
        columns = ("id", "name", "parent_id", "kind", "tier", "posture", "share_of_wallet", "contacts")
        return [{c: r[c] for c in columns} for r in self._read(cypher.LIST_ACCOUNTS)]

    def search(self, text: str, *, limit: int = 50) -> list[dict[str, Any]]:
        record = self._read(cypher.SEARCH, text=text, limit=int(limit))[0]
        columns = ("kind", "id", "name", "title", "account_id")
        hits = [*record["accounts"], *record["contacts"]]
        return [{c: hit[c] for c in columns} for hit in hits[:limit]]

    def subgraph_rows(self, account_id: str) -> dict[str, list[dict[str, Any]]] | None:
        records = self._read(cypher.SUBGRAPH, account_id=account_id)
        if not records or not records[0]["accounts"]:  # collect() over no account still gives one row
            return None
        r = records[0]
        rows: dict[str, list[dict[str, Any]]] = {
            table: [from_node(table, p) for p in r[table]]
            for table in ("accounts", "departments", "contacts", "team", "opportunities", "interactions")
        }
        for table in cypher.EDGES:
            edge = cypher.EDGES[table]
            rows[table] = [from_edge(table, p, p[edge.source_column], p[edge.target_column]) for p in r[table]]
        rows["owned"] = [{"team_id": o["team_id"], "account_id": o["account_id"]} for o in r["owned"]]
        return rows

    def account_descendants(self, account_ids: Iterable[str]) -> set[str]:
        ids = list(account_ids)
        if not ids:
            return set()
        return {r["id"] for r in self._read(cypher.DESCENDANTS, ids=ids)}

    def list_records(self, table: str, *, limit: int = 100, after: str | Sequence[str] | None = None,
                     updated_since: str | None = None,
                     account_ids: Iterable[str] | None = None) -> list[dict[str, Any]]:
        self._check_table(table)
        key = TABLES[table].key
        params: dict[str, Any] = {"limit": int(limit), "since": updated_since}
        if after is not None:
            values = (after,) if isinstance(after, str) else tuple(after)
            if len(values) != len(key):
                raise ValueError(f"{table} pages by {', '.join(key)}")
            params.update({f"after{i}": v for i, v in enumerate(values)})
        if account_ids is not None:
            params["accounts"] = sorted(account_ids)
        statement = cypher.list_records_statement(table, after=after is not None, scope=account_ids is not None)
        rows = []
        for record in self._read(statement, **params):
            if table in cypher.NODE_LABEL:
                row = from_node(table, record["row"])
            else:
                row = from_edge(table, record["row"], record["source"], record["target"])
            row["updated_at"] = record["row"].get("updated_at")
            row["key"] = row[key[0]] if len(key) == 1 else [row[k] for k in key]
            rows.append(row)
        return rows

    def dump(self) -> Batch:
        import pandas as pd

        tables = {}
        for table, spec in TABLES.items():
            records = self._read(cypher.DUMP[table])
            if table in cypher.NODE_LABEL:
                rows = [from_node(table, r["row"]) for r in records]
            else:
                rows = [from_edge(table, r["row"], r["source"], r["target"]) for r in records]
            # in key order, compared in Python (by code point, as the embedded store's SQL does;
            # Cypher's ORDER BY compares UTF-16 units): snapshots of equal graphs are equal
            rows.sort(key=lambda row: tuple(row[k] for k in spec.key))
            if rows:
                tables[table] = pd.DataFrame(rows, columns=list(spec.columns), dtype=object)
        return Batch(tables)

    def save_snapshot(self, label: str, data: bytes) -> None:
        data = bytes(data)
        with self._errors():
            self._driver.execute_query(cypher.SAVE_SNAPSHOT.text, {
                "label": label, "now": _now(), "size": len(data), "data": data}, database_=self.database)

    def load_snapshot(self, label: str) -> bytes:
        records = self._read(cypher.LOAD_SNAPSHOT, label=label)
        if not records:
            raise SnapshotNotFound(label)
        return bytes(records[0]["data"])

    def list_snapshots(self) -> list[dict[str, Any]]:
        return [{"label": r["label"], "created_at": r["created_at"], "size": r["size"]}
                for r in self._read(cypher.LIST_SNAPSHOTS)]

    def version(self) -> str:
        """The graph's version node's ``version`` (every write that changes the graph, from
        any process, replaces it in its transaction); ``""`` before the first such write."""
        return self._read(cypher.GRAPH_VERSION)[0]["version"] or ""

    def close(self) -> None:
        if self._close_driver:
            self._driver.close()

    # ----- maintenance (tests and the benchmark) ------------------------------------------------
    def node_count(self) -> int:
        """Every node in the database, powermap's or not."""
        return self._read(cypher.NODE_COUNT)[0]["nodes"]

    def clear(self, *, chunk: int = 10_000) -> None:
        """Delete every powermap node and relationship, ``chunk`` nodes per transaction.

        Not atomic, and not part of the store port: for test databases and the benchmark.
        """
        while self._write(lambda tx: tx.run(cypher.CLEAR.text, limit=chunk).single(strict=True)["deleted"]):
            pass

    # ----- helpers ------------------------------------------------------------------------------
    def _read(self, statement: cypher.Statement, **params: Any) -> list[neo4j.Record]:
        if not isinstance(statement, cypher.Statement):
            raise TypeError("the Neo4j store only sends statements of graph.cypher")
        with self._errors():
            return self._driver.execute_query(statement.text, params, routing_=RoutingControl.READ,
                                              database_=self.database).records

    def _write(self, work: Callable[[neo4j.ManagedTransaction], Any]) -> Any:
        def once_when_too_large(tx: neo4j.ManagedTransaction) -> Any:
            try:
                return work(tx)
            except neo4j_errors.TransientError as err:
                # transient for the driver, which would run the whole write again (for ~30 s);
                # the same write cannot fit the next time: fail once
                if _over_memory_limit(err):
                    raise _too_large(err) from err
                raise

        with self._errors():
            with self._driver.session(database=self.database,
                                      bookmark_manager=self._driver.execute_query_bookmark_manager) as session:
                return session.execute_write(once_when_too_large)

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """Driver errors that mean "no store" become StoreUnavailable, in one sentence."""
        try:
            yield
        except neo4j_errors.AuthError as err:
            raise StoreUnavailable(
                f"Neo4j at {self.address} refused the user name or password "
                "(check NEO4J_USER and NEO4J_PASSWORD)") from err
        except (neo4j_errors.ServiceUnavailable, neo4j_errors.SessionExpired) as err:
            raise StoreUnavailable(
                f"cannot reach Neo4j at {self.address}: is the server running and NEO4J_URI right?") from err
        except neo4j_errors.Neo4jError as err:
            code = err.code or ""
            if code == "Neo.ClientError.Database.DatabaseNotFound":
                raise StoreUnavailable(
                    f"Neo4j at {self.address} has no database {self.database!r} (check NEO4J_DATABASE)") from err
            if code == "Neo.ClientError.Security.AuthenticationRateLimit":
                raise StoreUnavailable(
                    f"Neo4j at {self.address} refused the login after too many wrong passwords and locks the "
                    "user out for a while (check NEO4J_USER and NEO4J_PASSWORD, then try again later)") from err
            if _over_memory_limit(err):
                raise _too_large(err) from err
            stopped = stopped_database(self._driver, self.database, self.address, err)
            if stopped is not None:
                raise stopped from err
            raise


#: Neo4j's codes for a transaction its log could not take, and for a database stopped after one
_STOPPED_DATABASE = frozenset({"Neo.DatabaseError.Transaction.TransactionLogError",
                               "Neo.DatabaseError.Transaction.TransactionStartFailed"})


def stopped_database(driver: neo4j.Driver, database: str | None, address: str,
                     err: neo4j_errors.Neo4jError) -> StoreUnavailable | None:
    """What a Neo4j error means when the server could not append a transaction to its log,
    or has stopped the database after such a failure (it "needs to be restarted"):
    :class:`StoreFull` when the server says its disk is full, else StoreUnavailable; None
    for any other error."""
    code = err.code or ""
    if code not in _STOPPED_DATABASE or not (code.endswith("TransactionLogError") or "restart" in str(err.message)):
        return None
    try:
        with driver.session(database="system") as session:
            record = session.run(cypher.DATABASE_STATUS.text, name=database or "neo4j").single()
        status = (record and record["statusMessage"]) or ""
    except neo4j_errors.Neo4jError:  # a user without access to the system database
        status = ""
    written = "nothing was written" if code.endswith("TransactionLogError") else "nothing can be written"
    if "no space left" in status.lower():
        return StoreFull(f"the disk of Neo4j at {address} is full: {written}. Free space on the server, then "
                         "restart its database (Neo4j stops a database whose disk filled up)")
    return StoreUnavailable(f"Neo4j at {address} could not write its transaction log and stopped the database "
                            f"({status or code}): {written}; restart it (see the server's debug.log)")


def _over_memory_limit(err: neo4j_errors.Neo4jError) -> bool:
    """The transaction hit the server's memory limit (``Neo.TransientError.General.MemoryPoolOutOfMemoryError``)."""
    return "Memory" in (err.code or "")


def _too_large(err: neo4j_errors.Neo4jError) -> PowermapError:
    return PowermapError(
        f"the write is too large for one Neo4j transaction ({err.code}); nothing was written. "
        "Raise the server's db.memory.transaction.max and heap, or import in parts")


_NODE_TABLE = {label: table for table, label in cypher.NODE_LABEL.items()}


# ----- helpers of a write ------------------------------------------------------------------------------
def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def _draw(tx: neo4j.ManagedTransaction, link: cypher.Link, rows: list[dict[str, Any]]) -> None:
    """(Re)draw the relationships of one reference column for these rows (parameter maps)."""
    if link.many:
        refs = [{"id": row["id"], "refs": row[link.column] or []} for row in rows]
    else:
        refs = [{"id": row["id"], "ref": row[link.column]} for row in rows]
    tx.run(cypher.LINK[(link.table, link.column)].text, rows=refs).consume()


def _raise_missing_endpoints(tx: neo4j.ManagedTransaction, table: str, rows: list[dict[str, Any]]) -> None:
    edge = cypher.EDGES[table]
    missing = [f"{r['source']} → {r['target']}" for r in tx.run(cypher.MISSING_ENDPOINTS[table].text, rows=rows)]
    raise PowermapError(
        f"{table}: rows name a {edge.source.value} or {edge.target.value} that is not in the store "
        f"(e.g. {', '.join(missing) or 'unknown'}); nothing was written")
