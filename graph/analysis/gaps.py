"""Relationship gaps: what an account review should fix, each finding explained.

Every :class:`Gap` has a ``type``, a ``severity`` (high / medium / low), the people and
accounts involved, a one-line explanation and a stable ``key`` (the same finding gets
the same key on every run, so gaps can be tracked as opened and closed).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from graph.analysis import _views as v
from graph.analysis._reach import Reach
from graph.analysis.cadence import CadencePolicy, cadence_breaches
from graph.analysis.causes import gap_causes
from graph.analysis.competitors import rival_ties
from graph.analysis.coverage import coach_reach
from graph.analysis.divisions import division_ties, orphans, overlaps, tie_strength
from graph.analysis.posture import PosturePolicy, account_postures, default_posture_policy
from graph.analysis.people import MOVE_WORDS, is_executive_sponsor, is_open_stage
from graph.analysis.plans import graph_plan_status
from graph.subgraph import EdgeType, NodeKind, split_key
from graph.vocabulary import THREE_LINES, BuyingRole, InfluenceKind

__all__ = ["Gap", "GAP_TYPES", "SEVERITIES", "FAMILY", "GapFinder", "find_gaps", "gap_counts", "sort_gaps"]

GAP_TYPES = (
    "uncovered_decider", "opposed_decider", "no_coach", "missing_line", "single_threaded", "gatekeeper_only",
    "stale_relationship", "no_executive_peer", "unknown_stance", "untouched_subsidiary", "single_point_of_failure",
    "cadence_breach", "posture_mismatch", "competitor_coach", "plan_overdue",
    "division_gap", "people_change",
)
SEVERITIES = ("high", "medium", "low")
#: Which part of the finder produces each gap type (analyses that change one thing
#: recompute only the families it can affect).
FAMILY = {
    "uncovered_decider": "reach", "gatekeeper_only": "reach", "single_point_of_failure": "reach",
    "single_threaded": "reach", "opposed_decider": "opposed", "no_coach": "coaches", "missing_line": "lines",
    "stale_relationship": "stale", "no_executive_peer": "peers", "unknown_stance": "unknown",
    "untouched_subsidiary": "untouched", "cadence_breach": "cadence",
    "posture_mismatch": "posture", "competitor_coach": "competitors", "plan_overdue": "plans",
    "division_gap": "divisions",
    "people_change": "people",
}
_THREE_LINES = frozenset(k.value for k in THREE_LINES)  # the three lines' department kinds, as stored
#: Our strongest path to a contact must be at least this strong to count as reach.
MIN_PATH_STRENGTH = 0.1


@dataclass(frozen=True)
class Gap:
    """One finding of the gap report."""

    type: str
    severity: str
    contacts: tuple[str, ...]
    explanation: str
    accounts: tuple[str, ...] = ()
    team: tuple[str, ...] = ()
    opportunity: str | None = None
    key: str = field(default="", compare=False)
    #: the finding it follows from (:mod:`graph.analysis.causes`); set by :func:`find_gaps`
    cause: str = field(default="", compare=False)

    def with_cause(self, cause: str) -> Gap:
        """The same gap with its ``cause`` (``dataclasses.replace``, without its field-by-field look-up)."""
        return Gap(self.type, self.severity, self.contacts, self.explanation, self.accounts, self.team,
                   self.opportunity, self.key, cause)

    def as_dict(self) -> dict[str, Any]:
        return {"type": self.type, "severity": self.severity, "contacts": list(self.contacts),
                "explanation": self.explanation, "accounts": list(self.accounts), "team": list(self.team),
                "opportunity": self.opportunity, "key": self.key, "cause": self.cause}


def find_gaps(G: nx.MultiDiGraph, *, today: dt.date | None = None, stale_days: int = 90,
              executive_stale_days: int = 180, reports_to_weight: float = v.REPORTS_TO_WEIGHT,
              min_path_strength: float = MIN_PATH_STRENGTH,
              cadence_policy: CadencePolicy | None = None,
              posture_policy: PosturePolicy | None = None) -> list[Gap]:
    """Every relationship gap of an account subgraph, most severe first.

    Parameters
    ----------
    G : MultiDiGraph
        An account subgraph (the account and everything below it).
    today : date, optional
        The date staleness is measured from (default: today).
    stale_days, executive_stale_days : int
        A relationship is stale after this many days without interaction; the longer
        limit applies to relationships with customer executives.
    reports_to_weight : float
        Strength of a reporting line when tracing our reach.
    min_path_strength : float
        A contact counts as reached when our strongest path to them is at least this
        strong (the product of the edge strengths); a fainter path is no real reach.
    cadence_policy : CadencePolicy, optional
        The visit cadence by tier behind ``cadence_breach`` (default: the shipped policy).
    posture_policy : PosturePolicy, optional
        The posture rules behind ``posture_mismatch`` and the severities posture raises
        (default: the shipped policy; see :mod:`graph.analysis.posture`).

    Returns
    -------
    list of Gap
        Each with its ``cause`` (see :mod:`graph.analysis.causes`).

    Examples
    --------
    >>> from graph.subgraph import build_account_graph
    >>> G = build_account_graph("A", accounts=[{"id": "A", "name": "Acme"}], departments=[],
    ...     contacts=[{"id": "ceo", "account_id": "A", "name": "Li", "roles": ("decider",), "stance": 1,
    ...                "level": "executive", "reports_to": None}],
    ...     team=[], relationships=[], influence=[], opportunities=[], opportunity_members=[])
    >>> sorted(g.type for g in find_gaps(G))
    ['no_coach', 'no_executive_peer', 'single_threaded', 'uncovered_decider']
    """
    today = today or dt.date.today()
    with v.shared(G):
        finder = GapFinder(G, today=today, stale_days=stale_days, executive_stale_days=executive_stale_days,
                           reports_to_weight=reports_to_weight, min_path_strength=min_path_strength,
                           cadence_policy=cadence_policy, posture_policy=posture_policy)
        gaps = sort_gaps(finder.run())
        return [g.with_cause(cause) for g, cause in zip(gaps, gap_causes(G, gaps))]


def sort_gaps(gaps: list[Gap]) -> list[Gap]:
    """Most severe first, then by type, people and accounts."""
    order, types = {s: i for i, s in enumerate(SEVERITIES)}, {t: i for i, t in enumerate(GAP_TYPES)}
    return sorted(gaps, key=lambda g: (order[g.severity], types[g.type], g.contacts, g.accounts))


def gap_counts(gaps: list[Gap]) -> dict[str, Any]:
    """Counts by type and by severity."""
    by_type: dict[str, int] = {}
    by_severity = {s: 0 for s in SEVERITIES}
    for gap in gaps:
        by_type[gap.type] = by_type.get(gap.type, 0) + 1
        by_severity[gap.severity] += 1
    return {"total": len(gaps), "by_type": by_type, "by_severity": by_severity}


class GapFinder:
    """The gap report's machinery, for analyses that re-run parts of it (next moves).

    ``reach`` may be a :class:`Reach` prepared earlier for the same reach graph (its
    "what if we lose X" answers are reused); ``like`` an earlier finder on the same people
    (its contact and decider lists are reused).
    ``grown_from`` an earlier finder whose reach graph is this one's minus some edges:
    adding edges never makes a new cut point for someone already reached, so only the
    earlier cut points are checked again.
    """

    def __init__(self, G: nx.MultiDiGraph, *, today: dt.date | None = None, stale_days: int = 90,
                 executive_stale_days: int = 180, reports_to_weight: float = v.REPORTS_TO_WEIGHT,
                 min_path_strength: float = MIN_PATH_STRENGTH,
                 reach: Reach | None = None, like: GapFinder | None = None,
                 grown_from: GapFinder | None = None, cadence_policy: CadencePolicy | None = None,
                 posture_policy: PosturePolicy | None = None):
        self.G = G
        self.cadence_policy = cadence_policy
        self.posture_policy = posture_policy or (like.posture_policy if like else default_posture_policy())
        # the accounts' postures (stances and edges do not change them): from ``like`` when given
        self.postures = like.postures if like else account_postures(G, policy=self.posture_policy)
        self.posture_of = like.posture_of if like else {
            NodeKind.ACCOUNT + ":" + p["id"]: p["effective"] for p in self.postures}
        self.today = today or dt.date.today()
        self.stale_days, self.executive_stale_days = stale_days, executive_stale_days
        self.root = G.graph["root"]
        # node → its account (accounts do not change while next moves try candidates)
        self.account_of = like.account_of if like else v.accounts_of(G)
        # who is in the account and who decides: taken from ``like`` when only edges or
        # stances changed since it was made
        self.own = like.own if like else set(v.contacts(G))
        self.own_sorted = like.own_sorted if like else sorted(self.own)
        self.deciders = like.deciders if like else sorted(v.deciders(G))
        self._deciding = set(self.deciders)  # for "is c a decider"
        self.reach = reach or Reach.of(G, v.US, -math.log(min_path_strength), reports_to_weight=reports_to_weight)
        self.reachable = self.reach.reached()
        self.grown_from = grown_from
        self._cuts: dict[str, list[str]] = {}
        self._threads: list[str] | None = None
        self.gaps: list[Gap] = []

    # ----- helpers ---------------------------------------------------------------------
    def add(self, type_: str, severity: str, contacts: list[str], explanation: str, *, accounts: list[str] = (),
            team: list[str] = (), opportunity: str | None = None) -> None:
        where = accounts[0] if accounts else self.account_of[contacts[0]] if contacts else self.root
        posture = self.posture_of.get(where)
        if self.posture_policy.raises(posture, type_):
            severity = SEVERITIES[max(0, SEVERITIES.index(severity) - 1)]
            explanation += f" — at a {posture} account"
        # split_key(node)[1], inlined: one gap per relationship and contact passes here
        ids = tuple([c.partition(":")[2] for c in contacts])
        acc = tuple([a.partition(":")[2] for a in accounts])
        tm = tuple([t.partition(":")[2] for t in team])
        opp = opportunity.partition(":")[2] if opportunity else None
        key = hashlib.sha1("|".join([type_, ",".join(ids), ",".join(acc), ",".join(tm), opp or ""])
                           .encode()).hexdigest()[:16]
        self.gaps.append(Gap(type_, severity, ids, explanation, acc, tm, opp, key))

    def name(self, node: str) -> str:
        return v.name(self.G, node)

    def on_path(self, node: str) -> list[str]:
        """The contacts on our strongest path to ``node`` (nearest to it first)."""
        nodes = self.G._node
        return [n for n in reversed(self.reach.path(node)[1:-1]) if nodes[n]["kind"] == NodeKind.CONTACT]

    def cut_points(self, node: str) -> list[str]:
        """Contacts whose loss would cut our (strong enough) reach to ``node``."""
        if node not in self._cuts:
            base = self.grown_from
            suspects = base.cut_points(node) if base and node in base.reachable else self.on_path(node)
            self._cuts[node] = [c for c in suspects if self.reach.cuts(c, node)]
        return self._cuts[node]

    def reached_own(self) -> list[str]:
        """The account's contacts we reach, sorted."""
        return [c for c in self.own_sorted if c in self.reachable]

    def threads(self, reached: list[str]) -> list[str]:
        """Contacts all of our reach into the account goes through."""
        if self._threads is None:
            base = self.grown_from
            if base is not None and base.reachable & self.own:
                shared = set(base._threads if base._threads is not None else base.threads(base.reached_own()))
            else:
                shared = set()
                for i, c in enumerate(reached):
                    shared = {c, *self.on_path(c)} if i == 0 else shared & {c, *self.on_path(c)}
                    if not shared:
                        break
            self._threads = sorted(c for c in shared
                                   if not self.reach.still_reaches(c, (o for o in reached if o != c)))
        return self._threads

    # ----- the findings ----------------------------------------------------------------
    def run(self, families: set[str] | None = None) -> list[Gap]:
        """The gaps of the given families (all by default)."""
        steps = {"reach": (self.decider_reach, self.single_threaded), "opposed": (self.opposed_deciders,),
                 "coaches": (self.coaches,), "lines": (self.lines,), "stale": (self.relationships,),
                 "peers": (self.executive_peers,), "unknown": (self.unknown_stances,),
                 "untouched": (self.untouched_parts,), "cadence": (self.cadence,),
                 "posture": (self.posture_mismatches,), "competitors": (self.competitor_coaches,),
                 "plans": (self.plans,), "divisions": (self.divisions,),
                 "people": (self.people_changes,)}
        self.gaps = []
        for family, methods in steps.items():
            if families is None or family in families:
                for method in methods:
                    method()
        return self.gaps

    def decider_reach(self) -> None:
        for d in self.deciders:
            if d not in self.reachable:
                self.add("uncovered_decider", "high", [d],
                         f"{self.name(d)} decides, but no path from our team reaches them")
                continue
            chain = self.cut_points(d)
            gatekeepers = [c for c in chain if v.has_role(self.G, c, BuyingRole.GATEKEEPER)]
            if gatekeepers:
                g = gatekeepers[0]
                self.add("gatekeeper_only", "medium", [g, d],
                         f"every path from our team to {self.name(d)} passes gatekeeper {self.name(g)}")
            for c in chain:
                if c not in gatekeepers and v.is_supporter(self.G, c):
                    self.add("single_point_of_failure", "high", [c, d],
                             f"losing {self.name(c)} would cut our only path to decider {self.name(d)}")

    def opposed_deciders(self) -> None:
        G = self.G
        for d in self.deciders:
            if not v.is_opponent(G, d):
                continue
            backers = [u for u, _, e in G.in_edges(d, data=True)
                       if e["type"] == EdgeType.INFLUENCES and e.get("influence_kind") != InfluenceKind.RIVAL.value
                       and v.is_supporter(G, u)]
            manager = G.nodes[d].get("reports_to")
            manager_key = f"{NodeKind.CONTACT}:{manager}" if manager else None
            if manager_key in G and v.is_supporter(G, manager_key):
                backers.append(manager_key)
            if not backers:
                self.add("opposed_decider", "high", [d],
                         f"{self.name(d)} decides and opposes us, and no supporter of ours influences them")

    def coaches(self) -> None:
        G = self.G
        reach = coach_reach(G, reach=self.reach)
        coaches = set(reach)
        if not coaches & self.own:
            self.add("no_coach", "high", [], f"no coach anywhere in {G.nodes[self.root]['name']}",
                     accounts=[self.root])
        by_account: dict[str, list[str]] = {}
        account_of = self.account_of
        for c in self.own:
            by_account.setdefault(account_of[c], []).append(c)
        for account in v.accounts(G):
            people = by_account.get(account, [])
            if account == self.root or not people or coaches & set(people) or not coaches & self.own:
                continue
            severity = "low" if G.nodes[account].get("account_kind") == "window" else "medium"
            self.add("no_coach", severity, [], f"no coach in {G.nodes[account]['name']}", accounts=[account])
        for opp in v.opportunities(G):
            members = v.opportunity_members(G, opp)
            opp_deciders = {m for m, e in members.items() if e.get("is_decider") or e.get("role") == "decider"}
            if not any(c in members or reach[c] & opp_deciders for c in coaches):
                self.add("no_coach", "high", sorted(opp_deciders),
                         f"no coach in or reaching the decision unit of {G.nodes[opp]['name']}",
                         accounts=[v.account_of(G, opp)], opportunity=opp)

    def lines(self) -> None:
        G = self.G
        lines: dict[tuple[str, str], list[str]] = {}
        account_of, three = self.account_of, _THREE_LINES
        for n, d in G._node.items():
            if d["kind"] == NodeKind.DEPARTMENT and d.get("department_kind") in three:
                lines.setdefault((account_of[n], d["department_kind"]), [])
        kind_of = v.department_kinds(G)
        for c in self.own:
            line = lines.get((account_of[c], kind_of[c]))
            if line is not None:
                line.append(c)
        for (account, kind), people in sorted(lines.items()):
            if not people or any(v.is_supporter(G, c) for c in people):
                continue
            has_decider = any(c in self._deciding for c in people)
            self.add("missing_line", "high" if has_decider else "medium", sorted(people),
                     f"no supporter of ours in the {kind} line of {G.nodes[account]['name']}"
                     f" ({len(people)} people{', incl. a decider' if has_decider else ''})", accounts=[account])

    def single_threaded(self) -> None:
        reached = self.reached_own()
        account = self.G.nodes[self.root]["name"]
        if self.own and not reached:
            self.add("single_threaded", "high", [], f"our team reaches no one in {account}: not even one thread",
                     accounts=[self.root])
            return
        if len(self.own) < 2:
            return
        for c in self.threads(reached):
            self.add("single_threaded", "high", [c],
                     f"all of our reach into {account} goes through {self.name(c)}" if len(reached) > 1 else
                     f"{self.name(c)} is the only person we reach in {account}", accounts=[self.root])

    def relationships(self) -> None:
        G = self.G
        for t, c, e in v.relationships(G):
            last = e.get("last_interaction")
            if not last or c not in self.own:
                continue
            executive = v.is_executive(G, c)
            limit = self.executive_stale_days if executive else self.stale_days
            days = (self.today - dt.date.fromisoformat(str(last)[:10])).days
            if days <= limit:
                continue
            key_person = c in self._deciding or v.is_coach(G, c)
            severity = "high" if key_person else "medium" if executive else "low"
            self.add("stale_relationship", severity, [c],
                     f"{self.name(t)} last spoke with {self.name(c)} {days} days ago (limit {limit})", team=[t])

    def executive_peers(self) -> None:
        G = self.G
        ours = set(v.our_executives(G))
        peered = {c for t, c, _ in v.relationships(G) if t in ours}
        for c in self.own_sorted:
            if v.is_executive(G, c) and c not in peered:
                severity = "high" if c in self._deciding else "medium"
                self.add("no_executive_peer", severity, [c],
                         f"{self.name(c)} is an executive and none of our executives has a relationship with them")

    def unknown_stances(self) -> None:
        G = self.G
        for c in self.own_sorted:
            if v.stance(G, c) is not None:
                continue
            if c in self._deciding:
                self.add("unknown_stance", "medium", [c], f"we do not know where decider {self.name(c)} stands")
            elif v.has_role(G, c, BuyingRole.INFLUENCER):
                self.add("unknown_stance", "low", [c], f"we do not know where influencer {self.name(c)} stands")

    def cadence(self) -> None:
        for b in cadence_breaches(self.G, today=self.today, policy=self.cadence_policy):
            severity = {"A": "high", "B": "medium"}.get(b["tier"], "low")
            roles = [r.replace("_", " ") for r in b["roles"]]
            who = ("our executives and its executives" if b["kind"] == "executive"
                   else f"decider {self.name('contact:' + b['contacts'][0])} and our "
                        + (f"{', '.join(roles[:-1])} or {roles[-1]}" if len(roles) > 1 else roles[0]))
            when = (f"last met {b['last']}, {b['days_overdue']} days overdue" if b["last"]
                    else "no interaction on record")
            self.add("cadence_breach", severity, [f"{NodeKind.CONTACT}:{c}" for c in b["contacts"]],
                     f"tier-{b['tier']} {b['account_name']}: {who} must meet every {b['limit']} days; {when}",
                     accounts=[f"{NodeKind.ACCOUNT}:{b['account']}"],
                     team=[f"{NodeKind.TEAM}:{t}" for t in b["team"]])

    def posture_mismatches(self) -> None:
        for p in self.postures:
            if not p["mismatch"]:
                continue
            severity = "high" if p["suggested"] == "defend" else "medium"
            people = [f"{NodeKind.CONTACT}:{c}" for c in p["rival_deciders"]] if p["suggested"] == "defend" else []
            self.add("posture_mismatch", severity, people,
                     f"{p['name']} is marked {p['entered']}, but {p['reason']} suggests {p['suggested']}",
                     accounts=[f"{NodeKind.ACCOUNT}:{p['id']}"])

    def competitor_coaches(self) -> None:
        """A decider's adviser (someone who influences them) leans to a rival: the rival's coach."""
        in_units = {c for o in v.opportunities(self.G) for c in v.opportunity_members(self.G, o)}
        for d in self.deciders:
            for u, rival, strength in rival_ties(self.G, d, reports_to_weight=0):
                self.add("competitor_coach", "high" if d in in_units else "medium", [u, d],
                         f"{self.name(u)} advises decider {self.name(d)} (weight {strength:.2f}) "
                         f"and leans to {rival}")
    def plans(self) -> None:
        """Plan actions whose due date passed without the interaction (graph.analysis.plans)."""
        for a in graph_plan_status(self.G, as_of=self.today):
            if a["status"] != "overdue":
                continue
            contact, owner = f"{NodeKind.CONTACT}:{a['contact_id']}", f"{NodeKind.TEAM}:{a['owner_id']}"
            who = (self.name(owner) if owner in self.G else a["owner_id"]) if a["owner_id"] \
                else "nobody (its owner was removed)"
            whom = self.name(contact) if contact in self.G else a["contact_id"]
            opportunity = f"{NodeKind.OPPORTUNITY}:{a['opportunity_id']}" if a["opportunity_id"] else None
            kind = a["action"].replace("_", " ")
            self.add("plan_overdue", "high" if a["days_overdue"] > 14 else "medium",
                     [contact] if contact in self.G else [],
                     f"plan {a['id']}: {who} was to have {'an' if kind[0] in 'aeiou' else 'a'} {kind} with {whom} "
                     f"by {a['due']}; {a['days_overdue']} days overdue",
                     accounts=[f"{NodeKind.ACCOUNT}:{a['account_id']}"], team=[owner] if a["owner_id"] else [],
                     opportunity=opportunity if opportunity in self.G else None)

    def divisions(self) -> None:
        """Our divisions not coordinated on a decider (graph.analysis.divisions): a deal's
        decider whom only another division knows (high), or two divisions courting one
        decider (medium)."""
        ties = division_ties(self.G)
        for o in orphans(self.G, ties):
            knower = o["ties"][0][0]
            self.add("division_gap", "high", [o["decider"]],
                     f"{self.name(o['decider'])} decides {self.G.nodes[o['opportunity']].get('name')} "
                     f"({o['division']}, owned by {self.name(o['owner']) if o['owner'] in self.G else o['owner']}), "
                     f"but only {o['known_by']} knows them: {self.name(knower)} {tie_strength(o['ties'][0][1]):.2f}",
                     team=[knower], opportunity=o["opportunity"])
        for o in overlaps(self.G, ties):
            courted = "; ".join(f"{unit}: " + ", ".join(
                f"{self.name(t)} {tie_strength(d):.2f}"
                for t, d in rows) for unit, rows in o["divisions"].items())
            self.add("division_gap", "medium", [o["decider"]],
                     f"{len(o['divisions'])} of our divisions court decider {self.name(o['decider'])} "
                     f"separately ({courted}): agree who leads and what we say")

    def people_changes(self) -> None:
        """A decider, coach or executive sponsor of an open opportunity who departed (the
        store says so) or moved since the latest snapshot (:mod:`graph.analysis.people`):
        the deal's picture of that person no longer holds."""
        people = self.G.graph.get("people") or {}
        if not people.get("departed") and not people.get("moved"):
            return
        G = self.G
        open_deals = {split_key(o)[1]: o for o in v.opportunities(G) if is_open_stage(G.nodes[o].get("stage"))}
        stakes: dict[str, list[tuple[str, str]]] = {}
        for m in people.get("members", ()):
            deal = open_deals.get(m["opportunity_id"])
            part = ("decider" if m.get("is_decider") or m.get("role") == "decider"
                    else "executive sponsor" if is_executive_sponsor(m) else None)
            if deal and part:
                stakes.setdefault(m["contact_id"], []).append((deal, part))
        since = people.get("since")
        changes = [(row, "has left (marked departed)") for row in people.get("departed", ())]
        changes += [(move, f"moved since snapshot {since} ({_moved(move, G)})") for move in people.get("moved", ())]
        for row, what in changes:
            cid = row["id"]
            home = row.get("account_id") or (row.get("from") or {}).get("account_id")
            here = f"{NodeKind.ACCOUNT}:{home}"
            person = f"{NodeKind.CONTACT}:{cid}"
            who = f"{row.get('name') or cid}" + (f" ({row['title']})" if row.get("title") else "")
            for deal, part in stakes.get(cid, ()):
                self.add("people_change", "high" if part == "decider" else "medium", [person],
                         f"{who}, {part} of {G.nodes[deal]['name']}, {what}: confirm who is its {part} now "
                         f"and where they stand", accounts=[v.account_of(G, deal)], opportunity=deal)
            if row.get("stance") == 3 and open_deals and cid not in stakes and here in G:
                self.add("people_change", "medium", [person],
                         f"coach {who} {what}, with {len(open_deals)} open "
                         f"opportunit{'y' if len(open_deals) == 1 else 'ies'} in the account", accounts=[here])

    def untouched_parts(self) -> None:
        G = self.G
        children: dict[str, list[str]] = {}
        for a in v.accounts(G):
            parent = G.nodes[a].get("parent_id")
            if parent and f"{NodeKind.ACCOUNT}:{parent}" in G:
                children.setdefault(f"{NodeKind.ACCOUNT}:{parent}", []).append(a)
        account_of = self.account_of
        touched = {account_of[c] for c in v.related_contacts(G) if c in self.own}
        opportunity_accounts = {account_of[o] for o in v.opportunities(G)}

        def subtree(a: str) -> list[str]:
            out, stack = [], [a]
            while stack:
                node = stack.pop()
                out.append(node)
                stack.extend(children.get(node, ()))
            return out

        def visit(a: str) -> None:
            for child in sorted(children.get(a, ())):
                parts = subtree(child)
                if touched.isdisjoint(parts):
                    people = sorted(c for c in self.own if account_of[c] in parts)
                    important = not opportunity_accounts.isdisjoint(parts) or any(c in self._deciding for c in people)
                    self.add("untouched_subsidiary", "high" if important else "medium", [],
                             f"{G.nodes[child]['name']} ({len(parts)} account{'s' if len(parts) > 1 else ''}, "
                             f"{len(people)} people) has no relationship with us at all", accounts=parts)
                else:
                    visit(child)

        visit(self.root)


def _moved(move: dict[str, Any], G: nx.MultiDiGraph) -> str:
    """What changed in a move, in words: ``account 苏州基地 → 合肥基地, title 总监 → 副总``
    (names of the accounts, departments and managers in G, ids of those outside it)."""
    kinds = {"account_id": NodeKind.ACCOUNT, "department_id": NodeKind.DEPARTMENT, "reports_to": NodeKind.CONTACT}

    def called(field_: str, value: str | None) -> str:
        node = f"{kinds[field_]}:{value}" if field_ in kinds and value else None
        return (G.nodes[node].get("name") or value) if node in G else (value or "—")

    return ", ".join(f"{MOVE_WORDS[f]} {called(f, move['from'][f])} → {called(f, move['to'][f])}" for f in move["changed"])
