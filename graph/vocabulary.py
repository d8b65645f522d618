"""The domain's words, in English and Chinese, and the parsers that read them.

Users type their spreadsheets in either language ("采购" or "purchasing", "教练" or 3,
"2026年10月5日" or "2026-10-05"). Every parser here takes one raw cell value and
returns the canonical value or raises :class:`ValueError` with a sentence a sales
person understands. The model's validators and the bulk importers share them, so a
value means the same thing wherever it comes in.
"""

from __future__ import annotations

import datetime as dt
import enum
import math
import re
from functools import lru_cache
from typing import TypeVar

__all__ = [
    "FORBIDDEN_CHARACTERS",
    "AccountKind",
    "Tier",
    "Posture",
    "ContactStatus",
    "DepartmentKind",
    "Level",
    "TeamRole",
    "BuyingRole",
    "DecisionUnitType",
    "InfluenceKind",
    "InteractionType",
    "STANCE_LABELS",
    "COACH",
    "THREE_LINES",
    "is_blank",
    "parse_choice",
    "parse_stance",
    "parse_roles",
    "parse_bool",
    "parse_date",
    "parse_fraction",
    "parse_number",
    "parse_int",
    "parse_text",
    "infer_level",
    "infer_department_kind",
    "salesforce_role",
    "choice_words",
    "stance_words",
]


class _Choice(str, enum.Enum):
    def __str__(self) -> str:  # "purchasing", not "DepartmentKind.PURCHASING"
        return self.value


class AccountKind(_Choice):
    GROUP = "group"
    SUBSIDIARY = "subsidiary"
    BASE = "base"
    WINDOW = "window"
    COMPANY = "company"


class Tier(_Choice):
    A = "A"
    B = "B"
    C = "C"


class Posture(_Choice):
    MAINTAIN = "maintain"
    DEFEND = "defend"
    ATTACK = "attack"


class ContactStatus(_Choice):
    """Whether a contact still works where the record says: ``departed`` (离职) when they
    left — marked by hand, or by a CRM re-export that deletes or deactivates them. A
    blank status is active."""

    ACTIVE = "active"
    DEPARTED = "departed"


class DepartmentKind(_Choice):
    PURCHASING = "purchasing"
    DESIGN = "design"
    USER = "user"
    QUALITY = "quality"
    LOGISTICS = "logistics"
    FINANCE = "finance"
    MANAGEMENT = "management"
    OTHER = "other"


#: The three lines of contact (三条联络线): a healthy account is reached through all three.
THREE_LINES = (DepartmentKind.PURCHASING, DepartmentKind.DESIGN, DepartmentKind.USER)


class Level(_Choice):
    EXECUTIVE = "executive"
    DIRECTOR = "director"
    MANAGER = "manager"
    STAFF = "staff"


class TeamRole(_Choice):
    ACCOUNT_MANAGER = "account_manager"
    SOLUTION_MANAGER = "solution_manager"
    DELIVERY_MANAGER = "delivery_manager"
    EXECUTIVE = "executive"
    SALES = "sales"
    OTHER = "other"


class BuyingRole(_Choice):
    INITIATOR = "initiator"
    USER = "user"
    INFLUENCER = "influencer"
    DECIDER = "decider"
    BUYER = "buyer"
    GATEKEEPER = "gatekeeper"


class DecisionUnitType(_Choice):
    AUTHORITY = "authority"
    CONSENSUS = "consensus"
    ADVISORY = "advisory"


class InfluenceKind(_Choice):
    ADVICE = "advice"
    FRIENDSHIP = "friendship"
    ALLY = "ally"
    RIVAL = "rival"
    OTHER = "other"


class InteractionType(_Choice):
    """What kind of contact an interaction was (拜访, 高层拜访, 会议 …)."""

    VISIT = "visit"
    EXECUTIVE_VISIT = "executive_visit"
    MEETING = "meeting"
    TECHNICAL_EXCHANGE = "technical_exchange"
    CALL = "call"
    EMAIL = "email"
    EVENT = "event"
    SITE_VISIT = "site_visit"  # 客户来访 / 公司参观: the customer visits us
    HOME_VISIT = "home_visit"  # 家访
    OTHER = "other"


