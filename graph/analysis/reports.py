"""The analyses as JSON-ready reports over a store: what the CLI's ``--json`` prints and
the HTTP API returns, from one place."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import networkx as nx

from graph.analysis import _views
from graph.analysis.cadence import CadencePolicy
from graph.analysis.causes import cause_counts
from graph.analysis.change import diff, snapshot_accounts, take_snapshot
from graph.analysis.competitors import competitor_lens
from graph.analysis.coverage import coach_coverage
from graph.analysis.divisions import division_view
from graph.analysis.gaps import find_gaps, gap_counts
from graph.analysis.next_moves import next_moves
from graph.analysis.outcome import decision_unit_outcome
from graph.analysis.paths import strongest_paths
from graph.analysis.portfolio import portfolio_gaps, portfolio_roots
from graph.analysis.posture import PosturePolicy, account_postures
from graph.analysis.ranking import influence_ranking
from graph.analysis.rollup import group_rollup
from graph.exceptions import OpportunityNotFound
from graph.store import GraphStore
from graph.subgraph import NodeKind, node_key

__all__ = ["paths_report", "coverage_report", "gaps_report", "portfolio_gaps_report", "influence_report",
           "outcome_report", "next_moves_report", "rollup_report", "snapshot_report", "snapshots_report",
           "diff_report", "snapshots_json", "top_account", "names_of", "opportunity_account", "paths_json", "coverage_json", "gaps_json", "influence_json",
           "outcome_json", "next_moves_json", "rollup_json", "posture_json", "posture_report",
           "competitors_json", "competitors_report", "divisions_json", "divisions_report"]


# ----- on a graph: the JSON the CLI prints and the API returns ---------------------------------
def paths_json(G: nx.MultiDiGraph, to: str, *, source: str | None = None, k: int = 3,
               reports_to_weight: float = 0.5) -> dict[str, Any]:
    found = strongest_paths(G, to, source=source, k=k, reports_to_weight=reports_to_weight)
    ids = [to, *([source] if source else []), *(x for p in found for s in p["steps"] for x in (s["from"], s["to"]))]
    return {"paths": found, "names": names_of(G, ids)}


def coverage_json(G: nx.MultiDiGraph, *, hops: int = 2) -> dict[str, Any]:
    report = coach_coverage(G, hops=hops)
    return {"account": G.graph["account_id"], **report,
            "names": names_of(G, [*report["coaches"], *report["deciders"], *report["by_opportunity"]])}


def names_of(G: nx.MultiDiGraph, ids) -> dict[str, str]:
    """id → "name (title)" of the given contacts, team members and opportunities (ids not
    in G are left out)."""
    names = {}
    for record in ids:
        for kind in (NodeKind.CONTACT, NodeKind.TEAM, NodeKind.OPPORTUNITY):
            key = node_key(kind, record)
            if key in G:
                names[record] = _views.name(G, key)
                break
    return names


def gaps_json(G: nx.MultiDiGraph, *, today: dt.date | None = None, **options: Any) -> dict[str, Any]:
    gaps = find_gaps(G, today=today, **options)
    return {"account": G.graph["account_id"], "gaps": [g.as_dict() for g in gaps],
            "counts": {**gap_counts(gaps), "by_cause": cause_counts(gaps)}}


def influence_json(G: nx.MultiDiGraph, *, top: int | None = None) -> dict[str, Any]:
    return {"ranking": influence_ranking(G, top=top)}


def outcome_json(G: nx.MultiDiGraph, opportunity_id: str, *, steps: int = 3) -> dict[str, Any]:
    return decision_unit_outcome(G, opportunity_id, steps=steps)


def next_moves_json(G: nx.MultiDiGraph, *, top: int = 5, today: dt.date | None = None,
                    cadence_policy: CadencePolicy | None = None, **options: Any) -> dict[str, Any]:
    stats: dict[str, int] = {}
    moves = next_moves(G, top=top, today=today, cadence_policy=cadence_policy, stats=stats, **options)
    return {"account": G.graph["account_id"], "moves": moves, **stats}


def rollup_json(G: nx.MultiDiGraph, *, today: dt.date | None = None,
                cadence_policy: CadencePolicy | None = None) -> dict[str, Any]:
    return group_rollup(G, today=today, cadence_policy=cadence_policy)


def posture_json(G: nx.MultiDiGraph, *, previous: tuple[str | None, dict[str, dict]] = (None, {}),
                 policy: PosturePolicy | None = None) -> dict[str, Any]:
    """Suggested beside entered posture of every account in G; ``previous``: a snapshot's
    label and accounts (:func:`~graph.analysis.change.snapshot_accounts`) for the trend."""
    label, before = previous
    rows = account_postures(G, policy=policy,
                            previous_share={a: r.get("share_of_wallet") for a, r in before.items()})
    for row in rows:
        row["previous_posture"] = before[row["id"]].get("posture") if row["id"] in before else None
    return {"account": G.graph["account_id"], "since": label, "accounts": rows, "counts": _posture_counts(rows)}


def _posture_counts(rows: list[dict[str, Any]]) -> dict[str, Any]:
    suggested: dict[str, int] = {}
    for row in rows:
        if row["suggested"]:
            suggested[row["suggested"]] = suggested.get(row["suggested"], 0) + 1
    return {"accounts": len(rows), "mismatches": sum(r["mismatch"] for r in rows), "by_suggested": suggested}


def competitors_json(G: nx.MultiDiGraph, *, opportunity: str | None = None, top: int = 5) -> dict[str, Any]:
    """The competitor lens of G, or of one opportunity's unit: its members' leanings, its
    deciders, and each rival's people among the members or holding its deciders (with
    ``opportunity``: the deal's row). Raises OpportunityNotFound for an opportunity not in G."""
    report = competitor_lens(G, top=top)
    if opportunity is None:
        return report
    deal = next((o for o in report["opportunities"] if o["id"] == opportunity), None)
    if deal is None:
        raise OpportunityNotFound(opportunity)
    members = set(_views.opportunity_members(G, node_key(NodeKind.OPPORTUNITY, opportunity)))
    ids = {k.split(":", 1)[1] for k in members}
    unit = {d["id"] for d in report["deciders"] if d["id"] in ids}
    rivals = []
    for rival in report["competitors"]:
        strongest = [{**p, "deciders": [d for d in p["deciders"] if d in unit]} for p in rival["strongest"]
                     if unit & set(p["deciders"])]
        contacts = [c for c in rival["contacts"] if c in ids]
        if contacts or strongest:
            rivals.append({**rival, "contacts": contacts, "deciders": [d for d in rival["deciders"] if d in ids],
                           "strongest": strongest})
    return {**report, "opportunity": deal, "competitors": rivals,
            "leaning": {c: r for c, r in report["leaning"].items() if c in ids},
            "deciders": [d for d in report["deciders"] if d["id"] in ids]}


