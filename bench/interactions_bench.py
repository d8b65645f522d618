"""Interaction-history benchmark: N interactions imported, strengths derived for P pairs.

    python bench/interactions_bench.py                                  # the target: 10M / 1M
    python bench/interactions_bench.py --interactions 1000000 --pairs 100000   # a quick look

A fresh embedded store gets P/200 accounts with 200 contacts each, a team of P/500 people
and P distinct (team member, contact) pairs; then N interactions (a pair each, N/P per
pair on average; types and dates over a year; e-mails with a sender) as one table of raw
text values. The import is powermap's own path: validation of every value and reference
(:func:`importers.validate.validate`) then one transaction into SQLite, participant index
included. Strengths are then derived for every pair from the validated rows
(:func:`graph.strength.derive_strengths`, the code the account graph uses). Printed: the
wall time of each phase, rows per second and the process's peak resident memory.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from graph.embedded import EmbeddedStore  # noqa: E402
from graph.strength import derive_strengths  # noqa: E402
from importers import tables_from_frames  # noqa: E402
from importers.validate import validate  # noqa: E402

TYPES = np.array(["visit", "executive_visit", "meeting", "technical_exchange", "call", "email", "event"],
                 dtype=object)
TYPE_P = [0.2, 0.02, 0.1, 0.05, 0.25, 0.35, 0.03]


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb() -> float:
    """The process's resident memory now (Linux), 0 where /proc is missing."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def world(pairs: int, seed: int = 11) -> tuple[dict[str, pd.DataFrame], np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    n_accounts, n_team = max(1, pairs // 200), max(1, pairs // 500)
    contacts = n_accounts * 200
    account_ids = np.array([f"A{i:06d}" for i in range(n_accounts)], dtype=object)
    contact_ids = np.array([f"C{i:08d}" for i in range(contacts)], dtype=object)
    team_ids = np.array([f"T{i:06d}" for i in range(n_team)], dtype=object)
    frames = {
        "accounts": pd.DataFrame({"id": account_ids, "name": account_ids, "tier": "A"}),
        "contacts": pd.DataFrame({"id": contact_ids, "account_id": np.repeat(account_ids, 200), "name": contact_ids}),
        "team": pd.DataFrame({"id": team_ids, "name": team_ids, "role": "account_manager"}),
    }
    # P distinct pairs: each contact has pairs/contacts team members, none repeated
    per_contact = max(1, pairs // contacts)
    pair_contact = np.repeat(np.arange(contacts), per_contact)[:pairs]
    offsets = np.tile(np.arange(per_contact), contacts)[:pairs]
    pair_team = (rng.integers(0, n_team, contacts)[pair_contact] + offsets) % n_team
    return frames, team_ids[pair_team], contact_ids[pair_contact], account_ids[pair_contact // 200]


def interactions(n: int, team: np.ndarray, contact: np.ndarray, account: np.ndarray, seed: int = 12) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, len(team), n)
    types = rng.choice(TYPES, n, p=TYPE_P)
    days = np.datetime64("2025-11-01") + rng.integers(0, 365, n).astype("timedelta64[D]")
    email = types == "email"
    ours = rng.random(n) < 0.6
    sender = np.where(email, np.where(ours, team[pick], contact[pick]), None)
    return pd.DataFrame({"id": np.char.add("I", np.arange(n).astype(str)).astype(object),
                         "date": np.datetime_as_string(days).astype(object), "type": types,
                         "account_id": account[pick], "team_ids": team[pick], "contact_ids": contact[pick],
                         "sender_id": sender})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--interactions", type=int, default=10_000_000)
    parser.add_argument("--pairs", type=int, default=1_000_000)
    parser.add_argument("--db", help="store file (default: a temporary one)")
    args = parser.parse_args()
    figures = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = args.db or str(Path(tmp) / "bench.db")
        t0 = time.perf_counter()
        frames, team, contact, account = world(args.pairs)
        raw = interactions(args.interactions, team, contact, account)
        figures["generate_s"] = time.perf_counter() - t0
        store = EmbeddedStore(path)
        store.write(validate(tables_from_frames(frames)))
        tables = tables_from_frames({"interactions": raw})
        del raw  # from here on the import holds the table as read, as from a file
        memory = {"generated": rss_mb()}
        t1 = time.perf_counter()
        batch = validate(tables, store)
        del tables
        memory["validated"] = rss_mb()
        t2 = time.perf_counter()
        result = store.write(batch)
        memory["written"] = rss_mb()
        t3 = time.perf_counter()
        pairs = derive_strengths(batch.tables["interactions"], as_of=dt.date(2026, 11, 1))
        memory["derived"] = rss_mb()
        t4 = time.perf_counter()
        store.close()
        figures.update(validate_s=t2 - t1, write_s=t3 - t2, import_s=t3 - t1, derive_s=t4 - t3, total_s=t4 - t1,
                       inserted=result.inserted["interactions"], pairs=len(pairs),
                       store_mb=Path(path).stat().st_size / 2**20)
    figures["peak_rss_mb"] = peak_mb()
    n = args.interactions
    print(f"interactions: {n:,} over {figures['pairs']:,} pairs (asked for {args.pairs:,})")
    print(f"  validate  {figures['validate_s']:8.1f} s  ({n / figures['validate_s']:,.0f} rows/s)")
    print(f"  write     {figures['write_s']:8.1f} s  ({n / figures['write_s']:,.0f} rows/s), "
          f"store {figures['store_mb']:,.0f} MB")
    print(f"  import    {figures['import_s']:8.1f} s")
    print(f"  derive    {figures['derive_s']:8.1f} s  ({figures['pairs'] / figures['derive_s']:,.0f} pairs/s)")
    print(f"  total     {figures['total_s']:8.1f} s  (target < 120 s)")
    print(f"  peak RSS  {figures['peak_rss_mb']:8.0f} MB  (target < 4096 MB)")
    print("  RSS after " + ", ".join(f"{phase} {mb:,.0f} MB" for phase, mb in memory.items()))


if __name__ == "__main__":
    main()
