"""Fast strongest-path reach over an account's reach edges, for the analyses that ask it many times.

:meth:`Reach.of` builds the SciPy sparse matrix of edge costs straight from the reach
edges (:func:`graph.analysis._views.reach_edges`, no NetworkX graph in between) — once
per account within a :func:`graph.analysis._views.shared` block — and answers "what do
we reach from here, and what if we lose this person" with SciPy's C Dijkstra.
Measured on a 500-contact account: the gap report's ~25 reach queries took 36 ms with
``networkx.single_source_dijkstra``; see ``bench/analysis_bench.py``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from itertools import chain
from operator import itemgetter
from typing import Any

import networkx as nx
import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from graph.analysis import _views as v

__all__ = ["Reach"]

_EPS = 1e-12  # SciPy drops explicit zeros: a cost-0 edge becomes a tiny positive cost


class Reach:
    """Strongest-path distances (``cost`` = -log strength) from one source, within ``cutoff``."""

    def __init__(self, nodes: list[str], matrix: csr_matrix, source: str, cutoff: float = float("inf"), *,
                 strengths: dict[tuple[str, str], float] | None = None,
                 index: dict[str, int] | None = None, shared: dict[Any, Any] | None = None):
        self.nodes = nodes
        self.index = index if index is not None else {n: i for i, n in enumerate(nodes)}
        self.source, self.cutoff = self.index[source], cutoff
        self.matrix = matrix
        self._strengths = strengths
        self._solved: tuple[np.ndarray, np.ndarray] | None = None  # (dist, pred), when first asked
        self._without: dict[str, np.ndarray] = {}
        # what is derived from the matrix alone (the in-edges; per hops, what each source
        # reaches within them): shared by the Reaches over the account's matrix (Reach.of)
        # within a shared() block; None for a matrix of this Reach's own
        self._shared = shared
        self._near: dict[Any, dict[str, set[str]]] = {}  # ("near", hops) → source → within them, when not shared

    @property
    def dist(self) -> np.ndarray:
        """Cost of the strongest path from the source to each node (inf beyond the cutoff)."""
        return self._solve()[0]

    @property
    def _pred(self) -> np.ndarray:
        return self._solve()[1]

    def _solve(self) -> tuple[np.ndarray, np.ndarray]:
        """Dijkstra from the source, run when first needed (coach reach asks only :meth:`within`)."""
        if self._solved is None:
            self._solved = dijkstra(self.matrix, indices=self.source, limit=self.cutoff, return_predecessors=True)
        return self._solved

    @classmethod
    def of(cls, G: nx.MultiDiGraph, source: str = v.US, cutoff: float = float("inf"), *,
           reports_to_weight: float = v.REPORTS_TO_WEIGHT) -> Reach:
        """The reach over ``G``'s reach edges (see :func:`graph.analysis._views.reach_graph`)."""
        nodes, matrix, index, shared = v._memo(G, ("reach matrix", reports_to_weight),
                                                lambda: _matrix(G, reports_to_weight))
        return cls(nodes, matrix, source, cutoff, index=index, shared=shared)

    def strength(self, u: str, w: str) -> float:
        """The strength of the reach edge u → w (0 when there is none)."""
        strengths = self._edge_strengths()
        return strengths.get((u, w), 0.0) if strengths is not None else 0.0

    def _edge_strengths(self) -> dict[tuple[str, str], float] | None:
        """(u, w) → strength of each reach edge: given, or made from the shared matrix's edges
        when first asked (only next moves ask)."""
        if self._strengths is None and self._shared is not None and "rows" in self._shared:
            if "strengths" not in self._shared:
                nodes, rows = self._shared["rows"]
                self._shared["strengths"] = {(u, w): s for u, row in zip(nodes, rows) for w, (s, _) in row.items()}
            self._strengths = self._shared["strengths"]
        return self._strengths

    def with_room_for(self, pairs: Iterable[tuple[str, str]]) -> Reach:
        """The same reach over a matrix that has a place for each edge ``(u, v)`` of ``pairs``
        it lacks, at infinite cost (no edge: with a finite cutoff Dijkstra never takes it),
        so that :meth:`with_edges` on it only sets costs: no matrix is rebuilt per candidate.
        The places are in the matrix's sorted order, so the finite edges are relaxed in the
        same order as without them and the answers are the same."""
        if not math.isfinite(self.cutoff):
            return self
        edges = self._edge_strengths() or {}
        missing = sorted({(self.index[u], self.index[w]) for u, w in pairs if (u, w) not in edges})
        if not missing:
            return self
        rows, cols = zip(*missing)
        coo = self.matrix.tocoo()
        matrix = csr_matrix((np.concatenate([coo.data, np.full(len(rows), np.inf)]),
                             (np.concatenate([coo.row, rows]), np.concatenate([coo.col, cols]))),
                            shape=self.matrix.shape)
        return Reach(self.nodes, matrix, self.nodes[self.source], self.cutoff, strengths=self._edge_strengths(),
                     index=self.index)

    def with_edges(self, edges: Iterable[tuple[str, str, float]]) -> Reach:
        """A new Reach over the same graph plus edges ``(u, v, cost)`` (an existing edge, or a
        place made by :meth:`with_room_for`, takes the new cost; the graph itself is not changed)."""
        matrix = self.matrix.copy()
        rows, cols, costs = [], [], []
        for u, v, cost in edges:
            r, c = self.index[u], self.index[v]
            start, end = matrix.indptr[r], matrix.indptr[r + 1]
            hit = np.flatnonzero(matrix.indices[start:end] == c)
            if hit.size:  # an existing edge: new cost in place
                matrix.data[start + hit[0]] = cost + _EPS
            else:
                rows.append(r), cols.append(c), costs.append(cost + _EPS)
        if rows:  # new edges: rebuilt from coordinates (much cheaper than a LIL round trip)
            coo = matrix.tocoo()
            matrix = csr_matrix((np.concatenate([coo.data, costs]), (np.concatenate([coo.row, rows]),
                                 np.concatenate([coo.col, cols]))), shape=matrix.shape)
        return Reach(self.nodes, matrix, self.nodes[self.source], self.cutoff, strengths=self._edge_strengths(),
                     index=self.index)

    def reached(self) -> set[str]:
        """Nodes reached within the cutoff (the source excluded)."""
        reached = np.isfinite(self.dist)
        reached[self.source] = False
        return set(np.asarray(self.nodes, dtype=object)[reached].tolist())

    def path(self, node: str) -> list[str]:
        """The strongest path from the source to ``node`` (empty when not reached)."""
        i = self.index.get(node)
        if i is None or not np.isfinite(self.dist[i]):
            return []
        out, pred = [], self._pred
        while i >= 0:
            out.append(self.nodes[i])
            i = pred[i]
        return out[::-1]

    def _mask_without(self, node: str) -> np.ndarray:
        if node not in self._without:
            k = self.index[node]
            data, start, end = self.matrix.data, self.matrix.indptr[k], self.matrix.indptr[k + 1]
            saved = data[start:end].copy()
            data[start:end] = np.inf  # the lost one carries nothing (restored below)
            try:
                dist = dijkstra(self.matrix, indices=self.source, limit=self.cutoff)
            finally:
                data[start:end] = saved
            dist[k] = np.inf
            self._without[node] = np.isfinite(dist)
        return self._without[node]

    def without(self, node: str) -> set[str]:
        """What is still reached when ``node`` is lost."""
        mask = self._mask_without(node)
        return {self.nodes[i] for i in np.flatnonzero(mask) if i != self.source}

    def still_reaches(self, lost: str, nodes: Iterable[str]) -> bool:
        """True when any of ``nodes`` is still reached once ``lost`` is lost."""
        mask = self._mask_without(lost)
        return any(mask[self.index[n]] for n in nodes)

    def cuts(self, lost: str, node: str) -> bool:
        """True when ``node`` is no longer reached once ``lost`` is lost: the same answer as
        ``not still_reaches(lost, (node,))``, without a Dijkstra run when a detour is in sight
        (see :meth:`_detour`)."""
        if lost not in self._without and self._detour(self.index[lost], self.index[node]):
            return False
        return not self.still_reaches(lost, (node,))

    def _detour(self, k: int, i: int) -> bool:
        """True when node ``i`` is surely still reached without node ``k``: its strongest path
        avoids ``k``, or the strongest path of one of its in-neighbours ``j`` does and the step
        j → i stays strictly within the cutoff (looked up for the account's shared matrix only).
        (Losing ``k`` only cuts ``k``'s out-edges, so such a path keeps its cost, computed by
        the same additions: Dijkstra reaches ``i``.) False means "run Dijkstra", not "cut"."""
        dist = self.dist
        if i == k or not math.isfinite(dist[i]):
            return False
        if not self._through(i, k):
            return True
        if self._shared is None:  # a matrix of its own (next moves' candidates): no in-edges at hand
            return False
        if "incoming" not in self._shared:
            self._shared["incoming"] = self.matrix.tocsc()  # in-edges by column
        incoming = self._shared["incoming"]
        start, end = incoming.indptr[i], incoming.indptr[i + 1]
        for j, cost in zip(incoming.indices[start:end].tolist(), incoming.data[start:end].tolist()):
            if j != k and dist[j] + cost < self.cutoff and not self._through(j, k):
                return True
        return False

    def _through(self, i: int, k: int) -> bool:
        """True when our strongest path to node ``i`` (a reached node) passes node ``k``."""
        pred = self._pred
        while i >= 0:
            if i == k:
                return True
            i = pred[i]
        return False

    def within(self, sources: Iterable[str], hops: int) -> dict[str, set[str]]:
        """For each source node, the nodes within ``hops`` edges (any strength). The sets are
        shared by every Reach over the same matrix in a :func:`~graph.analysis._views.shared`
        block (the gap report's coaches and a roll-up's): read them, do not change them."""
        sources = list(sources)
        known = (self._near if self._shared is None else self._shared).setdefault(("near", hops), {})
        todo = [s for s in dict.fromkeys(sources) if s not in known]
        if todo:
            matrix = self.matrix
            if not np.isfinite(matrix.data).all():  # places made by with_room_for are no edges
                matrix = matrix.copy()
                matrix.data[~np.isfinite(matrix.data)] = 0
                matrix.eliminate_zeros()
            dist = np.atleast_2d(dijkstra(matrix, indices=[self.index[s] for s in todo], unweighted=True,
                                          limit=hops))
            names = np.asarray(self.nodes, dtype=object)
            for s, row in zip(todo, np.isfinite(dist)):  # one Dijkstra call for every source
                known[s] = set(names[row].tolist())
        return {s: known[s] for s in sources}


