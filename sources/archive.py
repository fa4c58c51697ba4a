"""The raw archive: an immutable, content-addressed copy of every delivered file (OWID-style snapshots).

    data/raw/objects/ab/ab12…ef.xlsx       the bytes, read-only, named by their sha256
    data/raw/objects/ab/ab12…ef.json       metadata beside it: size, source, every delivery, status
    data/raw/restricted/ab12…ef.xlsx       a file refused for person-level data, moved out of objects/
                                           (folder 0700, file 0400: readable by the pipeline's user only)

A file is identified by its bytes: the same bytes delivered again under another name are recorded as
another delivery of the same object and never loaded twice. Nothing here is ever deleted or overwritten;
the landing folder is only read.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sources.files import atomic_copy, atomic_write_text

ACCEPTED_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".csv"}


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


@dataclass
class Delivery:
    name: str  # original file name
    landing_path: str  # path relative to the landing folder
    received_at: str
    reported_at: str | None = None  # when a completed ``xhs run`` first reported this delivery's outcome


@dataclass
class ArchivedFile:
    sha256: str
    size_bytes: int
    suffix: str
    source: str | None  # from the landing sub-folder; None = detect from the headers
    first_received_at: str
    deliveries: list[Delivery] = field(default_factory=list)
    status: str = "received"  # received | loaded | quarantined | unreadable
    period: str | None = None
    detected_source: str | None = None
    loaded_at: str | None = None  # the first time its values entered the warehouse
    reader_fingerprint: str | None = None
    restricted: bool = False  # moved to the restricted quarantine (person-level data)

    @property
    def name(self) -> str:
        return self.deliveries[0].name


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class RawArchive:
    def __init__(self, root: Path):
        self.root = root
        self.objects = root / "objects"

    def object_path(self, sha: str, suffix: str) -> Path:
        return self.objects / sha[:2] / f"{sha}{suffix}"

    def restricted_path(self, sha: str, suffix: str) -> Path:
        return self.root / "restricted" / f"{sha}{suffix}"

    def stored_path(self, meta: ArchivedFile) -> Path:
        """Where the bytes of ``meta`` are now: the archive, or the restricted quarantine."""
        if meta.restricted:
            return self.restricted_path(meta.sha256, meta.suffix)
        return self.object_path(meta.sha256, meta.suffix)

    def restrict(self, meta: ArchivedFile) -> Path:
        """Move a file holding person-level data into ``raw/restricted/`` (folder 0700, file 0400). Its metadata
        (names, dates, status; never a value) stays beside the other objects. Nothing is deleted."""
        target = self.restricted_path(meta.sha256, meta.suffix)
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(target.parent, 0o700)
        source = self.object_path(meta.sha256, meta.suffix)
        if source.exists():
            os.replace(source, target)
        if target.exists():
            os.chmod(target, 0o400)
        meta.restricted = True
        self.save(meta)
        return target

    def meta_path(self, sha: str) -> Path:
        return self.objects / sha[:2] / f"{sha}.json"

    def get(self, sha: str) -> ArchivedFile | None:
        p = self.meta_path(sha)
        if not p.exists():
            return None
        data = json.loads(p.read_text(encoding="utf-8"))
        data["deliveries"] = [Delivery(**d) for d in data["deliveries"]]
        return ArchivedFile(**data)

    def save(self, meta: ArchivedFile) -> None:
        atomic_write_text(self.meta_path(meta.sha256), json.dumps(asdict(meta), ensure_ascii=False, indent=1))

    def all(self) -> list[ArchivedFile]:
        files = [self.get(p.stem) for p in sorted(self.objects.glob("*/*.json"))]
        return sorted((f for f in files if f), key=lambda f: (f.first_received_at, f.sha256))

    def ingest(self, landing: Path) -> tuple[list[ArchivedFile], list[ArchivedFile]]:
        """Archive every file under ``landing``. Returns (new objects, objects that got a new delivery)."""
        new, redelivered = [], []
        for path in sorted(p for p in landing.rglob("*") if p.is_file() and not p.name.startswith((".", "~$"))):
            if path.suffix.lower() not in ACCEPTED_SUFFIXES:
                continue
            rel = path.relative_to(landing).as_posix()
            sha = sha256_of(path)
            meta = self.get(sha)
            if meta and any(d.landing_path == rel for d in meta.deliveries):
                continue
            delivery = Delivery(name=path.name, landing_path=rel, received_at=now_iso())
            if meta:
                meta.deliveries.append(delivery)
                self.save(meta)
                redelivered.append(meta)
                continue
            target = self.object_path(sha, path.suffix.lower())
            atomic_copy(path, target, read_only=True)
            source = rel.split("/", 1)[0] if "/" in rel else None
            meta = ArchivedFile(sha, path.stat().st_size, path.suffix.lower(), source, delivery.received_at, [delivery])
            self.save(meta)
            new.append(meta)
        return new, redelivered
