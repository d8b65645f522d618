"""Reading spreadsheets: CSV in any encoding Chinese Excel writes, ``.xlsx`` sheets, and
the header and sheet names users type (English or Chinese) mapped onto powermap's
canonical columns.

The result is a list of :class:`RawTable`: raw cell values with the file, the row
number as a spreadsheet shows it, and the header as the user wrote it, so that every
problem found later can be reported precisely.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from graph.exceptions import ImportProblem, ImportRejected
from graph.model import TABLES
from importers.limits import check_cancelled, check_shape, check_workbook_parts, current_limits

__all__ = [
    "RawTable",
    "read_csv_text",
    "read_csv_table",
    "read_workbook",
    "table_for_name",
    "canonical_column",
    "sheet_aliases",
    "header_aliases",
    "PARTICIPANTS",
    "PARTICIPANT_COLUMNS",
]

#: The sheet that lists an interaction's participants one per row (folded into
#: ``interactions`` by validation): its columns.
PARTICIPANTS = "interaction_participants"
PARTICIPANT_COLUMNS = ("interaction_id", "team_id", "contact_id")


@dataclass
class RawTable:
    """Raw values of one table from one file.

    ``frame`` has canonical column names; ``rows`` the spreadsheet row number of each
    record; ``headers`` maps a canonical column back to the header the user wrote.
    """

    table: str
    file: str
    frame: pd.DataFrame
    rows: Sequence[int]
    headers: dict[str, str] = field(default_factory=dict)
    ignored_columns: list[str] = field(default_factory=list)
    #: per row: keep it only when the store already holds a record with its id (a CRM's
    #: deleted contact is written as departed only if we knew them); None: keep every row
    only_if_stored: Sequence[bool] | None = None


_SHEETS = {
    "accounts": ("account", "客户", "客户列表", "客户信息", "组织", "accounts"),
    "departments": ("department", "部门", "部门列表"),
    "contacts": ("contact", "联系人", "客户联系人", "人员", "people", "stakeholders"),
    "team": ("team_members", "team_member", "our_team", "团队", "我方团队", "我方人员", "销售团队"),
    "relationships": ("relationship", "关系", "我方关系", "客户关系", "联系"),
    "influence": ("influences", "influence_edges", "影响", "影响关系", "影响力关系"),
    "opportunities": ("opportunity", "商机", "项目", "机会"),
    "opportunity_members": ("opportunity_member", "dmu", "members", "商机成员", "决策组", "决策链"),
    "interactions": ("interaction", "互动", "互动记录", "拜访记录", "客户拜访", "活动记录", "activities",
                     "activity", "visits", "interaction_log"),
    "plans": ("plan", "计划", "关系计划", "行动计划", "客户计划", "plan_actions", "plan_action", "action_plan"),
    PARTICIPANTS: ("interaction_participant", "participants", "参与人", "互动参与人", "参与人员", "拜访参与人"),
}

_COMMON_HEADERS = {
    "编号": "id", "id": "id", "代码": "id",
    "名称": "name", "姓名": "name", "名字": "name", "全名": "name", "full_name": "name",
    "上级": "parent_id", "上级编号": "parent_id", "parent": "parent_id", "上级客户": "parent_id",
    "所属集团": "parent_id", "上级部门": "parent_id",
    "所属客户": "account_id", "客户": "account_id", "客户编号": "account_id", "account": "account_id",
    "部门": "department_id", "部门编号": "department_id", "所属部门": "department_id",
    "department": "department_id",
    "职位": "title", "职务": "title", "头衔": "title", "job_title": "title",
    "级别": "level", "层级": "level",
    "汇报对象": "reports_to", "直属上级": "reports_to", "汇报给": "reports_to", "manager": "reports_to",
    "reports_to_id": "reports_to",
    "角色": "roles", "采购角色": "roles", "buying_roles": "roles", "buying_role": "roles",
    "关系评分": "stance", "态度": "stance", "立场": "stance", "支持度": "stance", "relationship_score": "stance",
    "影响力": "influence",
    "竞争对手": "competitor", "友商": "competitor", "倾向友商": "competitor", "favoured_competitor": "competitor",
    "favored_competitor": "competitor",
    "最近接触": "last_contact", "最后接触": "last_contact", "最近联系": "last_contact",
    "last_contact_date": "last_contact",
    "在职状态": "status", "任职状态": "status", "状态": "status", "employment_status": "status",
    "邮箱": "email", "电子邮件": "email", "e_mail": "email", "mail": "email",
    "电话": "phone", "手机": "phone", "mobile": "phone",
    "生日": "birthday", "birthdate": "birthday",
    "备注": "notes", "note": "notes", "comments": "notes",
    "类型": "kind", "类别": "kind", "type": "kind",
    "行业": "industry", "区域": "region", "地区": "region",
    "分级": "tier", "客户分级": "tier", "等级": "tier",
    "策略": "posture", "态势": "posture", "定位": "posture",
    "份额": "share_of_wallet", "需求份额占有率": "share_of_wallet", "份额占有率": "share_of_wallet",
    "share": "share_of_wallet",
    "团队成员": "team_id", "我方人员": "team_id", "成员编号": "team_id", "team": "team_id",
    "team_member": "team_id", "team_member_id": "team_id",
    "联系人": "contact_id", "联系人编号": "contact_id", "客户联系人": "contact_id", "contact": "contact_id",
    "强度": "strength", "关系强度": "strength",
    "最近互动": "last_interaction", "最后互动": "last_interaction",
    "影响者": "source_id", "来源": "source_id", "source": "source_id", "from": "source_id",
    "被影响者": "target_id", "目标": "target_id", "target": "target_id", "to": "target_id",
    "权重": "weight",
    "决策类型": "dmu_type", "决策组类型": "dmu_type", "决策模式": "dmu_type", "dmu": "dmu_type",
    "decision_unit_type": "dmu_type",
    "阶段": "stage", "销售阶段": "stage",
    "金额": "value", "价值": "value", "预计金额": "value", "amount": "value",
    "商机": "opportunity_id", "商机编号": "opportunity_id", "opportunity": "opportunity_id",
    "是否决策者": "is_decider", "决策者": "is_decider", "decider": "is_decider",
    "职级": "rank", "事业部": "business_unit", "业务单元": "business_unit", "division": "business_unit",
    "负责客户": "accounts", "客户列表": "accounts",
    "原始角色": "source_role",
}
_TABLE_HEADERS = {
    "contacts": {"上级": "reports_to", "parent_id": "reports_to"},
    "team": {"角色": "role", "roles": "role", "kind": "role"},
    "opportunity_members": {"角色": "role", "roles": "role", "采购角色": "role"},
    "opportunities": {"类型": "dmu_type", "kind": "dmu_type", "负责人": "owner_id", "商机负责人": "owner_id",
                      "owner": "owner_id", "我方负责人": "owner_id"},
    "departments": {"类型": "kind"},
    "interactions": {
        "类型": "type", "type": "type", "kind": "type", "互动类型": "type", "方式": "type", "拜访类型": "type",
        "日期": "date", "互动日期": "date", "拜访日期": "date", "时间": "time", "activity_date": "date",
        "主题": "subject", "标题": "subject", "事由": "subject", "纪要": "notes", "内容": "notes",
        "description": "notes",
        "我方人员": "team_ids", "我方参与人": "team_ids", "我方": "team_ids", "team": "team_ids",
        "team_id": "team_ids", "team_members": "team_ids", "our_participants": "team_ids",
        "联系人": "contact_ids", "客户参与人": "contact_ids", "客户方": "contact_ids", "contact": "contact_ids",
        "contact_id": "contact_ids", "contacts": "contact_ids", "their_participants": "contact_ids",
        "发件人": "sender_id", "发起人": "sender_id", "sender": "sender_id", "from": "sender_id",
        "互动编号": "id", "记录编号": "id",
    },
    "plans": {
        "计划编号": "id", "行动编号": "id", "负责人": "owner_id", "责任人": "owner_id", "我方负责人": "owner_id",
        "owner": "owner_id", "我方人员": "owner_id", "team_id": "owner_id",
        "行动": "action", "动作": "action", "类型": "action", "方式": "action", "type": "action",
        "开始": "start", "开始日期": "start", "start_date": "start",
        "截止": "due", "截止日期": "due", "完成日期": "due", "due_date": "due", "deadline": "due",
        "目标态度": "target_stance", "目标立场": "target_stance", "目标评分": "target_stance",
        "target": "target_stance", "目标": "target_stance",
        "备注": "note", "说明": "note", "notes": "note", "note": "note",
        "铁三角可代": "colleagues_count", "同事可代": "colleagues_count",
        "关闭人": "closed_by", "关闭原因": "closed_reason", "关闭日期": "closed_on",
    },
    PARTICIPANTS: {"互动": "interaction_id", "互动编号": "interaction_id", "interaction": "interaction_id",
                   "记录编号": "interaction_id"},
}


def _normalise(name: object) -> str:
    text = str(name).strip().lower()
    return re.sub(r"[\s\-]+", "_", text)


def table_for_name(name: str) -> str | None:
    """The canonical table a sheet or file name stands for, or None.

    >>> table_for_name("联系人"), table_for_name("Opportunity Members"), table_for_name("说明")
    ('contacts', 'opportunity_members', None)
    """
    key = _normalise(Path(name).stem if name.lower().endswith(".csv") else name)
    for table, aliases in _SHEETS.items():
        if key == table or key in aliases:
            return table
    return None


def sheet_aliases(table: str) -> tuple[str, ...]:
    """The other names a sheet or CSV file of ``table`` may have (English and Chinese).

    >>> sheet_aliases("plans")[:3]
    ('plan', '计划', '关系计划')
    """
    return _SHEETS[table]


def header_aliases(table: str) -> dict[str, list[str]]:
    """Every header other than its own name that the importer reads as each column of ``table``.

    >>> header_aliases("influence")["weight"]
    ['权重']
    """
    found: dict[str, list[str]] = {}
    for header in dict.fromkeys([*_TABLE_HEADERS.get(table, {}), *_COMMON_HEADERS]):
        column = canonical_column(table, header)
        if column is not None and column != header:
            found.setdefault(column, []).append(header)
    return found


def canonical_column(table: str, header: object) -> str | None:
    """The canonical column a header stands for in ``table``, or None when unknown."""
    key = _normalise(header)
    columns = TABLES[table].columns if table in TABLES else PARTICIPANT_COLUMNS
    mapped = _TABLE_HEADERS.get(table, {}).get(key) or _COMMON_HEADERS.get(key) or key
    return mapped if mapped in columns else None


def _map_headers(table: str, file: str, headers: list[object]) -> tuple[dict[str, int], dict[str, str],
                                                                      list[str]]:
    """Column positions and original headers by canonical column; the ignored headers."""
    problems: list[ImportProblem] = []
    canonical: dict[str, str] = {}
    positions: dict[str, int] = {}
    ignored: list[str] = []
    for i, header in enumerate(headers):
        if header is None or not str(header).strip():
            continue
        column = canonical_column(table, header)
        if column is None:
            ignored.append(str(header))
        elif column in canonical:
            problems.append(ImportProblem(file, 1, str(header),
                                          f"column {str(header)!r} repeats column {canonical[column]!r}"))
        else:
            canonical[column] = str(header)
            positions[column] = i
    if problems:
        raise ImportRejected(problems)
    return positions, canonical, ignored


# ----- CSV ---------------------------------------------------------------------------------
def read_csv_text(path: Path) -> str:
    """The text of a CSV file in UTF-8 (with or without BOM), UTF-16 or GB18030/GBK."""
    data = path.read_bytes()
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise ImportRejected([ImportProblem(str(path), None, None,
                                            "cannot tell the text encoding; save it as UTF-8 CSV")])
    return str(best)


def read_csv_table(path: Path, table: str, *, file: str | None = None) -> RawTable:
    """Read one CSV file as ``table``; every value stays text, blanks become None.

    A UTF-8 file (the usual case) goes to pandas as bytes: decoding it into one Python
    string first, and pandas copying that into its reader, would hold the file several
    times over (a 540 MB file took 5.3 GB)."""
    label = file or str(path)
    data = path.read_bytes()
    newlines = _count_newlines(data)
    _check_csv_shape(data, label, newlines)
    text: str | None = None
    try:
        source = data[len(codecs.BOM_UTF8):] if data.startswith(codecs.BOM_UTF8) else data
        parts = _read_csv(io.BytesIO(source), label, encoding="utf-8")
    except UnicodeDecodeError:  # UTF-16, GB18030/GBK or another encoding: decoded first
        _refuse_mixed_encodings(data, label)
        text = read_csv_text(path)
        parts = _read_csv(io.StringIO(text), label)
    positions, headers, ignored = _map_headers(table, label, list(parts[0].columns))
    # one array per column, blanks None; copy=False: the frame keeps them as they are
    data_frame = pd.DataFrame({column: _blank_as_none([part.iloc[:, i] for part in parts])
                               for column, i in positions.items()}, copy=False)
    del parts
    # pandas skips blank lines, so recover each record's line number when there were any
    rows = _csv_row_numbers(text, len(data_frame)) if text is not None else \
        _csv_row_numbers_utf8(data, len(data_frame), newlines)
    return RawTable(table, label, data_frame, rows, headers, ignored)


def _refuse_mixed_encodings(data: bytes, label: str) -> None:
    """Refuse a file some of whose lines are UTF-8 and others not (rows pasted together
    from files saved in UTF-8, GBK and Latin-1): decoded as one encoding, the others would
    be stored as mojibake (王建国 → ēˇ‹å»ŗå›½)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return
    utf8, other = [], []
    for number, line in enumerate(data.split(b"\n"), start=1):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            utf8.append(number)
        except UnicodeDecodeError:
            other.append(number)
    if utf8 and other:
        def rows(numbers: list[int]) -> str:
            return ", ".join(map(str, numbers[:10])) + (f" and {len(numbers) - 10} more" if len(numbers) > 10 else "")

        raise ImportRejected([ImportProblem(label, None, None, (
            f"the file mixes text encodings: rows {rows(utf8)} are UTF-8, rows {rows(other)} are not "
            "(GBK, Latin-1 …); save the whole file in one encoding, UTF-8 best"))])


