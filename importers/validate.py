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
from importers.columns import ParsedColumn, column_of, parse_column
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
    parsed: dict[str, dict[str, ParsedColumn]] = {}  # table → column → its codes and distinct values
    for table, frame in frames.items():
        parsed[table] = {}
        frames[table] = _parse(table, frame, report, parsed[table])
        check_text_columns(table, frames[table],
                           lambda mask, column, message, f=frames[table]: report.add_rows(f, mask, column, message),
                           {c: p.distinct() for c, p in parsed[table].items()},
                           {c: p.joined for c, p in parsed[table].items() if p.joined is not None})
        for column in parsed[table].values():
            column.joined = None  # tens of megabytes for a million e-mail addresses: not kept
    for table, frame in frames.items():
        frames[table] = _deduplicate(table, frame, report, parsed[table])
    known = _KnownIds(frames, parsed)
    for table, frame in frames.items():
        check_cancelled()
        _check_references(table, frame, parsed[table], known, store, report)
        _check_cycles(table, frame, parsed[table], store, report)
    _check_departments(frames, parsed.get("contacts", {}), store, report)
    room = max(0, MAX_PROBLEMS - len(report.problems))
    report.problems += participants.problems[:room]
    report.more += participants.more + max(0, len(participants.problems) - room)
    report.raise_if_any()
    return Batch({t: f[list(TABLES[t].columns)].reset_index(drop=True) for t, f in frames.items()},
                 provided={t: _provided(t, tables) for t in frames}, blanks_are_none=True)


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
        # the file's name as an object category: with pyarrow installed an inferred one is Arrow
        # text, and every to_numpy() of the column made a million strings (190 MB at 1M contacts)
        frame[_FILE] = pd.Categorical.from_codes(np.zeros(len(frame), dtype=np.int8),
                                                 categories=pd.Index([raw.file], dtype=object))
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


def _parse(table: str, frame: pd.DataFrame, report: _Report, columns: dict[str, ParsedColumn]) -> pd.DataFrame:
    """Parse every column of ``table`` (each distinct value once), fill derived columns and
    defaults, report missing required values and rules across columns. ``columns`` gets
    each parsed column's codes and distinct values for the checks that follow."""
    spec = TABLES[table]
    model = spec.model
    for column, parser in model.parsers.items():
        check_cancelled()
        parsed, bad = parse_column(frame[column].to_numpy(dtype=object), parser)
        if bad:
            at = np.flatnonzero(np.isin(parsed.codes, list(bad)))
            for file, row, code in zip(frame[_FILE].to_numpy()[at], frame[_ROW].to_numpy()[at], parsed.codes[at]):
                report.add(file, int(row), column, bad[int(code)])
        columns[column] = parsed
    for column, source, derive in model.derived:  # derived once per distinct source value
        target = columns.get(column) or column_of(frame[column].to_numpy(dtype=object))
        blank = target.blank_rows()
        if blank is not None:
            origin = columns.get(source) or column_of(frame[source].to_numpy(dtype=object))
            if origin.codes is None:
                origin = column_of(origin.values)
            derived = np.empty(len(origin.values), dtype=object)
            derived[:] = [storage_value(derive(v)) for v in origin.values.tolist()]
            cells = derived[origin.codes] if blank.all() else np.where(blank, derived[origin.codes], target.cells())
            target = column_of(cells)
        columns[column] = target
    for column, info in model.model_fields.items():
        if not info.is_required() and info.default is not None and column in columns:
            parsed = columns[column]
            blank = parsed.blank_positions()
            if len(blank):
                values = parsed.values.copy()
                default = storage_value(info.default)
                for position in blank.tolist():
                    values[position] = default  # one object, even a tuple, in every blank
                columns[column] = ParsedColumn(parsed.codes, values, False, parsed.bad)
    # a new frame holding the parsed arrays as they are (setting each column would copy it)
    frame = pd.DataFrame({**{c: frame[c] for c in frame.columns if c not in columns},
                          **{c: pd.Series(p.cells(), index=frame.index, dtype=object, copy=False)
                             for c, p in columns.items()}}, index=frame.index, copy=False)
    for column in spec.required:
        blank = columns[column].blank_rows() if column in columns else frame[column].isna().to_numpy()
        if blank is not None and blank.any():
            report.add_rows(frame, blank, column, f"missing value for required {column!r}")
    for column, rule in model.checks:  # rules across columns (a plan's start before its due)
        for index, row in zip(frame.index, frame[list(spec.columns)].to_dict("records")):
            problem = rule({k: None if _blank(v) else v for k, v in row.items()})
            if problem:
                report.add(frame.at[index, _FILE], int(frame.at[index, _ROW]), column, problem)
    return frame


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def _deduplicate(table: str, frame: pd.DataFrame, report: _Report, parsed: dict[str, ParsedColumn]) -> pd.DataFrame:
    key = list(TABLES[table].key)
    columns = list(TABLES[table].columns)
    if _unique_keys(frame, key, parsed):  # the usual case
        return frame
    same = frame.duplicated(subset=columns, keep="first").to_numpy()  # exact repeats are harmless
    frame = frame[~same]
    for column in parsed.values():
        column.drop(~same)
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


