"""Disk full (ENOSPC) and I/O errors (EIO), named precisely (issue #17).

Every write of the pipeline (archive copy, cached reads, state store, manifest, work database, report,
publication) runs inside ``writing(path)``: an error that means the disk is full or failing becomes a
``DiskError`` naming the path, the device (mount point) it is on, and what to do, in Vietnamese and English.
SQLite and DuckDB report these in their own words (``database or disk is full``, ``disk I/O error``,
``No space left on device``); ``classify`` knows them too, for errors raised outside a ``writing`` block.
"""

from __future__ import annotations

import errno
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

FULL_WORDS = ("no space left on device", "database or disk is full", "disk full", "errno 28", "enospc")
IO_WORDS = ("disk i/o error", "input/output error", "errno 5]")


def mount_point(path: Path) -> Path:
    """The mount point of the device holding ``path`` (or the nearest existing parent of it)."""
    p = Path(os.path.abspath(path))
    while not p.exists() and p != p.parent:
        p = p.parent
    while not os.path.ismount(p):
        p = p.parent
    return p


class DiskError(OSError):
    """The disk holding ``path`` is full (ENOSPC) or failing (EIO)."""

    def __init__(self, kind: int, path: Path, detail: str):
        self.kind, self.path, self.device, self.detail = kind, Path(path), mount_point(path), detail
        super().__init__(kind, self.message())

    def message(self) -> str:
        if self.kind == errno.ENOSPC:
            return (
                f"disk full / hết dung lượng đĩa: writing {self.path} on {self.device} failed ({self.detail}). "
                f"Free space on {self.device} (df -h {self.device}), then run `xhs run` again: it goes on "
                f"where it stopped / Hãy giải phóng dung lượng trên {self.device} rồi chạy lại `xhs run`."
            )
        return (
            f"disk I/O error / lỗi đọc ghi đĩa: {self.path} on {self.device} ({self.detail}). Check the device "
            f"(dmesg, smartctl), then run `xhs doctor` and `xhs run` again / Hãy kiểm tra thiết bị "
            f"{self.device}, chạy `xhs doctor` rồi chạy lại `xhs run`."
        )

    def __str__(self) -> str:
        return self.message()

    def __reduce__(self):  # the same error in another process (the expectations process, issue #28)
        return (DiskError, (self.kind, self.path, self.detail))


def kind_of(exc: BaseException) -> int | None:
    """errno.ENOSPC or errno.EIO when ``exc`` (or what caused it) means a full or failing disk."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, DiskError):
            return current.kind
        if isinstance(current, OSError) and current.errno in (errno.ENOSPC, errno.EDQUOT):
            return errno.ENOSPC
        if isinstance(current, OSError) and current.errno == errno.EIO:
            return errno.EIO
        text = str(current).lower()
        # DuckDB 2.0's exceptions live in its extension module ``_duckdb`` (``_duckdb.IOException``)
        if isinstance(current, (sqlite3.Error, OSError)) or type(current).__module__.startswith(
            ("duckdb", "_duckdb", "sqlalchemy", "polars")
        ):
            if any(w in text for w in FULL_WORDS):
                return errno.ENOSPC
            if any(w in text for w in IO_WORDS):
                return errno.EIO
        current = current.__cause__ or current.__context__
    return None


def classify(exc: BaseException, path: Path) -> DiskError | None:
    """``exc`` as a ``DiskError`` on ``path`` (the file's own name when the error carries one), or None."""
    if isinstance(exc, DiskError):
        return exc
    kind = kind_of(exc)
    if kind is None:
        return None
    named = getattr(exc, "filename", None)
    return DiskError(kind, Path(named) if named else path, " ".join(str(exc).split()) or os.strerror(kind))


def classify_text(text: str) -> int | None:
    """The kind of disk error a step failure's message describes (errors come back from Dagster as text)."""
    lowered = text.lower()
    if any(w in lowered for w in FULL_WORDS):
        return errno.ENOSPC
    if any(w in lowered for w in IO_WORDS):
        return errno.EIO
    return None


@contextmanager
def writing(path: Path) -> Iterator[None]:
    """Writes to ``path``: a full or failing disk raises ``DiskError`` naming it."""
    try:
        yield
    except DiskError:
        raise
    except Exception as exc:
        error = classify(exc, path)
        if error is None:
            raise
        raise error from exc
