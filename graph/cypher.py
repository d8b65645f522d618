"""Every Cypher statement the Neo4j store sends, in one place.

The statements are built once, at import, from the model's tables and the fixed
enumerations :class:`Label` and :class:`RelType` below; nothing typed by a user ever
becomes part of a statement's text: values travel only as parameters (``$rows``,
``$id`` …). Every statement is registered in :data:`STATEMENTS`, which is what the test
suite hands to Neo4j's own Cypher linter (``tests/test_cypher_lint.py``), so a typo or an
invalid clause is caught on machines where no Neo4j runs.

How the graph is stored
-----------------------
Each record of a node table is a node whose properties are the record's columns in
storage form (ISO dates as text, buying roles and owned accounts as lists, an empty
list as no property) plus ``updated_at``. Reference columns are kept as properties
(they are what :meth:`~graph.store.GraphStore.get` returns) *and* drawn as
relationships, so the graph can be walked::

    (:Account)-[:PART_OF]->(:Account)              parent_id
    (:Department)-[:IN_ACCOUNT]->(:Account)        account_id
    (:Department)-[:PART_OF]->(:Department)        parent_id
    (:Contact)-[:IN_ACCOUNT]->(:Account)           account_id
    (:Contact)-[:IN_DEPARTMENT]->(:Department)     department_id
    (:Contact)-[:REPORTS_TO]->(:Contact)           reports_to
    (:Opportunity)-[:IN_ACCOUNT]->(:Account)       account_id
    (:TeamMember)-[:OWNS]->(:Account)              accounts (one per owned account)
    (:Interaction)-[:IN_ACCOUNT]->(:Account)       account_id
    (:Interaction)-[:PARTICIPANT]->(:TeamMember)   team_ids (one per participant of ours)
    (:Interaction)-[:PARTICIPANT]->(:Contact)      contact_ids (one per participant of theirs)

The edge tables are relationships carrying their columns::

    (:TeamMember)-[:KNOWS {strength, last_interaction}]->(:Contact)      relationships
    (:Contact)-[:INFLUENCES {kind, weight}]->(:Contact)                  influence
    (:Opportunity)-[:INVOLVES {role, is_decider, source_role}]->(:Contact)  opportunity_members

Snapshots are ``(:Snapshot {label, created_at, size, data})`` nodes, ``data`` a byte array.
One ``(:PowermapGraph {id: 'graph', version})`` node carries the graph's version: every
write transaction that changes the graph gives it a new random ``version`` before it
commits, so a reader in any process can tell whether the graph changed since it last looked.

The statements need Neo4j 5.6 or later (``COLLECT {}`` and ``COUNT {}`` subqueries).
"""

from __future__ import annotations

import enum
import itertools
import re
import textwrap
from dataclasses import dataclass

from graph.model import TABLES

__all__ = [
    "Label",
    "RelType",
    "Statement",
    "STATEMENTS",
    "NODE_LABEL",
    "EdgeSpec",
    "EDGES",
    "Link",
    "LINKS",
    "HIERARCHY",
    "SCHEMA",
    "UPSERT",
    "LINK",
    "CREATE",
    "CREATE_LINK",
    "MISSING_ENDPOINTS",
    "GET",
    "DELETE",
    "EXISTING_IDS",
    "PARENTS",
    "WRITE_LOCK",
    "COUNTS",
    "LIST_ACCOUNTS",
    "SEARCH",
    "SUBGRAPH",
    "DESCENDANTS",
    "list_records_statement",
    "DUMP",
    "SAVE_SNAPSHOT",
    "LOAD_SNAPSHOT",
    "LIST_SNAPSHOTS",
    "BUMP_VERSION",
    "GRAPH_VERSION",
    "CLEAR",
    "NODE_COUNT",
]


class Label(str, enum.Enum):
    """The node labels powermap writes; no other label ever appears in a statement."""

    ACCOUNT = "Account"
    DEPARTMENT = "Department"
    CONTACT = "Contact"
    TEAM_MEMBER = "TeamMember"
    OPPORTUNITY = "Opportunity"
    INTERACTION = "Interaction"
    PLAN_ACTION = "PlanAction"
    SNAPSHOT = "Snapshot"
    #: one node whose ``version`` every write transaction replaces (:data:`BUMP_VERSION`)
    GRAPH = "PowermapGraph"
    WRITE_LOCK = "WriteLock"


class RelType(str, enum.Enum):
    """The relationship types powermap writes."""

    PART_OF = "PART_OF"
    IN_ACCOUNT = "IN_ACCOUNT"
    IN_DEPARTMENT = "IN_DEPARTMENT"
    REPORTS_TO = "REPORTS_TO"
    OWNS = "OWNS"
    KNOWS = "KNOWS"
    INFLUENCES = "INFLUENCES"
    INVOLVES = "INVOLVES"
    PARTICIPANT = "PARTICIPANT"
    TARGETS = "TARGETS"
    ASSIGNED_TO = "ASSIGNED_TO"
    SERVES = "SERVES"


