"""Computed positions (server-side), so a map reads like an org chart, not a hairball.

Org chart: each account is a block — its top people centred on top, then its
departments side by side (purchasing, design, user first), each a tidy tree by reporting
line, long lists of people without reports stacked in two columns under their manager;
sub-accounts' blocks sit in a row under their parent's. Node widths come from the label
(CJK characters count double), so labels never overlap at the chart's own scale.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx

from graph.subgraph import EdgeType, NodeKind, node_key

__all__ = ["label_width", "org_positions", "column_positions"]

_DY = 80          # vertical distance between levels
_GAP = 24         # horizontal gap between neighbours
_BLOCK_GAP = 100  # between account blocks
_STACK_AFTER = 3  # more leaf reports than this are stacked in two columns
_MAX_ROW = 3600   # sub-account blocks wrap into rows about this wide
_DEPARTMENT_ORDER = {"purchasing": 0, "design": 1, "user": 2, "quality": 3, "logistics": 4, "finance": 5,
                     "other": 6, "management": 7}


def label_width(*lines: str | None) -> float:
    """Pixel width of a label at vis-network's default 14px font (CJK glyphs ≈ 2 Latin)."""
    widest = 0.0
    for line in lines:
        if line:
            widest = max(widest, sum(14.5 if ord(ch) > 0x2E80 else 7.5 for ch in line))
    return max(widest + 16, 60)


@dataclass
class _Box:
    """A laid-out piece: positions relative to its top-left corner."""

    width: float = 0.0
    height: float = 0.0
    at: dict[str, tuple[float, float]] = field(default_factory=dict)

    def place(self, other: _Box, dx: float, dy: float) -> None:
        for key, (x, y) in other.at.items():
            self.at[key] = (x + dx, y + dy)


def _tree(root: str, children: dict[str, list[str]], width: dict[str, float]) -> _Box:
    kids = children.get(root, [])
    leaves = [k for k in kids if not children.get(k)]
    inner = [k for k in kids if children.get(k)]
    box = _Box()
    parts: list[_Box] = [_tree(k, children, width) for k in inner]
    if len(leaves) > _STACK_AFTER:  # a long list of reports: two stacked columns
        stack = _Box()
        half = (len(leaves) + 1) // 2
        col_w = max(width[k] for k in leaves)
        for i, k in enumerate(leaves):
            col, row = divmod(i, half)
            stack.at[k] = (col * (col_w + _GAP) + col_w / 2, row * (_DY * 0.6))
        stack.width = 2 * col_w + _GAP if len(leaves) > 1 else col_w
        stack.height = half * _DY * 0.6
        parts.insert(0, stack)
    else:
        parts = [_tree(k, children, width) for k in leaves] + parts
    span = sum(p.width for p in parts) + _GAP * max(0, len(parts) - 1)
    box.width = max(width[root], span)
    x = (box.width - span) / 2
    for part in parts:
        box.place(part, x, _DY)
        x += part.width + _GAP
    box.at[root] = (box.width / 2, 0.0)
    box.height = _DY + max((p.height for p in parts), default=0.0)
    return box


def _row(boxes: list[_Box], gap: float) -> _Box:
    row = _Box()
    x = 0.0
    for b in boxes:
        row.place(b, x, 0)
        x += b.width + gap
        row.height = max(row.height, b.height)
    row.width = max(0.0, x - gap)
    return row


def _grid(boxes: list[_Box], width: float) -> _Box:
    """Boxes in rows no wider than ``width`` (at least one box a row), rows stacked."""
    rows: list[list[_Box]] = [[]]
    used = 0.0
    for box in boxes:
        if rows[-1] and used + _BLOCK_GAP + box.width > width:
            rows.append([])
            used = 0.0
        used += box.width + (_BLOCK_GAP if rows[-1] else 0)
        rows[-1].append(box)
    out = _Box()
    for row in rows:
        out = _stack(out, _row(row, _BLOCK_GAP), _DY) if out.at else _row(row, _BLOCK_GAP)
    return out


def _stack(top: _Box, below: _Box, gap: float) -> _Box:
    out = _Box(width=max(top.width, below.width))
    out.place(top, (out.width - top.width) / 2, 0)
    out.place(below, (out.width - below.width) / 2, top.height + gap)
    out.height = top.height + gap + below.height
    return out


