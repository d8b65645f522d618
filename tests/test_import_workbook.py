"""Importing powermap's workbook format from real .xlsx and CSV files. What the store takes part
in — atomicity, idempotency, upserts of the supplied columns only, references and cycles through
stored records — runs on both stores (``@BOTH_STORES``)."""

from __future__ import annotations

import pandas as pd
import pytest

from builders import SMALL, write_csv, write_workbook
from graph.exceptions import ImportRejected
from importers import import_frames, import_paths
from neo4j_support import BOTH_STORES


def problems_of(excinfo) -> list[str]:
    return [str(p) for p in excinfo.value.problems]


def test_xlsx_with_every_sheet_imports_everything(store, tmp_path):
    report = import_paths([write_workbook(tmp_path / "acct.xlsx", SMALL)], store)
    assert report.result.inserted == {"accounts": 3, "departments": 2, "contacts": 3, "team": 2,
                                      "relationships": 2, "influence": 2, "opportunities": 1,
                                      "opportunity_members": 2}
    assert store.counts()["reports_to"] == 2
    c2 = store.get("contacts", "C2")
    assert (c2.level.value, c2.stance, sorted(r.value for r in c2.roles)) == ("manager", -1, ["buyer", "gatekeeper"])
    assert store.get("departments", "D-PUR").kind.value == "purchasing"
    assert store.get("accounts", "W1").kind.value == "window"
    assert store.get("opportunities", "O1").dmu_type.value == "consensus"
    assert store.get("opportunity_members", ("O1", "C1")).is_decider is True
    assert store.get("team", "T1").accounts == {"G1", "S1"}


def test_chinese_sheet_and_column_names(store, tmp_path):
    sheets = {
        "客户": [["编号", "名称", "上级", "类型"], ["G1", "集团", None, "集团"], ["S1", "基地", "G1", "基地"]],
        "联系人": [["编号", "所属客户", "姓名", "职务", "上级", "角色", "态度", "影响力", "最近接触", "邮箱", "说明"],
                 ["C1", "G1", "王总", "总经理", None, "决策者", "中立", "90%", "2026年10月5日", "w@x.cn", "ignored"],
                 ["C2", "S1", "李工", "工程师", "C1", "影响者", "教练", 0.3, None, None, None]],
        "说明": [["这是一个说明页"]],
    }
    report = import_paths([write_workbook(tmp_path / "客户.xlsx", sheets)], store)
    assert report.rows == {"accounts": 2, "contacts": 2}
    assert any("说明" in w for w in report.warnings)
    c1 = store.get("contacts", "C1")
    assert (c1.level.value, c1.stance, c1.influence, str(c1.last_contact)) == ("executive", 0, 0.9, "2026-10-05")
    assert store.get("contacts", "C2").reports_to == "C1"


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig", "utf-8", "utf-16"])
def test_csv_folder_in_every_encoding_chinese_excel_writes(store, tmp_path, encoding):
    write_csv(tmp_path / "客户.csv", [["编号", "名称", "上级"], ["G1", "华东重工集团", ""], ["S1", "苏州基地", "G1"]],
              encoding=encoding)
    write_csv(tmp_path / "联系人.csv", [["编号", "所属客户", "姓名", "职位", "关系评分"],
                                      ["C1", "S1", "王建国", "采购总监", "支持"]], encoding=encoding)
    import_paths([tmp_path], store)
    assert store.get("accounts", "G1").name == "华东重工集团"
    contact = store.get("contacts", "C1")
    assert (contact.name, contact.level.value, contact.stance) == ("王建国", "director", 1)


