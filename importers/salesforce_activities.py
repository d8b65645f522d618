"""Salesforce activities as interactions: ``Task.csv``, ``Event.csv`` and ``EventRelation.csv``.

A completed task or an event becomes an interaction: ``WhoId`` (a contact; leads are
skipped) and, for events, the contacts and users of ``EventRelation.csv`` are the
participants; ``OwnerId`` is our participant when they are a team member; ``AccountId``
(else the contact's account) is the account; ``ActivityDate``/``ActivityDateTime``
(events: ``StartDateTime`` too) the date and time; ``Subject``, and ``Description`` as
notes. The type comes from ``TaskSubtype`` (Email, Call) or ``Type`` (Call, Email,
Meeting, 拜访 …; events default to meeting, tasks to other). A logged e-mail task was
sent by its owner. Deleted rows, open tasks and activities without a known account are
skipped and counted in the warnings.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from graph.model import parse_time
from graph.vocabulary import InteractionType, parse_choice, parse_date
from importers.tabular import RawTable

__all__ = ["salesforce_interactions"]

_CONTACT_PREFIX, _USER_PREFIX = "003", "005"
_CLOSED = {"completed", "closed", "done", "已完成", "完成"}


def salesforce_interactions(tasks: pd.DataFrame | None, events: pd.DataFrame | None,
                            relations: pd.DataFrame | None, *, contact_account: dict[str, str],
                            team_ids: set[str] | None, row_column: str,
                            drop_hanging: Callable[[pd.DataFrame, str, tuple[str, ...]], pd.DataFrame],
                            warnings: list[str]) -> list[RawTable]:
    """Interactions from the activity files (loaded, deleted rows already dropped).

    ``contact_account`` maps the export's contacts to their accounts; ``team_ids`` are
    the users who are team members (None: keep every owner, validation checks them).
    """
    extra: dict[str, dict[str, set[str]]] = {}
    if relations is not None and {"EventId", "RelationId"} <= set(relations.columns):
        relations = drop_hanging(relations, "EventRelation.csv", ("EventId", "RelationId"))
        for event, person in zip(relations["EventId"], relations["RelationId"]):
            if event and person:
                entry = extra.setdefault(event, {"team": set(), "contacts": set()})
                if person.startswith(_CONTACT_PREFIX) and person in contact_account:
                    entry["contacts"].add(person)
                elif person.startswith(_USER_PREFIX) and (team_ids is None or person in team_ids):
                    entry["team"].add(person)
    tables = []
    for name, frame, default in (("Task.csv", tasks, InteractionType.OTHER),
                                 ("Event.csv", events, InteractionType.MEETING)):
        if frame is None:
            continue
        frame = drop_hanging(frame, name, tuple(c for c in ("WhoId", "AccountId", "WhatId") if c in frame.columns))
        records, rows, skipped = [], [], {"open": 0, "no account": 0, "owner": 0}
        for row in frame.to_dict("records"):
            status = (row.get("Status") or "").strip().lower()
            if name == "Task.csv" and "Status" in frame.columns and status not in _CLOSED \
                    and str(row.get("IsClosed") or "").lower() != "true":
                skipped["open"] += 1
                continue
            who = row.get("WhoId")
            contacts = {who} if who and who.startswith(_CONTACT_PREFIX) and who in contact_account else set()
            team: set[str] = set()
            owner = row.get("OwnerId")
            if owner and (team_ids is None or owner in team_ids):
                team.add(owner)
            elif owner:
                skipped["owner"] += 1
            more = extra.get(row.get("Id") or "", {})
            contacts |= more.get("contacts", set())
            team |= more.get("team", set())
            account = row.get("AccountId") or next((contact_account[c] for c in sorted(contacts)), None)
            if not account:
                skipped["no account"] += 1
                continue
            kind = _type(row, default)
            when = row.get("ActivityDateTime") or row.get("StartDateTime")
            records.append({
                "id": row.get("Id"), "date": row.get("ActivityDate") or _date_of(when),
                "time": _time_of(when), "type": kind.value, "account_id": account,
                "subject": row.get("Subject"), "notes": row.get("Description"),
                "team_ids": ";".join(sorted(team)) or None, "contact_ids": ";".join(sorted(contacts)) or None,
                "sender_id": owner if kind is InteractionType.EMAIL and owner in team else None,
            })
            rows.append(row[row_column])
        for reason, count in skipped.items():
            if count:
                what = {"open": "open (not completed) tasks", "no account": "activities with no account",
                        "owner": "activities owned by a user outside the account teams (owner left out)"}[reason]
                warnings.append(f"{name}: {count} {what}" + (" skipped" if reason != "owner" else ""))
        if records:
            tables.append(RawTable("interactions", name, pd.DataFrame(records, dtype=object), rows, {
                "id": "Id", "date": "ActivityDate", "time": "ActivityDateTime", "type": "Type",
                "account_id": "AccountId", "subject": "Subject", "notes": "Description", "team_ids": "OwnerId",
                "contact_ids": "WhoId", "sender_id": "OwnerId"}))
    return tables


def _type(row: dict, default: InteractionType) -> InteractionType:
    for column in ("TaskSubtype", "EventSubtype", "Type"):
        value = row.get(column)
        if value and value.strip().lower() not in ("task", "event"):
            try:
                return parse_choice(InteractionType, value)
            except ValueError:
                continue
    return default


def _date_of(value: str | None) -> str | None:
    try:
        date = parse_date(value)
    except ValueError:
        return value  # validation reports it with the row
    return date.isoformat() if date else None


def _time_of(value: str | None) -> str | None:
    try:
        return parse_time(value) if value and ("T" in value or " " in value) else None
    except ValueError:
        return None