def _unique_keys(frame: pd.DataFrame, key: list[str], parsed: dict[str, ParsedColumn]) -> bool:
    """Whether no two rows share a key (blanks are a value of their own).

    One key column: told by a pandas index. Several: each column as integers (its codes
    from parsing, or a 64-bit hash of each text cell of a column kept as cells), mixed into
    one 64-bit number per row: equal keys give equal numbers, so when the numbers are all
    distinct so are the keys. Otherwise (a repeat, or rarely two keys mixing to one
    number) the columns are factorised and combined exactly."""
    if len(key) == 1 and not (key[0] in parsed and parsed[key[0]].exact):
        return pd.Index(frame[key[0]].to_numpy(dtype=object), dtype=object).is_unique
    mixed = np.zeros(len(frame), dtype=np.uint64)
    for column in key:
        known = parsed.get(column)
        if known is not None and known.exact:
            part = known.codes.astype(np.uint64)
        elif known is not None and known.codes is None:  # text cells, blanks None
            # Python's own hash: faster than pandas's hash_array, and each string keeps it
            # for the reference checks' set lookups that follow
            part = np.fromiter(map(hash, known.values.tolist()), dtype=np.int64,
                               count=len(known.values)).view(np.uint64)
        else:
            part = pd.factorize(frame[column].to_numpy(dtype=object), use_na_sentinel=False)[0].astype(np.uint64)
        mixed = mixed * np.uint64(0x100000001B3) ^ part
    if pd.Index(mixed).is_unique:
        return True
    combined = np.zeros(len(frame), dtype=np.int64)
    for column in key:
        codes, uniques = pd.factorize(frame[column].to_numpy(dtype=object), use_na_sentinel=False)
        combined = combined * (len(uniques) + 1) + codes
        combined = pd.factorize(combined)[0].astype(np.int64)  # small again before the next column
    return len(combined) == 0 or int(combined.max()) + 1 == len(combined)


class _KnownIds:
    """The ids each table of the import holds, as a set made once for all the references to it."""

    def __init__(self, frames: dict[str, pd.DataFrame], parsed: dict[str, dict[str, ParsedColumn]]) -> None:
        self.frames, self.parsed, self.sets = frames, parsed, {}

    def of(self, table: str) -> set:
        if table not in self.sets:
            ids = self.parsed.get(table, {}).get("id")
            if ids is not None:
                self.sets[table] = set(ids.distinct().tolist())
            else:
                frame = self.frames.get(table)
                self.sets[table] = set() if frame is None else set(frame["id"].dropna().tolist())
        return self.sets[table]


def _check_references(table: str, frame: pd.DataFrame, parsed: dict[str, ParsedColumn], known: _KnownIds,
                      store: GraphStore | None, report: _Report) -> None:
    for column, target in TABLES[table].references.items():
        values = frame[column]
        # the distinct values, as parsing found them (rows dropped since were exact repeats)
        cells = parsed[column].distinct() if column in parsed else \
            pd.unique(values.dropna().to_numpy(dtype=object))
        is_list = len(cells) > 0 and isinstance(cells[0], tuple)
        if is_list:
            cells = pd.unique(np.fromiter(chain.from_iterable(cells), dtype=object))
        if not len(cells):
            continue
        ids = known.of(target)
        cells = cells.tolist()
        unknown = set() if ids.issuperset(cells) else set(cells) - ids
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


