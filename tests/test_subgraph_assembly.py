"""The account graph is assembled straight into networkx's dicts (#17, graph/subgraph.py): it
must be the very graph that networkx's own ``add_node`` / ``add_edge`` give, record by record —
the same nodes and attributes in the same order, the same adjacency (successors and
predecessors) in the same order, the same edge keys and attributes — on hand-made edge cases,
the demo, the real organisations and the benchmark's account; and a graph a user changes
afterwards behaves as any networkx graph."""

from __future__ import annotations

import datetime as dt
from typing import Any

import networkx as nx
import pytest

from golden_analyses import ORGANISATIONS, load
from graph.strength_policy import StrengthPolicy
from graph.subgraph import _latest_subjects, _with_history, build_account_graph

DAY = dt.date(2026, 10, 1)


def plain_graph(root: str, *, accounts, departments, contacts, team, relationships, influence, opportunities,
                opportunity_members, owned=(), interactions=(), as_of=None, policy=None) -> nx.MultiDiGraph:
    """The reference: the same records put in with networkx's public add_node / add_edge, one
    call per record (how the graph was built before #17)."""
    as_of, policy, interactions = as_of or dt.date.today(), policy or StrengthPolicy(), list(interactions)
    subjects = _latest_subjects(interactions, as_of=as_of)
    relationships, contacts, influence = _with_history(relationships, contacts, influence, interactions,
                                                       as_of=as_of, policy=policy)
    G = nx.MultiDiGraph(root=f"account:{root}", account_id=root)
    account_ids = {r["id"] for r in accounts}

    def record(kind: str, row: dict, **extra: Any) -> None:
        attrs = {**{k: v for k, v in row.items() if k != "kind"}, **extra}
        if "kind" in row:
            attrs[f"{kind}_kind"] = row["kind"]
        G.add_node(f"{kind}:{row['id']}", **attrs, kind=kind)

    def edge(u: str, v: str, edge_type: str, key: str | None = None, **attrs: Any) -> None:
        if G.has_node(u) and G.has_node(v):
            G.add_edge(u, v, key or edge_type, type=edge_type, **attrs)

    by_id = lambda r: r["id"]  # noqa: E731 (records in id order, edges in the order of their ends)
    for row in sorted(accounts, key=by_id):
        record("account", row)
    for row in sorted(departments, key=by_id):
        record("department", row)
    for row in sorted(contacts, key=by_id):
        record("contact", row, roles=tuple(row.get("roles") or ()), external=row.get("account_id") not in account_ids)
    for row in sorted(team, key=by_id):
        record("team", row, accounts=tuple(row.get("accounts") or ()))
    for row in sorted(opportunities, key=by_id):
        record("opportunity", row)
    for n, d in list(G.nodes(data=True)):
        if d["kind"] == "account" and d.get("parent_id"):
            edge(n, f"account:{d['parent_id']}", "part_of")
        elif d["kind"] == "department":
            edge(n, f"department:{d['parent_id']}" if d.get("parent_id") else f"account:{d['account_id']}", "part_of")
        elif d["kind"] == "contact":
            edge(n, f"department:{d['department_id']}" if d.get("department_id") else f"account:{d['account_id']}",
                 "part_of")
            if d.get("reports_to"):
                edge(n, f"contact:{d['reports_to']}", "reports_to")
    for r in sorted(influence, key=lambda r: (r["source_id"], r["target_id"], r.get("kind") or "")):
        extra = {"inferred": True} if r.get("inferred") else {}
        edge(f"contact:{r['source_id']}", f"contact:{r['target_id']}", "influences",
             "influences/inferred" if extra else f"influences/{r.get('kind')}", weight=r.get("weight"),
             influence_kind=r.get("kind"), **extra)
    for r in sorted(relationships, key=lambda r: (r["team_id"], r["contact_id"])):
        history = {k: r[k] for k in ("strength_entered", "strength_derived", "strength_source", "interactions")
                   if k in r}
        if (r["team_id"], r["contact_id"]) in subjects:
            history["subjects"] = subjects[r["team_id"], r["contact_id"]]
        edge(f"team:{r['team_id']}", f"contact:{r['contact_id']}", "relationship", strength=r.get("strength"),
             last_interaction=r.get("last_interaction"), **history)
    for r in sorted(owned, key=lambda r: (r["team_id"], r["account_id"])):
        edge(f"team:{r['team_id']}", f"account:{r['account_id']}", "owns")
    for r in sorted(opportunity_members, key=lambda r: (r["opportunity_id"], r["contact_id"])):
        edge(f"opportunity:{r['opportunity_id']}", f"contact:{r['contact_id']}", "involves", role=r.get("role"),
             is_decider=bool(r.get("is_decider")), source_role=r.get("source_role"))
    return G


