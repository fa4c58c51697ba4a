"""Checking the pipeline's records when they are opened (issue #17): the SQLite files (the archive's manifest,
the state store) and the cached reads (parquet). A damaged record is named with its path; what to do with it
(set aside, rebuild) is ``sources/archive/repair.py``'s."""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

_CHECKED: set[tuple[str, int, int]] = set()  # (path, inode, size) of files this process found sound


class CorruptStore(RuntimeError):
    """A SQLite record of the pipeline is damaged (truncated, overwritten, not a database)."""

    def __init__(self, path: Path, detail: str):
        self.path, self.detail = Path(path), " ".join(detail.split())
        super().__init__(
            f"damaged record / bản ghi bị hỏng: {self.path} ({self.detail}). `xhs run` sets it aside and rebuilds it; "
            f"`xhs doctor --repair` does the same / `xhs run` sẽ để riêng tệp này và dựng lại; hoặc chạy "
            f"`xhs doctor --repair`."
        )


def quick_check(con: sqlite3.Connection) -> str | None:
    """What ``PRAGMA quick_check`` found wrong, or None."""
    rows = [r[0] for r in con.execute("PRAGMA quick_check").fetchall()]
    return None if rows == ["ok"] else "; ".join(rows[:3])


def check_store_once(con: sqlite3.Connection, path: Path) -> None:
    """``quick_check`` the file the first time this process opens it (and again if it was replaced)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return
    key = (str(path), st.st_ino, st.st_size)
    if key in _CHECKED or st.st_size == 0:
        return
    problem = quick_check(con)
    if problem:
        raise CorruptStore(path, problem)
    _CHECKED.add(key)


def store_problem(path: Path) -> str | None:
    """What is wrong with the SQLite file ``path`` (None when it is sound or absent)."""
    if not path.exists():
        return None
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=60)
        try:
            return quick_check(con)
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        return str(exc)


def parquet_problem(path: Path) -> str | None:
    """What is wrong with a cached read (None when its footer and every row group can be read)."""
    import pyarrow as pa  # here, not at the top: ``xhs validate`` imports this module and reads no cached file
    import pyarrow.parquet as pq

    try:
        pq.ParquetFile(path).read()
    except FileNotFoundError:
        return "missing / không có"
    except (OSError, pa.ArrowException) as exc:
        return f"{type(exc).__name__}: {' '.join(str(exc).split())}"
    return None


PARQUET_MAGIC = b"PAR1"


def parquet_footer_ok(path: Path) -> bool:
    """Whether a cached read is whole as far as its ends tell: ``PAR1`` at both ends and a footer length that fits
    in the file (a truncated file loses its last bytes). Three small reads, not a parse of the footer: a run checks
    every cached read of a department (issue #28: 3,432 files at XL, 0.63 s with ``pyarrow``'s ``read_metadata``,
    0.03 s this way)."""
    try:
        with path.open("rb") as f:
            size = f.seek(0, os.SEEK_END)
            if size < 2 * len(PARQUET_MAGIC) + 4:
                return False
            f.seek(0)
            head = f.read(len(PARQUET_MAGIC))
            f.seek(-8, os.SEEK_END)
            tail = f.read(8)
    except OSError:
        return False
    footer = int.from_bytes(tail[:4], "little")
    return head == tail[4:] == PARQUET_MAGIC and footer + 2 * len(PARQUET_MAGIC) + 4 <= size


def set_aside(path: Path) -> Path:
    """Move a damaged file (and its SQLite journal files) beside itself as ``<name>.damaged-<time>``: kept,
    never deleted, never read again. Returns the new path."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = path.with_name(f"{path.name}.damaged-{stamp}")
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            side.replace(target.with_name(target.name + suffix))
    path.replace(target)
    _CHECKED.discard((str(path), 0, 0))
    return target