def _check_departments(frames: dict[str, pd.DataFrame], parsed: dict[str, ParsedColumn], store: GraphStore | None,
                       report: _Report) -> None:
    """A contact's department must belong to the contact's own account (a department of
    another account would put the person into that account's org chart)."""
    contacts = frames.get("contacts")
    if contacts is None or not len(contacts):
        return
    department = parsed.get("department_id") or column_of(contacts["department_id"].to_numpy(dtype=object))
    named = department.distinct()
    if not len(named):
        return
    owner = pd.Series(dtype=object)
    if "departments" in frames:
        departments = frames["departments"].drop_duplicates("id", keep="last")
        owner = pd.Series(departments["account_id"].to_numpy(dtype=object),
                          index=departments["id"].to_numpy(dtype=object), dtype=object)
    if store is not None:
        stored = {}
        for department_id in set(named.tolist()) - set(owner.index):
            record = store.get("departments", department_id)
            if record is not None:
                stored[department_id] = record.account_id
        if stored:
            owner = pd.concat([owner, pd.Series(stored, dtype=object)])
    # each distinct department's account, then put back by position
    found = owner.reindex(pd.Index(department.values, dtype=object)).to_numpy(dtype=object)
    if department.codes is not None:
        found = found[department.codes]
    accounts = contacts["account_id"].to_numpy(dtype=object)
    wrong = ~pd.isna(found) & (found != accounts)
    for file, row, department_id, account_id, owner_id in zip(
            contacts[_FILE].to_numpy()[wrong], contacts[_ROW].to_numpy()[wrong],
            contacts["department_id"].to_numpy()[wrong], accounts[wrong], found[wrong]):
        report.add(file, int(row), "department_id",
                   f"department {department_id!r} belongs to account {owner_id!r}, not to the contact's "
                   f"account {account_id!r}")


def _noun(table: str) -> str:
    return {"team": "team member", "opportunities": "opportunity"}.get(table, table.rstrip("s"))


def _check_cycles(table: str, frame: pd.DataFrame, parsed: dict[str, ParsedColumn], store: GraphStore | None,
                  report: _Report) -> None:
    column = TABLES[table].hierarchy
    if column is None:
        return
    ids = frame["id"].to_numpy(dtype=object)
    parents = frame[column].to_numpy(dtype=object)
    index = pd.Index(ids, dtype=object)
    unique = index.is_unique
    if not unique:
        last = ~index.duplicated(keep="last")  # a repeated id: its last row, as a dict keeps it
        ids, parents = ids[last], parents[last]
        index = pd.Index(ids, dtype=object)
    above = parsed.get(column)
    if unique and above is not None and above.codes is not None:  # each distinct parent looked up once
        at = index.get_indexer(pd.Index(above.values, dtype=object))
        at[above.blank_positions()] = -2  # no parent
        up = at[above.codes]
    else:
        up = np.where(pd.isna(parents), -2, index.get_indexer(pd.Index(parents, dtype=object)))
    records = len(ids)
    # follow chains that leave the import into the store, one level at a time
    outside = up == -1  # a parent neither blank nor in the import
    if store is not None and outside.any():
        stored: dict = {}
        frontier = set(pd.unique(parents[outside]))
        while frontier:
            found = store.parents(table, frontier)
            stored.update({k: v for k, v in found.items() if k not in stored and k not in index})
            frontier = {p for p in found.values() if p is not None and p not in stored and p not in index}
        if stored:
            ids = np.concatenate([ids, np.fromiter(stored.keys(), dtype=object, count=len(stored))])
            parents = np.concatenate([parents, np.fromiter(stored.values(), dtype=object, count=len(stored))])
            index = pd.Index(ids, dtype=object)
            up = np.where(pd.isna(parents), -2, index.get_indexer(pd.Index(parents, dtype=object)))
    starts = ids[:records][_may_loop(up)[:records]]
    if not len(starts):
        return
    parent = dict(zip(ids, parents))
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


def _may_loop(up: np.ndarray) -> np.ndarray:
    """A mask of the records (by position; ``up`` gives each one's parent, negative for none)
    whose chain of parents never reaches a root: those in a cycle and those below one.
    Found by pointer doubling (each round follows twice as many links), so that a million
    rows with no cycle cost a few array passes."""
    sentinel = len(up)  # "no parent": a root, or a parent outside the import and the store
    chain_up = np.append(np.where(up < 0, sentinel, up), sentinel)
    for _ in range(max(1, int(sentinel).bit_length() + 1)):
        if (chain_up == sentinel).all():
            return np.zeros(len(up), dtype=bool)
        chain_up = chain_up[chain_up]
    return chain_up[:-1] != sentinel
