"""Request and response bodies, derived from the record models of :mod:`graph.model` so
the API documents exactly the fields a record has.

* ``<Record>Out`` — a record as returned (personal fields only for PII keys; lists add
  ``updated_at``, the time the record last changed, for incremental sync).
* ``<Record>In`` — the body of ``PUT``: raw values read by the same parsers as a
  spreadsheet cell (``"教练"`` or ``3`` for a coach, ``"45%"`` or ``0.45``), so a value
  means the same in an upload and in a ``PUT``.
"""

from __future__ import annotations

import enum
import typing
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from graph.model import TABLES

__all__ = ["OUT", "IN", "PAGE", "ImportBody", "ImportResult", "Scalar", "describe_column", "TreeAccount"]

#: A raw value as a spreadsheet cell holds it.
Scalar = str | int | float | bool
_LIST_COLUMNS = {("contacts", "roles"), ("team", "accounts")}


def _title(table: str) -> str:
    return TABLES[table].model.__name__


def describe_column(table: str, column: str) -> str:
    """A short description of what a column accepts."""
    info = TABLES[table].model.model_fields[column]
    annotation = info.annotation
    args = [a for a in typing.get_args(annotation) if a is not type(None)] or [annotation]
    inner = args[0]
    if typing.get_origin(inner) in (frozenset, set, list, tuple):
        inner = typing.get_args(inner)[0]
    text = ""
    if isinstance(inner, type) and issubclass(inner, enum.Enum):
        text = "one of " + ", ".join(m.value for m in inner) + " (or the Chinese word)"
    elif column == "stance":
        text = "-1 opposes us, 0 neutral, 1 supports, 2 supports us more than rivals, 3 coach (or 反对/中立/支持/教练)"
    elif inner is float:
        text = "a number (0..1 for fractions; '45%' reads as 0.45)"
    elif getattr(inner, "__name__", "") == "date":
        text = "a date (2026-10-05, 2026/10/05, 2026年10月5日)"
    if (table, column) in _LIST_COLUMNS:
        text = (text + "; " if text else "") + "a list, or text separated by ; , or 、"
    if column in TABLES[table].references:
        text = (text + "; " if text else "") + f"id of a record in {TABLES[table].references[column]}"
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    if extra.get("personal"):
        text = (text + "; " if text else "") + "personal data: returned only to keys with --pii"
    return text or "text"


def _out_model(table: str) -> type[BaseModel]:
    model = TABLES[table].model
    fields: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else None
        default = ... if info.is_required() else None
        annotation = info.annotation if info.is_required() else info.annotation | None
        if typing.get_origin(info.annotation) is frozenset:
            annotation = list[typing.get_args(info.annotation)[0]]
        fields[name] = (annotation, Field(default=default, description=describe_column(table, name),
                                          json_schema_extra=extra, ge=_bound(info, "ge"), le=_bound(info, "le")))
    fields["updated_at"] = (str | None, Field(default=None, description="When the record last changed "
                                              "(ISO 8601, UTC); in lists only."))
    return create_model(f"{_title(table)}Out", __config__=ConfigDict(extra="forbid"), **fields)


def _bound(info: Any, name: str) -> Any:
    for item in info.metadata:
        if hasattr(item, name):
            return getattr(item, name)
    return None


def _in_model(table: str) -> type[BaseModel]:
    spec = TABLES[table]
    fields: dict[str, Any] = {}
    for name in spec.columns:
        annotation: Any = Scalar | None
        if (table, name) in _LIST_COLUMNS:
            annotation = list[str] | str | None
        required = name in spec.required and name not in spec.key
        fields[name] = (annotation, Field(default=... if required else None,
                                          description=describe_column(table, name)
                                          + ("; optional: taken from the path" if name in spec.key else "")))
    return create_model(f"{_title(table)}In", __config__=ConfigDict(extra="forbid"), **fields)


OUT: dict[str, type[BaseModel]] = {table: _out_model(table) for table in TABLES}
IN: dict[str, type[BaseModel]] = {table: _in_model(table) for table in TABLES}
PAGE: dict[str, type[BaseModel]] = {
    table: create_model(
        f"{_title(table)}Page",
        items=(list[OUT[table]], ...),  # type: ignore[valid-type]
        next_cursor=(str | None, Field(default=None, description="Pass as `cursor` for the next page; "
                                                                 "null on the last page.")))
    for table in TABLES
}

_records = Field(default=None, description="Records of this table, with the same columns (or the "
                                           "aliases, English or Chinese) as a spreadsheet.")
ImportBody = create_model(
    "ImportBody",
    __config__=ConfigDict(extra="forbid", json_schema_extra={"description": (
        "Record lists per table; validated and applied exactly like a workbook upload.")}),
    **{table: (list[dict[str, Any]] | None, _records) for table in TABLES},
)


class ImportResult(BaseModel):
    """What an import read and wrote, per table."""

    rows: dict[str, int]
    warnings: list[str] = []
    dry_run: bool = False
    inserted: dict[str, int] = {}
    updated: dict[str, int] = {}
    unchanged: dict[str, int] = {}


class TreeContact(BaseModel):
    id: str
    name: str
    title: str | None = None
    level: str | None = None
    reports_to: str | None = None
    roles: list[str] = []
    stance: int | None = None


class TreeDepartment(BaseModel):
    id: str
    name: str
    kind: str | None = None
    contacts: list[TreeContact]
    departments: list[TreeDepartment]


class TreeAccount(BaseModel):
    """An account with its departments (and their contacts), its own contacts and its
    sub-accounts, nested — what ``powermap show ID --json`` prints."""

    id: str
    name: str
    kind: str | None = None
    tier: str | None = None
    posture: str | None = None
    share_of_wallet: float | None = None
    departments: list[TreeDepartment]
    contacts: list[TreeContact]
    accounts: list[TreeAccount]
