"""Publishing the warehouse file analysts open, and rolling a publication back (DESIGN §2, §8).

The pipeline builds a private work file; publishing checkpoints and closes it, keeps a copy under
``<warehouse dir>/versions/``, then renames it onto the published path in one atomic step. An analyst who
holds the old file open (read-only or read-write) keeps reading the old inode; the next open sees the new
file; nobody ever sees a half-built state, and the run never waits on an analyst's lock."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb

from sources.files import atomic_copy, atomic_write_text

KEEP_VERSIONS = 5
CURRENT = "CURRENT"


def versions_dir(published: Path) -> Path:
    return published.parent / "versions"


def list_versions(published: Path) -> list[Path]:
    """Kept publications, oldest first."""
    return sorted(versions_dir(published).glob("xhs-*.duckdb"))


def current_version(published: Path) -> str | None:
    pointer = versions_dir(published) / CURRENT
    return pointer.read_text(encoding="utf-8").strip() if pointer.exists() else None


def close_work(con: duckdb.DuckDBPyConnection, alias: str) -> None:
    """Checkpoint and close the work database: it is then one complete file, ready to be checked and published."""
    con.execute("CHECKPOINT")
    con.execute("USE memory")
    con.execute(f"DETACH {alias}")
    con.close()


def publish(work: Path, published: Path, keep: int = KEEP_VERSIONS) -> Path:
    """Keep a version of the (closed) work database, then atomically replace the published file with it."""
    versions = versions_dir(published)
    versions.mkdir(parents=True, exist_ok=True)
    version = versions / f"xhs-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S%fZ')}.duckdb"
    atomic_copy(work, version)
    work.replace(published)
    _set_current(published, version.name)
    for old in list_versions(published)[:-keep]:
        old.unlink()
    return version


def rollback(published: Path, to: str | None = None) -> Path:
    """Put a kept version back as the published file (default: the one before the current publication)."""
    versions = list_versions(published)
    names = [v.name for v in versions]
    if to is None:
        current = current_version(published)
        index = names.index(current) if current in names else len(names)
        if index < 1:
            raise ValueError("no earlier publication to roll back to")
        to = names[index - 1]
    if to not in names:
        raise ValueError(f"no kept version {to!r}; kept: {', '.join(names) or 'none'}")
    atomic_copy(versions_dir(published) / to, published, overwrite=True)
    _set_current(published, to)
    return versions_dir(published) / to


def _set_current(published: Path, name: str) -> None:
    atomic_write_text(versions_dir(published) / CURRENT, name + "\n")
