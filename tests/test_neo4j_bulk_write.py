"""The Neo4j store's write path on the real server: records it finds absent are CREATEd with
their links in the same statement, stored ones MERGEd (supplied columns only); either way one
transaction.

Each test runs on an empty database of the session's Neo4j (tests/neo4j_support.py) and
compares with the embedded store where the answer is "the same as the other store".
"""

from __future__ import annotations

import pytest

from graph.batch import Batch
from graph.embedded import EmbeddedStore
from graph.exceptions import PowermapError
from graph.model import Contact, Influence, Relationship
from neo4j_support import neo4j_test_store
from test_store_contract import world


def links(store) -> list[tuple[str, str, str]]:
    """Every relationship of the graph as (start id, type, end id), sorted."""
    records = store._driver.execute_query(
        "MATCH (a)-[r]->(b) RETURN a.id AS a, type(r) AS type, b.id AS b", database_=store.database).records
    return sorted((r["a"], r["type"], r["b"]) for r in records)


def tables(store) -> dict[str, list[dict]]:
    return {name: frame.to_dict("records") for name, frame in store.dump().tables.items()}


def with_empty_name_last(records: list) -> Batch:
    batch = Batch.from_records(records)
    frame = batch.tables["contacts"]
    frame.loc[frame.index[-1], "name"] = None
    return batch


@pytest.mark.parametrize("bad_batch", [
    pytest.param(lambda: with_empty_name_last([*world(), Contact(id="zz", account_id="X", name="later")]),
                 id="a required value empty in the last contact"),
    pytest.param(lambda: Batch.from_records([*world(), Influence(source_id="ceo", target_id="ghost")]),
                 id="the last edge names an unknown contact"),
])
def test_a_bad_last_row_of_an_import_into_an_empty_store_leaves_it_empty(neo4j_server, bad_batch):
    with neo4j_test_store(neo4j_server, batch_size=2) as store:  # earlier batches were sent already
        # (the API's own nodes an earlier test may have left are not the graph's: compare)
        nodes, drawn, version = store.node_count(), links(store), store.version()
        with pytest.raises(PowermapError, match="store requires it|not in the store"):
            store.write(bad_batch())
        assert set(store.counts().values()) == {0} and tables(store) == {}
        assert store.node_count() == nodes and links(store) == drawn and store.version() == version


def test_a_bad_last_row_leaves_stored_records_as_they_were(neo4j_server):
    with neo4j_test_store(neo4j_server, batch_size=2) as store:
        store.write(Batch.from_records(world()))
        before, drawn, version = tables(store), links(store), store.version()
        changed = [Contact(id="buyer", account_id="S", name="renamed", reports_to="eng"),
                   Contact(id="new", account_id="S", name="new", reports_to="buyer"),
                   Relationship(team_id="am", contact_id="new", strength=0.4),
                   Influence(source_id="new", target_id="ghost")]
        with pytest.raises(PowermapError, match="not in the store"):
            store.write(Batch.from_records(changed))
        assert tables(store) == before and links(store) == drawn and store.version() == version


def test_importing_the_same_records_again_changes_nothing(neo4j_store):
    store = neo4j_store
    first = store.write(Batch.from_records(world()))
    assert sum(first.inserted.values()) == len(world())
    before, drawn, version = tables(store), links(store), store.version()
    again = store.write(Batch.from_records(world()))
    assert sum(again.inserted.values()) == 0 and sum(again.updated.values()) == 0
    assert sum(again.unchanged.values()) == len(world())
    assert tables(store) == before and links(store) == drawn and store.version() == version


def test_new_and_stored_records_in_one_import_match_the_embedded_store(neo4j_store):
    """Supplied columns only for stored records, every column for new ones, links drawn for both
    (a new contact reporting to a stored one and to another new one; a new edge from a stored
    contact to a new one; a stored edge changed), in batches that mix the two."""
    store = neo4j_store
    store.batch_size = 2
    contacts = [Contact(id="buyer", account_id="S", name="李经理", reports_to="ceo"),  # stored: title kept
                Contact(id="new1", account_id="S", name="New one", reports_to="buyer"),
                Contact(id="new2", account_id="S", name="New two", reports_to="new1")]
    batch = Batch.from_records([*contacts, Influence(source_id="eng", target_id="new2", kind="advice", weight=0.2),
                                Influence(source_id="eng", target_id="ceo", kind="advice", weight=0.9),
                                Relationship(team_id="am", contact_id="new1", strength=0.5)])
    batch.provided = {"contacts": ("id", "account_id", "name", "reports_to")}
    with EmbeddedStore(":memory:") as embedded:
        for each in (embedded, store):
            each.write(Batch.from_records(world()))
        results = [each.write(batch) for each in (embedded, store)]
        assert tables(store) == tables(embedded)
    assert results[1].inserted == results[0].inserted and results[1].updated == results[0].updated
    assert results[1].inserted["contacts"] == 2 and results[1].updated["contacts"] == 1
    assert store.get("contacts", "buyer").title == "采购经理"
    drawn = links(store)
    assert {("new1", "REPORTS_TO", "buyer"), ("new2", "REPORTS_TO", "new1"), ("new1", "IN_ACCOUNT", "S"),
            ("new2", "IN_ACCOUNT", "S"), ("buyer", "IN_DEPARTMENT", "S-P"), ("buyer", "REPORTS_TO", "ceo"),
            ("eng", "INFLUENCES", "new2"), ("am", "KNOWS", "new1")} <= set(drawn)
    assert drawn.count(("eng", "INFLUENCES", "ceo")) == 2  # advice (changed) and friendship, not a third
