"""Salesforce exports: the CSV files of Data Export / Data Loader, API field names as headers.

Read: ``Account.csv`` (hierarchy by ParentId), ``Contact.csv`` (ReportsToId, Department as
free text), and when present ``User.csv`` + ``AccountTeamMember.csv`` (our team),
``Opportunity.csv`` and ``OpportunityContactRole.csv`` (roles mapped onto the six buying
roles, the original kept as ``source_role``), and ``Task.csv``/``Event.csv`` (+
``EventRelation.csv``) as interactions (:mod:`importers.salesforce_activities`). Rows with ``IsDeleted`` true are skipped,
and so are rows that hang on a deleted record — except a deleted contact the store
already holds (and that was not merged into another record: ``MasterRecordId`` blank):
a re-export that deletes someone we know marks them **departed** (``status``), with their
last known account, title and manager, instead of keeping them silently or forgetting
them. A deleted contact the store never held is skipped. Every contact of the export
gets a status (active or departed), so a person deleted in one export and present in a
later one is active again. Salesforce's 15- and 18-character forms
of an Id are the same record: every Id is stored in its 18-character form. Unused
columns are ignored. Salesforce holds no influence edges or relationship strengths, so
none are invented.

Custom fields read when present: ``Stance__c``, ``Influence__c``, ``Level__c`` and
``Competitor__c`` on Contact; ``Tier__c``, ``Posture__c``, ``Share_Of_Wallet__c`` and
``Kind__c`` on Account; ``Competitor__c`` and ``DMU_Type__c`` on Opportunity. An opportunity's
``OwnerId`` is its owner when that user is in an account team (their ``Division`` is the
deal's division); other owners are left out with a warning.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pandas as pd

from graph.exceptions import ImportProblem, ImportRejected
from graph.vocabulary import BuyingRole, Level, infer_level, parse_bool, salesforce_role
from importers.salesforce_activities import salesforce_interactions
from importers.tabular import RawTable, _csv_row_numbers, read_csv_text

__all__ = ["read_salesforce", "looks_like_salesforce", "salesforce_id"]

_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_ID = re.compile(r"^[0-9A-Za-z]{15}([0-9A-Za-z]{3})?$")
_ROW = "__row"
_DELETED = "__deleted"

_ACCOUNT = {"Id": "id", "Name": "name", "ParentId": "parent_id", "Industry": "industry",
            "BillingState": "region", "Tier__c": "tier", "Posture__c": "posture",
            "Share_Of_Wallet__c": "share_of_wallet", "Kind__c": "kind"}
_CONTACT = {"Id": "id", "AccountId": "account_id", "ReportsToId": "reports_to", "Title": "title",
            "Email": "email", "Birthdate": "birthday", "Description": "notes",
            "LastActivityDate": "last_contact", "Stance__c": "stance", "Influence__c": "influence",
            "Level__c": "level", "Competitor__c": "competitor"}
_OPPORTUNITY = {"Id": "id", "AccountId": "account_id", "Name": "name", "StageName": "stage",
                "Amount": "value", "Competitor__c": "competitor", "DMU_Type__c": "dmu_type"}
# Salesforce AccountTeamMember.TeamMemberRole → our team roles
_TEAM_ROLES = {
    "account manager": "account_manager", "key account manager": "account_manager",
    "sales manager": "sales", "sales rep": "sales", "lead qualifier": "sales", "channel manager": "sales",
    "inside sales": "sales", "executive sponsor": "executive", "executive": "executive",
    "pre-sales consultant": "solution_manager", "presales": "solution_manager",
    "solution manager": "solution_manager", "technical sales": "solution_manager",
    "sales engineer": "solution_manager", "delivery manager": "delivery_manager",
    "implementation manager": "delivery_manager", "customer success manager": "delivery_manager",
}
_ROLE_PRIORITY = [BuyingRole.DECIDER, BuyingRole.GATEKEEPER, BuyingRole.INFLUENCER, BuyingRole.BUYER,
                  BuyingRole.INITIATOR, BuyingRole.USER]
_LEVEL_RANK = {Level.EXECUTIVE: 1, Level.DIRECTOR: 2, Level.MANAGER: 3, Level.STAFF: 4}


def salesforce_id(value: object) -> str | None:
    """The 18-character form of a Salesforce Id (15- and 18-character forms agree).

    >>> salesforce_id("001A000001b2CdE"), salesforce_id("001A000001b2CdEIAU")
    ('001A000001b2CdEIAU', '001A000001b2CdEIAU')
    """
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    if not _ID.match(text):
        return text  # not a Salesforce Id: keep as it is (validation will say if it is unknown)
    base = text[:15]
    suffix = ""
    for chunk in (base[0:5], base[5:10], base[10:15]):
        bits = sum(1 << i for i, ch in enumerate(chunk) if "A" <= ch <= "Z")
        suffix += _SUFFIX[bits]
    return base + suffix


def looks_like_salesforce(folder: Path) -> bool:
    """True when a folder holds a Salesforce export (Account.csv or Contact.csv with Ids)."""
    for name in ("Account.csv", "Contact.csv"):
        path = folder / name
        if path.is_file():
            header = read_csv_text(path).split("\n", 1)[0]
            return '"Id"' in header or header.startswith("Id,")
    return False


def read_salesforce(folder: Path) -> tuple[list[RawTable], list[str]]:
    """Raw tables in powermap's columns from a Salesforce export folder; plus warnings."""
    warnings: list[str] = []
    files = {p.name.lower(): p for p in folder.iterdir() if p.suffix.lower() == ".csv"}
    deleted: set[str] = set()  # Ids of deleted records of every kind

    def load(name: str, required: bool = False, keep_deleted: bool = False) -> pd.DataFrame | None:
        path = files.get(name.lower())
        if path is None:
            if required:
                raise ImportRejected([ImportProblem(str(folder / name), None, None,
                                                    "this Salesforce export has no " + name)])
            return None
        text = read_csv_text(path)
        try:
            frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_filter=False)
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as err:
            raise ImportRejected([ImportProblem(name, None, None, f"not a readable CSV file: {err}")]) from err
        frame[_ROW] = _csv_row_numbers(text, len(frame))
        if "IsDeleted" in frame.columns:
            gone = frame["IsDeleted"].map(lambda v: parse_bool(v) if v else False)
            if gone.any():
                warnings.append(f"{name}: {int(gone.sum())} deleted rows skipped")
        else:
            gone = pd.Series(False, index=frame.index)
        for column in frame.columns:
            if column == "Id" or column.endswith("Id"):
                frame[column] = frame[column].map(salesforce_id)
        if "Id" in frame.columns:
            deleted.update(frame.loc[gone, "Id"].dropna())
        if keep_deleted:
            frame[_DELETED] = gone
        else:
            frame = frame[~gone]
        frame = frame.astype(object)
        return frame.where(frame.notna() & (frame != ""), None)

    def drop_hanging(frame: pd.DataFrame, name: str, columns: tuple[str, ...]) -> pd.DataFrame:
        hanging = frame[list(columns)].isin(deleted).any(axis=1)
        if hanging.any():
            warnings.append(f"{name}: {int(hanging.sum())} rows of deleted records skipped")
            if "Id" in frame.columns:
                deleted.update(frame.loc[hanging, "Id"].dropna())
        return frame[~hanging]

    accounts = load("Account.csv", required=True)
    contacts = load("Contact.csv", required=True, keep_deleted=True)
    tables: list[RawTable] = []

    # ----- accounts: kind from the place in the hierarchy unless Kind__c says
    acc = _pick(accounts, _ACCOUNT, "Account.csv", "accounts", ("Id", "Name"))
    parents = dict(zip(acc.frame["id"], acc.frame["parent_id"]))
    with_children = set(p for p in parents.values() if p)
    if "kind" not in acc.frame.columns:
        acc.frame["kind"] = [_account_kind(i, parents, with_children) for i in acc.frame["id"]]
    tables.append(acc)

    # ----- contacts, their departments (free text) and the roles they play
    contacts = _departures(contacts, warnings)
    contacts = drop_hanging(contacts, "Contact.csv", ("AccountId",))
    orphans = contacts["AccountId"].isna()
    if orphans.any():
        warnings.append(f"Contact.csv: {int(orphans.sum())} contacts without an account skipped")
        contacts = contacts[~orphans]
    con = _pick(contacts, _CONTACT, "Contact.csv", "contacts", ("Id", "AccountId"))
    con.frame["name"] = [_name(r) for r in contacts.to_dict("records")]
    con.headers["name"] = "Name"
    departed = contacts[_DELETED].astype(bool).tolist()
    con.frame["status"] = ["departed" if gone else "active" for gone in departed]
    con.headers["status"] = "IsDeleted"
    con.only_if_stored = departed
    if "Phone" in contacts.columns or "MobilePhone" in contacts.columns:
        phone = contacts.get("Phone", pd.Series(index=contacts.index, dtype=object))
        mobile = contacts.get("MobilePhone", pd.Series(index=contacts.index, dtype=object))
        con.frame["phone"] = phone.where(phone.notna(), mobile).tolist()
        con.headers["phone"] = "Phone"
    deleted_managers = con.frame["reports_to"].isin(deleted) if "reports_to" in con.frame.columns \
        else pd.Series(False, index=con.frame.index)
    if deleted_managers.any():
        warnings.append(f"Contact.csv: {int(deleted_managers.sum())} contacts report to a deleted "
                        "contact; their manager is left empty")
        con.frame.loc[deleted_managers, "reports_to"] = None
    if "Department" in contacts.columns:
        departments = _departments(contacts)
        con.frame["department_id"] = [
            _department_id(a, d) if d else None
            for a, d in zip(contacts["AccountId"], contacts["Department"])]
        con.headers["department_id"] = "Department"
        tables.append(departments)

    # ----- opportunities and contact roles
    opportunities = load("Opportunity.csv")
    roles = load("OpportunityContactRole.csv")
    if opportunities is not None:
        opportunities = drop_hanging(opportunities, "Opportunity.csv", ("AccountId",))
        opp = _pick(opportunities, _OPPORTUNITY, "Opportunity.csv", "opportunities", ("Id", "AccountId", "Name"))
        tables.append(opp)
    if roles is not None:
        roles = drop_hanging(roles, "OpportunityContactRole.csv", ("OpportunityId", "ContactId"))
        members = _members(roles)
        tables.append(members)
        mapped = roles.assign(role=roles["Role"].map(salesforce_role)).dropna(subset=["role"])
        contact_roles = mapped.groupby("ContactId")["role"].agg(lambda rs: ";".join(sorted({r.value for r in rs})))
        con.frame["roles"] = con.frame["id"].map(contact_roles).where(lambda s: s.notna(), None)
        con.headers["roles"] = "Role"
    tables.append(con)

    # ----- our team
    users = load("User.csv")
    team_members = load("AccountTeamMember.csv")
    team_ids: set[str] | None = None
    if users is not None and team_members is not None:
        team_members = drop_hanging(team_members, "AccountTeamMember.csv", ("AccountId", "UserId"))
        team = _team(users, team_members)
        team_ids = set(team.frame["id"])
        tables.append(team)
    elif users is not None or team_members is not None:
        warnings.append("our team needs both User.csv and AccountTeamMember.csv; team skipped")
    if opportunities is not None and "OwnerId" in opportunities.columns:  # the deal's owner: one of our team
        owners = opportunities["OwnerId"].reset_index(drop=True)
        known = owners.isin(team_ids or set())
        opp.frame["owner_id"] = owners.where(known, None).astype(object)
        opp.headers["owner_id"] = "OwnerId"
        outside = int((owners.notna() & (owners != "") & ~known).sum())
        if outside:
            warnings.append(f"Opportunity.csv: {outside} opportunities owned by a user outside the account "
                            "teams (owner left out)")

    # ----- activities: tasks and events as interactions
    tasks, events, relations = load("Task.csv"), load("Event.csv"), load("EventRelation.csv")
    if tasks is not None or events is not None:
        tables += salesforce_interactions(
            tasks, events, relations, contact_account=dict(zip(con.frame["id"], con.frame["account_id"])),
            team_ids=team_ids, row_column=_ROW, drop_hanging=drop_hanging, warnings=warnings)
    return tables, warnings


