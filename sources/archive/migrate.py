"""Upgrading an archive written before the state store (issue #13): each object then had a JSON sidecar
(``objects/ab/<sha>.json``) holding its deliveries and, mixed in, what happened to it. Its deliveries move into
the append-only manifest, and when each delivery was reported and when the file first loaded move into the state
store, so nothing recorded is lost; the sidecars are then renamed ``*.json.imported`` (kept, never read again)."""

from __future__ import annotations

import json
from pathlib import Path

from sources.archive.raw import RawArchive, connect_sqlite
from sources.archive.state import StateStore


def import_sidecars(archive: RawArchive, state: StateStore) -> int:
    """Import every old sidecar (none on a new archive); returns how many were imported."""
    sidecars = sorted(archive.objects.glob("*/*.json"))
    if not sidecars:
        return 0
    archive.all()  # creates the manifest's tables
    with connect_sqlite(archive.manifest) as manifest, connect_sqlite(state.path) as con:
        state.outcomes()  # creates the state store's tables
        for path in sidecars:
            old = json.loads(path.read_text(encoding="utf-8"))
            manifest.execute(
                "INSERT OR IGNORE INTO object VALUES (?, ?, ?, ?, ?)",
                [old["sha256"], old["size_bytes"], old["suffix"], old["source"], old["first_received_at"]],
            )
            for d in old["deliveries"]:
                manifest.execute(
                    "INSERT OR IGNORE INTO delivery VALUES (?, ?, ?, ?)",
                    [old["sha256"], d["landing_path"], d["name"], d["received_at"]],
                )
                if d.get("reported_at"):
                    con.execute(
                        "INSERT OR IGNORE INTO delivery_report VALUES (?, ?, ?, '', ?, NULL)",
                        [old["sha256"], d["landing_path"], old.get("status", "received"), d["reported_at"]],
                    )
            # the file is read again (no read key matches); its first load time is kept for the history
            con.execute(
                "INSERT OR IGNORE INTO file_outcome VALUES (?, ?, ?, ?, ?, NULL, NULL, '[]', '', ?, ?)",
                [
                    old["sha256"],
                    old["deliveries"][0]["name"],
                    old.get("detected_source") or old["source"],
                    old.get("status", "received"),
                    old.get("period"),
                    old.get("loaded_at"),
                    old["first_received_at"],
                ],
            )
    for path in sidecars:
        path.rename(Path(f"{path}.imported"))
    return len(sidecars)