def _count_newlines(data: bytes) -> int:
    """How many ``\\n`` bytes ``data`` holds, counted once per file (the shape check and the
    row numbers both need it) by numpy a few megabytes at a time (0.04 s instead of
    ``bytes.count``'s 0.06 s for the 170 MB of a million contacts, and no mask the size of
    the file)."""
    array = np.frombuffer(data, dtype=np.uint8)
    step = 1 << 22
    return sum(int(np.count_nonzero(array[start:start + step] == 10)) for start in range(0, len(array), step))


def _check_csv_shape(data: bytes, label: str, newlines: int) -> None:
    """Refuse a file past the column or cell limits before pandas parses it: its columns
    are counted on the header line, its rows as lines (``newlines`` of them)."""
    end = data.find(b"\n")
    header = data[:end if end >= 0 else len(data)]
    if header.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        header = header.decode("utf-16", errors="replace").encode("utf-8")
    columns = next(csv.reader([header.decode("utf-8", errors="replace")]), []) if header.strip() else []
    check_shape(label, columns=len(columns), cells=len(columns) * max(newlines, 1))


def _read_csv(source: io.IOBase, label: str, *, encoding: str | None = None) -> list[pd.DataFrame]:
    """The file's cells as text, read a chunk at a time (pandas's reader gives equal cells
    of a chunk one string; validation then gives each distinct value of a column one):
    the frames of the chunks, which :func:`_blank_as_none` joins column by column.

    Cells stay plain Python strings in object columns whether or not pyarrow is
    installed: pandas 3 would otherwise keep text as its ``str`` dtype, backed by Arrow
    when pyarrow is importable, and every step after reading would convert it back
    (a third slower and twice the memory at a million rows)."""
    try:
        reader = pd.read_csv(source, dtype=object, keep_default_na=False, na_filter=False, skip_blank_lines=True,
                             engine="c", encoding=encoding, chunksize=_CSV_CHUNK)
        parts = []
        for part in reader:
            check_cancelled()
            parts.append(part)
    except pd.errors.EmptyDataError:
        raise ImportRejected([ImportProblem(label, None, None, "the file is empty")]) from None
    except (pd.errors.ParserError, csv.Error) as err:
        raise ImportRejected([ImportProblem(label, None, None, f"not a readable CSV file: {err}")]) from err
    return parts


