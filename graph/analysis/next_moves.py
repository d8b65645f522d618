"""Next best relationship: the few actions that close the most gaps and win the deals.

Two kinds of candidate action are tried, each with an **owner** on our side:

* **new relationship** — one of our people starts (or, when stale, renews) a
  relationship with a contact. Who is proposed follows the iron triangle and peer-level
  practice (对等交流): our executive for customer executives, the solution manager for the
  design line, the delivery manager for the user, quality and logistics lines, the
  account manager otherwise; a breach of the visit cadence proposes the meeting it asks
  for (our executive with the most senior of its people, the decider's peer of ours);
* **win over** — one step up a contact's stance (opposes → neutral → supports …), by the
  one of ours who knows them best (else by their peer of ours, as above).

Candidates come from the gaps (each gap credits the action most likely to close it) and
from the deals: every open opportunity's undecided or opposed deciders and, in a
consensus unit, its swing voters. Every candidate is tried, the most promising first,
until all are tried or ``time_budget`` seconds have passed (at least
:data:`MIN_TRIED` are always tried). Each is judged by the gaps it would close and open
and every deal's support index once it is made, computing again only what the one change
can reach (:mod:`graph.analysis._trials`; the graph is left as it was).

The gain weighs what is at stake: a closed gap counts its severity (high 3, medium 2,
low 1), times ``1 + stake`` of the weightiest open deal it bears on (its own deal, a deal
its people are in, or a deal of its account); an opened gap counts against; and each
deal's support counts ``(1 + 2 × stake) × (2 × rise of the index + 3 × steps of better
verdict)``, so a win-over that gives a consensus unit its majority weighs most. A deal's **stake**
(0..1) is its stage (late stages weigh more, closed deals nothing) times its value
relative to the account's largest deal; the unit's type (authority, consensus,
advisory) decides whose stance moves the deal's index. The account's posture
(:mod:`graph.analysis.posture`) multiplies the gain of a move that fits it by the
posture policy's ``weight``: at an attack account a relationship with someone none of
ours knows, at a defend account a move with a coach or a customer executive (or one
that makes a coach); each move carries ``posture`` and ``posture_weight``. Each move names the deals it
serves. The moves form a plan, chosen step by step: the move that adds most to those
already chosen (a gap an earlier move closes is credited to that move only, and its
``gain`` and ``closes`` say what it adds), spread over our people: the best move of each
of the iron triangle (account, solution and delivery manager) and of our executives
comes before anyone's second, and nobody gets more than ``per_person``.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from typing import Any

import networkx as nx

from graph.analysis import _views as v
from graph.analysis._trials import Trials, carried_from, raised
from graph.analysis.cadence import CadencePolicy
from graph.analysis.gaps import Gap, GapFinder, sort_gaps
from graph.analysis.outcome import DecisionUnit, StanceModel, decision_unit_outcome, verdict
from graph.subgraph import EdgeType, NodeKind, node_key, split_key
from graph.vocabulary import COACH

__all__ = ["next_moves", "deal_stakes", "MIN_TRIED"]

_WEIGHT = {"high": 3, "medium": 2, "low": 1}
_LINE_ROLE = {"design": "solution_manager", "user": "delivery_manager", "quality": "delivery_manager",
              "logistics": "delivery_manager"}
_VERDICTS = ("at risk", "open", "leaning our way", "likely win")
#: The iron triangle and our executives: each gets a move before anyone gets a second.
_TRIANGLE = {"account_manager", "solution_manager", "delivery_manager", "executive"}
#: At least this many candidates are tried whatever the time budget.
MIN_TRIED = 24
#: Stage words → how close the deal is to being decided (closed deals are at stake no more).
_STAGES = ((re.compile(r"clos|won|lost|赢单|输单|丢单|结束|关闭", re.I), 0.0),
           (re.compile(r"negotiat|review|contract|commit|award|商务|谈判|合同|决策|签约|定标", re.I), 1.0),
           (re.compile(r"propos|solution|evaluat|quot|bid|tender|方案|评估|报价|投标|招标", re.I), 0.8),
           (re.compile(r"prospect|qualif|need|discover|lead|需求|线索|立项|初步|确认", re.I), 0.6))
_UNKNOWN_STAGE = 0.7

Candidate = tuple[str, str | None, str, str | None]  # description, team member, contact, verb (None: relate)


def next_moves(G: nx.MultiDiGraph, *, top: int = 5, today: dt.date | None = None, new_strength: float = 0.6,
               time_budget: float | None = 0.15, per_person: int | None = 2,
               cadence_policy: CadencePolicy | None = None,
               stats: dict[str, int] | None = None) -> list[dict[str, Any]]:
    """Rank candidate actions by the gaps they close and the deals' support they add.

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
    time_budget : float or None
        Seconds to spend trying candidates (the most promising first; at least
        :data:`MIN_TRIED` are tried); None tries every one.
    per_person : int or None
        The most actions one of our people is given (None: no cap).
    cadence_policy : CadencePolicy, optional
        The visit cadence by tier whose breaches count as gaps (default: the shipped policy).
    stats : dict, optional
        Filled with ``candidates`` (how many were found) and ``tried``.

    Returns
    -------
    list of dict
        ``action`` (``new_relationship`` or ``raise_stance``), ``team`` (the owner: our
        person who is to act), ``contact``, ``description``, ``gain``, ``closes`` (the
        gaps it closes: type, severity, explanation and key), ``opens``, ``support_gain``
        (the rise of the deals' support indexes, summed) and ``deals`` (the deals it
        serves, at stake first: ``opportunity``, ``name``, ``stake``, ``support_before``,
        ``support_after``).
    """
    with v.shared(G):  # the base gaps, the deals and the candidates share one reach structure
        return _next_moves(G, top=top, today=today, new_strength=new_strength, time_budget=time_budget,
                           per_person=per_person, cadence_policy=cadence_policy, stats=stats)


def _next_moves(G: nx.MultiDiGraph, *, top: int, today: dt.date | None, new_strength: float,
                time_budget: float | None, per_person: int | None, cadence_policy: CadencePolicy | None,
                stats: dict[str, int] | None, fully: bool = False) -> list[dict[str, Any]]:
    """``fully``: try each candidate the reference way (:meth:`Trials.fully`), for the tests."""
    started = time.perf_counter()
    today = today or dt.date.today()
    finder, deals, candidates, trials = _prepared(G, today, new_strength, cadence_policy)
    attempt = trials.fully if fully else trials.quickly
    moves, tried = [], 0
    for n, candidate in enumerate(candidates):
        if time_budget is not None and n >= MIN_TRIED and time.perf_counter() - started > time_budget:
            break
        _, team_key, contact, verb = candidate
        closed, opened = attempt(team_key, contact, verb)
        # relationships do not move stances
        support = deals.base if verb is None else deals.indexes({contact: raised(G.nodes[contact].get("stance"))})
        move = _judge(G, candidate, closed, opened, deals, support, _fit(G, finder, candidate))
        tried += 1
        if move is not None:
            moves.append(move)
    if stats is not None:
        stats.update(candidates=len(candidates), tried=tried)
    moves.sort(key=lambda m: (-m["gain"], m["contact"], m["team"] or ""))
    return _spread(moves, top, per_person)


def _prepared(G: nx.MultiDiGraph, today: dt.date, new_strength: float, cadence_policy: CadencePolicy | None
              ) -> tuple[GapFinder, _Deals, list[Candidate], Trials]:
    """The base gaps' finder, the deals, the candidates (most promising first) and the trials."""
    finder = GapFinder(G, today=today, cadence_policy=cadence_policy)
    base_gaps = finder.run()
    deals = _Deals(G, StanceModel(G))
    candidates = _candidates(G, base_gaps, today, deals)
    # one matrix with a place for every edge a candidate may add: no rebuild per candidate
    places = []
    for _, team_key, contact, verb in candidates:
        if verb is None:
            places.append((team_key, contact))
        elif G.nodes[contact].get("stance") == -1:
            places += [(u, w) for u, w, _ in carried_from(G, contact, finder.reach.index)]
    trials = Trials(G, finder, base_gaps, finder.reach.with_room_for(places), today=today, new_strength=new_strength,
                    executives=set(v.our_executives(G)), cadence_policy=cadence_policy)
    return finder, deals, candidates, trials


