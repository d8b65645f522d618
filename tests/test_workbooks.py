"""The import format written: the blank template (`powermap template`, `GET /template`) and an
account exported (`powermap export`, `GET /accounts/{id}/export`). Real files are written,
read back with openpyxl, and imported by the real importer into a real embedded store."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from conftest import REPO
from graph.embedded import EmbeddedStore
from graph.model import TABLES
from graph.vocabulary import parse_choice, parse_stance
from importers import import_frames, import_paths
from importers.sheet_format import INSTRUCTIONS_SHEETS, columns, sheet_name
from importers.workbook_writer import account_workbook

DEMO = REPO / "demo" / "demo.xlsx"


def _validations(sheet) -> dict[str, object]:
    """Column letter → the data validation covering it."""
    found = {}
    for validation in sheet.data_validations.dataValidation:
        for cell_range in validation.sqref.ranges:
            found[cell_range.coord.split(":")[0].rstrip("0123456789")] = validation
    return found


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_template_has_a_sheet_per_table_drop_downs_and_ranges_and_imports_cleanly(run, tmp_path, lang):
    path = tmp_path / f"template-{lang}.xlsx"
    code, _, said = run("template", "-o", str(path), "--lang", lang)
    assert code == 0 and "powermap import" in said
    book = load_workbook(path)
    assert book.sheetnames == [INSTRUCTIONS_SHEETS[lang], *(sheet_name(t, lang) for t in TABLES)]
    contacts = book[sheet_name("contacts", lang)]
    headers = [cell.value for cell in contacts[1]]
    assert headers == [c.header for c in columns("contacts", lang)]
    assert ("关系评分" in headers and "采购角色" in headers) if lang == "zh" else ("stance" in headers)
    letter = {c.name: chr(ord("A") + i) for i, c in enumerate(columns("contacts", lang))}
    checks = _validations(contacts)
    stance = checks[letter["stance"]]
    assert stance.type == "list" and stance.errorStyle == "stop"
    words = stance.formula1.strip('"').split(",")
    assert words == (["反对", "中立", "支持", "支持你多一点", "教练"] if lang == "zh" else
                     ["oppose", "neutral", "support", "strong support", "coach"])
    assert [parse_stance(w) for w in words] == [-1, 0, 1, 2, 3]
    assert checks[letter["roles"]].errorStyle == "warning"  # several roles in one cell stay possible
    influence = checks[letter["influence"]]
    assert (influence.type, influence.operator, influence.formula1, influence.formula2) == (
        "decimal", "between", "0", "1")
    # every enumerated column of every sheet has its drop-down, every 0..1 column its range
    for table in TABLES:
        sheet_checks = _validations(book[sheet_name(table, lang)])
        for i, column in enumerate(columns(table, lang)):
            check = sheet_checks.get(chr(ord("A") + i))
            if column.kind in ("choice", "choices", "stance", "bool"):
                assert check is not None and check.type == "list", (table, column.name)
            if column.high == 1:
                assert check is not None and check.type == "decimal", (table, column.name)
    instructions = [[c.value for c in row] for row in book[INSTRUCTIONS_SHEETS[lang]].iter_rows(min_row=4)]
    assert len(instructions) == sum(len(spec.columns) for spec in TABLES.values())
    stance_row = next(r for r in instructions if r[2] in ("stance", "关系评分"))
    assert "教练" in stance_row[6] and "coach" in stance_row[6]  # the vocabulary in both languages

    # filled in as a user would: a new person below the examples, words picked from the drop-downs
    roles = checks[letter["roles"]].formula1.strip('"').split(",")  # initiator, user, influencer, decider …
    filled = {c.name: None for c in columns("contacts", lang)}
    filled.update(id="N1", account_id="EX-B1", department_id="EX-ENG", name="赵工", title="工程师",
                  roles=f"{roles[3]}; {roles[2]}", stance=words[3], influence=0.6, last_contact="2026/11/02")
    contacts.append(list(filled.values()))
    book.save(path)
    code, out, said = run("import", str(path))
    assert code == 0 and "note:" not in said  # the instructions sheet is skipped without a word
    code, out, _ = run("show", "EX-G")
    assert code == 0 and "王总" in out and "coach" in out
    code, out, _ = run("show", "EX-B1", "--json")
    person = next(c for d in json.loads(out)["departments"] for c in d["contacts"] if c["id"] == "N1")
    assert person["stance"] == 2 and person["roles"] == ["decider", "influencer"]


def test_every_drop_down_word_reads_as_a_distinct_value_of_its_enumeration():
    for lang in ("zh", "en"):
        for table in TABLES:
            for column in columns(table, lang):
                if column.enum_type is None:
                    continue
                values = [parse_choice(column.enum_type, word) for word in column.choices]
                assert values == list(column.enum_type), (lang, table, column.name, column.choices)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("account", ["A-G1", "A-JN", "A-CQ"])
def test_demo_account_exported_and_imported_again_changes_nothing(tmp_path, lang, account):
    with EmbeddedStore(tmp_path / "demo.db") as store:
        import_paths([DEMO], store)
        before = _records(store)
        path = tmp_path / "export.xlsx"
        path.write_bytes(account_workbook(store, account, lang))
        report = import_paths([path], store)
        assert not report.result.changed and report.warnings == []
        assert _records(store) == before
        expected = {c["id"] for c in before["contacts"]
                    if c["account_id"] in store.account_descendants([account])}
        assert report.rows["contacts"] == len(expected) > 0


def test_export_cli_writes_the_account_with_personal_fields(run, tmp_path):
    run("import", str(DEMO))
    path = tmp_path / "g1.xlsx"
    code, _, said = run("export", "A-G1", "-o", str(path), "--lang", "en")
    assert code == 0 and str(path) in said
    contacts = load_workbook(path)["contacts"]
    headers = [c.value for c in contacts[1]]
    assert {"email", "phone", "birthday", "notes"} <= set(headers)
    code, _, said = run("export", "NO-SUCH", "-o", str(tmp_path / "x.xlsx"))
    assert code == 2 and "NO-SUCH" in said and not (tmp_path / "x.xlsx").exists()


def test_exported_text_is_never_a_formula_and_comes_back_unchanged(store, tmp_path):
    hostile = ["=HYPERLINK(\"http://x\",\"y\")", "+86 138 0000 0000", "-1", "@SUM(A1)", "\t=1"]
    import_frames({
        "accounts": pd.DataFrame([{"id": "A", "name": "=1+1"}]),
        "contacts": pd.DataFrame([{"id": f"C{i}", "account_id": "A", "name": value, "phone": value,
                                   "notes": value} for i, value in enumerate(hostile)]),
    }, store)
    before = _records(store)
    path = tmp_path / "hostile.xlsx"
    path.write_bytes(account_workbook(store, "A", "en"))
    sheet = load_workbook(path)["contacts"]
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row if cell.value is not None]
    assert all(cell.data_type == "s" for cell in cells)  # text, never a formula
    assert all(cell.quotePrefix for cell in cells if str(cell.value).startswith(("=", "+", "-", "@", "\t")))
    assert not import_paths([path], store).result.changed
    assert _records(store) == before


def test_a_real_email_log_round_trips(tmp_path):
    """The Enron traders and their e-mail log (tests/data/enron_email): hundreds of interactions,
    each with its sender and recipients. (Krackhardt's and Lazega's organisations round-trip
    in tests/test_real_organisation.py.)"""
    enron = REPO / "tests" / "data" / "enron_email"
    with EmbeddedStore(tmp_path / "real.db") as store:
        people = pd.read_csv(enron / "employees.csv")
        import_frames({"accounts": pd.DataFrame([{"id": "ENRON", "name": "Enron trading", "tier": "A"}]),
                       "contacts": people[["id", "name", "title", "email"]].assign(account_id="ENRON")}, store)
        import_paths([enron / "email_log.csv"], store)
        before = _records(store)
        assert len(before["interactions"]) > 100
        for lang in ("zh", "en"):
            path = tmp_path / f"enron-{lang}.xlsx"
            path.write_bytes(account_workbook(store, "ENRON", lang))
            report = import_paths([path], store)
            assert not report.result.changed, (lang, report.result.as_dict())
        assert _records(store) == before


# ----- the API ------------------------------------------------------------------------------
def test_api_serves_the_template(api):
    response = api.get("/template", key="reader", params={"lang": "en"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert load_workbook(io.BytesIO(response.content)).sheetnames[1:] == list(TABLES)
    assert api.get("/template", params={"lang": "fr"}).status_code == 422
    assert api.client.get("/template").status_code == 401


def test_api_export_follows_the_key_pii_and_accounts(api, tmp_path):
    def sheet(key: str, account: str = "G1"):
        response = api.get(f"/accounts/{account}/export", key=key, params={"format": "xlsx", "lang": "en"})
        assert response.status_code == 200, response.text
        return load_workbook(io.BytesIO(response.content))

    without = sheet("reader")
    headers = [c.value for c in without["contacts"][1]]
    assert "email" not in headers and "phone" not in headers and "name" in headers
    assert "email" in [c.value for c in sheet("pii-reader")["contacts"][1]]
    # a key restricted to the base S1 sees S1's tree only, and G1 not at all
    assert api.get("/accounts/G1/export", key="base-reader").status_code == 404
    base = sheet("base-reader", "S1")
    assert {row[0].value for row in base["accounts"].iter_rows(min_row=2)} == {"S1", "W1"}
    assert {row[0].value for row in base["contacts"].iter_rows(min_row=2)} == {"C2", "C3"}
    assert api.get("/accounts/X1/export", key="base-reader").status_code == 404
    assert api.get("/accounts/NOPE/export").status_code == 404
    # uploaded again by a key without PII: nothing changes, the e-mails stay
    buffer = io.BytesIO()
    without.save(buffer)
    response = api.post("/import", key="writer", files=[("files", ("g1.xlsx", buffer.getvalue()))])
    assert response.status_code == 200, response.text
    assert not any(response.json()["updated"].values()) and not any(response.json()["inserted"].values())
    assert api.store.get("contacts", "C1").email == "wang@example.cn"


def _records(store) -> dict[str, list[dict]]:
    return {table: [{k: v for k, v in row.items() if k not in ("updated_at", "key")}
                    for row in _all(store, table)] for table in TABLES}


def _all(store, table: str) -> list[dict]:
    rows, after = [], None
    while True:
        page = store.list_records(table, limit=1000, after=after)
        rows += page
        if len(page) < 1000:
            return rows
        after = page[-1]["key"]


def test_the_demo_workbook_ships_inside_the_package():
    from powermap.wiring import DEMO_WORKBOOK

    assert DEMO_WORKBOOK.is_file() and DEMO_WORKBOOK.parent.parent == Path(__import__("powermap").__file__).parent
    assert DEMO.resolve() == DEMO_WORKBOOK.resolve()  # the checkout's demo/demo.xlsx links to it
