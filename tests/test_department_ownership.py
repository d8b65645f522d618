"""A contact's department belongs to the contact's own account: checked by every import
(through validation) and by the API, and a restricted key learns nothing about outside
departments (an outside id is answered exactly like an unknown one)."""

from __future__ import annotations

from builders import SMALL, write_workbook


def test_an_import_refuses_a_department_of_another_account(run, tmp_path):
    sheets = {**SMALL, "contacts": [*SMALL["contacts"],
                                    ["C9", "W1", "D-PUR", "新人", "采购员", None, None, None, None, None, None]]}
    code, _, err = run("import", str(write_workbook(tmp_path / "a.xlsx", sheets)))
    assert code == 3
    assert "department 'D-PUR' belongs to account 'S1', not to the contact's account 'W1'" in err
    code, _, _ = run("import", str(write_workbook(tmp_path / "b.xlsx", SMALL)))
    assert code == 0
    moved = {"contacts": [SMALL["contacts"][0], ["C2", "G1", "D-PUR", "李明", "采购经理", None, None, -1, None, None,
                                                  None]]}
    code, _, err = run("import", str(write_workbook(tmp_path / "c.xlsx", moved)))  # stored department
    assert code == 3 and "department 'D-PUR' belongs to account 'S1'" in err


def test_a_put_may_not_place_a_contact_in_another_accounts_department(api):
    answer = api.put("/contacts/C9", {"account_id": "X1", "name": "n", "department_id": "D-PUR"}, "admin")
    assert answer.status_code == 422
    assert "belongs to account 'S1'" in answer.json()["errors"][0]["message"]


def test_a_restricted_key_gets_the_same_answer_for_an_outside_and_an_unknown_department(api):
    assert api.put("/departments/D-G1-MGT", {"account_id": "G1", "name": "集团高层"}, "admin").status_code == 201
    body = {"account_id": "S1", "name": "新人"}
    answers = {}
    for department in ("D-G1-MGT", "D-NOWHERE"):
        put = api.put("/contacts/S1-X1", {**body, "department_id": department}, "base-writer")
        dry = api.post("/import?dry_run=true", "base-writer",
                       json={"contacts": [{"id": "S1-X1", **body, "department_id": department}]})
        assert put.status_code == dry.status_code == 422, (put.text, dry.text)
        answers[department] = [put.json()["errors"], dry.json()["errors"]]
    assert str(answers["D-G1-MGT"]).replace("D-G1-MGT", "?") == str(answers["D-NOWHERE"]).replace("D-NOWHERE", "?")
    assert api.get("/contacts/S1-X1", "admin").status_code == 404
    inside = api.put("/contacts/S1-X1", {**body, "department_id": "D-PUR"}, "base-writer")
    assert inside.status_code == 201, inside.text
