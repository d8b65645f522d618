"""How the maps encode the domain: one legend for every map.

Colour = stance (-1 red, 0 grey, 1 light green, 2 green, 3 gold; coaches also get a ★),
unknown stance = white with a dashed outline; shape = buying role (decider a diamond,
gatekeeper a triangle, the rest dots); size = influence score; a red ring = named in a
high-severity gap; our team = blue boxes. Edges: reports-to solid grey, influence curved
purple, relationship dashed blue with thickness by strength, rival red.
"""

from __future__ import annotations

from typing import Any

__all__ = ["STANCE_COLOURS", "UNKNOWN_COLOUR", "TEAM_COLOUR", "node_style", "edge_style", "legend", "text", "LANGS"]

STANCE_COLOURS = {-1: "#d93025", 0: "#9aa0a6", 1: "#a8dab5", 2: "#34a853", 3: "#fbbc04"}
UNKNOWN_COLOUR = "#ffffff"
TEAM_COLOUR = "#1a73e8"
GAP_RING = "#c5221f"
_BORDER = "#5f6368"
_ROLE_SHAPES = {"decider": "diamond", "gatekeeper": "triangle"}
LANGS = ("en", "zh")

_TEXT = {
    "en": {
        "stance": "Stance", "-1": "opposes us", "0": "neutral", "1": "supports us", "2": "prefers us", "3": "coach ★",
        "unknown": "unknown (dashed outline)", "shape": "Shape", "decider": "decider", "gatekeeper": "gatekeeper",
        "other": "other roles", "team": "our team", "size": "Size = influence score", "ring": "Red ring = in a high gap",
        "edges": "Lines", "reports_to": "reports to", "influences": "influences", "relationship": "our relationship",
        "rival": "rival", "search": "Find a person…", "department": "Department", "role": "Role", "all": "all",
        "title": "Title", "roles": "Roles", "last_contact": "Last contact", "email": "E-mail", "phone": "Phone",
        "support_index": "Support index", "projected": "projected", "stated": "stated", "coverage": "coverage",
        "contacts": "contacts", "gaps": "gaps", "accounts": "Accounts", "tier": "Tier", "posture": "Posture",
        "maps": "Maps", "org": "org chart", "influence": "influence", "group": "group", "gap_report": "gap report",
        "severity": "Severity", "type": "Type", "explanation": "Finding", "people": "People", "show": "show on map",
        "no_script": "This map needs JavaScript.", "collapsed": "Departments are collapsed: double-click one to open it.",
    },
    "zh": {
        "stance": "态度", "-1": "反对", "0": "中立", "1": "支持", "2": "倾向我方", "3": "教练 ★",
        "unknown": "未知（虚线边框）", "shape": "形状", "decider": "决策者", "gatekeeper": "把关者",
        "other": "其他角色", "team": "我方团队", "size": "大小 = 影响力", "ring": "红圈 = 高风险缺口",
        "edges": "连线", "reports_to": "汇报", "influences": "影响", "relationship": "我方关系",
        "rival": "对手", "search": "查找人员…", "department": "部门", "role": "角色", "all": "全部",
        "title": "职位", "roles": "角色", "last_contact": "最近接触", "email": "邮箱", "phone": "电话",
        "support_index": "支持指数", "projected": "预测", "stated": "当前", "coverage": "覆盖率",
        "contacts": "联系人", "gaps": "缺口", "accounts": "客户", "tier": "分级", "posture": "策略",
        "maps": "地图", "org": "组织图", "influence": "影响力", "group": "集团", "gap_report": "缺口报告",
        "severity": "严重度", "type": "类型", "explanation": "发现", "people": "人员", "show": "在图中显示",
        "no_script": "此地图需要启用 JavaScript。", "collapsed": "部门已折叠：双击展开。",
    },
}


def text(lang: str, key: str) -> str:
    """A UI word in ``lang`` (English when unknown)."""
    return _TEXT.get(lang, _TEXT["en"]).get(key, _TEXT["en"].get(key, key))


def node_style(kind: str, *, stance: int | None = None, roles: tuple[str, ...] = (), score: float = 0.0,
               in_high_gap: bool = False) -> dict[str, Any]:
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
        "color": {"background": colour, "border": GAP_RING if in_high_gap else _BORDER,
                  "highlight": {"background": colour, "border": "#202124"}},
        "borderWidth": 4 if in_high_gap else 1,
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
            "dashes": rival, "smooth": {"type": "curvedCW", "roundness": 0.25}}


def legend(lang: str) -> list[dict[str, str]]:
    """The legend's entries: ``{"group", "label", "swatch", "shape"}`` (rendered as HTML)."""
    t = lambda k: text(lang, k)  # noqa: E731
    rows = [{"group": t("stance"), "label": t(str(s)), "swatch": c, "shape": "dot"} for s, c in STANCE_COLOURS.items()]
    rows.append({"group": t("stance"), "label": t("unknown"), "swatch": UNKNOWN_COLOUR, "shape": "dashed"})
    rows += [{"group": t("shape"), "label": t("decider"), "swatch": "#dadce0", "shape": "diamond"},
             {"group": t("shape"), "label": t("gatekeeper"), "swatch": "#dadce0", "shape": "triangle"},
             {"group": t("shape"), "label": t("other"), "swatch": "#dadce0", "shape": "dot"},
             {"group": t("shape"), "label": t("team"), "swatch": TEAM_COLOUR, "shape": "box"},
             {"group": t("shape"), "label": t("size"), "swatch": "#dadce0", "shape": "dot"},
             {"group": t("shape"), "label": t("ring"), "swatch": "#ffffff", "shape": "ring"},
             {"group": t("edges"), "label": t("reports_to"), "swatch": "#9aa0a6", "shape": "line"},
             {"group": t("edges"), "label": t("influences"), "swatch": "#8e24aa", "shape": "curve"},
             {"group": t("edges"), "label": t("relationship"), "swatch": TEAM_COLOUR, "shape": "dashes"},
             {"group": t("edges"), "label": t("rival"), "swatch": STANCE_COLOURS[-1], "shape": "dashes"}]
    return rows
