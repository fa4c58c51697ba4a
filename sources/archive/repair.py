"""Mending damaged records (issue #17). Nothing is deleted: a damaged SQLite file is set aside beside itself
(``<name>.damaged-<time>``) and rebuilt; an archived object whose bytes no longer hash to its name is moved to
``data/raw/damaged/`` (the next run copies it again from the landing folder when the file is still there).

    manifest      rebuilt from the objects folder (each object hashed) and the published warehouse's
                  ``meta_file`` (each delivery's name, landing path, time received); an object the warehouse
                  does not know yet gets its row again when the next run finds its file in the landing folder
    state store   rebuilt from the warehouse's ``meta_file`` (when each file first loaded, which deliveries were
                  reported); each file's outcome is then read again from its archived bytes by the next run
    cached reads  a truncated one is read again from the archive by the next run (``Stager.is_cached``)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from sources.archive.integrity import set_aside, store_problem
from sources.archive.raw import MANIFEST_SCHEMA, RawArchive, now_iso, open_store, sha256_of
from sources.archive.state import STATE_SCHEMA, StateStore


@dataclass(frozen=True)
class Mended:
    path: Path
    what_en: str
    what_vi: str

    def line(self) -> str:
        return f"{self.path}: {self.what_en} / {self.what_vi}"


def delivered_files(warehouse: Path) -> list[tuple]:
    """(sha256, name, landing path, received at, status, loaded at) of every delivery in the published
    warehouse's ``meta_file``; none when it is missing or unreadable."""
    if not warehouse.exists():
        return []
    try:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            return con.execute(
                "SELECT sha256, original_name, landing_path, received_at, status, loaded_at "
                "FROM meta_file ORDER BY received_at, landing_path"
            ).fetchall()
    except duckdb.Error:
        return []


def _iso(value: datetime | None) -> str | None:
    return value.replace(tzinfo=UTC).isoformat() if value else None


def archived_objects(archive: RawArchive) -> dict[str, Path]:
    """sha256 -> path of every object file (ordinary and restricted), without temporary files."""
    return {sha: folder / name for sha, (folder, name) in archive.held_objects().items()}


def set_aside_object(archive: RawArchive, path: Path) -> Path:
    """Move an object whose bytes do not hash to its name into ``raw/damaged/``."""
    target = archive.root / "damaged" / f"{path.name}.{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}"
    target.parent.mkdir(parents=True, exist_ok=True)
    path.replace(target)
    return target


def rebuild_manifest(archive: RawArchive, warehouse: Path) -> list[Mended]:
    """A new manifest from the objects folder and ``meta_file`` (the damaged one must have been set aside)."""
    mended = []
    deliveries: dict[str, list[tuple]] = {}
    for row in delivered_files(warehouse):
        deliveries.setdefault(row[0], []).append(row)
    with open_store(archive.manifest, MANIFEST_SCHEMA) as con:
        for sha, path in sorted(archived_objects(archive).items()):
            if sha256_of(path) != sha:
                aside = set_aside_object(archive, path)
                mended.append(
                    Mended(
                        path,
                        f"bytes do not match their name: moved to {aside}",
                        f"nội dung không khớp tên: đã chuyển sang {aside}",
                    )
                )
                continue
            rows = deliveries.get(sha)
            if not rows:  # unknown to the warehouse: the next run records it from the landing folder
                continue
            first = rows[0]
            source = first[2].split("/", 1)[0] if "/" in first[2] else None
            con.execute(
                "INSERT OR IGNORE INTO object VALUES (?, ?, ?, ?, ?)",
                [sha, path.stat().st_size, "." + path.name.split(".", 1)[1], source, _iso(first[3])],
            )
            for _, name, landing_path, received_at, _, _ in rows:
                con.execute(
                    "INSERT OR IGNORE INTO delivery VALUES (?, ?, ?, ?)", [sha, landing_path, name, _iso(received_at)]
                )
    return mended


def rebuild_state(state: StateStore, warehouse: Path) -> None:
    """A new state store from ``meta_file`` (the damaged one must have been set aside): first load times and
    reported deliveries. Outcomes carry no read key, so the next run reads every file again."""
    with open_store(state.path, STATE_SCHEMA) as con:
        for sha, name, landing_path, _received, status, loaded_at in delivered_files(warehouse):
            if status != "duplicate":
                con.execute(
                    "INSERT OR IGNORE INTO file_outcome VALUES (?, ?, NULL, ?, NULL, NULL, NULL, '[]', '', ?, ?)",
                    [sha, name, status, _iso(loaded_at), now_iso()],
                )
            con.execute(
                "INSERT OR IGNORE INTO delivery_report VALUES (?, ?, ?, '', ?, NULL)",
                [sha, landing_path, status, now_iso()],
            )


def mend_stores(archive: RawArchive, state: StateStore, warehouse: Path) -> list[Mended]:
    """Check the manifest and the state store; set aside and rebuild a damaged one. Returns what was done."""
    mended = []
    for path in (archive.manifest, state.path):
        problem = store_problem(path)
        if problem is None:
            continue
        aside = set_aside(path)
        mended.append(
            Mended(
                path,
                f"damaged ({problem}): set aside as {aside.name} and rebuilt",
                f"bị hỏng ({problem}): đã để riêng thành {aside.name} và dựng lại",
            )
        )
        if path == archive.manifest:
            mended += rebuild_manifest(archive, warehouse)
        else:
            rebuild_state(state, warehouse)
    return mended
