"""Influence ranking: who really matters in an account, formally and informally.

* **formal**: position in the org chart — PageRank over reporting lines (authority flows
  up to managers), blended half and half with the level a title implies. Where the
  account has no reporting lines at all (a law firm's partners and associates, an
  account whose org chart was never entered) the level alone is the formal part.
* **informal**: how much others listen to them — the weighted number of people they
  influence (advice, friendship, ally edges; rival edges left out). In an advice network
  this is the classic prominence: being the one people go to.

Both are scaled to 0..1 (the top person scores 1, the lowest 0) and the score is their
weighted mean. A *hidden influencer* is sought informally (top tenth, and at least 0.3)
while their formal standing is low: in the bottom half (at or below the median) and
below the top, so nobody at the top of the org chart (a partner among partners, where
half the firm shares the top score) is ever "hidden". A *broker* sits on
many shortest paths between others along the **directed** network of who listens to whom
(influence edges and reporting lines, each pointing from the one influenced to the
influencer): someone who asks everyone but is asked by few carries nothing between others
and is no broker (betweenness in the top tenth of the people who have any; estimated from
32 sampled sources in accounts larger than that). People with the same score say so in
``tied_with`` rather than being ordered silently by their id.
"""

from __future__ import annotations

from typing import Any

import networkx as nx
import numpy as np
from scipy.sparse import coo_array, dia_array

from graph.analysis._betweenness import betweenness
from graph.analysis._views import contacts
from graph.subgraph import EdgeType, split_key
from graph.vocabulary import InfluenceKind, Level

__all__ = ["influence_ranking"]

HIDDEN_INFORMAL_FLOOR = 0.3
#: At most this many ids are listed in ``tied_with`` (``tied_count`` has them all).
TIES_LISTED = 10
#: Betweenness is estimated from this many source nodes (exact for smaller accounts).
BETWEENNESS_SAMPLE = 32
_LEVEL_SCORE = {Level.EXECUTIVE.value: 1.0, Level.DIRECTOR.value: 0.66, Level.MANAGER.value: 0.33,
                Level.STAFF.value: 0.0}


def influence_ranking(G: nx.MultiDiGraph, *, top: int | None = None, formal_share: float = 0.5,
                      brokers: bool = True) -> list[dict[str, Any]]:
    """Rank an account's contacts by combined formal and informal influence.

    Parameters
    ----------
    G : MultiDiGraph
        An account subgraph.
    top : int, optional
        Keep only the first ``top`` people.
    formal_share : float
        Weight of the formal part in the score (the informal part gets the rest).
    brokers : bool
        Compute betweenness and flag brokers (the slowest part; off, both are 0/False).

    Returns
    -------
    list of dict
        ``id``, ``name``, ``title``, ``formal``, ``informal``, ``score``,
        ``hidden_influencer``, ``broker``, ``betweenness``, highest score first (ties by
        id), and ``tied_with``: the ids of the others with the same (rounded) score, at
        most :data:`TIES_LISTED` of them, with ``tied_count`` saying how many there are.

    Examples
    --------
    >>> from graph.subgraph import build_account_graph
    >>> people = [{"id": i, "account_id": "A", "name": i, "reports_to": r, "level": l}
    ...           for i, r, l in [("ceo", None, "executive"), ("eng", "ceo", "staff"), ("ops", "ceo", "staff")]]
    >>> G = build_account_graph("A", accounts=[{"id": "A", "name": "A"}], departments=[], contacts=people,
    ...     team=[], relationships=[], opportunities=[], opportunity_members=[],
    ...     influence=[{"source_id": "eng", "target_id": "ceo", "weight": 1.0, "kind": "advice"},
    ...                {"source_id": "eng", "target_id": "ops", "weight": 1.0, "kind": "advice"}])
    >>> [(r["id"], r["formal"], r["informal"]) for r in influence_ranking(G)][:2]
    [('ceo', 1.0, 0.0), ('eng', 0.0, 1.0)]
    """
    people = contacts(G)
    if not people:
        return []
    own = set(people)
    # who reports to whom and who listens to whom, as ordered adjacency (a successor once,
    # at its first place: what a DiGraph built from the same edges would hold)
    reports: dict[str, dict[str, None]] = {p: {} for p in people}
    listens: dict[tuple[str, str], float] = {}  # (influenced, influencer) → the strongest weight, first seen first
    # networkx's own adjacency dicts (read only): its views cost more than the work here
    succ, node = G._succ, G._node
    reports_to, influences, rival = EdgeType.REPORTS_TO, EdgeType.INFLUENCES, InfluenceKind.RIVAL.value
    for u in people:  # the edges among our people, in G.edges() order
        for v, keyed in succ[u].items():
            if v not in own:
                continue
            for d in keyed.values():
                if d["type"] == reports_to:
                    reports[u][v] = None  # authority flows up to the manager
                elif d["type"] == influences and d.get("influence_kind") != rival:
                    w = d.get("weight")
                    w = 0.5 if w is None else float(w)
                    if w > 0:  # the influenced points at the influencer
                        listens[(v, u)] = max(listens.get((v, u), 0.0), w)
    heard: dict[str, list[float]] = {p: [] for p in people}
    asks: dict[str, dict[str, None]] = {p: {} for p in people}
    for (v, u), w in listens.items():
        heard[u].append(w)
        asks[v][u] = None
    level = {p: _LEVEL_SCORE.get(node[p].get("level"), 0.0) for p in people}
    if any(reports.values()):
        position = _scaled(_pagerank(people, reports))
        formal = _scaled({p: 0.5 * position[p] + 0.5 * level[p] for p in people})
    else:  # no org chart entered: seniority from the level is all the formal standing there is
        formal = _scaled(level)
    informal = _scaled({p: sum(heard[p]) for p in people})  # weighted in-degree, summed in edge order
    betweenness = _listening_betweenness(reports, asks) if len(people) > 2 and brokers \
        else {p: 0.0 for p in people}
    positive = sorted(b for b in betweenness.values() if b > 0)
    broker_line = positive[int(len(positive) * 0.9)] if positive else float("inf")
    informal_line = max(_quantile(informal.values(), 0.9), HIDDEN_INFORMAL_FLOOR)
    formal_line, formal_top = _quantile(formal.values(), 0.5), max(formal.values())
    rows = []
    for p in people:
        score = formal_share * formal[p] + (1 - formal_share) * informal[p]
        rows.append({
            "id": split_key(p)[1], "name": node[p].get("name"), "title": node[p].get("title"),
            "formal": round(formal[p], 4), "informal": round(informal[p], 4), "score": round(score, 4),
            "hidden_influencer": informal[p] > 0 and informal[p] >= informal_line
            and formal[p] <= formal_line and formal[p] < formal_top,
            "broker": betweenness[p] > 0 and betweenness[p] >= broker_line,
            "betweenness": round(betweenness[p], 4),
        })
    rows.sort(key=lambda r: (-r["score"], r["id"]))
    _mark_ties(rows)
    return rows[:top] if top else rows