@dataclass(frozen=True)
class Statement:
    """One Cypher statement: a stable name (for errors and the linter) and its text."""

    name: str
    text: str

    def __str__(self) -> str:
        return self.text

    @property
    def parameters(self) -> frozenset[str]:
        """The ``$names`` the statement uses."""
        return frozenset(re.findall(r"\$(\w+)", self.text))


#: Every statement of this module by name: what the linter checks.
STATEMENTS: dict[str, Statement] = {}


def _define(name: str, text: str) -> Statement:
    if name in STATEMENTS:
        raise ValueError(f"Cypher statement {name!r} defined twice")
    statement = Statement(name, textwrap.dedent(text).strip())
    STATEMENTS[name] = statement
    return statement


#: node table → label
NODE_LABEL: dict[str, Label] = {
    "accounts": Label.ACCOUNT,
    "departments": Label.DEPARTMENT,
    "contacts": Label.CONTACT,
    "team": Label.TEAM_MEMBER,
    "opportunities": Label.OPPORTUNITY,
    "interactions": Label.INTERACTION,
    "plans": Label.PLAN_ACTION,
}


@dataclass(frozen=True)
class EdgeSpec:
    """How an edge table is stored: a relationship from ``source`` to ``target``."""

    source: Label
    type: RelType
    target: Label
    source_column: str
    target_column: str
    #: relationship properties that are part of the key (influence: its kind)
    key_properties: tuple[str, ...] = ()

    def properties(self, table: str) -> tuple[str, ...]:
        """The columns kept on the relationship (all but the two endpoints)."""
        return tuple(c for c in TABLES[table].columns if c not in (self.source_column, self.target_column))


EDGES: dict[str, EdgeSpec] = {
    "relationships": EdgeSpec(Label.TEAM_MEMBER, RelType.KNOWS, Label.CONTACT, "team_id", "contact_id"),
    "influence": EdgeSpec(Label.CONTACT, RelType.INFLUENCES, Label.CONTACT, "source_id", "target_id", ("kind",)),
    "opportunity_members": EdgeSpec(Label.OPPORTUNITY, RelType.INVOLVES, Label.CONTACT,
                                    "opportunity_id", "contact_id"),
}


@dataclass(frozen=True)
class Link:
    """A reference column drawn as a relationship to the node it names."""

    table: str
    column: str
    type: RelType
    target: Label
    many: bool = False  # a list column: one relationship per id


LINKS: tuple[Link, ...] = (
    Link("accounts", "parent_id", RelType.PART_OF, Label.ACCOUNT),
    Link("departments", "account_id", RelType.IN_ACCOUNT, Label.ACCOUNT),
    Link("departments", "parent_id", RelType.PART_OF, Label.DEPARTMENT),
    Link("contacts", "account_id", RelType.IN_ACCOUNT, Label.ACCOUNT),
    Link("contacts", "department_id", RelType.IN_DEPARTMENT, Label.DEPARTMENT),
    Link("contacts", "reports_to", RelType.REPORTS_TO, Label.CONTACT),
    Link("team", "accounts", RelType.OWNS, Label.ACCOUNT, many=True),
    Link("opportunities", "account_id", RelType.IN_ACCOUNT, Label.ACCOUNT),
    Link("interactions", "account_id", RelType.IN_ACCOUNT, Label.ACCOUNT),
    Link("interactions", "team_ids", RelType.PARTICIPANT, Label.TEAM_MEMBER, many=True),
    Link("interactions", "contact_ids", RelType.PARTICIPANT, Label.CONTACT, many=True),
    Link("plans", "account_id", RelType.IN_ACCOUNT, Label.ACCOUNT),
    Link("plans", "contact_id", RelType.TARGETS, Label.CONTACT),
    Link("plans", "owner_id", RelType.ASSIGNED_TO, Label.TEAM_MEMBER),
    Link("plans", "opportunity_id", RelType.SERVES, Label.OPPORTUNITY),
)

#: node table → its hierarchy column (what :meth:`GraphStore.parents` reads)
HIERARCHY: dict[str, str] = {name: spec.hierarchy for name, spec in TABLES.items() if spec.hierarchy}

A, D, C, T, O, S = (Label.ACCOUNT.value, Label.DEPARTMENT.value, Label.CONTACT.value,
                    Label.TEAM_MEMBER.value, Label.OPPORTUNITY.value, Label.SNAPSHOT.value)
I, P = Label.INTERACTION.value, Label.PLAN_ACTION.value
R = {t.name: t.value for t in RelType}


