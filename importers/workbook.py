"""powermap's own format: one ``.xlsx`` with a sheet per table, or ``.csv`` files named
after the tables (``contacts.csv``, ``联系人.csv`` …), in a folder or given one by one."""

from __future__ import annotations

from pathlib import Path

from graph.exceptions import ImportProblem, ImportRejected
from importers.limits import stage
from importers.sheet_format import INSTRUCTIONS_SHEETS
from importers.tabular import RawTable, read_csv_table, read_workbook, table_for_name

__all__ = ["read_workbook_paths"]


def read_workbook_paths(paths: list[Path]) -> tuple[list[RawTable], list[str]]:
    """Raw tables from workbooks, CSV files and folders of CSV files; plus warnings."""
    tables: list[RawTable] = []
    warnings: list[str] = []
    for path in paths:
        if path.is_dir():
            files = sorted(p for p in path.iterdir() if p.suffix.lower() in (".csv", ".xlsx"))
            if not files:
                raise ImportRejected([ImportProblem(str(path), None, None, "no .csv or .xlsx files in this folder")])
        else:
            files = [path]
        for file in files:
            suffix = file.suffix.lower()
            stage(f"reading {file.name}")
            if suffix == ".xlsx":
                found, skipped = read_workbook(file)
                tables += found
                warnings += [f"{file}: sheet {name!r} is not a powermap table, skipped" for name in skipped
                             if name not in INSTRUCTIONS_SHEETS.values()]  # the template's own
                if not found:
                    raise ImportRejected([ImportProblem(str(file), None, None,
                                                        "no sheet named like a powermap table "
                                                        "(accounts, contacts, 联系人 …)")])
            elif suffix == ".csv":
                table = table_for_name(file.name)
                if table is None:
                    if path.is_dir():
                        warnings.append(f"{file}: not named like a powermap table, skipped")
                        continue
                    raise ImportRejected([ImportProblem(str(file), None, None,
                                                        "the file name does not say which table it is "
                                                        "(name it contacts.csv, 联系人.csv …)")])
                tables.append(read_csv_table(file, table))
            else:
                raise ImportRejected([ImportProblem(str(file), None, None,
                                                    "not a .xlsx or .csv file")])
    for raw in tables:
        if raw.ignored_columns:
            warnings.append(f"{raw.file}: columns not used: {', '.join(raw.ignored_columns)}")
    return tables, warnings
