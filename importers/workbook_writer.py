"""Workbooks in the import format, written: the blank template to fill in, and an account
exported with everything below it. Both read back through :func:`importers.import_paths`
as the same records (an exported account re-imported changes nothing).

Each table is a sheet with headers in Chinese or English (:mod:`importers.sheet_format`),
every enumerated column has a drop-down list of the words the importer accepts, the 0..1
columns a number range; the first sheet explains every column in both languages.

Text is never a formula: a cell is written as text, and text beginning with ``=`` ``+``
``-`` ``@``, a tab or a carriage return also gets Excel's quote prefix, so that editing the
cell keeps it text. (No apostrophe is added to the value, unlike the CSV neutraliser of the
API, so a phone number such as ``+86 …`` comes back unchanged.)
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from graph.exceptions import AccountNotFound
from graph.model import TABLE_ORDER, TABLES
from graph.store import GraphStore
from importers.sheet_format import (FORMULA_TRIGGERS, INSTRUCTIONS_SHEETS, XML_INVALID, Column, Lang, cell_value,
                                    columns, sheet_name)

__all__ = ["template_workbook", "account_workbook", "account_tables", "write_workbook", "EXAMPLE_ROWS",
           "column_guide"]

#: Rows below the data that keep the drop-down lists and ranges, for rows the user adds.
_SPARE_ROWS = 2000
_PAGE = 1000

#: The template's example rows, in stored form (one small group customer, its people, us).
EXAMPLE_ROWS: dict[str, list[dict[str, Any]]] = {
    "accounts": [
        {"id": "EX-G", "name": "示例集团 Example Group", "kind": "group", "industry": "machinery", "region": "华东",
         "tier": "A", "posture": "defend", "share_of_wallet": 0.45},
        {"id": "EX-B1", "name": "示例集团一号基地 Example Base 1", "parent_id": "EX-G", "kind": "base"},
    ],
    "departments": [
        {"id": "EX-PUR", "account_id": "EX-B1", "name": "采购部 Purchasing", "kind": "purchasing"},
        {"id": "EX-ENG", "account_id": "EX-B1", "name": "技术部 Engineering", "kind": "design"},
    ],
    "contacts": [
        {"id": "EX-C1", "account_id": "EX-G", "name": "王总 Wang", "title": "总经理 General Manager",
         "level": "executive", "roles": ["decider"], "stance": 1, "influence": 0.9},
        {"id": "EX-C2", "account_id": "EX-B1", "department_id": "EX-PUR", "name": "李经理 Li",
         "title": "采购经理 Purchasing Manager", "level": "manager", "reports_to": "EX-C1",
         "roles": ["buyer", "gatekeeper"], "stance": 0, "competitor": "友商A Rival A", "last_contact": "2026-10-05"},
        {"id": "EX-C3", "account_id": "EX-B1", "department_id": "EX-ENG", "name": "张工 Zhang",
         "title": "总工 Chief Engineer", "level": "director", "reports_to": "EX-C1", "roles": ["influencer"],
         "stance": 3, "influence": 0.7},
    ],
    "team": [
        {"id": "EX-T1", "name": "陈经理 Chen", "role": "account_manager", "rank": 3, "business_unit": "液压事业部",
         "accounts": ["EX-G"]},
        {"id": "EX-T2", "name": "刘总 Liu", "role": "executive", "rank": 1},
    ],
    "relationships": [
        {"team_id": "EX-T1", "contact_id": "EX-C3", "strength": 0.8, "last_interaction": "2026-10-05"},
        {"team_id": "EX-T1", "contact_id": "EX-C2", "strength": 0.4},
    ],
    "influence": [{"source_id": "EX-C3", "target_id": "EX-C1", "weight": 0.7, "kind": "advice"}],
    "opportunities": [{"id": "EX-O1", "account_id": "EX-B1", "name": "二期液压系统 Hydraulics phase 2",
                       "dmu_type": "consensus", "stage": "方案 proposal", "value": 3_200_000}],
    "opportunity_members": [
        {"opportunity_id": "EX-O1", "contact_id": "EX-C1", "role": "decider", "is_decider": True},
        {"opportunity_id": "EX-O1", "contact_id": "EX-C3", "role": "influencer", "is_decider": False},
    ],
    "interactions": [{"id": "EX-I1", "date": "2026-10-05", "time": "14:30", "type": "technical_exchange",
                      "account_id": "EX-B1", "subject": "方案交流 Solution workshop", "team_ids": ["EX-T1"],
                      "contact_ids": ["EX-C3"]}],
}

_MEANING: dict[tuple[str, str], tuple[str, str]] = {
    ("accounts", "id"): ("the account's id, your own code", "客户编号（自定）"),
    ("accounts", "name"): ("the customer's name", "客户名称"),
    ("accounts", "parent_id"): ("the account it belongs to (group → subsidiary → base → window)",
                                "上级客户编号（集团→子公司→基地→交易窗口）"),
    ("accounts", "kind"): ("what kind of organisation it is", "组织类型"),
    ("accounts", "industry"): ("industry", "行业"),
    ("accounts", "region"): ("region", "区域"),
    ("accounts", "tier"): ("account tier, set each quarter", "客户分级（每季度评定）"),
    ("accounts", "posture"): ("our posture from the share of wallet", "根据份额确定的策略"),
    ("accounts", "share_of_wallet"): ("our share of its demand (45% or 0.45)", "需求份额占有率（45% 或 0.45）"),
    ("departments", "id"): ("the department's id", "部门编号"),
    ("departments", "account_id"): ("the account it is part of", "所属客户编号"),
    ("departments", "name"): ("the department's name", "部门名称"),
    ("departments", "kind"): ("which line of contact it is; from the name when empty",
                              "部门类型（联络线）；空则按名称推断"),
    ("departments", "parent_id"): ("the department above it", "上级部门编号"),
    ("contacts", "id"): ("the person's id", "联系人编号"),
    ("contacts", "account_id"): ("the account they work at", "所属客户编号"),
    ("contacts", "department_id"): ("their department", "所属部门编号"),
    ("contacts", "name"): ("full name", "姓名"),
    ("contacts", "title"): ("job title", "职位"),
    ("contacts", "level"): ("level; from the title when empty", "级别；空则按职位推断"),
    ("contacts", "reports_to"): ("the contact they report to", "汇报对象（联系人编号）"),
    ("contacts", "roles"): ("buying roles, several separated by ; or 、", "采购角色，可多个，用 ; 或 、 分隔"),
    ("contacts", "stance"): ("stance toward us: -1 opposes … 3 coach", "关系评分：-1 反对 … 3 教练"),
    ("contacts", "influence"): ("how much weight they carry, 0..1", "影响力 0..1"),
    ("contacts", "competitor"): ("the rival they favour", "倾向的友商"),
    ("contacts", "last_contact"): ("when we last spoke to them", "最近接触日期"),
    ("contacts", "status"): ("departed when they left (blank: active)", "在职状态：离职 / 在职（空为在职）"),
    ("contacts", "email"): ("e-mail (personal data)", "邮箱（个人信息）"),
    ("contacts", "phone"): ("phone (personal data)", "电话（个人信息）"),
    ("contacts", "birthday"): ("birthday (personal data)", "生日（个人信息）"),
    ("contacts", "notes"): ("notes (personal data)", "备注（个人信息）"),
    ("team", "id"): ("our person's id", "我方人员编号"),
    ("team", "name"): ("full name", "姓名"),
    ("team", "role"): ("role on the account (iron triangle, executive …)", "角色（铁三角、高管 …）"),
    ("team", "rank"): ("rank, 1 = top executive", "职级，1 = 最高层"),
    ("team", "business_unit"): ("business unit", "事业部"),
    ("team", "accounts"): ("accounts they own, separated by ;", "负责的客户编号，用 ; 分隔"),
    ("team", "email"): ("e-mail", "邮箱"),
    ("relationships", "team_id"): ("our person", "我方人员编号"),
    ("relationships", "contact_id"): ("the contact they know", "认识的客户联系人编号"),
    ("relationships", "strength"): ("how strong the relationship is, 0..1", "关系强度 0..1"),
    ("relationships", "last_interaction"): ("when they last spoke", "最近互动日期"),
    ("influence", "source_id"): ("the contact who influences", "影响者（联系人编号）"),
    ("influence", "target_id"): ("the contact influenced", "被影响者（联系人编号）"),
    ("influence", "weight"): ("how strongly, 0..1", "影响程度 0..1"),
    ("influence", "kind"): ("what kind of tie", "关系类型"),
    ("opportunities", "id"): ("the opportunity's id", "商机编号"),
    ("opportunities", "account_id"): ("the account buying", "所属客户编号"),
    ("opportunities", "name"): ("the opportunity's name", "商机名称"),
    ("opportunities", "dmu_type"): ("how the decision-making unit decides", "决策组类型"),
    ("opportunities", "stage"): ("sales stage, your own words", "销售阶段（自定）"),
    ("opportunities", "value"): ("expected value", "预计金额"),
    ("opportunities", "competitor"): ("the main rival", "主要友商"),
    ("opportunities", "owner_id"): ("our person who owns the deal (their business unit is the deal's)",
                                    "商机负责人（我方人员编号，其事业部即商机所属事业部）"),
    ("opportunity_members", "opportunity_id"): ("the opportunity", "商机编号"),
    ("opportunity_members", "contact_id"): ("a member of its decision-making unit", "决策组成员（联系人编号）"),
    ("opportunity_members", "role"): ("their buying role in it", "在该商机中的采购角色"),
    ("opportunity_members", "is_decider"): ("do they decide it?", "是否决策者"),
    ("opportunity_members", "source_role"): ("the CRM's own word for the role", "CRM 中的原始角色"),
    ("interactions", "id"): ("the interaction's id", "互动编号"),
    ("interactions", "date"): ("when", "日期"),
    ("interactions", "time"): ("time of day, 14:30", "时间，如 14:30"),
    ("interactions", "type"): ("what kind of contact", "互动类型"),
    ("interactions", "account_id"): ("the account", "所属客户编号"),
    ("interactions", "subject"): ("subject", "主题"),
    ("interactions", "notes"): ("notes (personal data)", "纪要（个人信息）"),
    ("interactions", "team_ids"): ("our people taking part, separated by ;", "我方参与人编号，用 ; 分隔"),
    ("interactions", "contact_ids"): ("their people taking part, separated by ;", "客户参与人编号，用 ; 分隔"),
    ("interactions", "sender_id"): ("who sent it (e-mails)", "发起人（邮件发件人）编号"),
    ("plans", "id"): ("the plan action's id, your own code", "计划行动编号（自定）"),
    ("plans", "account_id"): ("the account it is for", "所属客户编号"),
    ("plans", "contact_id"): ("the customer's person it targets", "目标联系人编号"),
    ("plans", "owner_id"): ("our person who will do it", "我方负责人编号"),
    ("plans", "action"): ("what they will do: an interaction type (visit, site visit, home visit …)",
                          "行动：互动类型（拜访、客户来访、家访……）"),
    ("plans", "start"): ("from this day (empty: any day up to the due date)", "开始日期（空 = 截止日前任何一天）"),
    ("plans", "due"): ("by this day (the day itself is on time)", "截止日期（当天完成算按时）"),
    ("plans", "target_stance"): ("the stance the action aims for", "目标态度"),
    ("plans", "opportunity_id"): ("the deal it serves", "服务的商机编号"),
    ("plans", "colleagues_count"): ("an iron-triangle colleague's interaction counts too", "铁三角同事的互动也算完成"),
    ("plans", "note"): ("note (personal data)", "备注（个人信息）"),
    ("plans", "closed_by"): ("who closed it by hand", "手工关闭人"),
    ("plans", "closed_reason"): ("why it was closed by hand", "手工关闭原因"),
    ("plans", "closed_on"): ("when it was closed by hand", "手工关闭日期"),
}


def column_guide(column: Column) -> tuple[str, str, str]:
    """What the instructions sheet says of a column: its meaning in English and in Chinese, and
    what it accepts (both languages; the documentation's workbook reference shows the same).

    >>> stance = next(c for c in columns("contacts", "en") if c.name == "stance")
    >>> column_guide(stance)[1], column_guide(stance)[2].split(" | ")[-1]
    ('关系评分：-1 反对 … 3 教练', '3: 教练 / coach / champion')
    """
    en, zh = _MEANING[(column.table, column.name)]
    return en, zh, _accepts(column)


def template_workbook(lang: Lang = "zh") -> bytes:
    """A blank workbook in the import format with the example rows, drop-down lists, ranges
    and an instructions sheet."""
    return write_workbook(EXAMPLE_ROWS, lang)


def account_tables(store: GraphStore, account_id: str, *,
                   keep: Callable[[str, dict[str, Any]], bool] | None = None,
                   shape: Callable[[str, dict[str, Any]], dict[str, Any]] | None = None,
                   ) -> dict[str, list[dict[str, Any]]]:
    """The records of ``account_id`` and every account below it, per table, in stored form:
    its accounts, departments, contacts, opportunities and their members, interactions,
    the relationships and influence among its contacts, and our people who own one of its
    accounts, know one of its contacts or took part in one of its interactions.

    ``keep`` (a key's visibility) drops records; ``shape`` gives each record as the reader
    may see it (personal fields left out). Links are kept as stored: a team member's other
    accounts, a sub-account's parent, a contact's manager elsewhere.

    Raises
    ------
    AccountNotFound
        When there is no account ``account_id``.
    """
    accounts = store.account_descendants([account_id])
    if not accounts:
        raise AccountNotFound(account_id)
    tables: dict[str, list[dict[str, Any]]] = {}
    for table in TABLE_ORDER:
        tables[table] = list(_records(store, table, accounts))
    known = {row["id"] for row in tables["team"]}
    wanted = sorted({t for row in tables["interactions"] for t in row.get("team_ids") or ()} - known)
    for team_id in wanted:
        member = store.get("team", team_id)
        if member is not None:
            tables["team"].append(member.row())
    tables["team"].sort(key=lambda row: row["id"])
    out: dict[str, list[dict[str, Any]]] = {}
    for table, rows in tables.items():
        kept = [row for row in rows if keep is None or keep(table, row)]
        out[table] = [shape(table, row) if shape else row for row in kept]
    return out


def account_workbook(store: GraphStore, account_id: str, lang: Lang = "zh", *,
                     personal: bool = True,
                     keep: Callable[[str, dict[str, Any]], bool] | None = None,
                     shape: Callable[[str, dict[str, Any]], dict[str, Any]] | None = None) -> bytes:
    """The account with everything below it as a workbook in the import format
    (:func:`account_tables`); without ``personal`` the personal columns are left out, so
    that re-importing the file leaves them as they are."""
    return write_workbook(account_tables(store, account_id, keep=keep, shape=shape), lang, personal=personal)


def write_workbook(tables: Mapping[str, Iterable[Mapping[str, Any]]], lang: Lang = "zh", *,
                   personal: bool = True, path: Path | None = None) -> bytes:
    """Rows in stored form, per table, as an import-format workbook (also saved at ``path``)."""
    from openpyxl import Workbook

    workbook = Workbook()
    _instructions(workbook.active, lang, personal=personal)
    for table in TABLE_ORDER:
        sheet_columns = [c for c in columns(table, lang) if personal or not c.personal]
        _table_sheet(workbook.create_sheet(sheet_name(table, lang)), sheet_columns,
                     list(tables.get(table, ())), lang)
    buffer = io.BytesIO()
    workbook.save(buffer)
    data = buffer.getvalue()
    if path is not None:
        path.write_bytes(data)
    return data


# ----- private -----------------------------------------------------------------------------
def _records(store: GraphStore, table: str, accounts: set[str]) -> Iterable[dict[str, Any]]:
    after = None
    while True:
        rows = store.list_records(table, limit=_PAGE, after=after, account_ids=accounts)
        for row in rows:
            yield {c: row.get(c) for c in TABLES[table].columns}
        if len(rows) < _PAGE:
            return
        after = rows[-1]["key"]


def _table_sheet(sheet: Any, sheet_columns: list[Column], rows: list[Mapping[str, Any]], lang: Lang) -> None:
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    bold, required_fill = Font(bold=True), PatternFill("solid", fgColor="FFF2CC")
    for j, column in enumerate(sheet_columns, start=1):
        cell = sheet.cell(1, j, column.header)
        cell.font = bold
        if column.required:
            cell.fill = required_fill
        sheet.column_dimensions[get_column_letter(j)].width = max(12, 2 * len(column.header) + 4)
    for i, row in enumerate(rows, start=2):
        for j, column in enumerate(sheet_columns, start=1):
            _put(sheet, i, j, cell_value(column, row.get(column.name), lang))
    sheet.freeze_panes = "A2"
    last = len(rows) + 1 + _SPARE_ROWS
    for j, column in enumerate(sheet_columns, start=1):
        validation = _validation(column, lang)
        if validation is not None:
            sheet.add_data_validation(validation)
            letter = get_column_letter(j)
            validation.add(f"{letter}2:{letter}{last}")


def _put(sheet: Any, row: int, col: int, value: Any) -> None:
    """A cell that holds ``value`` and is never a formula."""
    if isinstance(value, str):
        value = XML_INVALID.sub("", value)
    cell = sheet.cell(row, col, value)
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl would make "=…" a formula
        if value.startswith(FORMULA_TRIGGERS):
            cell.quotePrefix = True  # and Excel keeps it text when the cell is edited


def _validation(column: Column, lang: Lang) -> Any:
    from openpyxl.worksheet.datavalidation import DataValidation

    zh = lang == "zh"
    if column.kind in ("choice", "choices", "stance", "bool"):
        listed = ",".join(column.choices)
        if len(listed) > 250:  # pragma: no cover - Excel's limit for a list typed in the rule
            raise AssertionError(f"the words of {column.table}.{column.name} are too long for a drop-down")
        several = column.kind == "choices"
        return DataValidation(
            type="list", formula1=f'"{listed}"', allow_blank=True,
            # several buying roles in one cell are allowed: a warning, not a refusal
            errorStyle="warning" if several else "stop", showErrorMessage=True,
            errorTitle="取值不在列表中" if zh else "Not in the list",
            error=("可选：" if zh else "Use one of: ") + "、".join(column.choices)
            + (("；多个用 ; 或 、 分隔" if zh else "; several separated by ;") if several else ""),
            promptTitle=column.header, prompt=_meaning(column, lang)[:250], showInputMessage=True)
    if column.kind in ("number", "whole") and (column.low is not None or column.high is not None):
        kind = "whole" if column.kind == "whole" else "decimal"
        if column.high is None:
            rule = {"operator": "greaterThanOrEqual", "formula1": str(column.low)}
            said = f"≥ {column.low:g}"
        else:
            rule = {"operator": "between", "formula1": str(column.low), "formula2": str(column.high)}
            said = f"{column.low:g}..{column.high:g}"
        return DataValidation(type=kind, allow_blank=True, showErrorMessage=True, **rule,
                              errorTitle="超出范围" if zh else "Out of range",
                              error=(f"请填 {said} 之间的数" if zh else f"Use a number {said}"),
                              promptTitle=column.header, prompt=_meaning(column, lang)[:250],
                              showInputMessage=True)
    return None


def _accepts(column: Column) -> str:
    """What a column accepts, in both languages (the instructions sheet)."""
    from graph.vocabulary import choice_words, stance_words

    if column.kind == "stance":
        return " | ".join(f"{value}: {' / '.join(words[:3])}" for value, words in stance_words().items())
    if column.kind in ("choice", "choices") and column.enum_type is not None:
        return " | ".join(f"{member.value}: {' / '.join(words[1:3]) or member.value}"
                          for member, words in choice_words(column.enum_type).items())
    if column.kind == "bool":
        return "是 / 否, yes / no, 1 / 0"
    if column.kind in ("number", "whole"):
        bounds = "" if column.low is None else (f"{column.low:g}..{column.high:g}" if column.high is not None
                                                else f"≥ {column.low:g}")
        return ("whole number " if column.kind == "whole" else "number ") + bounds
    if column.kind == "date":
        return "2026-10-05, 2026/10/05, 2026年10月5日"
    if column.kind == "time":
        return "14:30"
    spec = TABLES[column.table]
    if column.name in spec.references:
        target = spec.references[column.name]
        return f"id in {sheet_name(target, 'zh')} / {target}" + ("; several: ;" if column.kind == "ids" else "")
    return ""


def _meaning(column: Column, lang: Lang) -> str:
    en, zh, _ = column_guide(column)
    return zh if lang == "zh" else en


def _instructions(sheet: Any, lang: Lang, *, personal: bool) -> None:
    from openpyxl.styles import Font

    sheet.title = INSTRUCTIONS_SHEETS[lang]
    zh = lang == "zh"
    intro = ("每张表一个工作表；黄色表头为必填列。填写后导入：powermap import 文件.xlsx（示例行以 EX- 开头，可删除）。"
             if zh else "One sheet per table; yellow headers are required. Fill in, then: powermap import file.xlsx "
                        "(the example rows, ids EX-…, may be deleted).")
    sheet.append([intro])
    sheet.append([])
    heads = (["工作表", "列", "column", "必填", "含义", "meaning", "可填写 / accepted"] if zh
             else ["sheet", "column", "列", "required", "meaning", "含义", "accepted / 可填写"])
    sheet.append(heads)
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for table in TABLE_ORDER:
        for column in columns(table, lang):
            if column.personal and not personal:
                continue
            en, zh_text, accepts = column_guide(column)
            other = _other_header(column, lang)
            required = ("是" if zh else "yes") if column.required else ""
            cells = ([sheet_name(table, lang), column.header, other, required, zh_text, en, accepts]
                     if zh else [sheet_name(table, lang), column.header, other, required, en, zh_text, accepts])
            sheet.append(cells)
    for letter, width in zip("ABCDEFG", (14, 16, 18, 8, 40, 40, 70)):
        sheet.column_dimensions[letter].width = width


def _other_header(column: Column, lang: Lang) -> str:
    """The column's header in the other language."""
    other: Lang = "en" if lang == "zh" else "zh"
    return next(c.header for c in columns(column.table, other) if c.name == column.name)