def _differs_set(var: str) -> str:
    """True when any value in ``row.set`` (the columns the import supplied) differs from
    ``var``'s (null-aware)."""
    return (f"any(k IN keys(row.set) WHERE "
            f"coalesce({var}[k] <> row.set[k], ({var}[k] IS NULL) <> (row.set[k] IS NULL)))")


# ----- schema: idempotent, run at start ------------------------------------------------------
def _schema() -> tuple[Statement, ...]:
    statements = []
    for table, label in NODE_LABEL.items():
        statements.append(_define(
            f"schema.unique.{table}",
            f"CREATE CONSTRAINT powermap_{table}_id IF NOT EXISTS "
            f"FOR (n:{label.value}) REQUIRE n.id IS UNIQUE"))
    statements.append(_define(
        "schema.unique.graph",
        f"CREATE CONSTRAINT powermap_graph_id IF NOT EXISTS FOR (n:{Label.GRAPH.value}) REQUIRE n.id IS UNIQUE"))
    statements.append(_define(
        "schema.unique.snapshots",
        f"CREATE CONSTRAINT powermap_snapshots_label IF NOT EXISTS FOR (n:{S}) REQUIRE n.label IS UNIQUE"))
    statements.append(_define(
        "schema.unique.write_lock",
        f"CREATE CONSTRAINT powermap_write_lock_name IF NOT EXISTS "
        f"FOR (n:{Label.WRITE_LOCK.value}) REQUIRE n.name IS UNIQUE"))
    # property lookups the reads and deletes make
    for table, column in (("accounts", "parent_id"), ("departments", "account_id"),
                          ("departments", "parent_id"), ("contacts", "account_id"),
                          ("contacts", "department_id"), ("contacts", "reports_to"),
                          ("opportunities", "account_id"), ("interactions", "account_id"),
                          ("plans", "account_id"), ("plans", "contact_id")):
        statements.append(_define(
            f"schema.index.{table}.{column}",
            f"CREATE INDEX powermap_{table}_{column} IF NOT EXISTS "
            f"FOR (n:{NODE_LABEL[table].value}) ON (n.{column})"))
    statements.append(_define("schema.await", "CALL db.awaitIndexes($seconds)"))
    return tuple(statements)


SCHEMA: tuple[Statement, ...] = _schema()


# ----- writes ---------------------------------------------------------------------------------
def _node_upsert(table: str) -> Statement:
    label = NODE_LABEL[table].value
    return _define(f"upsert.{table}", f"""
        UNWIND $rows AS row
        MERGE (n:{label} {{id: row.all.id}})
        WITH n, row, n.updated_at IS NULL AS created
        WITH n, row, created, created OR {_differs_set("n")} AS changed
        FOREACH (_ IN CASE WHEN created THEN [1] ELSE [] END | SET n += row.all, n.updated_at = $now)
        FOREACH (_ IN CASE WHEN changed AND NOT created THEN [1] ELSE [] END | SET n += row.set, n.updated_at = $now)
        RETURN count(*) AS written,
               count(CASE WHEN created THEN 1 END) AS inserted,
               count(CASE WHEN changed AND NOT created THEN 1 END) AS updated
        """)


def _edge_upsert(table: str) -> Statement:
    e = EDGES[table]
    key = ", ".join(f"{p}: row.all.{p}" for p in e.key_properties)
    return _define(f"upsert.{table}", f"""
        UNWIND $rows AS row
        MATCH (s:{e.source.value} {{id: row.all.{e.source_column}}})
        MATCH (t:{e.target.value} {{id: row.all.{e.target_column}}})
        MERGE (s)-[r:{e.type.value}{" {" + key + "}" if key else ""}]->(t)
        WITH r, row, r.updated_at IS NULL AS created
        WITH r, row, created, created OR {_differs_set("r")} AS changed
        FOREACH (_ IN CASE WHEN created THEN [1] ELSE [] END | SET r += row.props, r.updated_at = $now)
        FOREACH (_ IN CASE WHEN changed AND NOT created THEN [1] ELSE [] END | SET r += row.set, r.updated_at = $now)
        RETURN count(*) AS written,
               count(CASE WHEN created THEN 1 END) AS inserted,
               count(CASE WHEN changed AND NOT created THEN 1 END) AS updated
        """)


#: table → the batched upsert; ``$rows`` (each ``{"all": every column, "set": the columns the
#: import supplied, "props": (edges) the relationship's properties}``), ``$now``. A new
#: record gets every column; an existing one only the supplied ones, and only when they differ.
UPSERT: dict[str, Statement] = {
    **{table: _node_upsert(table) for table in NODE_LABEL},
    **{table: _edge_upsert(table) for table in EDGES},
}