def deal_stakes(G: nx.MultiDiGraph) -> dict[str, float]:
    """Opportunity node → what is at stake (0..1): its stage times its value relative to
    the account's largest deal (a quarter of the weight whatever the value).

    >>> from graph.subgraph import build_account_graph
    >>> G = build_account_graph("A", accounts=[{"id": "A", "name": "A"}], departments=[], contacts=[],
    ...     team=[], relationships=[], influence=[], opportunity_members=[],
    ...     opportunities=[{"id": "big", "account_id": "A", "name": "B", "stage": "Negotiation", "value": 100},
    ...                    {"id": "small", "account_id": "A", "name": "S", "stage": "Qualification", "value": 20},
    ...                    {"id": "done", "account_id": "A", "name": "D", "stage": "Closed Won", "value": 100}])
    >>> {split_key(o)[1]: s for o, s in sorted(deal_stakes(G).items())}
    {'big': 1.0, 'done': 0.0, 'small': 0.24}
    """
    opportunities = v.opportunities(G)
    values = {o: G.nodes[o].get("value") for o in opportunities}
    largest = max((float(x) for x in values.values() if x), default=0.0)
    stakes = {}
    for o in opportunities:
        stage = str(G.nodes[o].get("stage") or "")
        factor = next((f for pattern, f in _STAGES if pattern.search(stage)), _UNKNOWN_STAGE) if stage \
            else _UNKNOWN_STAGE
        share = float(values[o]) / largest if values[o] and largest else 0.5
        stakes[o] = round(factor * (0.25 + 0.75 * share), 4)
    return stakes


