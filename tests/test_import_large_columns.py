"""Columns past the sampling threshold of validation (more than 10,000 rows, nearly every
value distinct) are checked as their cells rather than as codes into distinct values
(``importers.columns.ParsedColumn``): the same problems, with file, row and column, and the
same stored values as a small import gives."""

from __future__ import annotations

import pandas as pd
import pytest

from graph.embedded import EmbeddedStore
from graph.exceptions import ImportRejected
from importers import import_frames, tables_from_frames
from importers.validate import validate

N = 12_000  # past the 10,000 cells validation samples


def _people(n: int = N) -> dict[str, pd.DataFrame]:
    ids = [f"C{i:05d}" for i in range(n)]
    contacts = pd.DataFrame({
        "id": ids, "account_id": "A", "name": [f"人{i}" for i in range(n)],
        "reports_to": [None, *ids[:-1]],  # a chain: nearly every manager distinct
        "email": [f"p{i}@example.cn" for i in range(n)],
        "department_id": [f"D{i}" for i in range(n)],  # a department each
    })
    departments = pd.DataFrame({"id": [f"D{i}" for i in range(n)], "account_id": "A", "name": "部门"})
    relationships = pd.DataFrame({"team_id": "T1", "contact_id": ids, "strength": 0.5})
    influence = pd.DataFrame({"source_id": ids, "target_id": [*ids[1:], ids[0]], "kind": "advice"})
    return {"accounts": pd.DataFrame([{"id": "A", "name": "Acme"}, {"id": "B", "name": "Beta"}]),
            "departments": departments, "contacts": contacts,
            "team": pd.DataFrame([{"id": "T1", "name": "李", "role": "sales"}]),
            "relationships": relationships, "influence": influence}


def _problems(frames: dict[str, pd.DataFrame]) -> list[tuple[str, int | None, str | None, str]]:
    with pytest.raises(ImportRejected) as excinfo:
        validate(tables_from_frames(frames))
    return sorted((p.file, p.row, p.column, p.message) for p in excinfo.value.problems)


def test_a_large_clean_import_is_stored_trimmed_with_blanks_as_none(tmp_path):
    frames = _people()
    frames["contacts"].loc[5, "name"] = "  人5 "
    frames["contacts"].loc[7, "email"] = None
    frames["relationships"].loc[9, "contact_id"] = " C00009"
    with EmbeddedStore(tmp_path / "pm.db") as store:
        report = import_frames(frames, store)
        assert report.result.inserted["contacts"] == N
        assert store.get("contacts", "C00005").name == "人5"
        assert store.get("contacts", "C00007").email is None
        assert store.get("contacts", "C00006").reports_to == "C00005"
        assert store.counts()["relationships"] == N


def test_problems_in_large_columns_name_file_row_and_column():
    frames = _people()
    contacts, relationships, influence = frames["contacts"], frames["relationships"], frames["influence"]
    contacts.loc[100, "name"] = "   "  # blank after trimming: a required value missing
    contacts.loc[200, "email"] = "javascript:alert(1)"
    contacts.loc[300, "id"] = "C\u200b00300"  # an invisible character in an id (C00300 is now unknown)
    contacts.loc[400, "account_id"] = "B"  # its department D400 belongs to A
    influence.loc[500, "target_id"] = "C99999"  # nobody
    relationships.loc[N - 1] = ["T1", "C00010", 0.9]  # the pair T1/C00010 again, another strength
    contacts.loc[0, "reports_to"] = "C00003"  # C00000 → C00003 → C00002 → C00001 → C00000
    problems = _problems(frames)
    assert ("contacts", 102, "name", "missing value for required 'name'") in problems
    assert ("contacts", 202, "email", "'javascript:alert(1)' is not an e-mail address (name@example.com)") in problems
    assert ("contacts", 302, "id", "id 'C\\u200b00300' holds an invisible or text-direction character") in problems
    assert ("contacts", 402, "department_id",
            "department 'D400' belongs to account 'A', not to the contact's account 'B'") in problems
    assert ("influence", 502, "target_id", "unknown contact 'C99999': not in this import nor in the store") in problems
    [duplicate] = [p for p in problems if p[0] == "relationships" and p[3].startswith("duplicate")]
    assert duplicate[1:3] == (N + 1, "strength")
    assert "duplicate team_id + contact_id 'T1/C00010' with conflicting values (strength)" in duplicate[3]
    assert ("relationships", 302, "contact_id", "unknown contact 'C00300': not in this import nor in the store") \
        in problems
    cycle = [p for p in problems if p[3].startswith("reporting cycle")]
    assert [p[1] for p in cycle] == [2, 3, 4, 5]
    assert cycle[0][3] == "reporting cycle: C00000 → C00003 → C00002 → C00001 → C00000"


def test_exact_repeats_of_large_tables_are_harmless(tmp_path):
    frames = _people()
    frames["influence"] = pd.concat([frames["influence"], frames["influence"].iloc[:50]], ignore_index=True)
    frames["contacts"] = pd.concat([frames["contacts"], frames["contacts"].iloc[[20]]], ignore_index=True)
    batch = validate(tables_from_frames(frames))
    assert batch.count("influence") == N
    assert batch.count("contacts") == N


def test_white_space_at_either_end_is_trimmed_and_inside_kept_in_large_and_small_columns():
    # names: a large column checked as its cells; titles: few distinct values, checked as codes
    frames = _people()
    contacts = frames["contacts"]
    contacts["title"] = "经理"
    contacts["competitor"] = ""  # every cell empty: no value at all
    for row, name, title in [(1, "人1\u3000", " 经理"), (2, "甲  乙", "经理\xa0"), (3, "\t人3", "甲  乙"),
                             (4, "人4\n", "   "), (6, "人6 ", "")]:
        contacts.loc[row, "name"], contacts.loc[row, "title"] = name, title
    stored = validate(tables_from_frames(frames)).tables["contacts"].set_index("id")
    assert [stored.at[f"C{i:05d}", "name"] for i in (1, 2, 3, 4, 6)] == ["人1", "甲  乙", "人3", "人4", "人6"]
    assert [stored.at[f"C{i:05d}", "title"] for i in (1, 2, 3, 4, 6)] == ["经理", "经理", "甲  乙", None, None]
    assert stored.at["C00005", "name"] == "人5" and stored.at["C00005", "title"] == "经理"
    assert stored["competitor"].isna().all() and stored["competitor"].map(type).eq(type(None)).all()


def test_a_column_without_any_value_is_blank_or_its_default_in_every_row():
    # absent from the source (influence weight) or present with every cell blank (kind,
    # competitor): no value is parsed, defaults fill in as for any blank cell
    frames = _people()
    frames["influence"] = frames["influence"].drop(columns=["kind"]).assign(weight=float("nan"))
    frames["contacts"]["competitor"] = None
    batch = validate(tables_from_frames(frames))
    influence, contacts = batch.tables["influence"], batch.tables["contacts"]
    assert influence["kind"].eq("other").all() and influence["weight"].map(type).eq(type(None)).all()
    assert contacts["competitor"].map(type).eq(type(None)).all() and contacts["last_contact"].isna().all()