def _departures(contacts: pd.DataFrame, warnings: list[str]) -> pd.DataFrame:
    """The live contacts and those deleted without being merged into another record (a
    ``MasterRecordId`` says the row was a duplicate): the latter are people who left."""
    gone = contacts[_DELETED].astype(bool)
    merged = gone & contacts.get("MasterRecordId", pd.Series(None, index=contacts.index)).notna()
    if merged.any():
        warnings.append(f"Contact.csv: {int(merged.sum())} deleted rows skipped (merged into another contact)")
    return contacts[~merged]


def _pick(frame: pd.DataFrame, mapping: dict[str, str], file: str, table: str,
          required: tuple[str, ...]) -> RawTable:
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise ImportRejected([ImportProblem(file, None, None, f"missing required column {c!r}")
                              for c in missing])
    present = {sf: ours for sf, ours in mapping.items() if sf in frame.columns}
    data = frame[list(present)].rename(columns=present).reset_index(drop=True)
    return RawTable(table, file, data.astype(object), frame[_ROW].tolist(),
                    {ours: sf for sf, ours in present.items()})


def _account_kind(account_id: str, parents: dict[str, str | None], with_children: set[str]) -> str:
    depth, node = 0, parents.get(account_id)
    while node and depth < 50:
        depth, node = depth + 1, parents.get(node)
    if depth == 0:
        return "group" if account_id in with_children else "company"
    return "subsidiary" if depth == 1 else "base"


