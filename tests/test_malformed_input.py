"""Malformed input gets a clear 422 / exit 3, never a 500 or a stored control character:
lone surrogates in JSON strings, JSON nested 100,000 deep, NUL/ESC in cells."""

from __future__ import annotations

from builders import write_csv

HEADERS = {"Content-Type": "application/json"}


def test_a_lone_surrogate_in_a_json_string_is_a_422_naming_the_field(api):
    put = api.client.put("/accounts/Z", content=b'{"name": "a\\ud800b"}', headers={**api.auth("admin"), **HEADERS})
    assert put.status_code == 422, put.text
    assert put.json()["errors"][0]["column"] == "name" and "lone surrogate" in put.json()["errors"][0]["message"]
    imported = api.client.post("/import", content=b'{"accounts": [{"id": "Z", "name": "a\\udc00"}]}',
                               headers={**api.auth("admin"), **HEADERS})
    assert imported.status_code == 422, imported.text
    assert imported.json()["errors"][0]["pointer"] == "/accounts/0/name"
    assert api.get("/accounts/Z").status_code == 404


def test_json_nested_100000_deep_is_refused_without_an_internal_error(api):
    deep = b"[" * 100_000 + b"]" * 100_000
    imported = api.client.post("/import", content=deep, headers={**api.auth("admin"), **HEADERS})
    assert imported.status_code == 422 and "nested too deeply" in imported.json()["detail"]
    put = api.client.put("/accounts/Z", content=deep, headers={**api.auth("admin"), **HEADERS})
    assert put.status_code in (400, 422), put.text


def test_control_characters_are_refused_in_every_cell_ids_included(run, tmp_path):
    folder = tmp_path / "csv"
    folder.mkdir()
    write_csv(folder / "accounts.csv", [["id", "name"], ["A\x00-G1", "华东"], ["A-G2", "bell\x07 and \x1b[31mred"],
                                        ["A-G3", "fine\tname"]])
    code, _, err = run("import", str(folder))
    assert code == 3, err
    assert "row 2, column 'id'" in err and "row 3, column 'name'" in err and "row 4" not in err
    assert "control character" in err
