"""Every word the page scripts look up is handed to the page in both languages: a key
missing from :data:`viz.cards.WORDS` showed as itself on the org chart ("line_other" as a
heading, department lines never named)."""

from __future__ import annotations

import re

from conftest import REPO
from graph.vocabulary import DepartmentKind
from viz.cards import WORDS
from viz.encoding import _TEXT

SCRIPTS = ("cards.js", "panel.js")


def _looked_up() -> set[str]:
    keys: set[str] = set()
    for name in SCRIPTS:
        code = (REPO / "viz" / "static" / name).read_text(encoding="utf-8")
        keys |= set(re.findall(r'\bsay\("([^"]+)"', code))
        for _, first, second in re.findall(r'say\(([^()]*?) \? "([^"]+)" : "([^"]+)"', code):
            keys |= {first, second}
    return keys


def test_every_word_a_page_script_says_is_given_to_the_page_in_both_languages():
    keys = _looked_up() | {f"line_{k.value}" for k in DepartmentKind}  # cards.js: W["line_" + kind]
    assert {"outside_managers", "people_1", "people_n", "line_none", "line_other"} <= keys
    assert keys - set(WORDS) == set()
    for lang in ("en", "zh"):
        assert {k for k in keys if k not in _TEXT[lang]} == set(), lang