def divisions_json(G: nx.MultiDiGraph) -> dict[str, Any]:
    """The division view of G (:func:`graph.analysis.divisions.division_view`)."""
    return division_view(G)


# ----- over a store ------------------------------------------------------------------------------


def top_account(store: GraphStore, account_id: str) -> str:
    """The top of the hierarchy ``account_id`` belongs to (itself when it has no parent)."""
    seen = {account_id}
    current = account_id
    while True:
        parent = store.parents("accounts", [current]).get(current)
        if parent is None or parent in seen:
            return current
        seen.add(parent)
        current = parent


def paths_report(store: GraphStore, account_id: str, to: str, **options: Any) -> dict[str, Any]:
    return paths_json(store.account_subgraph(account_id), to, **options)


def coverage_report(store: GraphStore, account_id: str, *, hops: int = 2) -> dict[str, Any]:
    return coverage_json(store.account_subgraph(account_id), hops=hops)


def gaps_report(store: GraphStore, account_id: str, *, today: dt.date | None = None,
                people_since: str | None = None, **options: Any) -> dict[str, Any]:
    """The gap report; ``people_since``: the snapshot moves are judged against (default the latest)."""
    return gaps_json(store.account_subgraph(account_id, as_of=today, people_since=people_since), today=today,
                     **options)


