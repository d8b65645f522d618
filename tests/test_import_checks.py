"""The import's checks on whole columns (cycles by pointer doubling, duplicate keys on
integer codes, references and departments by lookups on arrays) give the answers a
walk row by row gives, and the cells stay plain Python strings whether or not pyarrow
is installed."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from builders import write_csv
from graph.embedded import EmbeddedStore
from graph.exceptions import ImportRejected
from importers import import_paths, read_paths, tables_from_frames
from importers.validate import validate


def _cycle_members(parents: dict[str, str | None]) -> set[str]:
    """The people on a reporting cycle, found by walking each chain (the definition)."""
    members = set()
    for start in parents:
        seen = []
        node = start
        while node is not None and node in parents and node not in seen:
            seen.append(node)
            node = parents[node]
        if node is not None and node in seen:
            members |= set(seen[seen.index(node):])
    return members


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=-1, max_value=11), min_size=1, max_size=12))
def test_cycles_found_on_arrays_are_the_cycles_a_walk_finds(managers):
    people = [f"p{i}" for i in range(len(managers))]
    # -1: no manager; an index past the list: a manager neither imported nor stored
    parents = {p: None if m < 0 else f"p{m}" for p, m in zip(people, managers)}
    frames = {"accounts": pd.DataFrame([{"id": "A", "name": "Acme"}]),
              "contacts": pd.DataFrame([{"id": p, "account_id": "A", "name": p, "reports_to": parents[p]}
                                        for p in people])}
    expected = _cycle_members({p: q if q in parents else None for p, q in parents.items()})
    try:
        validate(tables_from_frames(frames))
        found = set()
    except ImportRejected as rejected:
        found = {people[p.row - 2] for p in rejected.problems if p.message.startswith("reporting cycle")}
    assert found == expected


def test_a_long_chain_with_a_cycle_at_its_top_reports_only_the_cycle(tmp_path):
    rows = [["id", "account_id", "name", "reports_to"]]
    rows += [[f"c{i}", "A", f"c{i}", f"c{i + 1}"] for i in range(2000)]  # c0 → c1 → … → c2000
    rows += [["c2000", "A", "top", "c1998"]]  # … c1998 → c1999 → c2000 → c1998
    write_csv(tmp_path / "contacts.csv", rows)
    write_csv(tmp_path / "accounts.csv", [["id", "name"], ["A", "Acme"]])
    with EmbeddedStore(tmp_path / "pm.db") as store:
        with pytest.raises(ImportRejected) as excinfo:
            import_paths([tmp_path], store)
        assert store.counts()["contacts"] == 0
    assert sorted(p.row for p in excinfo.value.problems) == [2000, 2001, 2002]
    assert excinfo.value.problems[0].message == "reporting cycle: c1998 → c1999 → c2000 → c1998"


def test_duplicate_keys_of_two_columns_conflicting_are_errors_identical_are_not(tmp_path):
    write_csv(tmp_path / "accounts.csv", [["id", "name"], ["A", "Acme"]])
    write_csv(tmp_path / "contacts.csv", [["id", "account_id", "name"], ["C1", "A", "x"], ["C2", "A", "y"]])
    write_csv(tmp_path / "team.csv", [["id", "name", "role"], ["T1", "Li", "sales"]])
    write_csv(tmp_path / "relationships.csv", [["team_id", "contact_id", "strength"],
                                               ["T1", "C1", "0.5"], ["T1", "C2", "0.5"], ["T1", "C1", "0.5"],
                                               ["T1", "C2", "0.9"]])
    with EmbeddedStore(tmp_path / "pm.db") as store, pytest.raises(ImportRejected) as excinfo:
        import_paths([tmp_path], store)
    [problem] = excinfo.value.problems
    assert (problem.row, problem.column) == (5, "strength")
    assert "duplicate team_id + contact_id 'T1/C2' with conflicting values (strength)" in problem.message


def test_unknown_references_are_named_once_per_row(tmp_path):
    write_csv(tmp_path / "accounts.csv", [["id", "name"], ["A", "Acme"]])
    write_csv(tmp_path / "contacts.csv", [["id", "account_id", "name", "reports_to"],
                                          ["C1", "A", "x", "C9"], ["C2", "B", "y", "C1"], ["C3", "A", "z", "C9"]])
    with EmbeddedStore(tmp_path / "pm.db") as store, pytest.raises(ImportRejected) as excinfo:
        import_paths([tmp_path], store)
    assert sorted((p.row, p.column, p.message) for p in excinfo.value.problems) == [
        (2, "reports_to", "unknown contact 'C9': not in this import nor in the store"),
        (3, "account_id", "unknown account 'B': not in this import nor in the store"),
        (4, "reports_to", "unknown contact 'C9': not in this import nor in the store")]


def test_csv_cells_are_plain_python_strings(tmp_path):
    """pandas 3 keeps text as its ``str`` dtype (Arrow-backed when pyarrow is importable):
    the import asks for plain objects, so it reads and checks the same either way."""
    write_csv(tmp_path / "accounts.csv", [["id", "name", "tier"], ["A", "华东重工", "A"], ["B", "Beta", ""]])
    write_csv(tmp_path / "contacts.csv", [["id", "account_id", "name", "title"], ["C1", "A", "王总", "总经理"]])
    tables, _ = read_paths([tmp_path])
    for raw in tables:
        assert all(dtype == object for dtype in raw.frame.dtypes), raw.frame.dtypes
        assert {type(v) for v in raw.frame.to_numpy().ravel()} <= {str, type(None)}
    batch = validate(tables)
    for frame in batch.tables.values():
        assert all(dtype == object for dtype in frame.dtypes), frame.dtypes
