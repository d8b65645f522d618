"""What an account-restricted key receives — webhook events, analyses, exports, maps —
names nothing it would get 404 for: every event and view is computed on its own view."""

from __future__ import annotations

import re
import time

from test_api_webhooks import subscribe, wait_for

#: ids and names in the SMALL data the key restricted to S1 (``base-writer``/``base-reader``) gets 404 for
OUTSIDE_IDS = {"G1", "C1", "T2", "X1", "CX1"}
OUTSIDE_NAMES = ("王建国", "Vice President Sales", "华东重工集团", "赵强", "西部机械")


def outside_mentions(data) -> list[str]:
    """Every outside id (a whole value) or name (inside any text) found in JSON data."""
    found = []

    def walk(value):
        if isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)
        elif isinstance(value, str):
            found.extend([value] if value in OUTSIDE_IDS else [n for n in OUTSIDE_NAMES if n in value])

    walk(data)
    return found


def gap_keys(api, key):
    return {g["key"] for g in api.get("/accounts/S1/gaps", key).json()["gaps"]}


def test_restricted_gap_events_are_computed_on_the_subscribers_own_view(api, receiver):
    subscribe(api, receiver, ["gap.opened", "gap.closed"], key="base-writer")
    before = gap_keys(api, "base-writer")
    assert api.delete("/relationships/T1/C2", "admin").status_code == 204  # an admin's write inside S1
    after = gap_keys(api, "base-writer")
    assert after - before, "the write must open a gap in S1's own report for this test to mean anything"
    expected = sorted([("gap.opened", k) for k in after - before] + [("gap.closed", k) for k in before - after])
    assert wait_for(lambda: len(receiver.received) >= len(expected), timeout=60)
    time.sleep(0.3)
    got = sorted((r["json"]["event"], r["json"]["data"]["key"]) for r in receiver.received)
    assert got == expected  # exactly the difference of GET /gaps with that key
    for delivery in receiver.received:
        assert delivery["json"]["data"]["account"] == "S1"
        assert outside_mentions(delivery["json"]["data"]) == [], delivery["json"]


def test_an_unrestricted_subscription_still_hears_about_the_top_level_account(api, receiver):
    subscribe(api, receiver, ["gap.opened"], key="writer")
    assert api.delete("/relationships/T1/C2", "admin").status_code == 204
    assert wait_for(lambda: receiver.received, timeout=60)
    assert {r["json"]["data"]["account"] for r in receiver.received} == {"G1"}


def test_a_write_outside_a_restricted_subscribers_accounts_sends_it_nothing(api, receiver):
    subscribe(api, receiver, ["gap.opened", "gap.closed"], key="base-writer")
    assert api.delete("/relationships/T2/C1", "admin").status_code == 204  # G1 only: S1's view unchanged
    time.sleep(0.5)
    assert receiver.received == []


VIEWS = ["/accounts/S1/graph", "/accounts/S1/graph?format=graphml", "/accounts/S1/graph?format=gexf",
         "/accounts/S1/gaps", "/accounts/S1/gaps?format=csv", "/accounts/S1/next-moves", "/accounts/S1/coverage",
         "/accounts/S1/influence", "/accounts/S1/rollup", "/accounts/S1/tree", "/accounts/S1/map",
         "/accounts/S1/gap-report", "/opportunities/O1/map", "/opportunities/O1/outcome"]


def test_restricted_views_name_no_team_member_the_key_gets_404_for(api):
    assert api.get("/team-members/T2", "base-reader").status_code == 404  # T2 only knows C1, in G1
    assert api.get("/team-members/T1", "base-reader").status_code == 200
    for path in VIEWS:
        answer = api.get(path, "base-reader", headers={"Accept": "text/html" if path.endswith("map") else "*/*"})
        assert answer.status_code == 200, (path, answer.text)
        named = [w for w in OUTSIDE_NAMES if w in answer.text] + \
            [i for i in OUTSIDE_IDS if re.search(rf"(?<![A-Za-z0-9_-]){i}(?![A-Za-z0-9_-])", answer.text)]
        assert named == [], (path, named)
    graph = api.get("/accounts/S1/graph", "base-reader").json()
    assert sorted(n["id"] for n in graph["nodes"] if n["kind"] == "team") == ["team:T1"]


def test_a_path_from_an_invisible_team_member_is_answered_like_one_from_a_missing_one(api):
    outside = api.get("/accounts/S1/paths?to=C2&from=T2", "base-reader")
    missing = api.get("/accounts/S1/paths?to=C2&from=T99", "base-reader")
    assert outside.status_code == missing.status_code == 404
    assert outside.json()["detail"].replace("T2", "T99") == missing.json()["detail"]
    assert api.get("/accounts/S1/paths?to=C2&from=T1", "base-reader").status_code == 200


def test_a_restricted_key_that_creates_a_sub_account_reads_it_back_at_once(api):
    created = api.put("/accounts/S1-B2", {"name": "新窗口", "parent_id": "S1"}, "base-writer")
    assert created.status_code == 201, created.text
    assert created.json()["id"] == "S1-B2" and created.json()["parent_id"] == "S1"
    assert api.get("/accounts/S1-B2", "base-writer").status_code == 200
