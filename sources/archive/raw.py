"""The raw archive: an immutable, content-addressed copy of every delivered file (OWID-style snapshots).

    data/raw/objects/ab/ab12…ef.xlsx       the bytes, read-only (0440), named by their sha256
    data/raw/manifest.sqlite               every object (size, suffix, landing folder) and every delivery
                                           (name, path in the landing folder, when): rows are only ever added
    data/raw/restricted/ab12…ef.xlsx       a file refused for person-level data, moved out of objects/
                                           (folder 0700, file 0400: readable by the pipeline's user only)

The archive holds bytes and deliveries only. What happened to a file (its department, period, status,
findings) is not archive but state: ``sources/archive/state.py``.

A file is identified by its bytes: the same bytes delivered again under another name are recorded as
another delivery of the same object and never loaded twice. Nothing here is ever deleted or overwritten
(the manifest's triggers refuse an UPDATE or DELETE); the landing folder is only read, and only as
``sources/archive/landing.py`` lists and opens it (no link followed, no special file read, settled uploads only).
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from runtime.disk import kind_of, writing
from runtime.files import READ_ONLY_FILE
from sources.archive.integrity import CorruptStore, check_store_once
from sources.archive.landing import (
    ACCEPTED_SUFFIXES,
    ChangedSinceListing,
    LandingFile,
    LandingRefused,
    Listing,
    OpenedFile,
    Refusal,
    is_delivery,
    list_landing,
    open_file,
)

__all__ = ["ACCEPTED_SUFFIXES", "ArchivedObject", "Delivery", "Intake", "RawArchive", "is_delivery"]

# RawArchive.all's last read of each manifest in this process, with the manifest's and its WAL's (size, mtime, inode)
_ALL: dict[Path, tuple[tuple, list[ArchivedObject]]] = {}


def _state(path: Path) -> tuple[int, int, int]:
    st = path.stat()
    return (st.st_size, st.st_mtime_ns, st.st_ino)


MANIFEST_SCHEMA = """
CREATE TABLE IF NOT EXISTS object (
    sha256 TEXT PRIMARY KEY, size_bytes INTEGER NOT NULL, suffix TEXT NOT NULL,
    source TEXT,                       -- the landing sub-folder; NULL = detect the department from the headers
    first_received_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS delivery (
    sha256 TEXT NOT NULL REFERENCES object (sha256), landing_path TEXT NOT NULL, name TEXT NOT NULL,
    received_at TEXT NOT NULL, PRIMARY KEY (sha256, landing_path));
-- A cache, not the record: the bytes each landing path held when it was last archived (by size and modification
-- time), so that a file already archived is not hashed again on every run. Rows are replaced; losing it costs time.
CREATE TABLE IF NOT EXISTS landing_file (
    landing_path TEXT PRIMARY KEY, size_bytes INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, sha256 TEXT NOT NULL);
CREATE TRIGGER IF NOT EXISTS object_no_update BEFORE UPDATE ON object
    BEGIN SELECT RAISE(ABORT, 'the raw archive is append-only'); END;
CREATE TRIGGER IF NOT EXISTS object_no_delete BEFORE DELETE ON object
    BEGIN SELECT RAISE(ABORT, 'the raw archive is append-only'); END;
CREATE TRIGGER IF NOT EXISTS delivery_no_update BEFORE UPDATE ON delivery
    BEGIN SELECT RAISE(ABORT, 'the raw archive is append-only'); END;
CREATE TRIGGER IF NOT EXISTS delivery_no_delete BEFORE DELETE ON delivery
    BEGIN SELECT RAISE(ABORT, 'the raw archive is append-only'); END;
"""


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def connect_sqlite(path: Path) -> sqlite3.Connection:
    """A connection that waits for another process's write (two runs at once, parallel steps) instead of
    failing, in WAL mode so readers never block the writer. The file is checked (``PRAGMA quick_check``) the
    first time this process opens it: a damaged one raises ``CorruptStore`` naming it."""
    with writing(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(path, timeout=60, isolation_level=None)
        try:
            con.execute("PRAGMA busy_timeout=60000")
            con.execute("PRAGMA journal_mode=WAL")
            check_store_once(con, path)
        except sqlite3.DatabaseError as exc:
            con.close()
            if kind_of(exc) is not None:
                raise
            raise CorruptStore(path, str(exc)) from exc
        except BaseException:
            con.close()
            raise
    return con


@contextmanager
def open_store(path: Path, schema: str) -> Iterator[sqlite3.Connection]:
    """A checked connection to the SQLite file ``path`` with its tables, closed after use; a full or failing
    disk raises ``DiskError`` naming the file."""
    con = connect_sqlite(path)
    try:
        with writing(path):
            con.executescript(schema)
            yield con
    finally:
        con.close()


@dataclass(frozen=True)
class Delivery:
    name: str  # original file name
    landing_path: str  # path relative to the landing folder
    received_at: str


@dataclass(frozen=True)
class ArchivedObject:
    sha256: str
    size_bytes: int
    suffix: str
    source: str | None  # from the landing sub-folder; None = detect from the headers
    first_received_at: str
    deliveries: tuple[Delivery, ...] = field(default=())

    @property
    def name(self) -> str:
        return self.deliveries[0].name


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def sha256_of_opened(opened: OpenedFile) -> str:
    """The sha256 of a landing file opened by ``sources.archive.landing.open_file`` (from its descriptor)."""
    return opened.sha256()


@dataclass
class Intake:
    """What archiving a listing of the landing folder did: new objects, objects with a new delivery, files
    refused at the open (a link or special file swapped in since the listing) and files left for a later run
    (changed since the listing, or while they were being copied)."""

    new: list[ArchivedObject] = field(default_factory=list)
    redelivered: list[ArchivedObject] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)


class RawArchive:
    def __init__(self, root: Path):
        self.root = root
        self.objects = root / "objects"
        self.manifest = root / "manifest.sqlite"

    def _connect(self) -> AbstractContextManager[sqlite3.Connection]:
        return open_store(self.manifest, MANIFEST_SCHEMA)

    def object_path(self, sha: str, suffix: str) -> Path:
        return self.objects / sha[:2] / f"{sha}{suffix}"

    def restricted_path(self, sha: str, suffix: str) -> Path:
        return self.root / "restricted" / f"{sha}{suffix}"

    def stored_path(self, obj: ArchivedObject) -> Path:
        """Where the bytes of ``obj`` are now: the archive, or the restricted quarantine."""
        restricted = self.restricted_path(obj.sha256, obj.suffix)
        return restricted if restricted.exists() else self.object_path(obj.sha256, obj.suffix)

    def restrict(self, obj: ArchivedObject) -> Path:
        """Move a file holding person-level data into ``raw/restricted/`` (folder 0700, file 0400). Its
        deliveries (names, dates; never a value) stay in the manifest. Nothing is deleted."""
        target = self.restricted_path(obj.sha256, obj.suffix)
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(target.parent, 0o700)
        source = self.object_path(obj.sha256, obj.suffix)
        if source.exists():
            os.replace(source, target)
        if target.exists():
            os.chmod(target, 0o400)
        return target

    def all(self) -> list[ArchivedObject]:
        """Every archived object with its deliveries, oldest first: one query, or none when the manifest (and its
        write-ahead log) are unchanged since this process last read it (the steps of an in-process run)."""
        if not self.manifest.exists():
            return []
        wal = self.manifest.with_name(self.manifest.name + "-wal")
        stamp = (_state(self.manifest), _state(wal) if wal.exists() else None)
        cached = _ALL.get(self.manifest)
        if cached and cached[0] == stamp:
            return list(cached[1])
        objects = self._read_all()
        _ALL[self.manifest] = (stamp, objects)
        return list(objects)

    def _read_all(self) -> list[ArchivedObject]:
        with self._connect() as con:
            objects = con.execute(
                "SELECT sha256, size_bytes, suffix, source, first_received_at FROM object "
                "ORDER BY first_received_at, sha256"
            ).fetchall()
            deliveries: dict[str, list[Delivery]] = {}
            for sha, name, landing_path, received_at in con.execute(
                "SELECT sha256, name, landing_path, received_at FROM delivery ORDER BY received_at, rowid"
            ):
                deliveries.setdefault(sha, []).append(Delivery(name, landing_path, received_at))
        return [
            ArchivedObject(sha, size, suffix, source, first, tuple(deliveries.get(sha, ())))
            for sha, size, suffix, source, first in objects
        ]

    def ingest(self, landing: Path) -> tuple[list[ArchivedObject], list[ArchivedObject]]:
        """Archive every settled delivery under ``landing`` (no settling time): (new objects, objects that got a
        new delivery)."""
        done = self.take_in(landing, list_landing(landing))
        return done.new, done.redelivered

    def take_in(self, landing: Path, listing: Listing) -> Intake:
        """Archive the deliveries of ``listing`` (``sources.archive.landing.list_landing``). Each file is opened
        as listed, without following a link (``open_file``), hashed, and copied while its bytes are hashed again:
        a file that changed meanwhile is not archived (``Intake.changed``, read next time), a link or special
        file swapped in since the listing is refused (``Intake.refused``). The bytes are copied (atomically)
        before their manifest row is written, so a manifest row always names complete bytes; bytes without a row
        (a run killed in between) are copied again next time. A file whose path, size and modification time are
        those it had when it was last archived is not hashed again (``landing_file``); a file rewritten in place
        gets a new modification time and is."""
        done = Intake()
        if not listing.files:
            return done
        new: list[str] = []
        redelivered: list[str] = []
        # One moment for every delivery this listing holds: they were delivered together. A clock read per file let
        # the second tick between two of them, and the later one then won over a finer figure delivered with it
        # (the warehouse orders a value's sources by delivery time first; a census count lost to a table in
        # thousands of the same year in a run of the real corpus, tests/test_realworld.py).
        received = now_iso()
        with self._connect() as con:
            known = {(sha, lp) for sha, lp in con.execute("SELECT sha256, landing_path FROM delivery")}
            stored = {sha for (sha,) in con.execute("SELECT sha256 FROM object")}
            seen = {lp: (size, mtime, sha) for lp, size, mtime, sha in con.execute("SELECT * FROM landing_file")}
            remember: list[tuple[str, int, int, str]] = []
            held = self.held_objects() if seen else {}  # the objects there are, listed once (not a stat per file)
            for f in listing.files:
                rel = f.path
                suffix = os.path.splitext(f.name)[1].lower()
                cached = seen.get(rel)
                same = cached is not None and cached[:2] == (f.size, f.mtime_ns) and (cached[2], rel) in known
                try:
                    kept = held.get(cached[2]) if cached and same else None
                    known_sha = cached[2] if cached and kept and kept[1] == cached[2] + suffix else None
                    sha = self._archive_bytes(landing, f, suffix, known_sha)
                except LandingRefused as exc:
                    done.refused.append(exc.refusal)
                    continue
                except (ChangedSinceListing, FileNotFoundError):
                    done.changed.append(rel)
                    continue
                if cached != (f.size, f.mtime_ns, sha):
                    remember.append((rel, f.size, f.mtime_ns, sha))
                if (sha, rel) in known:
                    continue
                if sha not in stored:
                    source = rel.split("/", 1)[0] if "/" in rel else None
                    con.execute(
                        "INSERT OR IGNORE INTO object VALUES (?, ?, ?, ?, ?)", [sha, f.size, suffix, source, received]
                    )
                    stored.add(sha)
                    is_new = True
                else:
                    is_new = False
                con.execute("INSERT OR IGNORE INTO delivery VALUES (?, ?, ?, ?)", [sha, rel, f.name, received])
                known.add((sha, rel))
                (new if is_new else redelivered).append(sha)
            if remember:  # after the deliveries they name are recorded; one transaction
                con.execute("BEGIN")
                con.executemany("INSERT OR REPLACE INTO landing_file VALUES (?, ?, ?, ?)", remember)
                con.execute("COMMIT")
        _ALL.pop(self.manifest, None)  # written by this process: read again
        by_sha = {o.sha256: o for o in self.all()}
        done.new = [by_sha[s] for s in new]
        done.redelivered = [by_sha[s] for s in dict.fromkeys(redelivered)]
        return done

    def _archive_bytes(self, landing: Path, f: LandingFile, suffix: str, cached: str | None) -> str:
        """The sha256 of the listed file ``f``, its bytes copied into the archive unless they are there already.
        ``cached``: its sha256 when it was archived before in this very state (path, size, modification time) and
        its object is held (not missing: never copied, or set aside as damaged by ``xhs doctor --repair``): then it
        is not opened again."""
        if cached is not None:
            return cached
        with open_file(landing, f.path, expected=f) as opened:
            sha = sha256_of_opened(opened)
            if not self._holds(sha, suffix):
                opened.copy_to(self.object_path(sha, suffix), sha, READ_ONLY_FILE)  # hashed again as it is copied
            elif not opened.unchanged():  # hashed while it was being written
                raise ChangedSinceListing(f.path)
        return sha

    def held_objects(self) -> dict[str, tuple[Path, str]]:
        """sha256 -> (folder, file name) of every object held, ordinary then restricted (a restricted copy wins),
        without temporary files or sidecars: one listing of the folders, no stat per file (``os.scandir``; at size
        XL a stat per landing file took 0.26 s of every run, issue #28)."""
        found: dict[str, tuple[Path, str]] = {}
        for folder in [*(self.objects.iterdir() if self.objects.is_dir() else []), self.root / "restricted"]:
            if not folder.is_dir():
                continue
            with os.scandir(folder) as entries:
                for entry in entries:
                    if entry.is_file() and not entry.name.startswith(".") and ".json" not in entry.name:
                        found[entry.name.split(".")[0]] = (folder, entry.name)
        return found

    def _holds(self, sha: str | None, suffix: str) -> bool:
        return sha is not None and (
            self.object_path(sha, suffix).exists() or self.restricted_path(sha, suffix).exists()
        )
