"""Validation of an import: raw tables in, a :class:`~graph.batch.Batch` out, or every
problem at once with file, row and column.

Each column is read by the parser the model declares for it (``graph.model``), applied
once per distinct value, so a million rows validate in seconds and a cell means the
same here as in an API call. Then: required values, duplicate keys with conflicting
values, references to records neither in the import nor in the store, a contact's
department belonging to the contact's own account, and cycles in reporting lines and
hierarchies (including cycles closed through the store).

Validation reads stored records: callers run it inside
:meth:`~graph.store.GraphStore.exclusive_writes` with the write that follows, so that
what it checked still holds when the batch is written.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from itertools import chain

import numpy as np
import pandas as pd

from graph.batch import Batch, storage_value
from graph.exceptions import ImportProblem, ImportRejected
from graph.model import TABLES
from graph.store import GraphStore
from graph.model import parse_id_list
from graph.vocabulary import parse_text
from importers.limits import check_cancelled
from importers.tabular import PARTICIPANTS, RawTable
from importers.text_rules import check_text_columns

__all__ = ["validate", "MAX_PROBLEMS"]

#: Beyond this many problems the report stops listing and says how many more there were.
MAX_PROBLEMS = 1000

_FILE, _ROW = "__file", "__row"


class _Report:
    def __init__(self) -> None:
        self.problems: list[ImportProblem] = []
        self.more = 0
        self.headers: dict[tuple[str, str], str] = {}

    def add(self, file: str, row: int | None, column: str | None, message: str) -> None:
        if len(self.problems) >= MAX_PROBLEMS:
            self.more += 1
            return
        label = self.headers.get((file, column), column) if column else None
        self.problems.append(ImportProblem(file, row, label, message))

    def add_rows(self, frame: pd.DataFrame, mask: pd.Series, column: str | None, message: str) -> None:
        for file, row in frame.loc[mask, [_FILE, _ROW]].itertuples(index=False, name=None):
            self.add(file, int(row), column, message)

    def raise_if_any(self) -> None:
        if self.problems:
            problems = list(self.problems)
            if self.more:
                problems.append(ImportProblem("(import)", None, None,
                                              f"… and {self.more} more problems not listed"))
            raise ImportRejected(problems)


def validate(tables: Iterable[RawTable], store: GraphStore | None = None) -> Batch:
    """Check raw tables and return them as a batch in storage form.

    Parameters
    ----------
    tables : iterable of RawTable
        The tables read from files (several files may give rows of one table).
    store : GraphStore, optional
        The store the batch will be written to: references may point at records it
        already holds, and reporting cycles are checked through its records too.

    Raises
    ------
    ImportRejected
        With every problem found (file, row, column, message); nothing is returned.
    """
    report = _Report()
    participants = _Report()  # listed with the rest, after the tables are read
    tables = _fold_participants(list(tables), store, participants)
    frames = _combine(tables, report)
    report.raise_if_any()
    distinct: dict[tuple[str, str], list] = {}  # (table, column) → its distinct parsed values
    for table, frame in frames.items():
        frames[table] = _parse(table, frame, report, distinct)
        check_text_columns(table, frames[table],
                           lambda mask, column, message, f=frames[table]: report.add_rows(f, mask, column, message))
    for table, frame in frames.items():
        frames[table] = _deduplicate(table, frame, report)
    for table, frame in frames.items():
        check_cancelled()
        _check_references(table, frame, frames, store, report, distinct)
        _check_cycles(table, frame, store, report)
    _check_departments(frames, store, report)
    room = max(0, MAX_PROBLEMS - len(report.problems))
    report.problems += participants.problems[:room]
    report.more += participants.more + max(0, len(participants.problems) - room)
    report.raise_if_any()
    return Batch({t: f[list(TABLES[t].columns)].reset_index(drop=True) for t, f in frames.items()},
                 provided={t: _provided(t, tables) for t in frames})


def _fold_participants(tables: list[RawTable], store: GraphStore | None, report: _Report) -> list[RawTable]:
    """Fold ``interaction_participants`` rows (one participant a row) into the lists of
    their interactions, which must be in the same import. Problems point at the
    participant's own row: no such interaction, no one named, an unknown person."""
    sheets = [t for t in tables if t.table == PARTICIPANTS]
    if not sheets:
        return tables
    rest = [t for t in tables if t.table != PARTICIPANTS]
    where: dict[str, tuple[int, int]] = {}  # interaction id → (table index, position)
    for ti, raw in enumerate(rest):
        if raw.table == "interactions" and "id" in raw.frame.columns:
            for pos, value in enumerate(raw.frame["id"]):
                iid = parse_text(value)
                if iid is not None:
                    where.setdefault(iid, (ti, pos))
    known = {side: {i for raw in rest if raw.table == side and "id" in raw.frame.columns
                    for i in map(parse_text, raw.frame["id"]) if i} for side in ("team", "contacts")}
    wanted: dict[str, set[str]] = {"team": set(), "contacts": set()}
    entries = []
    for raw in sheets:
        for column, header in raw.headers.items():
            report.headers[(raw.file, column)] = header
        if "interaction_id" not in raw.frame.columns:
            report.add(raw.file, None, None, "missing required column 'interaction_id'")
            continue
        frame = raw.frame
        for pos, row_no in enumerate(raw.rows):
            iid = parse_text(frame["interaction_id"].iat[pos])
            team = parse_text(frame["team_id"].iat[pos]) if "team_id" in frame.columns else None
            contact = parse_text(frame["contact_id"].iat[pos]) if "contact_id" in frame.columns else None
            if iid is None:
                report.add(raw.file, row_no, "interaction_id", "missing value for required 'interaction_id'")
            elif iid not in where:
                report.add(raw.file, row_no, "interaction_id",
                           f"unknown interaction {iid!r}: participants come with their interactions sheet")
            elif team is None and contact is None:
                report.add(raw.file, row_no, None, "name a team member (team_id) or a contact (contact_id)")
            else:
                entries.append((raw.file, row_no, iid, team, contact))
                wanted["team"] |= {team} - {None}
                wanted["contacts"] |= {contact} - {None}
    for side in wanted:
        unknown = wanted[side] - known[side]
        if unknown and store is not None:
            unknown -= store.existing_ids(side, unknown)
        known[side] = wanted[side] - unknown
    added: dict[tuple[int, int], dict[str, set[str]]] = defaultdict(lambda: {"team_ids": set(), "contact_ids": set()})
    for file, row_no, iid, team, contact in entries:
        for side, column, person in (("team", "team_id", team), ("contacts", "contact_id", contact)):
            if person is None:
                continue
            if person not in known[side]:
                report.add(file, row_no, column, f"unknown {_noun(side)} {person!r}: not in this import nor in "
                                                 "the store")
            else:
                added[where[iid]][f"{column}s"].add(person)
    folded = []
    for ti, raw in enumerate(rest):
        extra = {pos: lists for (t, pos), lists in added.items() if t == ti}
        if extra:
            frame = raw.frame.copy()
            for column in ("team_ids", "contact_ids"):
                if column not in frame.columns:
                    frame[column] = None
                    raw.headers.setdefault(column, column)
                for pos, lists in extra.items():
                    if lists[column]:
                        ids = set(parse_id_list(frame[column].iat[pos])) | lists[column]
                        frame.iloc[pos, frame.columns.get_loc(column)] = ";".join(sorted(ids))
            raw = RawTable(raw.table, raw.file, frame, raw.rows, raw.headers, raw.ignored_columns)
        folded.append(raw)
    return folded