def portfolio_gaps_report(store: GraphStore, opener: Callable[[], GraphStore] | None = None, *,
                          today: dt.date | None = None, workers: int | None = None,
                          progress: Callable[[int, int], None] | None = None, **options: Any) -> dict[str, Any]:
    """Gaps of every top-level account, spread over worker processes (one per core by
    default), as one dict. ``opener`` opens the same store in a worker (it must be
    picklable); without it, or with one worker, everything runs here. To write a large
    portfolio without holding it, use :func:`graph.analysis.portfolio.portfolio_gaps`."""
    roots = portfolio_roots(store)
    gaps: list[dict[str, Any]] = []
    by_account: dict[str, int] = {}
    for done, (account, found) in enumerate(portfolio_gaps(store, opener, roots=roots, today=today,
                                                           workers=workers, **options), start=1):
        gaps.extend(found)
        if found:
            by_account[account] = len(found)
        if progress:
            progress(done, len(roots))
    return {"gaps": gaps, "counts": {"accounts": len(roots), "total": len(gaps), "by_account": by_account}}


def influence_report(store: GraphStore, account_id: str, *, top: int | None = None) -> dict[str, Any]:
    return influence_json(store.account_subgraph(account_id), top=top)


def opportunity_account(store: GraphStore, opportunity_id: str) -> str:
    """The account whose subgraph an opportunity's outcome is computed on: the top of its
    hierarchy, so members and influencers anywhere in the group count."""
    opportunity = store.get("opportunities", opportunity_id)
    if opportunity is None:
        raise OpportunityNotFound(opportunity_id)
    return top_account(store, opportunity.account_id)


def outcome_report(store: GraphStore, opportunity_id: str, *, steps: int = 3) -> dict[str, Any]:
    G = store.account_subgraph(opportunity_account(store, opportunity_id))
    return outcome_json(G, opportunity_id, steps=steps)


def next_moves_report(store: GraphStore, account_id: str, *, top: int = 5, today: dt.date | None = None,
                      cadence_policy: CadencePolicy | None = None, **options: Any) -> dict[str, Any]:
    return next_moves_json(store.account_subgraph(account_id, as_of=today), top=top, today=today,
                           cadence_policy=cadence_policy, **options)


def rollup_report(store: GraphStore, account_id: str, *, today: dt.date | None = None,
                  cadence_policy: CadencePolicy | None = None) -> dict[str, Any]:
    return rollup_json(store.account_subgraph(account_id, as_of=today), today=today, cadence_policy=cadence_policy)


def posture_report(store: GraphStore, account_id: str | None = None, *, since: str | None = None,
                   policy: PosturePolicy | None = None) -> dict[str, Any]:
    """The postures of one account and the parts below it or, with no account, of every
    top-level account's hierarchy; the trend against snapshot ``since`` (default: the latest)."""
    previous = snapshot_accounts(store, since)
    if account_id is not None:
        return posture_json(store.account_subgraph(account_id), previous=previous, policy=policy)
    rows = []
    for root in (a["id"] for a in store.list_accounts() if a["parent_id"] is None):
        rows += posture_json(store.account_subgraph(root), previous=previous, policy=policy)["accounts"]
    return {"account": None, "since": previous[0], "accounts": rows, "counts": _posture_counts(rows)}


def competitors_report(store: GraphStore, account_id: str, *, opportunity: str | None = None,
                       top: int = 5) -> dict[str, Any]:
    return competitors_json(store.account_subgraph(account_id), opportunity=opportunity, top=top)


def divisions_report(store: GraphStore, account_id: str) -> dict[str, Any]:
    return divisions_json(store.account_subgraph(account_id))


def snapshot_report(store: GraphStore, label: str) -> dict[str, Any]:
    return take_snapshot(store, label)


def snapshots_json(store: GraphStore) -> dict[str, Any]:
    return {"snapshots": store.list_snapshots()}


snapshots_report = snapshots_json


def diff_report(store: GraphStore, old: str, new: str) -> dict[str, Any]:
    return diff(store, old, new)