@BOTH_STORES
def test_error_report_names_file_row_and_column_and_writes_nothing(store, tmp_path):
    import_paths([write_workbook(tmp_path / "base.xlsx", SMALL)], store)
    before = store.counts()
    write_csv(tmp_path / "contacts.csv", [
        ["id", "account_id", "name", "reports_to", "stance", "last_contact"],
        ["N1", "S1", "ok", "C1", "1", "2026-01-01"],
        ["N2", "S1", "bad stance", "", "7", ""],
        ["N3", "NOPE", "bad account", "", "", "someday"],
    ])
    write_csv(tmp_path / "influence.csv", [["source_id", "target_id", "weight"], ["N1", "C1", "1.4"]])
    with pytest.raises(ImportRejected) as excinfo:
        import_paths([tmp_path / "contacts.csv", tmp_path / "influence.csv"], store)
    text = problems_of(excinfo)
    contacts, influence = str(tmp_path / "contacts.csv"), str(tmp_path / "influence.csv")
    assert f"{contacts}, row 3, column 'stance': stance '7' is outside -1..3 (-1 opposes us … 3 coach)" in text
    assert f"{contacts}, row 4, column 'account_id': unknown account 'NOPE': not in this import nor in the store" \
        in text
    assert any(t.startswith(f"{contacts}, row 4, column 'last_contact': 'someday' is not a date") for t in text)
    assert f"{influence}, row 2, column 'weight': weight '1.4' is outside 0..1" in text
    assert store.counts() == before


@BOTH_STORES
def test_an_error_in_the_last_row_writes_nothing(store, tmp_path):
    rows = [["id", "account_id", "name", "stance"]] + [[f"C{i}", "A", f"p{i}", "1"] for i in range(5000)]
    rows[-1][3] = "9"
    write_csv(tmp_path / "contacts.csv", rows)
    write_csv(tmp_path / "accounts.csv", [["id", "name"], ["A", "Acme"]])
    with pytest.raises(ImportRejected) as excinfo:
        import_paths([tmp_path], store)
    assert [p.row for p in excinfo.value.problems] == [5001]
    assert store.counts()["accounts"] == 0 and store.counts()["contacts"] == 0


def test_chinese_header_is_named_in_the_error(store, tmp_path):
    write_csv(tmp_path / "联系人.csv", [["编号", "所属客户", "姓名", "关系评分"], ["C1", "A", "王", "很好"]])
    with pytest.raises(ImportRejected) as excinfo:
        import_paths([tmp_path / "联系人.csv"], store, dry_run=True)
    assert {(p.row, p.column) for p in excinfo.value.problems} == {(2, "关系评分"), (2, "所属客户")}


def test_missing_required_column_is_reported_for_the_file(store, tmp_path):
    write_csv(tmp_path / "contacts.csv", [["id", "name"], ["C1", "x"]])
    with pytest.raises(ImportRejected) as excinfo:
        import_paths([tmp_path / "contacts.csv"], store)
    assert problems_of(excinfo) == [f"{tmp_path / 'contacts.csv'}: missing required column 'account_id'"]


def test_duplicate_ids_conflicting_are_errors_identical_are_not(store, tmp_path):
    write_csv(tmp_path / "accounts.csv", [["id", "name"], ["A", "Acme"], ["A", "Acme"], ["B", "Beta"], ["B", "Bravo"]])
    with pytest.raises(ImportRejected) as excinfo:
        import_paths([tmp_path / "accounts.csv"], store)
    [problem] = excinfo.value.problems
    assert (problem.row, problem.column) == (5, "name")
    assert "duplicate id 'B' with conflicting values (name); first at" in problem.message


def test_reporting_cycle_in_the_import_is_refused(store, tmp_path):
    write_csv(tmp_path / "accounts.csv", [["id", "name"], ["A", "Acme"]])
    write_csv(tmp_path / "contacts.csv", [["id", "account_id", "name", "reports_to"],
                                          ["a", "A", "a", "b"], ["b", "A", "b", "c"], ["c", "A", "c", "a"],
                                          ["d", "A", "d", "a"], ["e", "A", "e", "e"]])
    with pytest.raises(ImportRejected) as excinfo:
        import_paths([tmp_path], store)
    cycles = {p.row: p.message for p in excinfo.value.problems}
    assert set(cycles) == {2, 3, 4, 6}  # d only reports into the cycle; e reports to itself
    assert cycles[2] == "reporting cycle: a → b → c → a" and cycles[6] == "reporting cycle: e → e"