_CSV_CHUNK = 500_000


def _blank_as_none(parts: list[pd.Series]) -> pd.Series:
    """One column of a file read in chunks, as one array with None for blank cells."""
    cells = np.concatenate([part.to_numpy(dtype=object) for part in parts]) if len(parts) > 1 else \
        parts[0].to_numpy(dtype=object).copy()
    cells[cells == ""] = None
    return pd.Series(cells, dtype=object, copy=False)


def _csv_row_numbers_utf8(data: bytes, count: int, newlines: int) -> Sequence[int]:
    """:func:`_csv_row_numbers` on the raw bytes of a UTF-8 file (``newlines``: its count of
    line feeds), decoded only when needed."""
    lines = newlines + (0 if data.endswith(b"\n") else 1)
    if lines == count + 1:  # the header and a line per record: no blank line, no value over two lines
        return range(2, count + 2)
    if b"\n\n" not in data and b"\r\n\r\n" not in data and b'"' not in data:
        return range(2, count + 2)
    return _csv_row_numbers(data.decode("utf-8-sig"), count)


def _csv_row_numbers(text: str, count: int) -> Sequence[int]:
    """Spreadsheet row numbers of the records of a CSV (header = row 1).

    Quoted values may span lines, and pandas skips blank lines; when the file has
    neither, the answer is simply 2..count+1.
    """
    if "\n\n" not in text and "\r\n\r\n" not in text and '"' not in text:
        return range(2, count + 2)
    reader = csv.reader(io.StringIO(text))
    rows: list[int] = []
    line_no = 0
    for i, record in enumerate(reader):
        line_no = i + 1
        if i == 0:
            continue
        if any(cell.strip() for cell in record):
            rows.append(line_no)
    if len(rows) != count:  # fall back to record order
        return range(2, count + 2)
    return rows


