"""The demo as a Salesforce Data Export (a folder of CSV files, as Salesforce's weekly
export writes them): users, accounts, contacts, account team, opportunities and their
contact roles, tasks, events and event relations."""

from __future__ import annotations

import csv
import datetime as dt

from story import (
    ACCOUNTS, ADDRESS, AS_OF, DELETED_CONTACTS, DEPARTMENTS, INTERACTION_ZH, OPPORTUNITIES, OPPORTUNITY_OWNER, OWNER,
    RATING, ROLE_ZH, SF_INDUSTRY, SF_OPPORTUNITY, TEAM, TEAM_DOMAIN, ancestors, random_date, rng_for,
)

# ------------------------------------------------------------------------- salesforce
class SalesforceIds:
    """15-char ids with key prefixes; written 18-char, references sometimes 15-char."""

    def __init__(self):
        self.rng, self.ref_rng, self.ids = rng_for("sf-ids"), rng_for("sf-refs"), {}

    def new(self, prefix, key):
        chars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
        self.ids[key] = prefix + "5g0000" + "".join(self.rng.choice(chars) for _ in range(6))
        return sf18(self.ids[key])

    def __getitem__(self, key):
        return sf18(self.ids[key])

    def ref(self, key):
        if not key:
            return ""
        return self.ids[key] if self.ref_rng.random() < 0.15 else sf18(self.ids[key])


def sf18(id15):
    """Append the case checksum: per 5-char chunk, bit i set if char i is A-Z, as one char."""
    suffix = ""
    for start in range(0, 15, 5):
        bits = sum(1 << i for i, ch in enumerate(id15[start:start + 5]) if "A" <= ch <= "Z")
        suffix += "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"[bits]
    return id15 + suffix


def sf_time(rng, start=dt.date(2022, 6, 1), end=dt.date(2026, 10, 30)):
    day, sec = random_date(rng, start, end), rng.randint(0, 86399)
    return f"{day}T{sec // 3600:02d}:{sec // 60 % 60:02d}:{sec % 60:02d}.000Z"


def sf_contact_role(role, is_decider, kind):
    """A CRM contact role for a buying role (a gatekeeper screens suppliers: Technical Buyer)."""
    role = {zh: en for en, zh in ROLE_ZH.items()}.get(role, role)
    if is_decider in ("是", "true", "1"):
        return "Economic Decision Maker" if kind == "purchasing" else "Decision Maker"
    # "Buyer" is a custom picklist value many orgs add for purchasing clerks; Salesforce's
    # own "Economic Buyer" is the budget holder, which powermap reads as a decider.
    fallback = {"design": "Evaluator"}.get(kind, "Influencer")
    return {"buyer": "Buyer", "gatekeeper": "Technical Buyer", "user": "Business User",
            "initiator": "Executive Sponsor"}.get(role, fallback)


def sf_users(rng, ids, contacts):
    rows = [["Id", "Username", "LastName", "FirstName", "Name", "Email", "Title", "Department",
             "Division", "IsActive", "UserRoleId", "CreatedDate", "Alias", "ManagerId",
             "TimeZoneSidKey", "LocaleSidKey", "LanguageLocaleKey", "ProfileId"]]
    for tid, name, _role, rank, unit, _acc, local, title, _team_role in TEAM:
        email = f"{local}@{TEAM_DOMAIN}"
        rows.append([ids.new("005", tid), email + ".crm", name[0], name[1:], name, email, title,
                     "大客户销售部", unit, "true", sf18(f"00E5g000000{rank}RoL"),
                     sf_time(rng, end=dt.date(2023, 12, 31)), local.replace(".", "")[:8],
                     "" if rank == 1 else ids.ref("T01"), "Asia/Shanghai", "zh_CN", "zh_CN",
                     sf18("00e5g000001PsAl")])
    return rows