def _provided(table: str, tables: list[RawTable]) -> tuple[str, ...]:
    """The columns the sources of ``table`` supplied, with the key and derived columns."""
    spec = TABLES[table]
    given = set(spec.key)
    for raw in tables:
        if raw.table == table:
            given |= set(raw.frame.columns)
    given |= {column for column, source, _ in spec.model.derived if source in given}
    return tuple(c for c in spec.columns if c in given)


def _combine(tables: list[RawTable], report: _Report) -> dict[str, pd.DataFrame]:
    parts: dict[str, list[pd.DataFrame]] = defaultdict(list)
    for raw in tables:
        spec = TABLES[raw.table]
        for column, header in raw.headers.items():
            report.headers[(raw.file, column)] = header
        missing = [c for c in spec.required if c not in raw.frame.columns]
        for column in missing:
            report.add(raw.file, None, None, f"missing required column {column!r}")
        if missing or raw.frame.empty:
            continue
        frame = raw.frame.copy(deep=False)  # columns are replaced, never changed in place
        frame[_FILE] = pd.Series(np.full(len(frame), raw.file, dtype=object), index=frame.index, dtype=object)
        frame[_ROW] = _row_numbers(raw.rows)
        parts[raw.table].append(frame)
    combined = {}
    for table in TABLES:  # referenced tables first
        if parts.get(table):
            frame = pd.concat(parts[table], ignore_index=True) if len(parts[table]) > 1 else parts[table][0]
            for column in TABLES[table].columns:
                if column not in frame.columns:
                    frame[column] = None
            combined[table] = frame  # blanks (None, NaN) become None as each column is parsed
    return combined