# ----- Excel -------------------------------------------------------------------------------
def read_workbook(path: Path) -> tuple[list[RawTable], list[str]]:
    """Every recognised sheet of an ``.xlsx`` workbook; also the names of sheets skipped."""
    from xml.etree import ElementTree

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    check_workbook_parts(path, str(path))
    limits = current_limits()
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, OSError, KeyError, ValueError, zipfile.BadZipFile) as err:
        raise ImportRejected([ImportProblem(str(path), None, None, f"not a readable .xlsx workbook: {err}")]) \
            from err
    tables: list[RawTable] = []
    skipped: list[str] = []
    try:
        for sheet in workbook.worksheets:
            table = table_for_name(sheet.title)
            if table is None:
                skipped.append(sheet.title)
                continue
            label = f"{path.name}:{sheet.title}"
            sheet.reset_dimensions()  # a sheet's declared size is not trusted: only real cells are read
            headers: list[object] | None = None
            records: list[list[object]] = []
            rows: list[int] = []
            cells = 0
            try:
                for row_no, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                    if row_no % 1000 == 0:
                        check_cancelled()
                    if not values:  # a row the sheet does not hold
                        continue
                    cells += len(values)
                    if len(values) > limits.max_columns or cells > limits.max_cells:
                        check_shape(label, columns=len(values), cells=cells)
                    if not any(v is not None and str(v).strip() for v in values):
                        continue
                    if headers is None:
                        headers = list(values)
                        continue
                    records.append(list(values))
                    rows.append(row_no)
            except ElementTree.ParseError as err:  # the sheet's XML is broken (by hand, or a bad writer)
                raise ImportRejected([ImportProblem(label, None, None, (
                    f"the sheet's XML is not well-formed ({err}): save the workbook again from Excel"))]) from err
            if headers is None:
                continue
            positions, canonical, ignored = _map_headers(table, label, headers)
            frame = pd.DataFrame(
                {c: [r[p] if p < len(r) else None for r in records] for c, p in positions.items()},
                columns=list(positions), dtype=object)
            tables.append(RawTable(table, label, frame, rows, canonical, ignored))
    finally:
        workbook.close()
    return tables, skipped
