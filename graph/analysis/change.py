"""Snapshots and change: freeze the graph each quarter, then ask what changed.

A snapshot is every record of the store, serialised (gzip'd JSON) and kept in the store
under a label. :func:`diff` compares two snapshots — or a snapshot and the live graph
(label ``current``) — and reports stance changes, people who moved, departed and arrived
(:mod:`graph.analysis.people`), new and lost relationships, and per top-level account the change in coach coverage and gaps.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
from typing import Any

import pandas as pd

from graph.analysis.coverage import coach_coverage
from graph.analysis.gaps import find_gaps, gap_counts
from graph.analysis.people import people_changes
from graph.batch import Batch
from graph.model import TABLES
from graph.store import GraphStore

__all__ = ["take_snapshot", "load_snapshot", "snapshot_accounts", "diff", "CURRENT"]

#: The label that stands for the live graph in :func:`diff`.
CURRENT = "current"
_FORMAT = 1
_LIST_COLUMNS = {"contacts": ("roles",), "team": ("accounts",)}


def take_snapshot(store: GraphStore, label: str) -> dict[str, Any]:
    """Freeze the whole graph under ``label`` (an existing label is replaced)."""
    if not label or label == CURRENT:
        raise ValueError(f"a snapshot needs a label other than {CURRENT!r}")
    batch = store.dump()
    created = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    payload = {"format": _FORMAT, "label": label, "created_at": created,
               "tables": {t: {"columns": list(f.columns), "rows": f.astype(object).where(f.notna(), None)
                              .values.tolist()} for t, f in batch.tables.items()}}
    data = gzip.compress(json.dumps(payload, ensure_ascii=False, default=list).encode("utf-8"))
    store.save_snapshot(label, data)
    return {"label": label, "created_at": created, "counts": batch.counts(), "bytes": len(data)}


def load_snapshot(store: GraphStore, label: str) -> tuple[Batch, dt.date]:
    """The records of a snapshot (or of the live graph for ``current``) and its date."""
    if label == CURRENT:
        return store.dump(), dt.date.today()
    payload = json.loads(gzip.decompress(store.load_snapshot(label)))
    tables = {}
    for table, data in payload["tables"].items():
        frame = pd.DataFrame(data["rows"], columns=data["columns"], dtype=object)
        for column in _LIST_COLUMNS.get(table, ()):
            frame[column] = frame[column].map(lambda v: tuple(v) if v is not None else ())
        tables[table] = frame
    return Batch(tables), dt.date.fromisoformat(payload["created_at"][:10])


def snapshot_table(store: GraphStore, label: str, table: str) -> list[dict[str, Any]]:
    """The rows of one table of a snapshot, as dicts of storage values. Raises SnapshotNotFound."""
    data = json.loads(gzip.decompress(store.load_snapshot(label)))["tables"].get(table)
    return [dict(zip(data["columns"], row)) for row in data["rows"]] if data else []


def snapshot_accounts(store: GraphStore, label: str | None = None) -> tuple[str | None, dict[str, dict]]:
    """The accounts table of a snapshot (the latest one when ``label`` is None): its label
    and account id → row (``share_of_wallet``, ``posture``, ``tier`` …); ``(None, {})``
    when there is no snapshot. Raises SnapshotNotFound for an unknown label."""
    if label is None:
        taken = store.list_snapshots()
        if not taken:
            return None, {}
        label = max(taken, key=lambda s: (s["created_at"], s["label"]))["label"]
    table = json.loads(gzip.decompress(store.load_snapshot(label)))["tables"].get("accounts")
    if not table:
        return label, {}
    rows = [dict(zip(table["columns"], row)) for row in table["rows"]]
    return label, {r["id"]: r for r in rows}


def diff(store: GraphStore, old: str, new: str = CURRENT) -> dict[str, Any]:
    """What changed between two snapshots (or a snapshot and ``current``).

    Returns
    -------
    dict
        ``old``, ``new``, ``stance_changes`` (id, name, account_id, old, new),
        ``posture_changes`` (accounts whose share of wallet or entered posture changed:
        id, name, ``share_of_wallet`` and ``posture`` as ``{"old", "new"}``),
        ``moves`` (people whose account, department, title or manager changed — matched
        by id, or by e-mail / name and phone when re-keyed), ``departures`` (removed, or
        marked departed), ``arrivals``, ``ambiguous_matches`` (re-keying matches that
        were not one-to-one: never merged), all as :func:`graph.analysis.people.people_changes`
        gives them; ``new_contacts`` and ``departed_contacts`` (arrivals and departures
        in the brief form of earlier versions), ``names`` (id → name of the accounts,
        departments and managers the moves name), ``new_relationships``,
        ``lost_relationships`` and ``accounts``: per top-level account present in either,
        ``coverage`` and ``gaps`` as ``{"old", "new", "change"}`` with gaps by type —
        ``people_change`` included, each side judged against the snapshot before it:
        ``new``'s moves against ``old`` (the moves listed here), ``old``'s against the
        snapshot taken last before ``old`` (none: its marked departures only).
    """
    from graph.embedded import EmbeddedStore  # a throw-away in-memory store per side

    (old_batch, old_day), (new_batch, new_day) = load_snapshot(store, old), load_snapshot(store, new)
    before, after = _rows(old_batch, "contacts"), _rows(new_batch, "contacts")
    result: dict[str, Any] = {"old": old, "new": new}
    result["stance_changes"] = [
        {"id": c, "name": after[c]["name"], "account_id": after[c]["account_id"],
         "old": before[c]["stance"], "new": after[c]["stance"]}
        for c in sorted(before.keys() & after.keys()) if before[c]["stance"] != after[c]["stance"]]
    accounts_before, accounts_after = _rows(old_batch, "accounts"), _rows(new_batch, "accounts")
    result["posture_changes"] = [
        {"id": a, "name": accounts_after[a]["name"],
         "share_of_wallet": {"old": accounts_before[a].get("share_of_wallet"),
                             "new": accounts_after[a].get("share_of_wallet")},
         "posture": {"old": accounts_before[a].get("posture"), "new": accounts_after[a].get("posture")}}
        for a in sorted(accounts_before.keys() & accounts_after.keys())
        if any(accounts_before[a].get(k) != accounts_after[a].get(k) for k in ("share_of_wallet", "posture"))]
    people = people_changes(before, after)
    result["moves"], result["departures"] = people["moves"], people["departures"]
    result["arrivals"], result["ambiguous_matches"] = people["arrivals"], people["ambiguous"]
    result["names"] = _names(people["moves"], old_batch, new_batch)
    # the earlier names of arrivals and departures, kept for readers of format 1
    result["new_contacts"] = [_brief(after[a["id"]]) for a in people["arrivals"]]
    result["departed_contacts"] = [_brief(before.get(d["id"]) or after[d["id"]]) for d in people["departures"]]
    rel_before = set(_rows(old_batch, "relationships"))
    rel_after = set(_rows(new_batch, "relationships"))
    result["new_relationships"] = [{"team_id": t, "contact_id": c} for t, c in sorted(rel_after - rel_before)]
    result["lost_relationships"] = [{"team_id": t, "contact_id": c} for t, c in sorted(rel_before - rel_after)]
    figures = {}
    # people_change is judged against a baseline snapshot: NEW's against OLD (the moves
    # this diff lists), OLD's against the snapshot taken last before OLD (what the gap
    # report said then); the scratch store holds that one snapshot only
    sides = (("old", old_batch, old_day, _snapshot_before(store, old)), ("new", new_batch, new_day, old))
    for side, batch, day, since in sides:
        with EmbeddedStore(":memory:") as scratch:
            scratch.write(batch)
            if since is not None and since != CURRENT:
                scratch.save_snapshot(since, store.load_snapshot(since))
            for account in scratch.list_accounts():
                if account["parent_id"] is None:
                    G = scratch.account_subgraph(account["id"], people_since=since)
                    figures.setdefault(account["id"], {"id": account["id"], "name": account["name"]})[side] = {
                        "coverage": coach_coverage(G)["coverage"], "gaps": gap_counts(find_gaps(G, today=day))}
    result["accounts"] = [_change(f) for _, f in sorted(figures.items())]
    return result


def _snapshot_before(store: GraphStore, label: str) -> str | None:
    """The snapshot taken last before ``label`` (for ``current``: the latest one), in the
    order the gap report reads "latest" in (created_at, then label); None when none is."""
    order = [(s["created_at"], s["label"]) for s in store.list_snapshots()]
    if label != CURRENT:
        mine = [key for key in order if key[1] == label]
        order = [key for key in order if mine and key < mine[0]]
    return max(order)[1] if order else None


def _rows(batch: Batch, table: str) -> dict:
    frame = batch.tables.get(table)
    if frame is None:
        return {}
    key = TABLES[table].key
    records = frame.astype(object).where(frame.notna(), None).to_dict("records")
    return {tuple(r[k] for k in key) if len(key) > 1 else r[key[0]]: r for r in records}


def _names(moves: list[dict[str, Any]], *batches: Batch) -> dict[str, str]:
    """id → name of the accounts, departments and managers the moves name (either side)."""
    wanted = {m[side][f] for m in moves for side in ("from", "to")
              for f in ("account_id", "department_id", "reports_to") if m[side][f]}
    names: dict[str, str] = {}
    for batch in batches:
        for table in ("accounts", "departments", "contacts"):
            names.update({i: row["name"] for i, row in _rows(batch, table).items() if i in wanted})
    return dict(sorted(names.items()))


def _brief(row: dict) -> dict:
    return {"id": row["id"], "name": row["name"], "account_id": row["account_id"], "title": row.get("title"),
            "stance": row.get("stance")}


def _change(figures: dict) -> dict:
    empty = {"coverage": 0.0, "gaps": {"total": 0, "by_type": {}, "by_severity": {}}}
    old, new = figures.get("old", empty), figures.get("new", empty)
    types = sorted(set(old["gaps"]["by_type"]) | set(new["gaps"]["by_type"]))
    return {
        "id": figures["id"], "name": figures["name"], "present": {"old": "old" in figures, "new": "new" in figures},
        "coverage": {"old": old["coverage"], "new": new["coverage"],
                     "change": round(new["coverage"] - old["coverage"], 4)},
        "gaps": {"old": old["gaps"]["total"], "new": new["gaps"]["total"],
                 "change": new["gaps"]["total"] - old["gaps"]["total"],
                 "by_type": {t: {"old": old["gaps"]["by_type"].get(t, 0), "new": new["gaps"]["by_type"].get(t, 0)}
                             for t in types}},
    }
