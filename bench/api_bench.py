"""HTTP API benchmark: the server on 127.0.0.1 in one process, a load generator in another.

    python bench/api_bench.py                       # defaults below
    python bench/api_bench.py --requests 20000 --seconds 30 --concurrency 50
    NEO4J_URI=… NEO4J_PASSWORD=… python bench/api_bench.py --store both   # embedded, then Neo4j

It builds a fresh store with one group account of ``--contacts`` contacts (bases,
departments, reporting lines, influence edges, our team's relationships), starts
``powermap serve`` on a free loopback port, and runs bounded phases (each stops at
``--requests`` requests or ``--seconds`` seconds, whichever comes first) from a separate
load-generator process (asyncio + httpx, ``--concurrency`` clients):

* ``single reads``: ``GET /contacts/{id}`` of random contacts (throughput, latency);
* ``list page``:   ``GET /accounts/{id}/contacts?limit=100``;
* ``gaps``:        ``GET /accounts/{id}/gaps`` of the 500-contact account, when the
  server has that endpoint (p99 latency is the figure the API promises);
* ``gaps+writes``: the same while a writer changes one contact through the API every
  ``--write-every`` seconds (default 1; 0 skips the phase): each write invalidates the
  analysis cache, so the phase measures what a cache miss under load costs.

It prints requests per second, p50/p99 latency and error counts per phase. Only
loopback traffic; every loop is bounded. ``--store neo4j`` serves the same data from the
Neo4j server ``NEO4J_URI`` names (an empty database: the benchmark refuses one holding
nodes, and empties it again at the end), with the API state in it too, as a team runs it;
``--store both`` runs the embedded store and then Neo4j, in one run on one machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POWERMAP = [sys.executable, "-c", "import sys; from powermap.cli import main; sys.exit(main(sys.argv[1:]))"]


def build_store(folder: Path, contacts: int, store=None) -> tuple[str, list[str], str]:
    """A store with one group of ``contacts`` contacts (``store``, else a new embedded file);
    returns (db, contact ids, group id)."""
    import pandas as pd

    from graph.embedded import EmbeddedStore
    from importers import import_frames

    rng = random.Random(11)
    bases = [f"B{i}" for i in range(5)]
    accounts = [{"id": "G", "name": "华东重工集团", "kind": "group"}] + [
        {"id": b, "name": f"基地{i}", "parent_id": "G", "kind": "base"} for i, b in enumerate(bases)]
    departments = [{"id": f"{a['id']}-{k}", "account_id": a["id"], "name": name, "kind": k}
                   for a in accounts for k, name in (("purchasing", "采购部"), ("design", "设计院"), ("user", "生产部"))]
    rows = []
    for i in range(contacts):
        account = accounts[i % len(accounts)]["id"]
        kind = ("purchasing", "design", "user")[i % 3]
        rows.append({"id": f"C{i:05d}", "account_id": account, "department_id": f"{account}-{kind}",
                     "name": f"联系人{i}", "title": rng.choice(["总经理", "采购经理", "工程师", "主任", "Buyer"]),
                     "reports_to": f"C{(i - 1) // 4:05d}" if i else None,
                     "roles": rng.choice(["决策者", "影响者", "把关者", "使用者", ""]),
                     "stance": rng.choice([-1, 0, 1, 2, 3, None]), "influence": round(rng.random(), 2),
                     "email": f"c{i}@example.cn"})
    team = [{"id": f"T{i}", "name": f"我方{i}", "role": role, "rank": i + 1, "accounts": "G"}
            for i, role in enumerate(["account_manager", "solution_manager", "delivery_manager", "executive"])]
    relationships = [{"team_id": f"T{i % 4}", "contact_id": f"C{rng.randrange(contacts):05d}",
                      "strength": round(rng.random(), 2)} for i in range(contacts // 3)]
    influence = [{"source_id": f"C{rng.randrange(contacts):05d}", "target_id": f"C{rng.randrange(contacts):05d}",
                  "weight": round(rng.random(), 2), "kind": "advice"} for _ in range(contacts)]
    influence = [e for e in influence if e["source_id"] != e["target_id"]]
    db = str(folder / "bench.db")
    frames = {"accounts": accounts, "departments": departments, "contacts": rows, "team": team,
              "relationships": relationships, "influence": influence}
    keys = {"relationships": ["team_id", "contact_id"], "influence": ["source_id", "target_id", "kind"]}
    tables = {k: pd.DataFrame(v).drop_duplicates(subset=keys.get(k)) for k, v in frames.items()}
    if store is not None:
        import_frames(tables, store)
    else:
        with EmbeddedStore(db) as embedded:
            import_frames(tables, embedded)
    return db, [r["id"] for r in rows], "G"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ----- load generator (runs in its own process) -------------------------------------------------
async def _load(base: str, key: str, paths: list[str], *, concurrency: int, requests: int, seconds: float) -> dict:
    import httpx

    latencies: list[float] = []
    statuses: dict[str, int] = {}
    issued = 0
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {key}"}, limits=limits,
                                 timeout=30) as client:
        async def worker(seed: int) -> None:
            nonlocal issued
            rng = random.Random(seed)
            while issued < requests and time.perf_counter() < deadline:
                issued += 1
                started = time.perf_counter()
                try:
                    response = await client.get(rng.choice(paths))
                    code = str(response.status_code)
                except httpx.HTTPError as err:
                    code = type(err).__name__
                latencies.append(time.perf_counter() - started)
                statuses[code] = statuses.get(code, 0) + 1

        started = time.perf_counter()
        await asyncio.gather(*(worker(i) for i in range(concurrency)))
        elapsed = time.perf_counter() - started
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000 if latencies else float("nan")

    return {"requests": len(latencies), "seconds": round(elapsed, 2), "rps": round(len(latencies) / elapsed, 1),
            "p50_ms": round(pct(0.50), 1), "p99_ms": round(pct(0.99), 1), "max_ms": round(pct(1.0), 1),
            "statuses": statuses}


def client_main(args: argparse.Namespace) -> None:
    spec = json.loads(sys.stdin.read())
    result = asyncio.run(_load(spec["base"], spec["key"], spec["paths"], concurrency=args.concurrency,
                               requests=args.requests, seconds=args.seconds))
    print(json.dumps(result))


_WRK_SCRIPT = """
local paths = %s
local limit = %d
local count = 0
wrk.headers["Authorization"] = "Bearer %s"
request = function() return wrk.format("GET", paths[math.random(#paths)]) end
response = function(status, headers, body)
  count = count + 1
  if count >= limit then wrk.thread:stop() end
end
"""
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def run_wrk(base: str, key: str, paths: list[str], args: argparse.Namespace, concurrency: int,
            folder: Path) -> dict:
    """The phase with wrk (C, far lighter than a Python client on a 2-core machine)."""
    threads = 2
    script = folder / "phase.lua"
    lua_paths = "{" + ",".join(json.dumps(p) for p in paths) + "}"
    script.write_text(_WRK_SCRIPT % (lua_paths, max(1, args.requests // threads), key))
    done = subprocess.run(["wrk", "-t", str(threads), "-c", str(concurrency), "-d", f"{args.seconds:g}s",
                           "--timeout", "30s", "--latency", "-s", str(script), base],
                          capture_output=True, text=True, timeout=args.seconds + 60, check=True)
    text = done.stdout
    latency = {m[0]: float(m[1]) * _UNITS[m[2]] for m in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s|m)\s*$", text, re.M)}
    requests = int(re.search(r"(\d+) requests in ([\d.]+)(\w+)", text).group(1))
    seconds = float(re.search(r"requests in ([\d.]+)(ms|s|m)", text).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    errors = re.search(r"Socket errors: (.*)", text)
    statuses = {"2xx": requests - (int(non_2xx.group(1)) if non_2xx else 0)}
    if non_2xx:
        statuses["other"] = int(non_2xx.group(1))
    if errors:
        statuses["socket errors"] = errors.group(1)
    return {"requests": requests, "seconds": seconds, "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)),
            "p50_ms": latency.get("50", float("nan")), "p99_ms": latency.get("99", float("nan")),
            "statuses": statuses, "tool": "wrk"}


def run_phase(name: str, base: str, key: str, paths: list[str], args: argparse.Namespace, concurrency: int,
              folder: Path) -> dict:
    if args.tool == "wrk":
        result = run_wrk(base, key, paths, args, concurrency, folder)
    else:
        command = [sys.executable, __file__, "--client", "--concurrency", str(concurrency),
                   "--requests", str(args.requests), "--seconds", str(args.seconds)]
        done = subprocess.run(command, input=json.dumps({"base": base, "key": key, "paths": paths}),
                              capture_output=True, text=True, timeout=args.seconds + 120, check=True)
        result = json.loads(done.stdout)
    print(f"{name:<14} {concurrency:>3} clients  {result['requests']:>6} requests in {result['seconds']:>6.2f} s  "
          f"{result['rps']:>8.1f} req/s  p50 {result['p50_ms']:>7.1f} ms  p99 {result['p99_ms']:>7.1f} ms  "
          f"{result['statuses']}" + ("  (request cap reached)" if result["requests"] >= args.requests else ""),
          flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=500)
    parser.add_argument("--requests", type=int, default=50_000,
                        help="at most this many requests per phase (a cap: throughput is measured over the time)")
    parser.add_argument("--seconds", type=float, default=10.0, help="at most this long per phase")
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--tool", choices=["auto", "wrk", "python"], default="auto",
                        help="load generator: wrk when installed (auto), else asyncio + httpx")
    parser.add_argument("--store", choices=["embedded", "neo4j", "both"], default="embedded",
                        help="serve from the embedded store, from NEO4J_URI's Neo4j, or both one after the other")
    parser.add_argument("--write-every", type=float, default=1.0, metavar="SECONDS",
                        help="the gaps+writes phase: one write through the API this often (0: no such phase)")
    parser.add_argument("--phases", default="single,list,gaps,gaps+writes",
                        help="comma-separated phases to run (default: all)")
    parser.add_argument("--code", type=Path, default=ROOT,
                        help="the powermap checkout the server runs (another worktree: a before figure)")
    parser.add_argument("--client", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        client_main(args)
        return
    if args.tool == "auto":
        args.tool = "wrk" if shutil.which("wrk") else "python"
    sys.path.insert(0, str(ROOT))
    for store in (("embedded", "neo4j") if args.store == "both" else (args.store,)):
        with tempfile.TemporaryDirectory(prefix="powermap-api-bench-") as folder:
            if store == "neo4j":
                with neo4j_bench_store() as (graph, state):
                    _, contact_ids, group = build_store(Path(folder), args.contacts, graph)
                    key = state.create_key("bench", "read", pii=False)[1]
                    writer = state.create_key("bench-writer", "write", pii=False)[1]
                    serve(args, Path(folder), ["--store", "neo4j"], (key, writer), contact_ids, group)
            else:
                from api.settings import ApiSettings
                from api.sqlite_state import SqliteApiState

                db, contact_ids, group = build_store(Path(folder), args.contacts)
                with SqliteApiState(ApiSettings(db=db).state_path) as state:
                    key = state.create_key("bench", "read", pii=False)[1]
                    writer = state.create_key("bench-writer", "write", pii=False)[1]
                serve(args, Path(folder), ["--store", "embedded", "--db", db], (key, writer), contact_ids, group)


@contextmanager
def neo4j_bench_store():
    """The (empty) Neo4j store and API state of ``NEO4J_URI``; both emptied again at the end."""
    from api.neo4j_state import Neo4jApiState
    from powermap.settings import get_settings
    from powermap.wiring import open_api_state, open_store

    settings = get_settings()
    if not settings.neo4j_uri:
        sys.exit("--store neo4j needs NEO4J_URI (and NEO4J_USER, NEO4J_PASSWORD) naming a server with an "
                 "empty database, e.g. the one `./dev neo4j` prints")
    graph = open_store(settings, store="neo4j")
    nodes = graph.node_count()
    if nodes:
        graph.close()
        sys.exit(f"api_bench: the Neo4j database holds {nodes:,} nodes; use an empty one")
    state = open_api_state(settings, state_path="", store="neo4j")
    assert isinstance(state, Neo4jApiState)
    try:
        yield graph, state
    finally:
        state.clear()
        graph.clear()
        graph.close()


@contextmanager
def writing(base: str, key: str, contact_id: str, every: float) -> Iterator[dict[str, int]]:
    """A thread that changes ``contact_id``'s stance through the API every ``every`` seconds
    while the block runs; yields the count of writes (by status)."""
    import httpx

    done: dict[str, int] = {}
    stop = threading.Event()

    def write() -> None:
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=30) as client:
            record = {k: v for k, v in client.get(f"/contacts/{contact_id}").json().items()
                      if k not in ("id", "updated_at")}
            stance = 0
            while not stop.wait(every):
                stance = (stance + 1) % 3
                status = str(client.put(f"/contacts/{contact_id}", json={**record, "stance": stance}).status_code)
                done[status] = done.get(status, 0) + 1

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    try:
        yield done
    finally:
        stop.set()
        thread.join(timeout=60)


def serve(args: argparse.Namespace, folder: Path, store_options: list[str], keys: tuple[str, str],
          contact_ids: list[str], group: str) -> None:
    """Start ``powermap serve`` on the store the options name and run the phases against it."""
    import httpx

    key, writer = keys
    phases = set(args.phases.split(","))

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONPATH": str(args.code.resolve())}
    server = subprocess.Popen([*POWERMAP, *store_options, "serve", "--host", "127.0.0.1", "--port", str(port),
                               "--no-sign-in-link"], env=env, cwd=args.code.resolve(),  # (python -c: cwd first)
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("the server did not start")
            time.sleep(0.2)
        print(f"powermap API benchmark ({store_options[1]} store): {args.contacts} contacts in account {group!r}, "
              f"server pid {server.pid} on {base}, {os.cpu_count()} CPUs; each phase ≤ {args.requests} requests, "
              f"≤ {args.seconds:g} s; load from {args.tool}", flush=True)
        if "single" in phases:
            run_phase("single reads", base, key, [f"/contacts/{c}" for c in contact_ids], args, args.concurrency,
                      folder)
        if "list" in phases:
            run_phase("list page", base, key, [f"/accounts/{group}/contacts?limit=100"], args, args.concurrency,
                      folder)
        document = httpx.get(f"{base}/openapi.json", headers={"Authorization": f"Bearer {key}"}, timeout=10).json()
        if "/accounts/{account_id}/gaps" not in document["paths"]:
            print("gaps           (no /accounts/{id}/gaps endpoint on this server yet: not measured)")
            return
        if "gaps" in phases:
            run_phase("gaps", base, key, [f"/accounts/{group}/gaps"], args, args.concurrency, folder)
        if "gaps+writes" in phases and args.write_every > 0:
            with writing(base, writer, contact_ids[1], args.write_every) as writes:
                run_phase("gaps+writes", base, key, [f"/accounts/{group}/gaps"], args, args.concurrency, folder)
            print(f"{'':<14} writes during the phase (one every {args.write_every:g} s): {writes}", flush=True)
        print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
