"""Copy a whole graph from one store to another (embedded → Neo4j and back) and verify it.

What ``powermap migrate --from SOURCE --to TARGET`` runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graph.exceptions import PowermapError
from graph.store import GraphStore, Progress, WriteResult

__all__ = ["MigrationReport", "MigrationMismatch", "TargetNotEmpty", "copy_graph"]


class TargetNotEmpty(PowermapError):
    """The target store already holds records: a migration copies into an empty store."""

    exit_code = 2


class MigrationMismatch(PowermapError):
    """After the copy, the target does not hold what the source holds."""


@dataclass
class MigrationReport:
    """What was copied: rows per table in the source and in the target after the copy."""

    source: dict[str, int]
    target: dict[str, int]
    counts: dict[str, int]
    snapshots: int
    result: WriteResult = field(default_factory=WriteResult)

    def as_dict(self) -> dict[str, Any]:
        return {"source": self.source, "target": self.target, "counts": self.counts, "snapshots": self.snapshots}


def copy_graph(source: GraphStore, target: GraphStore, *, progress: Progress | None = None) -> MigrationReport:
    """Copy every record and snapshot of ``source`` into the empty store ``target``.

    The records are written as one atomic write (the target's own transaction), then the
    snapshots one by one (a snapshot's date becomes the date of the copy). At the end the
    target is read back: the rows of every table, the summary counts and the number of
    snapshots must equal the source's.

    Parameters
    ----------
    source, target : GraphStore
        Any two stores (embedded, Neo4j).
    progress : callable, optional
        ``progress(done, total)`` while the records are written.

    Returns
    -------
    MigrationReport

    Raises
    ------
    TargetNotEmpty
        When the target already holds records or snapshots (nothing is written).
    MigrationMismatch
        When the target, read back, differs from the source.

    Examples
    --------
    >>> from graph.batch import Batch
    >>> from graph.embedded import EmbeddedStore
    >>> from graph.model import Account
    >>> a, b = EmbeddedStore(":memory:"), EmbeddedStore(":memory:")
    >>> _ = a.write(Batch.from_records([Account(id="G1", name="华东重工集团")]))
    >>> copy_graph(a, b).target
    {'accounts': 1}
    """
    held = {k: v for k, v in target.counts().items() if v}
    snapshots_held = len(target.list_snapshots())
    if held or snapshots_held:
        what = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in held.items()) or f"{snapshots_held} snapshots"
        raise TargetNotEmpty(f"the target store is not empty ({what}); migrate copies into an empty store")
    batch = source.dump()
    result = target.write(batch, progress=progress)
    snapshots = source.list_snapshots()
    for snapshot in snapshots:
        target.save_snapshot(snapshot["label"], source.load_snapshot(snapshot["label"]))

    expected, copied = batch.counts(), target.dump().counts()
    source_counts, target_counts = source.counts(), target.counts()
    copied_snapshots = len(target.list_snapshots())
    if copied != expected or target_counts != source_counts or copied_snapshots != len(snapshots):
        differences = [f"{name}: {expected.get(name, 0)} in the source, {copied.get(name, 0)} copied"
                       for name in sorted(set(expected) | set(copied)) if expected.get(name) != copied.get(name)]
        differences += [f"{key}: {source_counts[key]} in the source, {target_counts.get(key)} copied"
                        for key in source_counts if source_counts[key] != target_counts.get(key)]
        if copied_snapshots != len(snapshots):
            differences.append(f"snapshots: {len(snapshots)} in the source, {copied_snapshots} copied")
        raise MigrationMismatch("the copy does not match the source: " + "; ".join(differences))
    return MigrationReport(expected, copied, target_counts, len(snapshots), result)
