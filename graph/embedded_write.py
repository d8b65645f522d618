"""How the embedded store writes a batch: one transaction, chunk by chunk.

Speed for large imports comes from four habits, each measured by
``bench/interactions_bench.py`` and ``bench/import_bench.py``:

* many rows to one ``INSERT … ON CONFLICT`` statement, and only the columns that carry a
  value somewhere in the table;
* a bulk load (more rows than the table holds, at least :data:`BULK_ROWS`) drops the
  table's secondary indexes inside its transaction and builds them again at the end: one
  sort instead of millions of random inserts once an index outgrows the page cache;
* the participant index holds only interactions filed away from a contact's account
  (see :class:`_Participants`);
* values are handled a column at a time, not a Python call per value: a chunk's parameters
  are laid out in one numpy array of objects, reshaped to a row per statement.

(Writing on a second thread while Python prepared the next chunk was tried and measured:
no gain, the two threads wait on each other for the interpreter lock between statements.)
"""

from __future__ import annotations

import json
import sqlite3
from functools import lru_cache
from itertools import compress, repeat
from operator import is_not, itemgetter, ne
from typing import Any

from graph.batch import Batch
from graph.model import TABLES
from graph.store import Progress, WriteResult

__all__ = ["write_batch", "SQL_TABLE", "LIST_COLUMNS", "CHUNK", "BULK_ROWS"]

CHUNK = 50_000
# storage table per model table; list columns are kept as ';'-joined text
SQL_TABLE = {
    "accounts": "account", "departments": "department", "contacts": "contact", "team": "team_member",
    "relationships": "relationship", "influence": "influence", "opportunities": "opportunity",
    "opportunity_members": "opportunity_member", "interactions": "interaction",
    "plans": "plan_action",
}
LIST_COLUMNS = {"contacts": {"roles"}, "team": {"accounts"}, "interactions": {"team_ids", "contact_ids"}}


def write_batch(db: sqlite3.Connection, batch: Batch, *, now: str, progress: Progress | None = None
                ) -> WriteResult:
    """Write every table of ``batch`` inside the transaction open on ``db``."""
    result = WriteResult()
    total, done = len(batch), 0
    for table in TABLES:
        count = batch.count(table)
        if not count:
            continue
        sql_table = SQL_TABLE[table]
        # rows get ever larger rowids: those above the largest one now are the new ones
        last_rowid = db.execute(f"SELECT max(rowid) FROM {sql_table}").fetchone()[0]
        provided = batch.columns_provided(table)
        participants = _Participants(db, fresh=last_rowid is None, rows=count) if table == "interactions" else None
        rebuild = _set_aside_indexes(db, sql_table) if count >= BULK_ROWS and count > (last_rowid or 0) else []
        changed = 0
        names = TABLES[table].columns
        arrays = batch.column_arrays(table)
        present = tuple(i for i, values in enumerate(arrays) if _any_value(values))
        lists_needed = table in ("team", "interactions") or (table == "contacts" and last_rowid is not None)
        for start in range(0, count, CHUNK):
            part = [values[start:start + CHUNK] for values in arrays]
            columns = [values.tolist() for values in part] if lists_needed else None
            moved = _moved_contacts(db, columns) if table == "contacts" and last_rowid is not None \
                and "account_id" in provided else []
            for statement, params in _upsert_params(db, table, provided, part, present, now):
                changed += db.executemany(statement, params).rowcount
            if table == "team" and "accounts" in provided:
                _write_team_accounts(db, columns[names.index("id")],
                                     _joined(columns[names.index("accounts")]))
            if moved:
                _reindex_moved_contacts(db, moved)
            if participants:
                participants.write(columns[names.index("id")], participants.rows(columns))
            done += len(part[0])
            if progress:
                progress(done, total)
        if rebuild:
            _build_indexes(db, rebuild)
        inserted = db.execute(f"SELECT count(*) FROM {sql_table} WHERE rowid > ?", (last_rowid or 0,)).fetchone()[0]
        result.inserted[table] = inserted
        result.updated[table] = changed - inserted
        result.unchanged[table] = count - changed
    return result


#: rows to one statement (fewer when SQLite allows fewer variables)
_ROWS_PER_STATEMENT = 500
#: a write of at least this many rows, more than a table holds, rebuilds its indexes after
BULK_ROWS = 100_000


def _build_indexes(db: sqlite3.Connection, statements: list[str]) -> None:
    """Run CREATE INDEX statements with a small page cache: SQLite's sorter then merges many
    small sorted runs, which over ten million rows took 5 s instead of 14 s with 256 MB."""
    cache = int(db.execute("PRAGMA cache_size").fetchone()[0])
    db.execute("PRAGMA cache_size=-16384")
    try:
        for statement in statements:
            db.execute(statement)
    finally:
        db.execute(f"PRAGMA cache_size={cache}")


