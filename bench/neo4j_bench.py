"""Neo4j benchmark: import rows per second and the time to fetch a 500-contact account.

    NEO4J_URI=bolt://localhost:7687 NEO4J_PASSWORD=… python bench/neo4j_bench.py
    NEO4J_URI=… python bench/neo4j_bench.py --contacts 1000000 --fetches 500

It needs a server and an EMPTY database (``NEO4J_DATABASE``, or the server's default):
it imports the synthetic portfolio of ``bench/import_bench.py`` (C contacts, about 3·C
edges) exactly as ``powermap import`` does (read the CSV files, validate against the
store, write in one transaction), adds one account with 500 contacts, their reporting
lines, influence edges, our team's relationships and three opportunities, fetches that
account's subgraph ``--fetches`` times, prints the figures, and deletes everything it
wrote (unless ``--keep``).

Targets (issue 4): at least 50,000 rows/s on a local Neo4j 5 with default memory
settings, and a median subgraph fetch under 30 ms. A whole import is one transaction,
so the server holds it in memory until the commit: a default-sized heap takes the
default 100,000 contacts; for a million raise ``server.memory.heap.max_size`` and
``db.memory.transaction.total.max``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from import_bench import generate  # noqa: E402

from graph.batch import Batch  # noqa: E402
from graph.model import Account, Contact, Department, Influence, Opportunity, OpportunityMember, \
    Relationship, TeamMember  # noqa: E402

ACCOUNT = "BENCH-500"


def five_hundred_contact_account(contacts: int = 500) -> Batch:
    """One account with ``contacts`` people in three departments, a reporting tree, about one
    influence edge per person, five team members who know them all between them, and three
    opportunities of ten members each."""
    departments = [("PUR", "采购部"), ("DES", "设计院"), ("USE", "生产部")]
    roles = ["decider", "influencer", "gatekeeper;buyer", "user", "", "", "", ""]
    records: list = [Account(id=ACCOUNT, name="基准客户", kind="group", tier="A", posture="defend")]
    records += [Department(id=f"{ACCOUNT}-{code}", account_id=ACCOUNT, name=name) for code, name in departments]
    ids = [f"{ACCOUNT}-C{i:04d}" for i in range(contacts)]
    for i, cid in enumerate(ids):
        records.append(Contact(
            id=cid, account_id=ACCOUNT, department_id=f"{ACCOUNT}-{departments[i % 3][0]}", name=f"联系人{i}",
            title="总经理" if i == 0 else "经理", reports_to=ids[(i - 1) // 4] if i else None,
            roles=roles[i % 8], stance=(i % 5) - 1, influence=round((i % 10) / 10, 1), last_contact="2026-10-01"))
        if i:
            records.append(Influence(source_id=cid, target_id=ids[(i * 7) % i], weight=0.5, kind="advice"))
    team = [f"{ACCOUNT}-T{k}" for k in range(5)]
    records += [TeamMember(id=t, name=f"销售{k}", role="account_manager" if k == 0 else "sales",
                           accounts={ACCOUNT} if k == 0 else set()) for k, t in enumerate(team)]
    records += [Relationship(team_id=team[i % 5], contact_id=cid, strength=0.6) for i, cid in enumerate(ids)]
    for n in range(3):
        oid = f"{ACCOUNT}-O{n}"
        records.append(Opportunity(id=oid, account_id=ACCOUNT, name=f"商机{n}", dmu_type="consensus", value=1e6))
        records += [OpportunityMember(opportunity_id=oid, contact_id=ids[n * 10 + k], is_decider=k == 0)
                    for k in range(10)]
    return Batch.from_records(records)


def _timed(fetch, account_id: str) -> float:
    start = time.perf_counter()
    fetch(account_id)
    return (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contacts", type=int, default=100_000, help="contacts in the portfolio (default 100,000)")
    parser.add_argument("--fetches", type=int, default=200, help="subgraph fetches to time (default 200)")
    parser.add_argument("--keep", action="store_true", help="leave the data in the database")
    args = parser.parse_args()
    if not os.environ.get("NEO4J_URI"):
        sys.exit("NEO4J_URI is not set: this benchmark needs a Neo4j 5 server and an empty database "
                 "(NEO4J_URI, NEO4J_USER, NEO4J_PASSWORD, NEO4J_DATABASE)")

    from graph.exceptions import PowermapError
    from importers import read_paths
    from importers.validate import validate
    from powermap.settings import Settings
    from powermap.wiring import open_store

    settings = Settings()
    try:
        store = open_store(settings, store="neo4j")
    except PowermapError as error:
        sys.exit(f"neo4j_bench: {error}")
    if nodes := store.node_count():
        sys.exit(f"neo4j_bench: the database holds {nodes:,} nodes; point NEO4J_URI / NEO4J_DATABASE "
                 "at an empty one (the benchmark writes and deletes its own data)")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            print(f"generating a portfolio of {args.contacts:,} contacts …", file=sys.stderr, flush=True)
            generate(folder, args.contacts)
            print(f"importing into {settings.neo4j_uri} (batches of {store.batch_size:,} rows, one transaction) …",
                  file=sys.stderr, flush=True)
            t0 = time.perf_counter()
            tables, _ = read_paths([folder])
            t1 = time.perf_counter()
            batch = validate(tables, store)
            t2 = time.perf_counter()
            store.write(batch)
            t3 = time.perf_counter()
        counts = store.counts()
        rows = len(batch)
        print(f"rows imported: {rows:,} ({counts['contacts']:,} contacts, "
              f"{counts['reports_to'] + counts['influences'] + counts['relationships']:,} edges)")
        print(f"read {t1 - t0:.1f} s · validate {t2 - t1:.1f} s · write {t3 - t2:.1f} s · total {t3 - t0:.1f} s")
        print(f"throughput: {rows / (t3 - t0):,.0f} rows/s for the whole import, "
              f"{rows / (t3 - t2):,.0f} rows/s for the write (target: 50,000 rows/s)")

        store.write(five_hundred_contact_account())
        G = store.account_subgraph(ACCOUNT)  # warm the query cache
        contacts = sum(1 for _, d in G.nodes(data=True) if d["kind"] == "contact")
        print(f"subgraph of a {contacts}-contact account: {G.number_of_nodes():,} nodes, "
              f"{G.number_of_edges():,} edges; {args.fetches} fetches each:")
        for what, fetch in (("one round trip (subgraph_rows)", store.subgraph_rows),
                            ("round trip + networkx graph (account_subgraph)", store.account_subgraph)):
            times = sorted(_timed(fetch, ACCOUNT) for _ in range(args.fetches))
            print(f"  {what}: median {statistics.median(times):.1f} ms, "
                  f"p95 {times[max(0, int(len(times) * 0.95) - 1)]:.1f} ms (target: median under 30 ms)")
    finally:
        if not args.keep:
            print("deleting the benchmark's data …", file=sys.stderr, flush=True)
            store.clear()
        store.close()


if __name__ == "__main__":
    main()
