"""Index page benchmark: ``GET /`` over many top-level accounts, paged, with cached counts.

    python bench/index_bench.py --accounts 200 --contacts 1000 [--keep DIR] [--old]

Builds (or reuses with --keep) a store of ACCOUNTS synthetic group accounts of about
CONTACTS people each, then times through the HTTP app (FastAPI's TestClient, real
embedded store): the first page with nothing cached, the figures its rows fetch
(``/accounts/{id}/index-row``, one after another), the page again (figures cached), the
last page and a people search. ``--old`` also times the work the index
did before it was paged: a gap analysis and coach coverage of every account.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fastapi.testclient import TestClient  # noqa: E402

from api.app import create_app  # noqa: E402
from api.settings import ApiSettings  # noqa: E402
from api.sqlite_state import SqliteApiState  # noqa: E402
from bench.synthetic import group_account  # noqa: E402
from graph.analysis import find_gaps, gap_counts  # noqa: E402
from graph.analysis.coverage import coach_coverage  # noqa: E402
from graph.embedded import EmbeddedStore  # noqa: E402


def build(db: Path, accounts: int, contacts: int) -> None:
    with EmbeddedStore(str(db)) as store:
        if store.counts()["accounts"]:
            return
        for i in range(accounts):
            store.write(group_account(contacts, contacts * 4, seed=i, prefix=f"P{i:04d}-"))
            if (i + 1) % 50 == 0:
                print(f"  {i + 1} accounts written", file=sys.stderr, flush=True)


def timed(client: TestClient, path: str, key: str) -> tuple[float, int]:
    start = time.perf_counter()
    response = client.get(path, headers={"Authorization": f"Bearer {key}", "Accept": "text/html"})
    assert response.status_code == 200, response.text[:300]
    return time.perf_counter() - start, len(response.content)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=200, help="top-level accounts (default 200)")
    parser.add_argument("--contacts", type=int, default=1000, help="contacts per account (default 1,000)")
    parser.add_argument("--keep", type=Path, help="keep (and reuse) the store in this folder")
    parser.add_argument("--old", action="store_true", help="also time the unpaged index's work")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        db = folder / "index.db"
        start = time.perf_counter()
        build(db, args.accounts, args.contacts)
        with EmbeddedStore(str(db)) as store:
            counts = store.counts()
        print(f"store: {counts['accounts']:,} accounts ({args.accounts:,} top-level), {counts['contacts']:,} contacts "
              f"(ready in {time.perf_counter() - start:.1f} s)")
        settings = ApiSettings(db=str(db), api_db=str(folder / "index.api.db"))
        with SqliteApiState(settings.state_path) as state:
            key = state.create_key(f"bench-{time.time_ns()}", "read")[1]
        with TestClient(create_app(settings), base_url="http://127.0.0.1") as client:
            client.get("/healthz")  # the app is up before anything is timed
            pages = -(-args.accounts // 25)
            seconds, size = timed(client, "/", key)
            print(f"GET / (first page, nothing cached: rows wait for their figures): {seconds * 1000:,.0f} ms, "
                  f"{size:,} bytes")
            rows = re.findall(r'data-counts="([^"]+)"', client.get("/", headers={
                "Authorization": f"Bearer {key}", "Accept": "text/html"}).text)
            start = time.perf_counter()
            for path in rows:
                timed(client, path, key)
            print(f"the {len(rows)} rows' figures (GET /accounts/{{id}}/index-row, one after another, cold): "
                  f"{time.perf_counter() - start:.1f} s")
            for label, path in (("GET / (again, figures cached)", "/"),
                                (f"GET /?page={pages} (last page)", f"/?page={pages}"),
                                ("GET /?q=Group (search accounts and people)", "/?q=Group")):
                seconds, size = timed(client, path, key)
                print(f"{label}: {seconds * 1000:,.0f} ms, {size:,} bytes")
        if args.old:
            with EmbeddedStore(str(db)) as store:
                start = time.perf_counter()
                for account in (a for a in store.list_accounts() if a["parent_id"] is None):
                    G = store.account_subgraph(account["id"])
                    gap_counts(find_gaps(G))
                    coach_coverage(G)
                print(f"unpaged index's work (every account's gaps and coverage): {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
