"""Events and webhooks: what changed, who subscribed, and signed, retried delivery.

Events
------
``import.completed``  a bulk import (``POST /import``) was applied
``stance.changed``    a stored contact's stance changed (import or ``PUT``)
``gap.opened``        a gap appeared in an account's findings   (raised by the gap analysis)
``gap.closed``        a gap disappeared                          (raised by the gap analysis)

Raising an event: ``bus.publish(event, data, accounts=[...])`` (the bus is the
``BusDep`` dependency, or ``app.state.bus``). ``accounts`` says which accounts the event
is about: a subscription made with an account-restricted key only receives events about
its accounts (and their descendants). ``data`` must not hold personal fields.

Events raised *by writes* come from watchers: each write (import, ``PUT``, ``DELETE``)
calls every watcher's :meth:`Watcher.before` with the :class:`Change` it is about to
make, writes, then calls :meth:`Watcher.after`, which returns the events to publish.
:class:`StanceWatcher` is one; a gap watcher (gaps of the touched accounts before and
after → ``gap.opened``/``gap.closed``) is another. Watchers only run when some active
subscription wants one of their events.

Delivery
--------
Each event is queued per subscription in the API state (durable: pending deliveries
survive a restart) and POSTed by a background thread as JSON::

    {"id": "dl_…", "event": "stance.changed", "created_at": "…", "data": {…}}

with ``X-Powermap-Event``, ``X-Powermap-Delivery`` and ``X-Powermap-Signature:
sha256=<hex HMAC-SHA256 of the raw body with the subscription's secret>``. A 2xx answer
is success; anything else (or no answer) is retried after ``backoff · 2^(n-1)`` seconds,
up to ``webhook_attempts`` attempts; every attempt is recorded.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import os
import secrets
import socket
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx

from api.state import ApiState, Subscription, utc_now
from graph.batch import Batch
from graph.store import GraphStore

__all__ = ["EVENTS", "Event", "Change", "Watcher", "StanceWatcher", "EventBus", "Dispatcher", "sign",
           "SIGNATURE_HEADER", "EVENT_HEADER", "DELIVERY_HEADER"]

log = logging.getLogger("powermap.api.webhooks")

EVENTS = ("gap.opened", "gap.closed", "stance.changed", "import.completed")
SIGNATURE_HEADER = "X-Powermap-Signature"
EVENT_HEADER = "X-Powermap-Event"
DELIVERY_HEADER = "X-Powermap-Delivery"


def sign(secret: str, body: bytes) -> str:
    """The signature header's value: ``sha256=`` and the hex HMAC-SHA256 of ``body``.

    >>> sign("s3cret", b'{"event":"x"}')
    'sha256=474d9c54253f9ebd95cf3904ce830fcb6bbd65180b2530ca40371a177bb6e02b'
    """
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Event:
    """An event to publish: its name, its data and the accounts it is about."""

    name: str
    data: Mapping[str, Any]
    accounts: frozenset[str] = frozenset()
    #: what a subscriber restricted to some accounts receives instead of ``data``
    #: (given the ids of the event's accounts it may see); default: ``data``
    restricted: Callable[[list[str]], Mapping[str, Any]] | None = None


@dataclass
class Change:
    """A write about to happen: a validated batch, or one deleted record, and the
    accounts it touches (ids of accounts whose records it writes or deletes)."""

    batch: Batch | None = None
    deleted: tuple[str, tuple[str, ...]] | None = None
    accounts: set[str] = field(default_factory=set)


class Watcher(Protocol):
    """Turns a write into events by looking at the store before and after it."""

    events: tuple[str, ...]

    def before(self, store: GraphStore, change: Change) -> Any: ...

    def after(self, store: GraphStore, change: Change, before: Any) -> Iterable[Event]: ...


class StanceWatcher:
    """``stance.changed`` for every stored contact whose stance a write changes."""

    events = ("stance.changed",)

    def before(self, store: GraphStore, change: Change) -> dict[str, Any]:
        if change.batch is None or not change.batch.count("contacts"):
            return {}
        stances = {}
        for contact_id in change.batch.tables["contacts"]["id"]:
            record = store.get("contacts", contact_id)
            if record is not None:
                stances[contact_id] = record.stance
        return stances

    def after(self, store: GraphStore, change: Change, before: dict[str, Any]) -> Iterable[Event]:
        for contact_id, old in before.items():
            record = store.get("contacts", contact_id)
            if record is None or record.stance == old:
                continue
            yield Event("stance.changed", {
                "contact_id": record.id, "name": record.name, "account_id": record.account_id,
                "from": old, "to": record.stance,
            }, frozenset({record.account_id}))


class GapWatcher:
    """``gap.opened`` / ``gap.closed``: the gap report of every top-level account a write
    touches, before and after it; a gap is the same gap when its stable key is."""

    events = ("gap.opened", "gap.closed")

    def before(self, store: GraphStore, change: Change) -> dict[str, dict[str, Any]]:
        return {top: self._gaps(store, top) for top in self._tops(store, change)}

    def after(self, store: GraphStore, change: Change, before: dict[str, dict[str, Any]]) -> Iterable[Event]:
        for top, old in before.items():
            new = self._gaps(store, top)
            for name, keys, side in (("gap.opened", new.keys() - old.keys(), new),
                                     ("gap.closed", old.keys() - new.keys(), old)):
                for key in sorted(keys):
                    gap, places = side[key]
                    yield Event(name, {"account": top, **gap}, frozenset(places))

    @staticmethod
    def _tops(store: GraphStore, change: Change) -> set[str]:
        from graph.analysis.reports import top_account

        accounts = set(change.accounts)
        if change.batch is not None and change.batch.count("accounts"):
            accounts |= set(change.batch.tables["accounts"]["id"])
        return {top_account(store, a) for a in accounts if store.existing_ids("accounts", [a])}

    @staticmethod
    def _gaps(store: GraphStore, top: str) -> dict[str, tuple[dict[str, Any], set[str]]]:
        """gap key → (the gap as JSON, the accounts it concerns: its own and its people's)."""
        from graph.analysis.gaps import find_gaps

        if not store.existing_ids("accounts", [top]):
            return {}
        G = store.account_subgraph(top)
        out = {}
        for gap in find_gaps(G):
            places = set(gap.accounts) | {G.nodes[f"contact:{c}"]["account_id"] for c in gap.contacts
                                          if f"contact:{c}" in G} or {top}
            out[gap.key] = (gap.as_dict(), places)
        return out


class EventBus:
    """Queues events for the subscriptions that want them and may see them."""

    def __init__(self, state: ApiState, store: GraphStore, *, watchers: Iterable[Watcher] = (),
                 wake: Callable[[], None] | None = None):
        self.state = state
        self.store = store
        self.watchers = list(watchers)
        self._wake = wake or (lambda: None)

    def publish(self, event: str, data: Mapping[str, Any], *, accounts: Iterable[str] = (),
                restricted: Callable[[list[str]], Mapping[str, Any]] | None = None) -> int:
        """Queue ``event`` for every subscription that wants it; returns how many."""
        return self.publish_all([Event(event, data, frozenset(accounts), restricted)])

    def publish_all(self, events: Iterable[Event]) -> int:
        events = list(events)
        for e in events:
            if e.name not in EVENTS:
                raise ValueError(f"unknown event {e.name!r} (events: {', '.join(EVENTS)})")
        if not events:
            return 0
        queued = 0
        visible_cache: dict[tuple[str, ...], set[str]] = {}
        for subscription in self.state.webhooks():
            for e in events:
                if e.name not in subscription.events:
                    continue
                data = self._data_for(subscription, e, visible_cache)
                if data is None:
                    continue
                self._enqueue(subscription, e.name, data)
                queued += 1
        if queued:
            self._wake()
        return queued

    def _data_for(self, subscription: Subscription, e: Event,
                  cache: dict[tuple[str, ...], set[str]]) -> Mapping[str, Any] | None:
        accounts = subscription.key.accounts
        if accounts is None:
            return e.data
        if accounts not in cache:
            cache[accounts] = self.store.account_descendants(accounts)
        seen = sorted(a for a in e.accounts if a in cache[accounts])
        if not seen:
            return None
        return e.restricted(seen) if e.restricted else e.data

    def _enqueue(self, subscription: Subscription, event: str, data: Mapping[str, Any]) -> None:
        delivery_id = "dl_" + secrets.token_hex(10)
        body = json.dumps({"id": delivery_id, "event": event,
                           "created_at": utc_now().isoformat(timespec="seconds"), "data": data},
                          ensure_ascii=False, separators=(",", ":"), default=str).encode("utf-8")
        self.state.enqueue(subscription.id, event, body, delivery_id)

    # ----- writes ------------------------------------------------------------------------
    def watching(self) -> list[Watcher]:
        """The watchers some active subscription wants events from."""
        if not self.watchers:
            return []
        wanted = {e for s in self.state.webhooks() for e in s.events}
        return [w for w in self.watchers if wanted & set(w.events)]


def refused_receiver(url: str, *, allow_private: bool = False) -> str | None:
    """Why webhooks may not be sent to ``url``, or None. Unless ``allow_private``, every
    address its host resolves to must be public: a key that may register webhooks must not
    make the server call into its own network (a cloud metadata service at
    169.254.169.254, an admin console on localhost …). Checked at registration and again
    before each delivery, when a name may resolve elsewhere."""
    if allow_private:
        return None
    host = urlsplit(url).hostname
    if not host:
        return "the URL names no host"
    try:
        found = {info[4][0] for info in socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)}
    except (OSError, UnicodeError) as err:
        return f"cannot resolve {host}: {getattr(err, 'strerror', None) or err}"
    for text in sorted(found):
        address = ipaddress.ip_address(text.split("%")[0])
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        if not address.is_global:
            return (f"{host} is {address}, not a public address (POWERMAP_WEBHOOK_ALLOW_PRIVATE=1 allows "
                    "receivers on loopback and private networks)")
    return None