def org_positions(G: nx.MultiDiGraph, *, widths: dict[str, float] | None = None,
                  collapsed: set[str] | None = None) -> dict[str, tuple[float, float]]:
    """Positions of contacts, team members and (when collapsed) department nodes.

    Parameters
    ----------
    G : MultiDiGraph
        An account subgraph.
    widths : dict, optional
        Node width by key (default: from name and title).
    collapsed : set of str, optional
        Department keys drawn as one node instead of their people.
    """
    collapsed = collapsed or set()
    widths = dict(widths or {})
    nodes = G.nodes
    for key, d in nodes(data=True):
        if key not in widths:
            widths[key] = label_width(d.get("name"), d.get("title"))
    accounts = {k for k, d in nodes(data=True) if d["kind"] == NodeKind.ACCOUNT}
    sub_accounts: dict[str, list[str]] = {}
    for a in accounts:
        parent = node_key(NodeKind.ACCOUNT, nodes[a].get("parent_id") or "")
        if parent in accounts:
            sub_accounts.setdefault(parent, []).append(a)
    people: dict[str, list[str]] = {a: [] for a in accounts}
    externals = []
    for key, d in nodes(data=True):
        if d["kind"] == NodeKind.CONTACT:
            home = node_key(NodeKind.ACCOUNT, d.get("account_id") or "")
            (people[home] if home in people else externals).append(key)
    manager = {u: v for u, v, k in G.edges(keys=True) if k == EdgeType.REPORTS_TO}

    def department_of(c: str) -> str | None:
        dep = nodes[c].get("department_id")
        return node_key(NodeKind.DEPARTMENT, dep) if dep else None

    def block(account: str) -> _Box:
        members = sorted(people[account])
        inside = set(members)
        tops = [c for c in members if manager.get(c) not in inside and
                (nodes[c].get("level") == "executive" or _kind(G, department_of(c)) == "management")]
        top_set = set(tops)
        columns: dict[str | None, list[str]] = {}
        for c in members:
            if c not in top_set:
                columns.setdefault(department_of(c), []).append(c)
        column_boxes = []
        for dep in sorted(columns, key=lambda d: (_DEPARTMENT_ORDER.get(_kind(G, d), 8), str(d))):
            if dep in collapsed:
                box = _Box(width=widths.get(dep, 120), height=_DY)
                box.at[dep] = (box.width / 2, 0.0)
                column_boxes.append(box)
                continue
            in_column = set(columns[dep])
            children: dict[str, list[str]] = {}
            roots = []
            for c in sorted(in_column):
                m = manager.get(c)
                if m in in_column:
                    children.setdefault(m, []).append(c)
                else:
                    roots.append(c)
            column_boxes.append(_row([_tree(r, children, widths) for r in roots], _GAP))
        body = _row(column_boxes, _GAP * 3)
        head = _row([_tree(t, {}, widths) for t in tops], _GAP) if tops else _Box()
        me = _stack(head, body, _DY * 0.4) if tops else body
        kids = [block(k) for k in sorted(sub_accounts.get(account, []))]
        return _stack(me, _grid(kids, max(me.width, _MAX_ROW)), _DY * 1.5) if kids else me

    root = G.graph["root"]
    chart = block(root)
    team = sorted(k for k, d in nodes(data=True) if d["kind"] == NodeKind.TEAM)
    lead = _row([_tree(t, {}, widths) for t in team + sorted(externals)], _GAP * 2)
    whole = _stack(lead, chart, _DY * 1.2) if lead.at else chart
    return {k: (round(x - whole.width / 2, 1), round(y, 1)) for k, (x, y) in whole.at.items()}


def _kind(G: nx.MultiDiGraph, department: str | None) -> str | None:
    return G.nodes[department].get("department_kind") if department and department in G else None


def column_positions(columns: list[list[str]], *, widths: dict[str, float], dx: float = 320,
                     dy: float = 70) -> dict[str, tuple[float, float]]:
    """Nodes in vertical columns, left to right, each column centred on y = 0."""
    at = {}
    for i, column in enumerate(columns):
        top = -(len(column) - 1) * dy / 2
        for j, key in enumerate(column):
            at[key] = (round(i * dx, 1), round(top + j * dy, 1))
    return at