def _missing_endpoints(table: str) -> Statement:
    e = EDGES[table]
    return _define(f"missing_endpoints.{table}", f"""
        UNWIND $rows AS row
        WITH row
        WHERE NOT EXISTS {{ MATCH (s:{e.source.value} {{id: row.{e.source_column}}}) }}
           OR NOT EXISTS {{ MATCH (t:{e.target.value} {{id: row.{e.target_column}}}) }}
        RETURN row.{e.source_column} AS source, row.{e.target_column} AS target
        LIMIT 5
        """)


#: edge table → which rows of ``$rows`` name an endpoint that is not stored (first five)
MISSING_ENDPOINTS: dict[str, Statement] = {table: _missing_endpoints(table) for table in EDGES}


def _link(link: Link) -> Statement:
    label = NODE_LABEL[link.table].value
    rel, target = link.type.value, link.target.value
    if link.many:
        text = f"""
            UNWIND $rows AS row
            MATCH (n:{label} {{id: row.id}})
            OPTIONAL MATCH (n)-[old:{rel}]->(m:{target})
            WHERE NOT m.id IN row.refs
            DELETE old
            WITH DISTINCT n, row
            UNWIND row.refs AS ref
            MATCH (m:{target} {{id: ref}})
            MERGE (n)-[:{rel}]->(m)
            """
    else:
        text = f"""
            UNWIND $rows AS row
            MATCH (n:{label} {{id: row.id}})
            OPTIONAL MATCH (n)-[old:{rel}]->(m:{target})
            WHERE row.ref IS NULL OR m.id <> row.ref
            DELETE old
            WITH DISTINCT n, row
            WHERE row.ref IS NOT NULL
            MATCH (m:{target} {{id: row.ref}})
            MERGE (n)-[:{rel}]->(m)
            """
    return _define(f"link.{link.table}.{link.column}", text)


#: (table, column) → the statement that (re)draws a reference column's relationship;
#: ``$rows`` of ``{id, ref}`` (``{id, refs}`` for a list column).
LINK: dict[tuple[str, str], Statement] = {(link.table, link.column): _link(link) for link in LINKS}


# ----- bulk creation: rows the transaction found absent (one read splits new from stored) ------
def _node_create(table: str) -> Statement:
    label = NODE_LABEL[table].value
    draws = []
    for n, link in enumerate(x for x in LINKS if x.table == table and x.target != NODE_LABEL[table]):
        ref = (f"UNWIND coalesce(row.{link.column}, []) AS ref MATCH (m:{link.target.value} {{id: ref}})"
               if link.many else f"MATCH (m:{link.target.value} {{id: row.{link.column}}})")
        draws.append(f"FOREACH (x{n} IN COLLECT {{ {ref} RETURN m }} | CREATE (n)-[:{link.type.value}]->(x{n}))")
    return _define(f"create.{table}", "\n".join([
        "UNWIND $rows AS row", f"CREATE (n:{label})", "SET n = row, n.updated_at = $now", *draws,
        "RETURN count(*) AS written"]))


def _edge_create(table: str) -> Statement:
    e = EDGES[table]
    return _define(f"create.{table}", f"""
        UNWIND $rows AS row
        MATCH (s:{e.source.value} {{id: row.{e.source_column}}})
        MATCH (t:{e.target.value} {{id: row.{e.target_column}}})
        CREATE (s)-[r:{e.type.value}]->(t)
        SET r = row.props, r.updated_at = $now
        RETURN count(*) AS written
        """)


#: table → CREATE of records known to be absent: ``$rows`` (nodes: every column; edges: the two
#: endpoint columns and ``props``), ``$now``. A node's links to other tables' nodes are drawn in
#: the same statement; the uniqueness constraints still refuse an id stored meanwhile.
CREATE: dict[str, Statement] = {
    **{table: _node_create(table) for table in NODE_LABEL},
    **{table: _edge_create(table) for table in EDGES},
}

#: (table, column) → the links within a table (a parent, a manager) of nodes just created, drawn
#: once all of the table's nodes are there; ``$rows`` of ``{id, ref}`` with a ref
CREATE_LINK: dict[tuple[str, str], Statement] = {
    (link.table, link.column): _define(f"create_link.{link.table}.{link.column}", f"""
        UNWIND $rows AS row
        MATCH (n:{NODE_LABEL[link.table].value} {{id: row.id}})
        MATCH (m:{link.target.value} {{id: row.ref}})
        CREATE (n)-[:{link.type.value}]->(m)
        """)
    for link in LINKS if link.target == NODE_LABEL[link.table] and not link.many
}