@BOTH_STORES
def test_cycle_closed_through_the_store_is_refused(store, tmp_path):
    write_csv(tmp_path / "accounts.csv", [["id", "name"], ["A", "Acme"]])
    write_csv(tmp_path / "contacts.csv", [["id", "account_id", "name", "reports_to"],
                                          ["boss", "A", "boss", ""], ["mid", "A", "mid", "boss"]])
    import_paths([tmp_path], store)
    write_csv(tmp_path / "more.csv", [["id", "account_id", "name", "reports_to"], ["boss", "A", "boss", "mid"]])
    (tmp_path / "more.csv").rename(tmp_path / "contacts.csv")
    with pytest.raises(ImportRejected, match="1 problem") as excinfo:
        import_paths([tmp_path / "contacts.csv"], store)
    assert excinfo.value.problems[0].message == "reporting cycle: boss → mid → boss"


@BOTH_STORES
def test_account_hierarchy_cycle_is_refused(store, tmp_path):
    write_csv(tmp_path / "accounts.csv", [["id", "name", "parent_id"], ["A", "a", "B"], ["B", "b", "A"]])
    with pytest.raises(ImportRejected, match="2 problems"):
        import_paths([tmp_path], store)


@BOTH_STORES
def test_reimporting_changes_nothing_and_newer_file_updates_in_place(store, tmp_path):
    path = write_workbook(tmp_path / "a.xlsx", SMALL)
    import_paths([path], store)
    again = import_paths([path], store)
    assert not again.result.changed
    newer = {k: [list(r) for r in v] for k, v in SMALL.items()}
    newer["contacts"][3][7] = 2  # Tom Lee now supports us
    report = import_paths([write_workbook(tmp_path / "b.xlsx", newer)], store)
    assert report.result.updated == {**{t: 0 for t in SMALL}, "contacts": 1}
    assert store.get("contacts", "C3").stance == 2


@BOTH_STORES
def test_incremental_import_may_reference_records_already_in_the_store(store, tmp_path):
    import_paths([write_workbook(tmp_path / "a.xlsx", SMALL)], store)
    write_csv(tmp_path / "relationships.csv", [["team_id", "contact_id", "strength"], ["T2", "C3", "0.5"]])
    import_paths([tmp_path / "relationships.csv"], store)
    assert store.get("relationships", ("T2", "C3")).strength == 0.5


@BOTH_STORES
def test_dry_run_validates_and_writes_nothing(store, tmp_path):
    report = import_paths([write_workbook(tmp_path / "a.xlsx", SMALL)], store, dry_run=True)
    assert report.rows["contacts"] == 3 and report.result is None
    assert store.counts()["contacts"] == 0


def test_file_that_is_not_a_workbook_is_reported(store, tmp_path):
    (tmp_path / "contacts.xlsx").write_text("not really excel")
    with pytest.raises(ImportRejected, match="1 problem") as excinfo:
        import_paths([tmp_path / "contacts.xlsx"], store)
    assert "not a readable .xlsx workbook" in excinfo.value.problems[0].message


@BOTH_STORES
def test_pandas_entry_point_applies_the_same_validation(store):
    accounts = pd.DataFrame({"编号": ["A"], "名称": ["Acme"]})
    contacts = pd.DataFrame({"id": ["c1", "c2"], "account_id": ["A", "A"], "name": ["x", "y"],
                             "stance": [3, 9], "roles": ["决策者", None]})
    with pytest.raises(ImportRejected) as excinfo:
        import_frames({"accounts": accounts, "contacts": contacts}, store)
    assert problems_of(excinfo) == ["contacts, row 3, column 'stance': stance 9 is outside -1..3 "
                                    "(-1 opposes us … 3 coach)"]
    contacts.loc[1, "stance"] = 2
    import_frames({"accounts": accounts, "contacts": contacts}, store)
    assert store.get("contacts", "c1").is_coach


@BOTH_STORES
def test_a_file_with_fewer_columns_updates_only_those(store, tmp_path):
    import_paths([write_workbook(tmp_path / "a.xlsx", SMALL)], store)
    write_csv(tmp_path / "contacts.csv", [["id", "account_id", "name", "stance"], ["C2", "S1", "李明", "2"]])
    report = import_paths([tmp_path / "contacts.csv"], store)
    assert report.result.updated == {"contacts": 1}
    c2 = store.get("contacts", "C2")
    assert c2.stance == 2
    assert (c2.title, c2.department_id, c2.reports_to, c2.level.value) == ("采购经理", "D-PUR", "C1", "manager")
    assert sorted(r.value for r in c2.roles) == ["buyer", "gatekeeper"]
    write_csv(tmp_path / "team.csv", [["id", "name"], ["T1", "张经理"]])
    import_paths([tmp_path / "team.csv"], store)
    assert store.get("team", "T1").accounts == {"G1", "S1"}  # ownership kept
    assert store.account_subgraph("G1").has_edge("team:T1", "account:G1")


