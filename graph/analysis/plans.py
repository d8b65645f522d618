"""Relationship plans as a closed loop: plan → do → check → act (关系计划闭环).

A plan action (:class:`graph.model.PlanAction`) is a commitment: our owner will have an
interaction of a given type with a contact between a start and a due date. Whether it
happened is read from the interaction record, never typed in:

* **done** — an interaction of the planned type, with the contact, in which the owner
  took part, dated from ``start`` to ``due`` inclusive (the due day itself is on time)
  and no later than the date the plan is judged at. The earliest such interaction closes
  the action.
* **near-match** — only when the action says ``colleagues_count``: the same, but by one
  of the owner's iron-triangle colleagues (account, solution or delivery manager who
  owns the account too, the owner being one of them), of the planned type or a
  technical exchange. The closing interaction is then marked ``match: colleague``.
* **overdue** — the due date has passed (the day after due is the first overdue day)
  with neither; an interaction after the due date is reported as ``late_interaction``
  but does not make the action done.
* **closed** — closed by hand (``closed_by`` and ``closed_reason``, on ``closed_on`` or
  whenever it was recorded) without a closing interaction; who and why are kept.
* **open** — none of the above.

The target stance is **reached** when the contact's current stance is at least the
target; ``stance_reached_on`` is the date of the first snapshot in which it was (null
when only the live graph shows it). An action **done but stance not moved** happened
and left its contact short of the target: the point of the Check step.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from typing import TYPE_CHECKING

import networkx as nx

from graph.exceptions import AccountNotFound
from graph.model import PlanAction

if TYPE_CHECKING:  # the store imports this module to attach plans to an account's graph
    from graph.store import GraphStore
from graph.vocabulary import InteractionType, TeamRole

__all__ = ["plan_status", "plan_report", "plan_inputs", "graph_plan_status", "account_plans", "plan_from_move",
           "accept_move", "plan_totals", "plan_totals_by", "STATUSES", "DEFAULT_DAYS"]

#: Statuses in display order.
STATUSES = ("done", "overdue", "open", "closed")
_IRON_TRIANGLE = {TeamRole.ACCOUNT_MANAGER.value, TeamRole.SOLUTION_MANAGER.value,
                  TeamRole.DELIVERY_MANAGER.value}
_PAGE = 1000
#: Days an accepted next move is given when no due date is named.
DEFAULT_DAYS = 30


def account_plans(store: GraphStore, account_ids: set[str]) -> list[dict[str, Any]]:
    """Every plan action of these accounts (storage rows), ordered by id."""
    rows: list[dict[str, Any]] = []
    after = None
    while True:
        page = store.list_records("plans", limit=_PAGE, after=after, account_ids=account_ids)
        rows += page
        if len(page) < _PAGE:
            return rows
        after = page[-1]["key"]


def plan_status(plans: list[dict[str, Any]], interactions: list[dict[str, Any]], *,
                as_of: dt.date, colleagues: dict[str, set[str]] | None = None,
                stances: dict[str, int | None] | None = None,
                stance_history: list[tuple[dt.date, dict[str, int | None]]] = ()) -> list[dict[str, Any]]:
    """The status of each plan action judged on ``as_of``.

    Parameters
    ----------
    plans : list of dict
        Plan actions in storage form (ISO dates).
    interactions : list of dict
        The interaction record in storage form (``team_ids``, ``contact_ids``).
    as_of : date
        The day the plan is judged on: interactions after it are not seen yet.
    colleagues : dict, optional
        Owner → their iron-triangle colleagues (for actions with ``colleagues_count``).
    stances : dict, optional
        Contact → current stance.
    stance_history : list of (date, dict)
        Snapshots oldest first: their date and each contact's stance then.

    Returns
    -------
    list of dict
        One entry per action, in the plans' order (see the README for the shape).

    Examples
    --------
    >>> plan = {"id": "P1", "contact_id": "c", "owner_id": "t", "action": "visit",
    ...         "start": "2026-10-01", "due": "2026-10-31", "target_stance": None}
    >>> visit = {"id": "I1", "date": "2026-10-31", "type": "visit", "team_ids": ("t",), "contact_ids": ("c",)}
    >>> [plan_status([plan], [visit], as_of=d)[0]["status"] for d in (dt.date(2026, 10, 30), dt.date(2026, 11, 1))]
    ['open', 'done']
    >>> plan_status([plan], [], as_of=dt.date(2026, 11, 1))[0]["days_overdue"]
    1
    """
    colleagues = colleagues or {}
    stances = stances or {}
    by_contact: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in interactions:
        for contact in row.get("contact_ids") or ():
            by_contact[contact].append(row)
    for rows in by_contact.values():
        rows.sort(key=lambda r: (str(r["date"])[:10], r["id"]))
    return [_judge(plan, by_contact.get(plan["contact_id"], []), as_of, colleagues, stances, stance_history)
            for plan in plans]


def plan_inputs(store: GraphStore, rows: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """What an account's graph keeps to judge its plan on any day (``G.graph["plans"]``):
    the plan actions of its accounts, the interactions with their contacts and each owner's
    iron-triangle colleagues."""
    plans = account_plans(store, {a["id"] for a in rows["accounts"]})
    targeted = {p["contact_id"] for p in plans}
    team = {t["id"]: t for t in rows["team"]}
    return {"actions": plans,
            "interactions": [r for r in rows["interactions"] if targeted & set(r.get("contact_ids") or ())],
            "colleagues": _colleagues(rows["owned"], team)}


def graph_plan_status(G: nx.MultiDiGraph, *, as_of: dt.date) -> list[dict[str, Any]]:
    """:func:`plan_status` of the plan an account's graph carries, judged on ``as_of``
    (the stances are the graph's; no snapshot history)."""
    inputs = G.graph.get("plans") or {}
    if not inputs.get("actions"):
        return []
    stances = {data["id"]: data.get("stance") for _, data in G.nodes(data=True) if data.get("kind") == "contact"}
    return plan_status(inputs["actions"], inputs["interactions"], as_of=as_of, colleagues=inputs["colleagues"],
                       stances=stances)


def plan_report(store: GraphStore, account_id: str, *, as_of: dt.date | None = None) -> dict[str, Any]:
    """``powermap plan``: every action of the account (and its sub-accounts) with its status,
    and totals per owner and per opportunity.

    Raises
    ------
    AccountNotFound
        When there is no account ``account_id``.
    """
    as_of = as_of or dt.date.today()
    rows = store.subgraph_rows(account_id)
    if rows is None:
        raise AccountNotFound(account_id)
    accounts = {a["id"]: a for a in rows["accounts"]}
    plans = account_plans(store, set(accounts))
    contacts = {c["id"]: c for c in rows["contacts"]}
    team = {t["id"]: t for t in rows["team"]}
    for owner in {p["owner_id"] for p in plans if p.get("owner_id")} | {p["closed_by"] for p in plans
                                                                       if p.get("closed_by")}:
        if owner not in team and (member := store.get("team", owner)) is not None:
            team[owner] = member.row()
    opportunities = {o["id"]: o for o in rows["opportunities"]}
    for contact in {p["contact_id"] for p in plans} - contacts.keys():
        if (record := store.get("contacts", contact)) is not None:
            contacts[contact] = record.row()
    history = _stance_history(store) if any(p.get("target_stance") is not None for p in plans) else []
    actions = plan_status(plans, rows["interactions"], as_of=as_of,
                          colleagues=_colleagues(rows["owned"], team),
                          stances={c: row.get("stance") for c, row in contacts.items()},
                          stance_history=history)
    for action in actions:
        action["contact_name"] = (contacts.get(action["contact_id"]) or {}).get("name")
        action["owner_name"] = (team.get(action["owner_id"]) or {}).get("name")
        opportunity = opportunities.get(action["opportunity_id"] or "")
        action["opportunity_name"] = opportunity["name"] if opportunity else None
    return {
        "account_id": account_id,
        "account_name": accounts[account_id]["name"],
        "as_of": as_of.isoformat(),
        "actions": actions,
        "totals": plan_totals(actions),
        "by_owner": plan_totals_by(actions, "owner_id", "owner_name"),
        "by_opportunity": plan_totals_by(actions, "opportunity_id", "opportunity_name"),
    }


def plan_from_move(move: dict[str, Any], *, account_id: str, start: dt.date, due: dt.date | None = None,
                   owner: str | None = None, owner_role: str | None = None,
                   stance: int | None = None, note: str | None = None) -> PlanAction:
    """A next move (an entry of ``next-moves``' ``moves``) as a plan action: a suggestion
    becomes a commitment with an owner and a date.

    A new relationship is a visit (an executive visit when the owner is one of our
    executives) and a stance to raise is a meeting whose target is one step up; the
    action serves the first deal the move serves. ``owner`` overrides the move's.

    Raises
    ------
    ValueError
        When the move names no owner and none is given, or due is before start.

    Examples
    --------
    >>> move = {"action": "raise_stance", "team": "T1", "contact": "C1", "description": "win C1",
    ...         "deals": [{"opportunity": "O1"}]}
    >>> p = plan_from_move(move, account_id="A", start=dt.date(2026, 10, 1), stance=0)
    >>> p.id, p.action.value, p.due.isoformat(), p.target_stance, p.opportunity_id
    ('P-20261001-C1-T1', 'meeting', '2026-10-31', 1, 'O1')
    """
    owner = owner or move.get("team")
    if not owner:
        raise ValueError("the move names no owner on our side: give one")
    due = due or start + dt.timedelta(days=DEFAULT_DAYS)
    if move.get("action") == "raise_stance":
        action, target = InteractionType.MEETING, min(3, (stance if stance is not None else 0) + 1)
    else:
        executive = owner_role == TeamRole.EXECUTIVE.value
        action = InteractionType.EXECUTIVE_VISIT if executive else InteractionType.VISIT
        target = None
    deals = move.get("deals") or []
    return PlanAction(id=f"P-{start:%Y%m%d}-{move['contact']}-{owner}", account_id=account_id,
                      contact_id=move["contact"], owner_id=owner, action=action, start=start, due=due,
                      target_stance=target, opportunity_id=deals[0]["opportunity"] if deals else None,
                      note=note or move.get("description"))


def accept_move(store: GraphStore, account_id: str, number: int, *, start: dt.date | None = None,
                due: dt.date | None = None, owner: str | None = None, **next_move_options: Any) -> PlanAction:
    """The ``number``-th (from 1) next move of the account, as a plan action (not written).

    Raises
    ------
    ValueError
        When there is no such move.
    """
    from graph.analysis.reports import next_moves_report

    start = start or dt.date.today()
    moves = next_moves_report(store, account_id, today=start, **next_move_options)["moves"]
    if not 1 <= number <= len(moves):
        raise ValueError(f"there is no next move {number} (there are {len(moves)})")
    move = moves[number - 1]
    who = store.get("team", owner or move.get("team") or "")
    contact = store.get("contacts", move["contact"])
    return plan_from_move(move, account_id=contact.account_id if contact else account_id, start=start, due=due,
                          owner=owner, owner_role=who.role.value if who else None,
                          stance=contact.stance if contact else None)


def plan_totals(actions: list[dict[str, Any]]) -> dict[str, int]:
    """How many actions are in each status, done but stance not moved, and in all."""
    out = {status: 0 for status in STATUSES}
    out["done_stance_not_moved"] = 0
    out["actions"] = len(actions)
    for action in actions:
        out[action["status"]] += 1
        out["done_stance_not_moved"] += action["done_stance_not_moved"]
    return out


def plan_totals_by(actions: list[dict[str, Any]], key: str, name: str) -> list[dict[str, Any]]:
    """:func:`plan_totals` per value of ``key`` (an owner, an opportunity; none last), with its ``name``."""
    groups: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for action in actions:
        groups[action[key]].append(action)
    return [{key: k, name: group[0][name], **plan_totals(group)}
            for k, group in sorted(groups.items(), key=lambda item: (item[0] is None, item[0] or ""))]


# ----- private ----------------------------------------------------------------------------
def _judge(plan: dict[str, Any], history: list[dict[str, Any]], as_of: dt.date,
           colleagues: dict[str, set[str]], stances: dict[str, int | None],
           stance_history: list[tuple[dt.date, dict[str, int | None]]]) -> dict[str, Any]:
    start, due = str(plan.get("start") or "")[:10], str(plan["due"])[:10]
    seen = as_of.isoformat()
    owner, kind = plan["owner_id"], plan["action"]
    helpers = colleagues.get(owner, set()) if plan.get("colleagues_count") else set()
    closing = late = None
    for row in history:
        day = str(row["date"])[:10]
        if day > seen:
            break
        match = _match(row, owner, kind, helpers)
        if match is None or (start and day < start):
            continue
        if day <= due:
            closing = {"id": row["id"], "date": day, "type": row["type"], "match": match,
                       "subject": row.get("subject")}
            break
        late = late or {"id": row["id"], "date": day, "type": row["type"], "match": match}
    closed_on = str(plan.get("closed_on") or "")[:10]
    manual = None
    if plan.get("closed_by") and (not closed_on or closed_on <= seen):
        manual = {"by": plan["closed_by"], "reason": plan.get("closed_reason"), "on": closed_on or None}
    if closing:
        status = "done"
    elif manual:
        status = "closed"
    elif seen > due:
        status = "overdue"
    else:
        status = "open"
    target = plan.get("target_stance")
    stance = stances.get(plan["contact_id"])
    reached = None if target is None else (stance is not None and stance >= target)
    reached_on = None
    if reached:
        reached_on = next((day.isoformat() for day, known in stance_history
                           if known.get(plan["contact_id"]) is not None
                           and known[plan["contact_id"]] >= target), None)
    return {
        "id": plan["id"], "account_id": plan.get("account_id"), "contact_id": plan["contact_id"],
        "owner_id": owner, "action": kind, "start": start or None, "due": due,
        "target_stance": target, "opportunity_id": plan.get("opportunity_id"),
        "colleagues_count": bool(plan.get("colleagues_count")),
        "status": status,
        "needs_owner": owner is None,
        "closing_interaction": closing,
        "late_interaction": None if closing else late,
        "days_overdue": (as_of - dt.date.fromisoformat(due)).days if status == "overdue" else 0,
        "stance": stance,
        "stance_reached": reached,
        "stance_reached_on": reached_on,
        "done_stance_not_moved": status == "done" and reached is False,
        "manual_close": manual,
    }


def _match(row: dict[str, Any], owner: str, kind: str, helpers: set[str]) -> str | None:
    team = set(row.get("team_ids") or ())
    if owner in team and row["type"] == kind:
        return "owner"
    if helpers & team and row["type"] in (kind, InteractionType.TECHNICAL_EXCHANGE.value):
        return "colleague"
    return None


def _colleagues(owned: list[dict[str, Any]], team: dict[str, dict[str, Any]]) -> dict[str, set[str]]:
    """Each iron-triangle member → the other iron-triangle members owning one of their accounts."""
    owners: dict[str, set[str]] = defaultdict(set)
    for row in owned:
        if (team.get(row["team_id"]) or {}).get("role") in _IRON_TRIANGLE:
            owners[row["account_id"]].add(row["team_id"])
    out: dict[str, set[str]] = defaultdict(set)
    for members in owners.values():
        for member in members:
            out[member] |= members - {member}
    return dict(out)


def _stance_history(store: GraphStore) -> list[tuple[dt.date, dict[str, int | None]]]:
    from graph.analysis.change import load_snapshot

    history = []
    for snapshot in store.list_snapshots():
        batch, day = load_snapshot(store, snapshot["label"])
        frame = batch.tables.get("contacts")
        stances = {} if frame is None else {
            c: (None if s is None or s != s else int(s)) for c, s in zip(frame["id"], frame["stance"])}
        history.append((day, stances))
    return sorted(history, key=lambda item: item[0])
