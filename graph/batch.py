"""A validated batch of records, ready for a store to write in one transaction.

Values are in their storage form: text, numbers, booleans, ISO dates, enumerations
as their canonical English value and sets as sorted tuples. Importers build a batch
with :func:`importers.validate`; code that already holds model records uses
:meth:`Batch.from_records`.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from graph.model import TABLES, Record

if TYPE_CHECKING:  # pandas is imported where a batch is built or read (opening a store needs none)
    import pandas as pd

__all__ = ["Batch", "storage_value"]


def storage_value(value: Any) -> Any:
    """The storage form of one parsed value."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()[:10]
    if isinstance(value, (set, frozenset, list, tuple)):
        return tuple(sorted(storage_value(v) for v in value))
    return value


@dataclass
class Batch:
    """Records per table (``accounts``, ``contacts``…) as DataFrames of storage values.

    ``provided`` names, per table, the columns the source actually supplied: when a
    record exists already, only those are updated (a CSV with just ``id``, ``name`` and
    ``stance`` must not wipe titles and departments). A table not named there supplied
    every column.
    """

    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    provided: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: every blank cell is None already (validation makes it so): writers need not look
    #: for NaN in each column
    blanks_are_none: bool = False

    def columns_provided(self, table: str) -> tuple[str, ...]:
        """The columns of ``table`` to write on update (the key columns included)."""
        return self.provided.get(table) or TABLES[table].columns

    @classmethod
    def from_records(cls, records: Iterable[Record]) -> Batch:
        import pandas as pd

        by_table: dict[str, list[dict]] = {}
        model_table = {spec.model: name for name, spec in TABLES.items()}
        for record in records:
            table = model_table[type(record)]
            row = {k: storage_value(v) for k, v in record}
            by_table.setdefault(table, []).append(row)
        return cls({
            name: pd.DataFrame(rows, columns=list(TABLES[name].columns), dtype=object)
            for name, rows in by_table.items()
        })

    def rows(self, table: str) -> Iterator[tuple]:
        """Rows of one table as tuples in the table's column order, blanks as None."""
        for columns in self.column_chunks(table):
            yield from zip(*columns)

    def column_chunks(self, table: str, size: int = 50_000) -> Iterator[list[list[Any]]]:
        """The table ``size`` rows at a time, as one list of values per column (the table's
        column order, blanks as None): a million-row table is never copied whole."""
        frame = self.tables.get(table)
        if frame is None or frame.empty:
            return
        import pandas as pd

        columns = list(TABLES[table].columns)
        for start in range(0, len(frame), size):
            part = frame.iloc[start:start + size]
            out = []
            for column in columns:
                values = part[column].to_numpy(dtype=object)
                blank = pd.isna(values)
                if blank.any():
                    values = values.copy()
                    values[blank] = None
                out.append(values.tolist())
            yield out

    def column_arrays(self, table: str) -> list[Any]:
        """The whole table as one numpy array of objects per column (the table's column
        order, blanks as None): the frame's own arrays, copied only where a NaN is replaced."""
        frame = self.tables.get(table)
        if frame is None or frame.empty:
            return []
        import pandas as pd

        out = []
        for column in TABLES[table].columns:
            values = frame[column].to_numpy(dtype=object)
            if not self.blanks_are_none:
                blank = pd.isna(values)
                if blank.any():
                    values = values.copy()
                    values[blank] = None
            out.append(values)
        return out

    def count(self, table: str) -> int:
        frame = self.tables.get(table)
        return 0 if frame is None else len(frame)

    def __len__(self) -> int:
        return sum(len(f) for f in self.tables.values())

    def counts(self) -> dict[str, int]:
        return {name: self.count(name) for name in TABLES if self.count(name)}
