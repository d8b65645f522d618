"""Rules for text an import may store, checked on whole columns at once.

- **No control characters** (NUL, ESC …; tab and line breaks are fine) and no lone
  surrogates in any text (:data:`graph.vocabulary.FORBIDDEN_CHARACTERS`).
- **Ids** (keys and references) must look like what they are: no invisible or direction
  characters (zero-width space, bidi overrides, byte-order mark), in Unicode normal form
  NFKC (a full-width ``Ａ-G1`` is written ``A-G1``), not mixing Latin with Cyrillic or
  Greek letters (``А-G1`` with a Cyrillic А), so that two ids that look alike are the same
  id — or the import says why not.
- **Lengths**: ids, names and titles at most :data:`SHORT_TEXT` characters, other text at
  most :data:`LONG_TEXT`.
- **E-mail addresses** must be ``local@domain.tld`` (``javascript:…`` is not one).

Checks run on the joined text of a column first (ids, e-mail addresses); only a column
that fails one is looked at value by value, so a million clean rows cost one pass. Text
that ``str.isprintable`` accepts holds no control, invisible or direction character, and
plain ASCII is in normal form and mixes no alphabets: the usual ids need no regex at all.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from graph.model import TABLES
from graph.vocabulary import FORBIDDEN_CHARACTERS

__all__ = ["check_text_columns", "SHORT_TEXT", "LONG_TEXT"]

SHORT_TEXT = 200
LONG_TEXT = 10_000

_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
_CYRILLIC_GREEK = re.compile("[\u0370-\u03ff\u0400-\u04ff]")
_LATIN = re.compile("[A-Za-z]")
_EMAIL = re.compile(r"[^@\s<>\"'(),;:\[\]\\]+@[^@\s<>\"'(),;:\[\]\\]+\.[^@\s<>\"'(),;:\[\]\\.]+")
#: addresses joined by spaces (an address holds no white space, so no part can hold two)
_EMAILS_JOINED = re.compile(f"{_EMAIL.pattern}(?: {_EMAIL.pattern})*")
_SHORT = {"name", "title"}
_EMAILS = {("contacts", "email"), ("team", "email")}


def _id_problem(value: str) -> str | None:
    if _INVISIBLE.search(value):
        return f"id {value!a} holds an invisible or text-direction character"
    normal = unicodedata.normalize("NFKC", value)
    if normal != value:
        return f"id {value!r} is not in normal form: write it {normal!r}"
    if _CYRILLIC_GREEK.search(value) and _LATIN.search(value):
        return f"id {value!r} mixes Latin with Cyrillic or Greek letters that look alike"
    return None


def _email_problem(value: str) -> str | None:
    return None if _EMAIL.fullmatch(value) else f"{value!r} is not an e-mail address (name@example.com)"


_NOT_IN_ADDRESS = np.zeros(256, dtype=bool)
_NOT_IN_ADDRESS[list(b"<>\"'(),;:[]\\")] = True


def _plain_addresses(joined: str, count: int) -> bool:
    """Whether ``joined`` (``count`` printable values joined by single spaces) is plain
    ASCII addresses, each ``local@domain.tld``: true only when :data:`_EMAILS_JOINED`
    matches it too, found by a few array passes instead of the regex (a third of its time
    on a million addresses). False says nothing: the regex decides.

    With printable ASCII the only white space is the separator; then ``count - 1`` spaces
    mean no value holds one, and per value: exactly one ``@`` (the ``@`` and the spaces
    alternate), something before it, and a last dot with something on both sides of it
    after the ``@``."""
    if not joined.isascii():
        return False
    text = np.frombuffer(joined.encode("ascii"), dtype=np.uint8)
    ats, spaces = np.flatnonzero(text == ord("@")), np.flatnonzero(text == ord(" "))
    if len(ats) != count or len(spaces) != count - 1 or _NOT_IN_ADDRESS[text].any():
        return False
    if not ((ats[:-1] < spaces).all() and (spaces < ats[1:]).all()):
        return False  # a value with no @ or with two
    starts, ends = np.append(0, spaces + 1), np.append(spaces, len(text))
    dots = np.flatnonzero(text == ord("."))
    last = np.searchsorted(dots, ends) - 1  # each value's last dot (if it has one: its own, after its @)
    if (last < 0).any():
        return False
    last_dot = dots[last]
    return bool((ats > starts).all() and (last_dot >= ats + 2).all() and (last_dot <= ends - 2).all())


def _joined(distinct: np.ndarray) -> tuple[str, bool]:
    joined = " ".join(distinct)
    return joined, joined.isprintable()


def check_text_columns(table: str, frame: pd.DataFrame, report: Callable[[pd.Series, str, str], None],
                       distinct_values: Mapping[str, np.ndarray] | None = None,
                       joined_values: Mapping[str, tuple[str, bool]] | None = None) -> None:
    """Check the parsed text columns of ``table``; ``report(mask, column, message)`` is
    called for the rows of each problem. ``distinct_values``: a column's distinct values
    when the caller knows them already (blanks left out); ``joined_values``: those joined
    by single spaces, and whether that is printable, when the caller has them."""
    spec = TABLES[table]
    ids = set(spec.key) | set(spec.references)
    for column in spec.columns:
        if column not in frame.columns:
            continue
        values = frame[column]
        distinct = distinct_values[column] if distinct_values and column in distinct_values else \
            pd.unique(values.dropna().to_numpy(dtype=object))
        if not len(distinct) or not isinstance(distinct[0], str):
            continue  # not text (numbers, dates, lists of ids)
        joined, printable = joined_values[column] if joined_values and column in joined_values else \
            _joined(distinct)  # printable: then no control, surrogate, invisible or direction character
        if not printable and FORBIDDEN_CHARACTERS.search(joined):
            distinct = pd.unique(distinct)
            bad = [v for v in distinct if FORBIDDEN_CHARACTERS.search(v)]
            for value in bad:
                report(values == value, column, f"{value!a} holds a control character or a lone surrogate: not text")
            distinct = pd.unique(pd.Series([v for v in distinct if not FORBIDDEN_CHARACTERS.search(v)], dtype=object))
            if not len(distinct):
                continue
            joined = " ".join(distinct)
        limit = SHORT_TEXT if column in ids or column in _SHORT else LONG_TEXT
        if len(joined) > limit and max(map(len, distinct)) > limit:
            distinct = pd.unique(distinct)
            lengths = np.fromiter(map(len, distinct), dtype=np.int64, count=len(distinct))
            for value in distinct[lengths > limit]:
                report(values == value, column, f"{len(value):,} characters, more than the {limit:,} allowed")
        rule = _id_problem if column in ids else _email_problem if (table, column) in _EMAILS else None
        if rule is None:
            continue
        if rule is _id_problem and (printable and joined.isascii() or not _INVISIBLE.search(joined)
                                    and unicodedata.is_normalized("NFKC", joined)
                                    and not _CYRILLIC_GREEK.search(joined)):
            continue  # plain ASCII (the usual id) needs no look at its characters
        if rule is _email_problem and (printable and _plain_addresses(joined, len(distinct))
                                       or _EMAILS_JOINED.fullmatch(joined)):
            continue  # every address well formed: one pass over the column
        distinct = pd.unique(distinct)
        for value in distinct:
            problem = rule(value)
            if problem:
                report(values == value, column, problem)