def _row_numbers(rows: Sequence[int]) -> np.ndarray:
    if isinstance(rows, range):  # a frame's rows: no list of ten million ints
        return np.arange(rows.start, rows.stop, rows.step, dtype=np.int64)
    return np.asarray(rows, dtype=np.int64)


def _parse(table: str, frame: pd.DataFrame, report: _Report, distinct: dict[tuple[str, str], list]
           ) -> pd.DataFrame:
    spec = TABLES[table]
    model = spec.model
    for column, parser in model.parsers.items():
        check_cancelled()
        values = frame[column]
        if parser is parse_text and pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):
            frame[column] = _trimmed(values)  # text read as text: trimmed all at once
            continue
        # each distinct value parsed once, then put back by position
        codes, uniques = pd.factorize(values.to_numpy(dtype=object), use_na_sentinel=True)
        parsed = np.empty(len(uniques) + 1, dtype=object)  # the last slot: blank cells
        bad: dict[int, str] = {}
        read = _id_list if parser is parse_id_list else lambda raw: storage_value(parser(raw))  # noqa: B023
        for i, raw in enumerate([*uniques, None]):
            try:
                parsed[i] = read(raw)
            except (ValueError, TypeError) as err:
                bad[i] = str(err)
                parsed[i] = None
        if bad:
            at = np.flatnonzero(np.isin(codes, list(bad)))
            for index, code in zip(frame.index[at], codes[at]):
                report.add(frame.at[index, _FILE], int(frame.at[index, _ROW]), column, bad[int(code)])
        frame[column] = pd.Series(parsed[codes], index=frame.index, dtype=object)
        if column not in {c for c, _, _ in model.derived}:
            distinct[(table, column)] = [p for i, p in enumerate(parsed[:-1]) if i not in bad]
    for column, source, derive in model.derived:  # derived once per distinct source value
        cells = frame[column].to_numpy(dtype=object)
        blank = pd.isna(cells)
        if blank.any():
            codes, uniques = pd.factorize(frame[source].to_numpy(dtype=object)[blank], use_na_sentinel=True)
            derived = np.empty(len(uniques) + 1, dtype=object)
            derived[:] = [storage_value(derive(v)) for v in [*uniques, None]]
            cells = cells.copy()
            cells[blank] = derived[codes]
            frame[column] = pd.Series(cells, index=frame.index, dtype=object)
    for column, info in model.model_fields.items():
        if not info.is_required() and info.default is not None:
            cells = frame[column].to_numpy(dtype=object)
            blank = pd.isna(cells)
            if blank.any():
                default = np.empty(len(cells), dtype=object)
                default.fill(storage_value(info.default))  # one object, even a tuple, in every blank
                frame[column] = pd.Series(np.where(blank, default, cells), index=frame.index, dtype=object)
    for column in spec.required:
        blank = frame[column].isna()
        if blank.any():
            report.add_rows(frame, blank, column, f"missing value for required {column!r}")
    for column, rule in model.checks:  # rules across columns (a plan's start before its due)
        for index, row in zip(frame.index, frame[list(spec.columns)].to_dict("records")):
            problem = rule({k: None if _blank(v) else v for k, v in row.items()})
            if problem:
                report.add(frame.at[index, _FILE], int(frame.at[index, _ROW]), column, problem)
    return frame


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


_SPACE = re.compile(r"\s")
_ID_SEPARATOR = re.compile(r"[;,、，；|\s]")


def _id_list(raw: object) -> tuple[str, ...]:
    """:func:`parse_id_list` in storage form, at once for the usual cell: one plain id."""
    if type(raw) is str and raw and not _ID_SEPARATOR.search(raw):
        return (raw,)
    return storage_value(parse_id_list(raw))