class Dispatcher:
    """A background thread that POSTs queued deliveries, retrying with back-off.

    Every server runs one; they may share one queue (one API state). Each delivery is
    claimed in the state before it is sent, one at a time, for ``lease_seconds`` — longer
    than one attempt can take — so each attempt is made by one server; a server that dies
    mid-attempt leaves the delivery to another when the lease runs out (it may then be
    sent twice: receivers deduplicate on ``X-Powermap-Delivery``)."""

    def __init__(self, state: ApiState, *, attempts: int, backoff: float, max_backoff: float,
                 timeout: float, allow_private: bool = False):
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        #: connect, write and read may each take ``timeout``
        self.lease_seconds = 4 * timeout + 30
        self.allow_private = allow_private
        self.state = state
        self.attempts = attempts
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.timeout = timeout
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="powermap-webhooks", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=self.timeout + 5)

    def _run(self) -> None:
        with httpx.Client(timeout=self.timeout, follow_redirects=False,
                          headers={"User-Agent": "powermap-webhooks"}) as client:
            while not self._stop.is_set():
                self._wake.clear()
                try:
                    while not self._stop.is_set():
                        claimed = self.state.claim_due_deliveries(self.owner, lease_seconds=self.lease_seconds,
                                                                  limit=1)
                        if not claimed:
                            break
                        self.deliver(client, claimed[0])
                    wait = self.state.seconds_to_next_delivery()
                except Exception:  # noqa: BLE001 - keep the thread alive; the error is logged
                    log.exception("webhook dispatcher error")
                    wait = 5.0
                self._wake.wait(timeout=min(wait, 30.0) if wait is not None else 30.0)

    def deliver(self, client: httpx.Client, delivery) -> bool:
        """One attempt at one delivery, recorded; True when the receiver answered 2xx."""
        subscription = self.state.webhook(delivery.webhook_id)
        if subscription is None or subscription.key.revoked_at is not None:
            self.state.record_attempt(delivery, status_code=None, error="subscription deleted or its key revoked",
                                      delivered=False, retry_in=None)
            return False
        refused = refused_receiver(subscription.url, allow_private=self.allow_private)
        if refused is not None:
            self.state.record_attempt(delivery, status_code=None, error=f"not sent: {refused}"[:300],
                                      delivered=False, retry_in=None)
            return False
        headers = {"Content-Type": "application/json", EVENT_HEADER: delivery.event,
                   DELIVERY_HEADER: delivery.id, SIGNATURE_HEADER: sign(subscription.secret, delivery.body)}
        status_code, error = None, None
        try:
            response = client.post(subscription.url, content=delivery.body, headers=headers)
            status_code = response.status_code
            delivered = 200 <= status_code < 300
            if not delivered:
                error = f"HTTP {status_code}"
        except httpx.HTTPError as err:
            delivered = False
            error = f"{type(err).__name__}: {err}"[:300]
        attempt = delivery.attempts + 1
        retry_in = None if delivered or attempt >= self.attempts else \
            min(self.backoff * 2 ** (attempt - 1), self.max_backoff)
        self.state.record_attempt(delivery, status_code=status_code, error=error, delivered=delivered,
                                  retry_in=retry_in)
        return delivered
