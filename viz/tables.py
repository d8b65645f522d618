"""The pages that are tables: the accounts index and the gap report — safe and offline.

Every user string is escaped as text (attributes included); the pages' scripts
(``/static/index.js``, ``/static/gaps.js``) only show, hide and reorder what the server
wrote, reading values from ``data-`` attributes with ``textContent``-safe DOM calls.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from viz.encoding import text
from viz.page import _e, _nav

__all__ = ["index_page", "gap_report_page", "finding_rows", "FINDING_COLUMNS", "MAX_FOCUS"]

#: At most this many people are named in a "show on map" link (the map's focus).
MAX_FOCUS = 60
_SEP = "\n"  # between values of a data- attribute (no name holds a line break after import)
_WORDS = {
    "en": {"findings": "findings", "from_gaps": "from {n} gaps", "owner": "Owner", "action": "Recommended action",
           "subject": "About", "consequences": "{n} more gap(s) from the same cause", "subsidiary": "Subsidiary",
           "sort": "Sort by", "sort_severity": "severity", "sort_gaps": "most gaps", "sort_subject": "name",
           "sort_owner": "owner", "sort_subsidiary": "subsidiary", "showing": "Showing", "of": "of",
           "no_finding": "No finding matches these filters.", "gain": "gain", "rule": "rule of thumb",
           "export": "Download", "people_found": "People", "accounts_found": "Accounts",
           "nothing": "Nothing matches “{q}”.", "no_row": "No account on this page matches; press Enter to "
           "search every account and person.", "page": "Page", "prev": "previous", "next": "next",
           "search_all": "Search accounts and people…", "counts_note": "Contacts, coverage and gap counts appear "
           "as they are computed (… until then) and are recomputed at most every {ttl} s.", "high": "high", "medium": "medium", "low": "low", "more": "+{n} more"},
    "zh": {"findings": "项发现", "from_gaps": "来自 {n} 个缺口", "owner": "我方负责人", "action": "建议行动",
           "subject": "对象", "consequences": "同一原因导致的另外 {n} 个缺口", "subsidiary": "子公司",
           "sort": "排序", "sort_severity": "严重度", "sort_gaps": "缺口最多", "sort_subject": "名称",
           "sort_owner": "负责人", "sort_subsidiary": "子公司", "showing": "显示", "of": "/",
           "no_finding": "没有符合筛选条件的发现。", "gain": "收益", "rule": "经验规则",
           "export": "下载", "people_found": "人员", "accounts_found": "客户",
           "nothing": "没有与“{q}”匹配的结果。", "no_row": "本页没有匹配的客户；按回车搜索全部客户和人员。",
           "page": "页", "prev": "上一页", "next": "下一页", "search_all": "搜索客户和人员…",
           "counts_note": "联系人、覆盖率和缺口数计算完成后显示（之前为 …），最多每 {ttl} 秒重新计算。",
           "high": "高", "medium": "中", "low": "低",
           "more": "另 {n} 人"},
}
#: Columns of the gap report as CSV / XLSX: one row per gap, the finding's headline first.
FINDING_COLUMNS = ("finding", "row", "severity", "type", "type (zh)", "finding / gap", "about", "people",
                   "departments", "subsidiaries", "owner", "owner's division", "recommended action", "action from",
                   "gain", "show on map", "gap type code", "gap key")


def _w(lang: str, key: str, **values: Any) -> str:
    return _WORDS.get(lang, _WORDS["en"])[key].format(**values)


def _head(title: str, lang: str, scripts: tuple[str, ...] = ()) -> str:
    tags = "".join(f'<script src="/static/{s}" defer></script>' for s in scripts)
    return (f'<!doctype html><html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{_e(title)}</title>'
            f'<link rel="stylesheet" href="/static/map.css"><link rel="stylesheet" href="/static/tables.css">'
            f"{tags}</head>")


def _data(values) -> str:
    return _e(_SEP.join(str(v) for v in values if v))


# ----- the index ------------------------------------------------------------------------------------
def index_page(rows: list[dict[str, Any]], *, lang: str = "en", total: int | None = None, page: int = 1,
               pages: int = 1, query: str = "", found: dict[str, list[dict[str, Any]]] | None = None,
               cache_seconds: float | None = None) -> str:
    """One page of the top-level accounts (tier, posture, contacts, coach coverage, gap
    counts, links to the maps); with ``query``, the accounts and people that match it
    across the whole store (``found``: ``accounts`` and ``people``, each with a ``link``)."""
    t = lambda k: text(lang, k)  # noqa: E731
    lines = []
    for r in rows:
        links = " · ".join(f'<a href="{_e(href)}">{_e(label)}</a>' for label, href in r["links"].items())
        search = " ".join(str(r.get(k) or "") for k in ("id", "name", "tier", "posture")).lower()
        gaps = r.get("gaps") or {}
        pending = f' data-counts="{_e(r["pending"])}"' if r.get("pending") else ""
        counts = ("…", "…", "…") if pending else (
            r.get("contacts"), _pct(r.get("coverage")),
            f"{gaps.get('high', '')}/{gaps.get('medium', '')}/{gaps.get('low', '')}")
        lines.append(f'<tr data-search="{_e(search)}"{pending}><td>{_e(r["id"])}</td><td>{_e(r["name"])}</td>'
                     f"<td>{_e(r.get('tier') or '')}</td><td>{_e(r.get('posture') or '')}</td>"
                     + "".join(f'<td class="{c}">{_e(v)}</td>' for c, v in zip(("contacts", "coverage", "gaps"),
                                                                              counts))
                     + f"<td>{links}</td></tr>")
    header = "".join(f"<th>{_e(h)}</th>" for h in ("id", t("accounts"), t("tier"), t("posture"), t("contacts"),
                                                     t("coverage"), f"{t('gaps')} H/M/L", t("maps")))
    total = len(rows) if total is None else total
    form = (f'<form class="search" method="get" action="/" role="search"><input type="hidden" name="lang" '
            f'value="{_e(lang)}"><input id="filter-accounts" name="q" type="search" value="{_e(query)}" '
            f'placeholder="{_e(_w(lang, "search_all"))}" aria-label="{_e(_w(lang, "search_all"))}"></form>'
            f'<p id="no-row" class="empty" hidden>{_e(_w(lang, "no_row"))}</p>')
    results = _found_html(query, found, lang) if query else ""
    table = "" if query else (f'<table class="report"><thead><tr>{header}</tr></thead><tbody>{"".join(lines)}'
                              f"</tbody></table>{_pager(page, pages, lang)}")
    note = (f'<p class="note">{_e(_w(lang, "counts_note", ttl=round(cache_seconds)))}</p>'
            if cache_seconds and not query else "")
    head = _head(f"powermap — {t('accounts')}", lang, ("index.js",))
    return (f'{head}<body><header><h1>powermap</h1>'
            f'<span class="facts">{total} {_e(t("accounts"))}</span>'
            f'{_nav({t("accounts"): f"/?lang={lang}"}) if query else ""}</header>'
            f'<div class="page">{form}{results}{table}{note}</div></body></html>')


def _pager(page: int, pages: int, lang: str) -> str:
    if pages <= 1:
        return ""
    link = lambda n, word: (f'<a href="/?{_e(urlencode({"page": n, "lang": lang}))}" rel="{word}">'  # noqa: E731
                            f"{_e(_w(lang, word))}</a>")
    return (f'<nav class="pager">{link(page - 1, "prev") if page > 1 else ""} '
            f'{_e(_w(lang, "page"))} {page} / {pages} {link(page + 1, "next") if page < pages else ""}</nav>')


def _found_html(query: str, found: dict[str, list[dict[str, Any]]] | None, lang: str) -> str:
    found = found or {}
    accounts, people = found.get("accounts") or [], found.get("people") or []
    if not accounts and not people:
        return f'<p class="empty" id="nothing">{_e(_w(lang, "nothing", q=query))}</p>'
    parts = []
    if accounts:
        items = "".join(f'<li><a href="{_e(a["link"])}">{_e(a["name"])}</a> <span class="dim">{_e(a["id"])}</span>'
                        f"</li>" for a in accounts)
        parts.append(f'<h2>{_e(_w(lang, "accounts_found"))}</h2><ul class="found" id="found-accounts">{items}</ul>')
    if people:
        items = "".join(f'<li><a href="{_e(p["link"])}">{_e(p["name"])}</a>'
                        f'{" · " + _e(p["title"]) if p.get("title") else ""} <span class="dim">'
                        f'{_e(p.get("account_name") or p["account_id"])} · {_e(p["id"])}</span></li>' for p in people)
        parts.append(f'<h2>{_e(_w(lang, "people_found"))}</h2><ul class="found" id="found-people">{items}</ul>')
    return "".join(parts)


# ----- the gap report --------------------------------------------------------------------------------
def _person(report: dict[str, Any], cid: str) -> str:
    p = report["people"].get(cid) or {"name": cid}
    return p["name"] + (f" ({p['title']})" if p.get("title") else "")


def map_focus_link(map_link: str, finding: dict[str, Any], lang: str) -> str:
    """The org chart focused on a finding's people, with the reason: ``focus`` (contact
    ids, comma-separated) and ``reason`` (the finding's headline, plain text)."""
    focus = ",".join(finding["people"][:MAX_FOCUS])
    query = {"lang": lang, "reason": finding["headline"][:300]}
    if focus:
        query = {"focus": focus, **query}
    return f"{map_link}?{urlencode(query, quote_via=lambda v, *_: quote(v, safe=','))}"


def gap_report_page(account: dict[str, Any], report: dict[str, Any], *, lang: str = "en", map_link: str,
                    nav: dict[str, str] | None = None, exports: dict[str, str] | None = None) -> str:
    """The findings of one account grouped by root cause (``report`` as
    :func:`graph.analysis.findings.gap_findings` returns it): filters by type, severity,
    department and subsidiary, sorting, each finding's people by name, owner, action and
    a link that opens the org chart on its people with the reason."""
    t = lambda k: text(lang, k)  # noqa: E731
    other = "zh" if lang == "en" else "en"
    findings = report["findings"]
    bodies = []
    for f in findings:
        types = {g["type"] for g in f["gaps"]}
        people = [_person(report, c) for c in f["people"]]
        shown = ", ".join(people[:6]) + (f" {_w(lang, 'more', n=len(people) - 6)}" if len(people) > 6 else "")
        owner = f["owner"]["name"] if f["owner"] else "—"
        division = (f["owner"] or {}).get("division")
        owner_cell = _e(owner) + (f'<br><span class="dim">{_e(division)}</span>' if division else "")
        how = f'{_w(lang, "gain")} {f["gain"]:.1f}' if f["gain"] is not None else _w(lang, "rule")
        link = map_focus_link(map_link, f, lang)
        rest = f["gaps"][1:]
        more = ""
        if rest:
            items = "".join(f'<li><span class="sev-{_e(g["severity"])}">{_e(_w(lang, g["severity"]))}</span> '
                            f'<b>{_e(g["label"].get(lang, g["label"]["en"]))}</b>: {_e(g["explanation"])}</li>'
                            for g in rest)
            more = (f'<tr class="consequences"><td></td><td colspan="7"><details><summary>'
                    f'{_e(_w(lang, "consequences", n=len(rest)))}</summary><ul>{items}</ul></details></td></tr>')
        bodies.append(
            f'<tbody class="finding" data-number="{f["number"]}" data-severity="{_e(f["severity"])}" '
            f'data-types="{_data(sorted(types))}" data-departments="{_data(f["departments"])}" '
            f'data-subsidiaries="{_data(f["accounts"])}" data-gaps="{len(f["gaps"])}" '
            f'data-subject="{_e(f["subject"]["name"])}" data-owner="{_e(owner)}" '
            f'data-subsidiary="{_e(f["accounts"][0] if f["accounts"] else "")}">'
            f'<tr><td>{f["number"]}</td><td class="sev-{_e(f["severity"])}">{_e(_w(lang, f["severity"]))}</td>'
            f'<td><b>{_e(f["label"][lang])}</b><br><span class="dim">{_e(f["label"][other])}</span></td>'
            f'<td><b>{_e(f["subject"]["name"])}</b><br>{_e(f["headline"])}</td>'
            f'<td class="people">{_e(shown)}</td><td class="owner">{owner_cell}</td>'
            f'<td>{_e(f["action"])} <span class="dim">({_e(how)})</span></td>'
            f'<td><a class="show" href="{_e(link)}">{_e(t("show"))}</a></td></tr>{more}</tbody>')
    header = "".join(f"<th>{_e(h)}</th>" for h in ("#", t("severity"), t("type"), _w(lang, "subject"),
                                                     t("people"), _w(lang, "owner"), _w(lang, "action"), ""))
    counts = report["counts"]
    facts = (f'{counts["findings"]} {_w(lang, "findings")} · {_w(lang, "from_gaps", n=counts["total"])} · '
             + " / ".join(f'{counts["by_severity"][s]} {_w(lang, s)}' for s in ("high", "medium", "low")))
    title = f"{account['name']} — {t('gap_report')}"
    return (f'{_head(title, lang, ("gaps.js",))}<body><header><h1>{_e(title)}</h1>'
            f'<span class="facts">{_e(facts)}</span>{_nav(nav or {t("org"): map_link})}'
            f'{_downloads(exports, lang)}'
            f'</header><div class="page">{_filters(report, lang)}'
            f'<p class="shown"><span>{_e(_w(lang, "showing"))}</span> <output id="shown">{len(findings)}</output> '
            f'{_e(_w(lang, "of"))} {len(findings)}</p><p id="no-finding" class="empty" hidden>'
            f'{_e(_w(lang, "no_finding"))}</p><table class="report findings"><thead><tr>{header}</tr></thead>'
            f'{"".join(bodies)}</table></div></body></html>')


def _downloads(exports: dict[str, str] | None, lang: str) -> str:
    if not exports:
        return ""
    links = " · ".join(f'<a href="{_e(href)}" download>{_e(label)}</a>' for label, href in exports.items())
    return f'<span class="facts downloads">{_e(_w(lang, "export"))}: {links}</span>'


def _filters(report: dict[str, Any], lang: str) -> str:
    t = lambda k: text(lang, k)  # noqa: E731
    findings = report["findings"]
    from graph.analysis.findings import GAP_LABELS

    types = sorted({g["type"] for f in findings for g in f["gaps"]}, key=list(GAP_LABELS).index)
    options = {
        "type": [(k, GAP_LABELS[k][lang]) for k in types],
        "severity": [(s, _w(lang, s)) for s in ("high", "medium", "low")],
        "department": [(d, d) for d in sorted({d for f in findings for d in f["departments"]})],
        "subsidiary": [(a, a) for a in sorted({a for f in findings for a in f["accounts"]})],
    }
    labels = {"type": t("type"), "severity": t("severity"), "department": t("department"),
              "subsidiary": _w(lang, "subsidiary")}
    parts = []
    for name, values in options.items():
        opts = "".join(f'<option value="{_e(v)}">{_e(label)}</option>' for v, label in values)
        parts.append(f'<label>{_e(labels[name])} <select id="filter-{name}" data-filter="{name}">'
                     f'<option value="">{_e(t("all"))}</option>{opts}</select></label>')
    sorts = "".join(f'<option value="{k}">{_e(_w(lang, "sort_" + k))}</option>'
                    for k in ("severity", "gaps", "subject", "owner", "subsidiary"))
    parts.append(f'<label>{_e(_w(lang, "sort"))} <select id="sort">{sorts}</select></label>')
    return f'<form class="filters" id="filters">{"".join(parts)}</form>'


def finding_rows(report: dict[str, Any], *, map_link: str, lang: str = "en") -> list[list[Any]]:
    """The gap report as spreadsheet rows (:data:`FINDING_COLUMNS`): each finding's
    headline row, then one row per consequence, with the same names, owner and action."""
    rows = []
    for f in report["findings"]:
        link = map_focus_link(map_link, f, lang)
        owner = f["owner"]["name"] if f["owner"] else ""
        division = (f["owner"] or {}).get("division") or ""
        for n, g in enumerate(f["gaps"]):
            people = "; ".join(_person(report, c) for c in (f["people"] if n == 0 else g["contacts"]))
            rows.append([f["number"], "finding" if n == 0 else "consequence", g["severity"], g["label"]["en"],
                         g["label"]["zh"], g["explanation"], f["subject"]["name"], people,
                         "; ".join(f["departments"]), "; ".join(f["accounts"]), owner, division, f["action"],
                         f["action_source"], f["gain"], link, g["type"], g["key"]])
    return rows


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value:.0%}"
