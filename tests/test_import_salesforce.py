"""Importing a Salesforce export (Data Export / Data Loader CSVs, every value quoted)."""

from __future__ import annotations

import pytest

from builders import write_csv
from graph.exceptions import ImportRejected
from importers import import_paths
from importers.salesforce import salesforce_id


def sf18(id15: str) -> str:
    return salesforce_id(id15)


# 15-character Ids; the export writes the 18-character form except where noted
GROUP, SUB, BASE, GONE = "001000000000AAA", "001000000000AAB", "001000000000AAC", "001000000000AAD"
CEO, VP, BUYER, ENG, DELETED, ORPHAN = ("003000000000CCA", "003000000000CCB", "003000000000CCC",
                                        "003000000000CCD", "003000000000CCE", "003000000000CCF")
AM, EXEC = "005000000000UUA", "005000000000UUB"
OPP = "006000000000OOA"


def export(folder, *, contacts_extra=()):
    write_csv(folder / "Account.csv", [
        ["Id", "IsDeleted", "MasterRecordId", "Name", "Type", "ParentId", "BillingCity", "BillingState", "Industry",
         "AnnualRevenue", "Description"],
        [sf18(GROUP), "false", "", "华东重工集团", "Customer - Direct", "", "上海", "上海", "Machinery", "1e9", ""],
        [sf18(SUB), "false", "", "华东重工苏州有限公司", "Customer - Direct", sf18(GROUP), "苏州", "江苏", "", "", ""],
        [sf18(BASE), "false", "", "苏州二厂", "Customer - Direct", SUB, "苏州", "江苏", "", "", "line1\nline2"],
        [sf18(GONE), "true", "", "Deleted Co", "", "", "", "", "", "", ""],
    ], quote_all=True)
    write_csv(folder / "Contact.csv", [
        ["Id", "IsDeleted", "AccountId", "LastName", "FirstName", "Salutation", "Name", "Title", "Department",
         "ReportsToId", "Email", "Phone", "MobilePhone", "Birthdate", "Description", "OwnerId", "LastActivityDate",
         "Stance__c"],
        [sf18(CEO), "false", sf18(GROUP), "王", "建国", "", "王建国", "董事长", "高层", "", "w@example.cn", "", "138",
         "1968-03-14", "", sf18(AM), "2026-10-05", "3"],
        [sf18(VP), "false", sf18(SUB), "Li", "Ming", "Mr.", "", "VP Procurement", "采购部", CEO, "", "021", "",
         "", "", sf18(AM), "", ""],
        [sf18(BUYER), "false", sf18(BASE), "张", "伟", "", "", "采购专员", "采购部", sf18(VP), "", "", "", "", "",
         sf18(AM), "", "-1"],
        [sf18(ENG), "false", sf18(BASE), "Chen", "Lu", "", "Lu Chen", "Design Engineer", "Engineering", sf18(VP),
         "", "", "", "", "", sf18(AM), "", ""],
        [sf18(DELETED), "true", sf18(BASE), "Gone", "Person", "", "Person Gone", "", "", "", "", "", "", "", "", "",
         "", ""],
        [sf18(ORPHAN), "false", sf18(GONE), "Orphan", "O", "", "O Orphan", "", "", "", "", "", "", "", "", "", "", ""],
        *contacts_extra,
    ], quote_all=True)
    write_csv(folder / "User.csv", [
        ["Id", "Username", "LastName", "FirstName", "Name", "Email", "Title", "Department", "Division", "IsActive"],
        [sf18(AM), "am@us", "Zhao", "An", "An Zhao", "am@us.com", "Key Account Manager", "Sales", "液压事业部", "true"],
        [sf18(EXEC), "vp@us", "Wu", "Gang", "Gang Wu", "vp@us.com", "Vice President Sales", "Sales", "", "true"],
    ], quote_all=True)
    write_csv(folder / "AccountTeamMember.csv", [
        ["Id", "AccountId", "UserId", "TeamMemberRole", "AccountAccessLevel", "IsDeleted"],
        ["01M000000000TTA", sf18(GROUP), sf18(AM), "Account Manager", "Edit", "false"],
        ["01M000000000TTB", SUB, sf18(AM), "Account Manager", "Edit", "false"],
        ["01M000000000TTC", sf18(GROUP), sf18(EXEC), "Executive Sponsor", "Read", "false"],
    ], quote_all=True)
    write_csv(folder / "Opportunity.csv", [
        ["Id", "IsDeleted", "AccountId", "Name", "StageName", "Amount", "CloseDate", "Competitor__c"],
        [sf18(OPP), "false", sf18(SUB), "液压系统2027", "Proposal/Price Quote", "1200000", "2027-03-31", "博世"],
    ], quote_all=True)
    write_csv(folder / "OpportunityContactRole.csv", [
        ["Id", "OpportunityId", "ContactId", "Role", "IsPrimary", "IsDeleted"],
        ["00K000000000RRA", sf18(OPP), sf18(VP), "Economic Buyer", "true", "false"],
        ["00K000000000RRB", sf18(OPP), sf18(VP), "Evaluator", "false", "false"],
        ["00K000000000RRC", sf18(OPP), sf18(BUYER), "Technical Buyer", "false", "false"],
        ["00K000000000RRD", sf18(OPP), sf18(ENG), "Other", "false", "false"],
        ["00K000000000RRE", sf18(OPP), sf18(DELETED), "Influencer", "false", "false"],
    ], quote_all=True)
    return folder


