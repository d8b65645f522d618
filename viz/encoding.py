"""How the maps encode the domain, their legends, their words and their labels.

Colour = stance (-1 red, 0 grey, 1 light green, 2 green, 3 gold; coaches also get a ★):
the org chart's card colour, the other maps' node colour; unknown stance = white with a
dashed outline. On the network maps shape = buying role (decider a diamond, gatekeeper a
triangle, the rest dots), size = influence score, our team = blue boxes. Lines:
reports-to solid grey, influence curved purple, our relationship dashed blue (thicker =
stronger), rival red dotted, a strongest path orange. Gaps are a badge of their own on
the cards, never the stance colour. Labels are capped and cleaned (:func:`short`).
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["STANCE_COLOURS", "UNKNOWN_COLOUR", "TEAM_COLOUR", "node_style", "edge_style", "legend", "text", "LANGS",
           "plain", "short", "LABEL_LIMIT", "coverage_colour", "PATH_COLOUR", "MAP_KINDS"]

MAP_KINDS = ("org", "influence", "unit", "group")

STANCE_COLOURS = {-1: "#d93025", 0: "#9aa0a6", 1: "#a8dab5", 2: "#34a853", 3: "#fbbc04"}
UNKNOWN_COLOUR = "#ffffff"
TEAM_COLOUR = "#1a73e8"
PATH_COLOUR = "#e37400"
_BORDER = "#5f6368"
_ROLE_SHAPES = {"decider": "diamond", "gatekeeper": "triangle"}
LANGS = ("en", "zh")

_TEXT = {
    "en": {
        "stance": "Stance", "-1": "opposes us", "0": "neutral", "1": "supports us", "2": "prefers us", "3": "coach ★",
        "unknown": "unknown (dashed outline)", "shape": "Shape", "decider": "decider", "gatekeeper": "gatekeeper",
        "other": "other roles", "team": "our team", "size": "Size = influence score",
        "edges": "Lines", "reports_to": "reports to", "influences": "influences", "relationship": "our relationship",
        "rival": "rival", "search": "Find a person…", "department": "Department", "role": "Role", "all": "all",
        "title": "Title", "roles": "Roles", "last_contact": "Last contact", "email": "E-mail", "phone": "Phone",
        "support_index": "Support index", "projected": "projected", "stated": "stated", "coverage": "coverage",
        "contacts": "contacts", "gaps": "gaps", "accounts": "Accounts", "tier": "Tier", "posture": "Posture",
        "maps": "Maps", "org": "org chart", "influence": "influence", "group": "group", "gap_report": "gap report",
        "severity": "Severity", "type": "Type", "explanation": "Finding", "people": "People", "show": "show on map",
        "no_script": "This map needs JavaScript.",
        "maintain": "maintain", "defend": "defend", "attack": "attack", "share_of_wallet": "Share of wallet",
        "suggested": "suggested", "competitor": "Leans to rival",
    },
    "zh": {
        "stance": "态度", "-1": "反对", "0": "中立", "1": "支持", "2": "倾向我方", "3": "教练 ★",
        "unknown": "未知（虚线边框）", "shape": "形状", "decider": "决策者", "gatekeeper": "把关者",
        "other": "其他角色", "team": "我方团队", "size": "大小 = 影响力",
        "edges": "连线", "reports_to": "汇报", "influences": "影响", "relationship": "我方关系",
        "rival": "对手", "search": "查找人员…", "department": "部门", "role": "角色", "all": "全部",
        "title": "职位", "roles": "角色", "last_contact": "最近接触", "email": "邮箱", "phone": "电话",
        "support_index": "支持指数", "projected": "预测", "stated": "当前", "coverage": "覆盖率",
        "contacts": "联系人", "gaps": "缺口", "accounts": "客户", "tier": "分级", "posture": "策略",
        "maps": "地图", "org": "组织图", "influence": "影响力", "group": "集团", "gap_report": "缺口报告",
        "severity": "严重度", "type": "类型", "explanation": "发现", "people": "人员", "show": "在图中显示",
        "no_script": "此地图需要启用 JavaScript。",
        "maintain": "维护", "defend": "防御", "attack": "进攻", "share_of_wallet": "份额占有率", "suggested": "建议",
        "competitor": "倾向友商",
    },
}


# The words of the person cards, the panel and the filters (kept apart from the legend's).
_TEXT["en"].update({
    "influencer": "influencer", "buyer": "buyer", "user": "user", "initiator": "initiator",
    "line_purchasing": "purchasing line", "line_design": "design line", "line_user": "user line",
    "line_quality": "quality", "line_logistics": "logistics", "line_finance": "finance",
    "line_management": "top management", "line_other": "other", "line_none": "no department",
    "coach": "COACH", "gap_badge": "gap", "gap_badges": "gaps", "known_by": "Ours who know them",
    "manager": "Reports to", "reports": "Their reports", "influenced_by": "Influenced by",
    "influences_whom": "Influences", "next_move": "Next move", "none": "none", "close": "Close",
    "layers": "Lines shown", "layer_reports": "reporting lines", "layer_influence": "influence (all)",
    "layer_relationship": "our relationships (all)", "layer_division": "our relationships by division",
    "division_legend": "Our divisions (colour of our relationships and initials)", "no_division": "no division set",
    "layer_hint": "Influence and our relationships show for "
    "the selected person; tick to show them for everyone.", "deciders": "Deciders", "our_team": "Our team",
    "matches": "{n} match", "no_match": "No one matches “{q}”", "people_n": "{n} people",
    "people_1": "{n} person", "outside_managers": "Their managers outside this account",
    "strength": "strength", "last": "last met", "never": "never",
    "card_gap": "Gap badge = named in a gap (high: dark)", "card_colour": "Card colour = stance",
    "card_initials": "Blue initials = our people who know them", "path": "strongest path to a decider "
    "(path number · strength; thicker = stronger)", "coverage_scale": "Coach coverage",
    "reached_by": "reached by", "unit_reach": "“reached by” = our people whose strongest paths reach the member",
    "badges": "Badges", "size_contacts": "size = contacts", "part_of": "part of",
    "open_group": "Large account: sub-accounts start collapsed (open them with ▸) and big departments "
    "show their leads — every decider and the most senior — until you show all.",
    "language": "Language", "unknown_short": "stance unknown", "panel_gaps": "Gaps naming them", "panel_plan": "Plan actions (open, overdue)",
    "plan_line": "{action} by {owner}, due {due}", "plan_overdue_days": "{n} days overdue",
    "act_visit": "visit", "act_executive_visit": "executive visit", "act_meeting": "meeting",
    "act_technical_exchange": "technical exchange", "act_call": "call", "act_email": "e-mail", "act_event": "event",
    "act_site_visit": "site visit (they visit us)", "act_home_visit": "home visit", "act_other": "other action", "show_all": "show all {n}", "show_leads": "show the leads only", "moves_skipped": "not computed for an account this large: "
    "see `powermap next-moves` or the gap report", "paths": "paths",
    "not_on_path": "{n} people on no path (see the org chart)", "coaches": "coaches", "team_account_manager": "account manager",
    "team_solution_manager": "solution manager", "team_delivery_manager": "delivery manager",
    "team_executive": "executive", "team_sales": "sales", "team_other": "other",
})
_TEXT["zh"].update({
    "influencer": "影响者", "buyer": "采购者", "user": "使用者", "initiator": "发起者",
    "line_purchasing": "采购线", "line_design": "设计线", "line_user": "使用线", "line_quality": "质量",
    "line_logistics": "物流", "line_finance": "财务", "line_management": "高层", "line_other": "其他",
    "line_none": "未分部门", "coach": "教练", "gap_badge": "缺口", "gap_badges": "缺口",
    "known_by": "我方认识的人", "manager": "汇报给", "reports": "下属", "influenced_by": "受谁影响",
    "influences_whom": "影响谁", "next_move": "下一步", "none": "无", "close": "关闭", "layers": "显示连线",
    "layer_reports": "汇报线", "layer_influence": "影响（全部）", "layer_relationship": "我方关系（全部）",
    "layer_division": "我方关系（按事业部着色）", "division_legend": "我方事业部（我方关系与人员缩写的颜色）", "no_division": "未设事业部",
    "layer_hint": "选中某人时显示其影响与我方关系；勾选则显示全部。", "deciders": "决策者", "our_team": "我方团队",
    "matches": "{n} 人匹配", "no_match": "没有人匹配“{q}”", "people_n": "{n} 人",
    "people_1": "{n} 人", "outside_managers": "本客户以外的上级",
    "strength": "强度", "last": "最近接触", "never": "从未",
    "card_gap": "缺口标记 = 出现在缺口中（深色为高）", "card_colour": "卡片颜色 = 态度",
    "card_initials": "蓝色字母 = 认识此人的我方人员", "path": "到决策者的最强路径（路径编号 · 强度；越粗越强）", "coverage_scale": "教练覆盖率", "reached_by": "可触达",
    "unit_reach": "“可触达” = 最强路径能到达该成员的我方人员",
    "badges": "标记", "size_contacts": "大小 = 联系人数", "part_of": "隶属",
    "open_group": "大客户：子公司默认折叠（点 ▸ 展开），大部门只显示决策者和最高层级人员，可展开全部。", "language": "语言", "unknown_short": "态度未知", "panel_gaps": "涉及的缺口", "panel_plan": "计划行动（未完成、逾期）",
    "plan_line": "{action}，负责人 {owner}，截止 {due}", "plan_overdue_days": "逾期 {n} 天",
    "act_visit": "拜访", "act_executive_visit": "高层拜访", "act_meeting": "会议", "act_technical_exchange": "技术交流",
    "act_call": "电话", "act_email": "邮件", "act_event": "活动", "act_site_visit": "客户来访", "act_home_visit": "家访",
    "act_other": "其他行动", "show_all": "显示全部 {n} 人", "show_leads": "只显示主要人员", "moves_skipped": "客户过大，未在此计算：见 `powermap next-moves` 或缺口报告", "paths": "条路径",
    "not_on_path": "{n} 人不在路径上（见组织图）", "coaches": "教练",
    "team_account_manager": "客户经理", "team_solution_manager": "方案经理", "team_delivery_manager": "交付经理",
    "team_executive": "高管", "team_sales": "销售", "team_other": "其他",
})

#: Longest label drawn on a map; the full text is in the person panel.
LABEL_LIMIT = 40
#: Bidirectional controls (embeddings, overrides, isolates, marks) and other invisible format characters.
_BIDI = re.compile("[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def text(lang: str, key: str) -> str:
    """A UI word in ``lang`` (English when unknown)."""
    return _TEXT.get(lang, _TEXT["en"]).get(key, _TEXT["en"].get(key, key))


def plain(value: object) -> str:
    """A user string made safe to read: bidirectional controls shown as ``[U+202E]`` (so
    "evil" cannot turn into "live"), other control characters as spaces.

    >>> plain("a\u202eevil")
    'a[U+202E]evil'
    """
    s = "" if value is None else str(value)
    s = _BIDI.sub(lambda m: f"[U+{ord(m.group()):04X}]", s)
    return _CONTROL.sub(" ", s)


def short(value: object, limit: int = LABEL_LIMIT) -> str:
    """A label: bidirectional and control characters removed, whitespace folded, cut at
    ``limit`` characters with an ellipsis.

    >>> short("x" * 5000)[-3:], len(short("x" * 5000))
    ('xx…', 40)
    >>> short("evil\u202e")
    'evil'
    """
    s = _CONTROL.sub(" ", _BIDI.sub("", "" if value is None else str(value)))
    s = " ".join(s.split())
    return s if len(s) <= limit else s[: limit - 1].rstrip() + "…"


def node_style(kind: str, *, stance: int | None = None, roles: tuple[str, ...] = (),
               score: float = 0.0) -> dict[str, Any]:
    """vis-network node options for a person (``kind`` contact or team).

    >>> node_style("contact", stance=3, roles=("decider",))["shape"]
    'diamond'
    >>> node_style("contact", stance=None)["shapeProperties"]
    {'borderDashes': [4, 3]}
    """
    if kind == "team":
        return {"shape": "box", "color": {"background": TEAM_COLOUR, "border": "#174ea6"},
                "font": {"color": "#ffffff"}, "borderWidth": 1}
    shape = next((_ROLE_SHAPES[r] for r in ("decider", "gatekeeper") if r in roles), "dot")
    colour = STANCE_COLOURS.get(stance, UNKNOWN_COLOUR) if stance is not None else UNKNOWN_COLOUR
    style: dict[str, Any] = {
        "shape": shape, "size": round(10 + 22 * max(0.0, min(score, 1.0)), 1),
        "color": {"background": colour, "border": _BORDER, "highlight": {"background": colour, "border": "#202124"}},
        "borderWidth": 1,
    }
    if stance is None:
        style["shapeProperties"] = {"borderDashes": [4, 3]}
    return style


def edge_style(edge_type: str, *, strength: float | None = None, rival: bool = False) -> dict[str, Any]:
    """vis-network edge options by kind.

    >>> edge_style("relationship", strength=1.0)["dashes"], edge_style("reports_to")["color"]["color"]
    (True, '#9aa0a6')
    """
    s = 0.5 if strength is None else float(strength)
    if edge_type == "reports_to":
        return {"color": {"color": "#9aa0a6"}, "width": 1.5, "arrows": "to", "smooth": False}
    if edge_type == "relationship":
        return {"color": {"color": TEAM_COLOUR}, "dashes": True, "width": round(1 + 4 * s, 2), "arrows": "to",
                "smooth": {"type": "curvedCCW", "roundness": 0.15}}
    colour = STANCE_COLOURS[-1] if rival else "#8e24aa"
    return {"color": {"color": colour, "opacity": 0.7}, "width": round(0.5 + 2.5 * s, 2), "arrows": "to",
            "dashes": [2, 6] if rival else False, "smooth": {"type": "curvedCW", "roundness": 0.25}}


def legend(lang: str, kind: str = "org") -> list[dict[str, str]]:
    """The legend's entries of one kind of map (``org``, ``influence``, ``unit``,
    ``group``): ``{"group", "label", "swatch", "shape"}``, rendered as HTML by the page."""
    t = lambda k: text(lang, k)  # noqa: E731
    if kind == "group":
        return [{"group": t("coverage_scale"), "label": f"{share:.0%}", "swatch": coverage_colour(share),
                 "shape": "box"} for share in (0.0, 0.25, 0.5, 0.75, 1.0)] + [
                {"group": t("coverage_scale"), "label": t("size_contacts"), "swatch": "#dadce0", "shape": "dot"},
                {"group": t("edges"), "label": t("part_of"), "swatch": "#9aa0a6", "shape": "line"}]
    stance_shape = "tile" if kind == "org" else "dot"
    rows = [{"group": t("stance"), "label": t(str(s)), "swatch": c, "shape": stance_shape}
            for s, c in STANCE_COLOURS.items()]
    rows.append({"group": t("stance"), "label": t("unknown"), "swatch": UNKNOWN_COLOUR, "shape": "dashed"})
    if kind == "org":
        rows += [{"group": t("badges"), "label": t("decider"), "swatch": "#202124", "shape": "badge"},
                 {"group": t("badges"), "label": t("card_gap"), "swatch": "#3c4043", "shape": "badge"},
                 {"group": t("badges"), "label": t("card_initials"), "swatch": TEAM_COLOUR, "shape": "badge"}]
    else:
        rows += [{"group": t("shape"), "label": t("decider"), "swatch": "#dadce0", "shape": "diamond"},
                 {"group": t("shape"), "label": t("gatekeeper"), "swatch": "#dadce0", "shape": "triangle"},
                 {"group": t("shape"), "label": t("other"), "swatch": "#dadce0", "shape": "dot"},
                 {"group": t("shape"), "label": t("team"), "swatch": TEAM_COLOUR, "shape": "box"},
                 {"group": t("shape"), "label": t("size"), "swatch": "#dadce0", "shape": "dot"}]
    if kind == "influence":
        rows += [{"group": t("edges"), "label": t("path"), "swatch": PATH_COLOUR, "shape": "path"}]
    if kind == "unit":
        rows += [{"group": t("shape"), "label": t("unit_reach"), "swatch": TEAM_COLOUR, "shape": "box"}]
    rows += [{"group": t("edges"), "label": t("reports_to"), "swatch": "#9aa0a6", "shape": "line"},
             {"group": t("edges"), "label": t("influences"), "swatch": "#8e24aa", "shape": "curve"}]
    if kind != "unit":
        rows.append({"group": t("edges"), "label": t("relationship"), "swatch": TEAM_COLOUR, "shape": "dashes"})
    rows.append({"group": t("edges"), "label": t("rival"), "swatch": STANCE_COLOURS[-1], "shape": "dots"})
    order = {g: i for i, g in reversed(list(enumerate(r["group"] for r in rows)))}
    return sorted(rows, key=lambda r: order[r["group"]])


def coverage_colour(share: float) -> str:
    """Coach coverage 0 → 1 as red → amber → green (never the stance red alone: the
    group map's legend says so).

    >>> coverage_colour(0.0), coverage_colour(1.0)
    ('#d93025', '#34a853')
    """
    share = max(0.0, min(1.0, share))
    red, green = (217, 48, 37), (52, 168, 83)
    mix = [round(r + (g - r) * share) for r, g in zip(red, green)]
    return "#" + "".join(f"{c:02x}" for c in mix)
