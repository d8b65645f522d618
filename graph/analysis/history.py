"""The interaction history as JSON-ready reports: what ``powermap interactions``,
``powermap strength`` and ``powermap cadence`` print with ``--json``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from graph.analysis import _views as v
from graph.analysis.cadence import CadencePolicy, cadence_breaches
from graph.exceptions import AccountNotFound
from graph.store import GraphStore
from graph.subgraph import NodeKind, node_key, split_key

__all__ = ["interactions_report", "strength_report", "cadence_report"]


def interactions_report(store: GraphStore, account_id: str, *, since: dt.date | None = None) -> dict[str, Any]:
    """The interactions of an account and the parts below it (or with their people),
    newest first; notes (personal data) are left out.

    Raises
    ------
    AccountNotFound
        When there is no account ``account_id``.
    """
    rows = store.subgraph_rows(account_id)
    if rows is None:
        raise AccountNotFound(account_id)
    names = {("team", r["id"]): r["name"] for r in rows["team"]}
    names.update({("contact", r["id"]): r["name"] for r in rows["contacts"]})
    found = [r for r in rows.get("interactions", ()) if since is None or str(r["date"]) >= since.isoformat()]
    found.sort(key=lambda r: (str(r["date"]), r.get("time") or "", r["id"]), reverse=True)
    items = [{
        "id": r["id"], "date": str(r["date"])[:10], "time": r.get("time"), "type": r["type"],
        "account_id": r["account_id"], "subject": r.get("subject"),
        "team": [{"id": t, "name": names.get(("team", t))} for t in sorted(r.get("team_ids") or ())],
        "contacts": [{"id": c, "name": names.get(("contact", c))} for c in sorted(r.get("contact_ids") or ())],
        "sender_id": r.get("sender_id"),
    } for r in found]
    by_type: dict[str, int] = {}
    for item in items:
        by_type[item["type"]] = by_type.get(item["type"], 0) + 1
    return {"account": account_id, "since": since.isoformat() if since else None, "interactions": items,
            "counts": {"total": len(items), "by_type": by_type}}


def strength_report(store: GraphStore, account_id: str, *, as_of: dt.date | None = None) -> dict[str, Any]:
    """Every relationship of the account: the derived strength beside the hand-entered one,
    which one the analyses use, the number of interactions and the last one; strongest first."""
    as_of = as_of or dt.date.today()
    G = store.account_subgraph(account_id, as_of=as_of)
    pairs = []
    for t, c, e in v.relationships(G):
        pairs.append({
            "team_id": split_key(t)[1], "team_name": G.nodes[t].get("name"),
            "contact_id": split_key(c)[1], "contact_name": G.nodes[c].get("name"),
            "interactions": e.get("interactions", 0), "last_interaction": e.get("last_interaction"),
            "strength_derived": e.get("strength_derived"), "strength_entered": e.get("strength_entered",
                                                                                    e.get("strength")),
            "strength": e.get("strength"), "source": e.get("strength_source") or (
                "entered" if e.get("strength") is not None else None),
        })
    pairs.sort(key=lambda p: (-(p["strength"] if p["strength"] is not None else -1), p["team_id"], p["contact_id"]))
    policy = store.strength_policy
    return {"account": account_id, "as_of": as_of.isoformat(),
            "policy": {"half_life_days": policy.half_life_days, "saturation": policy.saturation,
                       "one_way_weight": policy.one_way_weight, "type_weights": dict(policy.type_weights),
                       "prefer": policy.prefer},
            "pairs": pairs}


def cadence_report(store: GraphStore, account_id: str | None = None, *, today: dt.date | None = None,
                   policy: CadencePolicy | None = None) -> dict[str, Any]:
    """Breaches of the visit cadence in one account (and the parts below it) or, with no
    account, in every top-level account; most overdue first within each account; ``names``:
    id → "name (title)" of the people they name."""
    today = today or dt.date.today()
    roots = [account_id] if account_id else [a["id"] for a in store.list_accounts() if a["parent_id"] is None]
    breaches, names = [], {}
    for root in roots:
        G = store.account_subgraph(root, as_of=today)
        found = cadence_breaches(G, today=today, policy=policy)
        breaches += [{**b, "root": root} for b in found]
        for kind, field in ((NodeKind.CONTACT, "contacts"), (NodeKind.TEAM, "team")):
            names.update({i: v.name(G, node_key(kind, i)) for b in found for i in b[field]})
    by_kind: dict[str, int] = {}
    for b in breaches:
        by_kind[b["kind"]] = by_kind.get(b["kind"], 0) + 1
    return {"account": account_id, "as_of": today.isoformat(), "breaches": breaches,
            "counts": {"total": len(breaches), "by_kind": by_kind}, "names": names}
