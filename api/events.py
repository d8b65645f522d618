"""Events and webhooks: what changed, who subscribed, and signed, retried delivery.

Events
------
``import.completed``  a bulk import (``POST /import``) was applied
``stance.changed``    a stored contact's stance changed (import or ``PUT``)
``gap.opened``        a gap appeared in an account's findings   (raised by the gap analysis)
``gap.closed``        a gap disappeared                          (raised by the gap analysis)
``contact.moved``     a stored contact's account, department, title or manager changed
``contact.departed``  a stored contact was marked departed (a re-imported CRM export that
                      deleted them, a ``status`` of departed) or was deleted

Raising an event: ``bus.publish(event, data, accounts=[...])`` (the bus is the
``BusDep`` dependency, or ``app.state.bus``). ``accounts`` says which accounts the event
is about: a subscription made with an account-restricted key only receives events about
its accounts (and their descendants). ``data`` must not hold personal fields.

Events raised *by writes* come from watchers: each write (import, ``PUT``, ``DELETE``)
calls :meth:`EventBus.watch` with the :class:`Change` it is about to make (every
watcher's :meth:`Watcher.before`), writes, then calls what ``watch`` returned (every
watcher's :meth:`Watcher.after`), which gives the events to publish.
:class:`StanceWatcher` is one; :class:`GapWatcher` (gaps of the touched accounts before
and after → ``gap.opened``/``gap.closed``) is another. Watchers only run when some active
subscription wants one of their events.

An event computed on what one kind of key may see (a gap report is) names its
:class:`Audience`: only subscriptions whose key has exactly that account restriction
receive it. A restricted key's gap events are computed on its own view of its own
accounts, exactly like ``GET /accounts/{id}/gaps`` with that key: they never name an
account, contact or team member the key would get 404 for.

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
from functools import partial
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx

from api.state import ApiKey, ApiState, Subscription, utc_now
from graph.exceptions import StoreUnavailable
from graph.batch import Batch
from graph.store import GraphStore

__all__ = ["EVENTS", "Audience", "Event", "Change", "Watcher", "StanceWatcher", "PeopleWatcher", "GapWatcher",
           "EventBus",
           "Dispatcher", "sign",
           "SIGNATURE_HEADER", "EVENT_HEADER", "DELIVERY_HEADER"]

log = logging.getLogger("powermap.api.webhooks")

EVENTS = ("gap.opened", "gap.closed", "stance.changed", "import.completed", "contact.moved", "contact.departed")
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
class Audience:
    """The subscribers who see the same data: keys with the same account restriction
    (``accounts``: the key's accounts, sorted; None for keys that see every account).
    ``key`` is one such key (not part of the audience's identity)."""

    accounts: tuple[str, ...] | None
    key: ApiKey | None = field(default=None, compare=False, hash=False)

    @classmethod
    def of(cls, key: ApiKey) -> Audience:
        return cls(tuple(sorted(key.accounts)) if key.accounts is not None else None, key)


@dataclass(frozen=True)
class Event:
    """An event to publish: its name, its data and the accounts it is about."""

    name: str
    data: Mapping[str, Any]
    accounts: frozenset[str] = frozenset()
    #: what a subscriber restricted to some accounts receives instead of ``data``
    #: (given the ids of the event's accounts it may see); default: ``data``
    restricted: Callable[[list[str]], Mapping[str, Any]] | None = None
    #: when set, only subscriptions of this audience receive the event (it was computed
    #: on their view), and they receive ``data`` as it is
    audience: Audience | None = None


@dataclass
class Change:
    """A write about to happen: a validated batch, or one deleted record, the accounts it
    touches (ids of accounts whose records it writes or deletes), and the audiences of
    the subscriptions that want events (set by :meth:`EventBus.watch`)."""

    batch: Batch | None = None
    deleted: tuple[str, tuple[str, ...]] | None = None
    accounts: set[str] = field(default_factory=set)
    audiences: Mapping[str, frozenset[Audience]] = field(default_factory=dict)


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


class PeopleWatcher:
    """``contact.moved`` / ``contact.departed`` for stored contacts a write moves (account,
    department, title or manager) or marks departed or deletes. The data names the person
    (id, name, title), never personal fields; a subscriber restricted to accounts sees
    only the side of a move inside its view (the other blanked, ``outside_view`` naming
    it), and a manager only when the manager works in one of the move's two accounts that it
    sees."""

    events = ("contact.moved", "contact.departed")

    def before(self, store: GraphStore, change: Change) -> dict[str, dict[str, Any]]:
        ids: list[str] = []
        if change.batch is not None and change.batch.count("contacts"):
            ids = list(change.batch.tables["contacts"]["id"])
        elif change.deleted is not None and change.deleted[0] == "contacts":
            ids = [change.deleted[1][0]]
        found = {}
        for contact_id in ids:
            record = store.get("contacts", contact_id)
            if record is not None and not record.departed:
                found[contact_id] = record.row()
        return found

    def after(self, store: GraphStore, change: Change, before: dict[str, dict[str, Any]]) -> Iterable[Event]:
        from graph.analysis.people import MOVE_FIELDS

        for contact_id, old in before.items():
            record = store.get("contacts", contact_id)
            if record is None or record.departed:
                how = "removed" if record is None else "marked departed"
                yield Event("contact.departed", {
                    "contact_id": contact_id, "name": old["name"], "account_id": old["account_id"],
                    "title": old.get("title"), "roles": old.get("roles") or [], "how": how,
                }, frozenset({old["account_id"]}))
                continue
            new = record.row()
            changed = [f for f in MOVE_FIELDS if old.get(f) != new.get(f)]
            if not changed:
                continue
            sides = {"from": {f: old.get(f) for f in MOVE_FIELDS}, "to": {f: new.get(f) for f in MOVE_FIELDS}}
            managers = {m: (store.get("contacts", m) or record).account_id
                        for m in {old.get("reports_to"), new.get("reports_to")} if m}
            data = {"contact_id": contact_id, "name": record.name, "changed": changed, **sides,
                    "outside_view": None}
            yield Event("contact.moved", data, frozenset({old["account_id"], new["account_id"]}),
                        restricted=partial(_visible_move, data, managers))


def _visible_move(data: Mapping[str, Any], managers: Mapping[str, str], seen: list[str]) -> dict[str, Any]:
    """A ``contact.moved`` as a subscriber sees it who sees the accounts ``seen`` (ids of
    the event's accounts it may see): :func:`api.visibility.visible_move`."""
    from api.visibility import visible_move

    visible = set(seen)
    return visible_move(data, visible.__contains__, lambda m: managers.get(m) in visible) or {}


class GapWatcher:
    """``gap.opened`` / ``gap.closed``: for each audience, the gap report of every account
    a write touches as that audience sees it, before and after the write; a gap is the
    same gap when its stable key is.

    Keys that see every account get the report of each touched top-level account. A key
    restricted to accounts gets the report of each of its own accounts the write touches,
    computed on its view (:class:`api.visibility.View`), exactly as ``GET
    /accounts/{id}/gaps`` answers it."""

    events = ("gap.opened", "gap.closed")

    def __init__(self, *, cadence_policy: Any = None):
        self.cadence_policy = cadence_policy

    def before(self, store: GraphStore, change: Change) -> dict[tuple[Audience, str], dict[str, Any]]:
        touched = self._touched(change)
        audiences = set().union(*(change.audiences.get(e, ()) for e in self.events))
        return {(audience, root): self._gaps(store, audience, root)
                for audience in sorted(audiences, key=lambda a: a.accounts or ())
                for root in self._roots(store, audience, touched)}

    def after(self, store: GraphStore, change: Change,
              before: dict[tuple[Audience, str], dict[str, Any]]) -> Iterable[Event]:
        for (audience, root), old in before.items():
            new = self._gaps(store, audience, root)
            for name, keys, side in (("gap.opened", new.keys() - old.keys(), new),
                                     ("gap.closed", old.keys() - new.keys(), old)):
                for key in sorted(keys):
                    yield Event(name, {"account": root, **side[key]}, frozenset({root}), audience=audience)

    @staticmethod
    def _touched(change: Change) -> set[str]:
        accounts = set(change.accounts)
        if change.batch is not None and change.batch.count("accounts"):
            accounts |= set(change.batch.tables["accounts"]["id"])
        return accounts

    @staticmethod
    def _roots(store: GraphStore, audience: Audience, touched: set[str]) -> set[str]:
        """The accounts whose reports this audience reads that the write may change."""
        from graph.analysis.reports import top_account

        existing = store.existing_ids("accounts", touched) if touched else set()
        if audience.accounts is None:
            return {top_account(store, a) for a in existing}
        visible = store.account_descendants(audience.accounts)
        roots = set()
        for root in audience.accounts:
            if root in visible and not (store.parents("accounts", [root]).get(root) in visible):
                if store.account_descendants([root]) & existing:
                    roots.add(root)
        return roots

    def _gaps(self, store: GraphStore, audience: Audience, root: str) -> dict[str, dict[str, Any]]:
        """gap key → the gap as JSON, in the report of ``root`` as ``audience`` sees it."""
        from api.security import Principal
        from api.visibility import View
        from graph.analysis.gaps import find_gaps

        if not store.existing_ids("accounts", [root]):
            return {}
        G = store.account_subgraph(root)
        if audience.accounts is not None:
            visible = frozenset(store.account_descendants(audience.accounts))
            G = View(store, Principal(key=audience.key, visible=visible)).graph(G)
        return {gap.key: gap.as_dict() for gap in find_gaps(G, cadence_policy=self.cadence_policy)}


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
        if e.audience is not None:
            return e.data if Audience.of(subscription.key) == e.audience else None
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
    def watch(self, change: Change) -> Callable[[], list[Event]]:
        """Call just before a write: the watchers some active subscription wants events
        from look at the store (for the audiences of those subscriptions); call what this
        returns just after the write for the events it raised."""
        if not self.watchers:
            return list
        subscriptions = self.state.webhooks()
        wanted = {e for s in subscriptions for e in s.events}
        watchers = [w for w in self.watchers if wanted & set(w.events)]
        if not watchers:
            return list
        change.audiences = {e: frozenset(Audience.of(s.key) for s in subscriptions if e in s.events) for e in wanted}
        before = [w.before(self.store, change) for w in watchers]
        return lambda: [e for w, b in zip(watchers, before) for e in w.after(self.store, change, b)]


def refused_receiver(url: str, *, allow_private: bool = False) -> str | None:
    """Why webhooks may not be sent to ``url``, or None (see :func:`receiver_address`);
    with ``allow_private`` any URL with a host may be registered."""
    if allow_private:
        return None if urlsplit(url).hostname else "the URL names no host"
    return receiver_address(url)[1]


def receiver_address(url: str, *, allow_private: bool = False) -> tuple[str | None, str | None]:
    """The address to deliver to ``url`` at, or why not: ``(address, None)`` or ``(None, reason)``.

    Unless ``allow_private``, every address its host resolves to must be public: a key that
    may register webhooks must not make the server call into its own network (a cloud
    metadata service at 169.254.169.254, an admin console on localhost …), nor to a
    multicast group; IPv4 addresses inside IPv6 ones (``::ffff:127.0.0.1``,
    ``::127.0.0.1``, NAT64 ``64:ff9b::7f00:1``, 6to4 ``2002:7f00:1::``, Teredo) are judged
    by the IPv4 address. Checked at registration and before each delivery, and the
    delivery connects to the address checked — the name is resolved once, so it cannot
    resolve elsewhere in between (DNS rebinding)."""
    host = urlsplit(url).hostname
    if not host:
        return None, "the URL names no host"
    try:
        found = sorted({info[4][0] for info in socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)})
    except (OSError, UnicodeError) as err:
        return None, f"cannot resolve {host}: {getattr(err, 'strerror', None) or err}"
    if not found:
        return None, f"cannot resolve {host}"
    if not allow_private:
        for text in found:
            if not _public(ipaddress.ip_address(text.split("%")[0])):
                return None, (f"{host} is {text.split('%')[0]}, not a public address (POWERMAP_WEBHOOK_ALLOW_PRIVATE=1 "
                              "allows receivers on loopback and private networks)")
    return found[0], None


_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")


def _public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        embedded = [address.ipv4_mapped, address.sixtofour, *(address.teredo or ())]
        if int(address) < 2 ** 32 and int(address) > 1:  # IPv4-compatible ::a.b.c.d (deprecated)
            embedded.append(ipaddress.IPv4Address(int(address)))
        if address in _NAT64 or address in _NAT64_LOCAL:
            embedded.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
        if any(v4 is not None and not _public(v4) for v4 in embedded):
            return False
    return address.is_global and not address.is_multicast


def _pinned(url: str, address: str) -> tuple[httpx.URL, dict[str, Any]]:
    """``url`` with its host replaced by the checked ``address``; the Host header and the
    TLS server name (SNI, certificate check) stay the name's."""
    parsed = httpx.URL(url)
    return parsed.copy_with(host=address), {"sni_hostname": parsed.raw_host.decode("ascii")}


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
                except StoreUnavailable as err:  # the state's store is down or full: one line, try again later
                    log.warning("webhook dispatcher: %s", err)
                    wait = 5.0
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
        address, refused = receiver_address(subscription.url, allow_private=self.allow_private)
        if refused is not None:
            self.state.record_attempt(delivery, status_code=None, error=f"not sent: {refused}"[:300],
                                      delivered=False, retry_in=None)
            return False
        headers = {"Content-Type": "application/json", EVENT_HEADER: delivery.event,
                   DELIVERY_HEADER: delivery.id, SIGNATURE_HEADER: sign(subscription.secret, delivery.body)}
        url, extensions = _pinned(subscription.url, address)
        headers["Host"] = httpx.URL(subscription.url).netloc.decode("ascii")
        status_code, error = None, None
        try:
            response = client.post(url, content=delivery.body, headers=headers, extensions=extensions)
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