@pytest.mark.parametrize("padded", [" C1", "C1\t", "C1\u3000", "\u00a0C1"])
def test_cells_are_trimmed_and_blank_text_is_no_value(store, padded):
    """Ids and text lose surrounding white space (full-width too); a cell of spaces is blank."""
    import_frames({
        "accounts": pd.DataFrame({"id": ["A1"], "name": ["Acme"]}),
        "contacts": pd.DataFrame({"id": [padded, "C2"], "account_id": ["A1", "A1 "], "name": ["王总", "李工"],
                                  "title": ["  ", ""]}),
    }, store)
    assert store.get("contacts", "C1").title is None
    assert store.get("contacts", "C2").account_id == "A1"
    assert {r["id"] for r in store.list_records("contacts")} == {"C1", "C2"}


@pytest.mark.parametrize("names", [[""], ["", ""], ["Acme", ""], ["", "Acme"], ["A", "", "B"], ["\u3000"]])
def test_a_blank_required_text_is_refused_wherever_it_stands(store, names):
    frame = pd.DataFrame({"id": [f"A{i}" for i in range(len(names))], "name": names})
    with pytest.raises(ImportRejected) as excinfo:
        import_frames({"accounts": frame}, store)
    assert [p.row for p in excinfo.value.problems] == [i + 2 for i, n in enumerate(names) if not n.strip()]
    assert all("missing value for required 'name'" in p.message for p in excinfo.value.problems)


def test_blank_cells_take_the_models_defaults_lists_included(store):
    import_frames({
        "accounts": pd.DataFrame({"id": ["A1"], "name": ["Acme"], "kind": [None]}),
        "contacts": pd.DataFrame({"id": ["C1", "C2"], "account_id": ["A1", "A1"], "name": ["王总", "李工"],
                                  "roles": ["决策者", None]}),
    }, store)
    assert store.get("accounts", "A1").kind.value == "company"
    assert store.get("contacts", "C2").roles == frozenset() and len(store.get("contacts", "C1").roles) == 1


def test_an_unreadable_list_cell_is_a_problem_of_its_row(store):
    with pytest.raises(ImportRejected) as excinfo:
        import_frames({"accounts": pd.DataFrame({"id": ["A1"], "name": ["Acme"]}),
                       "contacts": pd.DataFrame({"id": ["C1"], "account_id": ["A1"], "name": ["王总"],
                                                 "roles": ["$defs"]})}, store)
    assert [(p.row, p.column) for p in excinfo.value.problems] == [(2, "roles")]


def test_a_large_csv_is_read_in_chunks_with_rows_and_values_intact(store, tmp_path, monkeypatch):
    """Chunked reading (here 3 rows a chunk) keeps every value, shares equal ones, and
    problems still name the row, across a blank line and a two-line cell."""
    import importers.tabular

    monkeypatch.setattr(importers.tabular, "_CSV_CHUNK", 3)
    (tmp_path / "accounts.csv").write_text("id,name\nA1,Acme\nA2,Beta\n", encoding="utf-8")
    lines = ["id,account_id,name,title"] + [f"C{i},A{1 + i % 2},p{i},工程师" for i in range(7)]
    lines[3] = 'C2,A1,p2,"two\nlines"'
    lines.insert(5, "")
    lines.append("C9,A9,p9,")  # unknown account: row 10 as a spreadsheet shows the file (the blank line
    #                              is a row of its own, the two-line cell one row)
    (tmp_path / "contacts.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    tables = importers.tabular.read_csv_table(tmp_path / "contacts.csv", "contacts")
    titles = tables.frame["title"].tolist()
    assert titles[3] is titles[4] and titles[2] == "two\nlines" and titles[-1] is None
    with pytest.raises(ImportRejected) as excinfo:
        import_paths([tmp_path / "accounts.csv", tmp_path / "contacts.csv"], store)
    assert [(p.row, p.column) for p in excinfo.value.problems] == [(10, "account_id")]
