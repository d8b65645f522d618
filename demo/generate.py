#!/usr/bin/env python3
"""Generate powermap's demo data: the workbook ``powermap demo`` loads (shipped in the
package as ``powermap/data/demo.xlsx``; ``demo/demo.xlsx`` links to it) and a Salesforce
Data Export mirror.

The story: our company (恒远液压电控, two business units) defends its share at a group
customer (华东重工集团: HQ, two bases, a subsidiary, an HK trading arm, purchasing windows)
and attacks a smaller standalone customer (江南智能装备). Gaps are planted on purpose (see
"planted story" in ``story.py``); ``main()`` prints them with their contact ids.

Deterministic: fixed seeds and a fixed "as of" date (never today's date), so re-running
gives byte-identical files. Standard library + openpyxl only.  Run: python demo/generate.py
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.writer.excel import ExcelWriter

from salesforce_export import write_salesforce
from story import (
    ACCOUNTS, COACHES, DEPARTMENTS, EXEC_NO_PEER, EXEC_UNTOUCHED, FIXED_TIME, GATED_DECIDER, GATEKEEPER,
    HIDDEN_INFLUENCER, INTERACTION_ZH, MOVED_DECIDER, NO_SUPPORTER_DEPT, OPPORTUNITIES, OPPORTUNITY_OWNER,
    OPPOSING_DECIDER, OUT, ROLE_ZH, STALE_EXEC, STANCE_ZH, TEAM, TEAM_DOMAIN, UNTOUCHED_ACCOUNTS, build_contacts,
    build_influence, build_interactions, build_plan, build_relationships, previous_quarter_contacts, rng_for, validate,
    validate_interactions,
)

#: The workbook `powermap demo` loads: inside the package, so that the wheel carries it.
PACKAGED = OUT.parent / "powermap" / "data" / "demo.xlsx"
#: What changed since the previous quarter: `powermap demo` snapshots it as 2026Q3 first.
PREVIOUS = PACKAGED.with_name("demo-2026Q3.xlsx")


# --------------------------------------------------------------------------- workbook
def date_cell(rng, day, odd_formats=True):
    """Mostly a real Excel date or ISO text; sometimes 2026/10/05 or 2026年10月5日."""
    r = rng.random()
    if day is None or r < 0.5:
        return day
    if r < 0.8 or not odd_formats:
        return day.isoformat()
    return f"{day:%Y/%m/%d}" if r < 0.9 else f"{day.year}年{day.month}月{day.day}日"


def contact_row(rng, c):
    roles = rng.choice([";", ",", "、", "; "]).join(
        ROLE_ZH[r] if rng.random() < 0.35 else r for r in c.roles)
    stance = STANCE_ZH[c.stance] if c.stance in STANCE_ZH and rng.random() < 0.25 else c.stance
    return [c.id, c.account_id, c.dept_id, c.name, c.title, c.level, c.reports_to, roles, stance,
            c.influence, c.competitor, date_cell(rng, c.last_contact), c.email, c.phone,
            date_cell(rng, c.birthday, odd_formats=False), c.notes]


def workbook_sheets(contacts, relationships, influence, interactions=(), plan=()):
    """Sheet name -> rows (header first), in powermap's workbook format."""
    rng = rng_for("workbook")
    several = [r for r in interactions if len(r["team"]) + len(r["contacts"]) > 2]
    members = [(o[0], contacts[h].id, role, int(d) if d in ("0", "1") else d)
               for o in OPPORTUNITIES for h, role, d in (m.split("/") for m in o[7].split())]
    return {
        "accounts": [["id", "name", "parent_id", "kind", "industry", "region", "tier", "posture",
                      "share_of_wallet"], *ACCOUNTS],
        "departments": [["id", "account_id", "name", "kind", "parent_id"],
                        *(d[:5] for d in DEPARTMENTS)],
        "contacts": [["id", "account_id", "department_id", "name", "title", "level", "reports_to",
                      "roles", "stance", "influence", "competitor", "last_contact", "email",
                      "phone", "birthday", "notes"],
                     *(contact_row(rng, c) for c in contacts.values())],
        "team": [["id", "name", "role", "rank", "business_unit", "accounts", "email"],
                 *([*t[:6], f"{t[6]}@{TEAM_DOMAIN}"] for t in TEAM)],
        "relationships": [["team_id", "contact_id", "strength", "last_interaction"],
                          *([t, c, s, date_cell(rng, d, False)] for t, c, s, d in relationships)],
        "influence": [["source_id", "target_id", "weight", "kind"], *influence],
        "opportunities": [["id", "account_id", "name", "dmu_type", "stage", "value", "competitor", "owner_id"],
                          *([*o[:7], OPPORTUNITY_OWNER[o[0]]] for o in OPPORTUNITIES)],
        "opportunity_members": [["opportunity_id", "contact_id", "role", "is_decider"], *members],
        # one interaction a row, participants separated by ";" -- except meetings of several
        # people, whose participants are listed one a row in the next sheet
        "互动记录": [["编号", "日期", "时间", "类型", "所属客户", "主题", "我方参与人", "客户参与人", "发件人", "备注"],
                 *([r["id"], r["date"], r["time"], INTERACTION_ZH.get(r["type"], r["type"]), r["account"],
                    r["subject"], "" if r in several else ";".join(r["team"]),
                    "" if r in several else ";".join(r["contacts"]), r["sender"] or "", r["notes"]]
                   for r in interactions)],
        "interaction_participants": [["interaction_id", "team_id", "contact_id"],
                                     *([r["id"], t, ""] for r in several for t in r["team"]),
                                     *([r["id"], "", c] for r in several for c in r["contacts"])],
        # the quarter's relationship plan, in Chinese headers as an account team writes it
        "计划": [["计划编号", "客户", "联系人", "负责人", "行动", "开始日期", "截止日期", "目标态度", "商机",
                "铁三角可代", "备注", "关闭人", "关闭原因", "关闭日期"],
               *([p["id"], p["account"], p["contact"], p["owner"], INTERACTION_ZH.get(p["action"], p["action"]),
                  p["start"], p["due"], p["target"], p["opportunity"], "是" if p["colleagues"] else "否",
                  p["note"], *(p["close"] or ("", "", ""))] for p in plan)],
    }