def _name(row: dict) -> str | None:
    if row.get("Name"):
        return row["Name"]
    first, last = row.get("FirstName") or "", row.get("LastName") or ""
    if re.search(r"[\u4e00-\u9fff]", first + last):
        return (last + first) or None  # 张 + 三 → 张三
    return f"{first} {last}".strip() or None


def _department_id(account_id: str, department: str) -> str:
    return f"{account_id}/{department.strip()}"


def _departments(contacts: pd.DataFrame) -> RawTable:
    rows = contacts[contacts["Department"].notna()][["AccountId", "Department", _ROW]]
    rows = rows.drop_duplicates(subset=["AccountId", "Department"])
    frame = pd.DataFrame({
        "id": [_department_id(a, d) for a, d in zip(rows["AccountId"], rows["Department"])],
        "account_id": rows["AccountId"].tolist(),
        "name": [d.strip() for d in rows["Department"]],
    }, dtype=object)
    return RawTable("departments", "Contact.csv", frame, rows[_ROW].tolist(),
                    {"id": "Department", "account_id": "AccountId", "name": "Department"})


def _members(roles: pd.DataFrame) -> RawTable:
    grouped: dict[tuple[str, str], dict] = {}
    for row in roles.to_dict("records"):
        key = (row["OpportunityId"], row["ContactId"])
        entry = grouped.setdefault(key, {"roles": set(), "source": [], "row": row[_ROW]})
        mapped = salesforce_role(row.get("Role"))
        if mapped:
            entry["roles"].add(mapped)
        if row.get("Role") and row["Role"] not in entry["source"]:
            entry["source"].append(row["Role"])
    records = []
    for (opp, contact), entry in grouped.items():
        role = next((r for r in _ROLE_PRIORITY if r in entry["roles"]), None)
        records.append({"opportunity_id": opp, "contact_id": contact, "role": role.value if role else None,
                        "is_decider": role is BuyingRole.DECIDER, "source_role": "; ".join(entry["source"]) or None,
                        _ROW: entry["row"]})
    frame = pd.DataFrame(records, columns=["opportunity_id", "contact_id", "role", "is_decider", "source_role",
                                           _ROW], dtype=object)
    return RawTable("opportunity_members", "OpportunityContactRole.csv", frame.drop(columns=[_ROW]),
                    frame[_ROW].tolist(), {"opportunity_id": "OpportunityId", "contact_id": "ContactId",
                                           "role": "Role", "source_role": "Role"})


