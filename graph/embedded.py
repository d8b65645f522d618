"""The embedded store: one SQLite file, no server, ACID.

An import is one SQLite transaction with ``synchronous=FULL``: a process killed
mid-import leaves the file exactly as it was before. The store runs in WAL mode (readers
never wait for a writer); a bulk load — a write of more rows than the store holds, at
least :data:`~graph.embedded_write.BULK_ROWS` — is written once straight into the file
under a rollback journal instead of into the WAL and then copied into the file, when no
other connection has the store open (see :meth:`EmbeddedStore._bulk_load`). Upserts only
touch rows whose values change, so re-importing the same data changes nothing (and keeps
each row's ``updated_at``, which incremental sync reads).
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import repeat
from pathlib import Path
from typing import Any

from graph.batch import Batch
from graph.embedded_write import BULK_ROWS, LIST_COLUMNS, SQL_TABLE, write_batch
from graph.exceptions import PowermapError, SnapshotNotFound, StoreUnavailable, sqlite_failure
from graph.model import TABLES, Record
from graph.store import GraphStore, Progress, WriteResult

__all__ = ["EmbeddedStore"]

#: integer columns read back as booleans, per table
_FLAGS = {"opportunity_members": "is_decider", "plans": "colleagues_count"}
SCHEMA_VERSION = 2  # 2: contact.status; a plan action's owner may be empty (owner deleted)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS account (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, parent_id TEXT, kind TEXT NOT NULL, industry TEXT,
    region TEXT, tier TEXT, posture TEXT, share_of_wallet REAL, updated_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS account_parent ON account(parent_id);
CREATE TABLE IF NOT EXISTS department (
    id TEXT PRIMARY KEY, account_id TEXT NOT NULL, name TEXT NOT NULL, kind TEXT NOT NULL,
    parent_id TEXT, updated_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS department_account ON department(account_id);
CREATE TABLE IF NOT EXISTS contact (
    id TEXT PRIMARY KEY, account_id TEXT NOT NULL, department_id TEXT, name TEXT NOT NULL,
    title TEXT, level TEXT NOT NULL, reports_to TEXT, roles TEXT, stance INTEGER,
    influence REAL, competitor TEXT, last_contact TEXT, status TEXT, email TEXT, phone TEXT, birthday TEXT,
    notes TEXT, updated_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS contact_account ON contact(account_id);
CREATE INDEX IF NOT EXISTS contact_reports_to ON contact(reports_to);
CREATE TABLE IF NOT EXISTS team_member (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, rank INTEGER,
    business_unit TEXT, accounts TEXT, email TEXT, updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS team_account (
    team_id TEXT NOT NULL, account_id TEXT NOT NULL, PRIMARY KEY (team_id, account_id));
CREATE INDEX IF NOT EXISTS team_account_account ON team_account(account_id);
CREATE TABLE IF NOT EXISTS relationship (
    team_id TEXT NOT NULL, contact_id TEXT NOT NULL, strength REAL, last_interaction TEXT,
    updated_at TEXT NOT NULL, PRIMARY KEY (team_id, contact_id));
CREATE INDEX IF NOT EXISTS relationship_contact ON relationship(contact_id);
CREATE TABLE IF NOT EXISTS influence (
    source_id TEXT NOT NULL, target_id TEXT NOT NULL, weight REAL, kind TEXT NOT NULL,
    updated_at TEXT NOT NULL, PRIMARY KEY (source_id, target_id, kind));
CREATE INDEX IF NOT EXISTS influence_target ON influence(target_id);
CREATE TABLE IF NOT EXISTS opportunity (
    id TEXT PRIMARY KEY, account_id TEXT NOT NULL, name TEXT NOT NULL, dmu_type TEXT, stage TEXT,
    value REAL, competitor TEXT, owner_id TEXT, updated_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS opportunity_account ON opportunity(account_id);
CREATE TABLE IF NOT EXISTS opportunity_member (
    opportunity_id TEXT NOT NULL, contact_id TEXT NOT NULL, role TEXT, is_decider INTEGER NOT NULL,
    source_role TEXT, updated_at TEXT NOT NULL, PRIMARY KEY (opportunity_id, contact_id));
CREATE INDEX IF NOT EXISTS opportunity_member_contact ON opportunity_member(contact_id);
CREATE TABLE IF NOT EXISTS interaction (
    id TEXT PRIMARY KEY, date TEXT NOT NULL, time TEXT, type TEXT NOT NULL, account_id TEXT NOT NULL,
    subject TEXT, notes TEXT, team_ids TEXT, contact_ids TEXT, sender_id TEXT, updated_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS interaction_account ON interaction(account_id);
-- a contact's interactions filed under another account than the contact's own (the rest are
-- found by account_id); kept so by graph/embedded_write.py
CREATE TABLE IF NOT EXISTS interaction_participant (
    person_id TEXT NOT NULL, side TEXT NOT NULL, interaction_id TEXT NOT NULL,
    PRIMARY KEY (person_id, side, interaction_id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS interaction_participant_interaction ON interaction_participant(interaction_id);
CREATE TABLE IF NOT EXISTS plan_action (
    id TEXT PRIMARY KEY, account_id TEXT NOT NULL, contact_id TEXT NOT NULL, owner_id TEXT,
    action TEXT NOT NULL, start TEXT, due TEXT NOT NULL, target_stance INTEGER, opportunity_id TEXT,
    colleagues_count INTEGER NOT NULL, note TEXT, closed_by TEXT, closed_reason TEXT, closed_on TEXT,
    updated_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS plan_action_account ON plan_action(account_id);
CREATE INDEX IF NOT EXISTS plan_action_contact ON plan_action(contact_id);
CREATE TABLE IF NOT EXISTS snapshot (
    label TEXT PRIMARY KEY, created_at TEXT NOT NULL, data BLOB NOT NULL);
"""

