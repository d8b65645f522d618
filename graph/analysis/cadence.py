"""Visit cadence by account tier and peer level: are the right people of ours meeting the
customer's people as often as its tier requires?

A :class:`CadencePolicy` (a TOML file; the default ships as ``cadence_policy.toml``)
says **who meets whom by level** (对等交流, peer-level contact) and, per tier A/B/C, the
most days allowed between

* **executive** interactions: one of our executives (role executive or rank 1-2) with
  the account's people at the levels our executives are to meet (by default the
  customer's executives) — one finding per account;
* **decider** interactions: each decider at a level met by others than only our
  executives, with one of our people of a role the policy names for that level (by
  default the account manager, solution manager or delivery manager meet directors and
  managers; the account manager or sales meet staff) — one finding per decider. Of
  those, the ones who own the account (or one above it) count when there are any.

By default an executive decider is met by our executives only, never handed to the
account manager. An account with a tier is judged with the people in it and in the
parts below it that have no tier of their own. Dates are the relationship edges'
``last_interaction``, which reflect the interaction history. An interaction exactly the
limit ago is on time; a day more is a breach, one day overdue. No interaction on record
is a breach too (``last`` and ``days_overdue`` None).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import networkx as nx

from graph.analysis import _views as v
from graph.exceptions import PowermapError
from graph.subgraph import EdgeType, NodeKind, split_key
from graph.vocabulary import Level, TeamRole, Tier

__all__ = ["TierCadence", "CadencePolicy", "default_policy", "load_policy", "read_policy_file", "cadence_breaches"]


@dataclass(frozen=True)
class TierCadence:
    """The most days allowed between interactions for one tier: ``executive_days`` for our
    executives with the account's executives, ``account_manager_days`` for each decider
    with their peers on our side (the account manager, by default, for directors and below)."""

    executive_days: int
    account_manager_days: int


#: Who of ours meets the customer's people of each level, by default (对等交流).
DEFAULT_PEERS: dict[str, tuple[str, ...]] = {
    Level.EXECUTIVE.value: (TeamRole.EXECUTIVE.value,),
    Level.DIRECTOR.value: (TeamRole.ACCOUNT_MANAGER.value, TeamRole.SOLUTION_MANAGER.value,
                           TeamRole.DELIVERY_MANAGER.value),
    Level.MANAGER.value: (TeamRole.ACCOUNT_MANAGER.value, TeamRole.SOLUTION_MANAGER.value,
                          TeamRole.DELIVERY_MANAGER.value),
    Level.STAFF.value: (TeamRole.ACCOUNT_MANAGER.value, TeamRole.SALES.value),
}


@dataclass(frozen=True)
class CadencePolicy:
    """Tier (``A``, ``B``, ``C``) → :class:`TierCadence`; a tier left out is not checked.
    ``peers``: customer level → the roles of ours who meet people of that level (a level
    left out keeps :data:`DEFAULT_PEERS`)."""

    tiers: dict[str, TierCadence]
    peers: dict[str, tuple[str, ...]] = dataclasses.field(default_factory=lambda: dict(DEFAULT_PEERS))

    def meets(self, level: str | None) -> tuple[str, ...]:
        """The roles of ours who meet a customer contact of ``level`` (staff when unknown)."""
        return self.peers.get(level or Level.STAFF.value) or DEFAULT_PEERS[Level.STAFF.value]

    @classmethod
    def from_toml(cls, text: str, *, source: str = "policy") -> CadencePolicy:
        """Read ``[tiers.A] executive_days = 90, account_manager_days = 30`` … and the
        optional ``[peers]`` table: ``director = ["account_manager", "solution_manager"]`` …

        Raises
        ------
        PowermapError
            When the text is not TOML or a value is missing, not a whole number or < 1.
        """
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as err:
            raise PowermapError(f"{source}: not a TOML file: {err}") from err
        tiers = data.get("tiers")
        if not isinstance(tiers, dict) or not tiers:
            raise PowermapError(f"{source}: no [tiers.A] / [tiers.B] / [tiers.C] tables")
        out = {}
        for tier, values in tiers.items():
            if tier not in {t.value for t in Tier}:
                raise PowermapError(f"{source}: unknown tier {tier!r} (use A, B or C)")
            numbers = {}
            for key in ("executive_days", "account_manager_days"):
                value = values.get(key) if isinstance(values, dict) else None
                if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                    raise PowermapError(f"{source}: tiers.{tier}.{key} must be a whole number of days (1 or more)")
                numbers[key] = value
            out[tier] = TierCadence(**numbers)
        return cls(out, _peers(data.get("peers", {}), source))


def _peers(table: object, source: str) -> dict[str, tuple[str, ...]]:
    if not isinstance(table, dict):
        raise PowermapError(f"{source}: [peers] must be a table of level = [roles]")
    peers = dict(DEFAULT_PEERS)
    levels, roles = {lv.value for lv in Level}, {r.value for r in TeamRole}
    for level, value in table.items():
        if level not in levels:
            raise PowermapError(f"{source}: unknown level {level!r} in [peers] (use {', '.join(sorted(levels))})")
        if not isinstance(value, list) or not value or not all(isinstance(r, str) and r in roles for r in value):
            raise PowermapError(f"{source}: peers.{level} must be a non-empty list of our roles "
                                f"({', '.join(sorted(roles))})")
        peers[level] = tuple(value)
    return peers


def default_policy() -> CadencePolicy:
    """The policy shipped with powermap (``graph/analysis/cadence_policy.toml``).

    >>> default_policy().tiers["A"]
    TierCadence(executive_days=90, account_manager_days=30)
    >>> default_policy().meets("executive"), default_policy().meets("director")[0]
    (('executive',), 'account_manager')
    """
    text = resources.files("graph.analysis").joinpath("cadence_policy.toml").read_text(encoding="utf-8")
    return CadencePolicy.from_toml(text, source="the default cadence policy")


@cache
def _shipped_policy() -> CadencePolicy:
    """:func:`default_policy`, read once (for the analyses, which never change it)."""
    return default_policy()


def load_policy(path: str | Path) -> CadencePolicy:
    """A policy file. Raises PowermapError when it cannot be read or is not valid."""
    return CadencePolicy.from_toml(read_policy_file(path, "cadence policy"), source=str(path))


def read_policy_file(path: str | Path, what: str) -> str:
    """The text of a policy file (UTF-8). Raises PowermapError naming ``what`` when unreadable."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as err:
        raise PowermapError(f"cannot read {what} {path}: {err.strerror or err}") from err


