"""The HTTP API over a real embedded store: resources, paging, ETags, writes, imports,
keys and scopes, account restriction, personal data, errors and limits, sign-in."""

from __future__ import annotations

import datetime as dt
import json
import re

from fastapi.testclient import TestClient

from api.app import create_app
from api.deps import get_store
from apikit import make_api
from builders import write_csv
from powermap.cli import main

PERSONAL_VALUES = ("wang@example.cn", "zhao@example.cn", "13800000000")


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert {"type", "title", "status", "detail"} <= body.keys() and body["status"] == status
    return body


# ----- health and keys ---------------------------------------------------------------------
def test_healthz_needs_no_key_and_reports_the_store(api):
    assert api.client.get("/healthz").json()["status"] == "ok"

    class Broken:
        def get(self, *args):
            raise OSError("disk /secret/path gone")

    api.app.dependency_overrides[get_store] = lambda: Broken()
    try:
        response = api.client.get("/healthz")
    finally:
        api.app.dependency_overrides.clear()
    assert response.status_code == 503 and response.json()["store"] == "unavailable"
    assert "secret" not in response.text


def test_every_endpoint_but_healthz_and_sign_in_needs_a_key(api):
    open_paths = {"/healthz", "/login", "/logout"}
    endpoints = [(method.upper(), path) for path, item in api.app.openapi()["paths"].items()
                 for method in item if path not in open_paths]
    endpoints += [("GET", "/openapi.json"), ("GET", "/docs/assets/swagger-ui.css")]
    assert len(endpoints) >= 35
    for method, template in endpoints:
        path = re.sub(r"\{[^}]+\}", "x", template)
        response = api.client.request(method, path, follow_redirects=False)
        problem(response, 401)
        assert response.headers["www-authenticate"].startswith("Bearer"), (method, path)
    docs = api.client.get("/docs", follow_redirects=False)
    assert docs.status_code == 303 and docs.headers["location"] == "/login?next=/docs"
    problem(api.client.get("/accounts", headers={"Authorization": "Bearer pm_not-a-key"}), 401)


def test_revoked_key_is_refused_at_once(api):
    assert api.get("/accounts", "reader").status_code == 200
    api.state.revoke_key("reader")
    problem(api.get("/accounts", "reader"), 401)


def test_read_key_cannot_write_and_only_admin_reads_the_audit(api):
    problem(api.put("/contacts/C3", {"account_id": "S1", "name": "x"}, "reader"), 403)
    problem(api.delete("/contacts/C3", "reader"), 403)
    problem(api.post("/import", "reader", json={"accounts": [{"id": "N", "name": "n"}]}), 403)
    problem(api.post("/webhooks", "reader", json={"url": "http://127.0.0.1:9/x", "events": ["gap.opened"]}), 403)
    problem(api.get("/audit", "writer"), 403)
    assert api.get("/contacts/C3", "reader").status_code == 200
    assert api.store.get("contacts", "C3").name == "Tom Lee"


# ----- reading ------------------------------------------------------------------------------
def test_list_pages_with_a_cursor_visit_every_record_once(api):
    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        body = api.get("/contacts", params=params).json()
        assert len(body["items"]) <= 2
        seen += [c["id"] for c in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == ["C1", "C2", "C3", "CX1"]
    edges = api.get("/influence", params={"limit": 1}).json()
    assert len(edges["items"]) == 1 and edges["next_cursor"]
    rest = api.get("/influence", params={"limit": 5, "cursor": edges["next_cursor"]}).json()
    assert [(e["source_id"], e["target_id"]) for e in edges["items"] + rest["items"]] == [("C2", "C1"), ("C3", "C1")]
    problem(api.get("/contacts", params={"cursor": "bm9wZQ"}), 422)
    problem(api.get("/contacts", params={"limit": 0}), 422)


def test_updated_since_gives_only_records_changed_since(api):
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=2)
    assert api.get("/contacts", params={"updated_since": later.isoformat()}).json()["items"] == []
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    assert api.put("/contacts/C3", {"account_id": "S1", "name": "Tom Lee", "stance": 2}).status_code == 200
    changed = api.get("/contacts", params={"updated_since": now.isoformat()}).json()["items"]
    assert "C3" in [c["id"] for c in changed]
    assert all(c["updated_at"] >= now.isoformat() for c in changed)


