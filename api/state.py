"""The API's own state: API keys (hashes only), browser sessions, the audit log, webhook
subscriptions and their deliveries — who may call the API and what it did. The graph store
port is for the graph; this is the API state's port, with two adapters and one contract
suite (``tests/test_api_state.py``):

- :class:`api.sqlite_state.SqliteApiState` — a small SQLite file beside the embedded store
  (``POWERMAP_API_DB``; WAL, so ``powermap keys create`` can add a key while ``powermap
  serve`` runs, and several servers on one machine can share it);
- :class:`api.neo4j_state.Neo4jApiState` — nodes in the Neo4j database of the graph, so
  every ``powermap serve`` on that database shares one set of keys, sessions, one audit
  log and one delivery queue (how a team scales out).

Every method reads and writes the shared state itself (nothing is cached in a process):
a key revoked through one server is refused by every other at its next request.
Deliveries are *claimed* before they are sent (:meth:`ApiState.claim_due_deliveries`): a
claim is atomic in the state, so one server sends each delivery attempt, however many
poll the queue; a claim lapses after its lease, so a server that dies mid-delivery
leaves the delivery to another.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import secrets
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from graph.exceptions import PowermapError

__all__ = ["ApiState", "ApiKey", "Subscription", "Delivery", "SCOPES", "KeyExists", "KeyNotFound",
           "hash_secret", "utc_now", "iso", "parse_key", "audit_json", "audit_entry"]

log = logging.getLogger("powermap.api")

#: Scopes in increasing order of power: each includes the ones before it.
SCOPES = ("read", "write", "admin")
_SECRET_PREFIX = "pm_"


class KeyExists(PowermapError):
    exit_code = 2


class KeyNotFound(PowermapError):
    exit_code = 2


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def iso(moment: dt.datetime) -> str:
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




def parse_key(row: dict[str, Any]) -> ApiKey:
    """An :class:`ApiKey` from a stored row (``accounts`` as JSON text or a list)."""
    accounts = row["accounts"]
    if isinstance(accounts, str):
        accounts = json.loads(accounts)
    return ApiKey(id=row["id"], name=row["name"], scope=row["scope"], pii=bool(row["pii"]),
                  accounts=tuple(accounts) if accounts is not None else None, created_at=row["created_at"],
                  revoked_at=row["revoked_at"], last_used_at=row["last_used_at"])


class ApiState(ABC):
    """The port: keys, sessions, audit log, webhooks and deliveries, shared by every server
    on the same state. The adapters store rows; the rules (secrets, hashing, constant-time
    comparison, retry outcomes) are here, once."""

    #: The server secret keying ETag digests (HMAC of the stored record): made once per state
    #: and kept in it, so every server on one state answers the same ETag for a record.
    etag_secret: bytes

    def __enter__(self) -> ApiState:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @abstractmethod
    def close(self) -> None:
        """Release the state's resources."""

    @abstractmethod
    def ping(self) -> None:
        """Raise when the state cannot be reached."""

    # ----- keys -------------------------------------------------------------------------
    def create_key(self, name: str, scope: str, *, pii: bool = False,
                   accounts: Iterable[str] | None = None, by: str = "cli") -> tuple[ApiKey, str]:
        """A new key and its secret (shown once; only its hash is kept).

        Raises KeyExists when an active key has this name (checked atomically: two servers
        creating the same name at once make one key)."""
        if scope not in SCOPES:
            raise ValueError(f"scope must be one of {', '.join(SCOPES)}")
        if not name.strip():
            raise ValueError("a key needs a name")
        secret = _SECRET_PREFIX + secrets.token_urlsafe(32)
        account_list = sorted(set(accounts)) if accounts is not None else None
        key = self._insert_key(name, hash_secret(secret), scope, pii, account_list, iso(utc_now()), by=by,
                               detail={"scope": scope, "pii": pii, "accounts": account_list})
        return key, secret

    @abstractmethod
    def _insert_key(self, name: str, secret_hash: str, scope: str, pii: bool, accounts: list[str] | None,
                    now: str, *, by: str, detail: dict[str, Any]) -> ApiKey:
        """Store a key and audit ``key.create`` in one transaction; KeyExists if the name is active."""

    @abstractmethod
    def revoke_key(self, name: str, *, by: str = "cli") -> None:
        """Revoke the active key ``name`` and end its sessions; KeyNotFound when there is none."""

    @abstractmethod
    def list_keys(self, *, include_revoked: bool = False) -> list[ApiKey]:
        """The keys in the order they were made."""

    @abstractmethod
    def key_by_id(self, key_id: int) -> ApiKey | None: ...

    def authenticate(self, secret: str) -> ApiKey | None:
        """The active key whose secret this is, or None.

        The presented secret is hashed and compared with every active key's hash in
        constant time (no early exit), so timing tells nothing about stored hashes.
        """
        presented = hash_secret(secret).encode()
        found = None
        for key, stored in self._active_keys_with_hashes():
            if hmac.compare_digest(stored.encode(), presented):
                found = key
        if found is None:
            return None
        # last use to the minute: one write per key per minute, not one per request
        minute = iso(utc_now())[:16]
        if found.last_used_at is None or found.last_used_at[:16] < minute:
            try:
                self._set_last_used(found.id, minute)
            except PowermapError as err:  # best effort: a full disk must not refuse every request
                log.warning("could not record the last use of key %r: %s", found.name, err)
        return found

    @abstractmethod
    def _active_keys_with_hashes(self) -> list[tuple[ApiKey, str]]: ...

    @abstractmethod
    def _set_last_used(self, key_id: int, minute: str) -> None:
        """Record a key's last use; StoreFull / StoreUnavailable when the state cannot write."""

    @abstractmethod
    def probe_write(self) -> None:
        """Commit a write that changes nothing; StoreFull / StoreUnavailable when it cannot
        (``/healthz``: a server that cannot write its state is not healthy)."""

    # ----- browser sessions -------------------------------------------------------------
    def create_session(self, key: ApiKey, *, hours: float) -> str:
        token = secrets.token_urlsafe(32)
        now = utc_now()
        self._insert_session(hash_secret(token), key.id, iso(now), iso(now + dt.timedelta(hours=hours)))
        return token

    @abstractmethod
    def _insert_session(self, token_hash: str, key_id: int, now: str, expires_at: str) -> None:
        """Store a session (and drop expired ones)."""

    @abstractmethod
    def session_key(self, token: str) -> ApiKey | None:
        """The active key of an unexpired session, or None."""

    @abstractmethod
    def end_session(self, token: str) -> None: ...

    # ----- audit ------------------------------------------------------------------------
    @abstractmethod
    def audit(self, key_name: str, action: str, ids: Iterable[Any], detail: Any = None) -> None:
        """Add an entry; entries of every server share one sequence of ``id``."""

    @abstractmethod
    def audit_entries(self, *, limit: int = 100, before: int | None = None, since: str | None = None,
                      key_name: str | None = None, action: str | None = None) -> list[dict[str, Any]]:
        """Audit entries, newest first; ``before`` is the ``id`` of the last entry of the previous page."""

    # ----- webhooks ---------------------------------------------------------------------
    def create_webhook(self, url: str, events: Iterable[str], key: ApiKey, *,
                       secret: str | None = None) -> Subscription:
        webhook_id = "wh_" + secrets.token_hex(8)
        self._insert_webhook(webhook_id, url, tuple(sorted(set(events))),
                             secret or "whsec_" + secrets.token_urlsafe(32), key, iso(utc_now()))
        found = self.webhook(webhook_id)
        assert found is not None
        return found

    @abstractmethod
    def _insert_webhook(self, webhook_id: str, url: str, events: tuple[str, ...], secret: str, key: ApiKey,
                        now: str) -> None:
        """Store a subscription and audit ``webhook.create`` in one transaction."""

    @abstractmethod
    def delete_webhook(self, webhook_id: str, key: ApiKey) -> None:
        """Delete a subscription, cancel its pending deliveries, audit ``webhook.delete``."""

    @abstractmethod
    def webhook(self, webhook_id: str) -> Subscription | None:
        """An active subscription (whatever its key's state), or None."""

    @abstractmethod
    def webhooks(self, *, key: ApiKey | None = None) -> list[Subscription]:
        """Active subscriptions (of one key, or all), whose key is not revoked, oldest first."""

    def wanted(self, events: Iterable[str]) -> bool:
        """Whether any active subscription wants one of ``events``."""
        wanted = set(events)
        return any(wanted & set(s.events) for s in self.webhooks())

    # ----- deliveries -------------------------------------------------------------------
    @abstractmethod
    def enqueue(self, webhook_id: str, event: str, body: bytes, delivery_id: str) -> None:
        """Queue one delivery, due now."""

    @abstractmethod
    def claim_due_deliveries(self, owner: str, *, lease_seconds: float, limit: int = 20) -> list[Delivery]:
        """Claim up to ``limit`` due deliveries for ``owner`` for ``lease_seconds``, atomically:
        a delivery claimed by one owner is not returned to another until its attempt is
        recorded or the lease runs out (its owner died)."""

    @abstractmethod
    def seconds_to_next_delivery(self) -> float | None:
        """When the next pending delivery may be claimed (0: now), None when none is pending."""

    def record_attempt(self, delivery: Delivery, *, status_code: int | None, error: str | None,
                       delivered: bool, retry_in: float | None) -> None:
        """Record one attempt and release the claim; ``retry_in`` None means give up
        (status ``failed``). A delivery cancelled meanwhile stays cancelled."""
        now = utc_now()
        if delivered:
            status, next_at, finished = "delivered", None, iso(now)
        elif retry_in is None:
            status, next_at, finished = "failed", None, iso(now)
        else:
            status, next_at, finished = "pending", iso(now + dt.timedelta(seconds=retry_in)), None
        self._record_attempt(delivery.id, delivery.attempts + 1, iso(now), status_code, error,
                             status=status, next_attempt_at=next_at, finished_at=finished)

    @abstractmethod
    def _record_attempt(self, delivery_id: str, attempt: int, at: str, status_code: int | None,
                        error: str | None, *, status: str, next_attempt_at: str | None,
                        finished_at: str | None) -> None: ...

    @abstractmethod
    def deliveries(self, webhook_id: str, *, limit: int = 100) -> list[Delivery]:
        """A subscription's deliveries, newest first."""

    @abstractmethod
    def delivery_attempts(self, delivery_id: str) -> list[dict[str, Any]]:
        """``attempt``, ``at``, ``status_code``, ``error`` of each attempt, first first."""


def audit_json(ids: Iterable[Any], detail: Any) -> tuple[str, str | None]:
    """The stored form of an audit entry's ids and detail (JSON text)."""
    return (json.dumps(list(ids), ensure_ascii=False),
            json.dumps(detail, ensure_ascii=False) if detail is not None else None)


def audit_entry(row: dict[str, Any]) -> dict[str, Any]:
    """An audit entry as the API answers it, from a stored row."""
    return {"id": row["id"], "at": row["at"], "key": row["key_name"], "action": row["action"],
            "ids": json.loads(row["ids"]), "detail": json.loads(row["detail"]) if row["detail"] is not None else None}