def _listening_betweenness(reports: dict[str, dict], asks: dict[str, dict]) -> dict[str, float]:
    """Betweenness along who listens to whom (the one influenced points at the influencer:
    reporting lines, then influence), people in sorted order so that the sampled sources do
    not depend on import order. Exactly ``nx.betweenness_centrality(listening, k=…, seed=0)``
    of that graph (see :mod:`graph.analysis._betweenness`), without building it."""
    people = sorted(reports)
    index = {p: i for i, p in enumerate(people)}
    successors = []
    for p in people:
        formal = reports[p]
        successors.append([index[q] for q in formal] + [index[q] for q in asks[p] if q not in formal])
    values = betweenness(successors, k=min(len(people), BETWEENNESS_SAMPLE), seed=0)
    return dict(zip(people, values.tolist()))


def _pagerank(nodes: list[str], successors: dict[str, dict], alpha: float = 0.85, max_iter: int = 100,
              tol: float = 1.0e-6) -> dict[str, float]:
    """``nx.pagerank`` of the directed graph ``nodes`` / ``successors`` (unweighted), step for
    step NetworkX's SciPy power iteration on the same matrix — the same floats, without
    building the graph (tests/test_analysis_properties.py checks the equality)."""
    n = len(nodes)
    index = {p: i for i, p in enumerate(nodes)}
    rows = [index[u] for u in nodes for _ in successors[u]]
    cols = [index[v] for u in nodes for v in successors[u]]
    A = coo_array((np.ones(len(rows)), (rows, cols)), shape=(n, n), dtype=float).asformat("csr")
    S = A.sum(axis=1)
    S[S != 0] = 1.0 / S[S != 0]
    A = dia_array((S.T, 0), shape=A.shape).tocsr() @ A
    x = np.repeat(1.0 / n, n)
    p = np.repeat(1.0 / n, n)
    is_dangling = np.where(S == 0)[0]
    for _ in range(max_iter):
        xlast = x
        x = alpha * (x @ A + sum(x[is_dangling]) * p) + (1 - alpha) * p
        if np.absolute(x - xlast).sum() < n * tol:
            return dict(zip(nodes, map(float, x)))
    raise nx.PowerIterationFailedConvergence(max_iter)


def _mark_ties(rows: list[dict[str, Any]]) -> None:
    """``tied_with`` / ``tied_count`` on rows sorted by score: the others with the same score."""
    start = 0
    while start < len(rows):
        end = start
        while end < len(rows) and rows[end]["score"] == rows[start]["score"]:
            end += 1
        group = [r["id"] for r in rows[start:end]]
        for r in rows[start:end]:
            others = [i for i in group if i != r["id"]]
            r["tied_with"], r["tied_count"] = others[:TIES_LISTED], len(others)
        start = end


def _scaled(values: dict[str, float]) -> dict[str, float]:
    low, high = min(values.values()), max(values.values())
    span = high - low
    return {k: (v - low) / span if span > 0 else 0.0 for k, v in values.items()}


def _quantile(values, q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] if ordered else 0.0
