"""The store contract: every GraphStore passes these, the embedded store and Neo4j (the
session's server, see neo4j_support). Each test leaves the store as it found it."""

from __future__ import annotations

import networkx as nx
import pandas as pd
import pytest

from graph.batch import Batch
from graph.embedded import EmbeddedStore
from graph.model import TABLES, Account, Contact, Department, Influence, Interaction, Opportunity, \
    OpportunityMember, Relationship, TeamMember
from graph.subgraph import EdgeType
from graph.tree import account_tree
from neo4j_support import NEO4J, neo4j_test_store


STORES = ["embedded", pytest.param("neo4j", marks=NEO4J)]


@pytest.fixture(params=STORES)
def any_store(request, tmp_path):
    if request.param == "neo4j":
        with neo4j_test_store(request.getfixturevalue("neo4j_server")) as s:
            yield s
        return
    s = EmbeddedStore(tmp_path / "contract.db")
    yield s
    s.close()


def world() -> list:
    return [
        Account(id="G", name="Group", kind="group"),
        Account(id="S", name="Sub", parent_id="G", kind="subsidiary"),
        Account(id="X", name="Other customer"),
        Department(id="G-M", account_id="G", name="高层"),
        Department(id="S-P", account_id="S", name="采购部"),
        Contact(id="ceo", account_id="G", department_id="G-M", name="王董", title="董事长", stance=3,
                roles="decider", email="w@example.cn"),
        Contact(id="buyer", account_id="S", department_id="S-P", name="李采购", title="采购经理",
                reports_to="ceo", roles="gatekeeper;buyer", stance=-1),
        Contact(id="eng", account_id="S", name="Tom", title="Engineer", reports_to="buyer"),
        Contact(id="x1", account_id="X", name="Other person"),
        TeamMember(id="am", name="Account Manager", role="account_manager", accounts={"G", "S"}),
        TeamMember(id="exec", name="Our VP", role="executive", rank=1),
        TeamMember(id="idle", name="Unrelated"),
        Relationship(team_id="am", contact_id="buyer", strength=0.6, last_interaction="2026-10-01"),
        Relationship(team_id="exec", contact_id="ceo", strength=0.9),
        Influence(source_id="eng", target_id="ceo", weight=0.7, kind="advice"),
        Influence(source_id="eng", target_id="ceo", weight=0.3, kind="friendship"),
        Influence(source_id="x1", target_id="ceo", weight=0.5),
        Opportunity(id="O", account_id="S", name="Hydraulics", dmu_type="consensus", value=100),
        OpportunityMember(opportunity_id="O", contact_id="ceo", role="decider", is_decider=True),
        Interaction(id="I-X", date="2026-09-01", time="10:30", type="电话", account_id="X", subject="renewal",
                    notes="private", team_ids={"exec"}, contact_ids={"x1"}),
    ]


def test_write_then_get_round_trips_every_field(any_store):
    records = world()
    any_store.write(Batch.from_records(records))
    for record in records:
        table = next(n for n, spec in TABLES.items() if spec.model is type(record))
        key = tuple(getattr(record, k) for k in TABLES[table].key)
        assert any_store.get(table, key if len(key) > 1 else key[0]) == record


def test_counts(any_store):
    any_store.write(Batch.from_records(world()))
    assert any_store.counts() == {"accounts": 3, "departments": 2, "contacts": 4, "team_members": 3,
                                  "relationships": 2, "reports_to": 2, "influences": 3, "opportunities": 1,
                                  "interactions": 1}


def test_rewriting_the_same_records_changes_nothing(any_store):
    first = any_store.write(Batch.from_records(world()))
    again = any_store.write(Batch.from_records(world()))
    assert first.changed and not again.changed
    assert sum(again.unchanged.values()) == len(world())


def test_upsert_updates_in_place(any_store):
    any_store.write(Batch.from_records(world()))
    result = any_store.write(Batch.from_records([Contact(id="eng", account_id="S", name="Tom", stance=2)]))
    assert result.updated == {"contacts": 1} and result.inserted == {"contacts": 0}
    assert any_store.get("contacts", "eng").stance == 2
    assert any_store.counts()["contacts"] == 4