def sf_accounts(rng, ids, contacts):
    rows = [["Id", "IsDeleted", "MasterRecordId", "Name", "Type", "ParentId", "BillingStreet",
             "BillingCity", "BillingState", "BillingPostalCode", "BillingCountry", "Phone",
             "Website", "Industry", "AnnualRevenue", "NumberOfEmployees", "OwnerId", "CreatedDate",
             "LastModifiedDate", "Description", "AccountNumber", "Rating", "AccountSource",
             "CustomerPriority__c", "SystemModstamp"]]
    for aid, name, parent, _kind, industry, _region, tier, posture, share in ACCOUNTS:
        street, city, state, postcode, country, phone, web, revenue, staff = (
            ADDRESS[aid] if aid in ADDRESS else ADDRESS[parent][:5] + ("",) * 4)
        rating, priority = RATING.get(tier, ("", ""))
        created = sf_time(rng, end=dt.date(2024, 6, 30))
        rows.append([ids.new("001", aid), "false", "", name, "Prospect" if aid == "A-JN" else
                     "Customer - Direct", ids.ref(parent), street, city, state, postcode, country,
                     phone, web, SF_INDUSTRY[industry], revenue, staff, ids[OWNER.get(aid, "T02")],
                     created, sf_time(rng, start=dt.date(2025, 1, 1)),
                     f"{tier} 类客户，{posture}，份额约 {share:.0%}" if tier else "交易窗口",
                     f"KA-{len(rows):04d}", rating,
                     "Partner Referral" if aid == "A-JN" else "Other", priority,
                     sf_time(rng, start=dt.date(2026, 9, 1))])
        if aid == "A-SZ":  # a duplicate merged into 苏州基地, deleted: the importer must skip it
            rows.append([ids.new("001", "dup-SZ"), "true", ids["A-SZ"], "华东重工集团苏州基地",
                         "Customer - Direct", ids["A-G1"], street, city, state, postcode, country,
                         "", "", "Machinery", "", "", ids["T06"], created,
                         "2025-04-02T03:15:40.000Z", "重复客户，已合并", "", "", "Other", "",
                         "2025-04-02T03:15:40.000Z"])
    return rows


def sf_contacts(rng, ids, contacts):
    rows = [["Id", "IsDeleted", "MasterRecordId", "AccountId", "LastName", "FirstName",
             "Salutation", "Name", "Title", "Department", "ReportsToId", "Email", "Phone",
             "MobilePhone", "Birthdate", "Description", "OwnerId", "LeadSource", "CreatedDate",
             "LastModifiedDate", "LastActivityDate", "Stance__c", "MailingCity", "MailingCountry",
             "HasOptedOutOfEmail", "DoNotCall", "Languages__c", "SystemModstamp"]]
    department = {d[0]: d[2] for d in DEPARTMENTS}
    deleted = {contacts[h].id: extra for h, extra in DELETED_CONTACTS}
    for c in contacts.values():
        ids.new("003", c.id)
    for c in contacts.values():
        city, country = next(ADDRESS[a] for a in ancestors(c.account_id) if a in ADDRESS)[1::3][:2]
        row = [ids[c.id], "false", "", ids.ref(c.account_id), c.surname, c.given,
               rng.choice(["Mr.", "Mr.", ""] if c.gender == "M" else ["Ms.", "Ms.", ""]), c.name,
               c.title, department[c.dept_id], ids.ref(c.reports_to), c.email, c.phone, "",
               c.birthday or "", c.notes, ids[OWNER.get(c.account_id, "T02")],
               rng.choice(["Trade Show", "Partner Referral", "Word of mouth", "Other", ""]),
               sf_time(rng, end=dt.date(2025, 12, 31)), sf_time(rng, start=dt.date(2026, 1, 1)),
               c.last_contact or "", "" if c.stance is None else c.stance, city, country,
               "true" if rng.random() < 0.05 else "false", "false",
               "English;Cantonese" if c.english else "中文", "2026-10-31T18:00:00.000Z"]
        rows.append(row)
        if c.id in deleted:  # deleted, in a live account: someone who left, or a merged duplicate
            surname, given, title, note = deleted[c.id] or (c.surname, c.given, c.title, "重复联系人")
            master = "" if deleted[c.id] else ids[c.id]
            rows.append([ids.new("003", f"deleted-{c.id}"), "true", master, row[3], surname,
                         given, "", surname + given, title, *row[9:11],
                         "" if deleted[c.id] else c.email, "", "", "", note, row[16], "Other",
                         row[18], "2026-02-11T06:30:00.000Z", "", "", city, country, "false",
                         "false", "", "2026-02-11T06:30:00.000Z"])
    return rows