#: Stance toward us, the telecom vendor's scale (客户关系评估).
STANCE_LABELS = {
    -1: "opposes us",
    0: "neutral",
    1: "supports us",
    2: "supports us more than rivals",
    3: "coach",
}
COACH = 3

# Aliases: lower-cased English spellings and Chinese words users type.
_ALIASES: dict[type, dict[str, str]] = {
    AccountKind: {
        "集团": "group", "集团客户": "group", "总部": "group", "group company": "group", "parent": "group",
        "子公司": "subsidiary", "分公司": "subsidiary", "区域公司": "subsidiary", "subsidiary company": "subsidiary",
        "基地": "base", "生产基地": "base", "工厂": "base", "plant": "base", "production base": "base", "factory": "base",
        "交易窗口": "window", "采购窗口": "window", "窗口": "window", "purchasing window": "window",
        "公司": "company", "客户": "company", "customer": "company", "account": "company",
    },
    Tier: {"a类": "A", "b类": "B", "c类": "C", "a级": "A", "b级": "B", "c级": "C"},
    Posture: {
        "维护": "maintain", "维持": "maintain", "保持": "maintain", "hold": "maintain",
        "防御": "defend", "防守": "defend", "defence": "defend", "defense": "defend",
        "进攻": "attack", "攻击": "attack", "拓展": "attack", "grow": "attack",
    },
    ContactStatus: {
        "在职": "active", "在岗": "active", "current": "active", "employed": "active",
        "离职": "departed", "已离职": "departed", "调离": "departed", "离开": "departed", "left": "departed",
        "gone": "departed", "inactive": "departed", "deleted": "departed", "former": "departed",
    },
    DepartmentKind: {
        "采购": "purchasing", "采购部": "purchasing", "集采": "purchasing", "集采中心": "purchasing",
        "采购中心": "purchasing", "供应链": "purchasing", "procurement": "purchasing", "sourcing": "purchasing",
        "设计": "design", "设计院": "design", "研发": "design", "工程": "design", "技术": "design",
        "技术部": "design", "研发中心": "design", "engineering": "design", "r&d": "design", "rd": "design",
        "使用": "user", "生产": "user", "生产部": "user", "车间": "user", "制造": "user", "运营": "user",
        "production": "user", "operations": "user", "manufacturing": "user", "users": "user",
        "质量": "quality", "质量部": "quality", "质检": "quality", "品质": "quality", "qa": "quality", "qc": "quality",
        "物流": "logistics", "仓储": "logistics", "logistic": "logistics",
        "财务": "finance", "财务部": "finance", "accounting": "finance",
        "高层": "management", "管理层": "management", "总经办": "management", "董事会": "management",
        "top management": "management", "executive": "management", "board": "management",
        "其他": "other", "其它": "other",
    },
    Level: {
        "高层": "executive", "高管": "executive", "exec": "executive",
        "总监": "director", "中层": "director",
        "经理": "manager", "主管": "manager",
        "员工": "staff", "职员": "staff", "基层": "staff",
    },
    TeamRole: {
        "大客户经理": "account_manager", "客户经理": "account_manager", "account manager": "account_manager",
        "am": "account_manager", "kam": "account_manager",
        "解决方案经理": "solution_manager", "方案经理": "solution_manager", "solution manager": "solution_manager",
        "pre-sales": "solution_manager", "presales": "solution_manager", "sm": "solution_manager",
        "交付经理": "delivery_manager", "交付": "delivery_manager", "delivery manager": "delivery_manager",
        "fm": "delivery_manager",
        "高管": "executive", "领导": "executive", "exec": "executive",
        "销售": "sales", "sales rep": "sales",
        "其他": "other", "其它": "other",
    },
    BuyingRole: {
        "发起者": "initiator", "发起人": "initiator",
        "使用者": "user", "用户": "user", "business user": "user",
        "影响者": "influencer", "影响人": "influencer", "evaluator": "influencer",
        "决策者": "decider", "决策人": "decider", "decision maker": "decider", "decision-maker": "decider",
        "economic buyer": "decider", "economic decision maker": "decider",
        "采购者": "buyer", "采购人": "buyer", "采购员": "buyer",
        "把关者": "gatekeeper", "看门人": "gatekeeper", "把关人": "gatekeeper", "gate keeper": "gatekeeper",
        "technical buyer": "gatekeeper",
        "executive sponsor": "initiator", "sponsor": "initiator",
    },
    DecisionUnitType: {
        "权威型": "authority", "权威": "authority",
        "协商型": "consensus", "协商": "consensus", "共识型": "consensus",
        "咨询型": "advisory", "咨询": "advisory", "advisor": "advisory", "adviser": "advisory",
    },
    InfluenceKind: {
        "咨询": "advice", "建议": "advice", "请教": "advice",
        "朋友": "friendship", "友谊": "friendship", "私交": "friendship", "friend": "friendship",
        "盟友": "ally", "同盟": "ally", "alliance": "ally",
        "对手": "rival", "竞争": "rival", "敌对": "rival", "rivalry": "rival",
        "其他": "other", "其它": "other",
    },
    InteractionType: {
        "拜访": "visit", "客户拜访": "visit", "走访": "visit", "customer visit": "visit",
        "高层拜访": "executive_visit", "高层互访": "executive_visit", "高层会晤": "executive_visit",
        "executive meeting": "executive_visit", "exec visit": "executive_visit",
        "会议": "meeting", "会谈": "meeting", "meet": "meeting",
        "技术交流": "technical_exchange", "技术研讨": "technical_exchange", "workshop": "technical_exchange",
        "tech exchange": "technical_exchange", "demo": "technical_exchange",
        "电话": "call", "通话": "call", "phone": "call", "phone call": "call", "call back": "call",
        "邮件": "email", "电子邮件": "email", "e-mail": "email", "mail": "email", "list email": "email",
        "listemail": "email",
        "活动": "event", "宴请": "event", "展会": "event", "banquet": "event", "dinner": "event",
        "conference": "event", "trade show": "event",
        "客户来访": "site_visit", "来访": "site_visit", "公司参观": "site_visit", "参观": "site_visit",
        "考察": "site_visit", "visit to us": "site_visit", "plant tour": "site_visit",
        "家访": "home_visit", "home visit": "home_visit",
        "其他": "other", "其它": "other", "task": "other", "to do": "other",
    },
}