# ----- deletes: every statement of a table's tuple runs in one transaction ----------------------
def _delete() -> dict[str, tuple[Statement, ...]]:
    def d(name: str, text: str) -> Statement:
        return _define(f"delete.{name}", text)

    clear_reports = (f"MATCH (gone:{C}) WHERE gone.account_id = $id "
                     f"MATCH (m:{C}) WHERE m.reports_to = gone.id SET m.reports_to = null")
    statements = {
        "accounts": (
            d("accounts.child", f"MATCH (child:{A}) WHERE child.parent_id = $id RETURN child.id AS child LIMIT 1"),
            d("accounts.reports_to", clear_reports),
            # its contacts leave the interactions filed under other accounts, its id our people's lists
            d("accounts.interactions_elsewhere",
              _leave_interactions("contact_ids", f"MATCH (gone:{C}) WHERE gone.account_id = $id")),
            d("accounts.team", f"""
              MATCH (t:{T}) WHERE $id IN t.accounts
              WITH t, [x IN t.accounts WHERE x <> $id] AS left
              SET t.accounts = CASE WHEN size(left) = 0 THEN null ELSE left END, t.updated_at = $now"""),
            d("accounts.contacts", f"MATCH (c:{C}) WHERE c.account_id = $id DETACH DELETE c"),
            d("accounts.opportunities", f"MATCH (o:{O}) WHERE o.account_id = $id DETACH DELETE o"),
            d("accounts.interactions", f"MATCH (i:{I}) WHERE i.account_id = $id DETACH DELETE i"),
            d("accounts.plans", f"MATCH (p:{P}) WHERE p.account_id = $id DETACH DELETE p"),
            d("accounts.sub_departments", f"MATCH (gone:{D}) WHERE gone.account_id = $id "
                                          f"MATCH (sub:{D}) WHERE sub.parent_id = gone.id SET sub.parent_id = null"),
            d("accounts.departments", f"MATCH (x:{D}) WHERE x.account_id = $id DETACH DELETE x"),
            d("accounts.node", f"MATCH (n:{A} {{id: $id}}) DETACH DELETE n RETURN count(*) AS deleted"),
        ),
        "contacts": (
            d("contacts.reports_to", f"MATCH (m:{C}) WHERE m.reports_to = $id SET m.reports_to = null"),
            d("contacts.interactions", _leave_interactions("contact_ids", f"MATCH (gone:{C} {{id: $id}})")),
            d("contacts.plans", f"MATCH (p:{P}) WHERE p.contact_id = $id DETACH DELETE p"),
            d("contacts.node", f"MATCH (n:{C} {{id: $id}}) DETACH DELETE n RETURN count(*) AS deleted"),
        ),
        "departments": (
            d("departments.contacts", f"MATCH (c:{C}) WHERE c.department_id = $id SET c.department_id = null"),
            d("departments.sub_departments", f"MATCH (sub:{D}) WHERE sub.parent_id = $id SET sub.parent_id = null"),
            d("departments.node", f"MATCH (n:{D} {{id: $id}}) DETACH DELETE n RETURN count(*) AS deleted"),
        ),
        "team": (d("team.interactions", _leave_interactions("team_ids", f"MATCH (gone:{T} {{id: $id}})")),
                 # their plan actions stay, without an owner: the plan report flags them (needs_owner)
                 d("team.plans", f"MATCH (p:{P}) WHERE p.owner_id = $id SET p.owner_id = null, p.updated_at = $now"),
                 # and their deals: owned by nobody (an export then re-imports: no unknown owner)
                 d("team.opportunities", f"MATCH (o:{O}) WHERE o.owner_id = $id "
                                         "SET o.owner_id = null, o.updated_at = $now"),
                 d("team.node", f"MATCH (n:{T} {{id: $id}}) DETACH DELETE n RETURN count(*) AS deleted"),),
        "interactions": (
            d("interactions.node", f"MATCH (n:{I} {{id: $id}}) DETACH DELETE n RETURN count(*) AS deleted"),),
        "plans": (d("plans.node", f"MATCH (n:{P} {{id: $id}}) DETACH DELETE n RETURN count(*) AS deleted"),),
        "opportunities": (
            d("opportunities.plans", f"MATCH (p:{P}) WHERE p.opportunity_id = $id "
                                     "SET p.opportunity_id = null, p.updated_at = $now"),
            d("opportunities.node", f"MATCH (n:{O} {{id: $id}}) DETACH DELETE n RETURN count(*) AS deleted"),),
    }
    for table, e in EDGES.items():
        where = " AND ".join(f"r.{p} = ${p}" for p in e.key_properties)
        statements[table] = (d(f"{table}.edge", f"""
            MATCH (:{e.source.value} {{id: $source}})-[r:{e.type.value}]->(:{e.target.value} {{id: $target}})
            {"WHERE " + where if where else ""}
            DELETE r
            RETURN count(*) AS deleted
            """),)
    return statements