def write_workbook(sheets, path):
    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append([None if v == "" else v for v in row])  # empty cells, not empty strings
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for column in ws.columns:
            for cell in column:
                if isinstance(cell.value, dt.date):
                    cell.number_format = "yyyy-mm-dd"
            width = max(len(str(cell.value or "")) for cell in column)
            ws.column_dimensions[column[0].column_letter].width = min(40, max(10, width * 1.3))
        ws.freeze_panes = "A2"
    wb.properties.creator = "powermap demo generator"
    wb.properties.created = wb.properties.modified = FIXED_TIME
    buffer = io.BytesIO()  # openpyxl's save_workbook stamps "now"; ExcelWriter keeps our time
    ExcelWriter(wb, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED)).save()
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():  # fixed member timestamps too: byte-identical re-runs
            member = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            member.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(member, src.read(info.filename))


# ------------------------------------------------------------------------------- main
def main():
    contacts = build_contacts()
    relationships, influence = build_relationships(contacts), build_influence(contacts)
    validate(contacts, relationships, influence)
    interactions = build_interactions(contacts, relationships)
    validate_interactions(contacts, relationships, interactions)
    plan = build_plan(contacts, interactions)
    sheets = workbook_sheets(contacts, relationships, influence, interactions, plan)
    write_workbook(sheets, PACKAGED)
    write_workbook({"contacts": previous_quarter_contacts(contacts)}, PREVIOUS)
    counts = write_salesforce(contacts, OUT / "salesforce", interactions)
    print("demo/demo.xlsx:", ", ".join(f"{name} {len(rows) - 1}" for name, rows in sheets.items()))
    print("demo/salesforce:", ", ".join(f"{name} {n}" for name, n in counts.items()))
    planted = [("coach", h) for h in COACHES] + [
        ("hidden influencer", HIDDEN_INFLUENCER), ("opposing decider", OPPOSING_DECIDER),
        ("decider reachable only via the gatekeeper", GATED_DECIDER),
        ("that gatekeeper", GATEKEEPER), ("group exec our executive does not know", EXEC_NO_PEER),
        ("group executive nobody knows", EXEC_UNTOUCHED), ("stale tie of T01", STALE_EXEC[1]),
        ("decider who moved since 2026Q3 (from 苏州基地)", MOVED_DECIDER)]
    for label, handle in planted:
        c = contacts[handle]
        print(f"  {label}: {c.id} {c.name} ({c.title}, {c.account_id})")
    print(f"  design department without a supporter: {NO_SUPPORTER_DEPT}; "
          f"untouched accounts: {', '.join(UNTOUCHED_ACCOUNTS)}")


if __name__ == "__main__":
    main()
