"""A full disk (ENOSPC) or a failing one (EIO) at every place a run writes (issue #17): ``xhs run`` exits 2 with one
bilingual line naming the path and its device, the published file is as before (or is the complete new one, when
the fault came after the publication), nothing torn is left, and once the fault is gone the next run gives the
tables a run that never failed gives. The faults are injected into real in-process runs on sample workbooks by
patching the write helpers (a tmpfs needs root; these run anywhere)."""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
import sqlalchemy.exc

import sources.archive.raw
from pipelines.cli import main
from runtime.files import atomic_write
from tests.fault_helpers import fact_values, file_digest, file_statuses, misnamed_objects

pytestmark = pytest.mark.deployment  # make check leaves it out (tests/README.md)

FIRST = ("population/dan_so_bac_kan_2023.xlsx", "telecom/BC_vien_thong_BacKan_2022.xlsx")
LATER = ("telecom/so_lieu_thue_bao_bac_kan_2023.xlsx", "population/dan_so_son_la_2022.xlsx")
MESSAGES = {
    errno.ENOSPC: ("No space left on device", "database or disk is full", "disk full / hết dung lượng đĩa"),
    errno.EIO: ("Input/output error", "disk I/O error", "disk I/O error / lỗi đọc ghi đĩa"),
}


@pytest.fixture(scope="module")
def samples(sample_files: Path) -> Path:
    return sample_files  # written once per pytest run (tests/conftest.py); only copied from


