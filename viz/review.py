"""The quarterly account review as a printable page and as spreadsheet tables.

:func:`review_page` renders the pack of :func:`graph.analysis.review.review_report`: a
one-page summary first (printed alone on the first page), then the sections. Every user
string is escaped; labels in English or Chinese. :func:`review_tables` gives the same
figures as (sheet, columns, rows) for an .xlsx.
"""

from __future__ import annotations

from html import escape
from typing import Any

from graph.analysis.people import MOVE_WORDS

__all__ = ["review_page", "review_tables"]

_WORDS = {
    "en": {"title": "Quarterly account review", "summary": "Summary", "as_of": "as of", "tier": "Tier",
           "posture": "Posture", "share": "Share of wallet", "coverage": "Coach coverage",
           "covered": "deciders a coach reaches", "gaps": "Gaps", "high": "high", "change": "change since",
           "no_previous": "no snapshot of the previous quarter: no comparison",
           "stances": "Deciders whose stance changed", "cadence": "Visit cadence breaches",
           "plan": "Plan actions due this quarter", "done": "done", "overdue": "overdue", "open": "open",
           "closed": "closed", "not_moved": "done, stance not moved", "owner": "owner", "next": "Proposed plan for next quarter",
           "people": "People who moved, left or arrived", "new": "arrived", "gone": "left", "moved": "moved",
           "suggested": "suggested", "entered": "entered", "mismatch": "disagrees",
           "people_change": "Key people who moved or left (findings)", "postures": "Posture by account",
           "not_covered": "Not in this pack", "ambiguous": "same person? not merged",
           "action": "action", "contact": "contact", "due": "due", "status": "status", "accept": "accept with",
           "none": "none", "snapshot_taken": "snapshot taken"},
    "zh": {"title": "季度客户经营复盘", "summary": "概要", "as_of": "截至", "tier": "客户分级", "posture": "策略",
           "share": "需求份额占有率", "coverage": "教练覆盖率", "covered": "个决策者有教练覆盖", "gaps": "缺口",
           "high": "高", "change": "较上季度快照", "no_previous": "没有上季度快照：无法对比",
           "stances": "态度变化的决策者", "cadence": "拜访频率未达标", "plan": "本季度到期的计划行动",
           "done": "已完成", "overdue": "逾期", "open": "进行中", "closed": "已关闭", "not_moved": "完成但态度未变",
           "owner": "负责人", "next": "下季度建议计划", "people": "调动、离职与新增的人员", "new": "新增", "gone": "离职",
           "moved": "调动", "suggested": "建议", "entered": "录入", "mismatch": "不一致",
           "people_change": "关键人员调动或离职（发现）", "postures": "各客户策略", "ambiguous": "疑似同一人，未合并",
           "not_covered": "本复盘未包含", "action": "行动", "contact": "联系人", "due": "截止", "status": "状态",
           "accept": "接受命令", "none": "无", "snapshot_taken": "已生成快照"},
}
_COUNTS = ("done", "overdue", "open", "closed", "done_stance_not_moved")