class _Deals:
    """The account's opportunities: what is at stake and their support indexes."""

    def __init__(self, G: nx.MultiDiGraph, stances: StanceModel):
        self.G, self.stances = G, stances
        self.stakes = deal_stakes(G)
        self.nodes = sorted(self.stakes)
        projected = stances.project()
        self.outcomes = {o: decision_unit_outcome(G, split_key(o)[1], projected=projected) for o in self.nodes}
        self.units = {o: DecisionUnit(G, split_key(o)[1]) for o in self.nodes}
        self.base = {o: unit.index(projected) for o, unit in self.units.items()}
        self.members = {o: set(v.opportunity_members(G, o)) for o in self.nodes}
        self._member_ids = {o: {split_key(c)[1] for c in m} for o, m in self.members.items()}
        self._account = {o: G.nodes[o].get("account_id") for o in self.nodes}
        self._by_id = {split_key(o)[1]: o for o in self.nodes}
        self.executives = set(v.our_executives(G))
        self._weighed: list[tuple[str, int]] | None = None
        self._of_gap: dict[str, list[str]] = {}
        self.base_verdict = {o: _VERDICTS.index(verdict(index)) for o, index in self.base.items()}

    def of_gap(self, gap: Gap) -> list[str]:
        """The open deals a gap bears on: its own, those its people are in, those of its accounts."""
        if gap.key not in self._of_gap:  # the key says which gap: its people, accounts and deal
            self._of_gap[gap.key] = self._bears_on(gap)
        return self._of_gap[gap.key]

    def _bears_on(self, gap: Gap) -> list[str]:
        return [o for o in self.nodes if self.stakes[o] > 0 and (
            self._by_id.get(gap.opportunity or "") == o or not self._member_ids[o].isdisjoint(gap.contacts)
            or self._account[o] in gap.accounts)]

    def indexes(self, stances: dict[str, int]) -> dict[str, float]:
        """Every deal's support index with ``stances`` overriding the stated ones."""
        if self._weighed is None:  # the people whose projected stance some unit weighs
            position = {p: i for i, p in enumerate(self.stances.people)}
            self._weighed = [(p, position[p]) for p in sorted({*(c for u in self.units.values() for c in u.weights),
                                                               *(d for u in self.units.values() for d in u.deciders)})]
        projected = self.stances.projected(stances=stances)
        return {o: unit.index({p: projected[i] for p, i in self._weighed}) for o, unit in self.units.items()}


