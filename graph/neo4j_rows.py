"""Records in and out of Neo4j: batch rows as statement parameters, properties as rows.

Parameters are plain Python values (sets as sorted lists, an empty set as no property, numpy
scalars unwrapped), converted a column at a time; what comes back from node and relationship
properties is a row in storage form, as the embedded store returns it.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Iterator
from typing import Any

from graph import cypher
from graph.batch import Batch
from graph.exceptions import PowermapError
from graph.model import TABLES

__all__ = ["deduplicated", "upsert_row", "param_chunks", "to_params", "from_node", "from_edge"]


def deduplicated(batch: Batch, table: str) -> Batch:
    """The table's rows with one row per key (the last), so per-row counts stay exact."""
    frame = batch.tables[table]
    key = list(TABLES[table].key)
    if frame[key].duplicated(keep="last").any():
        frame = frame.drop_duplicates(subset=key, keep="last")
    return Batch({table: frame})


def _column_kinds(table: str) -> dict[str, str]:
    """column → ``list``, ``float``, ``int``, ``bool`` or ``value`` (as it is)."""
    kinds = {}
    for name, info in TABLES[table].model.model_fields.items():
        union = typing.get_origin(info.annotation) in (typing.Union, types.UnionType)
        options = typing.get_args(info.annotation) if union else (info.annotation,)
        kind = "value"
        for option in options:
            if typing.get_origin(option) in (frozenset, set, list, tuple):
                kind = "list"
            elif option is bool:
                kind = "bool"
            elif option is float:
                kind = "float"
            elif option is int:
                kind = "int"
        kinds[name] = kind
    return kinds


def _required(table: str) -> tuple[str, ...]:
    """Columns the store refuses to leave empty: required fields and those with a default
    (what the embedded store declares NOT NULL)."""
    kinds = _column_kinds(table)
    return tuple(name for name, info in TABLES[table].model.model_fields.items()
                 if kinds[name] != "list" and (info.is_required() or info.default is not None))


_KINDS = {table: _column_kinds(table) for table in TABLES}
_REQUIRED = {table: _required(table) for table in TABLES}
_CAST: dict[str, Callable[[Any], Any]] = {"float": float, "int": int, "bool": bool}


def upsert_row(table: str, row: dict[str, Any], provided: tuple[str, ...]) -> dict[str, Any]:
    """One ``$rows`` entry of an upsert: every column for a new record, the supplied ones
    (``set``) for an existing record, and (edges) the relationship's own properties."""
    edge = cypher.EDGES.get(table)
    own = edge.properties(table) if edge else tuple(c for c in TABLES[table].columns)
    settable = [c for c in provided if c in own and c != "id" and not (edge and c in edge.key_properties)]
    entry = {"all": row, "set": {c: row[c] for c in settable}}
    if edge:
        entry["props"] = {c: row[c] for c in own}
    return entry


def param_chunks(table: str, batch: Batch, size: int) -> Iterator[list[dict[str, Any]]]:
    """The table's rows as parameter maps, ``size`` at a time (converted a column at a time:
    a row's values are never touched one by one in Python)."""
    for values in batch.column_chunks(table, size):
        yield _param_rows(table, values)


def to_params(table: str, row: tuple) -> dict[str, Any]:
    """A batch row as a parameter map: plain Python values, lists for sets, None for blanks."""
    return _param_rows(table, [[value] for value in row])[0]


def _param_rows(table: str, values: list[list[Any]]) -> list[dict[str, Any]]:
    """Rows given as one list per column (the table's column order) as parameter maps;
    refuses a row that leaves a required column empty."""
    columns, kinds = TABLES[table].columns, _KINDS[table]
    converted = [_column_values(kinds[column], column_values) for column, column_values in zip(columns, values)]
    rows = [dict(zip(columns, row)) for row in zip(*converted)]
    for column in _REQUIRED[table]:
        if None in converted[columns.index(column)]:
            row = next(r for r in rows if r[column] is None)
            key = ", ".join(str(row[k]) for k in TABLES[table].key)
            raise PowermapError(f"{table} row {key}: {column} is empty; the store requires it")
    return rows


def _column_values(kind: str, values: list[Any]) -> list[Any]:
    """One column's values as plain Python values of its kind (sets as sorted lists, an empty
    one as None; numpy scalars unwrapped)."""
    if kind == "list":
        return [None if v is None else (sorted(str(x) for x in v) or None) for v in values]
    cast = _CAST.get(kind)
    if cast is not None:
        return [None if v is None else cast(v.item() if hasattr(v, "item") else v) for v in values]
    return [v.item() if hasattr(v, "item") else v for v in values]


def from_node(table: str, props: dict[str, Any]) -> dict[str, Any]:
    """A node's properties as a row in storage form (what the embedded store returns)."""
    row = {column: props.get(column) for column in TABLES[table].columns}
    for column, kind in _KINDS[table].items():
        if kind == "list":
            row[column] = tuple(row[column] or ())
    return row


def from_edge(table: str, props: dict[str, Any], source: str, target: str) -> dict[str, Any]:
    """A relationship's properties and its two ends as a row in storage form."""
    edge = cypher.EDGES[table]
    row = {column: props.get(column) for column in TABLES[table].columns}
    row[edge.source_column], row[edge.target_column] = source, target
    if table == "opportunity_members":
        row["is_decider"] = bool(row["is_decider"])
    return row
