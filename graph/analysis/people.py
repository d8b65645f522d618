"""People who move or leave: who moved (account, department, title or manager changed),
who departed and who arrived between two states of the graph, and who of them matters to
an open deal.

Identity
--------
A person is the same person across two states when their contact id is. When an export
re-keys people (a CRM migration, a re-created record), a contact that disappeared and a
contact that appeared are taken for one person who moved when they share an e-mail
address (case and spaces ignored) or, lacking e-mail on either side, the same name and
phone number (digits only). Only a one-to-one match counts: when one side matches
several on the other (two people sharing a switchboard number, a shared mailbox), nothing
is merged — the match is reported under ``ambiguous`` and the people stay a departure
and an arrival. Nothing here ever merges records in a store: it only reports.

Departures are contacts removed from the graph and contacts whose ``status`` became
``departed`` (a re-imported CRM export marks people it deleted that way). A departed
contact stays in the store with its last known account, title and manager, but is no
longer part of any account's decision chain: the account graph leaves it out (so it
counts for no coverage, reach or outcome) and lists it under ``G.graph["people"]``.

The ``people_change`` finding (:mod:`graph.analysis.gaps`) names a decider, coach or
executive sponsor of an open opportunity who departed (per the store), or moved since
the latest snapshot.
"""

from __future__ import annotations

import re
import weakref
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from graph.store import GraphStore

__all__ = ["MOVE_FIELDS", "MOVE_WORDS", "people_changes", "people_inputs", "is_open_stage", "is_executive_sponsor"]

#: What makes a move: a change of any of these between two states of one person.
MOVE_FIELDS = ("account_id", "department_id", "title", "reports_to")
#: Each move field in words.
MOVE_WORDS = {"account_id": "account", "department_id": "department", "title": "title", "reports_to": "manager"}
_CLOSED = re.compile(r"clos|won|lost|赢单|输单|丢单|结束|关闭", re.I)
_SPONSOR = re.compile(r"executive sponsor|sponsor|高层支持|高层发起", re.I)


def is_open_stage(stage: object) -> bool:
    """An opportunity is open unless its stage says closed, won or lost (any language).

    >>> is_open_stage("Negotiation/Review"), is_open_stage("Closed Won"), is_open_stage(None)
    (True, False, True)
    """
    return not (stage and _CLOSED.search(str(stage)))


def is_executive_sponsor(member: dict[str, Any]) -> bool:
    """A decision-unit member whose CRM role says executive sponsor (mapped onto initiator)."""
    return bool(member.get("source_role") and _SPONSOR.search(str(member["source_role"])))


def departed(row: dict[str, Any]) -> bool:
    return str(row.get("status") or "") == "departed"


