"""Account posture from share of wallet: maintain (维护), defend (防御) or attack (进攻).

Key-account practice positions each customer, and each part of a group, by our share of
its wallet and its potential, and re-draws the posture every quarter. A
:class:`PosturePolicy` (a TOML file; the default ships as ``posture_policy.toml``, where
each number's reason is written down) gives the rules, in order:

1. no share of wallet entered → no suggestion;
2. share at least ``defend_share`` and a rival pushing — ``rival_deciders`` or more of
   the account's deciders lean to a competitor, or our share fell by ``slide`` or more
   since the previous snapshot → **defend**;
3. share at least ``maintain_share`` → **maintain**;
4. share below ``attack_share`` → **attack**;
5. in between: **attack** for the tiers in ``attack_tiers``, else **maintain**.

An account is judged with its own people and those of the parts below it that have no
share of wallet of their own. The entered posture is shown beside the suggestion; they
*disagree* when they differ — except that, with no history to read, an entered
``defend`` at a share worth defending is accepted (a slide the graph cannot see may
justify it). The **effective** posture (entered, else suggested; a part with neither
takes the one of the account above it) shapes the gap report's severities and the next
moves' gains (see :meth:`PosturePolicy.raises` and :meth:`PosturePolicy.move_weight`).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import networkx as nx

from graph.analysis import _views as v
from graph.analysis.cadence import read_policy_file
from graph.exceptions import PowermapError
from graph.subgraph import NodeKind, node_key, split_key
from graph.vocabulary import Posture, Tier

__all__ = ["PosturePolicy", "default_posture_policy", "load_posture_policy", "account_postures",
           "effective_postures"]

_POSTURES = tuple(p.value for p in Posture)


@dataclass(frozen=True)
class PosturePolicy:
    """The thresholds behind a suggested posture, and how posture shapes gaps and moves."""

    maintain_share: float = 0.6
    attack_share: float = 0.3
    defend_share: float = 0.3
    slide: float = 0.05
    rival_deciders: int = 1
    attack_tiers: tuple[str, ...] = ("A", "B")
    severity: dict[str, tuple[str, ...]] = field(default_factory=dict)
    weight: float = 1.5

    def raises(self, posture: str | None, gap_type: str) -> bool:
        """True when gaps of ``gap_type`` weigh one severity level more at ``posture`` accounts."""
        return gap_type in self.severity.get(posture or "", ())

    @classmethod
    def from_toml(cls, text: str, *, source: str = "posture policy") -> PosturePolicy:
        """Read ``[share]``, ``[rivals]``, ``[tiers]``, ``[severity]`` and ``[moves]``
        (see the shipped ``posture_policy.toml``); a value left out keeps its default.

        Raises
        ------
        PowermapError
            When the text is not TOML or a value is out of range or of the wrong kind.
        """
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as err:
            raise PowermapError(f"{source}: not a TOML file: {err}") from err
        defaults = cls()
        share = _table(data, "share", source)
        values: dict[str, Any] = {}
        for key in ("maintain_share", "attack_share", "defend_share", "slide"):
            value = share.get(key, getattr(defaults, key))
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
                raise PowermapError(f"{source}: share.{key} must be a fraction from 0 to 1")
            values[key] = float(value)
        if values["attack_share"] > values["maintain_share"]:
            raise PowermapError(f"{source}: share.attack_share must not exceed share.maintain_share")
        rivals = _table(data, "rivals", source).get("rival_deciders", defaults.rival_deciders)
        if isinstance(rivals, bool) or not isinstance(rivals, int) or rivals < 1:
            raise PowermapError(f"{source}: rivals.rival_deciders must be a whole number (1 or more)")
        tiers = _table(data, "tiers", source).get("attack_tiers", list(defaults.attack_tiers))
        if not isinstance(tiers, list) or not all(t in {x.value for x in Tier} for t in tiers):
            raise PowermapError(f"{source}: tiers.attack_tiers must be a list of A, B, C")
        severity = {}
        for posture, types in _table(data, "severity", source).items():
            from graph.analysis.gaps import GAP_TYPES  # gaps imports this module

            if posture not in _POSTURES:
                raise PowermapError(f"{source}: unknown posture {posture!r} in [severity] (use {', '.join(_POSTURES)})")
            if not isinstance(types, list) or not all(t in GAP_TYPES for t in types):
                raise PowermapError(f"{source}: severity.{posture} must be a list of gap types")
            severity[posture] = tuple(types)
        weight = _table(data, "moves", source).get("weight", defaults.weight)
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not 1 <= weight <= 10:
            raise PowermapError(f"{source}: moves.weight must be a number from 1 to 10")
        return cls(**values, rival_deciders=rivals, attack_tiers=tuple(tiers), severity=severity,
                   weight=float(weight))

    def move_weight(self, posture: str | None, *, new_contact: bool, coach_or_executive: bool) -> float:
        """The factor on a next move's gain: ``weight`` when it fits the posture (attack: a
        relationship with someone none of ours knows; defend: a coach or an executive)."""
        fits = (posture == Posture.ATTACK.value and new_contact) or \
               (posture == Posture.DEFEND.value and coach_or_executive)
        return self.weight if fits else 1.0


def _table(data: dict, name: str, source: str) -> dict:
    table = data.get(name, {})
    if not isinstance(table, dict):
        raise PowermapError(f"{source}: [{name}] must be a table")
    return table


@cache
def default_posture_policy() -> PosturePolicy:
    """The policy shipped with powermap (``graph/analysis/posture_policy.toml``).

    >>> p = default_posture_policy()
    >>> p.maintain_share, p.attack_share, p.rival_deciders, p.raises("defend", "no_coach")
    (0.6, 0.3, 1, True)
    """
    text = resources.files("graph.analysis").joinpath("posture_policy.toml").read_text(encoding="utf-8")
    return PosturePolicy.from_toml(text, source="the default posture policy")


def load_posture_policy(path: str | Path) -> PosturePolicy:
    """A posture policy file. Raises PowermapError when it cannot be read or is not valid."""
    return PosturePolicy.from_toml(read_policy_file(path, "posture policy"), source=str(path))


def account_postures(G: nx.MultiDiGraph, *, policy: PosturePolicy | None = None,
                     previous_share: dict[str, float | None] | None = None) -> list[dict[str, Any]]:
    """The suggested posture of every account in an account subgraph beside the entered one.

    Parameters
    ----------
    G : MultiDiGraph
        An account subgraph.
    policy : PosturePolicy, optional
        Default: :func:`default_posture_policy`.
    previous_share : dict, optional
        account id → our share of its wallet in the previous snapshot (the trend). Without
        it the trend is unknown, and an entered defend at a share worth defending stands.

    Returns
    -------
    list of dict
        One per account, the root first, then by id: ``id``, ``name``, ``parent_id``,
        ``tier``, ``share_of_wallet``, ``previous_share``, ``share_change``, ``rival_deciders``
        (ids of deciders leaning to a competitor), ``rivals`` (competitor → how many of the
        account's contacts lean to it, most first), ``entered``, ``suggested``,
        ``effective``, ``mismatch`` (bool) and ``reason`` (why the suggestion).

    Examples
    --------
    >>> from graph.subgraph import build_account_graph
    >>> G = build_account_graph("A", accounts=[{"id": "A", "name": "Acme", "tier": "A", "posture": "maintain",
    ...     "share_of_wallet": 0.7}], departments=[],
    ...     contacts=[{"id": "d", "account_id": "A", "name": "Li", "roles": ("decider",), "competitor": "Rival"}],
    ...     team=[], relationships=[], influence=[], opportunities=[], opportunity_members=[])
    >>> [(p["entered"], p["suggested"], p["mismatch"]) for p in account_postures(G)]
    [('maintain', 'defend', True)]
    """
    policy = policy or default_posture_policy()
    if previous_share:
        return _postures(G, policy, previous_share)
    # shared within a graph.analysis._views.shared block (by the gap report and a roll-up);
    # the policy is kept with the rows, so its id is not reused while they are
    _, rows = v._memo(G, ("postures", id(policy)), lambda: (policy, _postures(G, policy, {})))
    return [dict(row) for row in rows]  # a caller may add to its rows


def _postures(G: nx.MultiDiGraph, policy: PosturePolicy,
              previous_share: dict[str, float | None]) -> list[dict[str, Any]]:
    accounts = sorted(v.accounts(G), key=lambda a: (a != G.graph["root"], a))
    judged = _judged_by(G, accounts)
    rivals: dict[str, dict[str, int]] = {a: {} for a in accounts}
    leaning: dict[str, list[str]] = {a: [] for a in accounts}
    deciders = set(v.deciders(G))
    nodes, account_of = G._node, v.accounts_of(G)
    for c in v.contacts(G):
        rival = nodes[c].get("competitor")
        owner = judged.get(account_of[c])
        if not rival or owner is None:
            continue
        rivals[owner][rival] = rivals[owner].get(rival, 0) + 1
        if c in deciders:
            leaning[owner].append(split_key(c)[1])
    rows = []
    for a in accounts:
        d = G.nodes[a]
        share, previous = d.get("share_of_wallet"), previous_share.get(d["id"])
        change = round(share - previous, 4) if share is not None and previous is not None else None
        suggested, reason = _suggest(policy, share, change, d.get("tier"), sorted(leaning[a]))
        entered = d.get("posture")
        mismatch = _disagree(policy, entered, suggested, share, change)
        if entered and suggested and entered != suggested and not mismatch:
            reason += "; the entered defend stands: no snapshot shows the trend"
        rows.append({"id": d["id"], "name": d.get("name"), "parent_id": d.get("parent_id"), "tier": d.get("tier"),
                     "share_of_wallet": share, "previous_share": previous, "share_change": change,
                     "rival_deciders": sorted(leaning[a]),
                     "rivals": dict(sorted(rivals[a].items(), key=lambda kv: (-kv[1], kv[0]))),
                     "entered": entered, "suggested": suggested, "effective": entered or suggested,
                     "mismatch": mismatch, "reason": reason})
    by_id = {r["id"]: r for r in rows}
    for row in rows:  # a part with no posture of its own takes the one above it
        seen, up = {row["id"]}, row
        while up["effective"] is None and up["parent_id"] in by_id and up["parent_id"] not in seen:
            seen.add(up["parent_id"])
            up = by_id[up["parent_id"]]
        row["effective"] = up["effective"]
    return rows


def effective_postures(G: nx.MultiDiGraph, *, policy: PosturePolicy | None = None) -> dict[str, str | None]:
    """account node → its effective posture (entered, else suggested, else the one above)."""
    return {node_key(NodeKind.ACCOUNT, r["id"]): r["effective"] for r in account_postures(G, policy=policy)}


def _suggest(policy: PosturePolicy, share: float | None, change: float | None, tier: str | None,
             leaning: list[str]) -> tuple[str | None, str]:
    if share is None:
        return None, "no share of wallet entered"
    pct = f"{share:.0%}"
    if share >= policy.defend_share:
        if len(leaning) >= policy.rival_deciders:
            return Posture.DEFEND.value, (f"share {pct} and {len(leaning)} decider{'s' if len(leaning) > 1 else ''} "
                                          f"leaning to a rival")
        if change is not None and change <= -policy.slide:
            return Posture.DEFEND.value, f"share {pct}, down {-change:.0%} since the previous snapshot"
    if share >= policy.maintain_share:
        return Posture.MAINTAIN.value, f"share {pct} (at least {policy.maintain_share:.0%}): we hold most of it"
    if share < policy.attack_share:
        return Posture.ATTACK.value, f"share {pct} (below {policy.attack_share:.0%}): most of the wallet to win"
    if tier in policy.attack_tiers:
        return Posture.ATTACK.value, f"share {pct} at a tier-{tier} account: room to grow"
    return Posture.MAINTAIN.value, f"share {pct} at a {'tier-' + tier if tier else 'untiered'} account"


def _disagree(policy: PosturePolicy, entered: str | None, suggested: str | None, share: float | None,
              change: float | None) -> bool:
    if entered is None or suggested is None or entered == suggested:
        return False
    trend_unknown = change is None
    return not (trend_unknown and entered == Posture.DEFEND.value and share is not None
                and share >= policy.defend_share)


def _judged_by(G: nx.MultiDiGraph, accounts: list[str]) -> dict[str, str]:
    """account node → the account whose posture it counts for (itself when it has a share
    of wallet, else the nearest account above it with one, else the subgraph's root)."""
    out = {}
    for a in accounts:
        node, seen = a, set()
        while node in G and node not in seen:
            seen.add(node)
            if G.nodes[node].get("share_of_wallet") is not None:
                break
            parent = G.nodes[node].get("parent_id")
            up = node_key(NodeKind.ACCOUNT, parent) if parent else None
            if up is None or up not in G:
                break
            node = up
        out[a] = node
    return out


