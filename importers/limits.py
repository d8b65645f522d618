"""What an import may cost: limits on the files it reads, and the means to stop it.

A spreadsheet is compressed XML: a few kilobytes can declare a sheet of a million rows by
sixteen thousand columns (``A1:XFD1048576``) or expand to gigabytes of whitespace, and a
CSV header can name a million columns. Before a file is parsed, and while it is read,
these limits are checked; a file past one is refused with a problem that names the limit
(and the setting that raises it), and nothing is written.

================================  ==========================================  =============
limit                             what it bounds                              default
================================  ==========================================  =============
``max_part_bytes``                the unpacked size of one part of an .xlsx   256 MB
                                  (a sheet's XML, the shared strings)
``max_compression_ratio``         unpacked ÷ packed size of one .xlsx part    100
                                  (checked for parts over 1 MB unpacked)
``max_columns``                   columns of one sheet or CSV file            1,000
``max_cells``                     rows × columns read from one sheet or file  100,000,000
================================  ==========================================  =============

A sheet's declared dimensions are ignored: only the rows and cells it really holds are
read. The CLI and the API read the limits from ``POWERMAP_IMPORT_MAX_PART_BYTES``,
``POWERMAP_IMPORT_MAX_COMPRESSION_RATIO``, ``POWERMAP_IMPORT_MAX_COLUMNS`` and
``POWERMAP_IMPORT_MAX_CELLS``.

A running import can be stopped: :class:`Cancellation` (a deadline, a client that went
away, a server shutting down) is checked between rows, chunks, validation steps and write
batches; a stopped import raises :class:`ImportCancelled` and writes nothing. And it can be
watched: inside :func:`watching`, each stage (a file read, the rows checked, the write) is
told to a callback as it begins, for a progress display.
"""

from __future__ import annotations

import os
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, fields
from pathlib import Path

from graph.exceptions import ImportProblem, ImportRejected, PowermapError

__all__ = ["ImportLimits", "Cancellation", "ImportCancelled", "current_limits", "check_cancelled",
           "limits_in_force", "cancellable", "check_workbook_parts", "check_shape", "watching", "stage"]


@dataclass(frozen=True)
class ImportLimits:
    """Limits on what one import reads (see the module's table)."""

    max_part_bytes: int = 256 * 1024 * 1024
    max_compression_ratio: float = 100.0
    max_columns: int = 1_000
    max_cells: int = 100_000_000

    @classmethod
    def from_environment(cls) -> ImportLimits:
        """The limits, each overridden by ``POWERMAP_IMPORT_<NAME>`` when set."""
        given = {}
        for spec in fields(cls):
            text = os.environ.get(f"POWERMAP_IMPORT_{spec.name.upper()}")
            if text:
                kind = float if spec.type in ("float", float) else int
                try:
                    given[spec.name] = kind(text.replace("_", ""))
                except ValueError:
                    raise PowermapError(f"POWERMAP_IMPORT_{spec.name.upper()}={text!r} is not a number") from None
        return cls(**given)


class ImportCancelled(PowermapError):
    """The import was stopped (deadline, client gone, shutdown); nothing was written."""


class Cancellation:
    """A stop signal for one running import, with an optional deadline (seconds from now)."""

    def __init__(self, *, deadline: float | None = None):
        self._reason: str | None = None
        self._lock = threading.Lock()
        self._until = time.monotonic() + deadline if deadline else None
        self._deadline = deadline

    def cancel(self, reason: str) -> None:
        with self._lock:
            if self._reason is None:
                self._reason = reason

    @property
    def reason(self) -> str | None:
        if self._reason is None and self._until is not None and time.monotonic() > self._until:
            self.cancel(f"the import took longer than its deadline of {self._deadline:g} s")
        return self._reason

    def check(self) -> None:
        """Raise ImportCancelled when the import was stopped or its deadline has passed."""
        reason = self.reason
        if reason is not None:
            raise ImportCancelled(f"import stopped: {reason}; nothing was written")


_LIMITS: ContextVar[ImportLimits | None] = ContextVar("powermap_import_limits", default=None)
_CANCELLATION: ContextVar[Cancellation | None] = ContextVar("powermap_import_cancellation", default=None)


_WATCHER: ContextVar[Callable[[str], None] | None] = ContextVar("powermap_import_watcher", default=None)


def stage(text: str) -> None:
    """Tell whoever watches the import running in this context what it begins now
    (``reading contacts.csv``, ``checking 3,041,000 rows``, ``writing``)."""
    watcher = _WATCHER.get()
    if watcher is not None:
        watcher(text)


