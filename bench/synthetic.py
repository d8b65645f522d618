"""A synthetic group account for analysis benchmarks and property tests.

``group_account(contacts=500, edges=2000)`` builds a group with four subsidiaries, the
three lines of contact in each, a reporting tree, influence edges, our iron triangle
plus an executive and a few sales people with relationships, and three opportunities
of different decision-unit types. Deterministic for a seed.
"""

from __future__ import annotations

import random

from graph.batch import Batch
from graph.model import (Account, Contact, Department, Influence, Opportunity, OpportunityMember, Relationship,
                         TeamMember)

__all__ = ["group_account"]

_TITLES = [("总经理", "decider"), ("副总经理", "decider;influencer"), ("采购总监", "decider;buyer"),
           ("设计院院长", "influencer"), ("采购经理", "buyer;gatekeeper"), ("工程师", "influencer;user"),
           ("车间主任", "user"), ("采购专员", "buyer")]


def group_account(contacts: int = 500, edges: int = 2000, *, seed: int = 1, prefix: str = "",
                  divisions: bool = False) -> Batch:
    """Records of one group account with about ``contacts`` people and ``edges`` edges
    (reporting lines + influence + relationships). With ``divisions`` our team belongs to
    two business units and each deal has an owner (the same people and edges otherwise)."""
    rng = random.Random(seed)
    p = prefix
    records: list = [Account(id=f"{p}G", name=f"{p}Group", kind="group", tier="A", posture="defend")]
    subs = [f"{p}S{i}" for i in range(4)]
    records += [Account(id=s, name=f"Subsidiary {s}", parent_id=f"{p}G", kind="subsidiary") for s in subs]
    parts = [f"{p}G", *subs]
    departments = []
    for a in parts:
        for kind in ("purchasing", "design", "user"):
            departments.append(Department(id=f"{a}-{kind}", account_id=a, name=kind, kind=kind))
    records += departments
    people: list[Contact] = []
    per_part = max(1, contacts // len(parts))
    for n in range(contacts):
        part = parts[min(n // per_part, len(parts) - 1)]
        position = n - parts.index(part) * per_part
        title, roles = _TITLES[min(position, len(_TITLES) - 1)] if position < 4 else _TITLES[4 + rng.randrange(4)]
        boss = None
        if position > 0:
            boss = people[parts.index(part) * per_part + (position - 1) // 4].id
        elif part != f"{p}G":
            boss = people[0].id  # subsidiary heads report to the group head
        people.append(Contact(
            id=f"{p}C{n:05d}", account_id=part, department_id=f"{part}-{rng.choice(['purchasing', 'design', 'user'])}",
            name=f"Person {n}", title=title, reports_to=boss, roles=roles,
            stance=rng.choice([None, -1, 0, 0, 1, 1, 2, 3]) if rng.random() < 0.9 else None,
            influence=round(rng.random(), 2), last_contact="2026-09-01"))
    records += people
    unit = (lambda u: u) if divisions else (lambda u: None)
    team = [TeamMember(id=f"{p}T1", name="Account Manager", role="account_manager", rank=3, accounts=parts,
                       business_unit=unit("Hydraulics")),
            TeamMember(id=f"{p}T2", name="Solution Manager", role="solution_manager", rank=3,
                       business_unit=unit("Controls")),
            TeamMember(id=f"{p}T3", name="Delivery Manager", role="delivery_manager", rank=3,
                       business_unit=unit("Hydraulics")),
            TeamMember(id=f"{p}T4", name="VP Sales", role="executive", rank=1, business_unit=unit("Hydraulics")),
            TeamMember(id=f"{p}T5", name="Sales", role="sales", rank=4, business_unit=unit("Controls"))]
    records += team
    reports = sum(1 for c in people if c.reports_to)
    n_relationships = max(5, (edges - reports) // 10)
    pairs = set()
    while len(pairs) < n_relationships:
        pairs.add((rng.choice(team).id, rng.choice(people).id))
    records += [Relationship(team_id=t, contact_id=c, strength=round(rng.uniform(0.2, 1), 2),
                             last_interaction=f"2026-{rng.randint(1, 10):02d}-15") for t, c in sorted(pairs)]
    influence = set()
    while len(influence) < max(0, edges - reports - n_relationships):
        a, b = rng.sample(people, 2)
        influence.add((a.id, b.id))
    kinds = ["advice", "advice", "friendship", "ally", "rival"]
    records += [Influence(source_id=a, target_id=b, weight=round(rng.uniform(0.1, 1), 2), kind=rng.choice(kinds))
                for a, b in sorted(influence)]
    for i, dmu in enumerate(("authority", "consensus", "advisory")):
        opp = f"{p}O{i}"
        records.append(Opportunity(id=opp, account_id=parts[i], name=f"Deal {i}", dmu_type=dmu, value=1e6,
                                   owner_id=f"{p}T5" if divisions else None))
        members = rng.sample(people, 8)
        records += [OpportunityMember(opportunity_id=opp, contact_id=m.id, role="decider" if j == 0 else "influencer",
                                      is_decider=j == 0) for j, m in enumerate(members)]
    return Batch.from_records(records)
