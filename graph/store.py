"""The store port: what every graph store (embedded, Neo4j) offers the rest of powermap.

A store keeps the records of :mod:`graph.model`. Writes come as a validated
:class:`~graph.batch.Batch` and are atomic and idempotent (upsert by key); reads give
records, summaries and an account's subgraph as a ``networkx.MultiDiGraph`` built by
:func:`graph.subgraph.build_account_graph`, so every store returns identical graphs.
One contract suite (``tests/test_store_contract.py``) runs against every store.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from graph.batch import Batch
from graph.exceptions import AccountNotFound
from graph.model import TABLES, Record
from graph.strength_policy import StrengthPolicy
from graph.vocabulary import ContactStatus

if TYPE_CHECKING:  # networkx (and pandas, for strength) are imported when a subgraph is built
    import networkx as nx

__all__ = ["GraphStore", "WriteResult", "Progress", "COUNT_KEYS"]

#: ``progress(done, total)`` is called while a long write runs.
Progress = Callable[[int, int], None]

#: The keys of :meth:`GraphStore.counts`, in display order.
COUNT_KEYS = ("accounts", "departments", "contacts", "team_members", "relationships",
              "reports_to", "influences", "opportunities", "interactions")


@dataclass
class WriteResult:
    """What one atomic write did, per table: rows new, changed and left as they were."""

    inserted: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return any(self.inserted.values()) or any(self.updated.values())

    def as_dict(self) -> dict[str, Any]:
        return {"inserted": self.inserted, "updated": self.updated, "unchanged": self.unchanged}


class GraphStore(ABC):
    """Abstract store. Subclasses implement the storage; the graph is built here.

    ``strength_policy`` says how relationship strength is derived from the interaction
    history and which strength the analyses use (the composition root sets it from the
    settings).
    """

    strength_policy: StrengthPolicy = StrengthPolicy()

    # ----- writes -------------------------------------------------------------------
    @abstractmethod
    def write(self, batch: Batch, *, progress: Progress | None = None) -> WriteResult:
        """Upsert every record of ``batch`` in one transaction: all or nothing."""

    @abstractmethod
    def exclusive_writes(self, *, rows: int = 0) -> AbstractContextManager[None]:
        """Hold the store's write lock for a block: until it ends, no other writer — another
        thread, another process, another server on the same database — writes, and the
        writes and deletes this thread makes inside it take part in it. ``rows``: how many
        records the block will write, when known (a store may load a large first import
        its own faster way).

        Validation that reads stored records (references, reporting cycles closed through
        the store) runs inside, with the write that follows, so that what it checked still
        holds when the batch is written: two imports each valid alone cannot store a cycle
        together. Writers wait for the lock; readers never do.

        >>> from graph.embedded import EmbeddedStore
        >>> store = EmbeddedStore(":memory:")
        >>> with store.exclusive_writes():
        ...     store.existing_ids("accounts", ["A1"])
        set()
        """

    @abstractmethod
    def probe_write(self) -> None:
        """Commit a write that changes no record, to learn whether the store can write.

        Raises
        ------
        StoreFull
            When its disk is full.
        StoreUnavailable
            When it cannot write for another reason.
        """

    @abstractmethod
    def delete(self, table: str, key: str | tuple[str, ...]) -> bool:
        """Delete one record by key (an id, or a tuple for edge tables) with its edges.

        Returns False when there was no such record. Deleting a contact removes its
        relationships, influence edges and opportunity memberships and clears the
        ``reports_to`` of those who reported to it; deleting an account removes its
        departments, contacts and opportunities, and is refused while it has
        sub-accounts. Plan actions go with their account or contact; deleting an
        opportunity clears ``opportunity_id`` of the actions that served it, deleting a team
        member clears ``owner_id`` of the actions they owned (the plan report flags them
        ``needs_owner``); either bumps the actions' ``updated_at``, so incremental sync
        sees the change.
        """

    # ----- reads used by validation -------------------------------------------------
    @abstractmethod
    def existing_ids(self, table: str, ids: Iterable[str]) -> set[str]:
        """The subset of ``ids`` that exist in ``table`` (a table keyed by ``id``)."""

    @abstractmethod
    def parents(self, table: str, ids: Iterable[str]) -> dict[str, str | None]:
        """The stored hierarchy parent (parent account, manager…) of each id that exists."""

    # ----- reads --------------------------------------------------------------------
    @abstractmethod
    def get(self, table: str, key: str | tuple[str, ...]) -> Record | None:
        """One record by key, or None."""

    @abstractmethod
    def counts(self) -> dict[str, int]:
        """Record counts under :data:`COUNT_KEYS`."""

    @abstractmethod
    def list_accounts(self) -> list[dict[str, Any]]:
        """Every account: ``id``, ``name``, ``parent_id``, ``kind``, ``tier``, ``posture``, ``share_of_wallet``,
        ``contacts`` (the number of contacts directly in it), ordered by id."""

    @abstractmethod
    def search(self, text: str, *, limit: int = 50) -> list[dict[str, Any]]:
        """Accounts and contacts whose name (or title) contains ``text``, any language."""

    @abstractmethod
    def subgraph_rows(self, account_id: str) -> dict[str, list[dict[str, Any]]] | None:
        """Rows of an account's world for :func:`build_account_graph`, None if no account.

        ``interactions`` holds every interaction of the account's tree or with one of its
        contacts; ``team`` includes our people who took part in them.
        """

    @abstractmethod
    def account_descendants(self, account_ids: Iterable[str]) -> set[str]:
        """The given accounts that exist and every account below them, at any depth."""

    @abstractmethod
    def list_records(self, table: str, *, limit: int = 100, after: str | Sequence[str] | None = None,
                     updated_since: str | None = None,
                     account_ids: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """A page of one table's rows in storage form, each with its ``updated_at``.

        Rows are ordered by key; ``after`` is the key of the last row of the previous
        page (edge tables: a sequence of the key columns' values). ``updated_since``
        (ISO timestamp) keeps rows changed at or after it; ``account_ids`` keeps rows of
        exactly those accounts (pass descendants explicitly): edges whose contacts are
        all in them, team members who own one of them or know a contact there. Each row
        carries ``key``, the value to pass as ``after``, and ``updated_at``.
        """

    @abstractmethod
    def dump(self) -> Batch:
        """Every record of the store as one batch (for snapshots and migration), each table in key order."""

    @abstractmethod
    def save_snapshot(self, label: str, data: bytes) -> None:
        """Keep ``data`` (a serialised graph) under ``label``; an existing label is replaced."""

    @abstractmethod
    def load_snapshot(self, label: str) -> bytes:
        """The data saved under ``label``. Raises SnapshotNotFound."""

    @abstractmethod
    def list_snapshots(self) -> list[dict[str, Any]]:
        """``label``, ``created_at`` and ``size`` of every snapshot, oldest first."""

    @abstractmethod
    def close(self) -> None:
        """Release the store's resources."""

    def version(self) -> str | None:
        """A value that changes whenever the graph changes, whoever writes it (this process,
        another server, a ``powermap import``): readers that keep derived answers (the API's
        analysis cache) compare it before reusing one. None when the store cannot tell;
        readers then bound staleness by time alone."""
        return None

    # ----- derived ------------------------------------------------------------------
    def account_subgraph(self, account_id: str, *, as_of: dt.date | None = None,
                         history: bool = True, people_since: str | None = None) -> nx.MultiDiGraph:
        """The account, its descendants, their departments, contacts, our team, the
        opportunities, every edge among them, and the contacts elsewhere they report to.

        Contacts marked departed are left out (``G.graph["people"]`` lists them, and
        the moves since snapshot ``people_since``, default the latest:
        :mod:`graph.analysis.people`).

        Relationship strength and recency reflect the interaction history up to ``as_of``
        (default today) under :attr:`strength_policy`; with ``history=False`` the history
        is not derived (the entered strengths and dates only): enough for the account
        tree, and without numpy and pandas.

        Raises
        ------
        AccountNotFound
            When there is no account ``account_id``.
        """
        from graph.subgraph import build_account_graph

        rows = self.subgraph_rows(account_id)
        if rows is None:
            raise AccountNotFound(account_id)
        # people who left are no part of the decision chain: G.graph["people"] lists them
        gone = ContactStatus.DEPARTED.value
        departed = [c for c in rows["contacts"] if c.get("status") == gone]
        if departed:
            rows = {**rows, "contacts": [c for c in rows["contacts"] if c.get("status") != gone]}
        if not history:  # the tree: no history, no plan (whose status is read from the history)
            return build_account_graph(account_id, **{**rows, "interactions": ()}, as_of=as_of,
                                       policy=self.strength_policy)
        from graph.analysis.people import people_inputs
        from graph.analysis.plans import plan_inputs

        G = build_account_graph(account_id, **rows, as_of=as_of, policy=self.strength_policy)
        G.graph["plans"] = plan_inputs(self, rows)
        G.graph["people"] = people_inputs(self, rows, departed, since=people_since)
        return G

    def __enter__(self) -> GraphStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @staticmethod
    def _check_table(table: str) -> None:
        if table not in TABLES:
            raise ValueError(f"unknown table {table!r} (tables: {', '.join(TABLES)})")