def _trimmed(values: pd.Series) -> pd.Series:
    """Text values trimmed, blanks as None. Nearly always nothing needs trimming, which one
    search over the joined values tells at a fraction of the cost of trimming each."""
    cells = values.to_numpy(dtype=object)
    blank = pd.isna(cells)
    if blank.any():
        cells = cells.copy()
        cells[blank] = None
    joined = "\x00".join(cells[~blank].tolist())
    # a blank value shows as "" alone, a separator at either end or two in a row
    if joined and not _SPACE.search(joined) and "\x00\x00" not in joined \
            and not joined.startswith("\x00") and not joined.endswith("\x00"):
        return pd.Series(cells, index=values.index, dtype=object)
    stripped = _objects(pd.Series(cells, index=values.index, dtype=object).str.strip())
    return stripped.where(stripped != "", None)


def _objects(values: pd.Series) -> pd.Series:
    """Values as Python objects with None (not NaN) for blanks."""
    values = values.astype(object)
    blank = values.isna()
    return values.where(~blank, None) if blank.any() else values


def _deduplicate(table: str, frame: pd.DataFrame, report: _Report) -> pd.DataFrame:
    key = list(TABLES[table].key)
    columns = list(TABLES[table].columns)
    if _unique_keys(frame, key):  # the usual case
        return frame
    same = frame.duplicated(subset=columns, keep="first")  # exact repeats are harmless
    frame = frame[~same]
    conflicting = frame[frame.duplicated(subset=key, keep=False)]
    for _, group in conflicting.groupby(key, sort=False, dropna=False):
        first = group.iloc[0]
        for _, row in group.iloc[1:].iterrows():
            differing = [c for c in columns if c not in key and row[c] != first[c]]
            label = "/".join(str(row[k]) for k in key)
            report.add(row[_FILE], int(row[_ROW]), differing[0] if differing else None,
                       f"duplicate {' + '.join(key)} {label!r} with conflicting values "
                       f"({', '.join(differing)}); first at {first[_FILE]}, row {int(first[_ROW])}")
    return frame


def _unique_keys(frame: pd.DataFrame, key: list[str]) -> bool:
    """Whether no two rows share a key, told on integer codes: each key column factorised,
    the codes combined column by column (blanks are a value of their own)."""
    combined = np.zeros(len(frame), dtype=np.int64)
    for column in key:
        codes, uniques = pd.factorize(frame[column].to_numpy(dtype=object), use_na_sentinel=False)
        combined = combined * (len(uniques) + 1) + codes
        combined = pd.factorize(combined)[0].astype(np.int64)  # small again before the next column
    return len(combined) == 0 or int(combined.max()) + 1 == len(combined)


def _check_references(table: str, frame: pd.DataFrame, frames: dict[str, pd.DataFrame],
                      store: GraphStore | None, report: _Report, distinct: dict[tuple[str, str], list]) -> None:
    for column, target in TABLES[table].references.items():
        values = frame[column]
        # the distinct values, as parsing found them (rows dropped since were exact repeats)
        cells = distinct.get((table, column))
        # (a Series first: numpy would make a list of equal-length tuples two-dimensional)
        cells = pd.unique(values.dropna().to_numpy(dtype=object)) if cells is None else \
            pd.Series(cells, dtype=object).to_numpy()
        cells = cells[~pd.isna(cells)]
        is_list = len(cells) > 0 and isinstance(cells[0], tuple)
        if is_list:
            cells = pd.unique(np.fromiter(chain.from_iterable(cells), dtype=object))
        if not len(cells):
            continue
        known = frames[target]["id"].to_numpy(dtype=object) if target in frames else np.empty(0, dtype=object)
        unknown = set(cells[~pd.Series(cells, dtype=object).isin(known).to_numpy()])
        if unknown and store is not None:
            unknown -= store.existing_ids(target, unknown)
        if not unknown:
            continue
        if is_list:
            exploded = values.explode()
            for index, value in exploded[exploded.isin(unknown)].items():
                report.add(frame.at[index, _FILE], int(frame.at[index, _ROW]), column,
                           f"unknown {_noun(target)} {value!r}: not in this import nor in the store")
        else:
            for value in sorted(unknown):
                report.add_rows(frame, values == value, column,
                                f"unknown {_noun(target)} {value!r}: not in this import nor in the store")