def cadence_breaches(G: nx.MultiDiGraph, *, today: dt.date | None = None,
                     policy: CadencePolicy | None = None) -> list[dict[str, Any]]:
    """Every breach of the cadence policy in an account subgraph.

    Parameters
    ----------
    G : MultiDiGraph
        An account subgraph.
    today : date, optional
        The date days are counted to (default: today).
    policy : CadencePolicy, optional
        Default: :func:`default_policy`.

    Returns
    -------
    list of dict
        ``kind`` (``executive`` or ``decider``), ``account``, ``account_name``,
        ``tier``, ``contacts`` (the people it is about), ``roles`` (the roles of ours who
        are to meet them), ``team`` (ours who should meet them), ``last`` (ISO date or
        None), ``days_since``, ``limit``, ``days_overdue`` (None when there was never an
        interaction); most overdue first.

    Examples
    --------
    >>> from graph.subgraph import build_account_graph
    >>> G = build_account_graph("A", accounts=[{"id": "A", "name": "Acme", "tier": "A"}], departments=[],
    ...     contacts=[{"id": "d", "account_id": "A", "name": "Li", "roles": ("decider",), "level": "director"}],
    ...     team=[{"id": "am", "name": "Wu", "role": "account_manager"}],
    ...     relationships=[{"team_id": "am", "contact_id": "d", "last_interaction": "2026-01-01"}],
    ...     influence=[], opportunities=[], opportunity_members=[])
    >>> [(b["kind"], b["days_overdue"]) for b in cadence_breaches(G, today=dt.date(2026, 2, 1))]
    [('decider', 1)]
    """
    today = today or dt.date.today()
    policy = policy or _shipped_policy()
    executives = set(v.our_executives(G))
    team = v.team(G)
    last: dict[tuple[str, str], dt.date] = {}
    for t, c, e in v.relationships(G):
        if e.get("last_interaction"):
            date = dt.date.fromisoformat(str(e["last_interaction"])[:10])
            if date > last.get((t, c), dt.date.min):
                last[(t, c)] = date
    deciders = set(v.deciders(G))
    executive_role = TeamRole.EXECUTIVE.value
    nodes, by_level = G._node, {}

    def met_by_executives(level: str | None) -> bool:
        if level not in by_level:
            by_level[level] = executive_role in policy.meets(level)
        return by_level[level]

    breaches = []
    for account, tier, people in _judged_accounts(G):
        rule = policy.tiers.get(tier)
        if rule is None:
            continue
        name = G.nodes[account]["name"]
        senior = sorted(c for c in people if met_by_executives(nodes[c].get("level")))
        if senior:
            dates = [last[(t, c)] for t in executives for c in senior if (t, c) in last]
            breach = _breach(max(dates) if dates else None, rule.executive_days, today)
            if breach:
                breaches.append({"kind": "executive", "account": split_key(account)[1], "account_name": name,
                                 "tier": tier, "contacts": [split_key(c)[1] for c in senior],
                                 "roles": [executive_role],
                                 "team": sorted(split_key(t)[1] for t in executives), **breach})
        owners_by_roles: dict[tuple[str, ...], list[str]] = {}  # the same for the deciders of a level
        for d in sorted(c for c in people if c in deciders):
            roles = policy.meets(nodes[d].get("level"))
            if roles == (executive_role,):
                continue  # met by our executives: the account's executive finding
            if roles not in owners_by_roles:
                fits = [t for t in team if nodes[t].get("role") in roles
                        or (executive_role in roles and t in executives)]
                owners_by_roles[roles] = [t for t in fits if _owns(G, t, account)] or fits
            owners = owners_by_roles[roles]
            dates = [last[(t, d)] for t in owners if (t, d) in last]
            breach = _breach(max(dates) if dates else None, rule.account_manager_days, today)
            if breach:
                breaches.append({"kind": "decider", "account": split_key(account)[1], "account_name": name,
                                 "tier": tier, "contacts": [split_key(d)[1]], "roles": list(roles),
                                 "team": sorted(split_key(t)[1] for t in owners), **breach})
    never = float("inf")
    return sorted(breaches, key=lambda b: (-(b["days_overdue"] if b["days_overdue"] is not None else never),
                                           b["account"], b["kind"], b["contacts"]))


