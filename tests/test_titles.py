"""Levels from titles as real organisations write them.

Two real lists (see the PROVENANCE.md beside each): the 156 Enron employees' titles as
Enron's HR wrote them (``tests/data/enron_email``: "Dir Trading", "Mng Dir Trading",
"VP & Asst Gen Cnsl" …, each with HR's own Senior/Junior grade) and a bilingual
Chinese/English table of business titles (``tests/data/job_titles_zh_en``), where the
two sides of a row must read as the same level.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from graph.vocabulary import infer_level

DATA = Path(__file__).parent / "data"


def enron_titles() -> list[dict[str, str]]:
    return list(csv.DictReader(open(DATA / "enron_email" / "employees.csv", encoding="utf-8")))


def test_enron_hr_grades_agree_with_the_levels_of_all_156_titles():
    # HR's Senior grade is a director or above, Junior a manager or below, for every employee
    wrong = [(e["title"], e["seniority"], infer_level(e["title"]).value) for e in enron_titles()
             if (infer_level(e["title"]).value in ("executive", "director")) != (e["seniority"] == "Senior")]
    assert wrong == []


def test_enron_abbreviated_titles_get_their_level():
    levels = Counter((e["title"], infer_level(e["title"]).value) for e in enron_titles())
    assert levels[("Dir Trading", "director")] == 23
    assert levels[("Mgr Trading", "manager")] == 21
    assert levels[("Mng Dir Trading", "executive")] == 1
    assert levels[("Mng Director & Gen Cnsl", "executive")] == 1  # Managing Director outranks counsel
    assert levels[("VP & Asst Gen Cnsl", "executive")] == 3       # the VP part counts, not "assistant"
    assert levels[("Gen Cnsl Asst", "staff")] == 1                # counsel's assistant
    assert levels[("Associate", "staff")] == 10


# rows whose two sides the source itself gives different ranks (see PROVENANCE.md)
SOURCE_DISAGREES = {"監事", "常務監事", "董事 / 理事 / 總監", "副總經理 / 協理", "主任 / 組長", "業務主任"}
# abbreviations too ambiguous to read alone ("AD" is also an art director)
UNREAD_ABBREVIATIONS = {"AD"}


def bilingual_rows() -> list[dict[str, str]]:
    return list(csv.DictReader(open(DATA / "job_titles_zh_en" / "titles.csv", encoding="utf-8")))


def test_bilingual_table_chinese_and_english_sides_read_as_the_same_level():
    rows = [r for r in bilingual_rows() if r["chinese"] not in SOURCE_DISAGREES]
    assert len(rows) == 54
    differ = []
    for r in rows:
        sides = [r["chinese"], r["english"]]
        if r["abbreviation"] and r["abbreviation"] not in UNREAD_ABBREVIATIONS:
            sides.append(r["abbreviation"])
        levels = {infer_level(s).value for s in sides}
        if len(levels) > 1:
            differ.append((sides, levels))
    assert differ == []


def test_bilingual_table_levels_where_kam_practice_is_clear():
    level = {r["english"]: infer_level(r["chinese"]).value for r in bilingual_rows()}
    assert level["Factory Manager / Plant Manager / Factory Director"] == "executive"  # 廠長 runs the plant
    assert level["Assistant Vice President"] == "director"
    assert level["Associate Director"] == "manager"      # 副董事: a rank, not a board seat
    assert level["Deputy Manager / Assistant Manager"] == "manager"
    assert level["Executive Assistant"] == "staff"


@pytest.mark.parametrize("title, level", [
    # Chinese/English pairs that used to disagree
    ("总工程师", "executive"), ("Chief Engineer", "executive"), ("总工", "executive"),
    ("副总工程师", "director"), ("Deputy Chief Engineer", "director"),
    ("厂长", "executive"), ("Plant Manager", "executive"), ("分厂厂长", "director"),
    # abbreviations
    ("MD", "executive"), ("MD, Asia Pacific", "executive"), ("Sr Mgr Procurement", "manager"),
    ("Sr. Dir. Sourcing", "director"), ("EVP Operations", "executive"), ("SVP", "executive"),
    ("GM", "executive"), ("Asst Mgr", "manager"), ("Asst Dir Quality", "manager"),
    ("Exec Assistant to the CEO", "staff"),
    # professional firms
    ("Partner", "executive"), ("Managing Partner", "executive"), ("Senior Partner", "executive"),
    ("Associate Partner", "director"), ("Principal", "director"), ("Of Counsel", "director"),
    ("Associate", "staff"), ("Senior Associate", "staff"), ("Counsel", "staff"),
    ("Principal Engineer", "manager"), ("Partner Manager", "manager"), ("Channel Partner Manager", "manager"),
    # compounds take their highest part
    ("副总裁兼采购总监", "executive"), ("Director & Cnsl", "director"),
    # words inside other titles
    ("Product Owner", "staff"), ("Owner", "executive"), ("Co-founder & CEO", "executive"),
    ("Wheelchair Technician", "staff"), ("Chair", "executive"),
])
def test_level_rules_for_abbreviations_firms_and_pairs(title, level):
    assert infer_level(title).value == level
