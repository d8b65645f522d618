"""Betweenness on a sparse adjacency: NetworkX's Brandes algorithm, step for step, in SciPy.

:func:`betweenness` returns exactly (bit for bit) what
``networkx.betweenness_centrality(G, k=k, seed=seed)`` returns for an unweighted
directed graph whose nodes are ``0 .. n-1`` with the successors listed in ``successors``
(in the graph's adjacency order): the same sampled sources (``random.Random(seed)``
samples them from the node list, as NetworkX does), the breadth-first order of
``scipy.sparse.csgraph.breadth_first_order`` (the same queue, the same neighbour order),
path counts that are whole numbers (exact in any order), and the dependencies summed for
each node in NetworkX's order — the successors on shortest paths taken farthest along
the breadth-first order first — so that no floating-point sum is reassociated.
tests/test_analysis_properties.py checks the equality against NetworkX on random graphs.
"""

from __future__ import annotations

import random

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import breadth_first_order, dijkstra

__all__ = ["betweenness"]


def betweenness(successors: list[list[int]], *, k: int | None = None, seed: int = 0) -> np.ndarray:
    """Normalised betweenness (endpoints excluded) of a directed graph, from ``k`` sampled
    sources (all nodes when ``k`` is None or ``len(successors)``)."""
    n = len(successors)
    out = np.zeros(n)
    if n == 0:
        return out
    lengths = np.fromiter((len(s) for s in successors), dtype=np.int64, count=n)
    indptr = np.concatenate([[0], np.cumsum(lengths)])
    indices = np.fromiter((w for s in successors for w in s), dtype=np.int32, count=int(indptr[-1]))
    A = csr_matrix((np.ones(indices.size), indices, indptr), shape=(n, n))
    if k == n:
        k = None
    sources = list(range(n)) if k is None else random.Random(seed).sample(range(n), k)
    if not indices.size:
        return _rescale(out, n, None if k is None else sources)
    heads = np.repeat(np.arange(n), lengths)
    m = len(sources)
    dist = np.atleast_2d(dijkstra(A, indices=sources, unweighted=True))  # (sources, n)
    position = np.full((m, n), n, dtype=np.int64)  # where each node comes in each source's BFS order
    for row, s in enumerate(sources):
        order = breadth_first_order(A, s, directed=True, return_predecessors=False)
        position[row, order] = np.arange(order.size)
    # the edges on shortest paths, for every source at once: one step farther from it; nodes
    # are numbered row * n + node so that the sources never mix
    on_path = np.isfinite(dist[:, heads]) & (dist[:, indices] == dist[:, heads] + 1)
    rows, edge = np.nonzero(on_path)
    v, w = rows * n + heads[edge], rows * n + indices[edge]
    level = dist[rows, heads[edge]].astype(np.int64)
    sigma = np.zeros(m * n)
    sigma[np.arange(m) * n + np.asarray(sources)] = 1.0
    depth = int(level.max()) + 1 if level.size else 0
    by_level = np.argsort(level, kind="stable")
    bounds = np.searchsorted(level[by_level], np.arange(depth + 1))
    for d in range(depth):  # path counts, level by level (whole numbers: any order is exact)
        step = by_level[bounds[d]:bounds[d + 1]]
        np.add.at(sigma, w[step], sigma[v[step]])
    delta = np.zeros(m * n)
    # NetworkX pops w from the end of the BFS order and adds to each of its predecessors v:
    # for one v, the w farther along the order come first (one sort: level, then that)
    by_pop = np.lexsort((-position.ravel()[w], level))
    for d in range(depth - 1, -1, -1):  # dependencies, farthest level first
        step = by_pop[bounds[d]:bounds[d + 1]]
        ws, vs = w[step], v[step]
        np.add.at(delta, vs, sigma[vs] * ((1 + delta[ws]) / sigma[ws]))
    delta = delta.reshape(m, n)
    for row, s in enumerate(sources):  # source by source, in the sampled order, as NetworkX adds
        delta[row, s] = 0.0
        out += delta[row]
    return _rescale(out, n, None if k is None else sources)


def _rescale(values: np.ndarray, n: int, sampled: list[int] | None) -> np.ndarray:
    """NetworkX's normalisation for directed graphs without endpoints (one multiplication each)."""
    N = n - 1
    if N < 2:
        return values
    if sampled is None:
        scale = 1 / (N * (N - 1))
        return values * scale if scale != 1 else values
    K = len(sampled)
    scale_source = 1 / ((K - 1) * (N - 1)) if K > 1 else float("nan")
    scales = np.full(n, 1 / (K * (N - 1)))
    scales[sampled] = scale_source
    return values * scales
