"""An account's world as a ``networkx.MultiDiGraph``: one builder for every store.

Node keys are ``"<kind>:<id>"`` (``"contact:C0001"``, ``"team:T01"``) so that ids
chosen independently per table never collide; every node carries ``kind`` (the node's
kind) and ``id`` and the record's fields as attributes, a record's own kind renamed
``account_kind`` / ``department_kind``. Edge keys are the edge types below, so
``G.edges(keys=True)`` reads as a sentence: contact —reports_to→ contact. (Influence edges, which may link one pair
once per kind, are keyed ``influences/<kind>``; every edge carries its ``type``.)

=================  ===========================  =========================================
edge type          direction                    attributes
=================  ===========================  =========================================
``part_of``        account → parent account,    —
                   department → account or
                   parent department,
                   contact → department/account
``reports_to``     contact → manager            —
``influences``     source contact → target      ``weight``, ``influence_kind``
``relationship``   team member → contact        ``strength``, ``last_interaction``,
                                                ``strength_entered``, ``strength_derived``,
                                                ``strength_source``, ``interactions``,
                                                ``subjects``
``owns``           team member → account        —
``involves``       opportunity → contact        ``role``, ``is_decider``, ``source_role``
=================  ===========================  =========================================

With ``interactions`` (rows of the interaction history), relationship strength and
recency come from the history (:mod:`graph.strength`): ``strength`` is the one the
policy prefers, ``strength_entered`` the hand-entered one, ``strength_derived`` the
derived one; ``last_interaction`` is the later of the entered date and the last
interaction, and so is each contact's ``last_contact``. Pairs with history but no
hand-entered relationship get a relationship edge too; ``subjects`` are the subjects of
the pair's latest interactions (at most three, newest first: what was talked about).
Inferred influence edges (policy ``infer_influence``) are keyed ``influences/inferred``
and carry ``inferred=True``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from operator import itemgetter
from typing import Any

import networkx as nx

from graph.strength_policy import StrengthPolicy

__all__ = ["NodeKind", "EdgeType", "node_key", "split_key", "build_account_graph"]


class NodeKind:
    ACCOUNT = "account"
    DEPARTMENT = "department"
    CONTACT = "contact"
    TEAM = "team"
    OPPORTUNITY = "opportunity"


class EdgeType:
    PART_OF = "part_of"
    REPORTS_TO = "reports_to"
    INFLUENCES = "influences"
    RELATIONSHIP = "relationship"
    OWNS = "owns"
    INVOLVES = "involves"


def node_key(kind: str, record_id: str) -> str:
    """The graph key of a record.

    >>> node_key("contact", "C0001")
    'contact:C0001'
    """
    return f"{kind}:{record_id}"


def split_key(key: str) -> tuple[str, str]:
    """``(kind, id)`` of a graph key.

    >>> split_key("team:T01")
    ('team', 'T01')
    """
    kind, _, record_id = key.partition(":")
    return kind, record_id


Rows = Iterable[Mapping[str, Any]]


def build_account_graph(
    root: str,
    *,
    accounts: Rows,
    departments: Rows,
    contacts: Rows,
    team: Rows,
    relationships: Rows,
    influence: Rows,
    opportunities: Rows,
    opportunity_members: Rows,
    owned: Rows = (),
    interactions: Rows = (),
    as_of: dt.date | None = None,
    policy: StrengthPolicy | None = None,
) -> nx.MultiDiGraph:
    """Assemble the graph of account ``root`` from rows in storage form.

    ``contacts`` may include managers outside the account (``external=True`` is set on
    them); edges whose ends are not among the nodes are dropped, so the graph holds
    exactly the edges among the nodes it shows. ``owned`` holds ``team_id``/``account_id``
    pairs of account ownership. ``interactions`` (storage form) feed derived strength
    and recency as of ``as_of`` (default today) under ``policy``.
    """
    policy = policy or StrengthPolicy()
    interactions = list(interactions)
    subjects = _latest_subjects(interactions, as_of=as_of or dt.date.today())
    relationships, contacts, influence = _with_history(relationships, contacts, influence, interactions,
                                                       as_of=as_of or dt.date.today(), policy=policy)
    # rows are sorted so that the graph, and every analysis on it, does not depend on
    # the order in which the records were imported
    accounts, departments, contacts, team, opportunities = (
        sorted(rows, key=itemgetter("id")) for rows in (accounts, departments, contacts, team, opportunities))
    relationships = sorted(relationships, key=itemgetter("team_id", "contact_id"))
    influence = sorted(influence, key=lambda r: (r["source_id"], r["target_id"], r.get("kind") or ""))
    opportunity_members = sorted(opportunity_members, key=itemgetter("opportunity_id", "contact_id"))
    owned = sorted(owned, key=itemgetter("team_id", "account_id"))
    G = nx.MultiDiGraph(root=node_key(NodeKind.ACCOUNT, root), account_id=root)
    account_ids = {row["id"] for row in accounts}
    _add_nodes(G, NodeKind.ACCOUNT, accounts)
    _add_nodes(G, NodeKind.DEPARTMENT, departments)
    _add_nodes(G, NodeKind.CONTACT, contacts, lambda row: {"roles": tuple(row.get("roles") or ()),
                                                           "external": row.get("account_id") not in account_ids})
    _add_nodes(G, NodeKind.TEAM, team, lambda row: {"accounts": tuple(row.get("accounts") or ())})
    _add_nodes(G, NodeKind.OPPORTUNITY, opportunities)
    _add_edges(G, _edges(G, influence, relationships, owned, opportunity_members, subjects))
    return G


def _with_history(relationships: list, contacts: list, influence: list, interactions: list, *,
                  as_of: dt.date, policy: StrengthPolicy) -> tuple[list, list, list]:
    """Relationships, contacts and influence rows with the history folded in."""
    if not interactions:
        return relationships, contacts, influence
    from graph.strength import derive_strengths, infer_influence, last_contacts  # numpy and pandas: only here

    derived = {(r["team_id"], r["contact_id"]): r
               for r in derive_strengths(interactions, as_of=as_of, policy=policy).to_dict("records")}
    merged = []
    for row in relationships:
        row = dict(row)
        found = derived.pop((row["team_id"], row["contact_id"]), None)
        merged.append(_merge(row, found, policy))
    for (team_id, contact_id), found in sorted(derived.items()):
        merged.append(_merge({"team_id": team_id, "contact_id": contact_id, "strength": None,
                              "last_interaction": None}, found, policy))
    last = last_contacts(interactions, as_of=as_of)
    people = []
    for row in contacts:
        seen = last.get(row["id"])
        if seen and (not row.get("last_contact") or str(row["last_contact"])[:10] < seen):
            row = {**row, "last_contact": seen}
        people.append(row)
    if policy.infer_influence:
        influence = [*influence, *infer_influence(interactions, as_of=as_of, policy=policy)]
    return sorted(merged, key=lambda r: (r["team_id"], r["contact_id"])), people, influence


def _latest_subjects(interactions: list, *, as_of: dt.date,
                     keep: int = 3) -> dict[tuple[str, str], tuple[str, ...]]:
    """(team member, contact) → the distinct subjects of their latest interactions up to
    ``as_of``, newest first, at most ``keep``."""
    last = as_of.isoformat()
    dated = sorted(((str(r["date"])[:10], r.get("time") or "", str(r.get("id") or ""), r["subject"],
                     r.get("team_ids") or (), r.get("contact_ids") or ())
                    for r in interactions if r.get("subject") and str(r["date"])[:10] <= last),
                   key=lambda x: x[:4], reverse=True)  # newest first, the same whatever the rows' order
    out: dict[tuple[str, str], list[str]] = {}
    for *_when, subject, team_ids, contact_ids in dated:
        for t in team_ids:
            for c in contact_ids:
                said = out.setdefault((t, c), [])
                if len(said) < keep and subject not in said:
                    said.append(subject)
    return {pair: tuple(said) for pair, said in out.items()}


def _merge(row: dict, found: Mapping[str, Any] | None, policy: StrengthPolicy) -> dict:
    entered = row.get("strength")
    row["strength_entered"] = entered
    if found is None:
        row.update(strength_derived=None, interactions=0, strength_source="entered" if entered is not None else None)
        return row
    derived = round(float(found["strength"]), 4)
    use_derived = policy.prefer == "derived" or entered is None
    row.update(strength=derived if use_derived else entered, strength_derived=derived,
               interactions=int(found["interactions"]), strength_source="derived" if use_derived else "entered")
    if not row.get("last_interaction") or str(row["last_interaction"])[:10] < found["last_interaction"]:
        row["last_interaction"] = found["last_interaction"]
    return row


# The graph's own dicts are filled exactly as add_node / add_edge fill them (the same node
# order, adjacency order, edge keys and attribute dicts) without their per-call cost: an
# account's graph has thousands of edges and is built for every request.

def _edges(G: nx.MultiDiGraph, influence: list, relationships: list, owned: list, opportunity_members: list,
           subjects: dict[tuple[str, str], tuple[str, ...]]) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
    """Every edge of the records ``(u, v, key, attributes)``, in the order they are added
    (:func:`_add_edges` drops those whose ends are not nodes): each node's part-of and
    reports-to, then influence, relationships, ownership and opportunity members."""
    part_of, reports_to = EdgeType.PART_OF, EdgeType.REPORTS_TO
    A, D, C, T, O = (NodeKind.ACCOUNT, NodeKind.DEPARTMENT, NodeKind.CONTACT, NodeKind.TEAM,
                     NodeKind.OPPORTUNITY)
    for key, data in G._node.items():  # _add_edges adds no node
        kind = data["kind"]
        if kind == A and data.get("parent_id"):
            yield (key, f"{A}:{data['parent_id']}", part_of, {"type": part_of})
        elif kind == D:
            parent = f"{D}:{data['parent_id']}" if data.get("parent_id") else f"{A}:{data['account_id']}"
            yield (key, parent, part_of, {"type": part_of})
        elif kind == C:
            home = f"{D}:{data['department_id']}" if data.get("department_id") else f"{A}:{data['account_id']}"
            yield (key, home, part_of, {"type": part_of})
            if data.get("reports_to"):
                yield (key, f"{C}:{data['reports_to']}", reports_to, {"type": reports_to})
    influences, inferred = EdgeType.INFLUENCES, f"{EdgeType.INFLUENCES}/inferred"
    kind_keys: dict[Any, str] = {}  # influence kind → edge key
    for row in influence:
        kind = row.get("kind")
        data = {"type": influences, "weight": row.get("weight"), "influence_kind": kind}
        if row.get("inferred"):
            key = inferred
            data["inferred"] = True
        else:
            key = kind_keys.get(kind) or kind_keys.setdefault(kind, f"{influences}/{kind}")
        yield (f"{C}:{row['source_id']}", f"{C}:{row['target_id']}", key, data)
    for row in relationships:
        data = {"type": EdgeType.RELATIONSHIP, "strength": row.get("strength"),
                "last_interaction": row.get("last_interaction")}
        for k in ("strength_entered", "strength_derived", "strength_source", "interactions"):
            if k in row:
                data[k] = row[k]
        if (row["team_id"], row["contact_id"]) in subjects:
            data["subjects"] = subjects[(row["team_id"], row["contact_id"])]
        yield (f"{T}:{row['team_id']}", f"{C}:{row['contact_id']}", EdgeType.RELATIONSHIP, data)
    for row in owned:
        yield (f"{T}:{row['team_id']}", f"{A}:{row['account_id']}", EdgeType.OWNS, {"type": EdgeType.OWNS})
    for row in opportunity_members:
        yield (f"{O}:{row['opportunity_id']}", f"{C}:{row['contact_id']}", EdgeType.INVOLVES,
               {"type": EdgeType.INVOLVES, "role": row.get("role"), "is_decider": bool(row.get("is_decider")),
                "source_role": row.get("source_role")})


def _add_nodes(G: nx.MultiDiGraph, kind: str, rows: Iterable[Mapping[str, Any]],
               fields: Callable[[Mapping[str, Any]], dict[str, Any]] | None = None) -> None:
    """A node per record, its attributes the row's fields and ``fields(row)``: ``kind`` is the
    node's kind, a record's own kind ``<kind>_kind``; a record given twice updates its node."""
    nodes, successors, predecessors = G._node, G._succ, G._pred
    own_kind = f"{kind}_kind"
    for row in rows:
        attrs = dict(row)
        if fields is not None:
            attrs.update(fields(row))
        if "kind" in attrs:
            attrs[own_kind] = attrs.pop("kind")
        attrs["kind"] = kind
        key = f"{kind}:{row['id']}"
        if key in nodes:
            nodes[key].update(attrs)
        else:
            nodes[key], successors[key], predecessors[key] = attrs, {}, {}
    _changed(G)


def _add_edges(G: nx.MultiDiGraph, edges: Iterable[tuple[str, str, str, dict[str, Any]]]) -> None:
    """Each edge ``(u, v, key, attributes)`` whose ends are both nodes (the graph keeps the
    attribute dict); the same key again updates the edge's attributes."""
    successors, predecessors = G._succ, G._pred
    for u, v, key, data in edges:
        if u not in successors or v not in successors:
            continue
        keys = successors[u].get(v)
        if keys is None:  # one key dict for the pair, seen from both ends
            successors[u][v] = predecessors[v][u] = {key: data}
        elif key in keys:
            keys[key].update(data)
        else:
            keys[key] = data
    _changed(G)


def _changed(G: nx.MultiDiGraph) -> None:
    """Empty networkx's cache of converted graphs, as its own methods do after a change."""
    cache = getattr(G, "__networkx_cache__", None)
    if cache:
        cache.clear()
