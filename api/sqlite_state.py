"""The API state in a small SQLite file beside the embedded store (``POWERMAP_API_DB``).

One connection guarded by a lock (the server's threads share it); WAL mode, so ``powermap
keys create`` can add a key while ``powermap serve`` runs, and several servers on one
machine can share the file (deliveries are claimed in ``BEGIN IMMEDIATE`` transactions).
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from api.state import (ApiKey, ApiState, Delivery, KeyExists, KeyNotFound, Subscription, audit_entry, audit_json,
                       hash_secret, iso, parse_key, utc_now)
from graph.exceptions import StoreUnavailable, sqlite_failure

__all__ = ["SqliteApiState"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS api_key (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, secret_hash TEXT NOT NULL UNIQUE,
    scope TEXT NOT NULL, pii INTEGER NOT NULL, accounts TEXT,
    created_at TEXT NOT NULL, revoked_at TEXT, last_used_at TEXT);
CREATE UNIQUE INDEX IF NOT EXISTS api_key_active_name ON api_key(name) WHERE revoked_at IS NULL;
CREATE TABLE IF NOT EXISTS session (
    token_hash TEXT PRIMARY KEY, key_id INTEGER NOT NULL, created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY, at TEXT NOT NULL, key_name TEXT NOT NULL, action TEXT NOT NULL,
    ids TEXT NOT NULL, detail TEXT);
CREATE INDEX IF NOT EXISTS audit_at ON audit(at);
CREATE TABLE IF NOT EXISTS webhook (
    id TEXT PRIMARY KEY, url TEXT NOT NULL, events TEXT NOT NULL, secret TEXT NOT NULL,
    key_id INTEGER NOT NULL, created_at TEXT NOT NULL, deleted_at TEXT);
CREATE TABLE IF NOT EXISTS delivery (
    id TEXT PRIMARY KEY, webhook_id TEXT NOT NULL, event TEXT NOT NULL, body BLOB NOT NULL,
    status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, last_status_code INTEGER,
    last_error TEXT, next_attempt_at TEXT, created_at TEXT NOT NULL, finished_at TEXT,
    claimed_by TEXT, claimed_until TEXT);
CREATE INDEX IF NOT EXISTS delivery_due ON delivery(status, next_attempt_at);
CREATE INDEX IF NOT EXISTS delivery_webhook ON delivery(webhook_id, created_at);
CREATE TABLE IF NOT EXISTS server_secret (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS delivery_attempt (
    delivery_id TEXT NOT NULL, attempt INTEGER NOT NULL, at TEXT NOT NULL, status_code INTEGER,
    error TEXT, PRIMARY KEY (delivery_id, attempt));
"""

_KEY_COLUMNS = "k.id, k.name, k.scope, k.pii, k.accounts, k.created_at, k.revoked_at, k.last_used_at"
_KEY_FIELDS = ("id", "name", "scope", "pii", "accounts", "created_at", "revoked_at", "last_used_at")
_DELIVERY_COLUMNS = ("id, webhook_id, event, body, status, attempts, last_status_code, last_error, "
                     "next_attempt_at, created_at, finished_at")


def _key(row: tuple) -> ApiKey:
    return parse_key(dict(zip(_KEY_FIELDS, row)))


