"""The gap report an account manager acts on: gaps grouped by root cause, each finding
with the people by name, an owner on our side and the recommended action.

A raw gap list repeats one cause many times: a subsidiary nobody on our side has ever
met shows up as its own finding and again as every missing line, coach, executive peer
and cadence breach inside it. Here

* an **untouched subsidiary** is one finding; every other gap that lies wholly inside
  it (its accounts, or all its people, are in that part of the group) is a consequence
  listed under it;
* the remaining gaps are grouped by **whom they are about**: a person (the decider we
  do not reach, the one person our only path runs through — "losing X would cut…" is
  about X), an opportunity's decision unit, or an account (a line with no supporter, no
  coach, an executive cadence);
* the most severe gap of a group is its **headline**, the rest its consequences.

The recommended action is the best-ranked :func:`~graph.analysis.next_moves.next_moves`
action that closes the headline (or, failing that, any gap of the finding) — its gain
says how much it closes; when no evaluated move closes any of them, a plain action by
the headline's type is given (``action_source`` ``"rule"``). The owner is our person
that action names; otherwise the team member the gap names (our most senior executive
for a missing executive peer), else the account manager who owns the account (up the
hierarchy), else any account manager.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import networkx as nx

from graph.analysis import _views as v
from graph.analysis.cadence import CadencePolicy
from graph.analysis.causes import gap_causes, gap_subject
from graph.analysis.divisions import division_of
from graph.analysis.gaps import GAP_TYPES, SEVERITIES, Gap, find_gaps, gap_counts
from graph.analysis.next_moves import next_moves
from graph.subgraph import NodeKind, node_key, split_key

__all__ = ["GAP_LABELS", "gap_label", "gap_findings", "group_by_root_cause"]

#: Readable names of the gap types, in English and Chinese.
GAP_LABELS: dict[str, dict[str, str]] = {
    "uncovered_decider": {"en": "Decider we do not reach", "zh": "未覆盖的决策者"},
    "opposed_decider": {"en": "Opposing decider, no counter-weight", "zh": "反对我方的决策者（无制衡）"},
    "no_coach": {"en": "No coach", "zh": "没有教练"},
    "missing_line": {"en": "Line with no supporter", "zh": "联络线缺少支持者"},
    "single_threaded": {"en": "Single-threaded", "zh": "单线联系"},
    "gatekeeper_only": {"en": "Only through a gatekeeper", "zh": "只能经过把关者"},
    "stale_relationship": {"en": "Stale relationship", "zh": "关系久未维护"},
    "no_executive_peer": {"en": "No executive peer", "zh": "缺少高层对等交流"},
    "unknown_stance": {"en": "Stance unknown", "zh": "态度未知"},
    "untouched_subsidiary": {"en": "Untouched subsidiary", "zh": "从未接触的子公司"},
    "single_point_of_failure": {"en": "Single point of failure", "zh": "单点依赖"},
    "cadence_breach": {"en": "Visit cadence missed", "zh": "拜访频率未达标"},
    "posture_mismatch": {"en": "Posture disagrees with share of wallet", "zh": "客户策略与份额不符"},
    "competitor_coach": {"en": "Decider's adviser leans to a rival", "zh": "决策者的顾问倾向友商"},
    "plan_overdue": {"en": "Plan action overdue", "zh": "计划行动逾期"},
    "division_gap": {"en": "Our divisions not coordinated", "zh": "事业部间未协同"},
    "people_change": {"en": "Key person moved or left", "zh": "关键人员调动或离职"},
}
_WEIGHT = {"high": 3, "medium": 2, "low": 1}
_RULES = {  # the plain action when no evaluated next move closes the finding
    "uncovered_decider": "build a relationship with {who}",
    "opposed_decider": "win {who} over, or win someone who influences them",
    "no_coach": "develop a coach in {who}",
    "missing_line": "win a supporter in that line of {who}",
    "single_threaded": "build a second thread into the account besides {who}",
    "gatekeeper_only": "find a way to the decider around gatekeeper {who}",
    "stale_relationship": "renew the relationship with {who}",
    "no_executive_peer": "have one of our executives meet {who}",
    "unknown_stance": "find out where {who} stands",
    "untouched_subsidiary": "open a first relationship in {who}",
    "single_point_of_failure": "build a second path that does not depend on {who}",
    "cadence_breach": "meet {who} as the tier's visit cadence asks",
    "posture_mismatch": "re-draw the posture of {who} at the quarterly review",
    "competitor_coach": "win {who} over from the rival, or give the decider a stronger adviser of ours",
    "plan_overdue": "do the overdue plan action with {who}, or close it with who and why",
    "division_gap": "coordinate our divisions on {who}: one lead, one message, and the deal's division introduced",
    "people_change": "find out who took over from {who} and where they stand; re-qualify the deal",
}


def gap_label(gap_type: str, lang: str = "en") -> str:
    """The readable name of a gap type.

    >>> gap_label("uncovered_decider"), gap_label("uncovered_decider", "zh")
    ('Decider we do not reach', '未覆盖的决策者')
    """
    labels = GAP_LABELS.get(gap_type)
    return labels.get(lang, labels["en"]) if labels else gap_type


def group_by_root_cause(G: nx.MultiDiGraph, gaps: list[Gap]) -> list[list[Gap]]:
    """The gaps in groups of one root cause, the headline first in each, the groups most
    severe (then weightiest) first.

    Examples
    --------
    >>> from graph.subgraph import build_account_graph
    >>> G = build_account_graph("G", accounts=[{"id": "G", "name": "Group"},
    ...     {"id": "S", "name": "Sub", "parent_id": "G"}], departments=[],
    ...     contacts=[{"id": "g", "account_id": "G", "name": "Gu", "stance": 1, "reports_to": None},
    ...               {"id": "s", "account_id": "S", "name": "Su", "roles": ("decider",), "stance": 0,
    ...                "level": "executive", "reports_to": None}],
    ...     team=[{"id": "T", "name": "Tom", "role": "account_manager", "accounts": ("G",)}],
    ...     relationships=[{"team_id": "T", "contact_id": "g", "strength": 0.8}], influence=[],
    ...     opportunities=[], opportunity_members=[])
    >>> [[g.type for g in group] for group in group_by_root_cause(G, find_gaps(G))]
    [['untouched_subsidiary', 'uncovered_decider', 'no_executive_peer'], ['no_coach'], ['single_threaded']]
    """
    causes = gap_causes(G, gaps)
    groups: dict[str, list[Gap]] = {c: [g] for g, c in zip(gaps, causes) if g.type == "untouched_subsidiary"}
    for gap, cause in zip(gaps, causes):
        if gap.type != "untouched_subsidiary":
            groups.setdefault(cause, []).append(gap)
    order = {s: i for i, s in enumerate(SEVERITIES)}

    def rank(group: list[Gap]) -> tuple:
        head = group[0]
        return (order[head.severity], -sum(_WEIGHT[g.severity] for g in group), GAP_TYPES.index(head.type),
                head.contacts, head.accounts)

    return sorted(groups.values(), key=rank)


def gap_findings(G: nx.MultiDiGraph, *, today: dt.date | None = None, cadence_policy: CadencePolicy | None = None,
                 moves: int = 50, **options: Any) -> dict[str, Any]:
    """The account's gaps as findings grouped by root cause, with owners and actions.

    Parameters
    ----------
    G : MultiDiGraph
        An account subgraph (it is changed while next moves are tried, and restored).
    today : date, optional
        The day staleness and cadence are measured from (default: today).
    cadence_policy : CadencePolicy, optional
        The visit cadence by tier (default: the shipped policy).
    moves : int
        How many ranked next moves to draw recommended actions from.
    **options
        Passed on to :func:`~graph.analysis.gaps.find_gaps` (``stale_days`` …).

    Returns
    -------
    dict
        ``account``, ``findings`` (each: ``number``, ``key``, ``severity``, ``type``,
        ``label`` (en, zh), ``headline``, ``subject`` (kind, id, name), ``people``
        (contact ids, the subject first), ``departments`` and ``accounts`` (names of
        where its people and accounts are), ``gaps`` (the headline first, then the
        consequences: type, label, severity, explanation, contacts, key), ``owner``
        (id, name, role, or None), ``action``, ``action_source`` (``next-moves`` or
        ``rule``), ``gain``), ``people`` (contact id → name, title, department, account,
        stance, roles) and ``counts`` (of the gaps underneath, as ``gaps`` reports them,
        plus ``findings``).
    """
    today = today or dt.date.today()
    with v.shared(G):  # the gaps and next moves share one reach structure
        gaps = find_gaps(G, today=today, cadence_policy=cadence_policy, **options)
        # every candidate tried (the page is computed once and cached; the same answer whatever
        # the machine's load), and no spreading: each gap gets the move that closes it best
        ranked = next_moves(G, top=moves, today=today, cadence_policy=cadence_policy, per_person=None,
                            time_budget=None) if gaps else []
    findings = [_finding(G, n, group, ranked) for n, group in enumerate(group_by_root_cause(G, gaps), start=1)]
    people = sorted({c for f in findings for c in f["people"]})
    return {"account": G.graph["account_id"], "findings": findings,
            "people": {c: _person(G, node_key(NodeKind.CONTACT, c)) for c in people},
            "counts": {**gap_counts(gaps), "findings": len(findings)}}


# ----- private helpers -------------------------------------------------------------------------------
def _finding(G: nx.MultiDiGraph, number: int, group: list[Gap], ranked: list[dict[str, Any]]) -> dict[str, Any]:
    head = group[0]
    kind, record = ("account", head.accounts[0]) if head.type == "untouched_subsidiary" else gap_subject(head)
    subject = {"kind": kind, "id": record, "name": _name(G, kind, record)}
    people = list(dict.fromkeys([*(head.contacts[:1] if kind == "person" else ()),
                                 *(c for g in group for c in g.contacts)]))
    if head.type == "untouched_subsidiary":  # everyone there: the map shows the whole untouched part
        parts = set(head.accounts)
        people += sorted(split_key(c)[1] for c in v.contacts(G)
                         if G.nodes[c].get("account_id") in parts and split_key(c)[1] not in people)
    keys = [node_key(NodeKind.CONTACT, c) for c in people if node_key(NodeKind.CONTACT, c) in G]
    accounts = list(dict.fromkeys([*(a for g in group for a in g.accounts),
                                   *(G.nodes[k].get("account_id") for k in keys)]))
    departments = list(dict.fromkeys(d for k in keys if (d := _department(G, k))))
    move = _best_move(ranked, {head.key}) or _best_move(ranked, {g.key for g in group})
    if move:
        owner = _team(G, move["team"]) if move["team"] else _owner(G, head, people, accounts)
        action, source, gain = move["description"], "next-moves", move["gain"]
    else:
        owner = _owner(G, head, people, accounts)
        action, source, gain = _RULES[head.type].format(who=subject["name"]), "rule", None
    return {"number": number, "key": head.key, "cause": head.cause, "severity": head.severity, "type": head.type,
            "label": dict(GAP_LABELS[head.type]), "headline": head.explanation, "subject": subject,
            "people": people, "departments": departments,
            "accounts": [_name(G, "account", a) for a in accounts if a],
            "account_ids": [a for a in accounts if a],
            "gaps": [{"type": g.type, "label": dict(GAP_LABELS[g.type]), "severity": g.severity,
                      "explanation": g.explanation, "contacts": list(g.contacts), "key": g.key} for g in group],
            "owner": owner, "action": action, "action_source": source, "gain": gain}


def _best_move(ranked: list[dict[str, Any]], keys: set[str]) -> dict[str, Any] | None:
    return next((m for m in ranked if any(g.get("key") in keys for g in m["closes"])), None)


def _owner(G: nx.MultiDiGraph, head: Gap, people: list[str], accounts: list[str]) -> dict[str, Any] | None:
    """The team member the gap names, else who owns its account (up the hierarchy)."""
    if head.team:
        return _team(G, head.team[0])
    executives = v.our_executives(G)
    if head.type == "no_executive_peer" and executives:  # the peer must be one of our executives
        return _team(G, G.nodes[min(executives, key=lambda t: (G.nodes[t].get("rank") or 99, t))]["id"])
    members = v.team(G)
    managers = sorted(t for t in members if G.nodes[t].get("role") == "account_manager") or sorted(members)
    account = accounts[0] if accounts else G.graph["account_id"]
    seen: set[str] = set()
    while account and account not in seen:
        seen.add(account)
        owners = [t for t in managers if account in (G.nodes[t].get("accounts") or ())]
        if owners:
            return _team(G, G.nodes[owners[0]]["id"])
        key = node_key(NodeKind.ACCOUNT, account)
        account = G.nodes[key].get("parent_id") if key in G else None
    return _team(G, G.nodes[managers[0]]["id"]) if managers else None


def _team(G: nx.MultiDiGraph, team_id: str) -> dict[str, Any] | None:
    key = node_key(NodeKind.TEAM, team_id)
    if key not in G:
        return None
    d = G.nodes[key]
    return {"id": team_id, "name": d.get("name") or team_id, "role": d.get("role"), "division": division_of(G, key)}


def _name(G: nx.MultiDiGraph, kind: str, record: str) -> str:
    key = node_key(kind if kind != "person" else NodeKind.CONTACT, record)
    if key in G:
        return v.name(G, key)
    gone = next((r for r in (G.graph.get("people") or {}).get("departed", ()) if r["id"] == record), None)
    return f"{gone['name']} ({gone.get('title') or 'departed'})" if kind == "person" and gone else record


def _department(G: nx.MultiDiGraph, contact: str) -> str | None:
    department = G.nodes[contact].get("department_id")
    key = node_key(NodeKind.DEPARTMENT, department) if department else None
    return (G.nodes[key].get("name") or department) if key in G else department


def _person(G: nx.MultiDiGraph, key: str) -> dict[str, Any]:
    if key not in G:
        return {"name": key.split(":", 1)[1], "title": None, "department": None, "account": None,
                "account_name": None, "stance": None, "roles": []}
    d = G.nodes[key]
    account = d.get("account_id")
    return {"name": d.get("name") or d["id"], "title": d.get("title"), "department": _department(G, key),
            "account": account, "account_name": _name(G, "account", account) if account else None,
            "stance": d.get("stance"), "roles": sorted(d.get("roles") or ())}
