"""The account tree: group → subsidiaries → departments → contacts, as nested data.

It is what ``powermap show --json`` prints and ``GET /accounts/{id}/tree`` returns.
"""

from __future__ import annotations

from typing import Any

import networkx as nx

from graph.subgraph import EdgeType, NodeKind, node_key

__all__ = ["account_tree", "CONTACT_FIELDS"]

#: The fields of a contact in the tree.
CONTACT_FIELDS = ("id", "name", "title", "level", "reports_to", "roles", "stance")
_DEPARTMENT_ORDER = {"management": 0, "purchasing": 1, "design": 2, "user": 3}


def account_tree(G: nx.MultiDiGraph, account_id: str | None = None) -> dict[str, Any]:
    """Nest an account subgraph: each account with its departments (and their contacts,
    sub-departments) and its sub-accounts; contacts with no department sit on the account.

    Parameters
    ----------
    G : MultiDiGraph
        An account subgraph from :meth:`graph.store.GraphStore.account_subgraph`.
    account_id : str, optional
        The account at the top (default: the graph's root).

    Examples
    --------
    >>> from graph.subgraph import build_account_graph
    >>> G = build_account_graph("A", accounts=[{"id": "A", "name": "Acme", "parent_id": None}],
    ...     departments=[], contacts=[{"id": "c", "account_id": "A", "name": "Li", "title": "CEO",
    ...     "level": "executive", "reports_to": None, "roles": ("decider",), "stance": 1}],
    ...     team=[], relationships=[], influence=[], opportunities=[], opportunity_members=[])
    >>> account_tree(G)["contacts"][0]["roles"]
    ['decider']
    """
    children: dict[str, list[str]] = {}
    for u, v, k in G.edges(keys=True):
        if k == EdgeType.PART_OF:
            children.setdefault(v, []).append(u)
    root = node_key(NodeKind.ACCOUNT, account_id) if account_id else G.graph["root"]

    def kids(key: str, kind: str) -> list[str]:
        return sorted((c for c in children.get(key, ()) if G.nodes[c]["kind"] == kind),
                      key=lambda c: _order(G.nodes[c]))

    def contact(key: str) -> dict[str, Any]:
        data = G.nodes[key]
        row = {f: data.get(f) for f in CONTACT_FIELDS}
        row["roles"] = sorted(row["roles"] or ())
        return row

    def department(key: str) -> dict[str, Any]:
        data = G.nodes[key]
        return {"id": data["id"], "name": data["name"], "kind": data.get("department_kind"),
                "contacts": [contact(c) for c in kids(key, NodeKind.CONTACT)],
                "departments": [department(d) for d in kids(key, NodeKind.DEPARTMENT)]}

    def account(key: str) -> dict[str, Any]:
        data = G.nodes[key]
        return {
            "id": data["id"], "name": data["name"], "kind": data.get("account_kind"),
            "tier": data.get("tier"), "posture": data.get("posture"),
            "share_of_wallet": data.get("share_of_wallet"),
            "departments": [department(d) for d in kids(key, NodeKind.DEPARTMENT)],
            "contacts": [contact(c) for c in kids(key, NodeKind.CONTACT)],
            "accounts": [account(a) for a in kids(key, NodeKind.ACCOUNT)],
        }

    return account(root)


def _order(data: dict[str, Any]) -> tuple:
    return (_DEPARTMENT_ORDER.get(data.get("department_kind"), 9), data.get("name") or "", data["id"])