def _leave_interactions(column: str, gone: str) -> str:
    """Take the people ``gone`` matches (deleted next) out of the interactions they took part in
    (``column`` and the sender), each such interaction updated at ``$now``."""
    return f"""
        {gone}
        MATCH (i:{I})-[:{R['PARTICIPANT']}]->(gone)
        WITH i, collect(gone.id) AS ids
        WITH i, ids, [x IN i.{column} WHERE NOT x IN ids] AS left
        SET i.{column} = CASE WHEN size(left) = 0 THEN null ELSE left END,
            i.sender_id = CASE WHEN i.sender_id IN ids THEN null ELSE i.sender_id END,
            i.updated_at = $now
        """


#: table → statements run in order in one transaction (node tables: ``$id``; edge tables:
#: ``$source``, ``$target`` and the key properties; ``$now`` where records are updated, see
#: :attr:`Statement.parameters`). The last returns ``deleted``; for
#: accounts the first returns a ``child`` when the account has sub-accounts.
DELETE: dict[str, tuple[Statement, ...]] = _delete()


# ----- reads ----------------------------------------------------------------------------------
def _get(table: str) -> Statement:
    if table in NODE_LABEL:
        return _define(f"get.{table}", f"MATCH (n:{NODE_LABEL[table].value} {{id: $id}}) RETURN properties(n) AS row")
    e = EDGES[table]
    where = " AND ".join(f"r.{p} = ${p}" for p in e.key_properties)
    return _define(f"get.{table}", f"""
        MATCH (s:{e.source.value} {{id: $source}})-[r:{e.type.value}]->(t:{e.target.value} {{id: $target}})
        {"WHERE " + where if where else ""}
        RETURN properties(r) AS row, s.id AS source, t.id AS target
        """)


#: table → one record by key (``$id``, or ``$source``/``$target``/key properties)
GET: dict[str, Statement] = {table: _get(table) for table in TABLES}

#: node table → ``id`` of the nodes among ``$ids``
EXISTING_IDS: dict[str, Statement] = {
    table: _define(f"existing_ids.{table}", f"MATCH (n:{label.value}) WHERE n.id IN $ids RETURN n.id AS id")
    for table, label in NODE_LABEL.items()
}

#: hierarchical node table → ``id`` and ``parent`` of the nodes among ``$ids``
PARENTS: dict[str, Statement] = {
    table: _define(f"parents.{table}", f"MATCH (n:{NODE_LABEL[table].value}) WHERE n.id IN $ids "
                                       f"RETURN n.id AS id, n.{column} AS parent")
    for table, column in HIERARCHY.items()
}

COUNTS = _define("counts", f"""
    RETURN COUNT {{ MATCH (n:{A}) }} AS accounts,
           COUNT {{ MATCH (n:{D}) }} AS departments,
           COUNT {{ MATCH (n:{C}) }} AS contacts,
           COUNT {{ MATCH (n:{T}) }} AS team_members,
           COUNT {{ MATCH (:{T})-[r:{R['KNOWS']}]->(:{C}) }} AS relationships,
           COUNT {{ MATCH (n:{C}) WHERE n.reports_to IS NOT NULL }} AS reports_to,
           COUNT {{ MATCH (:{C})-[r:{R['INFLUENCES']}]->(:{C}) }} AS influences,
           COUNT {{ MATCH (n:{O}) }} AS opportunities,
           COUNT {{ MATCH (n:{I}) }} AS interactions
    """)

LIST_ACCOUNTS = _define("list_accounts", f"""
    MATCH (a:{A})
    RETURN a.id AS id, a.name AS name, a.parent_id AS parent_id, a.kind AS kind, a.tier AS tier,
           a.posture AS posture, a.share_of_wallet AS share_of_wallet,
           COUNT {{ MATCH (c:{C}) WHERE c.account_id = a.id }} AS contacts
    ORDER BY id
    """)

#: case-insensitive ``CONTAINS`` on account names and contact names or titles; ``$text``, ``$limit``
SEARCH = _define("search", f"""
    WITH toLower($text) AS needle
    RETURN COLLECT {{
             MATCH (a:{A}) WHERE toLower(a.name) CONTAINS needle
             RETURN {{kind: 'account', id: a.id, name: a.name, title: null, account_id: a.id}} AS hit
             ORDER BY a.name, a.id LIMIT $limit
           }} AS accounts,
           COLLECT {{
             MATCH (c:{C}) WHERE toLower(c.name) CONTAINS needle OR toLower(c.title) CONTAINS needle
             RETURN {{kind: 'contact', id: c.id, name: c.name, title: c.title, account_id: c.account_id}} AS hit
             ORDER BY c.name, c.id LIMIT $limit
           }} AS contacts
    """)

