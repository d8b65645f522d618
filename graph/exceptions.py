"""The errors powermap raises. One root, a handful of specific subclasses.

The CLI maps each to a one-line message and an exit code; the API to problem+json.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "PowermapError",
    "NotFound",
    "AccountNotFound",
    "ContactNotFound",
    "TeamMemberNotFound",
    "OpportunityNotFound",
    "SnapshotNotFound",
    "ImportProblem",
    "ImportRejected",
    "StoreUnavailable",
    "StoreFull",
    "sqlite_failure",
]


class PowermapError(Exception):
    """Root of every error powermap raises on purpose."""

    exit_code = 1


class NotFound(PowermapError, LookupError):
    """A record asked for by id does not exist (or is outside the caller's reach)."""

    exit_code = 2
    kind = "record"

    def __init__(self, record_id: str):
        self.record_id = record_id
        super().__init__(f"no {self.kind} {record_id!r}")


class AccountNotFound(NotFound):
    kind = "account"


class ContactNotFound(NotFound):
    kind = "contact"


class TeamMemberNotFound(NotFound):
    kind = "team member"


class OpportunityNotFound(NotFound):
    kind = "opportunity"


class SnapshotNotFound(NotFound):
    kind = "snapshot"


@dataclass(frozen=True, order=True)
class ImportProblem:
    """One problem found while validating an import, precise to file, row and column.

    ``row`` is the 1-based row number as a spreadsheet program shows it (the header
    is row 1, so the first record is row 2); ``None`` when the problem concerns the
    whole file (a missing column, say).
    """

    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            where += f", column {self.column!r}"
        return f"{where}: {self.message}"

    def as_dict(self) -> dict:
        return {"file": self.file, "row": self.row, "column": self.column, "message": self.message}


class ImportRejected(PowermapError):
    """An import failed validation; nothing was written. ``problems`` lists every problem."""

    exit_code = 3

    def __init__(self, problems: list[ImportProblem]):
        self.problems = sorted(problems, key=lambda p: (p.file, p.row or 0, p.column or ""))
        n = len(self.problems)
        super().__init__(f"import rejected: {n} problem{'s' if n != 1 else ''}, nothing was written")


class StoreUnavailable(PowermapError):
    """The store cannot be opened or reached (bad path, server down, wrong password)."""

    exit_code = 4


class StoreFull(StoreUnavailable):
    """The store's disk is full: the write failed as a whole and nothing was written."""

    exit_code = 4


def sqlite_failure(err: Exception, what: str) -> PowermapError | None:
    """The powermap error an SQLite error stands for (``what`` names the file), or None.

    A full disk is :class:`StoreFull`; a database locked by another writer for longer
    than the wait, or a file that cannot be written, is :class:`StoreUnavailable`.
    """
    code = getattr(err, "sqlite_errorcode", None)
    if code is None:
        return None
    primary = code & 0xFF
    if primary == 13:  # SQLITE_FULL
        return StoreFull(f"the disk of {what} is full: nothing was written; free some space and try again")
    if primary in (5, 6):  # SQLITE_BUSY, SQLITE_LOCKED
        return StoreUnavailable(f"{what} is busy with another write that did not finish in time; try again")
    if primary in (8, 10):  # SQLITE_READONLY, SQLITE_IOERR
        return StoreUnavailable(f"cannot write {what}: {err}")
    return None

