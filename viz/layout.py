"""Computed positions (server-side) for the network maps (influence, decision unit), so
a map reads left to right, not as a hairball; label widths count CJK characters double.
The org chart is laid out by the page itself, as person cards (:mod:`viz.cards`).
"""

from __future__ import annotations

__all__ = ["label_width", "column_positions"]


def label_width(*lines: str | None) -> float:
    """Pixel width of a label at vis-network's default 14px font (CJK glyphs ≈ 2 Latin)."""
    widest = 0.0
    for line in lines:
        if line:
            widest = max(widest, sum(14.5 if ord(ch) > 0x2E80 else 7.5 for ch in line))
    return max(widest + 16, 60)


def column_positions(columns: list[list[str]], *, widths: dict[str, float], dx: float = 320,
                     dy: float = 70, max_rows: int = 0) -> dict[str, tuple[float, float]]:
    """Nodes in vertical columns, left to right, each column centred on y = 0; a column
    of more than ``max_rows`` nodes (when given) wraps into several side by side."""
    if max_rows:
        columns = [column[i:i + max_rows] for column in columns for i in range(0, max(len(column), 1), max_rows)]
    at = {}
    for i, column in enumerate(columns):
        top = -(len(column) - 1) * dy / 2
        for j, key in enumerate(column):
            at[key] = (round(i * dx, 1), round(top + j * dy, 1))
    return at