def _matrix(G: nx.MultiDiGraph, reports_to_weight: float) -> tuple[list[str], csr_matrix, dict, dict]:
    nodes, rows = v.reach_rows(G, reports_to_weight=reports_to_weight)
    index = {n: i for i, n in enumerate(nodes)}
    size = len(nodes)
    # the rows are the reach edges by start node, in node order, one per (u, w): CSR straight
    # away (C-level maps, no Python loop per edge), columns sorted in each row as a
    # COO → CSR conversion leaves them; the costs are -log(min(s, 1)) + _EPS
    indptr = np.zeros(size + 1, dtype=np.int32)
    np.cumsum(np.fromiter(map(len, rows), dtype=np.int64, count=size), out=indptr[1:])
    n_edges = int(indptr[-1])
    cols = np.fromiter(map(index.__getitem__, chain.from_iterable(rows)), dtype=np.int32, count=n_edges)
    strengths = np.fromiter(map(itemgetter(0), chain.from_iterable(map(dict.values, rows))), dtype=float,
                            count=n_edges)
    costs = -np.fromiter(map(math.log, np.minimum(strengths, 1.0).tolist()), dtype=float, count=n_edges) + _EPS
    matrix = csr_matrix((costs, cols, indptr), shape=(size, size))
    matrix.sort_indices()
    return nodes, matrix, index, {"rows": (nodes, rows)}