_STANCE_WORDS = {
    "教练": 3, "coach": 3, "champion": 3, "内线": 3,
    "支持你多一点": 2, "强支持": 2, "strong support": 2, "strong supporter": 2, "prefers us": 2,
    "支持": 1, "认可": 1, "support": 1, "supports": 1, "supporter": 1, "positive": 1,
    "中立": 0, "neutral": 0,
    "反对": -1, "不认可": -1, "oppose": -1, "opposes": -1, "opponent": -1, "against": -1, "negative": -1,
}
_TRUE = {"true", "yes", "y", "1", "是", "对", "√", "✓", "t"}
_FALSE = {"false", "no", "n", "0", "否", "不是", "", "f", "-"}
_ROLE_SPLIT = re.compile(r"[;,、，；/|]+")

E = TypeVar("E", bound=enum.Enum)


def is_blank(value: object) -> bool:
    """True for None, NaN/NaT and strings that are only white space."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if isinstance(value, str):
        return not value.strip()
    # pandas NA / NaT compare unequal to themselves
    try:
        return bool(value != value)  # noqa: PLR0124
    except (TypeError, ValueError):
        return False


#: What no text may hold: control characters but tab, line feed and carriage return (NUL,
#: ESC …), DEL, and lone surrogates (not Unicode text: they cannot even be stored as UTF-8).
FORBIDDEN_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def parse_text(value: object) -> str | None:
    """A trimmed string, or None for a blank cell; whole floats lose their '.0' (Excel ids).

    Characters no text may hold (:data:`FORBIDDEN_CHARACTERS`) are refused by validation
    (:mod:`importers.text_rules`), with the row and column."""
    if is_blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


@lru_cache(maxsize=4096)
def _choice(cls: type, text: str) -> str:
    key = text.strip().lower()
    for member in cls:
        if key in (member.value.lower(), member.name.lower(), member.value.replace("_", " ")):
            return member.value
    aliases = _ALIASES.get(cls, {})
    if key in aliases:
        return aliases[key]
    allowed = ", ".join(m.value for m in cls)
    raise ValueError(f"{text.strip()!r} is not a known {_label(cls)} (use one of: {allowed})")


def _label(cls: type) -> str:
    return re.sub(r"(?<!^)([A-Z])", r" \1", cls.__name__).lower()


def parse_choice(cls: type[E], value: object) -> E | None:
    """Read an enumeration value in English or Chinese; None for a blank cell.

    >>> parse_choice(DepartmentKind, "采购")
    <DepartmentKind.PURCHASING: 'purchasing'>
    >>> parse_choice(DecisionUnitType, "Consensus")
    <DecisionUnitType.CONSENSUS: 'consensus'>
    """
    if is_blank(value):
        return None
    if isinstance(value, cls):
        return value
    return cls(_choice(cls, str(value)))


def parse_stance(value: object) -> int | None:
    """A stance on the -1..3 scale (3 = coach); None when unknown.

    >>> parse_stance("教练"), parse_stance("-1"), parse_stance(2.0), parse_stance("")
    (3, -1, 2, None)
    """
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a stance (use -1, 0, 1, 2 or 3)")
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        text = str(value).strip()
        word = _STANCE_WORDS.get(text.lower())
        if word is not None:
            return word
        try:
            number = float(text)
        except ValueError:
            raise ValueError(
                f"{text!r} is not a stance (use -1..3, or 反对/中立/支持/教练)"
            ) from None
    if not number.is_integer() or not -1 <= number <= 3:
        raise ValueError(f"stance {value!r} is outside -1..3 (-1 opposes us … 3 coach)")
    return int(number)


def parse_roles(value: object) -> frozenset[BuyingRole]:
    """Buying roles from one cell, separated by ``;`` ``,`` or ``、``.

    >>> sorted(r.value for r in parse_roles("决策者、influencer"))
    ['decider', 'influencer']
    """
    if is_blank(value):
        return frozenset()
    if isinstance(value, (set, frozenset, list, tuple)):
        parts = [str(v) for v in value]
    else:
        parts = _ROLE_SPLIT.split(str(value))
    return frozenset(BuyingRole(_choice(BuyingRole, p)) for p in parts if p.strip())


def parse_bool(value: object) -> bool:
    """Yes/no in the forms spreadsheets use (是/否, true/false, 1/0, √); blank is no."""
    if isinstance(value, bool):
        return value
    if is_blank(value):
        return False
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"{value!r} is not yes or no (use 是/否, true/false or 1/0)")


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d", "%d/%m/%Y")


def parse_date(value: object) -> dt.date | None:
    """A calendar date from ISO text, 2026/10/05, 2026年10月5日, an ISO timestamp or a cell date.

    >>> parse_date("2026年10月5日"), parse_date("2024-05-06T08:12:33.000Z")
    (datetime.date(2026, 10, 5), datetime.date(2024, 5, 6))
    """
    if is_blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if hasattr(value, "to_pydatetime"):  # pandas Timestamp
        return value.to_pydatetime().date()
    text = str(value).strip()
    if "T" in text[8:12] or (len(text) > 10 and text[10] == " " and text[4] == "-"):
        text = text[:10]
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"{value!r} is not a date (use 2026-10-05, 2026/10/05 or 2026年10月5日)")


def parse_number(value: object, *, low: float | None = None, high: float | None = None,
                 what: str = "number") -> float | None:
    """A number, optionally within [low, high]; '45%' reads as 0.45 when high is 1."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a {what}")
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        text = str(value).strip().replace(",", "").replace("，", "")
        percent = text.endswith("%")
        try:
            number = float(text.rstrip("%"))
        except ValueError:
            raise ValueError(f"{value!r} is not a {what}") from None
        if percent:
            number /= 100
    if math.isnan(number) or math.isinf(number):
        raise ValueError(f"{value!r} is not a {what}")
    if (low is not None and number < low) or (high is not None and number > high):
        raise ValueError(f"{what} {value!r} is outside {low:g}..{high:g}")
    return number


