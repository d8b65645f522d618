"""What a key may see: records inside its accounts (descendants included), personal
fields only with ``--pii``, and no id of anything outside its accounts.

Every response, export and event payload goes through here. For a key restricted to
accounts, a record outside them is treated exactly as a missing one (404), and links
that would name an outside record (an account's parent, a contact's manager, a team
member's other accounts) are left out. An account graph shown to such a key holds no
node the key would get 404 for: no outside account or contact, and no team member
who neither owns one of its accounts nor knows one of its contacts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import networkx as nx

from api.security import Principal
from graph.model import TABLES, personal_fields
from graph.store import GraphStore
from graph.subgraph import NodeKind

__all__ = ["View", "PERSONAL", "record_account", "visible_move", "ANALYSIS_INPUTS"]

#: What an account graph carries for its analyses (``G.graph``), never exported as such.
ANALYSIS_INPUTS = ("plans", "people")

#: Personal fields per table (``graph.model.personal_fields`` of its record).
PERSONAL: dict[str, frozenset[str]] = {name: personal_fields(spec.model) for name, spec in TABLES.items()}
_PERSONAL_BY_NODE_KIND = {NodeKind.CONTACT: PERSONAL["contacts"], NodeKind.TEAM: PERSONAL["team"]}


def record_account(table: str, row: Mapping[str, Any]) -> str | None:
    """The account a record of an account-owned table belongs to."""
    if table == "accounts":
        return row["id"]
    if table in ("departments", "contacts", "opportunities", "plans"):
        return row["account_id"]
    return None


class View:
    """A principal's view of the store for one request (lookups are cached)."""

    def __init__(self, store: GraphStore, principal: Principal):
        self.store = store
        self.principal = principal
        self._contact_accounts: dict[str, str | None] = {}
        self._opportunity_accounts: dict[str, str | None] = {}

    # ----- what is visible --------------------------------------------------------------
    def contact_account(self, contact_id: str) -> str | None:
        if contact_id not in self._contact_accounts:
            record = self.store.get("contacts", contact_id)
            self._contact_accounts[contact_id] = record.account_id if record else None
        return self._contact_accounts[contact_id]

    def opportunity_account(self, opportunity_id: str) -> str | None:
        if opportunity_id not in self._opportunity_accounts:
            record = self.store.get("opportunities", opportunity_id)
            self._opportunity_accounts[opportunity_id] = record.account_id if record else None
        return self._opportunity_accounts[opportunity_id]

    def sees_account(self, account_id: str | None) -> bool:
        return account_id is not None and self.principal.sees_account(account_id)

    def sees_contact(self, contact_id: str | None) -> bool:
        if contact_id is None:
            return False
        if not self.principal.restricted:
            return True
        return self.sees_account(self.contact_account(contact_id))

    def sees_team_member(self, row: Mapping[str, Any]) -> bool:
        """A team member is visible when they own a visible account or know a visible contact."""
        if not self.principal.restricted:
            return True
        if any(self.sees_account(a) for a in row.get("accounts") or ()):
            return True
        # the first visible relationship at or after (team_id, "") is one of theirs if any is
        first = self.store.list_records("relationships", limit=1, after=(row["id"], ""),
                                        account_ids=self.principal.visible)
        return bool(first) and first[0]["team_id"] == row["id"]

    def sees(self, table: str, row: Mapping[str, Any]) -> bool:
        """Whether the key may see this record (a row in storage or model form)."""
        if not self.principal.restricted:
            return True
        account = record_account(table, row)
        if account is not None:
            return self.sees_account(account)
        if table == "team":
            return self.sees_team_member(row)
        if table == "relationships":
            return self.sees_contact(row["contact_id"])
        if table == "influence":
            return self.sees_contact(row["source_id"]) and self.sees_contact(row["target_id"])
        if table == "opportunity_members":
            return (self.sees_account(self.opportunity_account(row["opportunity_id"]))
                    and self.sees_contact(row["contact_id"]))
        raise ValueError(f"unknown table {table!r}")

    # ----- what is shown ----------------------------------------------------------------
    def row(self, table: str, row: Mapping[str, Any]) -> dict[str, Any]:
        """A record as the key may see it: no personal fields without PII, no outside ids."""
        out = {c: _plain(row.get(c)) for c in TABLES[table].columns}
        if "updated_at" in row:
            out["updated_at"] = row["updated_at"]
        if not self.principal.pii:
            for name in PERSONAL[table]:
                out.pop(name, None)
        if self.principal.restricted:
            if table == "accounts" and out.get("parent_id") and not self.sees_account(out["parent_id"]):
                out["parent_id"] = None
            elif table == "contacts" and out.get("reports_to") and not self.sees_contact(out["reports_to"]):
                out["reports_to"] = None
            elif table == "team":
                out["accounts"] = [a for a in out.get("accounts") or () if self.sees_account(a)]
        return out

    def graph(self, G: nx.MultiDiGraph) -> nx.MultiDiGraph:
        """A copy of an account subgraph as the key may see it."""
        H = G.copy()
        restricted = self.principal.restricted
        for key, data in list(H.nodes(data=True)):
            kind = data.get("kind")
            if restricted:
                if kind == NodeKind.ACCOUNT and not self.sees_account(data["id"]):
                    H.remove_node(key)
                    continue
                if kind == NodeKind.CONTACT and not self.sees_account(data.get("account_id")):
                    H.remove_node(key)
                    continue
                if kind == NodeKind.TEAM and not self.sees_team_member(data):
                    H.remove_node(key)  # exactly the team members the key gets 404 for
                    continue
            if not self.principal.pii:
                for name in _PERSONAL_BY_NODE_KIND.get(kind, ()):
                    data.pop(name, None)
        if restricted:
            for key, data in H.nodes(data=True):
                kind = data.get("kind")
                if kind == NodeKind.ACCOUNT and data.get("parent_id") and not self.sees_account(data["parent_id"]):
                    data["parent_id"] = None
                elif kind == NodeKind.CONTACT and data.get("reports_to") and \
                        f"{NodeKind.CONTACT}:{data['reports_to']}" not in H:
                    data["reports_to"] = None
                elif kind == NodeKind.TEAM:
                    data["accounts"] = tuple(a for a in data.get("accounts") or () if self.sees_account(a))
            if H.graph.get("people"):
                H.graph["people"] = self._people(H, H.graph["people"])
        return H

    def _people(self, H: nx.MultiDiGraph, people: Mapping[str, Any]) -> dict[str, Any]:
        """The departed and moved people of a graph's ``people`` input the key may see."""
        departed = [r for r in people.get("departed", ()) if self.sees_account(r.get("account_id"))]
        shown = {r["id"] for r in departed} | {d["id"] for n, d in H.nodes(data=True) if d["kind"] == NodeKind.CONTACT}
        moved = [m for m in (visible_move(m, self.sees_account, self.sees_contact) for m in people.get("moved", ()))
                 if m is not None]
        return {**people, "departed": departed, "moved": moved,
                "members": [m for m in people.get("members", ()) if m["contact_id"] in shown]}


def visible_move(move: Mapping[str, Any], sees_account: Callable[[str | None], bool],
                 sees_manager: Callable[[str], bool]) -> dict[str, Any] | None:
    """A move (``from``/``to`` sides of account, department, title and manager) as a key
    restricted to accounts may see it: None when neither side is in its view; else the side
    outside its view blanked (``outside_view`` names it, ``changed`` then only says the
    account changed, ``previous_id`` is the current id) and a manager outside it left out."""
    if not (sees_account(move["from"]["account_id"]) or sees_account(move["to"]["account_id"])):
        return None
    out = {**move, "from": dict(move["from"]), "to": dict(move["to"]), "outside_view": None}
    for side in ("from", "to"):
        if not sees_account(move[side]["account_id"]):
            out[side] = {f: None for f in move[side]}
            out["outside_view"] = side
            out["changed"] = ["account_id"]
            if side == "from" and "previous_id" in move:
                out["previous_id"] = move["id"]
        elif out[side].get("reports_to") and not sees_manager(out[side]["reports_to"]):
            out[side]["reports_to"] = None
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, (tuple, set, frozenset)):
        return sorted(value)
    if hasattr(value, "value") and not isinstance(value, (int, float, str, bool)):
        return value.value
    return value
