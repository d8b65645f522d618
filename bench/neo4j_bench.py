"""Neo4j benchmark, beside the embedded store's figures from the same run.

    python bench/neo4j_bench.py                      # starts a local Neo4j (./dev neo4j's) itself
    NEO4J_URI=bolt://… NEO4J_PASSWORD=… python bench/neo4j_bench.py   # or uses that server
    python bench/neo4j_bench.py --contacts 1000000 --heap 4g

Without ``NEO4J_URI`` it starts the local Neo4j Community server of ``neo4j-server/`` in a
temporary folder (default heap 1g, page cache 128 MiB: ``./dev neo4j``'s defaults) and
measures how long Bolt takes to answer and the server's resident memory (idle after the
start, and its peak at the end). With ``NEO4J_URI`` it needs an EMPTY database.

Then, for each store — a fresh embedded file and Neo4j — it imports the synthetic portfolio
of ``bench/import_bench.py`` (C contacts, about 3·C edges) exactly as ``powermap import``
does (read the CSV files, validate against the store, write in one transaction), adds one
account with 500 contacts, their reporting lines, influence edges, our team's relationships
and three opportunities, and times that account's subgraph fetch (``--fetches`` times), its
gap report through the library (fetch + analysis) and ``powermap gaps`` as a command (a new
process each time: start-up, connection, fetch, analysis, JSON). It deletes what it wrote
(unless ``--keep``) and stops the server it started.

It prints the load average at the start and the end, and for Neo4j figures less at the mercy of
other work on the machine: the server's CPU seconds for the write and its own time for the
subgraph query (from the result summary).

Targets (issue 11): at least 50,000 rows/s for the import of 100,000 contacts + 300,000
edges, a median 500-contact subgraph fetch under 30 ms. A whole import is one
transaction, so the server holds it in memory until the commit: a 1g heap takes the
default 100,000 contacts; for a million raise ``--heap``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import statistics
import subprocess
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


AS_OF = dt.date(2026, 11, 1)


def _median_ms(work, times: int) -> tuple[float, float]:
    """Median and 95th percentile of ``times`` runs of ``work()``, in milliseconds."""
    runs = []
    for _ in range(times):
        start = time.perf_counter()
        work()
        runs.append((time.perf_counter() - start) * 1000)
    runs.sort()
    return statistics.median(runs), runs[max(0, -(-len(runs) * 95 // 100) - 1)]


def _cpu_seconds(pid: int | None) -> float:
    """CPU time (user + system) a process has used so far; 0 when not known (a remote server)."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _memory_mb(pid: int) -> tuple[float, float]:
    """Resident memory now and at its peak (VmRSS, VmHWM) of a process, in MB."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def _import(store, folder: Path, *, ceiling: bool = False, server_pid: int | None = None) -> dict[str, float]:
    """``powermap import``'s three steps on ``folder``, timed (and, with ``ceiling``, the
    simplest Cypher write of its contacts before it)."""
    from importers import read_paths
    from importers.validate import validate

    t0 = time.perf_counter()
    tables, _ = read_paths([folder])
    t1 = time.perf_counter()
    batch = validate(tables, store)
    t2 = time.perf_counter()
    figures = {"ceiling": _plain_create_rows_per_s(store, batch)} if ceiling else {}
    t2b, cpu = time.perf_counter(), (_cpu_seconds(server_pid), time.process_time())
    store.write(batch)
    t3 = time.perf_counter()
    figures["cpu"] = (_cpu_seconds(server_pid) - cpu[0] if server_pid else None, time.process_time() - cpu[1])
    return {**figures, "rows": len(batch), "read": t1 - t0, "validate": t2 - t1, "write": t3 - t2b,
            "total": t3 - t2b + t2 - t0}


#: the least any Cypher write of a contact costs: a plain CREATE (the constraint and indexes
#: still maintained), no MERGE, no change detection, no links; rolled back
PLAIN_CREATE = "UNWIND $rows AS row CREATE (n:Contact) SET n = row"


def _plain_create_rows_per_s(store, batch) -> float:
    """Rows/s of :data:`PLAIN_CREATE` over the import's contacts in one transaction, batches as
    the store's, rolled back: the machine's ceiling for any Cypher import of these rows."""
    from graph.neo4j_rows import param_chunks

    chunks = list(param_chunks("contacts", batch, store.batch_size))
    with store._driver.session(database=store.database) as session:
        tx = session.begin_transaction()
        try:
            start = time.perf_counter()
            for chunk in chunks:
                tx.run(PLAIN_CREATE, rows=chunk).consume()
            return sum(map(len, chunks)) / (time.perf_counter() - start)
        finally:
            tx.rollback()


def _server_ms(store, times: int) -> tuple[float, float]:
    """Median and 95th percentile of the server's own time for the subgraph query (the result
    summary's ``result_available_after`` + ``result_consumed_after``): less noisy than the
    wall time on a loaded machine, though the server's threads wait for a core as well."""
    from neo4j import RoutingControl

    from graph import cypher

    runs = []
    for _ in range(times):
        summary = store._driver.execute_query(cypher.SUBGRAPH.text, {"account_id": ACCOUNT},
                                              routing_=RoutingControl.READ, database_=store.database).summary
        runs.append(float(summary.result_available_after + summary.result_consumed_after))
    runs.sort()
    return statistics.median(runs), runs[max(0, -(-len(runs) * 95 // 100) - 1)]


def _load() -> str:
    return "load average " + " / ".join(f"{x:.1f}" for x in os.getloadavg()) + " (1 / 5 / 15 min)"


def _cli_gaps_ms(store_args: list[str], env: dict[str, str], times: int) -> float:
    """Median wall time of ``powermap gaps BENCH-500 --json`` as a new process."""
    command = [sys.executable, "-m", "powermap", *store_args, "gaps", ACCOUNT, "--as-of", AS_OF.isoformat(), "--json"]
    runs = []
    for _ in range(times):
        start = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        runs.append((time.perf_counter() - start) * 1000)
        if done.returncode:
            sys.exit(f"neo4j_bench: {' '.join(command)} failed: {done.stderr.strip()}")
    return statistics.median(runs)


def measure(name: str, store, folder: Path, store_args: list[str], env: dict[str, str], args,
            server_pid: int | None = None) -> dict[str, float]:
    """Every figure of one store (which must be empty)."""
    from graph.analysis import reports

    print(f"{name}: importing {args.contacts:,} contacts …", file=sys.stderr, flush=True)
    figures = _import(store, folder, ceiling=name == "neo4j", server_pid=server_pid)
    counts = store.counts()
    figures["contacts"] = counts["contacts"]
    figures["edges"] = counts["reports_to"] + counts["influences"] + counts["relationships"]
    store.write(five_hundred_contact_account())
    store.account_subgraph(ACCOUNT)  # warm caches (and Neo4j's query plan cache)
    print(f"{name}: timing the {ACCOUNT} account …", file=sys.stderr, flush=True)
    figures["fetch_rows"] = _median_ms(lambda: store.subgraph_rows(ACCOUNT), args.fetches)
    if name == "neo4j":
        figures["fetch_server"] = _server_ms(store, args.fetches)
    figures["fetch_graph"] = _median_ms(lambda: store.account_subgraph(ACCOUNT), args.fetches)
    figures["gaps"] = _median_ms(lambda: reports.gaps_report(store, ACCOUNT, today=AS_OF), args.gaps)
    figures["gaps_cli"] = _cli_gaps_ms(store_args, env, args.cli_runs)
    return figures


def _print(figures: dict[str, dict[str, float]]) -> None:
    names = list(figures)
    print(f"{'':46}" + "".join(f"{n:>22}" for n in names))

    def line(label: str, cell) -> None:
        print(f"{label:46}" + "".join(f"{cell(figures[n]):>22}" for n in names))

    line("rows imported", lambda f: f"{f['rows']:,}")
    line("contacts / edges stored", lambda f: f"{f['contacts']:,} / {f['edges']:,}")
    line("read / validate / write (s)", lambda f: f"{f['read']:.1f} / {f['validate']:.1f} / {f['write']:.1f}")
    line("import total (s)", lambda f: f"{f['total']:.1f}")
    line("import rows/s (goal Neo4j >= 50,000)", lambda f: f"{f['rows'] / f['total']:,.0f}")
    line("write-only rows/s", lambda f: f"{f['rows'] / f['write']:,.0f}")
    line("write: CPU s of the server / of this process", lambda f: (
        f"{f['cpu'][0]:.1f} / " if f["cpu"][0] is not None else "- / ") + f"{f['cpu'][1]:.1f}")
    line("  rows per server CPU-second", lambda f: f"{f['rows'] / f['cpu'][0]:,.0f}" if f["cpu"][0] else "-")
    line("  ceiling: plain UNWIND … CREATE of the contacts", lambda f: f"{f['ceiling']:,.0f}" if "ceiling" in f else "-")
    line("500-contact fetch, rows: median / p95 ms", lambda f: "{:.1f} / {:.1f}".format(*f["fetch_rows"]))
    line("  its query's server time: median / p95 ms", lambda f: "{:.1f} / {:.1f}".format(*f["fetch_server"])
         if "fetch_server" in f else "-")
    line("  + networkx graph (goal < 30 ms median)", lambda f: "{:.1f} / {:.1f}".format(*f["fetch_graph"]))
    line("gaps, library (fetch + analysis) ms", lambda f: "{:.1f} / {:.1f}".format(*f["gaps"]))
    line("`powermap gaps` as a new process, median ms", lambda f: f"{f['gaps_cli']:.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contacts", type=int, default=100_000, help="contacts in the portfolio (default 100,000)")
    parser.add_argument("--fetches", type=int, default=100, help="subgraph fetches to time (default 100)")
    parser.add_argument("--gaps", type=int, default=20, help="gap reports to time through the library (default 20)")
    parser.add_argument("--cli-runs", type=int, default=3, help="`powermap gaps` processes to time (default 3)")
    parser.add_argument("--heap", default="1g", help="heap of the local server it starts (default 1g)")
    parser.add_argument("--keep", action="store_true", help="leave the data in the Neo4j database")
    args = parser.parse_args()

    from graph.embedded import EmbeddedStore
    from graph.exceptions import PowermapError
    from powermap.settings import Settings
    from powermap.wiring import open_store

    print(f"at the start: {_load()}; {os.cpu_count()} cores")
    server, env = None, {**os.environ, "PYTHONPATH": str(ROOT)}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if not os.environ.get("NEO4J_URI"):
            sys.path.insert(0, str(ROOT / "neo4j-server"))
            import local_neo4j

            local_neo4j.build(lambda text: print(text, file=sys.stderr, flush=True))
            print(f"starting a local Neo4j (heap {args.heap}) …", file=sys.stderr, flush=True)
            started = time.perf_counter()
            server = local_neo4j.LocalNeo4j.start(tmp / "neo4j", heap=args.heap)
            startup = time.perf_counter() - started
            time.sleep(5)  # let the start settle before reading its idle memory
            idle, _ = _memory_mb(server.process.pid)
            print(f"local Neo4j server: Bolt answered {startup:.1f} s after `java` started; "
                  f"{idle:,.0f} MB resident when idle")
            env.update({"NEO4J_URI": server.uri, "NEO4J_USER": server.user, "NEO4J_PASSWORD": server.password})
            os.environ.update({k: env[k] for k in ("NEO4J_URI", "NEO4J_USER", "NEO4J_PASSWORD")})
        try:
            settings = Settings()
            try:
                neo4j = open_store(settings, store="neo4j")
            except PowermapError as error:
                sys.exit(f"neo4j_bench: {error}")
            if nodes := neo4j.node_count():
                sys.exit(f"neo4j_bench: the database holds {nodes:,} nodes; point NEO4J_URI / NEO4J_DATABASE "
                         "at an empty one (the benchmark writes and deletes its own data)")
            folder = tmp / "portfolio"
            folder.mkdir()
            print(f"generating a portfolio of {args.contacts:,} contacts …", file=sys.stderr, flush=True)
            generate(folder, args.contacts)
            figures = {}
            db = tmp / "bench.db"
            with EmbeddedStore(db) as embedded:
                embedded.strength_policy = neo4j.strength_policy
                figures["embedded"] = measure("embedded", embedded, folder, ["--db", str(db)], env, args)
            try:
                figures["neo4j"] = measure("neo4j", neo4j, folder, ["--store", "neo4j"], env, args,
                                           server.process.pid if server else None)
            finally:
                if not args.keep:
                    print("deleting the benchmark's data from Neo4j …", file=sys.stderr, flush=True)
                    neo4j.clear()
                neo4j.close()
            _print(figures)
            print(f"at the end: {_load()}; this process's peak resident memory "
                  f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")
            if server is not None:
                now, peak = _memory_mb(server.process.pid)
                print(f"local Neo4j server: {now:,.0f} MB resident at the end, {peak:,.0f} MB at its peak")
        finally:
            if server is not None:
                server.stop()


if __name__ == "__main__":
    main()