def parse_fraction(value: object, what: str = "value") -> float | None:
    """A number within 0..1 (weights, strengths, influence, share of wallet)."""
    return parse_number(value, low=0.0, high=1.0, what=what)


def parse_int(value: object, *, low: int | None = None, what: str = "whole number") -> int | None:
    """A whole number (rank), optionally at least ``low``."""
    number = parse_number(value, what=what)
    if number is None:
        return None
    if not number.is_integer():
        raise ValueError(f"{value!r} is not a {what}")
    if low is not None and number < low:
        raise ValueError(f"{what} {value!r} is below {low}")
    return int(number)


# Level from a title. Abbreviations are spelt out first ("Mng Dir" → managing director,
# "Mgr" → manager, "Sr" → senior, "Asst" → assistant …), Traditional characters read as
# Simplified (總經理 → 总经理); a compound title ("VP & CFO", "副总裁兼采购总监") takes the
# highest level of its parts. Within a part the first matching rule wins.
_TRADITIONAL = str.maketrans("總經長廠處執資專課會監財務營運術員書記協幹職辦師業組導級層顧問銷訊識",
                             "总经长厂处执资专课会监财务营运术员书记协干职办师业组导级层顾问销讯识")
_ABBREVIATIONS: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p, re.I), word) for p, word in (
    (r"\bmng\.?\s*dir(ector)?\b\.?|\bmd\b", "managing director"),
    (r"\bdir\b\.?", "director"), (r"\bmgr\b\.?", "manager"), (r"\bsr\b\.?", "senior"),
    (r"\basst\b\.?", "assistant"), (r"\bassoc\b\.?", "associate"), (r"\bgen(eral)?\.?\s+cnsl\b", "general counsel"),
    (r"\bcnsl\b", "counsel"), (r"\bavp\b", "assistant vice president"), (r"\b[dv]gm\b", "deputy general manager"),
    (r"\bagm\b", "assistant general manager"), (r"\bed\b", "executive director"),
))
#: Someone's assistant or secretary is staff whatever their principal's title.
_AIDE = re.compile(r"^(executive|personal|administrative|special|office)?\s*(assistant|secretary)$|"
                   r"assistant to\b|secretary to\b|(assistant|secretary)$|(?<!董事会)秘书$|(?<!^)助理$|^助理$", re.I)