def _fit(G: nx.MultiDiGraph, finder: GapFinder, candidate: Candidate) -> tuple[str | None, float]:
    """The posture of the candidate's account and the factor on its gain (posture policy)."""
    _, _, contact, verb = candidate
    posture = finder.posture_of.get(v.account_of(G, contact))
    known = any(d["type"] == EdgeType.RELATIONSHIP for keys in G._pred[contact].values() for d in keys.values())
    key_person = v.is_coach(G, contact) or v.is_executive(G, contact) or \
        (verb is not None and raised(G.nodes[contact].get("stance")) == COACH)
    return posture, finder.posture_policy.move_weight(posture, new_contact=verb is None and not known,
                                                      coach_or_executive=key_person)


def _judge(G: nx.MultiDiGraph, candidate: Candidate, closed: list[Gap], opened: list[Gap], deals: _Deals,
           support: dict[str, float], fit: tuple[str | None, float] = (None, 1.0)) -> dict | None:
    """The move a candidate makes, given the gaps it closes and opens and the deals'
    support once it is made; None when it gains nothing."""
    description, team_key, contact, verb = candidate
    # a part below a subsidiary we just touched was untouched before too (it was reported
    # as part of its parent): it is not a gap this move opens
    untouched = set().union(*(g.accounts for g in closed if g.type == "untouched_subsidiary"))
    opened = [g for g in opened if not (g.type == "untouched_subsidiary" and set(g.accounts) <= untouched)]
    # reaching an account we did not reach at all makes it hang on that one thread: still
    # single-threaded, neither closed nor opened
    still = {g.accounts for g in opened if g.type == "single_threaded"} & \
        {g.accounts for g in closed if g.type == "single_threaded"}
    closed = [g for g in closed if not (g.type == "single_threaded" and g.accounts in still)]
    opened = [g for g in opened if not (g.type == "single_threaded" and g.accounts in still)]

    posture, factor = fit

    def weight(g: Gap) -> float:
        return factor * _WEIGHT[g.severity] * (1 + max((deals.stakes[o] for o in deals.of_gap(g)), default=0.0))

    rise = {o: support[o] - deals.base[o] for o in deals.nodes}
    # a deal's support counts by its stake, and a better verdict (open → leaning our way …) most
    steps = {o: _VERDICTS.index(verdict(support[o])) - deals.base_verdict[o] for o in deals.nodes}
    weights = {id(g): weight(g) for g in closed}
    gain = sum(weights[id(g)] for g in closed) - sum(weight(g) for g in opened) \
        + factor * sum((1 + 2 * deals.stakes[o]) * (2 * rise[o] + 3 * steps[o]) for o in deals.nodes)
    if round(gain, 3) <= 0:
        return None  # not a move
    served = {o for g in closed for o in deals.of_gap(g)}
    served |= {o for o in deals.nodes if abs(rise[o]) >= 0.05 or (contact in deals.members[o] and deals.stakes[o] > 0)}
    return {
        "action": "new_relationship" if verb is None else "raise_stance",
        "team": split_key(team_key)[1] if team_key else None, "contact": split_key(contact)[1],
        "description": description, "gain": round(gain, 3), "support_gain": round(sum(rise.values()), 3),
        "posture": posture, "posture_weight": factor,
        "deals": [{"opportunity": split_key(o)[1], "name": G.nodes[o].get("name"), "stake": deals.stakes[o],
                   "support_before": round(deals.base[o], 2), "support_after": round(support[o], 2)}
                  for o in sorted(served, key=lambda o: (-deals.stakes[o], o))],
        "closes": [_brief(g) for g in sort_gaps(closed)], "opens": [_brief(g) for g in sort_gaps(opened)],
        "_closed": {g.key: (weights[id(g)], _brief(g)) for g in closed},
        "_owner_role": "executive" if team_key in deals.executives else G.nodes[team_key].get("role"),
    }


