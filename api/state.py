"""The API's own state in a small SQLite file beside the store: API keys (hashes only),
browser sessions, the audit log, webhook subscriptions and their deliveries.

The graph store port is for the graph; everything here is about who may call the API
and what it did. One connection guarded by a lock (the server's threads share it); WAL
mode, so ``powermap keys create`` can add a key while ``powermap serve`` runs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graph.exceptions import PowermapError, StoreUnavailable

__all__ = ["ApiState", "ApiKey", "Subscription", "Delivery", "SCOPES", "KeyExists", "KeyNotFound",
           "hash_secret", "utc_now"]

#: Scopes in increasing order of power: each includes the ones before it.
SCOPES = ("read", "write", "admin")
_SECRET_PREFIX = "pm_"

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
    last_error TEXT, next_attempt_at TEXT, created_at TEXT NOT NULL, finished_at TEXT);
CREATE INDEX IF NOT EXISTS delivery_due ON delivery(status, next_attempt_at);
CREATE INDEX IF NOT EXISTS delivery_webhook ON delivery(webhook_id, created_at);
CREATE TABLE IF NOT EXISTS delivery_attempt (
    delivery_id TEXT NOT NULL, attempt INTEGER NOT NULL, at TEXT NOT NULL, status_code INTEGER,
    error TEXT, PRIMARY KEY (delivery_id, attempt));
"""


class KeyExists(PowermapError):
    exit_code = 2


class KeyNotFound(PowermapError):
    exit_code = 2


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).isoformat(timespec="microseconds")