#: "Assistant/Associate …" is one level below the title it qualifies (Associate Director,
#: Assistant Vice President, 助理副总裁) when that title is director or above.
_LOWERED = re.compile(r"^(assistant|associate|助理|协理)\s*(?!董事)(?=\S)", re.I)
_LEVEL_RULES: tuple[tuple[Level, re.Pattern[str]], ...] = tuple((level, re.compile(p, re.I)) for level, p in (
    # a deputy chief engineer, a department's director, a branch plant's head: below the top
    (Level.DIRECTOR, r"副总监|总监|副总工|分厂厂长|(deputy|vice|assistant) chief engineer"),
    (Level.MANAGER, r"副董事(?!长)|助理董事"),  # the "associate director" rank, not a board seat
    (Level.EXECUTIVE,
     r"董事长|董事|总裁|总经理|副总|首席|厂长|社长|会长|总工程师|总工|总会计师|总经济师|总法律顾问|监事|"
     r"^(执行|财务|资讯|知识|营运|技术|管理|行销|营销|投资|法务)长$|"
     r"managing director|executive director|general manager|general counsel|chief|president|\bchair(man|woman)?\b|"
     r"\bc[a-z]{1,2}o\b|\b[se]?vp\b|\bgm\b|(plant|factory|mill|works) (manager|director)|\b(co-?)?founder\b|^(co-?)?owner$|"
     r"\bpartner\b(?!\s*(manager|account|relations|success|marketing|sales|program|development|channel))"),
    (Level.DIRECTOR, r"院长|处长|协理|中心主任|director|\bhead\b|of counsel|^(senior )?principal$|"
                     r"principal,|principal (?!engineer|consultant|architect|scientist|analyst|designer|"
                     r"developer|investigator|specialist|software)"),
    (Level.MANAGER, r"经理|主管|主任|部长|科长|课长|组长|班长|领班|副理|襄理|manager|supervisor|foreman|"
                    r"\blead\b|\bleader\b|\bpm\b|principal"),
))
_PARTS = re.compile(r"\s*(?:&|\band\b|/|,|;|\+|兼|、|，|；)\s*", re.I)
_ORDER = (Level.STAFF, Level.MANAGER, Level.DIRECTOR, Level.EXECUTIVE)