def _spread(moves: list[dict], top: int, per_person: int | None) -> list[dict]:
    """A plan of ``top`` moves: step by step the move that adds most to the moves already
    chosen (a gap an earlier move closes counts for that move only), the first move of each
    of the iron triangle and our executives before anyone's second, at most ``per_person``
    each (None: no cap, no spreading)."""
    chosen: list[dict] = []
    closed: set[str] = set()
    load: dict[str | None, int] = {}
    left = list(moves)
    while left and len(chosen) < top:
        best, best_key = None, None
        for m in left:
            n = load.get(m["team"], 0)
            if per_person is not None and n >= per_person:
                continue
            gain = m["gain"] - sum(w for k, (w, _) in m["_closed"].items() if k in closed)
            first = per_person is not None and n == 0 and m["_owner_role"] in _TRIANGLE
            key = (0 if first else 1, -round(gain, 6), m["contact"], m["team"] or "")
            if gain > 0 and (best_key is None or key < best_key):
                best, best_key = m, key
        if best is None:
            break
        left.remove(best)
        fresh = {k: brief for k, (_, brief) in best["_closed"].items() if k not in closed}
        chosen.append({**{k: x for k, x in best.items() if not k.startswith("_")}, "gain": round(-best_key[1], 3),
                       "closes": [b for b in best["closes"] if b in fresh.values()]})
        closed |= fresh.keys()
        load[best["team"]] = load.get(best["team"], 0) + 1
    return sorted(chosen, key=lambda m: -m["gain"])  # listed by what each adds


def _brief(gap: Gap) -> dict:
    return {"type": gap.type, "severity": gap.severity, "explanation": gap.explanation, "key": gap.key}


