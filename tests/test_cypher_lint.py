"""Every Cypher statement the Neo4j store can send passes Neo4j's own linter.

Neo4j cannot run on the build machines, so the statements of :mod:`graph.cypher` are
checked by Neo4j's Cypher language service (npm ``@neo4j-cypher/language-support``,
``lintCypherQuery``: the parser and semantic analysis of Neo4j's Cypher front end), run
with Node.js from ``tools/cypher-lint`` (``./dev test`` installs it with ``npm ci``).
Zero diagnostics are allowed, warnings included, except "parameter is not defined"
(parameters are bound at run time).
"""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess

import pytest

from conftest import REPO
from graph import cypher

LINT_DIR = REPO / "tools" / "cypher-lint"
PARAMETER_NOTICE = re.compile(r"Parameter \$\w+ is not defined\.")

#: statements that must fail: the proof that the lint can fail
BROKEN = {
    "broken.syntax": "MATCH (n:Contact) RETRN n",
    "broken.label": "MATCH (n:Contcat) RETURN n.id AS id",
    "broken.relationship_type": "MATCH (:Contact)-[r:REPORTS]->(:Contact) RETURN r",
    "broken.function": "MATCH (n:Contact) RETURN toLowr(n.name) AS name",
    "broken.variable": "MATCH (n:Contact) RETURN m.id AS id",
    "broken.shadowing": "MATCH (c:Contact) RETURN COLLECT { UNWIND c.roles AS c RETURN c } AS roles",
    "broken.aggregation": "UNWIND $rows AS row MERGE (n:Account {id: row.id}) RETURN count(*) AS c ORDER BY n.id",
}


def run_linter(statements: dict[str, str], labels: list[str] | None = None) -> dict:
    node = shutil.which("node")
    if node is None:
        pytest.fail("Node.js (18.18 or later) is needed to lint the Cypher statements; install it")
    if not (LINT_DIR / "node_modules" / "@neo4j-cypher" / "language-support").is_dir():
        pytest.fail("the Cypher linter is not installed: run ./dev test (or: npm ci --prefix tools/cypher-lint)")
    labels = labels if labels is not None else [label.value for label in cypher.Label]
    payload = {"statements": statements, "labels": labels,
               "relationshipTypes": [rel.value for rel in cypher.RelType]}
    result = subprocess.run([node, str(LINT_DIR / "lint.cjs")], input=json.dumps(payload), capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def linted() -> dict[str, list[dict]]:
    """One linter run over every statement of the Cypher module and the broken probes."""
    statements = {name: statement.text for name, statement in cypher.STATEMENTS.items()}
    assert not set(statements) & set(BROKEN)
    out = run_linter({**statements, **BROKEN})
    return {name: [d for d in found if not PARAMETER_NOTICE.fullmatch(d["message"])]
            for name, found in out["diagnostics"].items()}


def test_every_statement_of_the_cypher_module_passes_the_linter(linted):
    failures = {name: found for name, found in linted.items() if name in cypher.STATEMENTS and found}
    report = "\n\n".join(
        f"{name}:\n{cypher.STATEMENTS[name].text}\n" + "\n".join(
            f"  line {d['line']}, column {d['column']}: {d['severity']}: {d['message']}" for d in found)
        for name, found in failures.items())
    assert not failures, report
    assert len([n for n in linted if n in cypher.STATEMENTS]) == len(cypher.STATEMENTS) > 100


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_the_linter_reports_broken_cypher(linted, name):
    assert linted[name], f"the linter let {BROKEN[name]!r} through"


def test_the_statements_cover_every_table_and_filter():
    from graph.model import TABLES

    for table in TABLES:
        assert cypher.UPSERT[table].name in cypher.STATEMENTS and cypher.GET[table].name in cypher.STATEMENTS
        for after in (False, True):
            for scope in (False, True):
                assert cypher.list_records_statement(table, after=after, scope=scope).name in cypher.STATEMENTS


def test_the_neo4j_store_holds_no_cypher_of_its_own():
    """All Cypher lives in graph/cypher.py: the adapter's string literals hold none."""
    source = (REPO / "graph" / "neo4j_store.py").read_text(encoding="utf-8")
    keywords = re.compile(r"\b(MATCH|MERGE|UNWIND|RETURN|CREATE|DELETE|SET|CALL)\b")
    tree = ast.parse(source)
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef)) and node.body
                  and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
    literals = [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant)
                and isinstance(node.value, str) and id(node) not in docstrings]
    assert [text for text in literals if keywords.search(text)] == []


def test_every_statement_of_the_api_state_passes_the_linter():
    """The API state's Cypher (api/neo4j_state.py), against its own labels only."""
    from api.neo4j_state import LABELS, STATEMENTS

    out = run_linter({**STATEMENTS, "broken.label": "MATCH (n:ApiKye) RETURN n.id AS id"}, labels=list(LABELS))
    found = {name: [d for d in diagnostics if not PARAMETER_NOTICE.fullmatch(d["message"])]
             for name, diagnostics in out["diagnostics"].items()}
    assert found.pop("broken.label")  # the lint can fail
    assert {name: d for name, d in found.items() if d} == {} and len(found) == len(STATEMENTS)