def test_single_resources_carry_an_etag_and_answer_304_when_unchanged(api):
    first = api.get("/contacts/C1")
    etag = first.headers["etag"]
    again = api.get("/contacts/C1", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    assert api.get("/contacts/C1", "reader").headers["etag"] != etag  # the view without personal fields
    assert api.put("/contacts/C1", {**first.json(), "stance": 2}).status_code == 200
    changed = api.get("/contacts/C1", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    for path in ("/accounts/G1", "/departments/D-PUR", "/team-members/T1", "/relationships/T1/C2",
                 "/influence/C3/C1/advice", "/opportunities/O1", "/opportunity-members/O1/C1"):
        response = api.get(path)
        assert response.status_code == 200, path
        assert api.get(path, headers={"If-None-Match": response.headers["etag"]}).status_code == 304


def test_account_search_tree_and_contacts(api):
    found = api.get("/accounts", params={"q": "苏州"}).json()["items"]
    assert [a["id"] for a in found] == ["S1", "W1"]
    assert [a["id"] for a in api.get("/accounts", params={"q": "x1"}).json()["items"]] == ["X1"]
    page = api.get("/accounts", params={"q": "苏州", "limit": 1}).json()
    assert [a["id"] for a in page["items"]] == ["S1"] and page["next_cursor"]
    own = api.get("/accounts/G1/contacts", params={"descendants": "false"}).json()["items"]
    everyone = api.get("/accounts/G1/contacts").json()["items"]
    assert [c["id"] for c in own] == ["C1"] and [c["id"] for c in everyone] == ["C1", "C2", "C3"]
    members = api.get("/opportunities/O1/members").json()["items"]
    assert [(m["contact_id"], m["is_decider"]) for m in members] == [("C1", True), ("C2", False)]


def test_tree_is_the_same_json_as_powermap_show(api, capsys):
    tree = api.get("/accounts/G1/tree").json()
    assert main(["--db", api.settings.db, "show", "G1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == tree


# ----- writing ------------------------------------------------------------------------------
def test_put_is_an_idempotent_upsert_validated_like_an_import(api):
    body = {"account_id": "S1", "department_id": "D-DES", "name": "周工", "title": "设计总监",
            "roles": ["影响者", "user"], "stance": "教练", "reports_to": "C2"}
    created = api.put("/contacts/C4", body, "writer")
    assert created.status_code == 201
    assert created.json()["level"] == "director" and created.json()["roles"] == ["influencer", "user"]
    assert created.json()["stance"] == 3 and "email" not in created.json()
    again = api.put("/contacts/C4", body, "writer")
    assert again.status_code == 200 and again.headers["etag"] == created.headers["etag"]
    assert api.get("/audit", params={"action": "put contacts", "limit": 1}).json()["items"][0]["detail"][
        "unchanged"] == {"contacts": 1}
    bad = problem(api.put("/contacts/C4", {**body, "stance": 9, "account_id": "NOPE", "reports_to": "C4"},
                          "writer"), 422)
    columns = {e["column"] for e in bad["errors"]}
    assert {"stance", "account_id", "reports_to"} <= columns
    assert api.store.get("contacts", "C4").stance == 3  # nothing written
    problem(api.put("/contacts/C4", {**body, "id": "C5"}, "writer"), 422)
    problem(api.put("/contacts/C4", {**body, "shoe_size": 42}, "writer"), 422)
    edge = api.put("/influence/C4/C1/ally", {"weight": "80%"}, "writer")
    assert edge.status_code == 201 and edge.json()["weight"] == 0.8


def test_ids_with_slashes_and_percent_signs_are_addressable(api):
    """Customers' ids such as "SO/2024/017" travel percent-encoded and come back whole."""
    account = {"name": "斜杠客户", "parent_id": "S1"}
    assert api.put("/accounts/A%2F2024", account, "writer").status_code == 201
    contact = {"account_id": "A/2024", "name": "百分", "roles": ["decider"], "stance": 1}
    for cid in ("C/7", "50%", "a%2Fb"):
        quoted = cid.replace("%", "%25").replace("/", "%2F")
        created = api.put(f"/contacts/{quoted}", contact, "writer")
        assert created.status_code == 201 and created.json()["id"] == cid, created.text
        assert api.get(f"/contacts/{quoted}").json()["id"] == cid
    assert api.store.get("contacts", "a%2Fb").name == "百分"  # a literal '%2F' stays literal
    assert {c["id"] for c in api.get("/accounts/A%2F2024/contacts").json()["items"]} == {"C/7", "50%", "a%2Fb"}
    gaps = api.get("/accounts/A%2F2024/gaps")
    assert gaps.status_code == 200 and gaps.json()["account"] == "A/2024"
    page = api.get("/groups/A%2F2024/map")  # the pages link to it encoded, too
    assert page.status_code == 200 and "/accounts/A%2F2024/influence" in page.text
    assert "/accounts/A%2F2024/map" in api.get("/groups/G1/map").text  # the group map's click-through
    assert api.put("/relationships/T1/C%2F7", {"strength": 0.5}, "writer").status_code == 201
    assert api.delete("/contacts/C%2F7", "writer").status_code == 204
    assert api.store.get("contacts", "C/7") is None
    problem(api.get("/contacts/C%2F7"), 404)


def test_put_with_a_stale_if_match_is_refused(api):
    current = api.get("/accounts/W1")
    body = {k: v for k, v in current.json().items() if k != "id"}
    problem(api.put("/accounts/W1", {**body, "tier": "B"}, headers={"If-Match": '"stale"'}), 412)
    ok = api.put("/accounts/W1", {**body, "tier": "B"}, headers={"If-Match": current.headers["etag"]})
    assert ok.status_code == 200 and ok.json()["tier"] == "B"


def test_delete_removes_a_record_and_refuses_an_account_with_sub_accounts(api):
    assert api.delete("/relationships/T1/C2", "writer").status_code == 204
    problem(api.delete("/relationships/T1/C2", "writer"), 404)
    problem(api.delete("/accounts/S1", "writer"), 409)
    assert api.delete("/contacts/C3", "writer").status_code == 204
    assert api.store.get("contacts", "C3") is None
    entry = api.get("/audit", params={"limit": 1}).json()["items"][0]
    assert (entry["key"], entry["action"], entry["ids"]) == ("writer", "delete contacts", ["C3"])


def test_rejected_import_lists_every_problem_and_writes_nothing(api, tmp_path):
    before = api.store.counts()
    body = {"contacts": [{"id": "N1", "account_id": "S1", "name": "新人", "stance": 7},
                         {"id": "N2", "account_id": "NOPE", "name": "n2"},
                         {"id": "N3", "account_id": "S1", "name": "n3", "roles": {"x": 1}}],
            "accounts": [{"id": "N-A", "name": "new"}]}
    found = problem(api.post("/import", json=body), 422)
    assert found["type"].endswith("import-rejected")
    assert {(e["file"], e["row"], e["column"], e["pointer"]) for e in found["errors"]} == {
        ("contacts", 4, "roles", "/contacts/2/roles")}  # shape problems first
    del body["contacts"][2]
    found = problem(api.post("/import", json=body), 422)
    assert [(e["row"], e["column"], e["pointer"]) for e in found["errors"]] == [
        (2, "stance", "/contacts/0/stance"), (3, "account_id", "/contacts/1/account_id")]
    write_csv(tmp_path / "contacts.csv", [["id", "account_id", "姓名", "关系评分"], ["N1", "S1", "a", "1"],
                                          ["N2", "S1", "b", "九"]])
    upload = problem(api.post("/import", files=[("files", ("contacts.csv", (tmp_path / "contacts.csv").read_bytes()))]),
                     422)
    assert [(e["file"], e["row"], e["column"]) for e in upload["errors"]] == [("contacts.csv", 3, "关系评分")]
    assert "powermap-upload" not in json.dumps(upload) and str(tmp_path) not in json.dumps(upload)
    assert api.store.counts() == before
    dry = api.post("/import", json={"accounts": [{"id": "N-A", "name": "new"}]}, params={"dry_run": "true"})
    assert dry.status_code == 200 and dry.json()["dry_run"] and api.store.get("accounts", "N-A") is None
    problem(api.post("/import", content=b"id,name", headers={"Content-Type": "text/csv"}), 415)
    problem(api.post("/import", content=b"{nope", headers={"Content-Type": "application/json"}), 422)
    problem(api.post("/import", files=[("files", ("notes.txt", b"hello"))]), 422)
    from test_import_limits import _with_dtd, contacts_workbook, rewrite_part

    entity = rewrite_part(contacts_workbook(tmp_path), "xl/worksheets/sheet3.xml",
                          _with_dtd('<!ENTITY e SYSTEM "file:///etc/passwd">', "&e;"))
    refused = problem(api.post("/import", files=[("files", ("book.xlsx", entity.read_bytes()))]), 422)
    assert "declares a DTD" in refused["errors"][0]["message"] and "root:" not in json.dumps(refused)
    assert api.store.counts() == before


def test_reimporting_the_same_upload_changes_nothing(api, tmp_path):
    write_csv(tmp_path / "联系人.csv", [["编号", "所属客户", "姓名"], ["N1", "S1", "新人"]])
    files = [("files", ("联系人.csv", (tmp_path / "联系人.csv").read_bytes()))]
    assert api.post("/import", files=files).json()["inserted"] == {"contacts": 1}
    assert api.post("/import", files=files).json()["unchanged"] == {"contacts": 1}


# ----- account restriction and personal data -------------------------------------------------
def test_a_restricted_key_sees_its_accounts_and_their_descendants_only(api):
    ids = lambda path: [r.get("id") for r in api.get(path, "base-reader").json()["items"]]  # noqa: E731
    assert ids("/accounts") == ["S1", "W1"]
    assert ids("/contacts") == ["C2", "C3"] and ids("/departments") == ["D-DES", "D-PUR"]
    assert ids("/opportunities") == ["O1"] and ids("/team-members") == ["T1"]
    relationships = api.get("/relationships", "base-reader").json()["items"]
    assert [(r["team_id"], r["contact_id"]) for r in relationships] == [("T1", "C2")]
    assert [e["source_id"] for e in api.get("/influence", "base-reader").json()["items"]] == []
    assert [m["contact_id"] for m in api.get("/opportunity-members", "base-reader").json()["items"]] == ["C2"]
    team = api.get("/team-members/T1", "base-reader").json()
    assert team["accounts"] == ["S1"]  # G1 is outside
    assert api.get("/accounts/S1", "base-reader").json()["parent_id"] is None
    assert api.get("/contacts/C2", "base-reader").json()["reports_to"] is None  # C1 is at the group
    for path in ("/accounts/G1", "/contacts/C1", "/contacts/CX1", "/accounts/X1/tree", "/accounts/G1/tree",
                 "/accounts/X1/graph", "/accounts/X1/contacts", "/team-members/T2", "/influence/C3/C1/advice",
                 "/opportunity-members/O1/C1", "/relationships/T1/CX1"):
        missing = problem(api.get(path, "base-reader"), 404)
        assert missing == problem(api.get(path.replace("X1", "ZZ").replace("C1", "ZZ").replace("T2", "ZZ"),
                                          "base-reader"), 404) | {"detail": missing["detail"]}
    graph = api.get("/accounts/S1/graph", "base-reader").json()
    assert {n["id"] for n in graph["nodes"]} >= {"account:S1", "contact:C2"}
    assert not {"contact:C1", "account:G1", "contact:CX1"} & {n["id"] for n in graph["nodes"]}
    assert [a["id"] for a in api.get("/accounts", "x-reader", params={"q": "苏州"}).json()["items"]] == []


def test_a_restricted_key_writes_only_inside_its_accounts(api):
    inside = api.put("/contacts/C5", {"account_id": "W1", "name": "窗口采购"}, "base-writer")
    assert inside.status_code == 201
    outside = problem(api.put("/contacts/C6", {"account_id": "X1", "name": "x"}, "base-writer"), 422)
    assert outside["errors"][0]["message"] == "account 'X1' is not within this key's accounts"
    taken = problem(api.put("/contacts/CX1", {"account_id": "S1", "name": "x"}, "base-writer"), 422)
    assert taken["errors"][0]["message"] == "contact 'CX1' is not within this key's accounts"
    ghost = problem(api.put("/contacts/C5", {"account_id": "W1", "name": "n", "reports_to": "C1"}, "base-writer"), 422)
    nothing = problem(api.put("/contacts/C5", {"account_id": "W1", "name": "n", "reports_to": "ZZ"}, "base-writer"), 422)
    assert ghost["errors"][0]["message"].replace("C1", "ZZ") == nothing["errors"][0]["message"]
    # read and write back: the link to the manager outside (C1) is kept, not cleared
    c2 = api.get("/contacts/C2", "base-writer").json()
    assert api.put("/contacts/C2", {k: v for k, v in c2.items() if k != "id"}, "base-writer").status_code == 200
    assert api.store.get("contacts", "C2").reports_to == "C1"
    t1 = api.get("/team-members/T1", "base-writer").json()
    assert api.put("/team-members/T1", {**t1, "rank": 2}, "base-writer").status_code == 200
    assert api.store.get("team", "T1").accounts == frozenset({"G1", "S1"})
    renamed = api.post("/import", "base-writer", json={"accounts": [{"id": "S1", "name": "苏州基地(新)"},
                                                                    {"id": "W1", "name": "窗口1"}]})
    assert renamed.status_code == 200, renamed.text
    assert api.store.get("accounts", "S1").parent_id == "G1" and api.store.get("accounts", "W1").parent_id == "S1"
    blank = api.post("/import", "base-writer", json={"accounts": [{"id": "S1", "name": "苏州基地", "parent_id": None},
                                                                  {"id": "W1", "name": "窗口1", "parent_id": "S1"}]})
    assert blank.status_code == 200 and api.store.get("accounts", "S1").parent_id == "G1"
    new_base = api.post("/import", "base-writer", json={"accounts": [{"id": "S1-W2", "name": "窗口2", "parent_id": "S1"}]})
    assert new_base.status_code == 200
    problem(api.post("/import", "base-writer", json={"accounts": [{"id": "TOP", "name": "top"}]}), 422)
    problem(api.delete("/contacts/C1", "base-writer"), 404)
    assert api.store.get("contacts", "C1") is not None


def test_a_restricted_key_cannot_tell_an_outside_id_from_an_unknown_one(api):
    """Each pair differs only in naming an id that exists outside the key's accounts (X1,
    G1, CX1) or one that exists nowhere (ZZ): the answers are the same, column included.
    (An id taken outside cannot be created by the key, so that one case — a new record
    with an id in use, under the key's own account — stays apart; see the README.)"""
    def refusal(body: dict) -> list:
        found = problem(api.post("/import", "base-writer", json=body, params={"dry_run": "true"}), 422)
        return [(e["row"], e["column"], e["message"].replace("ZZ", "·").replace("CX1", "·").replace("X1", "·")
                 .replace("G1", "·").replace("DX", "·")) for e in found["errors"]]

    assert api.put("/departments/DX", {"account_id": "X1", "name": "外部采购部"}).status_code == 201

    pairs = [({"accounts": [{"id": "X1", "name": "x"}]}, {"accounts": [{"id": "ZZ", "name": "x"}]}),
             ({"accounts": [{"id": "X1", "name": "x", "parent_id": "G1"}]},
              {"accounts": [{"id": "ZZ", "name": "x", "parent_id": "G1"}]}),
             ({"accounts": [{"id": "S1-N", "name": "x", "parent_id": "X1"}]},
              {"accounts": [{"id": "S1-N", "name": "x", "parent_id": "ZZ"}]}),
             ({"contacts": [{"id": "CX1", "name": "x"}]}, {"contacts": [{"id": "ZZ", "name": "x"}]}),
             ({"contacts": [{"id": "CX1", "name": "x", "account_id": "X1"}]},
              {"contacts": [{"id": "ZZ", "name": "x", "account_id": "X1"}]}),
             ({"contacts": [{"id": "C5", "name": "x", "account_id": "S1", "department_id": "DX"}]},
              {"contacts": [{"id": "C5", "name": "x", "account_id": "S1", "department_id": "ZZ"}]}),
             ({"relationships": [{"team_id": "T1", "contact_id": "CX1", "strength": 0.5}]},
              {"relationships": [{"team_id": "T1", "contact_id": "ZZ", "strength": 0.5}]})]
    for outside, unknown in pairs:
        assert refusal(outside) == refusal(unknown), outside
    assert api.store.get("accounts", "X1").name != "x" and api.store.get("contacts", "CX1").name != "x"


def test_a_key_without_pii_never_receives_a_personal_field(api):
    paths = ["/contacts", "/contacts/C1", "/contacts/CX1", "/accounts/G1/contacts", "/accounts/G1/tree",
             "/accounts/G1/graph", "/accounts/G1/graph?format=graphml", "/accounts/G1/graph?format=gexf",
             "/accounts/X1/graph?format=gexf", "/opportunities/O1/members"]
    for path in paths:
        text = api.get(path, "reader").text
        assert not any(v in text for v in PERSONAL_VALUES), path
        assert "birthday" not in text and "notes" not in text, path
    graph = api.get("/accounts/G1/graph", "reader").json()
    contacts = [n for n in graph["nodes"] if n["kind"] == "contact"]
    assert contacts and not any({"email", "phone", "birthday", "notes"} & n.keys() for n in contacts)
    assert not any("email" in c for c in api.get("/contacts", "reader").json()["items"])
    written = api.put("/contacts/C9", {"account_id": "X1", "name": "n", "email": "n@example.cn"}, "writer")
    assert written.status_code == 422  # a key without PII may not set what it cannot read
    assert "wang@example.cn" in api.get("/contacts/C1", "pii-reader").text
    assert "zhao@example.cn" in api.get("/accounts/X1/graph?format=graphml", "pii-reader").text


# ----- errors and limits --------------------------------------------------------------------
def test_errors_are_problem_json_and_never_show_internals(tmp_path):
    settings, secrets = make_api(tmp_path)
    app = create_app(settings)

    class Leaky:
        def account_descendants(self, ids):
            return set()

        def get(self, *args):
            raise RuntimeError("SELECT * FROM contact WHERE id = ? -- /srv/secret/powermap.db")

    with TestClient(app, raise_server_exceptions=False) as client:
        headers = {"Authorization": f"Bearer {secrets['reader']}"}
        body = problem(client.get("/no/such/thing", headers=headers), 404)
        assert "Traceback" not in json.dumps(body)
        problem(client.patch("/contacts/C1", headers=headers), 405)
        invalid = problem(client.get("/contacts", params={"limit": "many"}, headers=headers), 422)
        assert invalid["errors"][0]["loc"] == ["query", "limit"]
        app.dependency_overrides[get_store] = lambda: Leaky()
        crash = client.get("/contacts/C1", headers=headers)
        body = problem(crash, 500)
        assert "SELECT" not in crash.text and "secret" not in crash.text and "RuntimeError" not in crash.text


def test_bodies_over_the_limit_get_413(tmp_path):
    settings, secrets = make_api(tmp_path, max_body_bytes=4096, max_upload_bytes=8192)
    with TestClient(create_app(settings), base_url="http://127.0.0.1") as client:
        headers = {"Authorization": f"Bearer {secrets['admin']}"}
        big = {"accounts": [{"id": f"A{i}", "name": "x" * 50} for i in range(100)]}
        problem(client.post("/import", json=big, headers=headers), 413)
        problem(client.post("/import", files=[("files", ("accounts.csv", b"id,name\n" + b"A,x\n" * 3000))],
                            headers=headers), 413)

        def chunks():  # no Content-Length: counted while reading
            for _ in range(10):
                yield b" " * 1000

        problem(client.post("/import", content=chunks(), headers={**headers, "Content-Type": "application/json"}), 413)
        small = client.post("/import", json={"accounts": [{"id": "A1", "name": "ok"}]}, headers=headers)
        assert small.status_code == 200


# ----- browser sign-in ----------------------------------------------------------------------
def test_login_sets_a_strict_httponly_secure_cookie_and_redirects_to_a_local_path(api):
    client = TestClient(api.app, base_url="http://127.0.0.1:8000", follow_redirects=False)
    response = client.get("/login", params={"key": api.secrets["reader"], "next": "/accounts?limit=1"})
    assert response.status_code == 303 and response.headers["location"] == "/accounts?limit=1"
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict") and "Secure" in cookie
    assert response.headers["referrer-policy"] == "no-referrer"
    token = re.search(r"powermap_session=([^;]+)", cookie).group(1)
    assert api.secrets["reader"] not in cookie
    browser = TestClient(api.app, base_url="http://127.0.0.1:8000", follow_redirects=False,
                         cookies={"powermap_session": token})
    assert browser.get("/accounts").status_code == 200
    assert browser.get("/docs").status_code == 200
    for evil in ("//evil.com", "https://evil.com/x", "/\\evil.com", "\\\\evil.com", "javascript:alert(1)",
                 "/%0d%0aSet-Cookie:x", "evil.com", "/\t/evil.com"):
        moved = client.get("/login", params={"key": api.secrets["reader"], "next": evil})
        assert moved.headers["location"] in ("/docs", evil if evil.startswith("/%") else "/docs"), evil
        assert "evil" not in moved.headers["location"] or moved.headers["location"].startswith("/%"), evil
    refused = client.get("/login", params={"key": "pm_wrong", "next": "/accounts"})
    assert refused.status_code == 401 and "set-cookie" not in refused.headers
    form = client.post("/login", data={"key": api.secrets["reader"], "next": "//evil.com"})
    assert form.status_code == 303 and form.headers["location"] == "/docs"
    assert browser.post("/logout").status_code == 303
    browser.cookies.set("powermap_session", token)  # a stale cookie kept by a client
    problem(browser.get("/accounts"), 401)


def test_cookie_is_not_secure_on_plain_http_to_another_host(api):
    client = TestClient(api.app, base_url="http://crm.example.internal", follow_redirects=False)
    response = client.get("/login", params={"key": api.secrets["reader"]})
    assert response.status_code == 303 and "Secure" not in response.headers["set-cookie"]
    https = TestClient(api.app, base_url="https://crm.example.internal", follow_redirects=False)
    assert "Secure" in https.get("/login", params={"key": api.secrets["reader"]}).headers["set-cookie"]


# ----- documentation ------------------------------------------------------------------------
def test_openapi_documents_every_endpoint_with_bodies_and_problem_responses(api):
    document = api.get("/openapi.json", "reader").json()
    operations = [(path, method, op) for path, item in document["paths"].items() for method, op in item.items()]
    assert len(operations) >= 35
    for path, method, op in operations:
        responses = op["responses"]
        assert any(code.startswith("2") or code == "303" for code in responses), (path, method)
        if path not in ("/healthz", "/login", "/logout"):
            assert "401" in responses and "application/problem+json" in responses["401"]["content"], (path, method)
        if method in ("put", "post") and path not in ("/logout",):
            assert "requestBody" in op, (path, method)
    assert set(document["paths"]["/import"]["post"]["requestBody"]["content"]) == {
        "application/json", "multipart/form-data"}
    assert document["components"]["securitySchemes"]


def test_docs_page_loads_swagger_ui_from_this_server_only(api):
    page = api.get("/docs", "reader").text
    assert not re.search(r"(src|href)=\"https?:", page)
    assert "/docs/assets/swagger-ui-bundle.js" in page
    script = api.get("/docs/assets/swagger-ui-bundle.js", "reader")
    assert script.status_code == 200 and len(script.content) > 100_000
    problem(api.get("/docs/assets/..%2Fsecret", "reader"), 404)
