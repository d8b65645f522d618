"""The API state in the Neo4j database of the graph: every ``powermap serve`` on that
database shares the keys, the sessions, one audit log and one delivery queue.

Nodes (labels apart from the graph's, which the graph store never reads)::

    (:ApiKey {id, name, secret_hash, scope, pii, accounts, created_at, revoked_at,
              last_used_at, active_name})        active_name: the name while not revoked
    (:ApiSession {token_hash, key_id, created_at, expires_at})
    (:ApiAudit {id, at, key_name, action, ids, detail})
    (:ApiWebhook {id, url, events, secret, key_id, created_at, deleted_at})
    (:ApiDelivery {id, webhook_id, event, body, status, attempts, …, claimed_by, claimed_until})
    (:ApiDeliveryAttempt {delivery_id, attempt, at, status_code, error})
    (:ApiSequence {name, value})                  the ids of keys and audit entries
    (:ApiServerSecret {name, value})              the ETag secret, one for every server

What must be atomic across servers is made so by the database, not by a process's lock:
one active key per name (a uniqueness constraint on ``active_name``, which a revoked key
no longer has), one sequence of ids (``SET s.value = s.value + 1`` locks before it reads),
one claimer per delivery (each candidate is write-locked, then checked again, in the
claiming transaction). Values travel only as parameters; labels are fixed here.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import neo4j
from neo4j import RoutingControl
from neo4j import exceptions as neo4j_errors

from api.state import (ApiKey, ApiState, Delivery, KeyExists, KeyNotFound, Subscription, audit_entry, audit_json,
                       hash_secret, iso, parse_key, utc_now)
from graph.exceptions import StoreUnavailable
from graph.neo4j_store import run_schema_statement, stopped_database

__all__ = ["Neo4jApiState", "LABELS", "STATEMENTS"]

#: every label of the API state
LABELS = ("ApiKey", "ApiSession", "ApiAudit", "ApiWebhook", "ApiDelivery", "ApiDeliveryAttempt", "ApiSequence",
          "ApiServerSecret")

_KEY = "k {.id, .name, .scope, .pii, .accounts, .created_at, .revoked_at, .last_used_at}"
_DELIVERY = ("d {.id, .webhook_id, .event, .body, .status, .attempts, .last_status_code, .last_error, "
             ".next_attempt_at, .created_at, .finished_at}")

STATEMENTS: dict[str, str] = {
    **{f"schema.{name}": f"CREATE CONSTRAINT powermap_api_{name} IF NOT EXISTS FOR (n:{label}) "
                         f"REQUIRE n.{prop} IS UNIQUE"
       for name, label, prop in (("key_id", "ApiKey", "id"), ("key_active_name", "ApiKey", "active_name"),
                                 ("session", "ApiSession", "token_hash"), ("audit", "ApiAudit", "id"),
                                 ("webhook", "ApiWebhook", "id"), ("delivery", "ApiDelivery", "id"),
                                 ("sequence", "ApiSequence", "name"), ("server_secret", "ApiServerSecret", "name"))},
    "schema.delivery_webhook": "CREATE INDEX powermap_api_delivery_webhook IF NOT EXISTS "
                               "FOR (n:ApiDelivery) ON (n.webhook_id)",
    "schema.delivery_status": "CREATE INDEX powermap_api_delivery_status IF NOT EXISTS "
                              "FOR (n:ApiDelivery) ON (n.status)",
    "schema.attempt": "CREATE INDEX powermap_api_attempt IF NOT EXISTS FOR (n:ApiDeliveryAttempt) ON (n.delivery_id)",
    "schema.await": "CALL db.awaitIndexes(300)",
    "next_id": "MERGE (s:ApiSequence {name: $name}) ON CREATE SET s.value = 0 "
               "SET s.value = s.value + 1 RETURN s.value AS value",
    # MERGE on a unique property: servers starting together agree on one secret
    "server_secret": "MERGE (s:ApiServerSecret {name: $name}) ON CREATE SET s.value = $value RETURN s.value AS value",
    # a write that changes nothing (the /healthz probe): SET commits even the same value
    "server_secret.touch": "MATCH (s:ApiServerSecret {name: $secret}) SET s.value = s.value",
    "key.insert": "CREATE (k:ApiKey {id: $id, name: $name, active_name: $name, secret_hash: $secret_hash, "
                  "scope: $scope, pii: $pii, accounts: $accounts, created_at: $now})",
    "key.revoke": "MATCH (k:ApiKey {active_name: $name}) SET k.revoked_at = $now REMOVE k.active_name "
                  "WITH k OPTIONAL MATCH (s:ApiSession {key_id: k.id}) DETACH DELETE s "
                  "RETURN count(DISTINCT k) AS revoked",
    "key.list": f"MATCH (k:ApiKey) WHERE $all OR k.revoked_at IS NULL RETURN {_KEY} AS k ORDER BY k.id",
    "key.by_id": f"MATCH (k:ApiKey {{id: $id}}) RETURN {_KEY} AS k",
    "key.active": f"MATCH (k:ApiKey) WHERE k.revoked_at IS NULL RETURN {_KEY} AS k, k.secret_hash AS secret_hash",
    "key.touch": "MATCH (k:ApiKey {id: $id}) SET k.last_used_at = $minute",
    "session.insert": "OPTIONAL MATCH (old:ApiSession) WHERE old.expires_at < $now DETACH DELETE old "
                      "WITH count(*) AS dropped "
                      "CREATE (:ApiSession {token_hash: $token_hash, key_id: $key_id, created_at: $now, "
                      "expires_at: $expires_at})",
    "session.key": f"MATCH (s:ApiSession {{token_hash: $token_hash}}) WHERE s.expires_at > $now "
                   f"MATCH (k:ApiKey {{id: s.key_id}}) WHERE k.revoked_at IS NULL RETURN {_KEY} AS k",
    "session.end": "MATCH (s:ApiSession {token_hash: $token_hash}) DETACH DELETE s",
    "audit.insert": "CREATE (:ApiAudit {id: $id, at: $at, key_name: $key_name, action: $action, ids: $ids, "
                    "detail: $detail})",
    "audit.list": "MATCH (a:ApiAudit) WHERE ($before IS NULL OR a.id < $before) AND ($since IS NULL OR a.at >= $since) "
                  "AND ($key_name IS NULL OR a.key_name = $key_name) AND ($action IS NULL OR a.action = $action) "
                  "RETURN a {.id, .at, .key_name, .action, .ids, .detail} AS a ORDER BY a.id DESC LIMIT $limit",
    "webhook.insert": "CREATE (:ApiWebhook {id: $id, url: $url, events: $events, secret: $secret, key_id: $key_id, "
                      "created_at: $now})",
    "webhook.delete": "MATCH (w:ApiWebhook {id: $id}) SET w.deleted_at = $now "
                      "WITH w OPTIONAL MATCH (d:ApiDelivery {webhook_id: w.id}) WHERE d.status = 'pending' "
                      "SET d.status = 'cancelled', d.finished_at = $now, d.next_attempt_at = null",
    "webhook.list": f"MATCH (w:ApiWebhook) WHERE w.deleted_at IS NULL AND ($id IS NULL OR w.id = $id) "
                    f"MATCH (k:ApiKey {{id: w.key_id}}) "
                    f"WHERE ($active_keys = false OR k.revoked_at IS NULL) AND ($key_id IS NULL OR k.id = $key_id) "
                    f"RETURN w {{.id, .url, .events, .secret, .created_at}} AS w, {_KEY} AS k "
                    f"ORDER BY w.created_at, w.id",
    "delivery.insert": "CREATE (:ApiDelivery {id: $id, webhook_id: $webhook_id, event: $event, body: $body, "
                       "status: 'pending', attempts: 0, next_attempt_at: $now, created_at: $now})",
    "delivery.due": "MATCH (d:ApiDelivery {status: 'pending'}) WHERE d.next_attempt_at <= $now "
                    "AND (d.claimed_until IS NULL OR d.claimed_until <= $now) "
                    "RETURN d.id AS id ORDER BY d.next_attempt_at, d.id LIMIT $limit",
    # the lock first (SET), then the check, in a statement of its own: what is read after the
    # lock is what the last claimer committed, so two servers never both claim one delivery
    "delivery.claim": f"UNWIND $ids AS id MATCH (d:ApiDelivery {{id: id}}) "
                      f"SET d.claim_lock = true REMOVE d.claim_lock "
                      f"WITH d WHERE d.status = 'pending' AND d.next_attempt_at <= $now "
                      f"AND (d.claimed_until IS NULL OR d.claimed_until <= $now) "
                      f"SET d.claimed_by = $owner, d.claimed_until = $until "
                      f"RETURN {_DELIVERY} AS d ORDER BY d.next_attempt_at, d.id",
    "delivery.next": "MATCH (d:ApiDelivery {status: 'pending'}) "
                     "RETURN min(CASE WHEN d.claimed_until > d.next_attempt_at THEN d.claimed_until "
                     "ELSE d.next_attempt_at END) AS next",
    "delivery.record": "CREATE (:ApiDeliveryAttempt {delivery_id: $id, attempt: $attempt, at: $at, "
                       "status_code: $status_code, error: $error}) "
                       "WITH 1 AS one MATCH (d:ApiDelivery {id: $id}) WHERE d.status = 'pending' "
                       "SET d.status = $status, d.attempts = $attempt, d.last_status_code = $status_code, "
                       "d.last_error = $error, d.next_attempt_at = $next_attempt_at, d.finished_at = $finished_at, "
                       "d.claimed_by = null, d.claimed_until = null",
    "delivery.list": f"MATCH (d:ApiDelivery {{webhook_id: $webhook_id}}) RETURN {_DELIVERY} AS d "
                     f"ORDER BY d.created_at DESC, d.id LIMIT $limit",
    "attempt.list": "MATCH (a:ApiDeliveryAttempt {delivery_id: $id}) "
                    "RETURN a {.attempt, .at, .status_code, .error} AS a ORDER BY a.attempt",
    "ping": "RETURN 1 AS one",
    "clear": "MATCH (n) WHERE " + " OR ".join(f"n:{label}" for label in LABELS) + " DETACH DELETE n",
}


class Neo4jApiState(ApiState):
    """The API state in a Neo4j database (the graph's), through the process's driver.

    Parameters
    ----------
    driver : neo4j.Driver
        Created by the composition root and borrowed (not closed here).
    database : str, optional
        The database (the graph's); the server's default when None.
    address : str
        How error messages name the server.
    setup_schema : bool
        Create the constraints and indexes (idempotent) first.
    """

    def __init__(self, driver: neo4j.Driver, *, database: str | None = None, address: str = "the Neo4j server",
                 setup_schema: bool = True):
        self._driver = driver
        self.database = database
        self.address = address
        if setup_schema:
            with self._errors():
                for name in STATEMENTS:
                    if name.startswith("schema."):
                        run_schema_statement(driver, STATEMENTS[name], database=database)
        else:
            self.ping()
        self.etag_secret = bytes.fromhex(self._write(
            lambda tx: tx.run(STATEMENTS["server_secret"], name="etag",
                              value=secrets.token_hex(32)).single(strict=True)["value"]))

    def close(self) -> None:
        """Nothing to release: the driver belongs to the composition root."""

    def ping(self) -> None:
        self._read("ping")

    def clear(self) -> None:
        """Delete the whole API state (tests and the benchmark; not part of the port)."""
        self._run("clear")

    # ----- keys -------------------------------------------------------------------------
    def _insert_key(self, name: str, secret_hash: str, scope: str, pii: bool, accounts: list[str] | None,
                    now: str, *, by: str, detail: dict[str, Any]) -> ApiKey:
        def work(tx: neo4j.ManagedTransaction) -> int:
            key_id = _next_id(tx, "key")
            tx.run(STATEMENTS["key.insert"], id=key_id, name=name, secret_hash=secret_hash, scope=scope, pii=pii,
                   accounts=accounts, now=now).consume()
            _audit(tx, by, "key.create", [name], detail)
            return key_id

        try:
            key_id = self._write(work)
        except neo4j_errors.ConstraintError as err:
            raise KeyExists(f"a key named {name!r} exists; revoke it first (powermap keys revoke {name})") from err
        key = self.key_by_id(key_id)
        assert key is not None
        return key

    def revoke_key(self, name: str, *, by: str = "cli") -> None:
        def work(tx: neo4j.ManagedTransaction) -> None:
            revoked = tx.run(STATEMENTS["key.revoke"], name=name, now=iso(utc_now())).single(strict=True)["revoked"]
            if not revoked:
                raise KeyNotFound(f"no active key named {name!r}")
            _audit(tx, by, "key.revoke", [name], None)

        self._write(work)

    def list_keys(self, *, include_revoked: bool = False) -> list[ApiKey]:
        return [parse_key(r["k"]) for r in self._read("key.list", all=include_revoked)]

    def key_by_id(self, key_id: int) -> ApiKey | None:
        rows = self._read("key.by_id", id=key_id)
        return parse_key(rows[0]["k"]) if rows else None

    def _active_keys_with_hashes(self) -> list[tuple[ApiKey, str]]:
        return [(parse_key(r["k"]), r["secret_hash"]) for r in self._read("key.active")]

    def _set_last_used(self, key_id: int, minute: str) -> None:
        with self._write_failures("record a key's last use"):
            self._run("key.touch", id=key_id, minute=minute)

    def probe_write(self) -> None:
        with self._write_failures("write"):
            self._run("server_secret.touch", secret="etag")

    # ----- browser sessions -------------------------------------------------------------
    def _insert_session(self, token_hash: str, key_id: int, now: str, expires_at: str) -> None:
        self._run("session.insert", token_hash=token_hash, key_id=key_id, now=now, expires_at=expires_at)

    def session_key(self, token: str) -> ApiKey | None:
        rows = self._read("session.key", token_hash=hash_secret(token), now=iso(utc_now()))
        return parse_key(rows[0]["k"]) if rows else None

    def end_session(self, token: str) -> None:
        self._run("session.end", token_hash=hash_secret(token))

    # ----- audit ------------------------------------------------------------------------
    def audit(self, key_name: str, action: str, ids: Iterable[Any], detail: Any = None) -> None:
        ids = list(ids)
        self._write(lambda tx: _audit(tx, key_name, action, ids, detail))

    def audit_entries(self, *, limit: int = 100, before: int | None = None, since: str | None = None,
                      key_name: str | None = None, action: str | None = None) -> list[dict[str, Any]]:
        rows = self._read("audit.list", limit=limit, before=before, since=since, key_name=key_name, action=action)
        return [audit_entry(r["a"]) for r in rows]

    # ----- webhooks ---------------------------------------------------------------------
    def _insert_webhook(self, webhook_id: str, url: str, events: tuple[str, ...], secret: str, key: ApiKey,
                        now: str) -> None:
        def work(tx: neo4j.ManagedTransaction) -> None:
            tx.run(STATEMENTS["webhook.insert"], id=webhook_id, url=url, events=list(events), secret=secret,
                   key_id=key.id, now=now).consume()
            _audit(tx, key.name, "webhook.create", [webhook_id], {"url": url, "events": list(events)})

        self._write(work)

    def delete_webhook(self, webhook_id: str, key: ApiKey) -> None:
        def work(tx: neo4j.ManagedTransaction) -> None:
            tx.run(STATEMENTS["webhook.delete"], id=webhook_id, now=iso(utc_now())).consume()
            _audit(tx, key.name, "webhook.delete", [webhook_id], None)

        self._write(work)

    def _subscriptions(self, *, webhook_id: str | None = None, key_id: int | None = None,
                       active_keys: bool = True) -> list[Subscription]:
        rows = self._read("webhook.list", id=webhook_id, key_id=key_id, active_keys=active_keys)
        return [Subscription(id=r["w"]["id"], url=r["w"]["url"], events=tuple(r["w"]["events"]),
                             secret=r["w"]["secret"], created_at=r["w"]["created_at"], key=parse_key(r["k"]))
                for r in rows]

    def webhook(self, webhook_id: str) -> Subscription | None:
        found = self._subscriptions(webhook_id=webhook_id, active_keys=False)
        return found[0] if found else None

    def webhooks(self, *, key: ApiKey | None = None) -> list[Subscription]:
        return self._subscriptions(key_id=key.id if key is not None else None)

    # ----- deliveries -------------------------------------------------------------------
    def enqueue(self, webhook_id: str, event: str, body: bytes, delivery_id: str) -> None:
        self._run("delivery.insert", id=delivery_id, webhook_id=webhook_id, event=event, body=body,
                  now=iso(utc_now()))

    def claim_due_deliveries(self, owner: str, *, lease_seconds: float, limit: int = 20) -> list[Delivery]:
        def work(tx: neo4j.ManagedTransaction) -> list[Delivery]:
            now = utc_now()
            due = [r["id"] for r in tx.run(STATEMENTS["delivery.due"], now=iso(now), limit=limit)]
            if not due:
                return []
            rows = tx.run(STATEMENTS["delivery.claim"], ids=sorted(due), now=iso(now), owner=owner,
                          until=iso(now + dt.timedelta(seconds=lease_seconds)))
            return [_delivery(r["d"]) for r in rows]

        return self._write(work)

    def seconds_to_next_delivery(self) -> float | None:
        found = self._read("delivery.next")[0]["next"]
        if found is None:
            return None
        return max(0.0, (dt.datetime.fromisoformat(found) - utc_now()).total_seconds())

    def _record_attempt(self, delivery_id: str, attempt: int, at: str, status_code: int | None,
                        error: str | None, *, status: str, next_attempt_at: str | None,
                        finished_at: str | None) -> None:
        self._run("delivery.record", id=delivery_id, attempt=attempt, at=at, status_code=status_code, error=error,
                  status=status, next_attempt_at=next_attempt_at, finished_at=finished_at)

    def deliveries(self, webhook_id: str, *, limit: int = 100) -> list[Delivery]:
        return [_delivery(r["d"]) for r in self._read("delivery.list", webhook_id=webhook_id, limit=limit)]

    def delivery_attempts(self, delivery_id: str) -> list[dict[str, Any]]:
        return [dict(r["a"]) for r in self._read("attempt.list", id=delivery_id)]

    # ----- helpers ----------------------------------------------------------------------
    def _read(self, name: str, **params: Any) -> list[neo4j.Record]:
        with self._errors():
            return self._driver.execute_query(STATEMENTS[name], params, routing_=RoutingControl.READ,
                                              database_=self.database).records

    def _run(self, name: str, **params: Any) -> None:
        with self._errors():
            self._driver.execute_query(STATEMENTS[name], params, routing_=RoutingControl.WRITE,
                                       database_=self.database)

    def _write(self, work):
        with self._errors():
            with self._driver.session(database=self.database,
                                      bookmark_manager=self._driver.execute_query_bookmark_manager) as session:
                return session.execute_write(work)

    @contextmanager
    def _write_failures(self, what: str) -> Iterator[None]:
        """Any refusal of a write (a full disk, a read-only database, a lock timeout) as
        StoreUnavailable, for the callers that must tell it from a bug."""
        try:
            yield
        except (neo4j_errors.Neo4jError, neo4j_errors.DriverError) as err:
            stopped = (stopped_database(self._driver, self.database, self.address, err)
                       if isinstance(err, neo4j_errors.Neo4jError) else None)
            raise stopped or StoreUnavailable(f"the API state: Neo4j at {self.address} could not {what}: {err}") \
                from err

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except neo4j_errors.AuthError as err:
            raise StoreUnavailable(f"the API state: Neo4j at {self.address} refused the user name or password "
                                   "(check NEO4J_USER and NEO4J_PASSWORD)") from err
        except (neo4j_errors.ServiceUnavailable, neo4j_errors.SessionExpired) as err:
            raise StoreUnavailable(f"the API state: cannot reach Neo4j at {self.address}") from err
        except neo4j_errors.Neo4jError as err:  # a database Neo4j stopped (a full disk …)
            stopped = stopped_database(self._driver, self.database, self.address, err)
            if stopped is not None:
                raise stopped from err
            raise


def _next_id(tx: neo4j.ManagedTransaction, name: str) -> int:
    return tx.run(STATEMENTS["next_id"], name=name).single(strict=True)["value"]


def _audit(tx: neo4j.ManagedTransaction, key_name: str, action: str, ids: Iterable[Any], detail: Any) -> None:
    ids_json, detail_json = audit_json(ids, detail)
    tx.run(STATEMENTS["audit.insert"], id=_next_id(tx, "audit"), at=iso(utc_now()), key_name=key_name,
           action=action, ids=ids_json, detail=detail_json).consume()


def _delivery(row: dict[str, Any]) -> Delivery:
    return Delivery(row["id"], row["webhook_id"], row["event"], bytes(row["body"]), row["status"], row["attempts"],
                    row["last_status_code"], row["last_error"], row["next_attempt_at"], row["created_at"],
                    row["finished_at"])
