"""Writes by a key restricted to accounts stay inside its accounts.

Before an import or ``PUT`` from such a key is validated, every row is checked: records
it writes must lie in the key's accounts (or be new accounts under them), and every id
it refers to must be visible to it. A row that breaks this is refused with the same
words whether the outside record exists or not ("… is not within this key's
accounts"), and only these problems are reported, so nothing outside is revealed.

A key without ``--pii`` supplies no personal fields (:func:`withhold_personal`).

Columns an import does not supply are not written (see ``Batch.provided``). Links the
key cannot see are kept as stored: a blank (or unchanged) ``parent_id`` of an
account whose parent lies outside, ``reports_to`` of a contact whose manager lies
outside, and a team member's accounts outside are left as they were — so reading a
record and writing it back changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from api.visibility import PERSONAL, View
from graph.exceptions import ImportProblem, ImportRejected
from graph.model import parse_id_list
from graph.vocabulary import parse_text
from importers.tabular import RawTable

__all__ = ["enforce_scope", "withhold_personal"]

_NOUN = {"accounts": "account", "departments": "department", "contacts": "contact", "team": "team member",
         "opportunities": "opportunity", "plans": "plan action"}


def _text(value: Any) -> str | None:
    try:
        return parse_text(value)
    except (TypeError, ValueError):
        return None


def _blank(value: Any) -> bool:
    if isinstance(value, str):
        return not value.strip()
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def withhold_personal(tables: list[RawTable], view: View) -> None:
    """For a key without ``--pii``: personal fields are not supplied (kept as stored).

    A personal column whose cells are all empty is dropped from its table, so the write
    leaves the stored values as they are (a read-modify-write by such a key, which never
    saw them, changes nothing); a value in one is refused, since the key may not set what
    it cannot read.

    Raises
    ------
    ImportRejected
        Listing every personal value such a key sent; nothing is written.
    """
    if view.principal.pii:
        return
    problems: list[ImportProblem] = []
    for raw in tables:
        personal = [c for c in raw.frame.columns if c in PERSONAL.get(raw.table, ())]
        for column in personal:
            for i, value in enumerate(raw.frame[column]):
                if not _blank(value):
                    problems.append(ImportProblem(raw.file, raw.rows[i], raw.headers.get(column, column),
                                                  f"{column} is personal data: this key (without --pii) "
                                                  "may not write it; leave it out"))
        if personal:
            raw.frame = raw.frame.drop(columns=personal)
    if problems:
        raise ImportRejected(problems)


def enforce_scope(tables: list[RawTable], view: View) -> None:
    """Check (and where links are kept, adjust) raw tables written by a restricted key.

    Raises
    ------
    ImportRejected
        Listing every row that reaches outside the key's accounts; nothing is written.
    """
    principal = view.principal
    if not principal.restricted:
        return
    store = view.store
    visible = principal.visible or frozenset()
    roots = set(principal.key.accounts or ())
    problems: list[ImportProblem] = []
    by_table: dict[str, list[RawTable]] = {}
    for raw in tables:
        by_table.setdefault(raw.table, []).append(raw)

    def rows(table: str):
        for raw in by_table.get(table, ()):
            for i in range(len(raw.frame)):
                yield raw, i

    def value(raw: RawTable, i: int, column: str) -> Any:
        return raw.frame.iat[i, raw.frame.columns.get_loc(column)] if column in raw.frame.columns else None

    def put(raw: RawTable, i: int, column: str, new: Any) -> None:
        # a column the source did not supply is not written at all: nothing to keep then
        if column in raw.frame.columns:
            raw.frame.iat[i, raw.frame.columns.get_loc(column)] = new

    def refuse(raw: RawTable, i: int, column: str, table: str, record_id: str) -> None:
        problems.append(ImportProblem(raw.file, raw.rows[i], raw.headers.get(column, column),
                                      f"{_NOUN[table]} {record_id!r} is not within this key's accounts"))

    # accounts: which ids are (or will be) inside the key's accounts
    imported_parent: dict[str, str | None] = {}
    for raw, i in rows("accounts"):
        account_id = _text(value(raw, i, "id"))
        if account_id:
            imported_parent[account_id] = _text(value(raw, i, "parent_id"))
    existing = store.existing_ids("accounts", imported_parent) if imported_parent else set()
    stored_parent = store.parents("accounts", existing) if existing else {}
    inside = set(visible)
    grew = True
    while grew:
        grew = False
        for account_id, parent in imported_parent.items():
            if account_id not in existing and account_id not in inside and parent in inside:
                inside.add(account_id)
                grew = True

    for raw, i in rows("accounts"):
        account_id = _text(value(raw, i, "id"))
        if not account_id:
            continue
        if account_id not in inside:
            # answered alike whether the account exists outside or not at all: on parent_id
            # naming a parent that is not inside, else on id naming the account
            parent = _text(value(raw, i, "parent_id"))
            if parent is not None and parent not in inside:
                refuse(raw, i, "parent_id", "accounts", parent)
            else:
                refuse(raw, i, "id", "accounts", account_id)
            continue
        if account_id not in existing or "parent_id" not in raw.frame.columns:
            continue  # new under the key's accounts, or its parent is not being changed
        parent, old = _text(value(raw, i, "parent_id")), stored_parent.get(account_id)
        if parent == old or parent in inside:
            continue
        if parent is None and old is not None and old not in visible:
            put(raw, i, "parent_id", old)  # keep the link the key cannot see
        elif parent is None and account_id in roots:
            continue
        else:
            refuse(raw, i, "parent_id", "accounts", parent or account_id)

    imported_contact_account: dict[str, str | None] = {}
    for raw, i in rows("contacts"):
        contact_id = _text(value(raw, i, "id"))
        if contact_id:
            imported_contact_account[contact_id] = _text(value(raw, i, "account_id"))

    def contact_ok(contact_id: str | None) -> bool:
        if contact_id in imported_contact_account:
            return imported_contact_account[contact_id] in inside
        return view.sees_contact(contact_id)

    imported_department_account: dict[str, str | None] = {}
    for raw, i in rows("departments"):
        department_id = _text(value(raw, i, "id"))
        if department_id:
            imported_department_account[department_id] = _text(value(raw, i, "account_id"))

    def department_ok(department_id: str) -> bool:
        """Visible, or new in this import under the key's accounts; an outside department
        is answered exactly like an unknown one."""
        if department_id in imported_department_account:
            return imported_department_account[department_id] in inside
        stored = store.get("departments", department_id)
        return stored is not None and view.sees_account(stored.account_id)

    def owned_ok(table: str, getter: Callable[[str], Any]) -> None:
        imported = {}
        for raw, i in rows(table):
            record_id = _text(value(raw, i, "id"))
            if record_id:
                imported[record_id] = _text(value(raw, i, "account_id"))
        for raw, i in rows(table):
            record_id, account_id = _text(value(raw, i, "id")), _text(value(raw, i, "account_id"))
            if not record_id:
                continue
            stored = getter(record_id)
            # the account named first, then the record itself: a row naming an account outside,
            # or a new record naming none, is answered alike whether its id is taken outside or free
            if account_id is not None and account_id not in inside:
                refuse(raw, i, "account_id", "accounts", account_id)
            elif (stored is not None and not view.sees_account(stored.account_id)) or (
                    stored is None and account_id is None):
                refuse(raw, i, "id", table, record_id)
            elif table == "contacts":
                manager, old = _text(value(raw, i, "reports_to")), stored.reports_to if stored else None
                if manager is None or manager == old:
                    if manager is None and old is not None and not view.sees_contact(old):
                        put(raw, i, "reports_to", old)
                elif not contact_ok(manager):
                    refuse(raw, i, "reports_to", "contacts", manager)
                department = _text(value(raw, i, "department_id"))
                if department is not None and not department_ok(department):
                    refuse(raw, i, "department_id", "departments", department)
            elif table == "departments":
                parent = _text(value(raw, i, "parent_id"))
                if parent is not None and parent not in imported:
                    department = store.get("departments", parent)
                    if department is None or not view.sees_account(department.account_id):
                        refuse(raw, i, "parent_id", "departments", parent)
        return None

    owned_ok("departments", lambda d: store.get("departments", d))
    owned_ok("contacts", lambda c: store.get("contacts", c))
    owned_ok("opportunities", lambda o: store.get("opportunities", o))
    owned_ok("plans", lambda p: store.get("plans", p))

    imported_team: set[str] = set()
    for raw, i in rows("team"):
        team_id = _text(value(raw, i, "id"))
        if not team_id:
            continue
        imported_team.add(team_id)
        try:
            given = parse_id_list(value(raw, i, "accounts"))
        except (TypeError, ValueError):
            continue  # validation reports it
        stored = store.get("team", team_id)
        if stored is not None and not view.sees_team_member(stored.row()):
            refuse(raw, i, "id", "team", team_id)
            continue
        outside = [a for a in sorted(given) if a not in inside]
        for account_id in outside:
            refuse(raw, i, "accounts", "accounts", account_id)
        kept = {a for a in (stored.accounts if stored else ()) if a not in visible}
        if kept and not outside:
            put(raw, i, "accounts", tuple(sorted(set(given) | kept)))

    def team_ok(team_id: str | None) -> bool:
        if team_id in imported_team:
            return True
        stored = store.get("team", team_id) if team_id else None
        return stored is not None and view.sees_team_member(stored.row())

    imported_opportunity_account: dict[str, str | None] = {}
    for raw, i in rows("opportunities"):
        opportunity_id = _text(value(raw, i, "id"))
        if opportunity_id:
            imported_opportunity_account[opportunity_id] = _text(value(raw, i, "account_id"))

    def opportunity_ok(opportunity_id: str | None) -> bool:
        if opportunity_id in imported_opportunity_account:
            return imported_opportunity_account[opportunity_id] in inside
        return opportunity_id is not None and view.sees_account(view.opportunity_account(opportunity_id))

    checks = {
        "relationships": (("team_id", "team", team_ok), ("contact_id", "contacts", contact_ok)),
        "influence": (("source_id", "contacts", contact_ok), ("target_id", "contacts", contact_ok)),
        "opportunity_members": (("opportunity_id", "opportunities", opportunity_ok),
                                ("contact_id", "contacts", contact_ok)),
        "plans": (("contact_id", "contacts", contact_ok), ("owner_id", "team", team_ok),
                  ("closed_by", "team", team_ok), ("opportunity_id", "opportunities", opportunity_ok)),
    }
    for table, columns in checks.items():
        for raw, i in rows(table):
            for column, target, ok in columns:
                record_id = _text(value(raw, i, column))
                if record_id is not None and not ok(record_id):
                    refuse(raw, i, column, target, record_id)

    if problems:
        raise ImportRejected(problems)