#: an account's whole world in one round trip (the rows of :func:`graph.subgraph.build_account_graph`)
SUBGRAPH = _define("subgraph", f"""
    MATCH (root:{A} {{id: $account_id}})
    MATCH (a:{A})-[:{R['PART_OF']}*0..]->(root)
    WITH collect(DISTINCT a) AS tree
    WITH tree, [a IN tree | a.id] AS ids
    WITH tree, ids, COLLECT {{ MATCH (c:{C}) WHERE c.account_id IN ids RETURN c }} AS inside
    WITH tree, ids, inside,
         COLLECT {{
           UNWIND inside AS c
           // expanded from each contact: with a label on m (only contacts are managers) the
           // planner may scan the account_id index of every contact once per contact instead
           // (250,000 index rows for 500 contacts), in a MATCH or a pattern comprehension alike
           UNWIND [(c)-[:{R['REPORTS_TO']}]->(m) WHERE NOT m.account_id IN ids | m] AS m
           RETURN DISTINCT m
         }} AS external
    WITH tree, ids, external, inside + external AS contacts,
         COLLECT {{ MATCH (o:{O}) WHERE o.account_id IN ids RETURN o }} AS opportunities
    WITH tree, ids, external, contacts, opportunities,
         COLLECT {{
           MATCH (i:{I}) WHERE i.account_id IN ids RETURN i
           UNION
           UNWIND contacts AS c
           MATCH (i:{I})-[:{R['PARTICIPANT']}]->(c)
           RETURN i
         }} AS interactions
    WITH tree, ids, external, contacts, opportunities, interactions,
         COLLECT {{
           UNWIND contacts AS c
           MATCH (t:{T})-[r:{R['KNOWS']}]->(c)
           RETURN r {{.*, team_id: t.id, contact_id: c.id}}
         }} AS relationships,
         COLLECT {{
           UNWIND tree AS a
           MATCH (t:{T})-[:{R['OWNS']}]->(a)
           RETURN {{team_id: t.id, account_id: a.id}}
         }} AS owned
    RETURN [a IN tree | properties(a)] AS accounts,
           COLLECT {{ MATCH (d:{D}) WHERE d.account_id IN ids RETURN properties(d) }} AS departments,
           [c IN contacts | properties(c)] AS contacts,
           COLLECT {{
             UNWIND relationships + owned
                    + reduce(acc = [], i IN interactions | acc + [x IN coalesce(i.team_ids, []) | {{team_id: x}}])
                    AS link
             MATCH (t:{T} {{id: link.team_id}})
             WITH DISTINCT t
             RETURN properties(t)
           }} AS team,
           relationships,
           COLLECT {{
             UNWIND contacts AS s
             MATCH (s)-[r:{R['INFLUENCES']}]->(t:{C})
             WHERE t.account_id IN ids OR t IN external
             RETURN r {{.*, source_id: s.id, target_id: t.id}}
           }} AS influence,
           [o IN opportunities | properties(o)] AS opportunities,
           COLLECT {{
             UNWIND opportunities AS o
             MATCH (o)-[r:{R['INVOLVES']}]->(c:{C})
             RETURN r {{.*, opportunity_id: o.id, contact_id: c.id}}
           }} AS opportunity_members,
           owned,
           [i IN interactions | properties(i)] AS interactions
    """)

DESCENDANTS = _define("descendants", f"""
    MATCH (root:{A}) WHERE root.id IN $ids
    MATCH (a:{A})-[:{R['PART_OF']}*0..]->(root)
    RETURN DISTINCT a.id AS id
    """)


# ----- paged record lists: one statement per table and filter combination ----------------------
def _node_scope(table: str) -> str:
    if table == "accounts":
        return "n.id IN $accounts"
    if table == "team":
        return (f"(EXISTS {{ MATCH (n)-[:{R['OWNS']}]->(a:{A}) WHERE a.id IN $accounts }} "
                f"OR EXISTS {{ MATCH (n)-[:{R['KNOWS']}]->(c:{C}) WHERE c.account_id IN $accounts }})")
    return "n.account_id IN $accounts"


_EDGE_SCOPE = {
    "relationships": "t.account_id IN $accounts",
    "influence": "s.account_id IN $accounts AND t.account_id IN $accounts",
    "opportunity_members": "s.account_id IN $accounts",
}


def _after(terms: list[str], i: int = 0) -> str:
    """Lexicographic ``(terms) > ($after0, $after1, …)`` spelled out."""
    first = f"{terms[0]} > $after{i}"
    if len(terms) == 1:
        return first
    return f"({first} OR ({terms[0]} = $after{i} AND {_after(terms[1:], i + 1)}))"