def review_page(report: dict[str, Any], *, lang: str = "en") -> str:
    """One self-contained HTML page (no script, no external reference) of the review."""
    w = _WORDS.get(lang, _WORDS["en"])
    e = escape
    a, s = report["account"], report["summary"]
    since = report["since_previous"]
    change = (f"{w['change']} {e(report['compared_with'])}: {since['gaps']['change']:+d}"
              if since.get("gaps") else w["no_previous"])
    plan = s["plan"]
    summary = [
        (w["tier"], a["tier"] or "—"), (w["posture"], _posture(a, w)),
        (w["share"], f"{a['share_of_wallet']:.0%}" if a["share_of_wallet"] is not None else "—"),
        (w["coverage"], f"{s['coach_coverage']:.0%} ({s['covered_deciders']}/{s['deciders']} {w['covered']})"),
        (w["gaps"], f"{s['gaps']} ({w['high']} {s['high_gaps']}); {change}"),
        (w["stances"], str(s["decider_stance_changes"])),
        (w["people"], f"{w['moved']} {s['people_moved']} · {w['gone']} {s['people_departed']} · "
                      f"{w['new']} {s['people_arrived']}"),
        (w["cadence"], str(s["cadence_breaches"])),
        (w["plan"], " · ".join(f"{w[k] if k in w else w['not_moved']} {plan[k]}" for k in _COUNTS)),
        (w["next"], str(s["proposed_moves"])),
    ]
    parts = [f"<!doctype html><html lang='{e(lang)}'><head><meta charset='utf-8'>",
             f"<title>{e(w['title'])} · {e(a['name'])} · {e(report['quarter'])}</title>",
             "<style>body{font:14px/1.45 system-ui,'Noto Sans CJK SC',sans-serif;margin:2em;color:#222}"
             "table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:.3em .6em;"
             "text-align:left;vertical-align:top}th{background:#f3f3f3}.summary{page-break-after:always}"
             ".muted{color:#666}</style></head><body>",
             f"<section class='summary'><h1>{e(w['title'])}: {e(a['name'])} · {e(report['quarter'])}</h1>",
             f"<p class='muted'>{e(w['as_of'])} {e(report['as_of'])}"
             + (f" · {e(w['snapshot_taken'])} {e(', '.join(report['snapshots_taken']))}" if report["snapshots_taken"]
                else "") + "</p>",
             "<h2>" + e(w["summary"]) + "</h2><table>"
             + "".join(f"<tr><th>{e(k)}</th><td>{e(str(v))}</td></tr>" for k, v in summary) + "</table></section>"]
    parts.append(_table(w["plan"], [w["action"], w["contact"], w["owner"], w["due"], w["status"]],
                        [[x["action"], x["contact_name"] or x["contact_id"], x["owner_name"] or x["owner_id"] or "—", x["due"],
                          w.get(x["status"], x["status"]) + (f" {x['days_overdue']}" if x["days_overdue"] else "")
                          + (f" ({w['not_moved']})" if x["done_stance_not_moved"] else "")]
                         for x in report["plan"]["actions"]], w))
    parts.append(_table(w["plan"] + " · " + w["owner"], [w["owner"], *(w.get(k, w["not_moved"]) for k in _COUNTS)],
                        [[r["owner_name"] or r["owner_id"] or "—", *(r[k] for k in _COUNTS)]
                         for r in report["plan"]["by_owner"]], w))
    parts.append(_table(w["stances"], [w["contact"], "old", "new"],
                        [[c["name"], c["old"], c["new"]] for c in since["decider_stance_changes"]], w))
    parts.append(_table(w["people_change"], ["", ""], [[g["severity"], g["explanation"]]
                                                        for g in report["people_change"]], w))
    parts.append(_table(w["people"], [w["contact"], "", ""], _people_rows(since, w), w))
    parts.append(_table(w["postures"], ["", w["share"], w["entered"], w["suggested"], ""],
                        [[p["name"], f"{p['share_of_wallet']:.0%}" if p["share_of_wallet"] is not None else "—",
                          p["entered"] or "—", p["suggested"] or "—", p["reason"]] for p in report["postures"]], w))
    parts.append(_table(w["cadence"], ["", ""],
                        [[b.get("account_name", b.get("account")), f"{b['kind']}: {b.get('days_overdue', '')}"]
                         for b in report["cadence"]["breaches"]], w))
    parts.append(_table(w["next"], ["#", "", w["accept"]],
                        [[n, m["description"], m["accept"]] for n, m in enumerate(report["next_quarter"], 1)], w))
    parts.append(f"<h2>{e(w['not_covered'])}</h2><ul>"
                 + "".join(f"<li>{e(x)}</li>" for x in report["not_covered"]) + "</ul></body></html>")
    return "".join(parts)


