"""Next best relationship: the few actions that close the most gaps.

Two kinds of candidate action are tried:

* **new relationship** — one of our people starts (or, when stale, renews) a
  relationship with a contact. Who is proposed follows the iron triangle: our executive
  for customer executives (executive peers), the solution manager for the design line,
  the delivery manager for the user line, the account manager otherwise; a breach of
  the visit cadence of the account's tier proposes the meeting it asks for (our
  executive with the most senior of its people, the owning account manager with the
  decider);
* **raise stance** — win a contact over by one step (opposes → neutral → supports …).

Candidates come from the people named in the gaps and the account's most influential
people. Each is applied to the graph, the gaps and the opportunities' support indexes
are computed again, and the action is undone. Gain = closed gaps weighted by severity
(high 3, medium 2, low 1) minus opened ones, plus twice the rise of the mean support
index.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from typing import Any

import networkx as nx

from graph.analysis import _views as v
from graph.analysis.cadence import CadencePolicy
from graph.analysis.gaps import FAMILY, Gap, GapFinder, sort_gaps
from graph.analysis.outcome import StanceModel, decision_unit_outcome
from graph.subgraph import EdgeType, NodeKind, node_key, split_key
from graph.vocabulary import COACH

__all__ = ["next_moves"]

_WEIGHT = {"high": 3, "medium": 2, "low": 1}
_LINE_ROLE = {"design": "solution_manager", "user": "delivery_manager"}


def next_moves(G: nx.MultiDiGraph, *, top: int = 5, today: dt.date | None = None, new_strength: float = 0.6,
               max_candidates: int = 16, cadence_policy: CadencePolicy | None = None) -> list[dict[str, Any]]:
    """Rank candidate actions by how much they close gaps and raise support.

    Parameters
    ----------
    G : MultiDiGraph
        An account subgraph. It is changed while candidates are tried, and restored.
    top : int
        How many actions to return.
    today : date, optional
        The day staleness is measured from.
    new_strength : float
        The strength assumed for a new or renewed relationship.
    max_candidates : int
        How many candidate actions to evaluate (the most promising first).
    cadence_policy : CadencePolicy, optional
        The visit cadence by tier whose breaches count as gaps (default: the shipped policy).

    Returns
    -------
    list of dict
        ``action`` (``new_relationship`` or ``raise_stance``), ``team`` (our person, for
        relationships), ``contact``, ``description``, ``gain``, ``closes`` (the gaps it
        closes: type, severity, explanation and key), ``opens`` and ``support_gain``.
    """
    today = today or dt.date.today()
    finder = GapFinder(G, today=today, cadence_policy=cadence_policy)
    base_gaps = finder.run()
    stances = StanceModel(G)
    base_support = _support(G, stances)
    executives = set(v.our_executives(G))
    moves = []
    for candidate in _candidates(G, base_gaps, today)[:max_candidates]:
        description, team_key, contact = candidate
        if team_key:
            families = {"reach", "untouched"}
            R = finder.reach.graph
            strength = max(new_strength, R.edges[team_key, contact]["strength"] if R.has_edge(team_key, contact)
                           else 0.0)
            undo = _relate(G, team_key, contact, new_strength, today)
            try:
                reach = finder.reach.with_edges([(team_key, contact, -math.log(strength))])
                after = GapFinder(G, today=today, reach=reach, like=finder, grown_from=finder,
                                  cadence_policy=cadence_policy).run(families)
            finally:
                undo()
            # a new or renewed relationship closes its own staleness, from an executive the
            # executive-peer gap, and a cadence breach naming both people (a meeting today):
            # no need to recompute those families
            ours, theirs = split_key(team_key)[1], split_key(contact)[1]
            after += [g for g in base_gaps if g.type == "stale_relationship"
                      and not (g.contacts == (theirs,) and g.team == (ours,))]
            after += [g for g in base_gaps if g.type == "no_executive_peer"
                      and not (team_key in executives and g.contacts == (theirs,))]
            after += [g for g in base_gaps if g.type == "cadence_breach"
                      and not (ours in g.team and theirs in g.contacts)]
            families |= {"stale", "peers", "cadence"}
            support = base_support  # relationships do not move stances
        else:
            previous = G.nodes[contact].get("stance")
            stance = _raised(previous)
            families = _stance_families(previous, stance)
            G.nodes[contact]["stance"] = stance
            try:
                reach = finder.reach
                if previous == -1:  # an opponent who turns carries paths again
                    reach = reach.with_edges(_carried_from(G, contact, reach.index))
                after = GapFinder(G, today=today, reach=reach, like=finder, grown_from=finder,
                                  cadence_policy=cadence_policy).run(families)
                support = _support(G, stances, {contact: stance})
            finally:
                G.nodes[contact]["stance"] = previous
        moves.append(_judge(candidate, base_gaps, after, support - base_support, families))
    moves = [m for m in moves if m["gain"] > 0]
    moves.sort(key=lambda m: (-m["gain"], m["contact"], m["team"] or ""))
    return moves[:top]


def _stance_families(previous: int | None, stance: int) -> set[str]:
    """The gap families a stance change from ``previous`` to ``stance`` can affect."""
    families = set()
    if previous is None:
        families.add("unknown")
    if previous == -1:
        families |= {"opposed", "reach"}  # no longer opposes; now carries paths
    if stance >= 1 > (previous if previous is not None else 0):
        families |= {"opposed", "lines", "reach"}  # a new supporter: counter-weight, line, cut point
    if stance == COACH:
        families.add("coaches")
    return families


def _judge(candidate: tuple, base: list[Gap], after: list[Gap], support_gain: float, families: set[str]) -> dict:
    description, team_key, contact = candidate
    before = {g.key: g for g in base if FAMILY[g.type] in families}
    now = {g.key: g for g in after}
    closed = [before[k] for k in before.keys() - now.keys()]
    opened = [now[k] for k in now.keys() - before.keys()]
    gain = sum(_WEIGHT[g.severity] for g in closed) - sum(_WEIGHT[g.severity] for g in opened) + 2 * support_gain
    return {
        "action": "new_relationship" if team_key else "raise_stance",
        "team": split_key(team_key)[1] if team_key else None, "contact": split_key(contact)[1],
        "description": description, "gain": round(gain, 3), "support_gain": round(support_gain, 3),
        "closes": [_brief(g) for g in sort_gaps(closed)], "opens": [_brief(g) for g in sort_gaps(opened)],
    }


def _brief(gap: Gap) -> dict:
    return {"type": gap.type, "severity": gap.severity, "explanation": gap.explanation, "key": gap.key}


def _support(G: nx.MultiDiGraph, model: StanceModel, stances: dict | None = None) -> float:
    opportunities = v.opportunities(G)
    if not opportunities:
        return 0.0
    projected = model.project(stances=stances)
    return sum(decision_unit_outcome(G, split_key(o)[1], projected=projected)["support_index"]
               for o in opportunities) / len(opportunities)


def _carried_from(G: nx.MultiDiGraph, contact: str, nodes: dict) -> list[tuple[str, str, float]]:
    best: dict[str, float] = {}
    for _, w, strength, _ in v.carried_edges(G, source=contact):
        if w in nodes:
            best[w] = max(best.get(w, 0.0), strength)
    return [(contact, w, -math.log(min(s, 1.0))) for w, s in best.items()]


def _raised(stance: int | None) -> int:
    return 0 if stance is None else min(stance + 1, COACH)


def _candidates(G: nx.MultiDiGraph, gaps: list[Gap], today: dt.date) -> list[tuple[str, str | None, str]]:
    """(description, team member or None, contact), the most promising first.

    Each gap credits the action most likely to close it: a relationship with the decider
    nobody reaches (or reaches only through one person), with the executive who has no
    peer, with the senior people of an untouched part, renewing a stale relationship;
    winning over the opposed decider, the person of unknown stance, the likeliest
    supporter of a line or a coach-less unit; a cadence breach credits the meeting it
    asks for (the breach's own team member, the most senior first, with its most senior
    person).
    """
    own = set(v.contacts(G))
    relate: dict[str, float] = {}
    win: dict[str, float] = {}
    meet: dict[tuple[str, str], tuple[float, str]] = {}  # (ours, theirs) → weight, why

    def credit(table: dict[str, float], contact: str | None, weight: float) -> None:
        if contact in own:
            table[contact] = table.get(contact, 0.0) + weight

    def key(cid: str) -> str:
        return node_key(NodeKind.CONTACT, cid)

    def likeliest(people) -> str | None:
        """The best one to win over: closest to supporting us, then the weightiest."""
        ranked = sorted((c for c in people if c in own and (v.stance(G, c) or 0) < COACH),
                        key=lambda c: (-(v.stance(G, c) if v.stance(G, c) is not None else -0.5),
                                       -_weight_of(G, c), c))
        return ranked[0] if ranked else None

    for gap in gaps:
        w = _WEIGHT[gap.severity]
        people = [key(c) for c in gap.contacts]
        if gap.type in ("uncovered_decider", "gatekeeper_only", "single_point_of_failure", "no_executive_peer",
                        "stale_relationship"):
            credit(relate, people[-1], w)
        elif gap.type in ("opposed_decider", "unknown_stance"):
            credit(win, people[-1], w)
        elif gap.type == "missing_line":
            credit(win, likeliest(people), w)
        elif gap.type == "no_coach":
            members = people or [c for c in own if G.nodes[c].get("account_id") in gap.accounts]
            credit(win, likeliest(c for c in members if (v.stance(G, c) or 0) >= 1) or likeliest(members), w)
        elif gap.type == "cadence_breach":
            ours = [node_key(NodeKind.TEAM, t) for t in gap.team]
            theirs = sorted((c for c in people if c in own), key=lambda c: (_seniority(G, c), -_weight_of(G, c), c))
            if ours and theirs:
                t = min(ours, key=lambda t: (G.nodes[t].get("rank") or 99, t))
                weight, _ = meet.get((t, theirs[0]), (0.0, ""))
                meet[(t, theirs[0])] = (weight + w, gap.explanation.split(":")[0])
        elif gap.type in ("untouched_subsidiary", "single_threaded"):
            pool = [c for c in own if G.nodes[c].get("account_id") in gap.accounts and c not in people]
            for c in sorted(pool, key=lambda c: (_seniority(G, c), -_weight_of(G, c), c))[:2]:
                credit(relate, c, w)
    known = {(t, c): d for t, c, d in v.relationships(G)}
    team, executives = v.team(G), v.our_executives(G)
    relationships: dict[tuple[str, str], list] = {}  # (ours, theirs) → [weight, description]
    for c, w in relate.items():
        t = _who_should_meet(G, c, team, executives)
        if t is None:
            continue
        existing = known.get((t, c))
        last = existing.get("last_interaction") if existing else None
        stale = last and (today - dt.date.fromisoformat(str(last)[:10])).days > 90
        if existing is None or stale:
            verb = "renew" if existing else "build"
            relationships[(t, c)] = [w, f"{v.name(G, t)} should {verb} a relationship with {v.name(G, c)}"]
    for (t, c), (w, why) in meet.items():
        if (t, c) in relationships:  # the same meeting: one candidate, both reasons weigh
            relationships[(t, c)][0] += w
        else:
            relationships[(t, c)] = [w, f"{v.name(G, t)} should meet {v.name(G, c)} ({why} cadence)"]
    scored: list[tuple[float, tuple[str, str | None, str]]] = [
        (w + 0.1 * _weight_of(G, c), (description, t, c)) for (t, c), (w, description) in relationships.items()]
    for c, w in win.items():
        stance = v.stance(G, c)
        target = _raised(stance)
        scored.append((w + 0.1 * _weight_of(G, c),
                       (f"win {v.name(G, c)} over from {_stance_word(stance)} to {_stance_word(target)}", None, c)))
    scored.sort(key=lambda x: (-x[0], x[1][2], x[1][1] or ""))
    return [candidate for _, candidate in scored]


def _weight_of(G: nx.MultiDiGraph, c: str) -> float:
    """A quick weight: stated influence (0.3 when unknown) plus a little for seniority."""
    influence = G.nodes[c].get("influence")
    return (0.3 if influence is None else float(influence)) + (3 - _seniority(G, c)) * 0.1


def _seniority(G: nx.MultiDiGraph, c: str) -> int:
    return {"executive": 0, "director": 1, "manager": 2}.get(G.nodes[c].get("level"), 3)


def _who_should_meet(G: nx.MultiDiGraph, contact: str, team: list[str], executives: list[str]) -> str | None:
    if not team:
        return None
    if v.is_executive(G, contact):
        if executives:
            return min(executives, key=lambda t: (G.nodes[t].get("rank") or 99, t))
    wanted = _LINE_ROLE.get(v.department_kind(G, contact) or "", "account_manager")
    account_id = G.nodes[contact].get("account_id")
    for role in (wanted, "account_manager"):
        fits = [t for t in team if G.nodes[t].get("role") == role]
        owners = [t for t in fits if account_id in (G.nodes[t].get("accounts") or ())]
        if owners or fits:
            return sorted(owners or fits)[0]
    return sorted(team)[0]


def _relate(G: nx.MultiDiGraph, t: str, c: str, strength: float, today: dt.date) -> Callable[[], None]:
    """Add (or renew) the relationship t → c in G; return the undo."""
    key = EdgeType.RELATIONSHIP
    previous = dict(G.edges[t, c, key]) if G.has_edge(t, c, key) else None
    G.add_edge(t, c, key=key, type=key, strength=max(strength, (previous or {}).get("strength") or 0.0),
               last_interaction=today.isoformat())

    def undo() -> None:
        G.remove_edge(t, c, key=key)
        if previous is not None:
            G.add_edge(t, c, key=key, **previous)
    return undo


def _stance_word(stance: int | None) -> str:
    return {None: "unknown", -1: "opposing", 0: "neutral", 1: "supportive", 2: "preferring us",
            3: "coach"}[stance]