def _check_departments(frames: dict[str, pd.DataFrame], store: GraphStore | None, report: _Report) -> None:
    """A contact's department must belong to the contact's own account (a department of
    another account would put the person into that account's org chart)."""
    contacts = frames.get("contacts")
    if contacts is None or not len(contacts):
        return
    placed = contacts[contacts["department_id"].notna()]
    if not len(placed):
        return
    owner = pd.Series(dtype=object)
    if "departments" in frames:
        departments = frames["departments"].drop_duplicates("id", keep="last")
        owner = pd.Series(departments["account_id"].to_numpy(dtype=object),
                          index=departments["id"].to_numpy(dtype=object), dtype=object)
    if store is not None:
        stored = {}
        for department_id in set(pd.unique(placed["department_id"].to_numpy(dtype=object))) - set(owner.index):
            record = store.get("departments", department_id)
            if record is not None:
                stored[department_id] = record.account_id
        if stored:
            owner = pd.concat([owner, pd.Series(stored, dtype=object)])
    found = placed["department_id"].map(owner).to_numpy(dtype=object)
    accounts = placed["account_id"].to_numpy(dtype=object)
    wrong = ~pd.isna(found) & (found != accounts)
    for file, row, department_id, account_id, owner_id in zip(
            placed[_FILE].to_numpy()[wrong], placed[_ROW].to_numpy()[wrong],
            placed["department_id"].to_numpy()[wrong], accounts[wrong], found[wrong]):
        report.add(file, int(row), "department_id",
                   f"department {department_id!r} belongs to account {owner_id!r}, not to the contact's "
                   f"account {account_id!r}")


def _noun(table: str) -> str:
    return {"team": "team member", "opportunities": "opportunity"}.get(table, table.rstrip("s"))


def _check_cycles(table: str, frame: pd.DataFrame, store: GraphStore | None, report: _Report) -> None:
    column = TABLES[table].hierarchy
    if column is None:
        return
    ids = frame["id"].to_numpy(dtype=object)
    parents = frame[column].to_numpy(dtype=object)
    parent = dict(zip(ids, parents))
    # follow chains that leave the import into the store, one level at a time
    if store is not None:
        outside = ~pd.isna(parents) & ~pd.Series(parents, dtype=object).isin(ids).to_numpy()
        frontier = set(pd.unique(parents[outside]))
        while frontier:
            stored = store.parents(table, frontier)
            parent.update({k: v for k, v in stored.items() if k not in parent})
            frontier = {p for p in stored.values() if p is not None and p not in parent}
    starts = _may_loop(parent, ids)
    if not len(starts):
        return
    state: dict[str, int] = {}  # 1 = on the current walk, 2 = known to end at a root
    in_cycle: dict[str, list[str]] = {}
    for start in starts:
        walk: list[str] = []
        node = start
        while node is not None and state.get(node) is None and node in parent:
            state[node] = 1
            walk.append(node)
            node = parent[node]
        if node is not None and state.get(node) == 1:
            cycle = walk[walk.index(node):]
            for member in cycle:
                in_cycle[member] = cycle
        for member in walk:
            state[member] = 2
    if not in_cycle:
        return
    word = "reporting" if column == "reports_to" else "hierarchy"
    rows = frame[frame["id"].isin(in_cycle.keys())]
    for file, row, record_id in rows[[_FILE, _ROW, "id"]].itertuples(index=False, name=None):
        cycle = in_cycle[record_id]
        path = " → ".join([*cycle, cycle[0]])
        report.add(file, int(row), column, f"{word} cycle: {path}")


def _may_loop(parent: dict, ids: np.ndarray) -> np.ndarray:
    """The ids (in order) whose chain of parents never reaches a root: those in a cycle
    and those below one. Found on arrays by pointer doubling (each round follows twice
    as many links), so that a million rows with no cycle cost a few array passes."""
    keys = pd.Index(list(parent), dtype=object)
    sentinel = len(keys)  # "no parent": a root, or a parent outside the import and the store
    above = np.fromiter(parent.values(), dtype=object, count=len(parent))
    up = keys.get_indexer(pd.Index(above, dtype=object))
    up = np.append(np.where((up < 0) | pd.isna(above), sentinel, up), sentinel)
    for _ in range(max(1, int(sentinel).bit_length() + 1)):
        if (up == sentinel).all():
            return ids[:0]
        up = up[up]
    looping = up[keys.get_indexer(pd.Index(ids, dtype=object))] != sentinel
    return ids[looping]
