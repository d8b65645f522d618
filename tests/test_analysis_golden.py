"""Each analysis gives exactly the JSON it gave before the shared reach structure (#17):
on the demo, the real organisations of tests/data (Krackhardt, Lazega, Enron) and the
benchmark's 500-contact synthetic account. The golden files were captured on main
before the change (tests/golden_analyses.py says how to capture them again)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from golden_analyses import ADDED_FIELDS, GOLDEN, ORGANISATIONS, organisation_json

ANALYSES = ("paths", "paths_from", "coverage", "gaps", "influence", "outcome", "next_moves", "next_moves_uncapped",
            "rollup", "cadence", "findings")


@pytest.fixture(scope="module", params=sorted(ORGANISATIONS))
def computed(request, tmp_path_factory) -> tuple[dict[str, Any], dict[str, Any]]:
    name = request.param
    expected = json.loads((GOLDEN / f"{name}.json").read_text())
    return expected, organisation_json(name, tmp_path_factory.mktemp(name))


def _without_added(analysis: str, value: Any, added: set[str] | None = None) -> Any:
    """The JSON without the fields added since the capture (a gap's ``cause`` …)."""
    added = ADDED_FIELDS.get(analysis, set()) if added is None else added
    if isinstance(value, dict):
        return {k: _without_added(analysis, x, added) for k, x in value.items() if k not in added}
    if isinstance(value, list):
        return [_without_added(analysis, x, added) for x in value]
    return value


@pytest.mark.parametrize("analysis", ANALYSES)
def test_analysis_json_is_unchanged(computed, analysis):
    expected, now = computed
    assert now.keys() == expected.keys()
    for account in expected:
        assert _without_added(analysis, now[account][analysis]) == expected[account][analysis], account


def test_golden_files_cover_every_analysis():
    for name in ORGANISATIONS:
        golden = json.loads((GOLDEN / f"{name}.json").read_text())
        assert all(set(per_account) == set(ANALYSES) for per_account in golden.values()), name