def _team(users: pd.DataFrame, members: pd.DataFrame) -> RawTable:
    users = users[users["Id"].isin(set(members["UserId"]))]
    owned = members.groupby("UserId")["AccountId"].agg(lambda a: ";".join(sorted(set(a))))
    role_of = members.groupby("UserId")["TeamMemberRole"].agg(
        lambda rs: next((_TEAM_ROLES[r.strip().lower()] for r in rs
                         if r and r.strip().lower() in _TEAM_ROLES), "other"))
    frame = pd.DataFrame({
        "id": users["Id"].tolist(),
        "name": [_name(r) for r in users.to_dict("records")],
        "role": users["Id"].map(role_of).tolist(),
        "rank": [_LEVEL_RANK[infer_level(t)] if t else None for t in users.get("Title", [None] * len(users))],
        "business_unit": users["Division"].tolist() if "Division" in users.columns else None,
        "accounts": users["Id"].map(owned).tolist(),
        "email": users["Email"].tolist() if "Email" in users.columns else None,
    }, dtype=object)
    return RawTable("team", "User.csv", frame, users[_ROW].tolist(),
                    {"id": "Id", "name": "Name", "role": "TeamMemberRole", "rank": "Title",
                     "business_unit": "Division", "accounts": "AccountId", "email": "Email"})
