"""The Salesforce re-export case end to end (issue 14 part 4): export 1 imported, a
snapshot, export 2 — a decider deleted (IsDeleted=true), a coach moved to another
subsidiary with a new title, a merged duplicate, a deleted stranger and a newcomer — then
`powermap diff`, the gap report's people_change findings, and contact.departed /
contact.moved webhooks delivered to a real HTTP receiver on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import json

from builders import write_csv
from graph.analysis.change import diff, take_snapshot
from graph.analysis.reports import gaps_report, outcome_report
from importers import import_paths
from importers.salesforce import salesforce_id as sf18
from neo4j_support import BOTH_STORES

DAY = dt.date(2026, 11, 1)
GROUP, SUB, OTHER = "001000000000GGA", "001000000000SSB", "001000000000OOC"
CEO, VP, ENG, SPONSOR, NEWBIE, STRANGER, TWIN = (
    "003000000000CEO", "003000000000VPX", "003000000000ENG", "003000000000SPO", "003000000000NEW",
    "003000000000STR", "003000000000TWN")
AM, OPP = "005000000000AMX", "006000000000OPP"
CONTACT_HEADER = ["Id", "IsDeleted", "MasterRecordId", "AccountId", "LastName", "FirstName", "Title", "Department",
                  "ReportsToId", "Email", "Phone", "Stance__c"]


def export(folder, *, second: bool = False):
    """Export 1, or (``second``) the export a month later."""
    folder.mkdir(parents=True, exist_ok=True)
    write_csv(folder / "Account.csv", [
        ["Id", "IsDeleted", "Name", "ParentId"],
        [sf18(GROUP), "false", "华东重工集团", ""], [sf18(SUB), "false", "华东重工苏州", sf18(GROUP)],
        [sf18(OTHER), "false", "华东重工合肥", sf18(GROUP)],
    ], quote_all=True)
    contacts = [CONTACT_HEADER,
                [sf18(CEO), "false", "", sf18(GROUP), "王", "建国", "董事长", "高层", "", "w@customer.cn", "", "2"],
                [sf18(VP), str(second).lower(), "", sf18(SUB), "李", "明", "采购副总裁", "采购部", sf18(CEO),
                 "li.ming@customer.cn", "13900000001", "2"],
                [sf18(SPONSOR), "false", "", sf18(GROUP), "周", "强", "总裁", "高层", "", "", "", "1"]]
    if second:
        contacts += [
            [sf18(ENG), "false", "", sf18(OTHER), "陈", "路", "技术部经理", "技术部", "", "chen.lu@customer.cn", "",
             "3"],
            [sf18(NEWBIE), "false", "", sf18(SUB), "赵", "新", "采购副总裁", "采购部", sf18(CEO), "", "", ""],
            [sf18(STRANGER), "true", "", sf18(SUB), "Never", "Seen", "", "", "", "", "", ""],
            [sf18(TWIN), "true", sf18(CEO), sf18(GROUP), "王", "建国", "董事长", "高层", "", "w@customer.cn", "", ""],
        ]
    else:
        contacts += [[sf18(ENG), "false", "", sf18(SUB), "陈", "路", "设计工程师", "设计部", sf18(VP),
                      "chen.lu@customer.cn", "", "3"]]
    write_csv(folder / "Contact.csv", contacts, quote_all=True)
    write_csv(folder / "User.csv", [["Id", "Name", "Email", "Title"],
                                    [sf18(AM), "An Zhao", "am@us.com", "Key Account Manager"]], quote_all=True)
    write_csv(folder / "AccountTeamMember.csv", [["Id", "AccountId", "UserId", "TeamMemberRole", "IsDeleted"],
                                                 ["01M000000000TTA", sf18(GROUP), sf18(AM), "Account Manager", "false"]],
              quote_all=True)
    write_csv(folder / "Opportunity.csv", [["Id", "IsDeleted", "AccountId", "Name", "StageName"],
                                           [sf18(OPP), "false", sf18(SUB), "液压系统2027", "Proposal/Price Quote"]],
              quote_all=True)
    write_csv(folder / "OpportunityContactRole.csv", [
        ["Id", "OpportunityId", "ContactId", "Role", "IsDeleted"],
        ["00K000000000RRA", sf18(OPP), sf18(VP), "Economic Buyer", str(second).lower()],
        ["00K000000000RRB", sf18(OPP), sf18(SPONSOR), "Executive Sponsor", "false"],
    ], quote_all=True)
    return folder


@BOTH_STORES
def test_a_re_export_marks_the_deleted_decider_departed_and_reports_the_move(store, tmp_path):
    import_paths([export(tmp_path / "export-1")], store)
    assert outcome_report(store, sf18(OPP))["votes"]["for"] == [sf18(VP)]
    take_snapshot(store, "2026-10")
    second = import_paths([export(tmp_path / "export-2", second=True)], store)
    assert any("1 deleted contacts never imported before skipped" in w for w in second.warnings)
    assert any("merged into another contact" in w for w in second.warnings)
    vp = store.get("contacts", sf18(VP))
    assert vp.departed and (vp.account_id, vp.title) == (sf18(SUB), "采购副总裁")  # kept as last known
    assert store.get("contacts", sf18(STRANGER)) is None and store.get("contacts", sf18(TWIN)) is None
    assert store.get("opportunity_members", (sf18(OPP), sf18(VP))) is not None  # the deal still names her

    change = diff(store, "2026-10")
    assert [(d["id"], d["how"]) for d in change["departures"]] == [(sf18(VP), "marked departed")]
    assert [(m["id"], m["changed"]) for m in change["moves"]] == \
        [(sf18(ENG), ["account_id", "department_id", "title", "reports_to"])]
    assert [a["id"] for a in change["arrivals"]] == [sf18(NEWBIE)]
    assert "customer.cn" not in json.dumps(change, ensure_ascii=False)

    found = {(g["contacts"][0], g["severity"]) for g in gaps_report(store, sf18(GROUP), today=DAY)["gaps"]
             if g["type"] == "people_change"}
    assert found == {(sf18(VP), "high"), (sf18(ENG), "medium")}  # the decider left; the coach moved
    assert outcome_report(store, sf18(OPP))["verdict"] == "unknown: its decider left"

    again = import_paths([export(tmp_path / "export-2", second=True)], store)
    assert not any(again.result.updated.values()) and not any(again.result.inserted.values())  # idempotent
    back = import_paths([export(tmp_path / "export-1")], store)  # an older export again: she is active again
    assert back.result.updated["contacts"] >= 1 and not store.get("contacts", sf18(VP)).departed


def test_end_to_end_over_http_with_webhooks_and_the_cli_diff(api, receiver, tmp_path, capsys):
    from powermap.cli import main

    def upload(folder):
        files = [("files", (p.name, p.read_bytes())) for p in sorted(folder.iterdir())]
        response = api.post("/import", "admin", files=files)  # the export carries e-mail: a --pii key
        assert response.status_code == 200, response.text
        return response.json()

    upload(export(tmp_path / "export-1"))
    assert api.post("/snapshots", json={"label": "2026-10"}).status_code == 201
    everyone = api.post("/webhooks", "writer", json={"url": receiver.url, "secret": "a-secret-of-sixteen+",
                                                     "events": ["contact.moved", "contact.departed"]})
    assert everyone.status_code == 201, everyone.text
    hefei_secret = api.state.create_key("hefei-writer", "write", accounts=[sf18(OTHER)])[1]
    restricted = api.client.post("/webhooks", headers={"Authorization": f"Bearer {hefei_secret}"},
                                 json={"url": receiver.url + "?hefei", "events": ["contact.moved", "contact.departed"]})
    assert restricted.status_code == 201, restricted.text

    upload(export(tmp_path / "export-2", second=True))
    received = receiver.wait(3)
    assert len(received) == 3, [(r["json"]["event"], r["json"]["data"]) for r in received]
    full = {(r["json"]["event"]): r["json"]["data"] for r in received
            if r["json"]["data"].get("outside_view") is None}
    assert full["contact.departed"] == {"contact_id": sf18(VP), "name": "李明", "account_id": sf18(SUB),
                                        "title": "采购副总裁", "roles": ["decider"], "how": "marked departed"}
    moved = full["contact.moved"]
    assert (moved["from"]["account_id"], moved["to"]["account_id"], moved["to"]["title"]) == \
        (sf18(SUB), sf18(OTHER), "技术部经理")
    seen_by_hefei = [r["json"]["data"] for r in received if r["json"]["data"].get("outside_view") == "from"]
    assert len(seen_by_hefei) == 1 and seen_by_hefei[0]["from"] == {f: None for f in moved["from"]}
    assert seen_by_hefei[0]["to"]["account_id"] == sf18(OTHER) and seen_by_hefei[0]["changed"] == ["account_id"]
    for r in received:
        assert "customer.cn" not in r["body"].decode("utf-8")  # no personal field in any event

    exported = api.get(f"/accounts/{sf18(GROUP)}/graph", "reader").text
    assert "customer.cn" not in exported and sf18(VP) not in exported  # she left the graph; no analysis input leaks
    gaps = api.get(f"/accounts/{sf18(GROUP)}/gaps").json()["gaps"]
    assert {g["contacts"][0] for g in gaps if g["type"] == "people_change"} == {sf18(VP), sf18(ENG)}
    answer = api.get("/snapshots/diff", params={"old": "2026-10"}).json()
    assert [d["id"] for d in answer["departures"]] == [sf18(VP)] and [m["id"] for m in answer["moves"]] == [sf18(ENG)]
    hefei_gaps = api.client.get(f"/accounts/{sf18(OTHER)}/gaps", headers={"Authorization": f"Bearer {hefei_secret}"})
    assert hefei_gaps.status_code == 200 and sf18(VP) not in hefei_gaps.text
    cut = api.client.get("/snapshots/diff", params={"old": "2026-10"},
                         headers={"Authorization": f"Bearer {hefei_secret}"}).json()
    assert cut["departures"] == [] and cut["moves"][0]["outside_view"] == "from"

    capsys.readouterr()
    assert main(["--db", api.settings.db, "diff", "2026-10"]) == 0
    printed = capsys.readouterr().out
    assert "departed  李明" in printed and "marked departed" in printed
    assert "moved     陈路" in printed and "title 设计工程师 → 技术部经理" in printed
    assert "arrived   赵新" in printed
