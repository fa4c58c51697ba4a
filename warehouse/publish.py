"""Publishing the warehouse file analysts open, and rolling a publication back (DESIGN §2, §8).

The pipeline builds a private work file; publishing checkpoints and closes it, keeps it under
``<warehouse dir>/versions/``, then renames it onto the published path in one atomic step. An analyst who
holds the old file open (read-only or read-write) keeps reading the old inode; the next open sees the new
file; nobody ever sees a half-built state, and the run never waits on an analyst's lock.

The kept version is a second name (a hard link) of the published file, not a copy (issue #28: the copy and fsync of the
1.1 GB XL warehouse were 3.2 s of one new file there). Nothing xhs runs writes into a published file: every build
writes a new one and renames it into place, and a rollback copies the kept version (a new file), so the kept
version stays what was published. Where the folder cannot hold a second name (a file system without hard links),
the version is copied as before.

The published file and its kept versions have a documented mode, group-readable for the analysts' group:
0640 by default (``XHS_WAREHOUSE_MODE``), in the group ``XHS_WAREHOUSE_GROUP`` when it is set (else the group of
the pipeline's account). Both are set on the work file before the rename, so the new file never appears with
another mode."""

from __future__ import annotations

import errno
import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from runtime.disk import writing
from runtime.files import PRIVATE_FILE, atomic_copy, atomic_write_text

KEEP_VERSIONS = 5
# what ``link`` raises where the file system or the mount cannot give a file a second name
NO_HARD_LINKS = {errno.EPERM, errno.EXDEV, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK, errno.ENOSYS}
CURRENT = "CURRENT"


@dataclass(frozen=True)
class WarehouseAccess:
    """Who may read the published warehouse: its file mode and (optionally) its group."""

    mode: int = PRIVATE_FILE
    group: str | None = None

    @classmethod
    def parse(cls, mode: str, group: str) -> WarehouseAccess:
        """``mode`` in octal (``0640``, ``0644``, ``0660``); no write, execute or special bit for others."""
        try:
            value = int(mode, 8)
        except ValueError:
            value = -1
        if not 0 <= value <= 0o777 or value & 0o111 or value & 0o002 or not value & 0o400:
            raise ValueError(
                f"XHS_WAREHOUSE_MODE={mode!r} không hợp lệ: cần số bát phân như 0640, chủ sở hữu đọc được, không "
                f"ai khác được ghi / is not a valid mode: give an octal mode such as 0640 (the default, readable "
                f"by the group) or 0644, readable by its owner, with no execute bit and no write for others"
            )
        return cls(value, group or None)

    def apply(self, path: Path) -> None:
        if self.group:
            try:
                shutil.chown(path, group=self.group)
            except (LookupError, PermissionError) as exc:
                raise ValueError(
                    f"không đặt được nhóm {self.group!r} cho {path} (XHS_WAREHOUSE_GROUP): nhóm phải tồn tại và tài "
                    f"khoản chạy xhs phải thuộc nhóm đó / cannot give {path} to group {self.group!r} "
                    f"(XHS_WAREHOUSE_GROUP): the group must exist and the account running xhs must belong to it "
                    f"({type(exc).__name__}: {exc})"
                ) from exc
        os.chmod(path, self.mode)


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


def publish(
    work: Path, published: Path, keep: int = KEEP_VERSIONS, access: WarehouseAccess = WarehouseAccess()
) -> Path:
    """Keep the (closed) work database as a version, then atomically replace the published file with it."""
    versions = versions_dir(published)
    versions.mkdir(parents=True, exist_ok=True)
    version = versions / f"xhs-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S%fZ')}.duckdb"
    access.apply(work)  # first: a group that cannot be set stops here, before anything is kept
    keep_version(work, version, access)
    work.replace(published)
    _set_current(published, version.name)
    for old in list_versions(published)[:-keep]:
        old.unlink()
    return version


def keep_version(work: Path, version: Path, access: WarehouseAccess = WarehouseAccess()) -> None:
    """``version`` as a second name of ``work`` (same bytes, same mode and group, no copy), else a copy of it."""
    try:
        with writing(version):
            os.link(work, version)
    except OSError as exc:
        if exc.errno not in NO_HARD_LINKS:
            raise
        atomic_copy(work, version, prepare=access.apply)


def rollback(published: Path, to: str | None = None, access: WarehouseAccess = WarehouseAccess()) -> Path:
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
    atomic_copy(versions_dir(published) / to, published, overwrite=True, prepare=access.apply)
    _set_current(published, to)
    return versions_dir(published) / to


def _set_current(published: Path, name: str) -> None:
    atomic_write_text(versions_dir(published) / CURRENT, name + "\n")
