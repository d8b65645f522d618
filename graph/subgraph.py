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
``relationship``   team member → contact        ``strength``, ``last_interaction``
``owns``           team member → account        —
``involves``       opportunity → contact        ``role``, ``is_decider``, ``source_role``
=================  ===========================  =========================================
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import networkx as nx

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
) -> nx.MultiDiGraph:
    """Assemble the graph of account ``root`` from rows in storage form.

    ``contacts`` may include managers outside the account (``external=True`` is set on
    them); edges whose ends are not among the nodes are dropped, so the graph holds
    exactly the edges among the nodes it shows. ``owned`` holds ``team_id``/``account_id``
    pairs of account ownership.
    """
    # rows are sorted so that the graph, and every analysis on it, does not depend on
    # the order in which the records were imported
    accounts, departments, contacts, team, opportunities = (
        sorted(rows, key=lambda r: r["id"]) for rows in (accounts, departments, contacts, team, opportunities))
    relationships = sorted(relationships, key=lambda r: (r["team_id"], r["contact_id"]))
    influence = sorted(influence, key=lambda r: (r["source_id"], r["target_id"], r.get("kind") or ""))
    opportunity_members = sorted(opportunity_members, key=lambda r: (r["opportunity_id"], r["contact_id"]))
    owned = sorted(owned, key=lambda r: (r["team_id"], r["account_id"]))
    G = nx.MultiDiGraph(root=node_key(NodeKind.ACCOUNT, root), account_id=root)
    account_ids = set()
    for row in accounts:
        account_ids.add(row["id"])
        G.add_node(node_key(NodeKind.ACCOUNT, row["id"]), **_attributes(NodeKind.ACCOUNT, row))
    for row in departments:
        G.add_node(node_key(NodeKind.DEPARTMENT, row["id"]), **_attributes(NodeKind.DEPARTMENT, row))
    for row in contacts:
        attrs = dict(row)
        attrs["roles"] = tuple(attrs.get("roles") or ())
        attrs["external"] = attrs.get("account_id") not in account_ids
        G.add_node(node_key(NodeKind.CONTACT, row["id"]), **_attributes(NodeKind.CONTACT, attrs))
    for row in team:
        attrs = dict(row)
        attrs["accounts"] = tuple(attrs.get("accounts") or ())
        G.add_node(node_key(NodeKind.TEAM, row["id"]), **_attributes(NodeKind.TEAM, attrs))
    for row in opportunities:
        G.add_node(node_key(NodeKind.OPPORTUNITY, row["id"]), **_attributes(NodeKind.OPPORTUNITY, row))

    def link(u: str, v: str, edge_type: str, key: str | None = None, **attrs: Any) -> None:
        if u in G and v in G:
            G.add_edge(u, v, key=key or edge_type, type=edge_type, **attrs)

    A, D, C, T, O = (NodeKind.ACCOUNT, NodeKind.DEPARTMENT, NodeKind.CONTACT, NodeKind.TEAM,
                     NodeKind.OPPORTUNITY)
    for key, data in list(G.nodes(data=True)):
        kind = data["kind"]
        if kind == A and data.get("parent_id"):
            link(key, node_key(A, data["parent_id"]), EdgeType.PART_OF)
        elif kind == D:
            parent = (node_key(D, data["parent_id"]) if data.get("parent_id")
                      else node_key(A, data["account_id"]))
            link(key, parent, EdgeType.PART_OF)
        elif kind == C:
            home = (node_key(D, data["department_id"]) if data.get("department_id")
                    else node_key(A, data["account_id"]))
            link(key, home, EdgeType.PART_OF)
            if data.get("reports_to"):
                link(key, node_key(C, data["reports_to"]), EdgeType.REPORTS_TO)
    for row in influence:
        link(node_key(C, row["source_id"]), node_key(C, row["target_id"]), EdgeType.INFLUENCES,
             key=f"{EdgeType.INFLUENCES}/{row.get('kind')}", weight=row.get("weight"), influence_kind=row.get("kind"))
    for row in relationships:
        link(node_key(T, row["team_id"]), node_key(C, row["contact_id"]), EdgeType.RELATIONSHIP,
             strength=row.get("strength"), last_interaction=row.get("last_interaction"))
    for row in owned:
        link(node_key(T, row["team_id"]), node_key(A, row["account_id"]), EdgeType.OWNS)
    for row in opportunity_members:
        link(node_key(O, row["opportunity_id"]), node_key(C, row["contact_id"]), EdgeType.INVOLVES,
             role=row.get("role"), is_decider=bool(row.get("is_decider")),
             source_role=row.get("source_role"))
    return G


def _attributes(kind: str, row: Mapping[str, Any]) -> dict[str, Any]:
    """Node attributes: ``kind`` is the node's kind; a record's own kind is ``<kind>_kind``."""
    attrs = {k: v for k, v in row.items() if k != "kind"}
    if "kind" in row:
        attrs[f"{kind}_kind"] = row["kind"]
    attrs["kind"] = kind
    return attrs
