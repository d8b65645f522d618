"""Parsing one column of an import: each distinct raw value read once by the parser the
model declares, the result kept so that every later check of :mod:`importers.validate`
(text rules, duplicate keys, references, cycles, departments) reuses it instead of hashing
a million cells again."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from graph.batch import storage_value
from graph.model import parse_id_list
from graph.vocabulary import parse_text

__all__ = ["ParsedColumn", "parse_column", "column_of"]

#: text values joined by single spaces, and whether that is printable (``str.isprintable``)
Joined = tuple[str, bool]

_ID_SEPARATOR = re.compile(r"[;,、，；|\s]")


def _id_list(raw: object) -> tuple[str, ...]:
    """:func:`parse_id_list` in storage form, at once for the usual cell: one plain id."""
    if type(raw) is str and raw and not _ID_SEPARATOR.search(raw):
        return (raw,)
    return storage_value(parse_id_list(raw))


class ParsedColumn:
    """One column's parsed cells, found once while parsing and read by every later check
    (text rules, keys, references, cycles), so that no check hashes a million cells again.

    A column of few distinct values is kept as ``codes`` into its distinct parsed
    ``values`` (``values[codes]`` is the column); one whose values are nearly all distinct
    (ids, names, e-mail addresses) as its cells, ``codes`` None: hashing them all to find
    the few repeats would cost more than every check on them. ``exact``: no two positions
    of ``values`` are equal. ``bad``: positions whose raw value did not parse.
    """

    __slots__ = ("codes", "values", "exact", "bad", "_blank", "joined")

    def __init__(self, codes: np.ndarray | None, values: np.ndarray, exact: bool, bad: set[int],
                 blank: np.ndarray | None = None, joined: Joined | None = None) -> None:
        self.codes, self.values, self.exact, self.bad = codes, values, exact, bad
        self._blank = blank  # pd.isna(values), once known
        #: text read as text: :meth:`distinct` joined by spaces and whether that is printable,
        #: found while trimming and kept for the text rules (which would join them again)
        self.joined = joined

    def cells(self) -> np.ndarray:
        return self.values if self.codes is None else self.values[self.codes]

    def blank_values(self) -> np.ndarray:
        if self._blank is None:
            self._blank = pd.isna(self.values)
        return self._blank

    def blank_positions(self) -> np.ndarray:
        return np.flatnonzero(self.blank_values())

    def blank_rows(self) -> np.ndarray | None:
        """A mask of the rows without a value, or None when every row has one."""
        blank = self.blank_values()
        if not blank.any():
            return None
        mask = blank if self.codes is None else np.isin(self.codes, np.flatnonzero(blank))
        return mask if mask.any() else None

    def distinct(self) -> np.ndarray:
        """The values that parsed, blanks left out: each once, or for a column kept as its
        cells, as often as they occur."""
        keep = ~self.blank_values()
        if self.bad:
            keep[list(self.bad)] = False
        values = self.values if keep.all() else self.values[keep]
        return values if self.exact or self.codes is None else pd.unique(pd.Series(values, dtype=object)).astype(object)

    def drop(self, keep: np.ndarray) -> None:
        self.joined = None
        if self.codes is None:
            self.values = self.values[keep]
            self._blank = None
        else:
            self.codes = self.codes[keep]


#: a column whose first cells are nearly all distinct is kept as its cells (see :class:`ParsedColumn`)
_SAMPLE, _MOSTLY_DISTINCT = 10_000, 0.9


def parse_column(values: np.ndarray, parser) -> tuple[ParsedColumn, dict[int, str]]:
    """Parse each distinct raw value once (each cell of a text column of nearly all
    distinct values); returns the column and the positions that failed with their messages."""
    text = parser is parse_text
    mostly_distinct = text and len(values) > _SAMPLE and len(pd.unique(values[:_SAMPLE])) > _MOSTLY_DISTINCT * _SAMPLE
    # every cell text: no blank, so no pd.isna pass (infer_dtype not skipping nulls tells)
    all_text = mostly_distinct and pd.api.types.infer_dtype(values, skipna=False) == "string"
    if all_text or mostly_distinct and pd.api.types.infer_dtype(values, skipna=True) == "string":
        blank = np.zeros(len(values), dtype=bool) if all_text else pd.isna(values)
        if blank.any():
            cells, exact, joined = _trimmed(values[~blank])
            values = np.full(len(values), None, dtype=object)
            values[~blank] = cells
            return ParsedColumn(None, values, False, set(), None if not exact else blank, joined), {}
        cells, exact, joined = _trimmed(values)
        return ParsedColumn(None, cells, False, set(), blank if exact else None, joined), {}
    if _no_value(values):  # a column the file does not have: nothing to factorise
        codes, uniques = np.zeros(len(values), dtype=np.intp), np.empty(0, dtype=object)
    else:
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        blank = codes < 0
        if blank.any():
            codes[blank] = len(uniques)  # the last slot: blank cells
    bad: dict[int, str] = {}
    joined = None
    if text and pd.api.types.infer_dtype(uniques, skipna=False) in ("string", "empty"):
        parsed, exact, joined = _trimmed(uniques)  # text read as text: trimmed all at once
        parsed = np.append(parsed, None)
    else:
        exact = False
        parsed = np.empty(len(uniques) + 1, dtype=object)
        read = _id_list if parser is parse_id_list else lambda raw: storage_value(parser(raw))
        for i, raw in enumerate([*uniques, None]):
            try:
                parsed[i] = read(raw)
            except (ValueError, TypeError) as err:
                bad[i] = str(err)
                parsed[i] = None
    return ParsedColumn(codes, parsed, exact, set(bad), joined=joined), bad


def _no_value(values: np.ndarray) -> bool:
    """Whether every cell is blank (None, NaN …); a look at three cells first (None or a
    float NaN) spares the pass over a column that has values."""
    def blank(cell: object) -> bool:
        return cell is None or isinstance(cell, float) and cell != cell

    return len(values) > 0 and all(blank(values[i]) for i in (0, len(values) // 2, -1)) \
        and bool(pd.isna(values).all())


def column_of(cells: np.ndarray) -> ParsedColumn:
    """A column of parsed cells (a derived one) as codes into its distinct values."""
    codes, uniques = pd.factorize(cells, use_na_sentinel=True)
    blank = codes < 0
    if blank.any():
        codes[blank] = len(uniques)
    return ParsedColumn(codes, np.append(uniques.astype(object), None), True, set())


def _trimmed(texts: np.ndarray) -> tuple[np.ndarray, bool, Joined | None]:
    """Text values trimmed, blank ones as None; whether none changed (nearly always); and
    when none did, the values joined by spaces and whether that is printable.

    The joined text usually tells alone: printable text holds no white space but the
    space itself, so a value with white space at an end, or an empty one, shows as two
    spaces together or a space at an end. Otherwise each value is stripped (``str.strip``
    returns an unchanged value itself, and one comparison of the lists tells)."""
    joined = " ".join(texts)
    printable = joined.isprintable()
    if printable and joined and "  " not in joined and joined[0] != " " and joined[-1] != " ":
        return texts, True, (joined, printable)
    values = texts.tolist()
    stripped = [v.strip() for v in values]
    if stripped == values and "" not in stripped:
        return texts, True, (joined, printable)
    out = np.empty(len(stripped), dtype=object)
    out[:] = [v or None for v in stripped]
    return out, False, None