def test_salesforce_ids_15_and_18_are_one_record():
    assert salesforce_id("001A000001b2CdE") == salesforce_id("001A000001b2CdEIAU") == "001A000001b2CdEIAU"
    assert salesforce_id("001A000001b2CdEiau") == "001A000001b2CdEIAU"  # checksum case is not significant
    assert len({salesforce_id(i) for i in (GROUP, sf18(GROUP))}) == 1


def test_export_loads_hierarchy_managers_across_accounts_and_skips_deleted(store, tmp_path):
    report = import_paths([export(tmp_path)], store)
    assert report.rows["accounts"] == 3 and report.rows["contacts"] == 4
    assert any("deleted rows skipped" in w for w in report.warnings)
    assert store.get("accounts", sf18(BASE)).parent_id == sf18(SUB)  # ParentId written in 15 characters
    assert [store.get("accounts", sf18(a)).kind.value for a in (GROUP, SUB, BASE)] == ["group", "subsidiary", "base"]
    vp = store.get("contacts", sf18(VP))
    assert vp.reports_to == sf18(CEO) and vp.account_id == sf18(SUB)  # manager in the parent account
    assert vp.name == "Ming Li" and vp.level.value == "executive" and vp.phone == "021"
    ceo = store.get("contacts", sf18(CEO))
    assert (ceo.name, ceo.stance, str(ceo.birthday), str(ceo.last_contact), ceo.phone) == \
        ("王建国", 3, "1968-03-14", "2026-10-05", "138")
    assert store.get("contacts", sf18(BUYER)).name == "张伟"
    assert store.get("contacts", sf18(DELETED)) is None and store.get("contacts", sf18(ORPHAN)) is None
    department = store.get("departments", store.get("contacts", sf18(BUYER)).department_id)
    assert (department.name, department.kind.value, department.account_id) == ("采购部", "purchasing", sf18(BASE))


def test_contact_roles_map_onto_buying_roles_and_keep_the_original(store, tmp_path):
    import_paths([export(tmp_path)], store)
    vp = store.get("opportunity_members", (sf18(OPP), sf18(VP)))
    assert (vp.role.value, vp.is_decider, vp.source_role) == ("decider", True, "Economic Buyer; Evaluator")
    buyer = store.get("opportunity_members", (sf18(OPP), sf18(BUYER)))
    assert (buyer.role.value, buyer.is_decider, buyer.source_role) == ("gatekeeper", False, "Technical Buyer")
    other = store.get("opportunity_members", (sf18(OPP), sf18(ENG)))
    assert other.role is None and other.source_role == "Other"
    assert {r.value for r in store.get("contacts", sf18(VP)).roles} == {"decider", "influencer"}
    assert store.get("opportunities", sf18(OPP)).competitor == "博世"


def test_account_team_becomes_our_team(store, tmp_path):
    import_paths([export(tmp_path)], store)
    am, vp = store.get("team", sf18(AM)), store.get("team", sf18(EXEC))
    assert (am.role.value, am.business_unit, am.accounts) == ("account_manager", "液压事业部", {sf18(GROUP), sf18(SUB)})
    assert (vp.role.value, vp.rank) == ("executive", 1)


def test_reimporting_the_export_changes_nothing(store, tmp_path):
    import_paths([export(tmp_path)], store)
    assert not import_paths([tmp_path], store).result.changed


def test_unknown_manager_is_reported_with_the_salesforce_column(store, tmp_path):
    extra = [[sf18("003000000000CCZ"), "false", sf18(BASE), "X", "Y", "", "Y X", "", "", "003000000000NOP", "", "", "",
              "", "", "", "", "7"]]
    with pytest.raises(ImportRejected) as excinfo:
        import_paths([export(tmp_path, contacts_extra=extra)], store)
    messages = {(p.row, p.column): p.message for p in excinfo.value.problems}
    assert messages[(8, "ReportsToId")].startswith(f"unknown contact '{sf18('003000000000NOP')}'")
    assert messages[(8, "Stance__c")].startswith("stance '7' is outside -1..3")
    assert all(p.file == str(tmp_path / "Contact.csv") for p in excinfo.value.problems)
    assert store.counts()["contacts"] == 0