# rows of a table that belong to a set of accounts (:acc is a JSON array of account ids)
_IN_ACC = "IN (SELECT value FROM json_each(:acc))"
_CONTACTS_IN = f"(SELECT id FROM contact WHERE account_id {_IN_ACC})"
_SCOPE = {
    "accounts": f"id {_IN_ACC}",
    "departments": f"account_id {_IN_ACC}",
    "contacts": f"account_id {_IN_ACC}",
    "opportunities": f"account_id {_IN_ACC}",
    "relationships": f"contact_id IN {_CONTACTS_IN}",
    "influence": f"source_id IN {_CONTACTS_IN} AND +target_id IN {_CONTACTS_IN}",
    "opportunity_members": f"opportunity_id IN (SELECT id FROM opportunity WHERE account_id {_IN_ACC})",
    "interactions": f"account_id {_IN_ACC}",
    "plans": f"account_id {_IN_ACC}",
    "team": f"(id IN (SELECT team_id FROM team_account WHERE account_id {_IN_ACC}) "
            f"OR id IN (SELECT team_id FROM relationship WHERE contact_id IN {_CONTACTS_IN}))",
}


#: columns added after schema 1 shipped: (table, column, type), added to older files on open
_ADDED_COLUMNS = (("opportunity", "owner_id", "TEXT"), ("contact", "status", "TEXT"))


def _add_missing_columns(db: sqlite3.Connection) -> None:
    for table, column, kind in _ADDED_COLUMNS:
        if column not in {row[1] for row in db.execute(f"PRAGMA table_info({table})")}:
            db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")


