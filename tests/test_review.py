"""The quarterly account review (issue 18 part 4): its numbers are those of plan, diff,
cadence and gaps; it renders as HTML, XLSX and PDF; and over HTTP."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from openpyxl import load_workbook

from conftest import REPO
from graph.analysis.change import diff, take_snapshot
from graph.analysis.history import cadence_report
from graph.analysis.plans import plan_report
from graph.analysis.reports import gaps_report
from graph.analysis.review import parse_quarter, review_report
from graph.batch import Batch
from graph.embedded import EmbeddedStore
from importers import import_paths
from powermap.commands.maps import chromium

DAY = dt.date(2026, 11, 1)


@pytest.fixture
def demo(tmp_path):
    store = EmbeddedStore(tmp_path / "demo.db")
    import_paths([REPO / "demo" / "demo.xlsx"], store)
    yield store
    store.close()


def test_the_review_numbers_are_those_of_plan_diff_cadence_and_gaps(demo):
    take_snapshot(demo, "2026Q3")
    decider = demo.get("contacts", "C0091")  # the opposing 总工程师, a decider of O2
    demo.write(Batch.from_records([decider.model_copy(update={"stance": 0})]))
    report = review_report(demo, "A-G1", quarter="2026Q4", today=DAY)
    assert report["snapshots_taken"] == ["2026Q4"] and report["compared_with"] == "2026Q3"
    plan = plan_report(demo, "A-G1", as_of=DAY)
    assert report["plan"]["totals"] == plan["totals"]  # every demo action is due in Q4
    assert report["summary"]["gaps"] == gaps_report(demo, "A-G1", today=DAY)["counts"]["total"]
    assert report["summary"]["cadence_breaches"] == cadence_report(demo, "A-G1", today=DAY)["counts"]["total"]
    change = diff(demo, "2026Q3", "2026Q4")
    assert report["since_previous"]["gaps"] == next(a["gaps"] for a in change["accounts"] if a["id"] == "A-G1")
    assert [(s["id"], s["old"], s["new"]) for s in report["since_previous"]["decider_stance_changes"]] == \
        [("C0091", -1, 0)]
    assert report["next_quarter"][0]["accept"] == "powermap next-moves A-G1 --as-of 2026-11-01 --accept 1"


def test_a_past_quarter_takes_no_snapshot_and_says_there_is_nothing_to_compare(demo):
    report = review_report(demo, "A-G1", quarter="2026Q2", today=DAY)
    assert report["snapshots_taken"] == [] and report["compared_with"] is None
    assert report["as_of"] == "2026-06-30" and report["plan"]["totals"]["actions"] == 0
    with pytest.raises(ValueError):
        parse_quarter("2026Q5")


def test_the_cli_writes_the_pack_as_html_xlsx_and_pdf(tmp_path, run):
    assert run("import", str(REPO / "demo" / "demo.xlsx"))[0] == 0
    code, out, err = run("review", "A-G1", "--quarter", "2026Q4", "--as-of", "2026-11-01", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["summary"]["plan"]["overdue"] == 2
    html = tmp_path / "review.html"
    assert run("review", "A-G1", "--quarter", "2026Q4", "--as-of", "2026-11-01", "--lang", "zh", "-o", str(html))[0] == 0
    page = html.read_text(encoding="utf-8")
    assert "季度客户经营复盘" in page and "华东重工集团" in page and "<script" not in page
    book = tmp_path / "review.xlsx"
    assert run("review", "A-G1", "--quarter", "2026Q4", "--as-of", "2026-11-01", "-o", str(book))[0] == 0
    sheets = load_workbook(book)
    assert sheets.sheetnames[0] == "summary"
    figures = {r[0]: r[1] for r in sheets["summary"].iter_rows(min_row=2, values_only=True)}
    assert (figures["plan_done"], figures["plan_overdue"], figures["gaps"]) == (3, 2, report["summary"]["gaps"])
    assert run("review", "A-G1", "--quarter", "Q4")[0] == 2
    if chromium() is None:
        pytest.skip("Chromium is not installed (./dev test installs it)")
    pdf = tmp_path / "review.pdf"
    assert run("review", "A-G1", "--quarter", "2026Q4", "--as-of", "2026-11-01", "-o", str(pdf))[0] == 0
    assert pdf.read_bytes()[:5] == b"%PDF-"


def test_the_review_over_the_api(api):
    report = api.get("/accounts/G1/review?quarter=2026Q4&as_of=2026-11-01")
    assert report.status_code == 200, report.text
    assert report.json()["snapshots_taken"] == [] and api.get("/snapshots").json()["snapshots"] == []
    page = api.get("/accounts/G1/review?quarter=2026Q4&format=html&lang=zh")
    assert page.headers["content-type"].startswith("text/html") and "季度客户经营复盘" in page.text
    assert api.get("/accounts/G1/review?quarter=2026Q4&format=xlsx").content[:2] == b"PK"
    assert api.get("/accounts/G1/review?quarter=nope").status_code == 422
    assert api.get("/accounts/S1/review?quarter=2026Q4", key="base-reader").status_code == 403
    assert api.get("/accounts/X1/review?quarter=2026Q4", key="base-reader").status_code == 404