def test_a_failing_write_leaves_the_store_as_it_was(any_store):
    any_store.write(Batch.from_records(world()))
    before = any_store.counts()
    broken = Batch.from_records([Contact(id="new1", account_id="S", name="ok"),
                                 Contact(id="new2", account_id="S", name="ok")])
    broken.tables["contacts"].loc[1, "name"] = None  # violates the store's NOT NULL on the last row
    with pytest.raises(Exception):
        any_store.write(broken)
    assert any_store.counts() == before
    assert any_store.get("contacts", "new1") is None


def test_subgraph_holds_the_account_its_parts_our_team_and_external_managers(any_store):
    any_store.write(Batch.from_records(world()))
    G = any_store.account_subgraph("S")
    assert isinstance(G, nx.MultiDiGraph)
    assert set(G) == {"account:S", "department:S-P", "contact:buyer", "contact:eng", "contact:ceo",
                      "team:am", "team:exec", "opportunity:O"}
    assert G.nodes["contact:ceo"]["external"] is True and G.nodes["contact:buyer"]["external"] is False
    assert G.nodes["contact:buyer"]["roles"] == ("buyer", "gatekeeper")
    assert G.nodes["account:S"]["account_kind"] == "subsidiary"
    types = {(u, v, d["type"]) for u, v, d in G.edges(data=True)}
    assert ("contact:buyer", "contact:ceo", EdgeType.REPORTS_TO) in types
    assert ("team:am", "contact:buyer", EdgeType.RELATIONSHIP) in types
    assert ("team:am", "account:S", EdgeType.OWNS) in types
    assert ("opportunity:O", "contact:ceo", EdgeType.INVOLVES) in types
    assert G.number_of_edges("contact:eng", "contact:ceo") == 2  # advice and friendship
    assert G.edges["team:am", "contact:buyer", EdgeType.RELATIONSHIP]["strength"] == 0.6


def test_group_subgraph_includes_descendants_not_other_customers(any_store):
    any_store.write(Batch.from_records(world()))
    G = any_store.account_subgraph("G")
    assert {"account:G", "account:S", "contact:eng"} <= set(G)
    assert "contact:x1" not in G and "account:X" not in G and "team:idle" not in G
    tree = account_tree(G)
    assert [a["id"] for a in tree["accounts"]] == ["S"]
    assert tree["departments"][0]["contacts"][0]["id"] == "ceo"


def test_unknown_account_raises(any_store):
    from graph.exceptions import AccountNotFound

    with pytest.raises(AccountNotFound):
        any_store.account_subgraph("nope")


def test_list_accounts_and_search_in_chinese(any_store):
    any_store.write(Batch.from_records(world()))
    rows = {r["id"]: r for r in any_store.list_accounts()}
    assert rows["S"] == {"id": "S", "name": "Sub", "parent_id": "G", "kind": "subsidiary", "tier": None,
                         "posture": None, "share_of_wallet": None, "contacts": 2}
    assert [r["id"] for r in any_store.search("采购")] == ["buyer"]
    assert {r["id"] for r in any_store.search("other")} == {"X", "x1"}
    assert any_store.search("%") == []


def test_existing_ids_and_parents(any_store):
    any_store.write(Batch.from_records(world()))
    assert any_store.existing_ids("contacts", ["ceo", "ghost", "eng"]) == {"ceo", "eng"}
    assert any_store.parents("contacts", ["eng", "ceo", "ghost"]) == {"eng": "buyer", "ceo": None}
    assert any_store.parents("accounts", ["S"]) == {"S": "G"}


def test_delete_contact_removes_its_edges_and_unlinks_reports(any_store):
    any_store.write(Batch.from_records(world()))
    assert any_store.delete("contacts", "buyer") is True
    assert any_store.get("contacts", "buyer") is None
    assert any_store.get("contacts", "eng").reports_to is None
    assert any_store.get("relationships", ("am", "buyer")) is None
    assert any_store.delete("contacts", "buyer") is False


def test_delete_account_with_sub_accounts_is_refused(any_store):
    from graph.exceptions import PowermapError

    any_store.write(Batch.from_records(world()))
    with pytest.raises(PowermapError, match="sub-accounts"):
        any_store.delete("accounts", "G")
    assert any_store.delete("accounts", "S") is True
    assert any_store.get("contacts", "eng") is None and any_store.get("opportunities", "O") is None
    assert any_store.counts()["accounts"] == 2