def people_changes(before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Moves, departures, arrivals and ambiguous matches from contact rows ``before`` to
    ``after`` (id → storage row).

    Returns
    -------
    dict
        ``moves``: id (the new one), ``previous_id`` (differs when re-keyed),
        ``matched_by`` (``id``, ``email`` or ``name+phone``), name, ``changed`` (fields
        of :data:`MOVE_FIELDS`), ``from`` and ``to`` (those fields); ``departures``: id,
        name, account_id, title, roles, stance, ``how`` (``removed`` or ``marked
        departed``); ``arrivals``: id, name, account_id, title, roles, stance;
        ``ambiguous``: ``matched_by`` and the ``departed`` and ``arrived`` people (id,
        name, account_id) that one value matched more than one to one. Personal
        values (the e-mail or phone matched on) never appear.

    Examples
    --------
    >>> old = {"c1": {"id": "c1", "name": "Li", "account_id": "A", "title": "CFO", "email": "li@x.cn"}}
    >>> new = {"k9": {"id": "k9", "name": "Li", "account_id": "B", "title": "CEO", "email": " LI@x.cn"}}
    >>> m = people_changes(old, new)["moves"][0]
    >>> (m["previous_id"], m["id"], m["matched_by"], m["changed"])
    ('c1', 'k9', 'email', ['account_id', 'title'])
    """
    moves, departures = [], []
    for cid in sorted(before.keys() & after.keys()):
        old, new = before[cid], after[cid]
        if departed(new) and not departed(old):
            departures.append({**_brief(old), "how": "marked departed"})
        elif not departed(new) and not departed(old):
            move = _move(old, new, "id")
            if move:
                moves.append(move)
    removed = {c: before[c] for c in sorted(before.keys() - after.keys()) if not departed(before[c])}
    added = {c: after[c] for c in sorted(after.keys() - before.keys()) if not departed(after[c])}
    rekeyed, ambiguous = _rekeyed(removed, added)
    for old_id, new_id, how in rekeyed:
        moves.append(_move(removed[old_id], added[new_id], how, always=True))
    matched_old, matched_new = {r[0] for r in rekeyed}, {r[1] for r in rekeyed}
    departures += [{**_brief(row), "how": "removed"} for c, row in removed.items() if c not in matched_old]
    departures.sort(key=lambda d: d["id"])
    moves.sort(key=lambda m: m["id"])
    return {"moves": moves, "departures": departures,
            "arrivals": [_brief(row) for c, row in added.items() if c not in matched_new],
            "ambiguous": ambiguous}


def _brief(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "name": row.get("name"), "account_id": row.get("account_id"),
            "title": row.get("title"), "roles": sorted(row.get("roles") or ()), "stance": row.get("stance")}


def _who(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "name": row.get("name"), "account_id": row.get("account_id")}


def _move(old: dict[str, Any], new: dict[str, Any], how: str, *, always: bool = False) -> dict[str, Any] | None:
    changed = [f for f in MOVE_FIELDS if (old.get(f) or None) != (new.get(f) or None)]
    if not changed and not always:
        return None
    return {"id": new["id"], "previous_id": old["id"], "matched_by": how, "name": new.get("name"),
            "changed": changed, "from": {f: old.get(f) for f in MOVE_FIELDS},
            "to": {f: new.get(f) for f in MOVE_FIELDS}, "roles": sorted(new.get("roles") or ()),
            "stance": new.get("stance")}


def _email(row: dict[str, Any]) -> str | None:
    text = str(row.get("email") or "").strip().lower()
    return text or None


def _name_phone(row: dict[str, Any]) -> tuple[str, str] | None:
    name = re.sub(r"\s+", "", str(row.get("name") or "")).lower()
    phone = re.sub(r"\D", "", str(row.get("phone") or ""))
    return (name, phone) if name and len(phone) >= 5 else None


def _rekeyed(removed: dict[str, dict], added: dict[str, dict]) -> tuple[list[tuple[str, str, str]], list[dict]]:
    """One-to-one matches of removed to added people by e-mail, then by name and phone for
    those without e-mail on either side; and the matches that were not one-to-one."""
    found, ambiguous, taken_old, taken_new = [], [], set(), set()
    for how, key in (("email", _email), ("name+phone", _name_phone)):
        olds: dict[Any, list[str]] = {}
        news: dict[Any, list[str]] = {}
        for c, row in removed.items():
            if c not in taken_old and key(row) is not None and (how == "email" or _email(row) is None):
                olds.setdefault(key(row), []).append(c)
        for c, row in added.items():
            if c not in taken_new and key(row) is not None and (how == "email" or _email(row) is None):
                news.setdefault(key(row), []).append(c)
        for value in sorted(olds.keys() & news.keys(), key=str):
            o, n = olds[value], news[value]
            if len(o) == 1 and len(n) == 1:
                found.append((o[0], n[0], how))
                taken_old.add(o[0]), taken_new.add(n[0])
            else:
                ambiguous.append({"matched_by": how, "departed": [_who(removed[c]) for c in sorted(o)],
                                  "arrived": [_who(added[c]) for c in sorted(n)]})
    return found, ambiguous


# ----- what an account graph keeps: departed people and moves since the latest snapshot ---------
_BASELINES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _baseline(store: GraphStore, label: str | None = None) -> tuple[str | None, dict[str, dict[str, Any]]]:
    """The label and contacts (id → the move fields, name, status) of snapshot ``label``
    (default: the latest one), read once per snapshot and kept for the store's life."""
    taken = [s for s in store.list_snapshots() if label is None or s["label"] == label]
    if not taken:
        return None, {}
    latest = max(taken, key=lambda s: (s["created_at"], s["label"]))
    key = (latest["label"], latest["created_at"], latest.get("size"))
    cached = _BASELINES.get(store)
    if cached is not None and cached[0] == key:
        return latest["label"], cached[1]
    from graph.analysis.change import snapshot_table

    fields = ("id", "name", "status", *MOVE_FIELDS)
    rows = {r["id"]: {f: r.get(f) for f in fields} for r in snapshot_table(store, latest["label"], "contacts")}
    _BASELINES[store] = (key, rows)
    return latest["label"], rows


def people_inputs(store: GraphStore, rows: dict[str, list[dict[str, Any]]],
                  departed_rows: list[dict[str, Any]], *, since: str | None = None) -> dict[str, Any]:
    """What an account's graph keeps about people who left or moved (``G.graph["people"]``):
    ``departed`` (the contact rows marked departed), ``moved`` (contacts of the account, or
    members of its opportunities, whose account, department, title or manager differ from
    snapshot ``since``), ``since`` (that snapshot's label) and ``members`` (every
    opportunity membership row, the departed and moved-away people's included)."""
    since, baseline = _baseline(store, since)
    moved = []
    if baseline:
        present = {c["id"]: c for c in rows["contacts"]}
        absent = {m["contact_id"] for m in rows["opportunity_members"]} - present.keys() \
            - {d["id"] for d in departed_rows}
        for cid in sorted(absent):
            record = store.get("contacts", cid)
            if record is not None:
                present[cid] = record.row()
        for cid, now in sorted(present.items()):
            old = baseline.get(cid)
            if old is not None and not departed(old):
                move = _move(old, now, "id")
                if move:
                    moved.append(move)
    kept = ("id", "name", "account_id", "department_id", "title", "reports_to", "roles", "stance", "status")
    return {"since": since, "departed": [{k: r.get(k) for k in kept} for r in departed_rows],  # no personal field
            "moved": moved, "members": rows["opportunity_members"]}