class EmbeddedStore(GraphStore):
    """A :class:`GraphStore` in one SQLite file (default ``./powermap.db``).

    Examples
    --------
    >>> from graph.model import Account
    >>> store = EmbeddedStore(":memory:")
    >>> store.write(Batch.from_records([Account(id="G1", name="华东重工集团", kind="集团")])).inserted
    {'accounts': 1}
    >>> store.get("accounts", "G1").kind.value
    'group'
    """

    def __init__(self, path: str | Path = "powermap.db"):
        self.path = str(path)
        if self.path != ":memory:":
            parent = Path(self.path).expanduser().resolve().parent
            if not parent.is_dir():
                raise StoreUnavailable(f"cannot open store {self.path}: folder {parent} does not exist")
        try:
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("PRAGMA cache_size=-262144")
            # index builds sort in runs spilled to temporary files, two threads merging them:
            # measured three times faster over ten million rows than one sort in memory
            self._db.execute("PRAGMA threads=2")
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StoreUnavailable(
                    f"store {self.path} was written by a newer powermap (schema {version})")
            self._db.executescript(_SCHEMA)
            _add_missing_columns(self._db)
            _upgrade(self._db, version)
            if version != SCHEMA_VERSION:  # a write: opening a current store changes nothing others see
                self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        except sqlite3.DatabaseError as err:
            if getattr(err, "sqlite_errorcode", 0) & 0xFF in (5, 6):  # busy, locked
                raise StoreUnavailable(f"cannot open store {self.path}: another process holds it alone (a large first "
                                       "import loading it); try again when that ends") from err
            raise StoreUnavailable(f"cannot open store {self.path}: {err}") from err
        self._lock = threading.RLock()
        self._depth = 0  # open transactions of this connection (see _transaction)
        self._wal = True  # False while a bulk load's return to WAL waits for another connection

    # ----- transactions ---------------------------------------------------------------
    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One IMMEDIATE transaction (the database's write lock, across processes); inside
        :meth:`exclusive_writes` a savepoint of its transaction instead."""
        with self._lock, self._failures():
            nested = self._depth > 0
            if not nested and not self._wal:
                self._wal = self._journal_mode("wal", wait=False)
            self._db.execute("SAVEPOINT nested" if nested else "BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield self._db
            except BaseException:
                if self._db.in_transaction:  # SQLite may have rolled back itself (a full disk)
                    self._db.execute("ROLLBACK TO nested" if nested else "ROLLBACK")
                    if nested:
                        self._db.execute("RELEASE nested")
                raise
            finally:
                self._depth -= 1
            self._db.execute("RELEASE nested" if nested else "COMMIT")

    @contextmanager
    def _failures(self) -> Iterator[None]:
        """A full disk, a lock held too long by another process or a file that cannot be
        written become StoreFull / StoreUnavailable, in one sentence."""
        try:
            yield
        except sqlite3.Error as err:
            failure = sqlite_failure(err, f"store {self.path}")
            if failure is None:
                raise
            raise failure from err

    def probe_write(self) -> None:
        with self._transaction() as db:
            db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")  # rewrites the header page: a real commit

    @contextmanager
    def exclusive_writes(self, *, rows: int = 0) -> Iterator[None]:
        """The block runs in one IMMEDIATE transaction: its reads see the latest data and
        its writes commit together at its end (or not at all when it raises). Other
        threads of this process wait for the block to end (they share its connection).
        ``rows``: how many records the block will write, when known (a bulk load is written
        straight into the file, see :meth:`_bulk_load`)."""
        with self._lock, self._bulk_load(rows), self._transaction():
            yield

    @contextmanager
    def _bulk_load(self, rows: int) -> Iterator[None]:
        """Around a transaction writing ``rows`` records: when they are at least
        :data:`BULK_ROWS` and more than the store holds (a first import), and no other
        connection has the store open, the store runs under a rollback journal until the
        transaction ends. Its pages are then written once, into the file, instead of into
        the WAL and again into the file at the checkpoint (the write of a million contacts:
        5.4–5.8 s instead of 6.8–6.9 s); the journal keeps the transaction atomic and durable.
        Another process that opens the store meanwhile is refused at once, told why, instead
        of reading the store as it was. Otherwise nothing changes."""
        if rows < BULK_ROWS or self._depth or self.path == ":memory:" or self._rows_held() >= rows \
                or not self._journal_mode("delete", wait=False):
            yield
            return
        self._wal = True  # no return to WAL pending from an earlier load: this one's end does it
        try:
            yield
        finally:  # back to WAL; should another connection hold the store now, the next write tries again
            self._wal = self._journal_mode("wal", wait=True)

    def _rows_held(self) -> int:
        """About how many rows the store holds (each table's largest rowid: no scan)."""
        sql = " + ".join(f"coalesce((SELECT max(rowid) FROM {t}), 0)" for t in SQL_TABLE.values())
        return self._db.execute(f"SELECT {sql}").fetchone()[0]

    def _journal_mode(self, mode: str, *, wait: bool) -> bool:
        """Switch the journal mode; False when another connection holds the store open (it
        would not be switched then), at once when not ``wait``ing."""
        timeout = self._db.execute("PRAGMA busy_timeout").fetchone()[0]
        if not wait:
            self._db.execute("PRAGMA busy_timeout=0")
        try:
            return self._db.execute(f"PRAGMA journal_mode={mode}").fetchone()[0] == mode
        except sqlite3.OperationalError:  # locked: another connection reads or writes the store
            return False
        finally:
            self._db.execute(f"PRAGMA busy_timeout={timeout}")

    # ----- writes -----------------------------------------------------------------------
    def write(self, batch: Batch, *, progress: Progress | None = None) -> WriteResult:
        now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        with self._lock, self._bulk_load(len(batch)), self._transaction() as db:
            return write_batch(db, batch, now=now, progress=progress)

    def delete(self, table: str, key: str | tuple[str, ...]) -> bool:
        self._check_table(table)
        spec = TABLES[table]
        values = (key,) if isinstance(key, str) else tuple(key)
        if len(values) != len(spec.key):
            raise ValueError(f"{table} is keyed by {', '.join(spec.key)}")
        where = " AND ".join(f"{c} = ?" for c in spec.key)
        with self._transaction() as db:
            if table == "accounts":
                child = db.execute("SELECT id FROM account WHERE parent_id = ? LIMIT 1", values).fetchone()
                if child:
                    raise PowermapError(
                        f"account {values[0]!r} has sub-accounts (e.g. {child[0]!r}); delete them first")
                contacts = [r[0] for r in db.execute("SELECT id FROM contact WHERE account_id = ?", values)]
                _delete_contacts(db, contacts)
                opps = [r[0] for r in db.execute("SELECT id FROM opportunity WHERE account_id = ?", values)]
                db.executemany("DELETE FROM opportunity_member WHERE opportunity_id = ?", [(o,) for o in opps])
                db.execute("DELETE FROM opportunity WHERE account_id = ?", values)
                db.execute("UPDATE department SET parent_id = NULL WHERE parent_id IN "
                           "(SELECT id FROM department WHERE account_id = ?)", values)
                db.execute("DELETE FROM department WHERE account_id = ?", values)
                _leave_team_accounts(db, values[0])
                db.execute("DELETE FROM interaction_participant WHERE interaction_id IN "
                           "(SELECT id FROM interaction WHERE account_id = ?)", values)
                db.execute("DELETE FROM interaction WHERE account_id = ?", values)
                db.execute("DELETE FROM plan_action WHERE account_id = ?", values)
            elif table == "interactions":
                db.execute("DELETE FROM interaction_participant WHERE interaction_id = ?", values)
            elif table == "contacts":
                existed = db.execute("SELECT 1 FROM contact WHERE id = ?", values).fetchone()
                _delete_contacts(db, [values[0]])
                return existed is not None
            elif table == "departments":
                db.execute("UPDATE contact SET department_id = NULL WHERE department_id = ?", values)
                db.execute("UPDATE department SET parent_id = NULL WHERE parent_id = ?", values)
            elif table == "team":
                _leave_interactions(db, "team", [values[0]])
                # their plan actions stay, without an owner: the plan report flags them (needs_owner)
                db.execute("UPDATE plan_action SET owner_id = NULL, updated_at = ? WHERE owner_id = ?",
                           (_now(), values[0]))
                # and their deals: owned by nobody (an export then re-imports: no unknown owner)
                db.execute("UPDATE opportunity SET owner_id = NULL, updated_at = ? WHERE owner_id = ?",
                           (_now(), values[0]))
                db.execute("DELETE FROM relationship WHERE team_id = ?", values)
                db.execute("DELETE FROM team_account WHERE team_id = ?", values)
            elif table == "opportunities":
                db.execute("DELETE FROM opportunity_member WHERE opportunity_id = ?", values)
                db.execute("UPDATE plan_action SET opportunity_id = NULL, updated_at = ? WHERE opportunity_id = ?",
                           (_now(), values[0]))
            cursor = db.execute(f"DELETE FROM {SQL_TABLE[table]} WHERE {where}", values)
            return cursor.rowcount > 0

    # ----- reads for validation ---------------------------------------------------------
    def existing_ids(self, table: str, ids: Iterable[str]) -> set[str]:
        self._check_table(table)
        ids = list(ids)
        if not ids:
            return set()
        sql = f"SELECT id FROM {SQL_TABLE[table]} WHERE id IN (SELECT value FROM json_each(?))"
        with self._lock:
            return {r[0] for r in self._db.execute(sql, (json.dumps(ids),))}

    def parents(self, table: str, ids: Iterable[str]) -> dict[str, str | None]:
        self._check_table(table)
        column = TABLES[table].hierarchy
        if column is None:
            raise ValueError(f"{table} has no hierarchy")
        ids = list(ids)
        if not ids:
            return {}
        sql = (f"SELECT id, {column} FROM {SQL_TABLE[table]} "
               "WHERE id IN (SELECT value FROM json_each(?))")
        with self._lock:
            return dict(self._db.execute(sql, (json.dumps(ids),)).fetchall())

    # ----- reads ------------------------------------------------------------------------
    def get(self, table: str, key: str | tuple[str, ...]) -> Record | None:
        self._check_table(table)
        spec = TABLES[table]
        values = (key,) if isinstance(key, str) else tuple(key)
        where = " AND ".join(f"{c} = ?" for c in spec.key)
        rows = self._select(table, where, values)
        return spec.model.model_validate(rows[0]) if rows else None

    def counts(self) -> dict[str, int]:
        queries = {
            "accounts": "SELECT count(*) FROM account",
            "departments": "SELECT count(*) FROM department",
            "contacts": "SELECT count(*) FROM contact",
            "team_members": "SELECT count(*) FROM team_member",
            "relationships": "SELECT count(*) FROM relationship",
            "reports_to": "SELECT count(*) FROM contact WHERE reports_to IS NOT NULL",
            "influences": "SELECT count(*) FROM influence",
            "opportunities": "SELECT count(*) FROM opportunity",
            "interactions": "SELECT count(*) FROM interaction",
        }
        with self._lock:
            return {k: self._db.execute(q).fetchone()[0] for k, q in queries.items()}

    def list_accounts(self) -> list[dict[str, Any]]:
        sql = """SELECT a.id, a.name, a.parent_id, a.kind, a.tier, a.posture, a.share_of_wallet,
                        (SELECT count(*) FROM contact c WHERE c.account_id = a.id) AS contacts
                 FROM account a ORDER BY a.id"""
        return self._query(sql)

    def search(self, text: str, *, limit: int = 50) -> list[dict[str, Any]]:
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        sql = """SELECT 'account' AS kind, id, name, NULL AS title, id AS account_id FROM account
                   WHERE name LIKE :p ESCAPE '\\'
                 UNION ALL
                 SELECT 'contact', id, name, title, account_id FROM contact
                   WHERE name LIKE :p ESCAPE '\\' OR title LIKE :p ESCAPE '\\'
                 ORDER BY kind, name LIMIT :limit"""
        return self._query(sql, {"p": pattern, "limit": limit})

    def subgraph_rows(self, account_id: str) -> dict[str, list[dict[str, Any]]] | None:
        with self._lock:
            tree = [r[0] for r in self._db.execute(
                """WITH RECURSIVE tree(id) AS (
                       SELECT id FROM account WHERE id = ?
                       UNION SELECT a.id FROM account a JOIN tree ON a.parent_id = tree.id)
                   SELECT id FROM tree""", (account_id,))]
            if not tree:
                return None
            acc = json.dumps(tree)
            in_acc = "IN (SELECT value FROM json_each(:acc))"
            contacts = self._select("contacts", f"account_id {in_acc}", {"acc": acc})
            contacts += self._select(
                "contacts", f"id IN (SELECT reports_to FROM contact WHERE account_id {in_acc}) "
                f"AND account_id NOT {in_acc}", {"acc": acc})
            people = {c["id"] for c in contacts}
            cids = json.dumps([c["id"] for c in contacts])
            in_c = "IN (SELECT value FROM json_each(:c))"
            relationships = self._select("relationships", f"contact_id {in_c}", {"c": cids})
            owned = self._query(f"SELECT team_id, account_id FROM team_account WHERE account_id {in_acc}",
                                {"acc": acc})
            # filed in the tree; or with a contact of the subgraph, filed elsewhere (the participant
            # index) or, for a manager outside the tree, under the manager's own account
            external = json.dumps([c["id"] for c in contacts if c["account_id"] not in tree])
            interactions = self._select(
                "interactions", f"account_id {in_acc} OR id IN (SELECT interaction_id FROM interaction_participant "
                f"WHERE side = 'contact' AND person_id {in_c}) OR id IN (SELECT i.id FROM contact m "
                "JOIN interaction i ON i.account_id = m.account_id WHERE m.id IN (SELECT value FROM json_each(:e)) "
                "AND instr(';' || i.contact_ids || ';', ';' || m.id || ';') > 0)",
                {"acc": acc, "c": cids, "e": external})
            team_ids = json.dumps(sorted({r["team_id"] for r in relationships} | {r["team_id"] for r in owned}
                                         | {t for r in interactions for t in r["team_ids"]}))
            opportunities = self._select("opportunities", f"account_id {in_acc}", {"acc": acc})
            oids = json.dumps([o["id"] for o in opportunities])
            return {
                "accounts": self._select("accounts", f"id {in_acc}", {"acc": acc}),
                "departments": self._select("departments", f"account_id {in_acc}", {"acc": acc}),
                "contacts": contacts,
                "team": self._select("team", "id IN (SELECT value FROM json_each(:t))", {"t": team_ids}),
                "relationships": relationships,
                # probe the index by source; the target is filtered here (cheaper than in SQL)
                "influence": [r for r in self._select("influence", f"source_id {in_c}", {"c": cids})
                              if r["target_id"] in people],
                "opportunities": opportunities,
                "opportunity_members": self._select(
                    "opportunity_members", "opportunity_id IN (SELECT value FROM json_each(:o))",
                    {"o": oids}),
                "owned": owned,
                "interactions": interactions,
            }

    def account_descendants(self, account_ids: Iterable[str]) -> set[str]:
        sql = """WITH RECURSIVE tree(id) AS (
                     SELECT id FROM account WHERE id IN (SELECT value FROM json_each(?))
                     UNION SELECT a.id FROM account a JOIN tree ON a.parent_id = tree.id)
                 SELECT id FROM tree"""
        with self._lock:
            return {r[0] for r in self._db.execute(sql, (json.dumps(list(account_ids)),))}

    def list_records(self, table: str, *, limit: int = 100, after: str | Sequence[str] | None = None,
                     updated_since: str | None = None,
                     account_ids: Iterable[str] | None = None) -> list[dict[str, Any]]:
        self._check_table(table)
        key = TABLES[table].key
        where, params = ["1 = 1"], {"limit": int(limit)}
        if after is not None:
            values = (after,) if isinstance(after, str) else tuple(after)
            if len(values) != len(key):
                raise ValueError(f"{table} pages by {', '.join(key)}")
            where.append(f"({', '.join(key)}) > ({', '.join(f':after{i}' for i in range(len(key)))})")
            params.update({f"after{i}": v for i, v in enumerate(values)})
        if updated_since is not None:
            where.append("updated_at >= :since")
            params["since"] = updated_since
        if account_ids is not None:
            where.append(_SCOPE[table])
            params["acc"] = json.dumps(sorted(account_ids))
        rows = self._select(table, " AND ".join(where) + f" ORDER BY {', '.join(key)} LIMIT :limit",
                            params, extra=("updated_at",))
        for row in rows:
            row["key"] = row[key[0]] if len(key) == 1 else [row[k] for k in key]
        return rows

    def dump(self) -> Batch:
        import pandas as pd

        tables = {}
        for table, spec in TABLES.items():
            rows = self._select(table, "1 = 1 ORDER BY " + ", ".join(spec.key))  # key order, as Neo4j's dump
            if rows:
                tables[table] = pd.DataFrame(rows, columns=list(spec.columns), dtype=object)
        return Batch(tables)

    def save_snapshot(self, label: str, data: bytes) -> None:
        now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        with self._transaction() as db:
            db.execute("INSERT INTO snapshot (label, created_at, data) VALUES (?, ?, ?) "
                       "ON CONFLICT (label) DO UPDATE SET created_at = excluded.created_at, data = excluded.data",
                       (label, now, sqlite3.Binary(data)))

    def load_snapshot(self, label: str) -> bytes:
        with self._lock:
            row = self._db.execute("SELECT data FROM snapshot WHERE label = ?", (label,)).fetchone()
        if row is None:
            raise SnapshotNotFound(label)
        return bytes(row[0])

    def list_snapshots(self) -> list[dict[str, Any]]:
        return self._query("SELECT label, created_at, length(data) AS size FROM snapshot ORDER BY created_at, label")

    def version(self) -> str:
        """SQLite's ``data_version`` (changes when another connection, e.g. another process,
        commits) and this connection's count of changed rows."""
        with self._lock:
            return f"{self._db.execute('PRAGMA data_version').fetchone()[0]}:{self._db.total_changes}"

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # ----- helpers ----------------------------------------------------------------------
    def _query(self, sql: str, params: Any = ()) -> list[dict[str, Any]]:
        with self._lock:
            cursor = self._db.execute(sql, params)
            names = [d[0] for d in cursor.description]
            return list(map(dict, map(zip, repeat(names), cursor)))  # no Python frame per row

    def _select(self, table: str, where: str, params: Any = (), extra: tuple[str, ...] = ()) -> list[dict[str, Any]]:
        columns = ", ".join((*TABLES[table].columns, *extra))
        rows = self._query(f"SELECT {columns} FROM {SQL_TABLE[table]} WHERE {where}", params)
        for column in LIST_COLUMNS.get(table, ()):
            for row in rows:
                value = row[column]
                row[column] = tuple(value.split(";")) if value else ()
        flag = _FLAGS.get(table)
        if flag is not None:
            for row in rows:
                row[flag] = bool(row[flag])
        return rows


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def _upgrade(db: sqlite3.Connection, version: int) -> None:
    """Bring a store written by an older powermap up to :data:`SCHEMA_VERSION` (added columns:
    :func:`_add_missing_columns`; here, a plan action's owner may be empty)."""
    required = {r[1] for r in db.execute("PRAGMA table_info(plan_action)") if r[3]}
    if version < 2 and "owner_id" in required:  # SQLite cannot drop NOT NULL: copy the table
        sql = db.execute("SELECT sql FROM sqlite_master WHERE name = 'plan_action'").fetchone()[0]
        db.execute("BEGIN IMMEDIATE")
        db.execute(sql.replace("plan_action", "plan_action_v2", 1).replace("owner_id TEXT NOT NULL", "owner_id TEXT"))
        db.execute("INSERT INTO plan_action_v2 SELECT * FROM plan_action")
        db.execute("DROP TABLE plan_action")
        db.execute("ALTER TABLE plan_action_v2 RENAME TO plan_action")
        db.execute("CREATE INDEX IF NOT EXISTS plan_action_account ON plan_action(account_id)")
        db.execute("CREATE INDEX IF NOT EXISTS plan_action_contact ON plan_action(contact_id)")
        db.execute("COMMIT")


def _split(value: str | None) -> list[str]:
    return [p for p in (value or "").split(";") if p]


def _leave_interactions(db: sqlite3.Connection, side: str, people: list[str]) -> None:
    """Take deleted people out of the interactions they took part in: our people's are found
    by a scan (rare), a contact's under its own account and through the participant index."""
    column = "team_ids" if side == "team" else "contact_ids"
    now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    mentions = f"instr(';' || {column} || ';', ';' || ?1 || ';') > 0"
    for person in people:
        if side == "team":
            touched = [r[0] for r in db.execute(f"SELECT id FROM interaction WHERE {mentions}", (person,))]
        else:
            touched = [r[0] for r in db.execute(
                f"SELECT id FROM interaction WHERE account_id = (SELECT account_id FROM contact WHERE id = ?1) "
                f"AND {mentions} UNION SELECT interaction_id FROM interaction_participant "
                "WHERE person_id = ?1 AND side = 'contact'", (person,))]
            db.execute("DELETE FROM interaction_participant WHERE person_id = ? AND side = 'contact'", (person,))
        for iid in touched:
            row = db.execute(f"SELECT {column} FROM interaction WHERE id = ?", (iid,)).fetchone()
            left = ";".join(p for p in _split(row[0] if row else None) if p != person) or None
            db.execute(f"UPDATE interaction SET {column} = ?, updated_at = ?, sender_id = CASE WHEN sender_id = ? "
                       "THEN NULL ELSE sender_id END WHERE id = ?", (left, now, person, iid))


def _leave_team_accounts(db: sqlite3.Connection, account_id: str) -> None:
    """Take a deleted account out of our people's ``accounts`` (each one changed is updated now)."""
    now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    owners = db.execute("SELECT id, accounts FROM team_member WHERE id IN "
                        "(SELECT team_id FROM team_account WHERE account_id = ?)", (account_id,)).fetchall()
    for team_id, accounts in owners:
        left = ";".join(a for a in _split(accounts) if a != account_id) or None
        db.execute("UPDATE team_member SET accounts = ?, updated_at = ? WHERE id = ?", (left, now, team_id))
    db.execute("DELETE FROM team_account WHERE account_id = ?", (account_id,))


def _delete_contacts(db: sqlite3.Connection, contact_ids: list[str]) -> None:
    _leave_interactions(db, "contact", contact_ids)
    params = [(c,) for c in contact_ids]
    db.executemany("DELETE FROM relationship WHERE contact_id = ?", params)
    db.executemany("DELETE FROM influence WHERE source_id = ?1 OR target_id = ?1", params)
    db.executemany("DELETE FROM opportunity_member WHERE contact_id = ?", params)
    db.executemany("UPDATE contact SET reports_to = NULL WHERE reports_to = ?", params)
    db.executemany("DELETE FROM plan_action WHERE contact_id = ?", params)
    db.executemany("DELETE FROM contact WHERE id = ?", params)