def review_tables(report: dict[str, Any]) -> list[tuple[str, list[str], list[list[Any]]]]:
    """(sheet, columns, rows) of the review, summary first."""
    s, people = report["summary"], report["since_previous"]
    flat = {**{k: v for k, v in s.items() if k != "plan"}, **{f"plan_{k}": v for k, v in s["plan"].items()}}
    return [
        ("summary", ["figure", "value"], [["account", report["account"]["name"]], ["quarter", report["quarter"]],
                                          ["as_of", report["as_of"]],
                                          ["posture", report["account"]["posture"]],
                                          ["suggested_posture", report["account"]["suggested_posture"]],
                                          *[[k, v] for k, v in flat.items()]]),
        ("plan", ["id", "action", "contact", "owner", "due", "status", "days_overdue", "closing_interaction",
                  "stance_reached", "done_stance_not_moved"],
         [[x["id"], x["action"], x["contact_name"], x["owner_name"], x["due"], x["status"], x["days_overdue"],
           (x["closing_interaction"] or {}).get("id"), x["stance_reached"], x["done_stance_not_moved"]]
          for x in report["plan"]["actions"]]),
        ("plan_by_owner", ["owner", *_COUNTS],
         [[r["owner_name"] or r["owner_id"], *(r[k] for k in _COUNTS)] for r in report["plan"]["by_owner"]]),
        ("people", ["id", "name", "change", "account", "detail"],
         [*([m["id"], m["name"], "moved", m["to"]["account_id"], ", ".join(m["changed"])] for m in people["moves"]),
          *([c["id"], c["name"], "departed", c["account_id"], c["how"]] for c in people["departures"]),
          *([c["id"], c["name"], "arrived", c["account_id"], c["title"]] for c in people["arrivals"])]),
        ("postures", ["id", "name", "share_of_wallet", "share_change", "entered", "suggested", "mismatch", "reason"],
         [[p["id"], p["name"], p["share_of_wallet"], p["share_change"], p["entered"], p["suggested"], p["mismatch"],
           p["reason"]] for p in report["postures"]]),
        ("decider_stances", ["id", "name", "old", "new"],
         [[c["id"], c["name"], c["old"], c["new"]] for c in report["since_previous"]["decider_stance_changes"]]),
        ("next_quarter", ["#", "move", "owner", "contact", "accept"],
         [[n, m["description"], m.get("team"), m["contact"], m["accept"]]
          for n, m in enumerate(report["next_quarter"], 1)]),
    ]


def _posture(account: dict[str, Any], w: dict[str, str]) -> str:
    """``defend (entered) · suggested maintain — reason``."""
    entered = f"{account['posture']} ({w['entered']})" if account["posture"] else "—"
    if not account.get("suggested_posture"):
        return entered
    flag = f" · {w['mismatch']}" if account.get("posture_mismatch") else ""
    return f"{entered} · {w['suggested']} {account['suggested_posture']}{flag} — {account['posture_reason']}"


def _people_rows(since: dict[str, Any], w: dict[str, str]) -> list[list[Any]]:
    names = since.get("names") or {}

    def called(value: str | None) -> str:
        return names.get(value, value) if value else "—"

    rows = [[m["name"] or m["id"], w["moved"], "; ".join(f"{MOVE_WORDS[f]} {called(m['from'][f])} → {called(m['to'][f])}"
                                                          for f in m["changed"])] for m in since["moves"]]
    rows += [[c["name"] or c["id"], w["gone"], f"{c['account_id']}, {c['title'] or ''} ({c['how']})"]
             for c in since["departures"]]
    rows += [[c["name"] or c["id"], w["new"], f"{c['account_id']}, {c['title'] or ''}"] for c in since["arrivals"]]
    rows += [[" / ".join(p["name"] or p["id"] for p in (*a["departed"], *a["arrived"])), w["ambiguous"],
              a["matched_by"]] for a in since["ambiguous_matches"]]
    return rows


def _table(title: str, columns: list[str], rows: list[list[Any]], w: dict[str, str]) -> str:
    head = f"<h2>{escape(title)}</h2>"
    if not rows:
        return head + f"<p class='muted'>{escape(w['none'])}</p>"
    return (head + "<table><tr>" + "".join(f"<th>{escape(str(c))}</th>" for c in columns) + "</tr>"
            + "".join("<tr>" + "".join(f"<td>{escape('' if v is None else str(v))}</td>" for v in row) + "</tr>"
                      for row in rows) + "</table>")