def sf_account_team(rng, ids, contacts):
    rows = [["Id", "AccountId", "UserId", "TeamMemberRole", "AccountAccessLevel",
             "OpportunityAccessLevel", "CaseAccessLevel", "IsDeleted", "CreatedDate"]]
    for tid, _n, _r, rank, _u, accounts, _l, _t, team_role in TEAM:
        for aid in accounts.split(";"):
            rows.append([ids.new("01M", f"{tid}/{aid}"), ids.ref(aid), ids.ref(tid), team_role,
                         "Edit" if rank < 4 else "Read", "Edit", "Read", "false", sf_time(rng)])
    return rows


def sf_opportunities(rng, ids, contacts):
    rows = [["Id", "IsDeleted", "AccountId", "Name", "Description", "StageName", "Amount",
             "Probability", "CloseDate", "Type", "LeadSource", "IsClosed", "IsWon", "OwnerId",
             "CreatedDate", "Competitor__c", "ForecastCategoryName", "CurrencyIsoCode",
             "FiscalYear", "FiscalQuarter", "HasOpportunityLineItem", "NextStep"]]
    for oid, account, name, dmu, _stage, value, competitor, _members in OPPORTUNITIES:
        stage, probability, close, kind = SF_OPPORTUNITY[oid]
        rows.append([ids.new("006", oid), "false", ids.ref(account), name, f"决策类型：{dmu}", stage,
                     f"{value:.2f}", probability, close, kind,
                     rng.choice(["Partner Referral", "Trade Show", "Word of mouth"]), "false",
                     "false", ids.ref(OPPORTUNITY_OWNER[oid]),
                     sf_time(rng, dt.date(2026, 3, 1), dt.date(2026, 8, 31)), competitor,
                     "Commit" if probability >= 90 else "Pipeline", "CNY", close[:4],
                     (int(close[5:7]) + 2) // 3, "false", ""])
    return rows


def sf_contact_roles(rng, ids, contacts):
    rows = [["Id", "OpportunityId", "ContactId", "Role", "IsPrimary", "IsDeleted", "CreatedDate"]]
    for oid, *_, members in OPPORTUNITIES:
        for n, (handle, role, is_decider) in enumerate(m.split("/") for m in members.split()):
            c = contacts[handle]
            rows.append([ids.new("00K", f"{oid}/{c.id}"), ids.ref(oid), ids.ref(c.id),
                         sf_contact_role(role, is_decider, c.kind), "true" if n == 0 else "false",
                         "false", sf_time(rng, dt.date(2026, 3, 1), dt.date(2026, 10, 30))])
    return rows


def sf_activities(rng, ids, contacts, interactions):
    """Task.csv (calls and e-mails, one contact each; one deleted, one still open), Event.csv
    (visits, meetings, technical exchanges, events) and EventRelation.csv (who else came)."""
    tasks = [["Id", "IsDeleted", "WhoId", "WhatId", "AccountId", "OwnerId", "Subject", "ActivityDate", "Status",
              "Priority", "Type", "TaskSubtype", "IsClosed", "Description", "CreatedDate"]]
    events = [["Id", "IsDeleted", "WhoId", "WhatId", "AccountId", "OwnerId", "Subject", "ActivityDate",
               "ActivityDateTime", "StartDateTime", "EndDateTime", "DurationInMinutes", "Type", "Location",
               "Description", "CreatedDate"]]
    relations = [["Id", "IsDeleted", "EventId", "RelationId", "IsInvitee", "IsParent", "IsWhat", "CreatedDate"]]
    by_id = {c.id: c for c in contacts.values()}
    for r in interactions:
        owner, who = r["team"][0], r["contacts"][0]
        account = ids.ref(by_id[who].account_id)
        stamp = f"{r['date']}T{r['time']}:00.000Z"
        if r["type"] in ("call", "email"):
            tasks.append([ids.new("00T", r["id"]), "false", ids.ref(who), "", account, ids.ref(owner), r["subject"],
                          r["date"], "Completed", "Normal", "Call" if r["type"] == "call" else "Email",
                          "Call" if r["type"] == "call" else "Email", "true", r["notes"], stamp])
            continue
        start = dt.datetime.fromisoformat(f"{r['date']}T{r['time']}")
        end = start + dt.timedelta(minutes=90)
        events.append([ids.new("00U", r["id"]), "false", ids.ref(who), "", account, ids.ref(owner), r["subject"],
                       r["date"], stamp, stamp, end.strftime("%Y-%m-%dT%H:%M:%S.000Z"), 90,
                       INTERACTION_ZH.get(r["type"]) if r["type"] != "meeting" else "Meeting",
                       "客户现场" if r["type"] != "event" else "上海", r["notes"], stamp])
        for person in [*r["team"][1:], *r["contacts"][1:]]:
            relations.append([ids.new("0RE", f"{r['id']}/{person}"), "false", ids[r["id"]], ids.ref(person),
                              "true", "false", "false", stamp])
    # a task logged by mistake and deleted, and a call still to make: an importer skips both
    first = interactions[0]
    tasks.append([ids.new("00T", "deleted-task"), "true", ids.ref(first["contacts"][0]), "",
                  ids.ref(by_id[first["contacts"][0]].account_id), ids.ref(first["team"][0]), "重复记录",
                  first["date"].isoformat(), "Completed", "Normal", "Call", "Call", "true", "", "2026-01-05T02:00:00.000Z"])
    tasks.append([ids.new("00T", "open-task"), "false", ids.ref(first["contacts"][0]), "",
                  ids.ref(by_id[first["contacts"][0]].account_id), ids.ref("T02"), "下周电话跟进报价",
                  (AS_OF + dt.timedelta(days=5)).isoformat(), "Not Started", "Normal", "Call", "Call", "false",
                  "", "2026-10-30T02:00:00.000Z"])
    return {"Task": tasks, "Event": events, "EventRelation": relations}


SF_FILES = {"User": sf_users, "Account": sf_accounts, "Contact": sf_contacts,
            "AccountTeamMember": sf_account_team, "Opportunity": sf_opportunities,
            "OpportunityContactRole": sf_contact_roles}
SF_README = """# Salesforce Data Export (demo)

What Salesforce's *Data Export* (Setup → Data Export) writes for six objects: UTF-8 CSV, a header
of API field names, every value double-quoted, CRLF line endings, record ids in their 18-character
form (reference columns sometimes hold the 15-character form of the same id), booleans
"true"/"false".

The files mirror `demo/demo.xlsx`: the same accounts (hierarchy via `Account.ParentId`), contacts
(`ReportsToId`; `Stance__c` is our custom field for the stance -1..3), our team (`User`,
`AccountTeamMember`) and the opportunities with their contact roles. Salesforce holds no
influence edges or relationship strengths, so those are absent. Rows with `IsDeleted` "true"
(one account, two contacts) are deleted records that an importer must skip.

A year of interactions comes as `Task` (calls and e-mails; one deleted row and one open task,
which an importer skips), `Event` (visits, executive visits, meetings, technical exchanges,
events) and `EventRelation` (the other participants of an event).

Generated by `demo/generate.py`; do not edit by hand.
"""


def write_salesforce(contacts, folder, interactions=()):
    folder.mkdir(exist_ok=True)
    rng, ids, counts = rng_for("salesforce"), SalesforceIds(), {}
    built = {name: build(rng, ids, contacts) for name, build in SF_FILES.items()}
    if interactions:
        built.update(sf_activities(rng, ids, contacts, interactions))
    for name, rows in built.items():
        with open(folder / f"{name}.csv", "w", encoding="utf-8", newline="") as f:
            csv.writer(f, quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerows(
                [["" if v is None else str(v) for v in row] for row in rows])
        counts[name] = len(rows) - 1
    (folder / "README.md").write_text(SF_README, encoding="utf-8")
    return counts
