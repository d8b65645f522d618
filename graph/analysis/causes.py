"""The cause of a gap: the finding it follows from, so that reports, the API and the maps
can group gaps by root cause (the gap report's findings are these groups).

A cause is a short string ``kind:id``:

* ``subsidiary:<account id>`` — an untouched subsidiary (the part of the group rooted at
  that account, which nobody on our side has ever met): the untouched-subsidiary gap
  itself and every other gap that lies wholly inside that part (its accounts, or else
  all its people, are there);
* otherwise whom the gap is about: ``opportunity:<id>`` (a deal's decision unit),
  ``person:<contact id>`` (the decider we do not reach; the one person our only path runs
  through — "losing X would cut…" is about X; an overdue plan action's contact; the person
  who moved or left), or
  ``account:<id>`` (a line with no supporter, no coach, an executive cadence, a single
  thread into the account).

Causes depend only on the gaps and the account's hierarchy, never on the order gaps are
listed in; a gap keeps its cause as long as the finding it follows from is open.
"""

from __future__ import annotations

from typing import Any, Protocol

import networkx as nx

from graph.subgraph import NodeKind, node_key

__all__ = ["gap_causes", "cause_counts", "gap_subject", "SUBSIDIARY"]

#: The kind of cause of the gaps inside an untouched subsidiary.
SUBSIDIARY = "subsidiary"


class _GapLike(Protocol):
    type: str
    contacts: tuple[str, ...]
    accounts: tuple[str, ...]
    opportunity: str | None


def gap_causes(G: nx.MultiDiGraph, gaps: list[Any]) -> list[str]:
    """The cause of each gap (same order as ``gaps``).

    Examples
    --------
    >>> from graph.subgraph import build_account_graph
    >>> from graph.analysis.gaps import find_gaps
    >>> G = build_account_graph("G", accounts=[{"id": "G", "name": "Group"},
    ...     {"id": "S", "name": "Sub", "parent_id": "G"}], departments=[],
    ...     contacts=[{"id": "g", "account_id": "G", "name": "Gu", "stance": 1, "reports_to": None},
    ...               {"id": "s", "account_id": "S", "name": "Su", "roles": ("decider",), "stance": 0,
    ...                "level": "executive", "reports_to": None}],
    ...     team=[{"id": "T", "name": "Tom", "role": "account_manager", "accounts": ("G",)}],
    ...     relationships=[{"team_id": "T", "contact_id": "g", "strength": 0.8}], influence=[],
    ...     opportunities=[], opportunity_members=[])
    >>> [(g.type, g.cause) for g in find_gaps(G)]  # doctest: +NORMALIZE_WHITESPACE
    [('uncovered_decider', 'subsidiary:S'), ('no_coach', 'account:G'), ('single_threaded', 'person:g'),
     ('no_executive_peer', 'subsidiary:S'), ('untouched_subsidiary', 'subsidiary:S')]
    """
    untouched = [g for g in gaps if g.type == "untouched_subsidiary"]
    parts = [(f"{SUBSIDIARY}:{u.accounts[0]}", set(u.accounts)) for u in untouched]
    causes = []
    for gap in gaps:
        if gap.type == "untouched_subsidiary":
            causes.append(f"{SUBSIDIARY}:{gap.accounts[0]}")
            continue
        inside = next((cause for cause, accounts in parts if _lies_in(G, gap, accounts)), None)
        causes.append(inside or ":".join(gap_subject(gap)))
    return causes


def cause_counts(gaps: list[Any]) -> dict[str, int]:
    """How many gaps follow from each cause, the causes with most gaps first (then by name)."""
    counts: dict[str, int] = {}
    for gap in gaps:
        counts[gap.cause] = counts.get(gap.cause, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def gap_subject(gap: _GapLike) -> tuple[str, str]:
    """Whom a gap is about: its opportunity, its first person (the one we depend on, for
    "losing X would cut…"; an overdue plan action's contact, whatever deal it serves; the
    person who moved or left), or else its account."""
    if gap.opportunity and gap.type not in ("plan_overdue", "people_change"):
        return ("opportunity", gap.opportunity)
    if gap.type == "missing_line" or not gap.contacts or (gap.type == "cadence_breach" and len(gap.contacts) > 1):
        return ("account", gap.accounts[0] if gap.accounts else "")
    return ("person", gap.contacts[0])


def _contact_accounts(G: nx.MultiDiGraph, gap: _GapLike) -> set[str]:
    return {G.nodes[k].get("account_id") for c in gap.contacts if (k := node_key(NodeKind.CONTACT, c)) in G}


def _lies_in(G: nx.MultiDiGraph, gap: _GapLike, parts: set[str]) -> bool:
    """True when the gap's accounts, or else all its people, are in ``parts``."""
    where = set(gap.accounts) or _contact_accounts(G, gap)
    if gap.opportunity and node_key(NodeKind.OPPORTUNITY, gap.opportunity) in G:
        where.add(G.nodes[node_key(NodeKind.OPPORTUNITY, gap.opportunity)].get("account_id"))
    return bool(where) and where <= parts
