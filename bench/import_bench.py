"""Import benchmark: a synthetic portfolio as CSV files, imported into a fresh embedded store.

    python bench/import_bench.py --contacts 1000000      # the target scale
    python bench/import_bench.py --contacts 100000       # a quick look

For C contacts it writes C/100 accounts (a group per ten, the rest its subsidiaries),
3 departments per account, C contacts with reporting lines inside each account (all but
each account's head report to someone), about C influence edges and C team
relationships: about 3·C edges in all, plus a team of C/1000 people. The import runs in a child process (`powermap import`'s own
code path: read, validate, write in one transaction) and the figures printed are the
child's wall time per phase, rows per second and peak resident memory.

The baseline beside it is a raw copy of the same CSV files: pyarrow reads each file and
``sqlite3.executemany`` inserts its rows, as text, into tables with the same primary keys
as the store's, in one transaction (no parsing, no checks). The ratio printed is import ÷
raw copy. The raw copy needs pyarrow: ``--raw-python`` names an interpreter that has it
when the one running the bench has not (the import then runs without pyarrow, as it
would for a user who never installed it). ``pandas`` keeps strings as Arrow when pyarrow
is importable, so run the bench from both kinds of environment to compare.

Into the fresh store the import is a bulk load, written straight into the file under a
rollback journal; ``--store-open-elsewhere`` keeps the store open in the bench's own
process meanwhile (as a running server would), so that the import goes through the WAL.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent


def generate(folder: Path, contacts: int, seed: int = 7) -> dict[str, int]:
    """Write the portfolio's CSV files; return rows per file."""
    rng = np.random.default_rng(seed)
    per_account = 100
    n_accounts = max(1, contacts // per_account)
    account_ids = np.array([f"A{i:06d}" for i in range(n_accounts)], dtype=object)
    # every tenth account is a group; the nine after it are its subsidiaries
    parents = np.where(np.arange(n_accounts) % 10 == 0, None, account_ids[(np.arange(n_accounts) // 10) * 10])
    kinds = np.where(np.arange(n_accounts) % 10 == 0, "group", "subsidiary")
    pd.DataFrame({"id": account_ids, "name": [f"客户{i}" for i in range(n_accounts)], "parent_id": parents,
                  "kind": kinds, "tier": rng.choice(["A", "B", "C"], n_accounts)}).to_csv(
        folder / "accounts.csv", index=False)

    dept_kinds = np.array(["采购", "设计", "生产"], dtype=object)
    dept_ids = np.array([f"{a}-D{k}" for a in account_ids for k in range(3)], dtype=object)
    pd.DataFrame({"id": dept_ids, "account_id": np.repeat(account_ids, 3),
                  "name": np.tile(np.array(["采购部", "设计院", "生产部"], dtype=object), n_accounts),
                  "kind": np.tile(dept_kinds, n_accounts)}).to_csv(folder / "departments.csv", index=False)

    idx = np.arange(contacts)
    account_of = np.minimum(idx // per_account, n_accounts - 1)
    position = idx - account_of * per_account  # 0 is the head of the account
    contact_ids = np.char.add("C", np.char.zfill(idx.astype(str), 7)).astype(object)
    # a tree: contact p reports to contact (p-1)//4 of the same account
    manager = np.where(position == 0, -1, account_of * per_account + (position - 1) // 4)
    reports_to = np.where(manager >= 0, contact_ids[np.maximum(manager, 0)], None)
    titles = np.array(["总经理", "采购总监", "设计院院长", "采购经理", "工程师", "车间主任", "Buyer", "Engineer"],
                      dtype=object)
    roles = np.array(["决策者", "影响者", "把关者、采购者", "使用者", "influencer;user", "", "", ""], dtype=object)
    stances = np.array(["-1", "0", "1", "2", "3", "", "", ""], dtype=object)
    pd.DataFrame({
        "id": contact_ids, "account_id": account_ids[account_of],
        "department_id": dept_ids[account_of * 3 + rng.integers(0, 3, contacts)],
        "name": np.char.add("联系人", idx.astype(str)).astype(object),
        "title": titles[np.minimum(position, 7)], "reports_to": reports_to,
        "roles": roles[rng.integers(0, 8, contacts)], "stance": stances[rng.integers(0, 8, contacts)],
        "influence": np.round(rng.random(contacts), 2),
        "last_contact": pd.Timestamp("2026-11-01") - pd.to_timedelta(rng.integers(0, 400, contacts), unit="D"),
        "email": np.char.add(contact_ids.astype(str), "@example.cn").astype(object),
    }).to_csv(folder / "contacts.csv", index=False, date_format="%Y-%m-%d")

    # influence: each contact influences another contact of the same account (no self-loops)
    offset = rng.integers(1, per_account, contacts)
    target = account_of * per_account + (position + offset) % per_account
    target = np.minimum(target, contacts - 1)
    keep = target != idx
    pd.DataFrame({"source_id": contact_ids[keep], "target_id": contact_ids[target[keep]],
                  "weight": np.round(rng.random(int(keep.sum())), 2),
                  "kind": rng.choice(np.array(["advice", "friendship", "ally", "rival"], dtype=object),
                                     int(keep.sum()))}).to_csv(folder / "influence.csv", index=False)

    n_team = max(3, contacts // 1000)
    team_ids = np.array([f"T{i:05d}" for i in range(n_team)], dtype=object)
    pd.DataFrame({"id": team_ids, "name": [f"销售{i}" for i in range(n_team)],
                  "role": rng.choice(np.array(["account_manager", "solution_manager", "delivery_manager", "sales"],
                                              dtype=object), n_team)}).to_csv(folder / "team.csv", index=False)
    # relationships: contact i is known by team member (account // 10 + i % 3): one per contact, unique pairs
    team_of = (account_of // 10 * 3 + position % 3) % n_team
    pd.DataFrame({"team_id": team_ids[team_of], "contact_id": contact_ids,
                  "strength": np.round(rng.random(contacts), 2),
                  "last_interaction": "2026-10-01"}).to_csv(folder / "relationships.csv", index=False)
    return {p.stem: sum(1 for _ in open(p, encoding="utf-8")) - 1 for p in sorted(folder.glob("*.csv"))}


#: the raw copy's tables: the store's primary key of each CSV file
RAW_KEYS = {"accounts": ("id",), "departments": ("id",), "contacts": ("id",), "team": ("id",),
            "relationships": ("team_id", "contact_id"), "influence": ("source_id", "target_id", "kind")}

RAW_CHILD = """
import csv, json, resource, sqlite3, sys, time
import pyarrow as pa
import pyarrow.csv as pv
keys = json.loads(sys.argv[3])
t0, c0 = time.perf_counter(), time.process_time()
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("PRAGMA journal_mode=WAL")
db.execute("BEGIN")
rows = 0
for name, key in keys.items():
    path = f"{sys.argv[2]}/{name}.csv"
    with open(path, encoding="utf-8") as file:
        header = next(csv.reader(file))
    table = pv.read_csv(path, convert_options=pv.ConvertOptions(column_types={c: pa.string() for c in header},
                                                                strings_can_be_null=True))
    columns = table.column_names
    db.execute(f"CREATE TABLE {name} ({', '.join(c + ' TEXT' for c in columns)}, PRIMARY KEY ({', '.join(key)}))")
    sql = f"INSERT INTO {name} VALUES ({', '.join('?' * len(columns))})"
    for batch in table.to_batches(100_000):
        db.executemany(sql, zip(*(column.to_pylist() for column in batch.columns)))
        rows += batch.num_rows
db.execute("COMMIT")
print(json.dumps({"total": time.perf_counter() - t0, "cpu": time.process_time() - c0, "rows": rows,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

CHILD = """
import importlib.util, json, resource, sys, time
from graph.embedded import EmbeddedStore
from importers import read_paths
from importers.validate import validate
t0, c0 = time.perf_counter(), time.process_time()
tables, _ = read_paths([sys.argv[2]])
t1 = time.perf_counter()
store = EmbeddedStore(sys.argv[1])
batch = validate(tables, store)
t2 = time.perf_counter()
store.write(batch)
t3, c3 = time.perf_counter(), time.process_time()
counts = store.counts()
print(json.dumps({"read": t1 - t0, "validate": t2 - t1, "write": t3 - t2, "total": t3 - t0, "cpu": c3 - c0,
                  "rows": len(batch), "counts": counts,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "pyarrow": importlib.util.find_spec("pyarrow") is not None}))
"""


def _child(python: str, code: str, *args: str, root: Path = ROOT) -> dict:
    env = {**os.environ, "PYTHONPATH": str(root)}
    # run in the checkout: `python -c` puts the working directory before PYTHONPATH
    result = subprocess.run([python, "-c", code, *args], capture_output=True, text=True, env=env, cwd=root)
    if result.returncode:
        sys.exit(result.stderr)
    return json.loads(result.stdout)


def _reader(db: Path) -> sqlite3.Connection:
    """A connection that has read the (new, empty) store and stays open: another process
    holding the store open."""
    reader = sqlite3.connect(db)
    reader.execute("PRAGMA journal_mode=WAL")
    reader.execute("SELECT count(*) FROM sqlite_master").fetchone()
    return reader


def _fresh(db: Path) -> Path:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    return db


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contacts", type=int, default=1_000_000, help="number of contacts (default 1,000,000)")
    parser.add_argument("--keep", type=Path, help="write the CSV files and store here instead of a temp folder")
    parser.add_argument("--raw-python", default=sys.executable,
                        help="the interpreter (with pyarrow) for the raw copy [default: this one]")
    parser.add_argument("--no-raw", action="store_true", help="skip the raw-copy baseline")
    parser.add_argument("--code", type=Path, default=ROOT,
                        help="the powermap checkout whose importer is timed (another worktree: a before figure)")
    parser.add_argument("--store-open-elsewhere", action="store_true",
                        help="keep the fresh store open in this process during the import, as a running "
                             "`powermap serve` would: the import then goes through the WAL, not the bulk load")
    parser.add_argument("--data", type=Path, help="reuse this folder of CSV files (from --keep) instead of generating")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        data = args.data or folder / "portfolio"
        if args.data is None:
            data.mkdir(parents=True, exist_ok=True)
            print(f"generating a portfolio of {args.contacts:,} contacts …", file=sys.stderr, flush=True)
            t = time.perf_counter()
            files = generate(data, args.contacts)
            print(f"generated in {time.perf_counter() - t:.1f} s: {files}", file=sys.stderr, flush=True)
        db = _fresh(folder / "bench.db")
        reader = _reader(db) if args.store_open_elsewhere else None
        print("importing …", file=sys.stderr, flush=True)
        figures = _child(sys.executable, CHILD, str(db), str(data), root=args.code.resolve())
        if reader:
            reader.close()
        edges = figures["counts"]["reports_to"] + figures["counts"]["influences"] + figures["counts"]["relationships"]
        print(f"contacts: {figures['counts']['contacts']:,}   edges (reports-to + influence + relationships): "
              f"{edges:,}   rows imported: {figures['rows']:,}")
        print(f"read {figures['read']:.1f} s · validate {figures['validate']:.1f} s · write {figures['write']:.1f} s"
              f" · total {figures['total']:.1f} s (CPU {figures['cpu']:.1f} s, SQLite's sorter threads included)")
        print(f"throughput: {figures['rows'] / figures['total']:,.0f} rows/s")
        print(f"peak memory (import process): {figures['peak_rss_mb']:,.0f} MB")
        print(f"store file: {db.stat().st_size / 2**20:,.0f} MB")
        print(f"pyarrow importable in the import's environment: {'yes' if figures['pyarrow'] else 'no'}")
        if not args.no_raw:
            print("raw copy …", file=sys.stderr, flush=True)
            raw = _child(args.raw_python, RAW_CHILD, str(_fresh(folder / "raw.db")), str(data), json.dumps(RAW_KEYS))
            print(f"raw copy (pyarrow CSV read + sqlite3.executemany, same primary keys, one transaction): "
                  f"{raw['total']:.1f} s (CPU {raw['cpu']:.1f} s), {raw['rows']:,} rows, peak {raw['peak_rss_mb']:,.0f} MB")
            print(f"import / raw copy: {figures['total'] / raw['total']:.2f}×")
        print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
