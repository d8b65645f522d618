"""The analyses over HTTP: the CLI's JSON, within the key's accounts, gap reports as
spreadsheets, snapshots, and gap.opened delivered when an import opens a gap."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import time

from openpyxl import load_workbook

from graph.analysis import reports


def test_gaps_are_the_same_json_as_the_cli(api):
    body = api.get("/accounts/G1/gaps?as_of=2026-11-01").json()
    import datetime as dt

    assert body == json.loads(json.dumps(reports.gaps_report(api.store, "G1", today=dt.date(2026, 11, 1))))
    assert body["counts"]["total"] == len(body["gaps"]) > 0


def test_every_analysis_answers(api):
    assert api.get("/accounts/G1/paths?to=C1").json()["paths"][0]["steps"][-1]["to"] == "C1"
    assert api.get("/accounts/G1/paths?to=C1&from=T2&k=0").json()["paths"][0]["steps"][0]["from"] == "T2"
    assert api.get("/accounts/G1/coverage").json()["coaches"] == ["C1"]
    ranking = api.get("/accounts/G1/influence?top=2").json()["ranking"]
    assert len(ranking) == 2 and ranking[0]["score"] >= ranking[1]["score"]
    moves = api.get("/accounts/G1/next-moves?top=3&per_person=1").json()
    assert moves["tried"] <= moves["candidates"] and all(m["team"] for m in moves["moves"])
    assert len({m["team"] for m in moves["moves"]}) == len(moves["moves"])  # one move per person
    assert all(isinstance(r["tied_with"], list) for r in ranking)
    rollup = api.get("/accounts/G1/rollup").json()
    assert rollup["id"] == "G1" and rollup["accounts"][0]["id"] == "S1"
    outcome = api.get("/opportunities/O1/outcome").json()
    assert outcome["dmu_type"] == "consensus" and {m["id"] for m in outcome["members"]} == {"C1", "C2"}
    # the one decider (C1, a coach) is the majority
    assert outcome["votes"] == {"for": ["C1"], "against": [], "undecided": [], "needed": 0}
    assert outcome["swing_voters"] == [] and {m["side"] for m in outcome["members"]} <= {"for", "against", "undecided"}


def test_unknown_ids_are_404_problems(api):
    for path in ("/accounts/NOPE/gaps", "/accounts/G1/paths?to=NOPE", "/opportunities/NOPE/outcome",
                 "/accounts/G1/paths?to=C1&from=NOPE", "/snapshots/diff?old=NOPE"):
        response = api.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith("application/problem+json")


def test_a_restricted_key_sees_only_its_accounts(api):
    assert api.get("/accounts/G1/gaps", "base-reader").status_code == 404
    gaps = api.get("/accounts/S1/gaps", "base-reader").json()
    assert all(c in {"C2", "C3"} for g in gaps["gaps"] for c in g["contacts"])
    assert api.get("/accounts/S1/gaps", "x-reader").status_code == 404
    assert api.get("/accounts/S1/influence", "x-reader").status_code == 404
    assert api.get("/opportunities/O1/outcome", "x-reader").status_code == 404
    outcome = api.get("/opportunities/O1/outcome", "base-reader").json()  # O1 is in S1; C1 sits in G1
    assert {m["id"] for m in outcome["members"]} == {"C2"}


def test_gap_report_as_csv_and_xlsx_is_neutralised(api):
    assert api.put("/contacts/C3", {"account_id": "S1", "name": "=HYPERLINK(\"http://evil\")", "roles": "decider"},
                   "writer").status_code == 200
    response = api.get("/accounts/G1/gaps?format=csv")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["severity", "type", "explanation"]
    # each gap's cause, as in the JSON, so that a spreadsheet groups gaps by root cause
    causes = [g["cause"] for g in api.get("/accounts/G1/gaps").json()["gaps"]]
    assert rows[0][-1] == "cause" and [r[-1] for r in rows[1:]] == causes and all(causes)
    cells = [cell for row in rows[1:] for cell in row]
    assert any("HYPERLINK" in c for c in cells) and not any(c.startswith(("=", "+", "-", "@")) for c in cells)
    workbook = load_workbook(io.BytesIO(api.get("/accounts/G1/gaps?format=xlsx").content))
    values = [c.value for row in workbook.active.iter_rows() for c in row]
    assert not any(isinstance(v, str) and v.startswith("=") for v in values)


def test_snapshots_and_diff(api):
    assert api.post("/snapshots", "reader", json={"label": "q3"}).status_code == 403
    taken = api.post("/snapshots", "admin", json={"label": "q3"})
    assert taken.status_code == 201 and taken.json()["counts"]["contacts"] == 4
    assert [s["label"] for s in api.get("/snapshots", "reader").json()["snapshots"]] == ["q3"]
    api.put("/contacts/CX1", {"account_id": "X1", "name": "赵强", "title": "总经理", "stance": 3}, "admin")
    api.put("/contacts/C2", {**{k: v for k, v in api.get("/contacts/C2").json().items()
                                if k not in ("id", "updated_at")}, "stance": 1}, "admin")
    everything = api.get("/snapshots/diff?old=q3", "reader").json()
    assert {c["id"] for c in everything["stance_changes"]} == {"CX1", "C2"}
    mine = api.get("/snapshots/diff?old=q3", "base-reader").json()
    assert [c["id"] for c in mine["stance_changes"]] == ["C2"] and {a["id"] for a in mine["accounts"]} <= {"S1"}


def test_a_new_import_that_opens_a_gap_is_delivered_signed_and_private(api, receiver):
    hook = api.post("/webhooks", "writer", json={"url": receiver.url, "events": ["gap.opened"],
                                                  "secret": "sixteen-chars-or-more"})
    assert hook.status_code == 201, hook.text
    other = api.post("/webhooks", "x-reader", json={"url": receiver.url + "?x", "events": ["gap.opened"],
                                                     "secret": "sixteen-chars-or-more"})
    assert other.status_code in (201, 403)  # a read key may not subscribe; either way it must hear nothing
    body = {"contacts": [{"id": "N1", "account_id": "S1", "name": "新总监", "title": "技术总监",
                          "roles": "决策者", "stance": 0}]}
    assert api.post("/import", "writer", json=body).status_code == 200
    received = receiver.wait(1)
    time.sleep(0.3)
    opened = [r for r in received if r["json"]["event"] == "gap.opened"]
    assert opened and all("?x" not in r["headers"].get("Host", "") for r in opened)
    types = {r["json"]["data"]["type"] for r in opened}
    assert "no_coach" in types or "uncovered_decider" in types or "single_threaded" in types
    assert any("N1" in r["json"]["data"]["contacts"] for r in opened)
    for r in opened:
        expected = "sha256=" + hmac.new(b"sixteen-chars-or-more", r["body"], hashlib.sha256).hexdigest()
        assert r["headers"]["X-Powermap-Signature"] == expected
    assert len(receiver.received) == len(opened)  # nothing went to the X1 key's subscription


def test_cached_analyses_are_forgotten_after_a_write(api):
    first = api.get("/accounts/G1/gaps").json()
    assert api.get("/accounts/G1/gaps").json() == first  # the same answer (from the cache)
    c3 = {k: v for k, v in api.get("/contacts/C3").json().items() if k not in ("id", "updated_at")}
    assert api.put("/contacts/C3", {**c3, "roles": "decider", "stance": None}, "writer").status_code == 200
    after = api.get("/accounts/G1/gaps").json()
    assert after != first and any(g["type"] == "unknown_stance" and g["contacts"] == ["C3"] for g in after["gaps"])
    assert api.get("/accounts/G1/gaps", "base-reader").status_code == 404  # the cache never crosses keys


def test_the_configured_cadence_policy_rules_the_api_and_the_pages_alike(tmp_path):
    """POWERMAP_CADENCE_POLICY judging only tier C: the tier-A account has no cadence_breach
    in the gaps, the gap-report page or the roll-up's counts; with the shipped policy it has."""
    from fastapi.testclient import TestClient

    from api.app import create_app
    from apikit import Api, load_data, make_api

    policy = tmp_path / "cadence.toml"
    policy.write_text("[tiers.C]\nexecutive_days = 365\naccount_manager_days = 120\n", encoding="utf-8")
    for configured, breaches in ((None, True), (str(policy), False)):
        folder = tmp_path / ("custom" if configured else "shipped")
        folder.mkdir()
        settings, secrets = make_api(folder, **({"cadence_policy": configured} if configured else {}))
        with TestClient(create_app(settings), base_url="http://127.0.0.1") as client:
            kit = Api(client, settings, secrets, folder)
            load_data(kit)
            gaps = kit.get("/accounts/G1/gaps").json()["gaps"]
            assert any(g["type"] == "cadence_breach" for g in gaps) is breaches
            assert ("cadence_breach" in kit.get("/accounts/G1/gap-report", headers={"Accept": "text/html"}).text) \
                is breaches
            rollup = kit.get("/accounts/G1/rollup").json()
            assert rollup["total"]["gaps"] == {s: sum(1 for g in gaps if g["severity"] == s)
                                               for s in ("high", "medium", "low")}
