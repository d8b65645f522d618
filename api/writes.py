"""Every write of the API goes through :class:`Writes`: check the key's reach, validate
exactly like an import, write in one transaction, audit, raise events.

Writes are serialised — one at a time per server, and across servers and CLI imports on
the same store by the store's write lock (:meth:`GraphStore.exclusive_writes`) — so that
the key's reach, validation against the store and the write that follows see the same data.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterable, Mapping
from contextlib import nullcontext
from typing import Any

import pandas as pd

from api.events import Change, Event, EventBus
from api.scope import enforce_scope, withhold_personal
from api.security import Principal
from api.state import ApiState
from api.visibility import View, record_account
from graph.batch import Batch
from graph.exceptions import ImportProblem, ImportRejected
from graph.model import TABLES
from graph.store import GraphStore
from importers import ImportReport, keep_stored_only, rows_in, stoppable, tables_from_frames
from importers.tabular import RawTable, canonical_column
from importers.validate import validate

__all__ = ["Writes", "frames_from_records", "raw_tables_from_records", "touched_accounts", "AUDIT_ID_LIMIT"]

#: An audit entry lists at most this many ids (an import of a whole portfolio says how many more).
AUDIT_ID_LIMIT = 1000
_LIST_COLUMNS = {("contacts", "roles"), ("team", "accounts")}


class Writes:
    """The API's write path; ``lock`` is the app's one write lock."""

    def __init__(self, store: GraphStore, state: ApiState, bus: EventBus, *, lock: threading.Lock,
                 on_change: Callable[[], None] = lambda: None):
        self.store = store
        self.state = state
        self.bus = bus
        self._lock = lock
        self._on_change = on_change  # e.g. forget cached analyses

    def apply(self, tables: list[RawTable], principal: Principal, *, action: str, dry_run: bool = False,
              warnings: Iterable[str] = (), audit_ids: list[str] | None = None) -> ImportReport:
        """Validate raw tables as the key may write them, then write them atomically.

        Raises ImportRejected (nothing written) with every problem.
        """
        view = View(self.store, principal)
        with self._lock, nullcontext() if dry_run else self.store.exclusive_writes(rows=rows_in(tables)):
            tables, dropped = keep_stored_only(tables, self.store)
            warnings = [*warnings, *dropped]
            withhold_personal(tables, view)
            enforce_scope(tables, view)
            batch = validate(tables, self.store)
            report = ImportReport(rows=batch.counts(), warnings=list(warnings), dry_run=dry_run)
            if dry_run:
                return report
            change = Change(batch=batch, accounts=touched_accounts(self.store, batch))
            raised = self.bus.watch(change)
            report.result = self.store.write(batch, progress=stoppable(None))
            self._on_change()
            events = raised()
        ids = audit_ids if audit_ids is not None else sorted(change.accounts)
        self.state.audit(principal.name, action, ids[:AUDIT_ID_LIMIT],
                         {**report.as_dict(), **({"more_ids": len(ids) - AUDIT_ID_LIMIT}
                                                 if len(ids) > AUDIT_ID_LIMIT else {})})
        if action == "import":
            events.append(_import_completed(report, change.accounts))
        self.bus.publish_all(events)
        return report

    def delete(self, table: str, key: tuple[str, ...], principal: Principal) -> bool:
        """Delete one record the key can see; False when there is none (or it is outside)."""
        view = View(self.store, principal)
        with self._lock, self.store.exclusive_writes():
            record = self.store.get(table, key if len(key) > 1 else key[0])
            if record is None or not view.sees(table, record.row()):
                return False
            row = record.row()
            account = record_account(table, row)
            change = Change(deleted=(table, key), accounts={account} if account else set())
            for column in ("contact_id", "source_id", "target_id"):
                if row.get(column):
                    change.accounts.add(view.contact_account(row[column]))
            if row.get("opportunity_id"):
                change.accounts.add(view.opportunity_account(row["opportunity_id"]))
            change.accounts.discard(None)
            raised = self.bus.watch(change)
            deleted = self.store.delete(table, key if len(key) > 1 else key[0])
            self._on_change()
            events = raised()
        if deleted:
            self.state.audit(principal.name, f"delete {table}", ["/".join(key)], None)
            self.bus.publish_all(events)
        return deleted


def _import_completed(report: ImportReport, accounts: set[str]) -> Event:
    data = {"accounts": sorted(accounts), **report.as_dict()}
    data.pop("warnings", None)
    return Event("import.completed", data, frozenset(accounts),
                 restricted=lambda seen: {"accounts": seen, "dry_run": False})


def frames_from_records(records: Mapping[str, list[Mapping[str, Any]] | None]) -> dict[str, pd.DataFrame]:
    """DataFrames from JSON record lists, refusing values a cell cannot hold.

    A list is accepted where a column holds several values (``roles``, a team member's
    ``accounts``); objects, other lists and non-finite numbers are problems.
    """
    problems: list[ImportProblem] = []
    frames: dict[str, pd.DataFrame] = {}
    for table, rows in records.items():
        if rows is None:
            continue
        clean = []
        for index, row in enumerate(rows):
            out = {}
            for column, value in row.items():
                listy = table in TABLES and (table, canonical_column(table, column)) in _LIST_COLUMNS
                if isinstance(value, list) and listy and all(isinstance(v, (str, int, float)) for v in value):
                    value = tuple(str(v) for v in value)
                elif isinstance(value, (list, dict)):
                    problems.append(ImportProblem(table, index + 2, str(column),
                                                  "expected a single value, not a list or object"))
                    value = None
                elif isinstance(value, float) and not math.isfinite(value):
                    problems.append(ImportProblem(table, index + 2, str(column), "not a finite number"))
                    value = None
                out[column] = value
            clean.append(out)
        if table in TABLES:
            columns = list(dict.fromkeys(c for row in clean for c in row))
            frames[table] = pd.DataFrame(clean, columns=columns, dtype=object)
        else:
            frames[table] = pd.DataFrame()
    if problems:
        raise ImportRejected(problems)
    return frames


def raw_tables_from_records(records: Mapping[str, list[Mapping[str, Any]] | None]) -> list[RawTable]:
    return tables_from_frames(frames_from_records(records))


def touched_accounts(store: GraphStore, batch: Batch) -> set[str]:
    """The accounts whose records a batch writes (directly, or through edges of their contacts)."""
    accounts: set[str] = set()
    frames = batch.tables
    if "accounts" in frames:
        accounts |= set(frames["accounts"]["id"])
    for table in ("departments", "contacts", "opportunities", "plans"):
        if table in frames:
            accounts |= set(frames[table]["account_id"].dropna())
    if "team" in frames:
        for value in frames["team"]["accounts"]:
            accounts |= set(value or ())
    contact_account = dict(zip(frames["contacts"]["id"], frames["contacts"]["account_id"])) \
        if "contacts" in frames else {}
    opportunity_account = dict(zip(frames["opportunities"]["id"], frames["opportunities"]["account_id"])) \
        if "opportunities" in frames else {}

    def of_contact(contact_id: str) -> str | None:
        if contact_id not in contact_account:
            record = store.get("contacts", contact_id)
            contact_account[contact_id] = record.account_id if record else None
        return contact_account[contact_id]

    def of_opportunity(opportunity_id: str) -> str | None:
        if opportunity_id not in opportunity_account:
            record = store.get("opportunities", opportunity_id)
            opportunity_account[opportunity_id] = record.account_id if record else None
        return opportunity_account[opportunity_id]

    for table, columns in (("relationships", ("contact_id",)), ("influence", ("source_id", "target_id")),
                           ("opportunity_members", ("contact_id",))):
        if table in frames:
            for column in columns:
                accounts |= {a for a in map(of_contact, set(frames[table][column])) if a}
    if "opportunity_members" in frames:
        accounts |= {a for a in map(of_opportunity, set(frames["opportunity_members"]["opportunity_id"])) if a}
    return {a for a in accounts if a}
