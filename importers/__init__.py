"""Importers: spreadsheets (powermap's workbook/CSV format), Salesforce exports and pandas
DataFrames, all validated by one pipeline and written to a store in one transaction.

>>> from graph.embedded import EmbeddedStore
>>> import pandas as pd
>>> store = EmbeddedStore(":memory:")
>>> report = import_frames({
...     "accounts": pd.DataFrame([{"id": "A1", "name": "华东重工"}]),
...     "contacts": pd.DataFrame([{"id": "C1", "account_id": "A1", "name": "王总", "title": "总经理",
...                                "roles": "决策者", "stance": "教练"}]),
... }, store)
>>> report.result.inserted
{'accounts': 1, 'contacts': 1}
>>> store.get("contacts", "C1").level.value
'executive'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pandas as pd

from graph.exceptions import ImportProblem, ImportRejected
from graph.model import TABLES
from graph.store import GraphStore, Progress, WriteResult
from importers.limits import check_cancelled, stage
from importers.email_log import looks_like_email_log, read_email_log, resolve_email_logs
from importers.salesforce import looks_like_salesforce, read_salesforce
from importers.tabular import PARTICIPANTS, RawTable, canonical_column, table_for_name
from importers.validate import validate
from importers.workbook import read_workbook_paths

__all__ = ["ImportReport", "Format", "read_paths", "import_paths", "import_frames", "import_tables",
           "tables_from_frames", "stoppable", "keep_stored_only", "rows_in"]

Format = Literal["auto", "workbook", "salesforce", "email-log"]


@dataclass
class ImportReport:
    """What an import read and (unless a dry run) wrote."""

    rows: dict[str, int]
    warnings: list[str] = field(default_factory=list)
    result: WriteResult | None = None
    dry_run: bool = False

    def as_dict(self) -> dict:
        return {"rows": self.rows, "warnings": self.warnings, "dry_run": self.dry_run,
                **(self.result.as_dict() if self.result else {})}


def read_paths(paths: Sequence[str | Path], format: Format = "auto") -> tuple[list[RawTable], list[str]]:
    """Raw tables from files and folders in the given format (``auto`` detects it)."""
    paths = [Path(p) for p in paths]
    for path in paths:
        if not path.exists():
            raise ImportRejected([ImportProblem(str(path), None, None, "no such file or folder")])
    tables: list[RawTable] = []
    warnings: list[str] = []
    workbook_paths = []
    for path in paths:
        salesforce = format == "salesforce" or (format == "auto" and path.is_dir() and looks_like_salesforce(path))
        email_log = format == "email-log" or (format == "auto" and path.suffix.lower() == ".csv"
                                              and table_for_name(path.name) is None and looks_like_email_log(path))
        if email_log:
            stage(f"reading {path.name}")
            tables.append(read_email_log(path))
        elif salesforce:
            stage(f"reading the Salesforce export {path.name}")
            if not path.is_dir():
                raise ImportRejected([ImportProblem(str(path), None, None,
                                                    "a Salesforce export is a folder of CSV files")])
            found, said = read_salesforce(path)
            for raw in found:
                raw.file = str(path / raw.file)
            tables += found
            warnings += [f"{path}/{w}" for w in said]
        else:
            workbook_paths.append(path)
    if workbook_paths:
        found, said = read_workbook_paths(workbook_paths)
        tables += found
        warnings += said
    return tables, warnings


def import_tables(tables: list[RawTable], store: GraphStore, *, dry_run: bool = False,
                  progress: Progress | None = None, warnings: list[str] | None = None) -> ImportReport:
    """Validate raw tables against ``store`` and, unless ``dry_run``, write them atomically.

    E-mail logs among the tables are matched to people first (:mod:`importers.email_log`).
    A real import validates and writes holding the store's write lock
    (:meth:`~graph.store.GraphStore.exclusive_writes`), so that two imports each valid
    alone cannot together store what neither may (a reporting cycle across both)."""
    with nullcontext() if dry_run else store.exclusive_writes(rows=rows_in(tables)):
        tables, dropped = keep_stored_only(tables, store)
        tables, matched = resolve_email_logs(tables, store)
        matched = [*dropped, *matched]
        stage(f"checking {rows_in(tables):,} rows")
        batch = validate(tables, store)
        report = ImportReport(rows=batch.counts(), warnings=[*(warnings or []), *matched], dry_run=dry_run)
        if not dry_run:
            stage(f"writing {len(batch):,} rows")
            report.result = store.write(batch, progress=stoppable(progress))
    return report


def rows_in(tables: Sequence[RawTable]) -> int:
    """How many rows the tables hold (the store's hint for a bulk load)."""
    return sum(len(t.frame) for t in tables)


def keep_stored_only(tables: list[RawTable], store: GraphStore) -> tuple[list[RawTable], list[str]]:
    """Drop the rows marked ``only_if_stored`` whose id the store does not hold (a deleted
    contact of a CRM export we never knew); returns the tables and what was dropped."""
    out, said = [], []
    for raw in tables:
        if raw.only_if_stored is None or not any(raw.only_if_stored):
            out.append(raw)
            continue
        flagged = [raw.frame["id"].iloc[i] for i, f in enumerate(raw.only_if_stored) if f]
        known = store.existing_ids(raw.table, flagged)
        keep = [not f or raw.frame["id"].iloc[i] in known for i, f in enumerate(raw.only_if_stored)]
        if not all(keep):
            said.append(f"{raw.file}: {keep.count(False)} deleted {raw.table} never imported before skipped")
        rows = [r for r, k in zip(raw.rows, keep) if k]
        out.append(RawTable(raw.table, raw.file, raw.frame[keep].reset_index(drop=True), rows, raw.headers,
                            raw.ignored_columns))
        if any(k and f for k, f in zip(keep, raw.only_if_stored)):
            out[-1].only_if_stored = [f for k, f in zip(keep, raw.only_if_stored) if k]
    return out, said


def stoppable(progress: Progress | None) -> Progress:
    """``progress``, and a check between write batches that the import was not stopped
    (an exception there rolls the write back)."""
    def report(done: int, total: int) -> None:
        check_cancelled()
        if progress is not None:
            progress(done, total)

    return report


def import_paths(paths: Sequence[str | Path], store: GraphStore, *, format: Format = "auto",
                 dry_run: bool = False, progress: Progress | None = None) -> ImportReport:
    """Import files and folders: read, validate everything, then write in one transaction.

    Raises
    ------
    ImportRejected
        With every problem (file, row, column); nothing has been written.
    """
    tables, warnings = read_paths(paths, format)
    return import_tables(tables, store, dry_run=dry_run, progress=progress, warnings=warnings)


def import_frames(frames: Mapping[str, pd.DataFrame], store: GraphStore, *, dry_run: bool = False,
                  progress: Progress | None = None) -> ImportReport:
    """Import pandas DataFrames, one per table (``accounts``, ``contacts`` …), with the same
    column names, aliases and validation as spreadsheets. Problems name the table as the
    file (``contacts``) and the row as ``index position + 2``, as a sheet would show it."""
    return import_tables(tables_from_frames(frames), store, dry_run=dry_run, progress=progress)


def tables_from_frames(frames: Mapping[str, pd.DataFrame]) -> list[RawTable]:
    """Raw tables from DataFrames named after their tables (headers mapped as in a sheet),
    ready for :func:`importers.validate.validate`. Raises ImportRejected for an unknown table."""
    tables = []
    for name, frame in frames.items():
        if name not in TABLES and name != PARTICIPANTS:
            raise ImportRejected([ImportProblem(name, None, None,
                                                f"unknown table (tables: {', '.join(TABLES)})")])
        columns = {h: canonical_column(name, h) for h in frame.columns}
        used = {h: c for h, c in columns.items() if c}
        data = frame[list(used)].rename(columns=used).astype(object).reset_index(drop=True)
        tables.append(RawTable(name, name, data, range(2, len(frame) + 2),
                               {c: str(h) for h, c in used.items()},
                               [str(h) for h, c in columns.items() if c is None]))
    return tables