def _set_aside_indexes(db: sqlite3.Connection, sql_table: str) -> list[str]:
    """Drop a table's secondary indexes (inside the write's transaction) and return the
    statements that build them again. Growing an index row by row in random order costs
    far more, once it outgrows the page cache, than one sort at the end."""
    found = db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
                       "AND sql IS NOT NULL", (sql_table,)).fetchall()
    for name, _ in found:
        db.execute(f'DROP INDEX "{name}"')
    return [sql for _, sql in found]


def _any_value(values: Any) -> bool:
    """Whether a column (blanks as None) holds any value; stops at the first one."""
    return any(map(is_not, values, repeat(None)))


def _upsert_params(db: sqlite3.Connection, table: str, provided: tuple[str, ...], part: list[Any],
                   present: tuple[int, ...], now: str) -> list[tuple[str, list[list[Any]]]]:
    """(statement, parameter lists) upserting a chunk of rows (one array per column), many
    rows to a statement. Only the ``present`` columns are written (those with a value
    somewhere in the table): a row inserted without the others holds NULL, as it would
    with them, and ``excluded`` reads NULL for them on update. The parameters are laid out
    in one array of objects, a row of it per statement, without a Python step per value;
    the statement's first parameter is ``now``, the ``updated_at`` of all its rows (bound
    once, not once a row)."""
    import numpy as np  # here, not at the top: opening a store to read needs no numpy

    names = TABLES[table].columns
    lists = _list_positions(table)
    rows, width = len(part[0]), len(present)
    per_statement = min(_ROWS_PER_STATEMENT, (db.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) - 1) // width)
    statements = -(-rows // per_statement)
    block = np.empty((statements * per_statement, width), dtype=object)
    for j, i in enumerate(present):
        block[:rows, j] = _joined(part[i].tolist()) if i in lists else part[i]
    laid = np.empty((statements, 1 + per_statement * width), dtype=object)
    laid[:, 0] = now
    laid[:, 1:] = block.reshape(statements, per_statement * width)
    whole = rows // per_statement
    columns = tuple(names[i] for i in present)
    out = []
    if whole:
        out.append((_upsert_statement(table, provided, columns, per_statement), laid[:whole].tolist()))
    if whole < statements:
        last = rows - whole * per_statement
        out.append((_upsert_statement(table, provided, columns, last), [laid[whole, :1 + last * width].tolist()]))
    return out


@lru_cache(maxsize=256)
def _upsert_statement(table: str, provided: tuple[str, ...], present: tuple[str, ...], rows: int) -> str:
    """Insert ``rows`` rows of the ``present`` columns, or update the ``provided`` columns of
    an existing row when they differ."""
    spec = TABLES[table]
    columns = [*present, "updated_at"]
    values = [c for c in provided if c not in spec.key]
    sql_table = SQL_TABLE[table]
    width = len(present)
    # ?1 is updated_at, shared by every row; row r's values are ?(2 + r·width) onwards
    tuples = (f"({''.join(f'?{2 + r * width + j}, ' for j in range(width))}?1)" for r in range(rows))
    insert = f"INSERT INTO {sql_table} ({', '.join(columns)}) VALUES {', '.join(tuples)} "
    if not values:
        return insert + f"ON CONFLICT ({', '.join(spec.key)}) DO NOTHING"
    set_clause = ", ".join(f"{c} = excluded.{c}" for c in [*values, "updated_at"])
    old = ", ".join(f"{sql_table}.{c}" for c in values)
    new = ", ".join(f"excluded.{c}" for c in values)
    return insert + (f"ON CONFLICT ({', '.join(spec.key)}) DO UPDATE SET {set_clause} "
                     f"WHERE ({old}) IS NOT ({new})")


def _joined(values: list[Any]) -> list[str | None]:
    """A list column's values as SQLite keeps them: ids joined with ';'."""
    return [None if v is None else ";".join(v) for v in values]


@lru_cache(maxsize=None)
def _list_positions(table: str) -> tuple[int, ...]:
    lists = LIST_COLUMNS.get(table, ())
    return tuple(i for i, c in enumerate(TABLES[table].columns) if c in lists)


def _write_team_accounts(db: sqlite3.Connection, ids: list[str], accounts: list[str | None]) -> None:
    db.executemany("DELETE FROM team_account WHERE team_id = ?", [(i,) for i in ids])
    pairs = [(i, a) for i, listed in zip(ids, accounts) for a in (listed or "").split(";") if a]
    db.executemany("INSERT OR IGNORE INTO team_account (team_id, account_id) VALUES (?, ?)", pairs)


class _Participants:
    """Keeps ``interaction_participant`` in step with the interactions written.

    The table indexes a contact's interactions that are filed under another account than
    the contact's own (a group-level meeting with people of its subsidiaries): those an
    account's subgraph could not find by ``account_id``. The rest, nearly all of them,
    need no entry, so ten million interactions do not cost ten million index rows.
    ``fresh``: the interaction table was empty, so no interaction has entries to replace.
    A write of many interactions reads every contact's account at once; a small one
    looks up the contacts it names.
    """

    def __init__(self, db: sqlite3.Connection, *, fresh: bool, rows: int):
        self.db, self.fresh = db, fresh
        contacts = db.execute("SELECT count(*) FROM contact").fetchone()[0]
        self.everyone = rows * 4 >= contacts
        self.account_of: dict[str, str] = dict(db.execute("SELECT id, account_id FROM contact")) \
            if self.everyone else {}
        columns = TABLES["interactions"].columns
        self.i_id, self.i_account, self.i_contacts = (columns.index(c) for c in ("id", "account_id", "contact_ids"))

    def rows(self, columns: list[list[Any]]) -> list[tuple[str, str, str]]:
        """The index entries of a chunk of interactions (batch columns). Reads the store only
        when not every contact's account is known (``everyone`` false)."""
        ids, accounts = columns[self.i_id], columns[self.i_account]
        import numpy as np  # here, not at the top: opening a store to read needs no numpy

        contacts = [c or () for c in columns[self.i_contacts]]
        sizes = np.fromiter(map(len, contacts), dtype=np.int64, count=len(contacts))
        one, several = np.flatnonzero(sizes == 1).tolist(), np.flatnonzero(sizes > 1).tolist()
        # the common interaction, with one contact: compared without a Python loop
        people = list(map(itemgetter(0), map(contacts.__getitem__, one)))
        if not self.everyone:
            self._learn({*people, *(p for i in several for p in contacts[i])})
        account_of = self.account_of.get
        elsewhere = map(ne, map(account_of, people), map(accounts.__getitem__, one))
        rows = [(p, "contact", iid) for p, iid in compress(zip(people, map(ids.__getitem__, one)), elsewhere)]
        return rows + [(p, "contact", ids[i]) for i in several for p in contacts[i] if account_of(p) != accounts[i]]

    def write(self, ids: list[str], rows: list[tuple[str, str, str]]) -> None:
        """Replace the entries of the interactions ``ids`` with ``rows``."""
        if not self.fresh:
            self.db.execute("DELETE FROM interaction_participant WHERE side = 'contact' AND interaction_id IN "
                            "(SELECT value FROM json_each(?))", (json.dumps(ids),))
        self.db.executemany("INSERT OR IGNORE INTO interaction_participant (person_id, side, interaction_id) "
                            "VALUES (?, ?, ?)", rows)

    def _learn(self, people: set[str]) -> None:
        missing = list(people - self.account_of.keys())
        for start in range(0, len(missing), CHUNK):
            self.account_of.update(self.db.execute(
                "SELECT id, account_id FROM contact WHERE id IN (SELECT value FROM json_each(?))",
                (json.dumps(missing[start:start + CHUNK]),)))


def _moved_contacts(db: sqlite3.Connection, columns: list[list[Any]]) -> list[tuple[str, str, str]]:
    """(contact, old account, new account) for the stored contacts of a chunk whose account changes."""
    spec = TABLES["contacts"].columns
    ids, accounts = columns[spec.index("id")], columns[spec.index("account_id")]
    old = dict(db.execute("SELECT id, account_id FROM contact WHERE id IN (SELECT value FROM json_each(?))",
                          (json.dumps(ids),)))
    return [(c, old[c], a) for c, a in zip(ids, accounts) if c in old and old[c] != a]


def _reindex_moved_contacts(db: sqlite3.Connection, moved: list[tuple[str, str, str]]) -> None:
    """A contact that changes account: its interactions filed under the new account need no
    index entry any more, those under the old one now do (see :class:`_Participants`)."""
    for contact, old, new in moved:
        db.execute("DELETE FROM interaction_participant WHERE side = 'contact' AND person_id = ? AND "
                   "interaction_id IN (SELECT id FROM interaction WHERE account_id = ?)", (contact, new))
        db.execute("INSERT OR IGNORE INTO interaction_participant (person_id, side, interaction_id) "
                   "SELECT ?1, 'contact', id FROM interaction WHERE account_id = ?2 AND "
                   "instr(';' || contact_ids || ';', ';' || ?1 || ';') > 0", (contact, old))