def hash_secret(secret: str) -> str:
    """The stored form of a key or session token: SHA-256 (the secrets are 256-bit random)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ApiKey:
    """A key as stored (never its secret)."""

    id: int
    name: str
    scope: str
    pii: bool
    accounts: tuple[str, ...] | None
    created_at: str
    revoked_at: str | None = None
    last_used_at: str | None = None

    def allows(self, scope: str) -> bool:
        return SCOPES.index(self.scope) >= SCOPES.index(scope)

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "scope": self.scope, "pii": self.pii,
                "accounts": list(self.accounts) if self.accounts is not None else None,
                "created_at": self.created_at, "revoked_at": self.revoked_at,
                "last_used_at": self.last_used_at}


@dataclass(frozen=True)
class Subscription:
    id: str
    url: str
    events: tuple[str, ...]
    secret: str
    key: ApiKey
    created_at: str


@dataclass(frozen=True)
class Delivery:
    id: str
    webhook_id: str
    event: str
    body: bytes
    status: str
    attempts: int
    last_status_code: int | None
    last_error: str | None
    next_attempt_at: str | None
    created_at: str
    finished_at: str | None

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "webhook_id": self.webhook_id, "event": self.event, "status": self.status,
                "attempts": self.attempts, "last_status_code": self.last_status_code,
                "last_error": self.last_error, "next_attempt_at": self.next_attempt_at,
                "created_at": self.created_at, "finished_at": self.finished_at}


_KEY_COLUMNS = "k.id, k.name, k.scope, k.pii, k.accounts, k.created_at, k.revoked_at, k.last_used_at"


def _key(row: tuple) -> ApiKey:
    return ApiKey(id=row[0], name=row[1], scope=row[2], pii=bool(row[3]),
                  accounts=tuple(json.loads(row[4])) if row[4] is not None else None,
                  created_at=row[5], revoked_at=row[6], last_used_at=row[7])


class ApiState:
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
        except sqlite3.DatabaseError as err:
            raise StoreUnavailable(f"cannot open the API state {self.path}: {err}") from err
        self._lock = threading.RLock()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> ApiState:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _rows(self, sql: str, params: Any = ()) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    def ping(self) -> None:
        self._rows("SELECT 1")

    # ----- keys -------------------------------------------------------------------------
    def create_key(self, name: str, scope: str, *, pii: bool = False,
                   accounts: Iterable[str] | None = None, by: str = "cli") -> tuple[ApiKey, str]:
        """A new key and its secret (shown once; only its hash is kept)."""
        if scope not in SCOPES:
            raise ValueError(f"scope must be one of {', '.join(SCOPES)}")
        if not name.strip():
            raise ValueError("a key needs a name")
        secret = _SECRET_PREFIX + secrets.token_urlsafe(32)
        accounts_json = json.dumps(sorted(set(accounts))) if accounts is not None else None
        now = _iso(utc_now())
        with self._transaction() as db:
            if db.execute("SELECT 1 FROM api_key WHERE name = ? AND revoked_at IS NULL", (name,)).fetchone():
                raise KeyExists(f"a key named {name!r} exists; revoke it first (powermap keys revoke {name})")
            cursor = db.execute(
                "INSERT INTO api_key (name, secret_hash, scope, pii, accounts, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?)", (name, hash_secret(secret), scope, int(pii), accounts_json, now))
            key_id = cursor.lastrowid
            self._audit(db, by, "key.create", [name], {"scope": scope, "pii": pii,
                                                       "accounts": json.loads(accounts_json or "null")})
        key = self.key_by_id(key_id)
        assert key is not None
        return key, secret

    def revoke_key(self, name: str, *, by: str = "cli") -> None:
        now = _iso(utc_now())
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

    def authenticate(self, secret: str) -> ApiKey | None:
        """The active key whose secret this is, or None.

        The presented secret is hashed and compared with every active key's hash in
        constant time (no early exit), so timing tells nothing about stored hashes.
        """
        presented = hash_secret(secret).encode()
        found = None
        for row in self._rows(f"SELECT {_KEY_COLUMNS}, k.secret_hash FROM api_key k WHERE k.revoked_at IS NULL"):
            if hmac.compare_digest(row[8].encode(), presented):
                found = row
        if found is None:
            return None
        key = _key(found[:8])
        self._touch(key)
        return key

    def _touch(self, key: ApiKey) -> None:
        # last use to the minute: one write per key per minute, not one per request
        now = _iso(utc_now())[:16]
        if key.last_used_at is not None and key.last_used_at[:16] >= now:
            return
        with self._lock:
            self._db.execute("UPDATE api_key SET last_used_at = ? WHERE id = ?", (now, key.id))

    # ----- browser sessions -------------------------------------------------------------
    def create_session(self, key: ApiKey, *, hours: float) -> str:
        token = secrets.token_urlsafe(32)
        now = utc_now()
        with self._transaction() as db:
            db.execute("DELETE FROM session WHERE expires_at < ?", (_iso(now),))
            db.execute("INSERT INTO session (token_hash, key_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
                       (hash_secret(token), key.id, _iso(now), _iso(now + dt.timedelta(hours=hours))))
        return token

    def session_key(self, token: str) -> ApiKey | None:
        rows = self._rows(
            f"SELECT {_KEY_COLUMNS} FROM session s JOIN api_key k ON k.id = s.key_id "
            "WHERE s.token_hash = ? AND s.expires_at > ? AND k.revoked_at IS NULL",
            (hash_secret(token), _iso(utc_now())))
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
                   (_iso(utc_now()), key_name, action, json.dumps(list(ids), ensure_ascii=False),
                    json.dumps(detail, ensure_ascii=False) if detail is not None else None))

    def audit_entries(self, *, limit: int = 100, before: int | None = None, since: str | None = None,
                      key_name: str | None = None, action: str | None = None) -> list[dict[str, Any]]:
        """Audit entries, newest first; ``before`` is the ``id`` of the last entry of the previous page."""
        where, params = ["1 = 1"], []
        if before is not None:
            where.append("id < ?")
            params.append(before)
        if since is not None:
            where.append("at >= ?")
            params.append(since)
        if key_name is not None:
            where.append("key_name = ?")
            params.append(key_name)
        if action is not None:
            where.append("action = ?")
            params.append(action)
        rows = self._rows(f"SELECT id, at, key_name, action, ids, detail FROM audit WHERE {' AND '.join(where)} "
                          "ORDER BY id DESC LIMIT ?", (*params, limit))
        return [{"id": r[0], "at": r[1], "key": r[2], "action": r[3], "ids": json.loads(r[4]),
                 "detail": json.loads(r[5]) if r[5] is not None else None} for r in rows]

    # ----- webhooks ---------------------------------------------------------------------
    def create_webhook(self, url: str, events: Iterable[str], key: ApiKey, *, secret: str | None = None) -> Subscription:
        webhook_id = "wh_" + secrets.token_hex(8)
        secret = secret or "whsec_" + secrets.token_urlsafe(32)
        events = tuple(sorted(set(events)))
        with self._transaction() as db:
            db.execute("INSERT INTO webhook (id, url, events, secret, key_id, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                       (webhook_id, url, json.dumps(events), secret, key.id, _iso(utc_now())))
            self._audit(db, key.name, "webhook.create", [webhook_id], {"url": url, "events": list(events)})
        found = self.webhook(webhook_id)
        assert found is not None
        return found

    def delete_webhook(self, webhook_id: str, key: ApiKey) -> None:
        with self._transaction() as db:
            db.execute("UPDATE webhook SET deleted_at = ? WHERE id = ?", (_iso(utc_now()), webhook_id))
            db.execute("UPDATE delivery SET status = 'cancelled', finished_at = ?, next_attempt_at = NULL "
                       "WHERE webhook_id = ? AND status = 'pending'", (_iso(utc_now()), webhook_id))
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
        """Active subscriptions (of one key, or all), whose key is not revoked."""
        if key is None:
            return self._subscriptions("k.revoked_at IS NULL", ())
        return self._subscriptions("k.revoked_at IS NULL AND k.id = ?", (key.id,))

    def wanted(self, events: Iterable[str]) -> bool:
        """Whether any active subscription wants one of ``events``."""
        wanted = set(events)
        return any(wanted & set(s.events) for s in self.webhooks())

    # ----- deliveries -------------------------------------------------------------------
    def enqueue(self, webhook_id: str, event: str, body: bytes, delivery_id: str) -> None:
        now = _iso(utc_now())
        with self._lock:
            self._db.execute(
                "INSERT INTO delivery (id, webhook_id, event, body, status, next_attempt_at, created_at) "
                "VALUES (?, ?, ?, ?, 'pending', ?, ?)", (delivery_id, webhook_id, event, body, now, now))

    def due_deliveries(self, *, limit: int = 20) -> list[Delivery]:
        return self._deliveries("status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?",
                                (_iso(utc_now()), limit))

    def seconds_to_next_delivery(self) -> float | None:
        rows = self._rows("SELECT min(next_attempt_at) FROM delivery WHERE status = 'pending'")
        if not rows or rows[0][0] is None:
            return None
        return max(0.0, (dt.datetime.fromisoformat(rows[0][0]) - utc_now()).total_seconds())

    def record_attempt(self, delivery: Delivery, *, status_code: int | None, error: str | None,
                       delivered: bool, retry_in: float | None) -> None:
        """Record one attempt; ``retry_in`` None means give up (status ``failed``)."""
        now = utc_now()
        attempt = delivery.attempts + 1
        if delivered:
            status, next_at, finished = "delivered", None, _iso(now)
        elif retry_in is None:
            status, next_at, finished = "failed", None, _iso(now)
        else:
            status, next_at, finished = "pending", _iso(now + dt.timedelta(seconds=retry_in)), None
        with self._transaction() as db:
            db.execute("INSERT INTO delivery_attempt (delivery_id, attempt, at, status_code, error) "
                       "VALUES (?, ?, ?, ?, ?)", (delivery.id, attempt, _iso(now), status_code, error))
            db.execute("UPDATE delivery SET status = ?, attempts = ?, last_status_code = ?, last_error = ?, "
                       "next_attempt_at = ?, finished_at = ? WHERE id = ? AND status = 'pending'",
                       (status, attempt, status_code, error, next_at, finished, delivery.id))

    def deliveries(self, webhook_id: str, *, limit: int = 100) -> list[Delivery]:
        return self._deliveries("webhook_id = ? ORDER BY created_at DESC, id LIMIT ?", (webhook_id, limit))

    def delivery_attempts(self, delivery_id: str) -> list[dict[str, Any]]:
        rows = self._rows("SELECT attempt, at, status_code, error FROM delivery_attempt WHERE delivery_id = ? "
                          "ORDER BY attempt", (delivery_id,))
        return [{"attempt": r[0], "at": r[1], "status_code": r[2], "error": r[3]} for r in rows]

    def _deliveries(self, where: str, params: Any) -> list[Delivery]:
        rows = self._rows("SELECT id, webhook_id, event, body, status, attempts, last_status_code, last_error, "
                          f"next_attempt_at, created_at, finished_at FROM delivery WHERE {where}", params)
        return [Delivery(r[0], r[1], r[2], bytes(r[3]), *r[4:]) for r in rows]
