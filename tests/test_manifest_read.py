"""``RawArchive.all`` after a write reads only the rows added since its last read (issue #28): the objects and
deliveries it gives are exactly those of a whole read, in the same order; a manifest replaced in place is read
whole again."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import sources.archive.raw
from bench.workbooks import write
from sources.archive.landing import list_landing
from sources.archive.raw import RawArchive


def deliver(landing: Path, path: str, figure: int) -> None:
    write(landing / path, [["Năm 2019"], ["Tỉnh", "Dân số"], ["Hà Nội", figure]])


def whole_read(archive: RawArchive) -> list:
    """What a process that never read the manifest gets."""
    sources.archive.raw._ALL.clear()
    return archive.all()


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The delivery time, set by the test: deliveries of one moment are ordered by when they were written."""
    now = ["2026-12-07T01:00:00+00:00"]
    monkeypatch.setattr(sources.archive.raw, "now_iso", lambda: now[0])
    return now


def test_rows_added_since_the_last_read_are_read_alone(
    clock: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    landing, archive = tmp_path / "landing", RawArchive(tmp_path / "raw")
    deliver(landing, "population/b.xlsx", 1)
    deliver(landing, "population/a.xlsx", 2)
    archive.take_in(landing, list_landing(landing, 0))
    assert [o.name for o in archive.all()] == [o.name for o in whole_read(archive)]

    reads: list[str] = []
    real = RawArchive._read_all
    monkeypatch.setattr(RawArchive, "_read_all", lambda self: reads.append("whole") or real(self))
    # new objects at the same moment and later, the same bytes delivered again under another name (a new
    # delivery of an object read before) and at the top of the folder
    clock[0] = "2026-12-07T02:00:00+00:00"
    deliver(landing, "population/c.xlsx", 3)
    shutil.copy(landing / "population" / "a.xlsx", landing / "population" / "a_again.xlsx")
    archive.take_in(landing, list_landing(landing, 0))
    clock[0] = "2026-12-07T01:00:00+00:00"  # a clock set back: an object older than the newest
    deliver(landing, "d.xlsx", 4)
    shutil.copy(landing / "population" / "b.xlsx", landing / "b_again.xlsx")
    archive.take_in(landing, list_landing(landing, 0))
    added = archive.all()
    assert reads == []  # read from the rows added, never whole
    whole = whole_read(archive)
    assert added == whole
    assert {o.name: [d.landing_path for d in o.deliveries] for o in added}["a.xlsx"] == [
        "population/a.xlsx",
        "population/a_again.xlsx",
    ]
    assert len(added) == 4 and sum(len(o.deliveries) for o in added) == 6


def test_a_manifest_replaced_in_place_is_read_whole(clock: list[str], tmp_path: Path) -> None:
    landing, archive = tmp_path / "landing", RawArchive(tmp_path / "raw")
    deliver(landing, "population/a.xlsx", 1)
    archive.take_in(landing, list_landing(landing, 0))
    archive.all()
    with archive._connect() as con:  # everything in the manifest file itself, then a copy of it as it is now
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    earlier = archive.manifest.read_bytes()
    deliver(landing, "population/b.xlsx", 2)
    archive.take_in(landing, list_landing(landing, 0))
    assert len(archive.all()) == 2
    with archive._connect() as con:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    inode = archive.manifest.stat().st_ino
    with archive.manifest.open("r+b") as f:  # a backup restored over it: same file, fewer rows
        f.write(earlier)
        f.truncate()
    assert archive.manifest.stat().st_ino == inode
    assert [o.name for o in archive.all()] == ["a.xlsx"] == [o.name for o in whole_read(archive)]