def _candidates(G: nx.MultiDiGraph, gaps: list[Gap], today: dt.date, deals: _Deals) -> list[Candidate]:
    """Every candidate action, the most promising first.

    Each gap credits the action most likely to close it: a relationship with the decider
    nobody reaches (or reaches only through one person), the deal owner's with a decider only
    another division knows, with the executive who has no peer, with the senior people of an
    untouched part, renewing a stale relationship;
    winning over the opposed decider, the person of unknown stance, a rival's adviser, the likeliest
    supporter of a line or a coach-less unit; a cadence breach credits the meeting it
    asks for (the breach's own team member, the most senior first, with its most senior
    person). Each open deal credits winning over its deciders who are not for us and its
    swing voters, and a relationship with them when none of ours has one, by its stake.
    """
    own = set(v.contacts(G))
    relate: dict[str, float] = {}
    win: dict[str, float] = {}
    meet: dict[tuple[str, str], tuple[float, str]] = {}  # (ours, theirs) → weight, why
    introduce: dict[tuple[str, str], tuple[float, str]] = {}  # (deal owner, decider) → weight, who knows them

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
        w = _WEIGHT[gap.severity] * (1 + max((deals.stakes[o] for o in deals.of_gap(gap)), default=0.0))
        people = [key(c) for c in gap.contacts]
        if gap.type in ("uncovered_decider", "gatekeeper_only", "single_point_of_failure", "no_executive_peer",
                        "stale_relationship"):
            credit(relate, people[-1], w)
        elif gap.type in ("opposed_decider", "unknown_stance"):
            credit(win, people[-1], w)
        elif gap.type == "competitor_coach":  # win the rival's adviser over
            credit(win, people[0], w)
        elif gap.type == "division_gap" and gap.opportunity:  # the deal's owner meets the decider
            owner = G.nodes[node_key(NodeKind.OPPORTUNITY, gap.opportunity)].get("owner_id")
            if owner and node_key(NodeKind.TEAM, owner) in G and people[0] in own:
                pair = (node_key(NodeKind.TEAM, owner), people[0])
                introduce[pair] = (introduce.get(pair, (0.0, ""))[0] + w, gap.team[0] if gap.team else "")
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
    for o in deals.nodes:  # the deals: deciders not for us, swing voters
        stake = deals.stakes[o]
        if stake <= 0:
            continue
        outcome = deals.outcomes[o]
        swing = {key(s["id"]) for s in outcome["swing_voters"]}
        for m in outcome["members"]:
            c = key(m["id"])
            if (m["is_decider"] and m["side"] != "for") or c in swing:
                credit(win, c, 2 * (1 + 2 * stake) * (1.5 if c in swing else 1.0))
                if not any(t_c[1] == c for t_c in known):
                    credit(relate, c, 1 + 2 * stake)
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
    for (t, c), (w, via) in introduce.items():
        if (t, c) not in known:
            knower = node_key(NodeKind.TEAM, via)
            by = f" (introduced by {v.name(G, knower)})" if knower in G else ""
            relationships.setdefault((t, c), [0.0, f"{v.name(G, t)} should build a relationship with "
                                                   f"{v.name(G, c)}{by}"])[0] += w
    for (t, c), (w, why) in meet.items():
        if (t, c) in relationships:  # the same meeting: one candidate, both reasons weigh
            relationships[(t, c)][0] += w
        else:
            relationships[(t, c)] = [w, f"{v.name(G, t)} should meet {v.name(G, c)} ({why} cadence)"]
    scored: list[tuple[float, Candidate]] = [
        (w + 0.1 * _weight_of(G, c), (description, t, c, None)) for (t, c), (w, description) in relationships.items()]
    for c, w in win.items():
        t = _winner(G, c, known, team, executives)
        if t is None:
            continue
        stance = v.stance(G, c)
        scored.append((w + 0.1 * _weight_of(G, c),
                       (f"{v.name(G, t)} should win {v.name(G, c)} over from {_stance_word(stance)} to "
                        f"{_stance_word(raised(stance))}", t, c, "win")))
    scored.sort(key=lambda x: (-x[0], x[1][2], x[1][1] or ""))
    return [candidate for _, candidate in scored]


def _weight_of(G: nx.MultiDiGraph, c: str) -> float:
    """A quick weight: stated influence (0.3 when unknown) plus a little for seniority."""
    influence = G.nodes[c].get("influence")
    return (0.3 if influence is None else float(influence)) + (3 - _seniority(G, c)) * 0.1


def _seniority(G: nx.MultiDiGraph, c: str) -> int:
    return {"executive": 0, "director": 1, "manager": 2}.get(G.nodes[c].get("level"), 3)


def _winner(G: nx.MultiDiGraph, contact: str, known: dict, team: list[str], executives: list[str]) -> str | None:
    """Who of ours is to win ``contact`` over: the one who knows them best, else their peer."""
    ties = [(d.get("strength") if d.get("strength") is not None else 0.5, t) for (t, c), d in known.items()
            if c == contact]
    if ties:
        return max(ties, key=lambda x: (x[0], -(G.nodes[x[1]].get("rank") or 99), x[1]))[1]
    return _who_should_meet(G, contact, team, executives)


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
        owners = [t for t in fits if _owns(G, t, account_id)]
        if owners or fits:
            return sorted(owners or fits)[0]
    return sorted(team)[0]


def _owns(G: nx.MultiDiGraph, team: str, account_id: str | None) -> bool:
    """The team member is assigned the account or one above it."""
    assigned = set(G.nodes[team].get("accounts") or ())
    seen = set()
    while account_id and account_id not in seen:
        if account_id in assigned:
            return True
        seen.add(account_id)
        key = node_key(NodeKind.ACCOUNT, account_id)
        account_id = G.nodes[key].get("parent_id") if key in G else None
    return False


def _stance_word(stance: int | None) -> str:
    return {None: "unknown", -1: "opposing", 0: "neutral", 1: "supportive", 2: "preferring us",
            3: "coach"}[stance]