@contextmanager
def watching(watcher: Callable[[str], None]) -> Iterator[None]:
    """Run the block as an import whose stages are told to ``watcher``."""
    token = _WATCHER.set(watcher)
    try:
        yield
    finally:
        _WATCHER.reset(token)


def current_limits() -> ImportLimits:
    """The limits in force (:func:`limits_in_force`), else those of the environment."""
    return _LIMITS.get() or ImportLimits.from_environment()


def check_cancelled() -> None:
    """Raise ImportCancelled when the import running in this context was stopped."""
    cancellation = _CANCELLATION.get()
    if cancellation is not None:
        cancellation.check()


@contextmanager
def limits_in_force(limits: ImportLimits) -> Iterator[None]:
    token = _LIMITS.set(limits)
    try:
        yield
    finally:
        _LIMITS.reset(token)


@contextmanager
def cancellable(cancellation: Cancellation) -> Iterator[Cancellation]:
    """Run the block as an import that ``cancellation`` can stop."""
    token = _CANCELLATION.set(cancellation)
    try:
        yield cancellation
    finally:
        _CANCELLATION.reset(token)


_RATIO_FLOOR = 1024 * 1024  # small parts compress well without being bombs


def check_workbook_parts(path: Path, label: str) -> None:
    """Refuse an .xlsx whose parts unpack past the size or ratio limits, before it is opened.

    The sizes are the ones the archive declares; Python's zip reader never returns more
    than that and fails on a part whose data disagrees, so they bound what is read."""
    limits = current_limits()
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError) as err:
        raise ImportRejected([ImportProblem(label, None, None, f"not a readable .xlsx workbook: {err}")]) from err
    problems = []
    for part in parts:
        if part.file_size > limits.max_part_bytes:
            problems.append(f"part {part.filename} unpacks to {part.file_size:,} bytes, more than the limit of "
                            f"{limits.max_part_bytes:,} (POWERMAP_IMPORT_MAX_PART_BYTES)")
        elif part.file_size > _RATIO_FLOOR and part.file_size > limits.max_compression_ratio * max(
                part.compress_size, 1):
            problems.append(f"part {part.filename} unpacks {part.file_size / max(part.compress_size, 1):,.0f} "
                            f"times its packed size, more than the limit of {limits.max_compression_ratio:g} "
                            "(POWERMAP_IMPORT_MAX_COMPRESSION_RATIO): not a plain spreadsheet")
        if not problems:
            with zipfile.ZipFile(path) as archive:
                for part in parts:
                    if part.filename.endswith((".xml", ".rels")) and _declares_a_dtd(archive, part):
                        problems.append(f"part {part.filename} declares a DTD (<!DOCTYPE …>): a spreadsheet "
                                        "never does; entities could read local files or expand without bound")
    if problems:
        raise ImportRejected([ImportProblem(label, None, None, p) for p in problems])


class _Prolog(Exception):
    """The end of an XML part's prolog: the root element, a DTD, or a malformed start."""

    def __init__(self, dtd: bool):
        self.dtd = dtd


def _declares_a_dtd(archive: zipfile.ZipFile, part: zipfile.ZipInfo) -> bool:
    """Whether the part's prolog holds a ``<!DOCTYPE`` (the place for entity declarations:
    external ones that read files, nested ones that expand a billion times). Only the
    prolog is parsed, up to the root element's start tag."""
    import xml.parsers.expat

    def stop(dtd: bool):
        def handler(*_):
            raise _Prolog(dtd)
        return handler

    parser = xml.parsers.expat.ParserCreate()
    parser.StartDoctypeDeclHandler = stop(True)
    parser.StartElementHandler = stop(False)
    try:
        with archive.open(part) as stream:
            while chunk := stream.read(64 * 1024):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except _Prolog as end:
        return end.dtd
    except xml.parsers.expat.ExpatError:
        return False  # not well-formed: the reader reports it
    return False


def check_shape(label: str, *, columns: int, cells: int) -> None:
    """Refuse a sheet or file past the column or cell limits."""
    limits = current_limits()
    if columns > limits.max_columns:
        raise ImportRejected([ImportProblem(label, 1, None, (
            f"{columns:,} columns, more than the limit of {limits.max_columns:,} "
            "(POWERMAP_IMPORT_MAX_COLUMNS)"))])
    if cells > limits.max_cells:
        raise ImportRejected([ImportProblem(label, None, None, (
            f"more than {limits.max_cells:,} cells (rows × columns), the limit "
            "(POWERMAP_IMPORT_MAX_CELLS): import it in parts"))])