def assert_same_graph(G: nx.MultiDiGraph, H: nx.MultiDiGraph) -> None:
    """Equal, and equal in every order an analysis can see (dicts compared item by item)."""
    assert nx.utils.graphs_equal(G, H)
    assert list(G.graph.items()) == list(H.graph.items())
    nodes = lambda X: [(n, list(d.items())) for n, d in X.nodes(data=True)]  # noqa: E731
    assert nodes(G) == nodes(H)
    edges = lambda X, view: [(u, v, k, list(d.items())) for u, v, k, d in view(X)(keys=True, data=True)]  # noqa: E731
    assert edges(G, lambda X: X.edges) == edges(H, lambda X: X.edges)
    assert edges(G, lambda X: X.in_edges) == edges(H, lambda X: X.in_edges)
    for n in H:
        assert [(v, list(keys)) for v, keys in G.succ[n].items()] == [(v, list(keys)) for v, keys in H.succ[n].items()]
        assert [(u, list(keys)) for u, keys in G.pred[n].items()] == [(u, list(keys)) for u, keys in H.pred[n].items()]
    for u, successors in G._succ.items():  # one key dict per pair, seen from both ends (as add_edge leaves it)
        for v, keys in successors.items():
            assert G._pred[v][u] is keys
    assert G._adj is G._succ and set(G._pred) == set(G._succ) == set(G._node)


