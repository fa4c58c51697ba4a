"""The files one listing of the landing folder holds are delivered at one moment (``RawArchive.take_in``): the
warehouse orders a value's sources by delivery time first, so a clock read per file let the second tick between
two files of one delivery, and the later one won over a finer figure delivered with it (a census count lost to a
table in thousands of the same year, ``tests/test_realworld.py``)."""

from __future__ import annotations

from itertools import count
from pathlib import Path

import pytest

import sources.archive.raw
from bench.workbooks import write
from sources.archive.landing import list_landing
from sources.archive.raw import RawArchive


@pytest.fixture
def ticking_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """A clock that moves on a second each time it is read."""
    seconds = count()
    monkeypatch.setattr(sources.archive.raw, "now_iso", lambda: f"2026-12-06T10:00:{next(seconds):02d}+00:00")


def deliver(landing: Path, name: str, figure: int) -> None:
    write(landing / "population" / name, [["Năm 2019"], ["Tỉnh", "Dân số"], ["Hà Nội", figure]])


def test_the_files_of_one_listing_are_delivered_at_one_moment(ticking_clock: None, tmp_path: Path) -> None:
    landing, archive = tmp_path / "landing", RawArchive(tmp_path / "raw")
    for i, name in enumerate(["a_census.xlsx", "b_thousands.xlsx", "c_other.xlsx"]):
        deliver(landing, name, 8053663 + i)
    archive.take_in(landing, list_landing(landing, 0))
    first = {o.name: o.deliveries[0].received_at for o in archive.all()}
    assert len(first) == 3 and len(set(first.values())) == 1, first

    deliver(landing, "d_later.xlsx", 8093900)  # a later listing: a later delivery
    archive.take_in(landing, list_landing(landing, 0))
    later = {o.name: o.deliveries[0].received_at for o in archive.all()}
    assert {k: v for k, v in later.items() if k != "d_later.xlsx"} == first  # the earlier deliveries keep their time
    assert later["d_later.xlsx"] > max(first.values())