def deliver(samples: Path, root: Path, names: tuple[str, ...]) -> None:
    for name in names:
        (root / "landing" / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(samples / name, root / "landing" / name)


def run(root: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    """``xhs run`` in this process (so that the patches reach it), every path inside ``root``."""
    for name, value in {
        "XHS_DATA": root / "data",
        "DAGSTER_HOME": root / ".dagster",
        "XHS_LANDING": root / "landing",
        "XHS_WAREHOUSE": root / "warehouse" / "xhs.duckdb",
        "XHS_LAKE": root / "lake",
    }.items():
        monkeypatch.setenv(name, str(value))
    # no progress lines (the error must be the one line on stderr), and the command's choice is undone afterwards
    monkeypatch.setenv("XHS_PROGRESS", "quiet")
    monkeypatch.setenv("XHS_PROGRESS_STARTED", "")
    return main(["run"])


@pytest.fixture(scope="module")
def published_first(samples: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A deployment that has published FIRST; each test copies it and delivers LATER."""
    root = tmp_path_factory.mktemp("first")
    deliver(samples, root, FIRST)
    with pytest.MonkeyPatch.context() as mp:
        assert run(root, mp) == 0
    return root


@pytest.fixture(scope="module")
def never_failed(samples: Path, published_first: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same deliveries, no fault: the published warehouse every faulted deployment must converge to."""
    root = tmp_path_factory.mktemp("never-failed")
    shutil.copytree(published_first, root, dirs_exist_ok=True)
    deliver(samples, root, LATER)
    with pytest.MonkeyPatch.context() as mp:
        assert run(root, mp) == 0
    return root / "warehouse" / "xhs.duckdb"


class FailingConnection:
    """A SQLite connection to a full (or failing) disk: reads work, writes fail as SQLite reports them."""

    def __init__(self, con: sqlite3.Connection, message: str):
        self._con, self._message = con, message

    def execute(self, sql: str, *args):
        if sql.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            raise sqlite3.OperationalError(self._message)
        return self._con.execute(sql, *args)

    def executemany(self, sql: str, *args):
        raise sqlite3.OperationalError(self._message)

    def __getattr__(self, name: str):
        return getattr(self._con, name)


def inject(site: str, kind: int, root: Path, mp: pytest.MonkeyPatch) -> None:
    """Make the writes of ``site`` fail with ``kind`` (after writing part of their bytes, where they write bytes)."""
    os_message, sqlite_message, _ = MESSAGES[kind]

    def write_part_then_fail(tmp: Path) -> None:
        tmp.write_bytes(b"PK\x03\x04 part of the bytes")
        raise OSError(kind, os_message, str(tmp))

    def failing_sqlite(name: Path) -> Callable[[Path], object]:
        real = sources.archive.raw.connect_sqlite

        def connect(path: Path):
            con = real(path)
            return FailingConnection(con, sqlite_message) if Path(path) == name else con

        return connect

    if site == "archive copy":
        # the archive copies a landing file from the descriptor it opened (sources/archive/landing.py)
        mp.setattr("sources.archive.landing.atomic_write", lambda dst, _, mode: atomic_write(dst, write_part_then_fail))
    elif site == "cached read":
        mp.setattr("sources.staging.stager.atomic_write", lambda path, write: atomic_write(path, write_part_then_fail))
    elif site == "manifest":
        mp.setattr("sources.archive.raw.connect_sqlite", failing_sqlite(root / "data" / "raw" / "manifest.sqlite"))
    elif site == "state store":
        mp.setattr("sources.archive.raw.connect_sqlite", failing_sqlite(root / "data" / "state.sqlite"))
    elif site == "work database":

        def build(con, inputs):
            raise duckdb.IOException(f'Could not write file "{root}/data/work/xhs-work.duckdb": {os_message}')

        mp.setattr("assets.warehouse.build", build)
    elif site == "dagster storage":

        def open_instance(home: Path):
            raise sqlalchemy.exc.OperationalError(
                'PRAGMA main.table_xinfo("runs")', {}, sqlite3.OperationalError(sqlite_message)
            )

        mp.setattr("pipelines.home.open_instance", open_instance)
    elif site == "report":
        mp.setattr("warehouse.report.atomic_write_text", lambda path, text: atomic_write(path, write_part_then_fail))
    elif site == "publish":
        real_link = os.link

        def link(src, dst, *args, **kwargs):  # the kept version is a second name of the published file
            if Path(dst).parent.name == "versions":
                raise OSError(kind, os_message, str(dst))
            return real_link(src, dst, *args, **kwargs)

        mp.setattr("warehouse.publish.os.link", link)
    else:
        raise AssertionError(site)


# where each site writes: the path the message must name
NAMED = {
    "archive copy": "data/raw/objects/",
    "cached read": "data/staging/",
    "manifest": "data/raw/manifest.sqlite",
    "state store": "data/state.sqlite",
    "work database": "data/work/xhs-work.duckdb",
    "dagster storage": ".dagster",
    "report": "data/reports/",
    "publish": "warehouse/versions/",
}
# In the order a run writes: each fault meets the deployment the faults before it left (files copied but not
# recorded, read but not recorded, built but not published...), and each must still be hit (exit 2).
CHAIN = [
    ("archive copy", errno.ENOSPC),
    ("archive copy", errno.EIO),
    ("manifest", errno.ENOSPC),
    ("dagster storage", errno.ENOSPC),
    ("cached read", errno.ENOSPC),
    ("state store", errno.ENOSPC),
    ("state store", errno.EIO),
    ("work database", errno.ENOSPC),
    ("work database", errno.EIO),
    ("publish", errno.ENOSPC),
    ("publish", errno.EIO),
    ("report", errno.ENOSPC),
]


def test_a_full_or_failing_disk_at_every_write_is_named_and_the_next_run_converges(
    samples: Path,
    published_first: Path,
    never_failed: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = tmp_path / "deployment"
    shutil.copytree(published_first, root)
    deliver(samples, root, LATER)
    published = root / "warehouse" / "xhs.duckdb"
    for site, kind in CHAIN:
        where = f"{site} {errno.errorcode[kind]}"
        before = file_digest(published)
        capsys.readouterr()
        with monkeypatch.context() as mp:
            inject(site, kind, root, mp)
            code = run(root, mp)
        err = capsys.readouterr().err.strip()
        assert code == 2, (where, err)
        assert len(err.splitlines()) == 1, (where, err)
        assert MESSAGES[kind][2] in err, (where, err)
        assert str(root / NAMED[site]) in err, (where, err)
        assert " on /" in err, (where, err)  # the device (mount point)
        # the published file is as before, or (a fault after the publication) the complete new one
        assert file_digest(published) == before or fact_values(published) == fact_values(never_failed), where
        assert not misnamed_objects(root / "data"), where
        assert not [p for p in root.rglob(".tmp-*")], f"{where}: a torn temporary file was left behind"

    assert run(root, monkeypatch) == 0, capsys.readouterr().err
    assert fact_values(published) == fact_values(never_failed)
    assert file_statuses(published) == file_statuses(never_failed)