class SqliteApiState(ApiState):
    """Keys, sessions, audit log, webhooks and deliveries in one SQLite file."""

    def __init__(self, path: str | Path):
        self.path = str(path)
        if self.path != ":memory:" and not Path(self.path).expanduser().resolve().parent.is_dir():
            raise StoreUnavailable(f"cannot open the API state {self.path}: its folder does not exist")
        try:
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None,
                                       timeout=10)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
            columns = {row[1] for row in self._db.execute("PRAGMA table_info(delivery)")}
            for column in ("claimed_by", "claimed_until"):  # a file made before claims existed
                if column not in columns:
                    self._db.execute(f"ALTER TABLE delivery ADD COLUMN {column} TEXT")
            self._db.execute("INSERT OR IGNORE INTO server_secret VALUES ('etag', ?)", (secrets.token_hex(32),))
            self.etag_secret = bytes.fromhex(self._db.execute(
                "SELECT value FROM server_secret WHERE name = 'etag'").fetchone()[0])
        except sqlite3.DatabaseError as err:
            raise StoreUnavailable(f"cannot open the API state {self.path}: {err}") from err
        self._lock = threading.RLock()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock, self._failures():
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    @contextmanager
    def _failures(self) -> Iterator[None]:
        """A full disk as StoreFull, a locked or unwritable file as StoreUnavailable."""
        try:
            yield
        except sqlite3.Error as err:
            failure = sqlite_failure(err, f"the API state {self.path}")
            if failure is None:
                raise
            raise failure from err

    def _rows(self, sql: str, params: Any = ()) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    def ping(self) -> None:
        self._rows("SELECT 1")

    # ----- keys -------------------------------------------------------------------------
    def _insert_key(self, name: str, secret_hash: str, scope: str, pii: bool, accounts: list[str] | None,
                    now: str, *, by: str, detail: dict[str, Any]) -> ApiKey:
        with self._transaction() as db:
            if db.execute("SELECT 1 FROM api_key WHERE name = ? AND revoked_at IS NULL", (name,)).fetchone():
                raise KeyExists(f"a key named {name!r} exists; revoke it first (powermap keys revoke {name})")
            cursor = db.execute(
                "INSERT INTO api_key (name, secret_hash, scope, pii, accounts, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (name, secret_hash, scope, int(pii), json.dumps(accounts) if accounts is not None else None, now))
            key_id = cursor.lastrowid
            self._audit(db, by, "key.create", [name], detail)
        key = self.key_by_id(key_id)
        assert key is not None
        return key

    def revoke_key(self, name: str, *, by: str = "cli") -> None:
        now = iso(utc_now())
        with self._transaction() as db:
            cursor = db.execute("UPDATE api_key SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL",
                                (now, name))
            if cursor.rowcount == 0:
                raise KeyNotFound(f"no active key named {name!r}")
            db.execute("DELETE FROM session WHERE key_id IN (SELECT id FROM api_key WHERE name = ?)", (name,))
            self._audit(db, by, "key.revoke", [name], None)

    def list_keys(self, *, include_revoked: bool = False) -> list[ApiKey]:
        where = "" if include_revoked else "WHERE k.revoked_at IS NULL"
        return [_key(r) for r in self._rows(f"SELECT {_KEY_COLUMNS} FROM api_key k {where} ORDER BY k.id")]

    def key_by_id(self, key_id: int) -> ApiKey | None:
        rows = self._rows(f"SELECT {_KEY_COLUMNS} FROM api_key k WHERE k.id = ?", (key_id,))
        return _key(rows[0]) if rows else None

    def _active_keys_with_hashes(self) -> list[tuple[ApiKey, str]]:
        rows = self._rows(f"SELECT {_KEY_COLUMNS}, k.secret_hash FROM api_key k WHERE k.revoked_at IS NULL")
        return [(_key(row[:8]), row[8]) for row in rows]

    def _set_last_used(self, key_id: int, minute: str) -> None:
        with self._lock, self._failures():
            self._db.execute("UPDATE api_key SET last_used_at = ? WHERE id = ?", (minute, key_id))

    def probe_write(self) -> None:
        with self._transaction() as db:
            db.execute("INSERT OR REPLACE INTO server_secret SELECT name, value FROM server_secret "
                       "WHERE name = 'etag'")

    # ----- browser sessions -------------------------------------------------------------
    def _insert_session(self, token_hash: str, key_id: int, now: str, expires_at: str) -> None:
        with self._transaction() as db:
            db.execute("DELETE FROM session WHERE expires_at < ?", (now,))
            db.execute("INSERT INTO session (token_hash, key_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
                       (token_hash, key_id, now, expires_at))

    def session_key(self, token: str) -> ApiKey | None:
        rows = self._rows(
            f"SELECT {_KEY_COLUMNS} FROM session s JOIN api_key k ON k.id = s.key_id "
            "WHERE s.token_hash = ? AND s.expires_at > ? AND k.revoked_at IS NULL",
            (hash_secret(token), iso(utc_now())))
        return _key(rows[0]) if rows else None

    def end_session(self, token: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM session WHERE token_hash = ?", (hash_secret(token),))

    # ----- audit ------------------------------------------------------------------------
    def audit(self, key_name: str, action: str, ids: Iterable[Any], detail: Any = None) -> None:
        with self._transaction() as db:
            self._audit(db, key_name, action, ids, detail)

    @staticmethod
    def _audit(db: sqlite3.Connection, key_name: str, action: str, ids: Iterable[Any], detail: Any) -> None:
        db.execute("INSERT INTO audit (at, key_name, action, ids, detail) VALUES (?, ?, ?, ?, ?)",
                   (iso(utc_now()), key_name, action, *audit_json(ids, detail)))

    def audit_entries(self, *, limit: int = 100, before: int | None = None, since: str | None = None,
                      key_name: str | None = None, action: str | None = None) -> list[dict[str, Any]]:
        where, params = ["1 = 1"], []
        for condition, value in (("id < ?", before), ("at >= ?", since), ("key_name = ?", key_name),
                                 ("action = ?", action)):
            if value is not None:
                where.append(condition)
                params.append(value)
        rows = self._rows(f"SELECT id, at, key_name, action, ids, detail FROM audit WHERE {' AND '.join(where)} "
                          "ORDER BY id DESC LIMIT ?", (*params, limit))
        return [audit_entry(dict(zip(("id", "at", "key_name", "action", "ids", "detail"), r))) for r in rows]

    # ----- webhooks ---------------------------------------------------------------------
    def _insert_webhook(self, webhook_id: str, url: str, events: tuple[str, ...], secret: str, key: ApiKey,
                        now: str) -> None:
        with self._transaction() as db:
            db.execute("INSERT INTO webhook (id, url, events, secret, key_id, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                       (webhook_id, url, json.dumps(events), secret, key.id, now))
            self._audit(db, key.name, "webhook.create", [webhook_id], {"url": url, "events": list(events)})

    def delete_webhook(self, webhook_id: str, key: ApiKey) -> None:
        with self._transaction() as db:
            db.execute("UPDATE webhook SET deleted_at = ? WHERE id = ?", (iso(utc_now()), webhook_id))
            db.execute("UPDATE delivery SET status = 'cancelled', finished_at = ?, next_attempt_at = NULL "
                       "WHERE webhook_id = ? AND status = 'pending'", (iso(utc_now()), webhook_id))
            self._audit(db, key.name, "webhook.delete", [webhook_id], None)

    def _subscriptions(self, where: str, params: Any) -> list[Subscription]:
        rows = self._rows(
            f"SELECT w.id, w.url, w.events, w.secret, w.created_at, {_KEY_COLUMNS} FROM webhook w "
            f"JOIN api_key k ON k.id = w.key_id WHERE w.deleted_at IS NULL AND {where} ORDER BY w.created_at, w.id",
            params)
        return [Subscription(id=r[0], url=r[1], events=tuple(json.loads(r[2])), secret=r[3], created_at=r[4],
                             key=_key(r[5:])) for r in rows]

    def webhook(self, webhook_id: str) -> Subscription | None:
        found = self._subscriptions("w.id = ?", (webhook_id,))
        return found[0] if found else None

    def webhooks(self, *, key: ApiKey | None = None) -> list[Subscription]:
        if key is None:
            return self._subscriptions("k.revoked_at IS NULL", ())
        return self._subscriptions("k.revoked_at IS NULL AND k.id = ?", (key.id,))

    # ----- deliveries -------------------------------------------------------------------
    def enqueue(self, webhook_id: str, event: str, body: bytes, delivery_id: str) -> None:
        now = iso(utc_now())
        with self._lock:
            self._db.execute(
                "INSERT INTO delivery (id, webhook_id, event, body, status, next_attempt_at, created_at) "
                "VALUES (?, ?, ?, ?, 'pending', ?, ?)", (delivery_id, webhook_id, event, body, now, now))

    def claim_due_deliveries(self, owner: str, *, lease_seconds: float, limit: int = 20) -> list[Delivery]:
        now = utc_now()
        with self._transaction() as db:  # BEGIN IMMEDIATE: one claimer at a time, across processes
            ids = [r[0] for r in db.execute(
                "SELECT id FROM delivery WHERE status = 'pending' AND next_attempt_at <= ? "
                "AND (claimed_until IS NULL OR claimed_until <= ?) ORDER BY next_attempt_at, id LIMIT ?",
                (iso(now), iso(now), limit))]
            db.executemany("UPDATE delivery SET claimed_by = ?, claimed_until = ? WHERE id = ?",
                           [(owner, iso(now + dt.timedelta(seconds=lease_seconds)), i) for i in ids])
        if not ids:
            return []
        marks = ", ".join("?" * len(ids))
        return self._deliveries(f"id IN ({marks}) ORDER BY next_attempt_at, id", ids)

    def seconds_to_next_delivery(self) -> float | None:
        rows = self._rows("SELECT min(max(next_attempt_at, coalesce(claimed_until, ''))) FROM delivery "
                          "WHERE status = 'pending'")
        if not rows or rows[0][0] is None:
            return None
        return max(0.0, (dt.datetime.fromisoformat(rows[0][0]) - utc_now()).total_seconds())

    def _record_attempt(self, delivery_id: str, attempt: int, at: str, status_code: int | None,
                        error: str | None, *, status: str, next_attempt_at: str | None,
                        finished_at: str | None) -> None:
        with self._transaction() as db:
            db.execute("INSERT INTO delivery_attempt (delivery_id, attempt, at, status_code, error) "
                       "VALUES (?, ?, ?, ?, ?)", (delivery_id, attempt, at, status_code, error))
            db.execute("UPDATE delivery SET status = ?, attempts = ?, last_status_code = ?, last_error = ?, "
                       "next_attempt_at = ?, finished_at = ?, claimed_by = NULL, claimed_until = NULL "
                       "WHERE id = ? AND status = 'pending'",
                       (status, attempt, status_code, error, next_attempt_at, finished_at, delivery_id))

    def deliveries(self, webhook_id: str, *, limit: int = 100) -> list[Delivery]:
        return self._deliveries("webhook_id = ? ORDER BY created_at DESC, id LIMIT ?", (webhook_id, limit))

    def delivery_attempts(self, delivery_id: str) -> list[dict[str, Any]]:
        rows = self._rows("SELECT attempt, at, status_code, error FROM delivery_attempt WHERE delivery_id = ? "
                          "ORDER BY attempt", (delivery_id,))
        return [{"attempt": r[0], "at": r[1], "status_code": r[2], "error": r[3]} for r in rows]

    def _deliveries(self, where: str, params: Any) -> list[Delivery]:
        rows = self._rows(f"SELECT {_DELIVERY_COLUMNS} FROM delivery WHERE {where}", params)
        return [Delivery(r[0], r[1], r[2], bytes(r[3]), *r[4:]) for r in rows]