def _list_records(table: str, after: bool, scope: bool) -> Statement:
    name = f"list_records.{table}" + "".join(
        f".{flag}" for flag, on in (("after", after), ("scope", scope)) if on)
    if table in NODE_LABEL:
        match, var, order = f"MATCH (n:{NODE_LABEL[table].value})", "n", ["n.id"]
        returns = "properties(n) AS row"
        scope_text = _node_scope(table)
    else:
        e = EDGES[table]
        match = f"MATCH (s:{e.source.value})-[r:{e.type.value}]->(t:{e.target.value})"
        var, order = "r", ["s.id", "t.id", *(f"r.{p}" for p in e.key_properties)]
        returns = "properties(r) AS row, s.id AS source, t.id AS target"
        scope_text = _EDGE_SCOPE[table]
    # no index serves updated_at, so a null-tolerant test costs nothing over two variants
    conditions = [c for c, on in ((_after(order), after), (scope_text, scope),
                                  (f"($since IS NULL OR {var}.updated_at >= $since)", True)) if on]
    where = "WHERE " + "\n  AND ".join(conditions)
    return _define(name, f"{match}\n{where}\nRETURN {returns}\nORDER BY {', '.join(order)}\nLIMIT $limit")


# the key range and the account scope decide which index serves the page: a statement each
_LIST_RECORDS: dict[tuple[str, bool, bool], Statement] = {
    (table, *flags): _list_records(table, *flags)
    for table in TABLES for flags in itertools.product((False, True), repeat=2)
}


def list_records_statement(table: str, *, after: bool, scope: bool) -> Statement:
    """The page statement of ``table`` (``$after0…`` with ``after``, ``$accounts`` with
    ``scope``; always ``$since``, null for no filter, and ``$limit``)."""
    return _LIST_RECORDS[(table, after, scope)]


def _dump(table: str) -> Statement:
    if table in NODE_LABEL:
        return _define(f"dump.{table}", f"MATCH (n:{NODE_LABEL[table].value}) RETURN properties(n) AS row")
    e = EDGES[table]
    return _define(f"dump.{table}", f"MATCH (s:{e.source.value})-[r:{e.type.value}]->(t:{e.target.value}) "
                                    "RETURN properties(r) AS row, s.id AS source, t.id AS target")


#: table → every row of it
DUMP: dict[str, Statement] = {table: _dump(table) for table in TABLES}

# ----- snapshots --------------------------------------------------------------------------------
#: the one node every writer sets first: its write lock, held to the end of the transaction,
#: makes writers (and the validation held with them) take turns across processes
WRITE_LOCK = _define("write_lock", f"MERGE (l:{Label.WRITE_LOCK.value} {{name: 'writes'}}) SET l.at = $now")

SAVE_SNAPSHOT = _define("snapshot.save", f"""
    MERGE (s:{S} {{label: $label}})
    SET s.created_at = $now, s.size = $size, s.data = $data
    """)
LOAD_SNAPSHOT = _define("snapshot.load", f"MATCH (s:{S} {{label: $label}}) RETURN s.data AS data")
LIST_SNAPSHOTS = _define("snapshot.list", f"""
    MATCH (s:{S})
    RETURN s.label AS label, s.created_at AS created_at, s.size AS size
    ORDER BY created_at, label
    """)

# ----- the graph's version ---------------------------------------------------------------------
#: run last in a write transaction that changed the graph (the node's lock is taken last, so
#: writers that wait for it hold no lock another writer needs)
#: (run on the ``system`` database) why Neo4j stopped a database, e.g. "No space left on device"
DATABASE_STATUS = _define("database.status", """
    SHOW DATABASES YIELD name, statusMessage
    WHERE name = $name
    RETURN statusMessage
    """)
BUMP_VERSION = _define("version.bump", f"""
    MERGE (g:{Label.GRAPH.value} {{id: 'graph'}})
    SET g.version = randomUUID()
    """)
GRAPH_VERSION = _define("version.read", f"""
    OPTIONAL MATCH (g:{Label.GRAPH.value} {{id: 'graph'}})
    RETURN g.version AS version
    """)

# ----- maintenance (tests, benchmark) ----------------------------------------------------------
#: delete up to ``$limit`` of powermap's nodes with their relationships; run until it deletes 0
CLEAR = _define("clear", f"""
    MATCH (n)
    WHERE n:{A} OR n:{D} OR n:{C} OR n:{T} OR n:{O} OR n:{I} OR n:{P} OR n:{S} OR n:{Label.GRAPH.value}
       OR n:{Label.WRITE_LOCK.value}
    WITH n LIMIT $limit
    DETACH DELETE n
    RETURN count(*) AS deleted
    """)
#: every node of the database, powermap's or not
NODE_COUNT = _define("node_count", "RETURN COUNT { MATCH (n) } AS nodes")
