"""The analysis commands on the demo data: JSON shapes, explanations, errors."""

from __future__ import annotations

import json

import pytest

from graph.analysis.gaps import GAP_TYPES
from powermap.cli import main


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    db = str(tmp_path_factory.mktemp("demo") / "demo.db")
    assert main(["--db", db, "demo", "--no-serve"]) == 0
    return db


@pytest.fixture
def run(demo_db, capsys):
    def invoke(*args: str) -> tuple[int, object, str]:
        code = main(["--db", demo_db, *args])
        captured = capsys.readouterr()
        try:
            data = json.loads(captured.out) if "--json" in args else captured.out
        except json.JSONDecodeError:
            data = captured.out
        return code, data, captured.err
    return invoke


def test_paths_json_shape(run):
    code, data, _ = run("paths", "A-G1", "--to", "C0149", "-k", "2", "--json")
    assert code == 0 and set(data) == {"paths", "names"} and 1 <= len(data["paths"]) <= 3
    first = data["paths"][0]
    assert set(first) == {"strength", "steps"} and set(first["steps"][0]) == {"from", "to", "type", "strength"}
    assert first["steps"][-1]["to"] == "C0149"
    assert data["names"]["C0149"] == "Daniel Wong (Procurement Director)"


def test_text_output_names_people_with_their_ids_in_brackets(run):
    """What a person reads names people ("name (title) [id]"), accounts and gap types; ids
    never stand alone."""
    code, text, _ = run("paths", "A-G1", "--to", "C0010", "-k", "0")
    assert code == 0 and "龚振 (采购经理) [C0010]" in text and "李文博 [T02]" in text
    code, text, _ = run("coverage", "A-G1")
    assert "Coaches: 龚振 (采购经理) [C0010], 杨晓 (采购经理) [C0041]" in text
    assert "邓霞 (采购主管) [C0145]" in text  # a decider no coach covers
    assert "合肥基地新产线电液控制系统" in text
    code, text, _ = run("gaps", "A-G1", "--as-of", "2026-11-01")
    assert "Decider we do not reach" in text and "Untouched subsidiary" in text and "uncovered_decider" not in text
    code, text, _ = run("gaps", "--all", "--as-of", "2026-11-01")
    assert "华东重工集团" in text and "[A-G1]" in text and "[A-JN]" in text
    code, text, _ = run("influence", "A-JN", "--top", "1")
    assert "吕军亮" in text and "总经理" in text
    code, text, _ = run("next-moves", "A-G1", "--top", "1", "--as-of", "2026-11-01")
    assert code == 0 and "closes high " in text and "_" not in text.split("closes high ")[1].split(":")[0]
    code, text, _ = run("outcome", "O2")
    assert "张磊文" in text
    for command in (("paths", "A-G1", "--to", "C0145", "-k", "0"), ("coverage", "A-G1")):
        code, text, _ = run(*command)
        for line in text.splitlines():  # every id printed follows a name, in brackets
            for word in line.replace("→", " ").split():
                assert not (word.startswith(("C0", "T0")) and word[1:].isdigit()), line


def test_coverage_json_shape(run):
    code, data, _ = run("coverage", "A-G1", "--json")
    assert code == 0
    assert {"coaches", "deciders", "covered_deciders", "coverage", "by_department"} <= set(data)
    assert list(data["by_department"])[:3] == ["purchasing", "design", "user"]
    assert set(data["covered_deciders"]) <= set(data["deciders"]) and 0 <= data["coverage"] <= 1


def test_every_gap_type_in_the_demo_is_found_and_explained(run):
    code, data, _ = run("gaps", "A-G1", "--as-of", "2026-11-01", "--json")
    assert code == 0
    found = {g["type"] for g in data["gaps"]}
    # what the demo's story plants (see demo/story.py): an untouched subsidiary, a design
    # line with no supporter, a decider behind one gatekeeper, group executives without
    # peers, a stale chairman relationship, bases without coaches, a lone route to deciders
    assert {"untouched_subsidiary", "missing_line", "gatekeeper_only", "no_executive_peer", "stale_relationship",
            "no_coach", "single_point_of_failure", "unknown_stance", "uncovered_decider", "opposed_decider"} <= found
    assert found <= set(GAP_TYPES)
    for gap in data["gaps"]:
        assert set(gap) >= {"type", "severity", "contacts", "explanation"}
        assert gap["severity"] in ("high", "medium", "low") and gap["explanation"]
    gatekeeper = next(g for g in data["gaps"] if g["type"] == "gatekeeper_only")
    assert gatekeeper["contacts"] == ["C0150", "C0149"] and "Amy Lau" in gatekeeper["explanation"]
    assert any(g["type"] == "untouched_subsidiary" and g["accounts"][0] == "A-CQ" for g in data["gaps"])
    assert any(g["type"] == "missing_line" and "C0091" in g["contacts"] for g in data["gaps"])
    assert any(g["type"] == "stale_relationship" and g["contacts"] == ["C0001"] for g in data["gaps"])


