"""The local Neo4j server of ``./dev neo4j`` and the tests (neo4j-server/): SIGTERM stops it
cleanly, and a kept data folder survives a restart with the same password (Neo4j refuses to
"change" a password to itself; the launcher must not fail on that)."""

from __future__ import annotations

from neo4j_support import NEO4J, local_neo4j_launcher

pytestmark = NEO4J


def test_kept_data_survives_a_restart_with_the_same_password(tmp_path):
    import neo4j

    launcher = local_neo4j_launcher()
    home = tmp_path / "kept"
    with launcher.LocalNeo4j.start(home, password="first-password") as server:
        assert server.uri.startswith("bolt://127.0.0.1:") and server.user == "neo4j"
        with neo4j.GraphDatabase.driver(server.uri, auth=(server.user, server.password)) as driver:
            driver.execute_query("CREATE (:Account {id: 'kept', name: 'Kept'})")
    assert server.process.returncode == 143  # stopped by SIGTERM …
    assert "[neo4j] stopped" in (home / "launcher.log").read_text()  # … after closing the databases
    with launcher.LocalNeo4j.start(home, password="first-password") as server:
        with neo4j.GraphDatabase.driver(server.uri, auth=(server.user, "first-password")) as driver:
            records = driver.execute_query("MATCH (a:Account) RETURN a.id AS id").records
        assert [r["id"] for r in records] == ["kept"]
