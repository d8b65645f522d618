"""The decision-chain model: accounts, departments, contacts, our team and the ties among them.

Each record is a validated pydantic model. Raw values (English or Chinese, text or
numbers) are read by the parsers of :mod:`graph.vocabulary`; the same parsers, listed
per table in :data:`TABLES`, drive the bulk importers, so a spreadsheet cell and an
API field are judged by one rule.

Personal data (email, phone, birthday, notes) is marked with ``personal=True`` in the
field's schema; :func:`personal_fields` lists it so every output can leave it out.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import cached_property, partial
from typing import Any, Callable, ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_serializer, model_validator

from graph.vocabulary import (
    AccountKind,
    BuyingRole,
    ContactStatus,
    DecisionUnitType,
    DepartmentKind,
    InfluenceKind,
    InteractionType,
    Level,
    Posture,
    TeamRole,
    Tier,
    infer_department_kind,
    infer_level,
    parse_bool,
    parse_choice,
    parse_date,
    parse_fraction,
    parse_int,
    parse_number,
    parse_roles,
    parse_stance,
    parse_text,
)

__all__ = [
    "Record",
    "Account",
    "Department",
    "Contact",
    "TeamMember",
    "Relationship",
    "Influence",
    "Opportunity",
    "OpportunityMember",
    "Interaction",
    "PlanAction",
    "TableSpec",
    "TABLES",
    "TABLE_ORDER",
    "personal_fields",
    "parse_id_list",
]

Parser = Callable[[Any], Any]


def _personal(**kwargs: Any) -> Any:
    return Field(default=None, json_schema_extra={"personal": True}, **kwargs)


def parse_id_list(value: object) -> frozenset[str]:
    """Ids in one cell separated by ``;`` ``,`` or ``、`` (a team member's accounts)."""
    text = parse_text(value)
    if text is None:
        return frozenset()
    if isinstance(value, (set, frozenset, list, tuple)):
        return frozenset(str(v).strip() for v in value if str(v).strip())
    return frozenset(p.strip() for p in re.split(r"[;,、，；|]+", text) if p.strip())


class Record(BaseModel):
    """Base of every record: raw input is read by the table's parsers before validation."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_enum_values=False)

    #: column → parser applied to the raw value (shared with the bulk importers)
    parsers: ClassVar[dict[str, Parser]] = {}
    #: (column, source column, function): fill a blank column from another one
    derived: ClassVar[tuple[tuple[str, str, Callable[[Any], Any]], ...]] = ()
    #: (column, rule): a rule across columns, given the row's parsed values, returns what is
    #: wrong or None; the importers apply them too, naming ``column``
    checks: ClassVar[tuple[tuple[str, Callable[[dict[str, Any]], str | None]], ...]] = ()

    @model_validator(mode="before")
    @classmethod
    def _read_raw(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        values = dict(data)
        for column, parser in cls.parsers.items():
            if column in values:
                values[column] = parser(values[column])
        for column, source, derive in cls.derived:
            if values.get(column) is None:
                values[column] = derive(values.get(source))
        for column, info in cls.model_fields.items():
            if column in values and values[column] is None and info.default is not None:
                del values[column]  # a blank cell takes the field's default
        return values

    def row(self) -> dict[str, Any]:
        """The record as plain values (enums as strings, sets as sorted lists)."""
        return self.model_dump(mode="json")


_text = parse_text
_date = parse_date


class Account(Record):
    """A customer organisation: a group, a subsidiary, a production base, a purchasing window."""

    id: str
    name: str
    parent_id: str | None = None
    kind: AccountKind = AccountKind.COMPANY
    industry: str | None = None
    region: str | None = None
    tier: Tier | None = None
    posture: Posture | None = None
    share_of_wallet: float | None = Field(default=None, ge=0, le=1)

    parsers: ClassVar = {
        "id": _text, "name": _text, "parent_id": _text, "industry": _text, "region": _text,
        "kind": partial(parse_choice, AccountKind), "tier": partial(parse_choice, Tier),
        "posture": partial(parse_choice, Posture),
        "share_of_wallet": partial(parse_fraction, what="share of wallet"),
    }


class Department(Record):
    """A department of an account; its kind places it on one of the lines of contact."""

    id: str
    account_id: str
    name: str
    kind: DepartmentKind = DepartmentKind.OTHER
    parent_id: str | None = None

    parsers: ClassVar = {
        "id": _text, "account_id": _text, "name": _text, "parent_id": _text,
        "kind": partial(parse_choice, DepartmentKind),
    }
    derived: ClassVar = (("kind", "name", infer_department_kind),)


class Contact(Record):
    """A person on the customer side."""

    id: str
    account_id: str
    department_id: str | None = None
    name: str
    title: str | None = None
    level: Level = Level.STAFF
    reports_to: str | None = None
    roles: frozenset[BuyingRole] = frozenset()
    stance: int | None = Field(default=None, ge=-1, le=3)
    influence: float | None = Field(default=None, ge=0, le=1)
    competitor: str | None = None
    last_contact: dt.date | None = None
    status: ContactStatus | None = None
    email: str | None = _personal()
    phone: str | None = _personal()
    birthday: dt.date | None = _personal()
    notes: str | None = _personal()

    parsers: ClassVar = {
        "id": _text, "account_id": _text, "department_id": _text, "name": _text, "title": _text,
        "level": partial(parse_choice, Level), "reports_to": _text, "roles": parse_roles,
        "stance": parse_stance, "influence": partial(parse_fraction, what="influence"),
        "competitor": _text, "last_contact": _date, "status": partial(parse_choice, ContactStatus),
        "email": _text, "phone": _text,
        "birthday": _date, "notes": _text,
    }
    derived: ClassVar = (("level", "title", infer_level),)

    @field_serializer("roles")
    def _sorted_roles(self, roles: frozenset[BuyingRole]) -> list[str]:
        return sorted(r.value for r in roles)

    @property
    def is_coach(self) -> bool:
        return self.stance == 3

    @property
    def departed(self) -> bool:
        """The contact left (``status`` departed); a blank status is active."""
        return self.status is ContactStatus.DEPARTED


class TeamMember(Record):
    """A person on our side: account manager, solution manager, delivery manager, executive…"""

    id: str
    name: str
    role: TeamRole = TeamRole.OTHER
    rank: int | None = Field(default=None, ge=1)
    business_unit: str | None = None
    accounts: frozenset[str] = frozenset()
    email: str | None = None

    parsers: ClassVar = {
        "id": _text, "name": _text, "role": partial(parse_choice, TeamRole),
        "rank": partial(parse_int, low=1, what="rank"), "business_unit": _text,
        "accounts": parse_id_list, "email": _text,
    }

    @field_serializer("accounts")
    def _sorted_accounts(self, accounts: frozenset[str]) -> list[str]:
        return sorted(accounts)


class Relationship(Record):
    """Our team member knows a contact, with a strength and the date they last spoke."""

    team_id: str
    contact_id: str
    strength: float | None = Field(default=None, ge=0, le=1)
    last_interaction: dt.date | None = None

    parsers: ClassVar = {
        "team_id": _text, "contact_id": _text,
        "strength": partial(parse_fraction, what="strength"), "last_interaction": _date,
    }


class Influence(Record):
    """The source contact influences the target contact."""

    source_id: str
    target_id: str
    weight: float | None = Field(default=None, ge=0, le=1)
    kind: InfluenceKind = InfluenceKind.OTHER

    parsers: ClassVar = {
        "source_id": _text, "target_id": _text, "weight": partial(parse_fraction, what="weight"),
        "kind": partial(parse_choice, InfluenceKind),
    }


class Opportunity(Record):
    """A purchase we compete for, decided by a decision-making unit of a given type."""

    id: str
    account_id: str
    name: str
    dmu_type: DecisionUnitType | None = None
    stage: str | None = None
    value: float | None = Field(default=None, ge=0)
    competitor: str | None = None
    #: our team member who owns the deal; their ``business_unit`` is the deal's division
    owner_id: str | None = None

    parsers: ClassVar = {
        "id": _text, "account_id": _text, "name": _text,
        "dmu_type": partial(parse_choice, DecisionUnitType), "stage": _text,
        "value": partial(parse_number, low=0, what="value"), "competitor": _text, "owner_id": _text,
    }


class OpportunityMember(Record):
    """A contact's place in an opportunity's decision-making unit."""

    opportunity_id: str
    contact_id: str
    role: BuyingRole | None = None
    is_decider: bool = False
    source_role: str | None = None  # the CRM's own word, e.g. Salesforce "Economic Buyer"

    parsers: ClassVar = {
        "opportunity_id": _text, "contact_id": _text,
        "role": partial(parse_choice, BuyingRole), "is_decider": parse_bool, "source_role": _text,
    }


def parse_time(value: object) -> str | None:
    """A time of day as ``HH:MM`` from ``14:30``, ``14:30:05``, a timestamp or a cell time.

    >>> parse_time("2024-05-06T08:12:33Z"), parse_time("9:05"), parse_time("")
    ('08:12', '09:05', None)
    """
    if isinstance(value, (dt.datetime, dt.time)):
        return f"{value.hour:02d}:{value.minute:02d}"
    text = parse_text(value)
    if text is None:
        return None
    found = re.search(r"(?:^|[T ])(\d{1,2}):(\d{2})(?::\d{2}(?:\.\d+)?)?", text)
    if not found or int(found.group(1)) > 23 or int(found.group(2)) > 59:
        raise ValueError(f"{value!r} is not a time of day (use 14:30)")
    return f"{int(found.group(1)):02d}:{found.group(2)}"


class Interaction(Record):
    """A visit, executive visit, meeting, technical exchange, call, e-mail or event.

    ``team_ids`` are our participants, ``contact_ids`` theirs; ``sender_id`` is who sent
    it when it has a direction (an e-mail's sender), one of the participants. Notes are
    personal data, like a contact's notes.
    """

    id: str
    date: dt.date
    time: str | None = None
    type: InteractionType = InteractionType.OTHER
    account_id: str
    subject: str | None = None
    notes: str | None = _personal()
    team_ids: frozenset[str] = frozenset()
    contact_ids: frozenset[str] = frozenset()
    sender_id: str | None = None

    parsers: ClassVar = {
        "id": _text, "date": _date, "time": parse_time, "type": partial(parse_choice, InteractionType),
        "account_id": _text, "subject": _text, "notes": _text, "team_ids": parse_id_list,
        "contact_ids": parse_id_list, "sender_id": _text,
    }

    @field_serializer("team_ids", "contact_ids")
    def _sorted_ids(self, ids: frozenset[str]) -> list[str]:
        return sorted(ids)


class PlanAction(Record):
    """One action of a relationship plan (关系计划): our ``owner_id`` will have an interaction
    of type ``action`` with ``contact_id`` between ``start`` and ``due``, to bring the
    contact to ``target_stance``, for ``opportunity_id``.

    Whether it was done is never typed in: :mod:`graph.analysis.plans` reads it from the
    interaction record. ``colleagues_count`` lets an interaction by the owner's iron-triangle
    colleague count (the documented near-match). ``closed_by``/``closed_reason``/``closed_on``
    record a manual close (who closed it, why, when); the note is personal data.
    """

    id: str
    account_id: str
    contact_id: str
    owner_id: str | None = None  # required on import; cleared when the owner is deleted
    action: InteractionType
    start: dt.date | None = None
    due: dt.date
    target_stance: int | None = Field(default=None, ge=-1, le=3)
    opportunity_id: str | None = None
    colleagues_count: bool = False
    note: str | None = _personal()
    closed_by: str | None = None
    closed_reason: str | None = None
    closed_on: dt.date | None = None

    parsers: ClassVar = {
        "id": _text, "account_id": _text, "contact_id": _text, "owner_id": _text,
        "action": partial(parse_choice, InteractionType), "start": _date, "due": _date,
        "target_stance": parse_stance, "opportunity_id": _text, "colleagues_count": parse_bool,
        "note": _text, "closed_by": _text, "closed_reason": _text, "closed_on": _date,
    }

    checks: ClassVar = (("start", lambda row: _start_after_due(row)),
                        ("closed_reason", lambda row: _close_without_who_or_why(row)))

    @model_validator(mode="after")
    def _rules(self) -> "PlanAction":
        for _, rule in self.checks:
            problem = rule(dict(self))
            if problem:
                raise ValueError(problem)
        return self


def _start_after_due(row: dict[str, Any]) -> str | None:
    start, due = row.get("start"), row.get("due")
    if start is not None and due is not None and str(start)[:10] > str(due)[:10]:
        return f"start {str(start)[:10]} is after due {str(due)[:10]}"
    return None


def _close_without_who_or_why(row: dict[str, Any]) -> str | None:
    if (row.get("closed_by") is None) != (row.get("closed_reason") is None):
        return "a manual close needs both closed_by (who closed it) and closed_reason (why)"
    return None


@dataclass(frozen=True)
class TableSpec:
    """How one table of an import is read: its record, key and references."""

    name: str
    model: type[Record]
    key: tuple[str, ...]
    #: column → referenced table (a list column such as a member's accounts: each id)
    references: dict[str, str] = field(default_factory=dict)
    required: tuple[str, ...] = ()
    #: the column that makes the table a tree (parent, manager): cycles are refused
    hierarchy: str | None = None

    @cached_property
    def columns(self) -> tuple[str, ...]:
        return tuple(self.model.model_fields)


TABLES: dict[str, TableSpec] = {
    spec.name: spec
    for spec in (
        TableSpec("accounts", Account, ("id",), {"parent_id": "accounts"}, ("id", "name"),
                  hierarchy="parent_id"),
        TableSpec("departments", Department, ("id",),
                  {"account_id": "accounts", "parent_id": "departments"}, ("id", "account_id", "name"),
                  hierarchy="parent_id"),
        TableSpec("contacts", Contact, ("id",),
                  {"account_id": "accounts", "department_id": "departments", "reports_to": "contacts"},
                  ("id", "account_id", "name"), hierarchy="reports_to"),
        TableSpec("team", TeamMember, ("id",), {"accounts": "accounts"}, ("id", "name")),
        TableSpec("relationships", Relationship, ("team_id", "contact_id"),
                  {"team_id": "team", "contact_id": "contacts"}, ("team_id", "contact_id")),
        TableSpec("influence", Influence, ("source_id", "target_id", "kind"),
                  {"source_id": "contacts", "target_id": "contacts"}, ("source_id", "target_id")),
        TableSpec("opportunities", Opportunity, ("id",), {"account_id": "accounts", "owner_id": "team"},
                  ("id", "account_id", "name")),
        TableSpec("opportunity_members", OpportunityMember, ("opportunity_id", "contact_id"),
                  {"opportunity_id": "opportunities", "contact_id": "contacts"},
                  ("opportunity_id", "contact_id")),
        TableSpec("interactions", Interaction, ("id",),
                  {"account_id": "accounts", "team_ids": "team", "contact_ids": "contacts"},
                  ("id", "date", "account_id")),
        TableSpec("plans", PlanAction, ("id",),
                  {"account_id": "accounts", "contact_id": "contacts", "owner_id": "team",
                   "opportunity_id": "opportunities", "closed_by": "team"},
                  ("id", "account_id", "contact_id", "owner_id", "action", "due")),
    )
}
#: Tables in the order they can be written (referenced tables first).
TABLE_ORDER: tuple[str, ...] = tuple(TABLES)


def personal_fields(model: type[BaseModel]) -> frozenset[str]:
    """The fields of a model that hold personal data.

    >>> sorted(personal_fields(Contact))
    ['birthday', 'email', 'notes', 'phone']
    """
    return frozenset(
        name
        for name, info in model.model_fields.items()
        if isinstance(info.json_schema_extra, dict) and info.json_schema_extra.get("personal")
    )
