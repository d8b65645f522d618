"""The quarterly account review (季度经营复盘): one pack for the routine review meeting.

Every figure comes from an analysis that also stands alone, so the pack's numbers are
those of ``powermap plan``, ``diff``, ``cadence``, ``gaps`` and ``next-moves`` for the
same account and day: the account's stored tier, posture and share of wallet with the
suggested posture beside the entered one (``powermap posture``, its trend read from the
previous quarter's snapshot); coach coverage and gaps now and against the previous
quarter's snapshot; deciders whose stance changed and the people who moved, left or
arrived since then (``powermap diff``), with the ``people_change`` findings of the gap
report judged against the previous quarter's snapshot (else the latest one); the visit cadence; the quarter's plan actions
(done / overdue / open / closed and "done, stance not moved", per owner); and next
quarter's proposed plan (next moves, each ready to ``--accept``).

Snapshots are labelled by quarter (``2026Q3``). The review takes its own quarter's
snapshot when it is missing and the quarter is not over (a later snapshot would not show
that quarter); the previous quarter's cannot be made afterwards, so without it the
change sections are empty and ``compared_with`` is null.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from graph.analysis.cadence import CadencePolicy
from graph.analysis.change import diff, snapshot_accounts, take_snapshot
from graph.analysis.history import cadence_report
from graph.analysis.plans import plan_totals, plan_totals_by, plan_report
from graph.analysis.reports import coverage_report, gaps_report, next_moves_report, posture_json
from graph.exceptions import AccountNotFound
from graph.store import GraphStore

__all__ = ["parse_quarter", "previous_quarter", "review_report", "NOT_COVERED"]

#: What the issue's pack asks for and this review does not give yet, said in the pack.
NOT_COVERED: list[str] = []


def parse_quarter(text: str) -> tuple[str, dt.date, dt.date]:
    """``2026Q4`` (or ``2026-Q4``, ``2026q4``) → its label, first and last day.

    >>> parse_quarter("2026-q4")
    ('2026Q4', datetime.date(2026, 10, 1), datetime.date(2026, 12, 31))
    """
    found = re.fullmatch(r"\s*(\d{4})\s*-?\s*[Qq]([1-4])\s*", text or "")
    if not found:
        raise ValueError(f"{text!r} is not a quarter (use 2026Q4)")
    year, q = int(found.group(1)), int(found.group(2))
    start = dt.date(year, 3 * q - 2, 1)
    end = dt.date(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1) - dt.timedelta(days=1)
    return f"{year}Q{q}", start, end


def previous_quarter(label: str) -> str:
    """The quarter before ``label``.

    >>> previous_quarter("2026Q1")
    '2025Q4'
    """
    _, start, _ = parse_quarter(label)
    return parse_quarter(_label(start - dt.timedelta(days=1)))[0]


def review_report(store: GraphStore, account_id: str, *, quarter: str, today: dt.date | None = None,
                  cadence_policy: CadencePolicy | None = None, top: int = 5,
                  take_snapshots: bool = True) -> dict[str, Any]:
    """The review pack of ``account_id`` for ``quarter``, judged on the quarter's last day or
    ``today`` if earlier. Takes the quarter's snapshot when missing (see the module's note)
    unless ``take_snapshots`` is false.

    Raises
    ------
    AccountNotFound
        When there is no account ``account_id``.
    ValueError
        When ``quarter`` is not a quarter.
    """
    label, start, end = parse_quarter(quarter)
    account = store.get("accounts", account_id)
    if account is None:
        raise AccountNotFound(account_id)
    as_of = min(end, today or dt.date.today())
    snapshots = {s["label"] for s in store.list_snapshots()}
    taken = []
    if take_snapshots and label not in snapshots and as_of >= start and (today or dt.date.today()) <= end:
        take_snapshot(store, label)
        snapshots.add(label)
        taken.append(label)
    previous = previous_quarter(label)
    change = diff(store, previous, label) if {previous, label} <= snapshots else None
    postures = posture_json(store.account_subgraph(account_id),
                            previous=snapshot_accounts(store, previous) if previous in snapshots else (None, {}))
    posture = next(r for r in postures["accounts"] if r["id"] == account_id)
    tree = store.account_descendants([account_id])
    coverage = coverage_report(store, account_id)
    gaps = gaps_report(store, account_id, today=as_of, cadence_policy=cadence_policy,
                       people_since=previous if previous in snapshots else None)
    cadence = cadence_report(store, account_id, today=as_of, policy=cadence_policy)
    plan = plan_report(store, account_id, as_of=as_of)
    in_quarter = [a for a in plan["actions"] if start.isoformat() <= a["due"] <= end.isoformat()]
    moves = next_moves_report(store, account_id, today=as_of, top=top, cadence_policy=cadence_policy)
    deciders = set(coverage["deciders"])
    since = _since(change, account_id, tree, deciders)
    return {
        "account": {"id": account_id, "name": account.name, "tier": _value(account.tier),
                    "posture": _value(account.posture), "share_of_wallet": account.share_of_wallet,
                    "suggested_posture": posture["suggested"], "posture_reason": posture["reason"],
                    "posture_mismatch": posture["mismatch"], "share_change": posture["share_change"]},
        "postures": postures["accounts"],
        "quarter": label, "start": start.isoformat(), "end": end.isoformat(), "as_of": as_of.isoformat(),
        "snapshots_taken": taken, "compared_with": previous if change else None,
        "summary": {
            "coach_coverage": coverage["coverage"], "coaches": len(coverage["coaches"]),
            "deciders": len(deciders), "covered_deciders": len(coverage["covered_deciders"]),
            "gaps": gaps["counts"]["total"], "high_gaps": gaps["counts"]["by_severity"].get("high", 0),
            "gaps_change": since["gaps"]["change"] if since["gaps"] else None,
            "decider_stance_changes": len(since["decider_stance_changes"]),
            "people_moved": len(since["moves"]), "people_departed": len(since["departures"]),
            "people_arrived": len(since["arrivals"]),
            "people_change_findings": gaps["counts"]["by_type"].get("people_change", 0),
            "cadence_breaches": cadence["counts"]["total"],
            "plan": plan_totals(in_quarter),
            "proposed_moves": len(moves["moves"]),
        },
        "coverage": {k: coverage[k] for k in ("coverage", "coaches", "deciders", "covered_deciders", "names")},
        "gaps": gaps["counts"],
        "people_change": [g for g in gaps["gaps"] if g["type"] == "people_change"],
        "since_previous": since,
        "cadence": cadence,
        "plan": {"actions": in_quarter, "totals": plan_totals(in_quarter),
                 "by_owner": plan_totals_by(in_quarter, "owner_id", "owner_name"),
                 "by_opportunity": plan_totals_by(in_quarter, "opportunity_id", "opportunity_name")},
        "next_quarter": [{**m, "accept": f"powermap next-moves {account_id} --as-of {as_of} --accept {n}"}
                         for n, m in enumerate(moves["moves"], start=1)],
        "not_covered": NOT_COVERED,
    }


def _since(change: dict[str, Any] | None, account_id: str, tree: set[str], deciders: set[str]) -> dict[str, Any]:
    if change is None:
        return {"coverage": None, "gaps": None, "decider_stance_changes": [], "moves": [], "departures": [],
                "arrivals": [], "ambiguous_matches": [], "new_contacts": [], "departed_contacts": [], "names": {}}
    figures = next((a for a in change["accounts"] if a["id"] == account_id), None)
    return {
        "coverage": figures["coverage"] if figures else None,
        "gaps": figures["gaps"] if figures else None,
        "decider_stance_changes": [s for s in change["stance_changes"] if s["id"] in deciders],
        "new_contacts": [c for c in change["new_contacts"] if c["account_id"] in tree],
        "departed_contacts": [c for c in change["departed_contacts"] if c["account_id"] in tree],
        "names": change["names"],
        "moves": [m for m in change["moves"] if {m["from"]["account_id"], m["to"]["account_id"]} & tree],
        "departures": [c for c in change["departures"] if c["account_id"] in tree],
        "arrivals": [c for c in change["arrivals"] if c["account_id"] in tree],
        "ambiguous_matches": [a for a in change["ambiguous_matches"]
                              if any(p["account_id"] in tree for p in (*a["departed"], *a["arrived"]))],
    }


def _label(day: dt.date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def _value(choice: Any) -> Any:
    return getattr(choice, "value", choice)