def test_gaps_all_accounts(run):
    code, data, _ = run("gaps", "--all", "--as-of", "2026-11-01", "--json")
    assert code == 0 and data["counts"]["accounts"] == 2
    assert {g["account"] for g in data["gaps"]} == {"A-G1", "A-JN"}
    code, _, err = run("gaps")
    assert code == 2 and "ACCOUNT or --all" in err


def test_influence_finds_the_hidden_influencer(run):
    code, data, _ = run("influence", "A-G1", "--json")
    assert code == 0
    ranking = data["ranking"]
    assert [r["score"] for r in ranking] == sorted((r["score"] for r in ranking), reverse=True)
    assert set(ranking[0]) >= {"id", "name", "formal", "informal", "score", "hidden_influencer", "broker"}
    assert [r["id"] for r in ranking if r["hidden_influencer"]] == ["C0056"]  # the engineer everyone consults
    code, data, _ = run("influence", "A-G1", "--top", "3", "--json")
    assert len(data["ranking"]) == 3


def test_outcome_next_moves_rollup(run):
    code, data, _ = run("outcome", "O2", "--json")
    assert code == 0 and data["dmu_type"] == "consensus" and -1 <= data["support_index"] <= 3
    assert data["reasons"] and all({"stated", "projected"} <= set(m) for m in data["members"])
    code, data, _ = run("next-moves", "A-G1", "--top", "3", "--as-of", "2026-11-01", "--json")
    assert code == 0 and 1 <= len(data["moves"]) <= 3 and data["moves"][0]["closes"]
    code, data, _ = run("rollup", "A-G1", "--as-of", "2026-11-01", "--json")
    assert code == 0 and data["id"] == "A-G1"
    parts = {a["id"]: a for a in data["accounts"]}
    assert parts["A-CQ"]["total"]["covered"] is False and parts["A-SZ"]["total"]["covered"] is True


def test_snapshot_and_diff(tmp_path, capsys):
    db = str(tmp_path / "own.db")  # this test changes its data: a store of its own

    def run(*args: str):
        code = main(["--db", db, *args])
        captured = capsys.readouterr()
        return code, json.loads(captured.out) if "--json" in args else captured.out, captured.err

    assert run("demo", "--no-serve")[0] == 0
    assert run("snapshot", "--label", "before", "--json")[0] == 0
    (tmp_path / "contacts.csv").write_text("id,account_id,name,stance\nC0091,A-HF,张磊文,1\nC9999,A-HF,New,2\n")
    assert run("import", str(tmp_path / "contacts.csv"))[0] == 0
    code, data, err = run("diff", "before", "--json")
    assert code == 0, err
    assert data["stance_changes"] == [{"id": "C0091", "name": "张磊文", "account_id": "A-HF", "old": -1, "new": 1}]
    assert [c["id"] for c in data["new_contacts"]] == ["C9999"] and data["departed_contacts"] == []
    assert {a["id"] for a in data["accounts"]} == {"A-G1", "A-JN"}
    code, data, _ = run("snapshot", "--list", "--json")
    assert [s["label"] for s in data["snapshots"]] == ["2026Q3", "before"]  # `demo` takes 2026Q3


@pytest.mark.parametrize("args", [
    ("paths", "A-G1", "--to", "NOPE"), ("paths", "NOPE", "--to", "C0001"), ("coverage", "NOPE"),
    ("gaps", "NOPE"), ("influence", "NOPE"), ("outcome", "NOPE"), ("next-moves", "NOPE"), ("rollup", "NOPE"),
    ("diff", "NOPE"), ("paths", "A-G1", "--to", "C0001", "--from", "NOPE"),
])
def test_unknown_ids_exit_2_with_one_line(run, args):
    code, out, err = run(*args)
    assert code == 2 and out == "" and err.count("\n") == 1 and err.startswith("powermap: no ")


def test_gaps_follow_the_cadence_policy_given(run, tmp_path):
    lenient = tmp_path / "lenient.toml"
    lenient.write_text("".join(f"[tiers.{t}]\nexecutive_days = 3650\naccount_manager_days = 3650\n" for t in "ABC"))
    strict = tmp_path / "strict.toml"
    strict.write_text("".join(f"[tiers.{t}]\nexecutive_days = 1\naccount_manager_days = 1\n" for t in "ABC"))
    counts = {}
    for name, policy in (("lenient", lenient), ("strict", strict)):
        code, data, _ = run("gaps", "A-G1", "--as-of", "2026-11-01", "--policy", str(policy), "--json")
        assert code == 0
        counts[name] = data["counts"]["by_type"].get("cadence_breach", 0)
    assert counts["lenient"] < counts["strict"]  # never meeting at all is a breach under any policy