def contacts_frame(n: int, account_id: str) -> pd.DataFrame:
    """``n`` contacts of one account as an import hands them to the store."""
    return pd.DataFrame({"id": [f"c{i}" for i in range(n)], "account_id": account_id, "department_id": None,
                         "name": "n", "title": None, "level": "staff", "reports_to": None, "roles": [()] * n,
                         "stance": None, "influence": None, "competitor": None, "last_contact": None, "status": None,
                         "email": None, "phone": None, "birthday": None, "notes": None}, dtype=object)


def test_large_batch_reports_progress(any_store):
    n = 120_000
    any_store.write(Batch.from_records([Account(id="X", name="x")]))
    seen = []
    any_store.write(Batch({"contacts": contacts_frame(n, "X")}),
                    progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (n, n) and len(seen) > 1
    assert any_store.counts()["contacts"] == n


def test_account_descendants(any_store):
    any_store.write(Batch.from_records(world()))
    assert any_store.account_descendants(["G"]) == {"G", "S"}
    assert any_store.account_descendants(["S", "X", "ghost"]) == {"S", "X"}


def test_list_records_pages_by_key_and_filters(any_store):
    any_store.write(Batch.from_records(world()))
    first = any_store.list_records("contacts", limit=3)
    assert [r["id"] for r in first] == ["buyer", "ceo", "eng"] and all(r["updated_at"] for r in first)
    assert [r["id"] for r in any_store.list_records("contacts", limit=3, after=first[-1]["key"])] == ["x1"]
    assert {r["id"] for r in any_store.list_records("contacts", account_ids=["S"])} == {"buyer", "eng"}
    edges = any_store.list_records("influence", limit=1)
    assert edges[0]["key"] == ["eng", "ceo", "advice"]
    assert [r["kind"] for r in any_store.list_records("influence", after=edges[0]["key"])] == ["friendship", "other"]
    scoped_team = any_store.list_records("team", account_ids=["S"])
    assert {r["id"] for r in scoped_team} == {"am"}
    assert any_store.list_records("influence", account_ids=["G", "S"])[0]["source_id"] == "eng"
    assert len(any_store.list_records("influence", account_ids=["G", "S"])) == 2  # x1's edge is outside


def test_list_records_since_an_update(any_store):
    any_store.write(Batch.from_records(world()))
    stamp = max(r["updated_at"] for r in any_store.list_records("contacts"))
    later = any_store.list_records("contacts", updated_since=stamp + "~")  # after every stamp so far
    assert later == []
    assert len(any_store.list_records("contacts", updated_since=stamp)) >= 1


def test_dump_holds_every_record(any_store):
    any_store.write(Batch.from_records(world()))
    dumped = any_store.dump()
    assert dumped.counts() == Batch.from_records(world()).counts()
    with EmbeddedStore(":memory:") as copy:
        copy.write(dumped)
        assert copy.counts() == any_store.counts()
        assert copy.get("team", "am") == any_store.get("team", "am")


def test_snapshots_are_kept_by_label(any_store):
    from graph.exceptions import SnapshotNotFound

    any_store.save_snapshot("2026Q3", b"\x00one")
    any_store.save_snapshot("2026Q4", b"two")
    any_store.save_snapshot("2026Q3", b"three")
    assert any_store.load_snapshot("2026Q3") == b"three"
    assert {s["label"]: s["size"] for s in any_store.list_snapshots()} == {"2026Q3": 5, "2026Q4": 3}
    with pytest.raises(SnapshotNotFound):
        any_store.load_snapshot("nope")


# ----- interactions --------------------------------------------------------------------------------
def visit(**fields) -> Interaction:
    values = {"id": "I1", "date": "2026-10-20", "type": "visit", "account_id": "S", "team_ids": {"am"},
              "contact_ids": {"buyer", "eng"}}
    return Interaction(**{**values, **fields})


def test_interactions_feed_relationship_strength_and_last_contact(any_store):
    any_store.write(Batch.from_records([*world(), visit()]))
    G = any_store.account_subgraph("S", as_of=__import__("datetime").date(2026, 10, 20))
    known = G.edges["team:am", "contact:buyer", EdgeType.RELATIONSHIP]
    assert known["strength_entered"] == 0.6 and known["strength_derived"] == 0.4  # visit 2 / (2 + 3)
    assert known["strength"] == 0.4 and known["strength_source"] == "derived" and known["interactions"] == 1
    assert known["last_interaction"] == "2026-10-20"  # later than the entered 2026-10-01
    new = G.edges["team:am", "contact:eng", EdgeType.RELATIONSHIP]  # history alone makes the edge
    assert new["strength_entered"] is None and new["strength"] == 0.4
    assert G.nodes["contact:eng"]["last_contact"] == "2026-10-20"


def test_interactions_with_a_contact_are_in_its_accounts_subgraph_wherever_they_are_filed(any_store):
    elsewhere = visit(id="I2", account_id="X", team_ids={"idle"}, contact_ids={"ceo", "x1"})
    any_store.write(Batch.from_records([*world(), elsewhere]))
    G = any_store.account_subgraph("G", as_of=__import__("datetime").date(2026, 11, 1))
    assert "team:idle" in G and G.has_edge("team:idle", "contact:ceo", EdgeType.RELATIONSHIP)
    assert not G.has_edge("team:exec", "contact:x1")  # I-X is X's business only
    assert {r["id"] for r in any_store.subgraph_rows("G")["interactions"]} == {"I2"}


def test_a_managers_interactions_come_along_when_the_manager_is_outside_the_account(any_store):
    # ceo (at G) is the manager of S's buyer: in S's subgraph as an external contact, with the
    # history filed under G, so the exec → ceo edge is the same in S's map and in G's
    any_store.write(Batch.from_records([*world(), visit(id="I-G", account_id="G", team_ids={"exec"},
                                                        contact_ids={"ceo"})]))
    assert "I-G" in {r["id"] for r in any_store.subgraph_rows("S")["interactions"]}
    day = __import__("datetime").date(2026, 11, 1)
    in_s = any_store.account_subgraph("S", as_of=day).edges["team:exec", "contact:ceo", EdgeType.RELATIONSHIP]
    in_g = any_store.account_subgraph("G", as_of=day).edges["team:exec", "contact:ceo", EdgeType.RELATIONSHIP]
    assert in_s == in_g and in_s["interactions"] == 1


def test_a_contact_who_changes_account_takes_its_interactions_along(any_store):
    any_store.write(Batch.from_records([*world(), visit(id="I-S", contact_ids={"eng"})]))
    ids = lambda account: {r["id"] for r in any_store.subgraph_rows(account)["interactions"]}  # noqa: E731
    assert ids("X") == {"I-X"} and "I-S" not in ids("X")
    any_store.write(Batch.from_records([Contact(id="eng", account_id="X", name="Tom")]))
    assert ids("X") == {"I-X", "I-S"}  # filed under S, with a contact now at X
    any_store.write(Batch.from_records([Contact(id="eng", account_id="S", name="Tom")]))
    assert ids("X") == {"I-X"}
    any_store.write(Batch.from_records([visit(id="I-S", account_id="X", contact_ids={"eng"})]))  # re-filed
    assert "I-S" in ids("S") and "I-S" in ids("X")
    any_store.write(Batch.from_records([visit(id="I-S", account_id="X", contact_ids={"x1"})]))
    assert "I-S" not in ids("S")


def test_deleting_a_contact_takes_it_out_of_interactions_filed_elsewhere(any_store):
    any_store.write(Batch.from_records([*world(), visit(id="I-G", account_id="X", contact_ids={"ceo", "x1"})]))
    assert any_store.delete("contacts", "ceo") is True
    assert any_store.get("interactions", "I-G").contact_ids == frozenset({"x1"})


def test_rewriting_an_interaction_updates_its_participants(any_store):
    any_store.write(Batch.from_records([*world(), visit()]))
    result = any_store.write(Batch.from_records([visit(contact_ids={"buyer"})]))
    assert result.updated == {"interactions": 1}
    assert any_store.write(Batch.from_records([visit(contact_ids={"buyer"})])).changed is False
    G = any_store.account_subgraph("S")
    assert not G.has_edge("team:am", "contact:eng")
    assert any_store.get("interactions", "I1").contact_ids == frozenset({"buyer"})


def test_deleting_people_takes_them_out_of_interactions_and_an_account_takes_its_interactions(any_store):
    any_store.write(Batch.from_records([*world(), visit(sender_id="eng", type="email")]))
    assert any_store.delete("contacts", "eng") is True
    left = any_store.get("interactions", "I1")
    assert left.contact_ids == frozenset({"buyer"}) and left.sender_id is None
    assert any_store.delete("team", "exec") is True
    assert any_store.get("interactions", "I-X").team_ids == frozenset()
    assert any_store.delete("interactions", "I-X") is True and any_store.get("interactions", "I-X") is None
    assert any_store.delete("accounts", "S") is True
    assert any_store.get("interactions", "I1") is None


def test_a_deleted_team_member_leaves_their_deals_without_an_owner_and_the_export_re_imports(any_store, tmp_path):
    from importers import import_paths
    from importers.workbook_writer import account_workbook

    any_store.write(Batch.from_records([*world(), Opportunity(id="O2", account_id="S", name="Valves", owner_id="am")]))
    assert any_store.get("opportunities", "O2").owner_id == "am"
    before = next(r["updated_at"] for r in any_store.list_records("opportunities") if r["id"] == "O2")
    later = stamp_after_this_second()
    assert any_store.delete("team", "am") is True
    row = next(r for r in any_store.list_records("opportunities") if r["id"] == "O2")
    assert row["owner_id"] is None and row["updated_at"] >= later > before
    (tmp_path / "S.xlsx").write_bytes(account_workbook(any_store, "S", "en"))
    report = import_paths([tmp_path / "S.xlsx"], any_store)  # no "unknown team member" for the deal's owner
    assert not report.result.changed and any_store.get("opportunities", "O2").owner_id is None


def stamp_after_this_second() -> str:
    """The current time as the stores stamp ``updated_at`` (whole seconds, UTC), once the clock
    has moved to a second no earlier write can share (waits at most one second)."""
    def now() -> str:
        return __import__("datetime").datetime.now(__import__("datetime").timezone.utc).isoformat(timespec="seconds")

    start = now()
    while now() == start:
        __import__("time").sleep(0.02)
    return now()


def updated_at(store, table: str, key: str) -> str:
    return next(r["updated_at"] for r in store.list_records(table, limit=1000) if r["key"] == key)


def test_a_deleted_contact_leaves_its_interactions_updated(any_store):
    any_store.write(Batch.from_records([*world(), visit(sender_id="eng", type="email")]))
    since = stamp_after_this_second()
    assert any_store.delete("contacts", "eng") is True
    assert updated_at(any_store, "interactions", "I1") >= since  # changed: readers polling updated_since see it
    assert updated_at(any_store, "interactions", "I-X") < since  # untouched
    assert [r["id"] for r in any_store.list_records("interactions", updated_since=since)] == ["I1"]


def test_a_deleted_account_takes_its_contacts_out_of_other_accounts_interactions_and_our_lists(any_store):
    filed_at_g = visit(id="I-G", account_id="G", type="email", team_ids={"exec"}, contact_ids={"ceo", "eng"},
                       sender_id="eng")
    any_store.write(Batch.from_records([*world(), visit(), filed_at_g]))
    since = stamp_after_this_second()
    assert any_store.delete("accounts", "S") is True
    left = any_store.get("interactions", "I-G")
    assert left.contact_ids == frozenset({"ceo"}) and left.sender_id is None
    assert updated_at(any_store, "interactions", "I-G") >= since
    assert any_store.get("interactions", "I1") is None  # filed under S: gone with it
    assert any_store.get("team", "am").accounts == frozenset({"G"})
    assert updated_at(any_store, "team", "am") >= since and updated_at(any_store, "team", "exec") < since
    assert any_store.account_subgraph("G").has_node("team:am")
    assert {r["id"] for r in any_store.list_records("team", account_ids=["S"])} == set()


def test_interactions_page_and_scope_like_every_table(any_store):
    any_store.write(Batch.from_records([*world(), visit()]))
    assert [r["id"] for r in any_store.list_records("interactions", limit=1)] == ["I-X"]
    assert [r["id"] for r in any_store.list_records("interactions", after="I-X")] == ["I1"]
    assert [r["id"] for r in any_store.list_records("interactions", account_ids=["S"])] == ["I1"]


def _second_connection(store, request):
    """Another handle on the same database, as another process (or another server) opens it."""
    if isinstance(store, EmbeddedStore):
        return EmbeddedStore(store.path)
    from graph.neo4j_store import Neo4jStore
    from powermap.wiring import neo4j_driver

    server = request.getfixturevalue("neo4j_server")
    return Neo4jStore(neo4j_driver(server.uri, server.user, server.password), database=server.database,
                      setup_schema=False)


def test_the_version_changes_with_every_change_to_the_graph_whoever_makes_it(any_store, request):
    """What the API's analysis cache relies on: each handle on the store (another process's
    connection, another server's driver) sees a new version after any change, from any handle
    (a write that changes nothing may give one too: the embedded store rewrites link rows)."""
    other = _second_connection(any_store, request)
    handles = (any_store, other)
    try:
        seen = [h.version() for h in handles]
        any_store.write(Batch.from_records(world()))
        after_write = [h.version() for h in handles]
        assert all(a != b for a, b in zip(seen, after_write))
        assert [h.version() for h in handles] == after_write  # reading changes nothing
        assert other.delete("contacts", "eng")
        assert all(a != b for a, b in zip(after_write, [h.version() for h in handles]))
    finally:
        other.close()


def test_a_writer_waits_while_another_holds_exclusive_writes(any_store, request):
    import threading

    other = _second_connection(any_store, request)
    done = threading.Event()

    def write_elsewhere():
        other.write(Batch.from_records([Account(id="Y", name="written by the other writer")]))
        done.set()

    try:
        with any_store.exclusive_writes():
            assert any_store.existing_ids("accounts", ["Y"]) == set()
            writer = threading.Thread(target=write_elsewhere)
            writer.start()
            assert not done.wait(0.5), "the other writer wrote while the write lock was held"
            any_store.write(Batch.from_records([Account(id="Z", name="written under the lock")]))
            assert any_store.existing_ids("accounts", ["Y", "Z"]) == {"Z"}
        writer.join()
        assert done.is_set() and any_store.existing_ids("accounts", ["Y", "Z"]) == {"Y", "Z"}
    finally:
        other.close()


def test_exclusive_writes_read_what_other_writers_committed_before(any_store, request):
    other = _second_connection(any_store, request)
    try:
        other.write(Batch.from_records([Account(id="Y", name="y"), Contact(id="c", account_id="Y", name="c")]))
        with any_store.exclusive_writes():
            assert any_store.existing_ids("contacts", ["c"]) == {"c"}
            assert any_store.delete("contacts", "c") is True
        assert other.get("contacts", "c") is None
    finally:
        other.close()


def test_probe_write_commits_nothing_a_reader_could_see(any_store):
    any_store.write(Batch.from_records(world()))
    before = (any_store.counts(), any_store.list_records("accounts"))
    any_store.probe_write()
    assert (any_store.counts(), any_store.list_records("accounts")) == before


# ----- plan actions (issue 18) ---------------------------------------------------------------
def plan(**overrides):
    from graph.model import PlanAction

    values = dict(id="P1", account_id="S", contact_id="buyer", owner_id="am", action="拜访", start="2026-10-01",
                  due="2026-10-31", target_stance=1, opportunity_id="O", note="bring the sample")
    return PlanAction(**{**values, **overrides})


def test_plan_actions_round_trip_page_scope_and_upsert(any_store):
    any_store.write(Batch.from_records([*world(), plan(), plan(id="P2", account_id="X", contact_id="x1",
                                                               opportunity_id=None, colleagues_count=True)]))
    stored = any_store.get("plans", "P1")
    assert stored == plan()
    assert any_store.get("plans", "P2").colleagues_count is True
    assert [r["id"] for r in any_store.list_records("plans", account_ids=["S"])] == ["P1"]
    assert [r["id"] for r in any_store.list_records("plans", after="P1")] == ["P2"]
    assert any_store.write(Batch.from_records([plan()])).changed is False
    closed = plan(closed_by="exec", closed_reason="customer postponed", closed_on="2026-10-20")
    assert any_store.write(Batch.from_records([closed])).updated == {"plans": 1}
    assert any_store.get("plans", "P1").closed_reason == "customer postponed"
    assert sorted(any_store.dump().tables["plans"]["id"]) == ["P1", "P2"]


def test_plan_actions_go_with_their_contact_and_account_and_lose_a_deleted_opportunity(any_store):
    any_store.write(Batch.from_records([*world(), plan(), plan(id="P2", contact_id="eng"),
                                        plan(id="P3", account_id="X", contact_id="x1", opportunity_id=None)]))
    assert any_store.delete("opportunities", "O") is True
    assert any_store.get("plans", "P1").opportunity_id is None
    assert any_store.delete("contacts", "eng") is True
    assert any_store.get("plans", "P2") is None and any_store.get("plans", "P1") is not None
    assert any_store.delete("plans", "P3") is True and any_store.delete("plans", "P3") is False
    assert any_store.delete("accounts", "S") is True
    assert any_store.get("plans", "P1") is None