def _breach(last: dt.date | None, limit: int, today: dt.date) -> dict[str, Any] | None:
    if last is None:
        return {"last": None, "days_since": None, "limit": limit, "days_overdue": None}
    days = (today - last).days
    if days <= limit:
        return None
    return {"last": last.isoformat(), "days_since": days, "limit": limit, "days_overdue": days - limit}


def _owns(G: nx.MultiDiGraph, team: str, account: str) -> bool:
    """The team member owns the account or one above it."""
    node: str | None = account
    seen = set()
    while node and node in G and node not in seen:
        seen.add(node)
        if G.has_edge(team, node, key=EdgeType.OWNS):
            return True
        parent = G.nodes[node].get("parent_id")
        node = f"{NodeKind.ACCOUNT}:{parent}" if parent else None
    return False


def _judged_accounts(G: nx.MultiDiGraph) -> list[tuple[str, str, list[str]]]:
    """(account, tier, its contacts and those of untiered parts below it) per tiered account
    (shared within a :func:`graph.analysis._views.shared` block: people do not move in one)."""
    return v._memo(G, "judged accounts", lambda: _find_judged_accounts(G))


def _find_judged_accounts(G: nx.MultiDiGraph) -> list[tuple[str, str, list[str]]]:
    nodes = G._node
    tier_of: dict[str, str | None] = {a: nodes[a].get("tier") for a in v.accounts(G)}
    judges: dict[str | None, str | None] = {}

    def judged_by(account: str | None) -> str | None:
        if account in judges:
            return judges[account]
        start, seen = account, set()
        while account and account in G and account not in seen:
            seen.add(account)
            if tier_of.get(account):
                break
            parent = nodes[account].get("parent_id")
            account = f"{NodeKind.ACCOUNT}:{parent}" if parent else None
        else:
            account = None
        judges[start] = account
        return account

    people: dict[str, list[str]] = {a: [] for a, t in tier_of.items() if t}
    account_of = v.accounts_of(G)
    for c in v.contacts(G):
        owner = judged_by(account_of[c])
        if owner:
            people[owner].append(c)
    return [(a, str(tier_of[a]), sorted(cs)) for a, cs in sorted(people.items())]
