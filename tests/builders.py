"""Writers for real test files (.xlsx, CSV) and a tiny complete account."""

from __future__ import annotations

import csv
from pathlib import Path

from openpyxl import Workbook


def write_workbook(path: Path, sheets: dict[str, list[list]]) -> Path:
    """An .xlsx with one sheet per entry; the first row of each is the header."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
    workbook.save(path)
    return path


def write_csv(path: Path, rows: list[list], *, encoding: str = "utf-8", quote_all: bool = False) -> Path:
    with open(path, "w", encoding=encoding, newline="") as f:
        csv.writer(f, quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL,
                   lineterminator="\r\n" if quote_all else "\n").writerows(rows)
    return path


#: A tiny, complete account in the workbook format (English headers).
SMALL = {
    "accounts": [["id", "name", "parent_id", "kind", "tier", "posture", "share_of_wallet"],
                 ["G1", "华东重工集团", None, "集团", "A", "防御", 0.45],
                 ["S1", "苏州基地", "G1", "基地", "A", "维护", None],
                 ["W1", "苏州基地交易窗口1", "S1", "交易窗口", None, None, None]],
    "departments": [["id", "account_id", "name", "kind"],
                    ["D-PUR", "S1", "采购部", None],
                    ["D-DES", "S1", "设计院", "设计"]],
    "contacts": [["id", "account_id", "department_id", "name", "title", "reports_to", "roles", "stance",
                  "influence", "last_contact", "email"],
                 ["C1", "G1", None, "王建国", "董事长", None, "决策者", "教练", 0.9, "2026-10-05", "wang@example.cn"],
                 ["C2", "S1", "D-PUR", "李明", "采购经理", "C1", "把关者、采购者", -1, 0.5, "2026/09/01", None],
                 ["C3", "S1", "D-DES", "Tom Lee", "Design Engineer", "C2", "influencer;user", None, None, None, None]],
    "team": [["id", "name", "role", "rank", "business_unit", "accounts"],
             ["T1", "张经理", "大客户经理", 3, "液压事业部", "G1;S1"],
             ["T2", "Vice President Sales", "executive", 1, None, "G1"]],
    "relationships": [["team_id", "contact_id", "strength", "last_interaction"],
                      ["T1", "C2", 0.6, "2026-10-01"], ["T2", "C1", 0.8, "2026-03-01"]],
    "influence": [["source_id", "target_id", "weight", "kind"],
                  ["C3", "C1", 0.7, "咨询"], ["C2", "C1", 0.4, "advice"]],
    "opportunities": [["id", "account_id", "name", "dmu_type", "stage", "value"],
                      ["O1", "S1", "液压系统2027", "协商型", "proposal", 1200000]],
    "opportunity_members": [["opportunity_id", "contact_id", "role", "is_decider"],
                            ["O1", "C1", "决策者", "是"], ["O1", "C2", "把关者", "否"]],
}