@lru_cache(maxsize=8192)
def infer_level(title: str | None) -> Level:
    """The level a title implies, in Chinese or English; staff when nothing matches.

    >>> [infer_level(t).value for t in ("副总裁", "采购总监", "Procurement Manager", "工程师")]
    ['executive', 'director', 'manager', 'staff']
    >>> [infer_level(t).value for t in ("Mng Dir Trading", "Dir Trading", "Mgr Trading", "Gen Cnsl Asst")]
    ['executive', 'director', 'manager', 'staff']
    >>> [infer_level(t).value for t in ("Partner", "Of Counsel", "Associate", "总工程师", "Plant Manager")]
    ['executive', 'director', 'staff', 'executive', 'executive']
    """
    if not title:
        return Level.STAFF
    text = " ".join(title.translate(_TRADITIONAL).split())
    for pattern, word in _ABBREVIATIONS:
        text = pattern.sub(word, text)
    if re.search(r"assistant to\b|secretary to\b|^(executive|personal|administrative) assistant\b", text, re.I):
        return Level.STAFF
    parts = [p for p in _PARTS.split(text) if p] or [text]
    return max((_part_level(p) for p in parts), key=_ORDER.index)


def _part_level(part: str) -> Level:
    part = part.strip(" ()（）.")
    if re.search(r"董事会秘书|董秘|company secretary", part, re.I):
        return Level.EXECUTIVE
    if _AIDE.search(part):
        return Level.STAFF
    lowered = _LOWERED.match(part)
    if lowered:
        level = _ruled(part[lowered.end():])
        return _ORDER[_ORDER.index(level) - 1] if _ORDER.index(level) >= 2 else level
    return _ruled(part)


def _ruled(part: str) -> Level:
    for level, pattern in _LEVEL_RULES:
        if pattern.search(part):
            return level
    return Level.STAFF


@lru_cache(maxsize=4096)
def infer_department_kind(name: str | None) -> DepartmentKind:
    """The kind a department's name implies (采购部 → purchasing); other when unclear.

    >>> infer_department_kind("集采中心").value, infer_department_kind("Head Office").value
    ('purchasing', 'other')
    """
    if not name:
        return DepartmentKind.OTHER
    try:
        return DepartmentKind(_choice(DepartmentKind, name))
    except ValueError:
        pass
    text = name.strip().lower()
    aliases = _ALIASES[DepartmentKind]
    words = [*aliases, *(k.value for k in DepartmentKind)]
    for word in sorted(words, key=len, reverse=True):
        found = (re.search(rf"\b{re.escape(word)}\b", text) if word.isascii()
                 else len(word) >= 2 and word in text)
        if found:
            return DepartmentKind(aliases.get(word, word))
    return DepartmentKind.OTHER


def choice_words(cls: type[E]) -> dict[E, tuple[str, ...]]:
    """Every word read as each value of an enumeration: the value first, then its aliases
    in the order they are listed (English and Chinese), for templates and documentation.

    >>> choice_words(Posture)[Posture.DEFEND][:3]
    ('defend', '防御', '防守')
    """
    words: dict[E, list[str]] = {member: [member.value] for member in cls}
    for alias, value in _ALIASES.get(cls, {}).items():
        words[cls(value)].append(alias)
    return {member: tuple(found) for member, found in words.items()}


def stance_words() -> dict[int, tuple[str, ...]]:
    """The words read as each stance, -1..3, in the order they are listed.

    >>> stance_words()[3][:2]
    ('教练', 'coach')
    """
    words: dict[int, list[str]] = {value: [] for value in STANCE_LABELS}
    for word, value in _STANCE_WORDS.items():
        words[value].append(word)
    return {value: tuple(found) for value, found in words.items()}


def salesforce_role(role: str | None) -> BuyingRole | None:
    """Map a Salesforce OpportunityContactRole.Role onto one of the six buying roles.

    Decision Maker / Economic Buyer / Economic Decision Maker → decider; Evaluator and
    Influencer → influencer; Technical Buyer → gatekeeper (screens suppliers out, cannot
    say yes); Executive Sponsor → initiator; Business User → user; Other → none.

    >>> salesforce_role("Economic Buyer"), salesforce_role("Other")
    (<BuyingRole.DECIDER: 'decider'>, None)
    """
    if is_blank(role) or str(role).strip().lower() == "other":
        return None
    try:
        return parse_choice(BuyingRole, role)
    except ValueError:
        return None