def hand_made() -> dict[str, Any]:
    """Every case the builder handles: records out of order and one given twice, own kinds,
    parents outside the rows, an external manager, edges to missing ends, influence of
    several kinds between one pair (and back, and to oneself, and one row twice), inferred
    influence, history with subjects and derived strength."""
    return dict(
        accounts=[{"id": "S", "name": "Sub", "parent_id": "G", "kind": "subsidiary"},
                  {"id": "G", "name": "Group", "parent_id": None, "kind": "group", "tier": "A"},
                  {"id": "L", "name": "Lost", "parent_id": "GONE", "kind": "subsidiary"}],
        departments=[{"id": "D2", "account_id": "S", "name": "Design", "kind": "design", "parent_id": "D1"},
                     {"id": "D1", "account_id": "S", "name": "Purchasing", "kind": "purchasing", "parent_id": None},
                     {"id": "D9", "account_id": "G", "name": "Orphan", "kind": "user", "parent_id": "GONE"}],
        contacts=[{"id": "C3", "account_id": "S", "department_id": "D2", "name": "Wu", "reports_to": "C2",
                   "roles": ("user",), "stance": 1},
                  {"id": "C1", "account_id": "G", "department_id": None, "name": "Li", "reports_to": None,
                   "roles": ("decider", "buyer"), "stance": 3, "last_contact": "2026-05-01"},
                  {"id": "C2", "account_id": "S", "department_id": "D1", "name": "Zhao", "reports_to": "M",
                   "roles": None, "stance": -1},
                  {"id": "M", "account_id": "ELSEWHERE", "department_id": "DX", "name": "Boss", "reports_to": None,
                   "roles": ("decider",)},
                  {"id": "C4", "account_id": "G", "department_id": None, "name": "Left", "reports_to": "GONE"},
                  {"id": "C1", "account_id": "G", "department_id": None, "name": "Li", "reports_to": None,
                   "roles": ("decider",), "title": "CEO", "stance": 2}],
        team=[{"id": "T2", "name": "Sales", "role": "sales", "accounts": None},
              {"id": "T1", "name": "AM", "role": "account_manager", "accounts": ("G", "S")}],
        relationships=[{"team_id": "T1", "contact_id": "C3", "strength": 0.4, "last_interaction": "2026-01-01"},
                       {"team_id": "T1", "contact_id": "C1", "strength": 0.8, "last_interaction": None},
                       {"team_id": "T9", "contact_id": "C1", "strength": 0.8, "last_interaction": None},
                       {"team_id": "T2", "contact_id": "NOBODY", "strength": 0.1, "last_interaction": None}],
        influence=[{"source_id": "C1", "target_id": "C2", "weight": 0.5, "kind": "formal"},
                   {"source_id": "C1", "target_id": "C2", "weight": 0.2, "kind": "informal"},
                   {"source_id": "C1", "target_id": "C2", "weight": 0.3, "kind": "technical"},
                   {"source_id": "C2", "target_id": "C1", "weight": 0.6, "kind": "formal"},
                   {"source_id": "C3", "target_id": "C3", "weight": 0.1, "kind": "other"},
                   {"source_id": "C1", "target_id": "NOBODY", "weight": 0.9, "kind": "formal"},
                   {"source_id": "C3", "target_id": "M", "weight": 0.7, "kind": "formal"},
                   {"source_id": "C3", "target_id": "M", "weight": 0.8, "kind": "formal"},
                   {"source_id": "C2", "target_id": "C3", "weight": 0.4, "kind": "other", "inferred": True}],
        opportunities=[{"id": "O2", "account_id": "G", "name": "Pumps", "dmu_type": "single"},
                       {"id": "O1", "account_id": "S", "name": "Valves", "dmu_type": "consensus"}],
        opportunity_members=[{"opportunity_id": "O1", "contact_id": "C2", "role": "decider", "is_decider": 1,
                              "source_role": "decider"},
                             {"opportunity_id": "O1", "contact_id": "C1", "role": None, "is_decider": 0},
                             {"opportunity_id": "O1", "contact_id": "NOBODY", "role": "user", "is_decider": 0},
                             {"opportunity_id": "O9", "contact_id": "C1", "role": "user", "is_decider": 0}],
        owned=[{"team_id": "T1", "account_id": "S"}, {"team_id": "T1", "account_id": "G"},
               {"team_id": "T1", "account_id": "GONE"}, {"team_id": "T2", "account_id": "G"}],
        interactions=[
            {"id": "I1", "date": "2026-09-20", "type": "meeting", "subject": "pricing", "team_ids": ("T1",),
             "contact_ids": ("C1", "C3"), "sender_id": None},
            {"id": "I2", "date": "2026-09-25", "time": "09:00", "type": "visit", "subject": "visit",
             "team_ids": ("T2",), "contact_ids": ("C2",), "sender_id": None},
            {"id": "I3", "date": "2026-09-28", "type": "meeting", "subject": "internal", "team_ids": (),
             "contact_ids": ("C1", "C2"), "sender_id": None},
            {"id": "I4", "date": "2026-12-01", "type": "call", "subject": "later", "team_ids": ("T1",),
             "contact_ids": ("C1",), "sender_id": None}],
    )


