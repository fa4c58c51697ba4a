"""Files read by several threads (``Stager.prefetch``, issue #28) give exactly what one thread gives: the same
outcomes, findings and cached values, validated in the same order; a stop asked for mid-way ends the reading
after the files already started. A crafted file read beside others by the shared intake worker:
``tests/test_hostile.py``."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from assets.helpers import RUN_HELPERS
from assets.raw import raw_files
from assets.settings import SettingError, XhsSettings
from assets.staging import staging_asset
from bench.workbooks import write
from expectations.files import check_together
from runtime.stopping import STOP, StopRequested
from sources.archive.raw import RawArchive
from sources.archive.state import StateStore
from sources.areas.paths import PathResolver
from sources.areas.units import registry
from sources.reading.reader import read_file
from sources.specs.model import load_specs
from sources.staging import stager as stager_module
from sources.staging.stager import Stager
from sources.staging.threads import READ_THREADS_ENV, automatic_read_threads, read_threads_from_env
from tests.pipeline_helpers import run_xhs


@pytest.fixture
def landing(sample_files: Path, tmp_path: Path) -> Path:
    """The samples, with a file that is not a workbook and a file of a department's folder that is another's."""
    landing = tmp_path / "landing"
    shutil.copytree(sample_files, landing)
    (landing / "telecom" / "hong.xlsx").write_bytes(b"PK\x03\x04 not a workbook")
    wrong = write(tmp_path / "wrong.xlsx", [["Năm 2023"], ["Đơn vị hành chính", "Số ca khám"], ["Ba Bể", 12]])
    shutil.copy(wrong, landing / "telecom" / "nham_phong.xlsx")
    return landing


def staged_with(landing: Path, root: Path, threads: int, monkeypatch: pytest.MonkeyPatch) -> tuple[dict, list, set]:
    """Every file of ``landing`` archived under ``root`` and read by ``prefetch`` with ``threads`` threads:
    (each file's outcome and values by sha256, the order the suites saw the files in, the reading threads)."""
    archive = RawArchive(root / "raw")
    archive.ingest(landing)
    objs = archive.all()
    readers: set[str] = set()

    def spied_read(*args, **kwargs):
        readers.add(threading.current_thread().name)
        return read_file(*args, **kwargs)

    monkeypatch.setattr(stager_module, "read_file", spied_read)
    seen: list[str] = []

    def spied_check(results):
        seen.extend(sha for _, sha in results)
        check_together(results)

    stager = Stager(archive, StateStore(root / "state.sqlite"), root / "staging", spied_check, threads=threads)
    assert stager.prefetch(objs) == {o.sha256 for o in objs}
    assert stager.reads == len(objs)
    outcomes = {}
    for o in objs:
        s = stager.stage(o)  # taken from the cache prefetch wrote: nothing is read again
        values = pl.read_parquet(s.values_path) if s.values_path else None
        findings = [(f.rule, f.severity, f.sheet, f.cell, f.message_en) for f in s.findings]
        outcomes[o.sha256] = (s.status, s.source, s.period, s.province_code, s.sheet, findings, values)
    assert stager.reads == len(objs)
    assert seen == [o.sha256 for o in objs]  # validated in the archive's order, as one thread does
    return outcomes, seen, readers


def test_three_threads_give_what_one_thread_gives(
    landing: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    one, order_one, readers_one = staged_with(landing, tmp_path / "one", 1, monkeypatch)
    three, order_three, readers_three = staged_with(landing, tmp_path / "three", 3, monkeypatch)
    assert len(readers_one) == 1 and len(readers_three) > 1
    assert sorted(order_one) == sorted(order_three) and one.keys() == three.keys()  # each in its archive's order
    statuses = {outcome[0] for outcome in one.values()}
    assert {"loaded", "unreadable", "quarantined"} <= statuses  # the odd files are among them
    for sha, (*meta, values) in one.items():
        *meta_three, values_three = three[sha]
        assert meta == meta_three, sha
        assert (values is None and values_three is None) or values.equals(values_three), sha


def test_a_stop_ends_the_reading_after_the_files_already_started(
    landing: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = RawArchive(tmp_path / "raw")
    archive.ingest(landing)
    objs = archive.all()
    calls: list[str] = []

    def stopping_read(*args, **kwargs):
        calls.append(kwargs["name"])
        if len(calls) == 3:
            STOP.set()  # what the signal handler of `xhs run` does
        return read_file(*args, **kwargs)

    monkeypatch.setattr(stager_module, "read_file", stopping_read)
    state = StateStore(tmp_path / "state.sqlite")
    stager = Stager(archive, state, tmp_path / "staging", check_together, threads=2)
    try:
        with pytest.raises(StopRequested):
            stager.prefetch(objs)
    finally:
        STOP.clear()
    assert 3 <= len(calls) <= 3 + 2 < len(objs)  # the files started (at most one per thread ahead) and no more
    assert state.outcomes() == {}  # nothing of the stopped batch recorded: the next run reads it again


def test_the_environment_sets_the_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(READ_THREADS_ENV, "3")
    assert read_threads_from_env() == 3
    assert XhsSettings.from_env().read_threads == 3  # what every staging step is given (the settings resource)
    monkeypatch.delenv(READ_THREADS_ENV)
    assert read_threads_from_env() == 0 and XhsSettings.from_env().read_threads == 0  # 0: automatic
    assert 2 <= automatic_read_threads() <= 4  # one more than the CPUs (a file parsed while another is read), at most 4
    for wrong in ("0", "two", "-1"):
        monkeypatch.setenv(READ_THREADS_ENV, wrong)
        with pytest.raises(ValueError, match="XHS_READ_THREADS"):
            read_threads_from_env()
        with pytest.raises(SettingError, match="số luồng"):
            XhsSettings.from_env()
    with pytest.raises(ValueError, match="greater than or equal to 0"):  # a run's config in the UI's launchpad
        XhsSettings(landing="l", data="d", warehouse="w", releases="r", read_threads=-1)
    with pytest.raises(ValueError, match="số luồng đọc"):
        Stager(RawArchive(Path("raw")), StateStore(Path("unused.sqlite")), Path("staging"), check_together, threads=-1)


def test_a_staging_step_reads_with_the_settings_threads(
    landing: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The threads come from the settings resource (``XHS_READ_THREADS`` when the definitions load, or a run's
    config in the UI), not from the environment of the step's process."""
    readers: set[str] = set()

    def spied_read(*args, **kwargs):
        readers.add(threading.current_thread().name)
        return read_file(*args, **kwargs)

    monkeypatch.setattr(stager_module, "read_file", spied_read)
    monkeypatch.setenv(READ_THREADS_ENV, "3")  # the step's environment says 3; its settings say 1
    settings = XhsSettings(
        landing=str(landing),
        data=str(tmp_path / "data"),
        warehouse=str(tmp_path / "w.duckdb"),
        releases=str(tmp_path / "releases"),
        lake=str(tmp_path / "lake"),
        settle_seconds=0,
        read_threads=1,
    )
    telecom = staging_asset(load_specs()["telecom"])
    # An instance of its own, current while the assets load and run: without it Dagster takes the current
    # definitions-state storage, which may be a storage of an instance an earlier test in this process let go
    # ("Attempted to resolve undefined DagsterInstance weakref", seen once in a full run).
    with dg.instance_for_test() as instance:
        resources = {"settings": settings, "run_helpers": RUN_HELPERS}
        done = dg.materialize([raw_files, telecom], resources=resources, instance=instance)
    assert done.success
    assert sum(o.status == "loaded" for o in StateStore(tmp_path / "data" / "state.sqlite").outcomes().values()) >= 2
    assert len(readers) == 1, readers


def test_the_definitions_refuse_a_wrong_setting(tmp_path: Path) -> None:
    """Dagster's code location (the UI, the daemon) does not load with a wrong ``XHS_READ_THREADS``: the error names
    it, where a run would otherwise have failed at its staging steps after their retries."""
    env = {**os.environ, READ_THREADS_ENV: "many", "DAGSTER_HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", "import pipelines.definitions"], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode != 0
    assert "SettingError: XHS_READ_THREADS='many'" in done.stderr and "số luồng" in done.stderr, done.stderr[-2000:]


def test_xhs_run_refuses_a_wrong_setting_before_the_run(sample_files: Path, tmp_path: Path) -> None:
    """Not a staging step failing after its retries (30 s and 60 s later): the command, at once, nothing archived."""
    shutil.copytree(sample_files / "telecom", tmp_path / "landing" / "telecom")
    done = run_xhs(tmp_path, "run", XHS_READ_THREADS="many")
    assert done.returncode == 2, done.stderr
    assert "XHS_READ_THREADS='many'" in done.stderr and "số luồng" in done.stderr, done.stderr
    assert not (tmp_path / "data" / "raw" / "manifest.sqlite").exists()


class EmptiedByAnotherThread(dict):
    """A memo that another reading thread empties (``_bound``, when full) right after each entry is added."""

    def __setitem__(self, key, value) -> None:
        super().__setitem__(key, value)
        self.clear()


def test_a_province_memo_emptied_meanwhile_still_gives_the_province() -> None:
    """The registry's memos are shared by the reading threads: a look-up must not read the memo twice (between the
    two, another thread may have emptied it: a KeyError, the file unreadable for no fault of its own)."""
    units = registry()
    vintage = units.vintages[-1]
    resolver = PathResolver(units, vintage, {})
    saved = units.province_memo
    units.province_memo = EmptiedByAnotherThread()
    try:
        found = resolver.province("Thành phố Hà Nội")
        again = resolver.province("Thành phố Hà Nội")
    finally:
        units.province_memo = saved
    assert found is not None and found.code == "01" and again is found
