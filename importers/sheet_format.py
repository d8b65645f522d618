"""The import format's sheets and columns in Chinese and English, and how a value is written
into a cell so that the importer reads it back as the same value.

Everything here is derived from the model (:data:`graph.model.TABLES`: columns, types,
ranges, required columns) and its vocabulary (:mod:`graph.vocabulary`: the words each
enumeration and stance accepts), and checked against the importer's own header and
sheet aliases (:mod:`importers.tabular`), so the template, the export and the
importer cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import types
import typing
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

import annotated_types

from graph.model import TABLES, TableSpec, personal_fields
from graph.vocabulary import choice_words, parse_stance, stance_words
from importers.tabular import canonical_column, table_for_name

__all__ = ["Lang", "LANGS", "Column", "sheet_name", "columns", "cell_value", "INSTRUCTIONS_SHEETS",
           "FORMULA_TRIGGERS", "XML_INVALID"]

#: First characters that make Excel, LibreOffice or Google Sheets read typed text as a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
#: Characters an .xlsx (XML 1.0) cannot hold.
XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")

#: Names of the instructions sheet; the importer skips them without a word.
INSTRUCTIONS_SHEETS = {"zh": "填写说明", "en": "instructions"}

_SHEETS_ZH = {"accounts": "客户", "departments": "部门", "contacts": "联系人", "team": "我方团队",
              "relationships": "我方关系", "influence": "影响关系", "opportunities": "商机",
              "opportunity_members": "决策组", "interactions": "互动记录", "plans": "计划"}

# Chinese header of each column: one of the importer's own aliases (checked in ``columns``).
_HEADERS_ZH = {
    "accounts": {"id": "编号", "name": "名称", "parent_id": "上级客户", "kind": "类型", "industry": "行业",
                 "region": "区域", "tier": "客户分级", "posture": "策略", "share_of_wallet": "需求份额占有率"},
    "departments": {"id": "编号", "account_id": "所属客户", "name": "名称", "kind": "类型", "parent_id": "上级部门"},
    "contacts": {"id": "编号", "account_id": "所属客户", "department_id": "所属部门", "name": "姓名", "title": "职位",
                 "level": "级别", "reports_to": "汇报对象", "roles": "采购角色", "stance": "关系评分",
                 "influence": "影响力", "competitor": "倾向友商", "last_contact": "最近接触", "status": "在职状态",
                 "email": "邮箱", "phone": "电话", "birthday": "生日", "notes": "备注"},
    "team": {"id": "编号", "name": "姓名", "role": "角色", "rank": "职级", "business_unit": "事业部",
             "accounts": "负责客户", "email": "邮箱"},
    "relationships": {"team_id": "我方人员", "contact_id": "客户联系人", "strength": "关系强度",
                      "last_interaction": "最近互动"},
    "influence": {"source_id": "影响者", "target_id": "被影响者", "weight": "权重", "kind": "类型"},
    "opportunities": {"id": "编号", "account_id": "所属客户", "name": "名称", "dmu_type": "决策类型",
                      "stage": "销售阶段", "value": "预计金额", "competitor": "竞争对手",
                      "owner_id": "商机负责人"},
    "opportunity_members": {"opportunity_id": "商机编号", "contact_id": "联系人编号", "role": "采购角色",
                            "is_decider": "是否决策者", "source_role": "原始角色"},
    "interactions": {"id": "互动编号", "date": "日期", "time": "时间", "type": "互动类型", "account_id": "所属客户",
                     "subject": "主题", "notes": "纪要", "team_ids": "我方参与人", "contact_ids": "客户参与人",
                     "sender_id": "发起人"},
    "plans": {"id": "计划编号", "account_id": "所属客户", "contact_id": "联系人", "owner_id": "负责人",
              "action": "行动", "start": "开始日期", "due": "截止日期", "target_stance": "目标态度",
              "opportunity_id": "商机", "colleagues_count": "铁三角可代", "note": "备注", "closed_by": "关闭人",
              "closed_reason": "关闭原因", "closed_on": "关闭日期"},
}

_YES_NO = {"zh": ("是", "否"), "en": ("yes", "no")}
_LIST_SEPARATOR = "; "


@dataclass(frozen=True)
class Column:
    """One column of a sheet: its canonical name, header, and what it holds.

    ``kind`` is ``text``, ``id`` (a reference or key), ``ids`` (several ids), ``choice``
    (one word of ``choices``), ``choices`` (several), ``stance``, ``bool``, ``number``
    (within ``low``..``high`` when given), ``whole`` (a whole number), ``date`` or ``time``.
    """

    table: str
    name: str
    header: str
    kind: str
    required: bool = False
    personal: bool = False
    choices: tuple[str, ...] = ()
    low: float | None = None
    high: float | None = None
    enum_type: type[enum.Enum] | None = None


def sheet_name(table: str, lang: Lang) -> str:
    """The sheet of ``table`` in a workbook of language ``lang``.

    >>> sheet_name("contacts", "zh"), sheet_name("contacts", "en")
    ('联系人', 'contacts')
    """
    return _SHEETS_ZH[table] if lang == "zh" else table


@cache
def columns(table: str, lang: Lang) -> tuple[Column, ...]:
    """The columns of a table's sheet in the table's column order (the model's).

    >>> [c.header for c in columns("influence", "zh")]
    ['影响者', '被影响者', '权重', '类型']
    """
    spec = TABLES[table]
    if table_for_name(sheet_name(table, lang)) != table:
        raise AssertionError(f"the importer does not read sheet {sheet_name(table, lang)!r} as {table}")
    personal = personal_fields(spec.model)
    found = []
    for name in spec.columns:
        header = _HEADERS_ZH[table][name] if lang == "zh" else name
        if canonical_column(table, header) != name:
            raise AssertionError(f"the importer does not read header {header!r} of {table} as {name}")
        found.append(_column(spec, name, header, lang, personal=name in personal))
    return tuple(found)


def cell_value(column: Column, value: Any, lang: Lang) -> Any:
    """A stored value (enumeration values, ISO dates, lists) as the cell the importer reads
    back as the same value: words of the sheet's language, lists joined with ``; ``.

    >>> stance = next(c for c in columns("contacts", "zh") if c.name == "stance")
    >>> cell_value(stance, 3, "zh"), cell_value(stance, -1, "en")
    ('教练', 'oppose')
    """
    if value is None or (isinstance(value, (list, tuple, set, frozenset)) and not value):
        return None
    if column.kind == "stance":
        return _stance_word(int(value), lang)
    if column.kind == "bool":
        return _YES_NO[lang][0 if value else 1]
    if column.kind in ("choice", "choices"):
        values = [value] if column.kind == "choice" else sorted(value)
        words = [_word(column.enum_type, v.value if isinstance(v, enum.Enum) else v, lang) for v in values]
        return _LIST_SEPARATOR.join(words)
    if isinstance(value, (list, tuple, set, frozenset)):
        return _LIST_SEPARATOR.join(sorted(str(v) for v in value))
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()[:10]
    return value


# ----- private -----------------------------------------------------------------------------
def _column(spec: TableSpec, name: str, header: str, lang: Lang, *, personal: bool) -> Column:
    info = spec.model.model_fields[name]
    required = name in spec.required
    base = {"table": spec.name, "name": name, "header": header, "required": required, "personal": personal}
    if spec.model.parsers.get(name) is parse_stance:
        return Column(**base, kind="stance", choices=tuple(_stance_word(v, lang) for v in stance_words()))
    annotation = _unwrap(info.annotation)
    many = typing.get_origin(annotation) in (frozenset, set, list, tuple)
    inner = typing.get_args(annotation)[0] if many else annotation
    if isinstance(inner, type) and issubclass(inner, enum.Enum):
        words = tuple(_word(inner, member.value, lang) for member in inner)
        return Column(**base, kind="choices" if many else "choice", choices=words, enum_type=inner)
    if many:
        return Column(**base, kind="ids")
    if inner is bool:
        return Column(**base, kind="bool", choices=_YES_NO[lang])
    if inner in (int, float):
        low = next((m.ge for m in info.metadata if isinstance(m, annotated_types.Ge)), None)
        high = next((m.le for m in info.metadata if isinstance(m, annotated_types.Le)), None)
        return Column(**base, kind="whole" if inner is int else "number", low=low, high=high)
    if inner is dt.date:
        return Column(**base, kind="date")
    if name == "time":
        return Column(**base, kind="time")
    return Column(**base, kind="id" if name == "id" or name.endswith("_id") or name in spec.references else "text")


def _unwrap(annotation: Any) -> Any:
    """``X | None`` → ``X``."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and len(args) == 1:
        return args[0]
    return annotation


def _word(cls: type[enum.Enum] | None, value: str, lang: Lang) -> str:
    """The word a sheet of ``lang`` uses for an enumeration value: its first Chinese alias, or
    the value itself (English, and Chinese when the vocabulary has no Chinese word, e.g. tier A)."""
    if cls is None or lang == "en":
        return value
    words = choice_words(cls)[cls(value)]
    return next((w for w in words if _is_chinese(w)), value)


def _stance_word(value: int, lang: Lang) -> str:
    words = stance_words()[value]
    word = next((w for w in words if _is_chinese(w) == (lang == "zh")), words[0])
    if parse_stance(word) != value:  # pragma: no cover - the vocabulary would be inconsistent
        raise AssertionError(f"stance word {word!r} does not read as {value}")
    return word


def _is_chinese(word: str) -> bool:
    """A word in Chinese only (``a类`` is not: the tiers keep their letters A, B, C)."""
    return any("\u4e00" <= ch <= "\u9fff" for ch in word) and not any(ch.isascii() and ch.isalpha() for ch in word)
