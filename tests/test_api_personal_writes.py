"""A key without --pii neither wipes nor sets personal data: personal fields are "not
supplied" in its writes (kept as stored), a value in one is refused, and the ETag covers
the full record."""

from __future__ import annotations

PERSONAL = {"email": "wang@example.cn", "phone": "13900000001", "birthday": "1970-05-04", "notes": "喜欢钓鱼"}


def with_personal_data(api) -> dict:
    c1 = api.get("/contacts/C1", "admin").json()
    answer = api.put("/contacts/C1", {**{k: v for k, v in c1.items() if k != "id"}, **PERSONAL}, "admin")
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_read_modify_write_by_a_key_without_pii_keeps_the_personal_fields(api):
    with_personal_data(api)
    read = api.get("/contacts/C1", "writer")
    assert not PERSONAL.keys() & read.json().keys()
    body = {k: v for k, v in read.json().items() if k != "id"}
    written = api.put("/contacts/C1", {**body, "title": "总裁"}, "writer", headers={"If-Match": read.headers["ETag"]})
    assert written.status_code == 200, written.text
    stored = api.get("/contacts/C1", "admin").json()
    assert stored["title"] == "总裁"
    assert {k: stored[k] for k in PERSONAL} == PERSONAL


def test_a_key_without_pii_may_not_set_a_personal_field(api):
    body = {k: v for k, v in api.get("/contacts/C2", "writer").json().items() if k != "id"}
    refused = api.put("/contacts/C2", {**body, "email": "mine@evil.example", "notes": "x"}, "writer")
    assert refused.status_code == 422, refused.text
    assert {e["column"] for e in refused.json()["errors"]} == {"email", "notes"}
    created = api.put("/contacts/C9", {"account_id": "X1", "name": "n", "phone": "123"}, "writer")
    assert created.status_code == 422 and api.get("/contacts/C9", "admin").status_code == 404
    imported = api.post("/import", "writer", json={"contacts": [
        {"id": "C2", "account_id": "S1", "name": "李明", "email": "mine@evil.example"}]})
    assert imported.status_code == 422, imported.text
    assert api.get("/contacts/C2", "admin").json()["email"] is None
    blank = api.post("/import", "writer", json={"contacts": [{"id": "C1", "account_id": "G1", "name": "王建国",
                                                                "email": "", "phone": None}]})
    assert blank.status_code == 200, blank.text  # blank personal cells are not supplied: kept
    assert api.get("/contacts/C1", "admin").json()["email"] == "wang@example.cn"


def test_the_etag_changes_when_a_field_the_key_cannot_see_changes(api):
    stored = with_personal_data(api)
    read = api.get("/contacts/C1", "writer")
    assert api.get("/contacts/C1", "writer", headers={"If-None-Match": read.headers["ETag"]}).status_code == 304
    assert api.put("/contacts/C1", {**{k: v for k, v in stored.items() if k not in ("id", "updated_at")},
                                     "phone": "13900000002"}, "admin").status_code == 200
    again = api.get("/contacts/C1", "writer")
    assert again.json() == read.json() and again.headers["ETag"] != read.headers["ETag"]
    body = {k: v for k, v in read.json().items() if k != "id"}
    stale = api.put("/contacts/C1", body, "writer", headers={"If-Match": read.headers["ETag"]})
    assert stale.status_code == 412
    fresh = api.put("/contacts/C1", body, "writer", headers={"If-Match": again.headers["ETag"]})
    assert fresh.status_code == 200


def test_the_etag_is_keyed_so_it_reveals_nothing_of_the_hidden_fields(api):
    import hashlib

    read = api.get("/contacts/C1", "writer")
    plain = hashlib.sha256(read.content).hexdigest()[:32]
    assert read.headers["ETag"].strip('"') != plain