@pytest.mark.parametrize("policy", [StrengthPolicy(), StrengthPolicy(infer_influence=True, prefer="entered")])
@pytest.mark.parametrize("history", [True, False])
def test_hand_made_records_give_the_graph_networkx_builds(policy, history):
    rows = hand_made()
    if not history:
        rows["interactions"] = []
    G = build_account_graph("G", **rows, as_of=DAY, policy=policy)
    assert_same_graph(G, plain_graph("G", **rows, as_of=DAY, policy=policy))
    # the cases are there: dropped ends, the external manager, a pair's kinds, the twice-given rows
    assert not G.has_node("contact:NOBODY") and not G.has_edge("team:T1", "account:GONE")
    assert G.nodes["contact:M"]["external"] and not G.nodes["contact:C2"]["external"]
    assert [k for k in G.succ["contact:C1"]["contact:C2"] if k != "influences/inferred"] == [
        "influences/formal", "influences/informal", "influences/technical"]
    assert G.nodes["contact:C1"]["title"] == "CEO" and G.edges["contact:C3", "contact:M", "influences/formal"][
        "weight"] == 0.8
    assert G.has_edge("contact:C3", "contact:C3") and G.has_edge("contact:C2", "contact:C3", "influences/inferred")
    inferred = [k for _, _, k in G.edges(keys=True) if k == "influences/inferred"]
    assert len(inferred) == (3 if policy.infer_influence and history else 1)
    assert ("subjects" in G.edges["team:T1", "contact:C1", "relationship"]) is history


def test_the_graph_owns_its_attribute_dicts():
    rows = hand_made()
    G = build_account_graph("G", **rows, as_of=DAY)
    G.nodes["contact:C3"]["stance"] = -1
    G.edges["contact:C1", "contact:C2", "influences/formal"]["weight"] = 0.0
    assert rows["contacts"][0]["stance"] == 1 and rows["influence"][0]["weight"] == 0.5
    dicts = [d for _, d in G.nodes(data=True)] + [d for *_, d in G.edges(keys=True, data=True)]
    assert len({id(d) for d in dicts}) == len(dicts)


def test_a_graph_changed_afterwards_behaves_as_networkx_builds_it():
    rows = hand_made()
    G, H = build_account_graph("G", **rows, as_of=DAY), plain_graph("G", **rows, as_of=DAY)
    for X in (G, H):
        X.remove_edge("contact:C1", "contact:C2", "influences/informal")
        X.remove_edge("contact:C2", "contact:C1")
        X.add_edge("contact:C2", "contact:C1", "influences/formal", type="influences", weight=0.1)
        X.add_edge("team:T2", "contact:C3", "relationship", type="relationship", strength=0.5)
        X.remove_node("contact:C3")
        X.add_node("contact:NEW", kind="contact", id="NEW")
        X.add_edge("contact:NEW", "contact:C1", "reports_to", type="reports_to")
    assert_same_graph(G, H)
    assert "contact:C3" not in G.succ["team:T1"] and "contact:C3" not in G.pred["contact:M"]
    assert list(G.succ["contact:C2"]["contact:C1"]) == ["influences/formal"] and G.pred["contact:C1"]["contact:NEW"]


@pytest.fixture(scope="module", params=sorted(ORGANISATIONS))
def organisation(request, tmp_path_factory):
    name = request.param
    with load(name, tmp_path_factory.mktemp(name)) as store:
        if name == "synthetic":  # the benchmark's account: our team in business units
            from bench.synthetic import group_account

            store.write(group_account(500, 2000, divisions=True))
        yield store, ORGANISATIONS[name]


def test_every_account_of_the_demo_the_real_organisations_and_the_bench_gives_the_graph_networkx_builds(
        organisation):
    store, (accounts, today) = organisation
    for account in accounts:
        rows = store.subgraph_rows(account)
        G = build_account_graph(account, **rows, as_of=today, policy=store.strength_policy)
        assert_same_graph(G, plain_graph(account, **rows, as_of=today, policy=store.strength_policy))
        present = {**rows, "contacts": [c for c in rows["contacts"] if c.get("status") != "departed"]}
        fetched = store.account_subgraph(account, as_of=today)
        reference = plain_graph(account, **present, as_of=today, policy=store.strength_policy)
        # plans and people are the store's additions, not the builder's
        reference.graph.update(plans=fetched.graph["plans"], people=fetched.graph["people"])
        assert_same_graph(fetched, reference)
        assert fetched.number_of_edges() > 0
