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
from collections.abc import Iterable, Mapping
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
    graph = _Assembly(G)
    A, D, C, T, O = (NodeKind.ACCOUNT, NodeKind.DEPARTMENT, NodeKind.CONTACT, NodeKind.TEAM,
                     NodeKind.OPPORTUNITY)
    for row in accounts:
        graph.add_node(A, row)
    for row in departments:
        graph.add_node(D, row)
    for row in contacts:
        graph.add_node(C, row, roles=tuple(row.get("roles") or ()),
                       external=row.get("account_id") not in graph.account_ids)
    for row in team:
        graph.add_node(T, row, accounts=tuple(row.get("accounts") or ()))
    for row in opportunities:
        graph.add_node(O, row)

    link = graph.add_edge
    for key, data in list(G._node.items()):
        kind = data["kind"]
        if kind == A and data.get("parent_id"):
            link(key, graph.key(A, data["parent_id"]), EdgeType.PART_OF, {"type": EdgeType.PART_OF})
        elif kind == D:
            parent = (graph.key(D, data["parent_id"]) if data.get("parent_id")
                      else graph.key(A, data["account_id"]))
            link(key, parent, EdgeType.PART_OF, {"type": EdgeType.PART_OF})
        elif kind == C:
            home = (graph.key(D, data["department_id"]) if data.get("department_id")
                    else graph.key(A, data["account_id"]))
            link(key, home, EdgeType.PART_OF, {"type": EdgeType.PART_OF})
            if data.get("reports_to"):
                link(key, graph.key(C, data["reports_to"]), EdgeType.REPORTS_TO, {"type": EdgeType.REPORTS_TO})
    influence_keys: dict[Any, str] = {}
    for row in influence:
        source, target = graph.key(C, row["source_id"]), graph.key(C, row["target_id"])
        if source is None or target is None:
            continue
        kind = row.get("kind")
        if row.get("inferred"):
            link(source, target, f"{EdgeType.INFLUENCES}/inferred",
                 {"type": EdgeType.INFLUENCES, "weight": row.get("weight"), "influence_kind": kind, "inferred": True})
            continue
        key = influence_keys.get(kind)
        if key is None:
            key = influence_keys[kind] = f"{EdgeType.INFLUENCES}/{kind}"
        link(source, target, key, {"type": EdgeType.INFLUENCES, "weight": row.get("weight"), "influence_kind": kind})
    for row in relationships:
        member, person = graph.key(T, row["team_id"]), graph.key(C, row["contact_id"])
        if member is None or person is None:
            continue
        data = {"type": EdgeType.RELATIONSHIP, "strength": row.get("strength"),
                "last_interaction": row.get("last_interaction")}
        for k in ("strength_entered", "strength_derived", "strength_source", "interactions"):
            if k in row:
                data[k] = row[k]
        if (row["team_id"], row["contact_id"]) in subjects:
            data["subjects"] = subjects[(row["team_id"], row["contact_id"])]
        link(member, person, EdgeType.RELATIONSHIP, data)
    for row in owned:
        link(graph.key(T, row["team_id"]), graph.key(A, row["account_id"]), EdgeType.OWNS, {"type": EdgeType.OWNS})
    for row in opportunity_members:
        link(graph.key(O, row["opportunity_id"]), graph.key(C, row["contact_id"]), EdgeType.INVOLVES,
             {"type": EdgeType.INVOLVES, "role": row.get("role"), "is_decider": bool(row.get("is_decider")),
              "source_role": row.get("source_role")})
    return graph.done()


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


class _Assembly:
    """Fills a new ``MultiDiGraph``'s own dicts exactly as ``add_node`` / ``add_edge`` would
    (the same node order, adjacency order, edge keys and attribute dicts) without their
    per-call overhead: an account's graph has thousands of edges and is built per request."""

    def __init__(self, G: nx.MultiDiGraph) -> None:
        self.G = G
        self._node, self._succ, self._pred = G._node, G._succ, G._pred
        self.account_ids: set[Any] = set()

    def key(self, kind: str, record_id: Any) -> str | None:
        """The node key of record ``record_id`` of ``kind``; None when it is not a node."""
        key = f"{kind}:{record_id}"
        return key if key in self._node else None

    def add_node(self, kind: str, row: Mapping[str, Any], **fields: Any) -> None:
        """Node of a record, its attributes the row's fields and ``fields``: ``kind`` is the
        node's kind, a record's own kind ``<kind>_kind``."""
        attrs = dict(row)
        attrs.update(fields)
        if "kind" in attrs:
            attrs[f"{kind}_kind"] = attrs.pop("kind")
        attrs["kind"] = kind
        key = node_key(kind, row["id"])
        if kind == NodeKind.ACCOUNT:
            self.account_ids.add(row["id"])
        if key in self._node:  # a record given twice: its attributes are updated, as add_node does
            self._node[key].update(attrs)
            return
        self._node[key] = attrs
        self._succ[key] = {}
        self._pred[key] = {}

    def add_edge(self, u: str | None, v: str | None, key: str, data: dict[str, Any]) -> None:
        """Edge ``u → v`` keyed ``key`` with attributes ``data`` (a dict the graph now owns),
        when both ends are nodes; the same key again updates the edge's attributes."""
        if u is None or v is None:
            return
        successors = self._succ[u]
        keys = successors.get(v)
        if keys is None:
            successors[v] = self._pred[v][u] = {key: data}  # one dict: the successor's and the predecessor's
        elif key in keys:
            keys[key].update(data)
        else:
            keys[key] = data

    def done(self) -> nx.MultiDiGraph:
        """The graph, networkx's cache of converted graphs emptied (as its own methods do)."""
        cache = getattr(self.G, "__networkx_cache__", None)
        if cache:
            cache.clear()
        return self.G
