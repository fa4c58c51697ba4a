"""The expectations process (issue #28): Great Expectations imported in a second process while a command starts,
the suites run there with the same outcome as in the command's own process, and the process gone with the
command."""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import pickle
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import polars as pl
import pytest

from bench.corpus import CASES
from expectations import service
from expectations.engine import ArrowFrame
from expectations.runner import prepare, run_suite, suite_here
from runtime.disk import DiskError
from runtime.helper import PACKAGE_ROOT, Unavailable, portable
from tests.pipeline_helpers import query, run_xhs
from tests.test_expectations import KNOWN, valid_frame
from warehouse.lake import lake_row_counts


def gone(pid: int, within: float = 15.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        try:  # our own child: reaped once it ends
            if os.waitpid(pid, os.WNOHANG)[0] == pid:
                return True
        except ChildProcessError:
            pass
        time.sleep(0.05)
    return False


# How ``close`` leaves the service: ended by SIGTERM; or 0, which is what ``subprocess`` reports when the status was
# taken by another wait in this process (a long pytest worker with thousands of children; seen once in a full run)
# or the service ended on its closed socket first, the documented fallback. Either way it is gone (``gone``).
ENDED = (-signal.SIGTERM, 0)


@pytest.fixture(scope="module")
def running() -> service.Service:
    started = service.Service()
    yield started
    started.close()


def test_a_suite_in_the_service_fails_the_same_rows_as_here(running: service.Service) -> None:
    frame = pl.from_pandas(valid_frame("telecom"))
    field = next(c for c in frame.columns if c.startswith("mobile") or c.endswith("subscribers"))
    frame = frame.with_columns(pl.when(pl.int_range(pl.len()) == 1).then(-5.0).otherwise(pl.col(field)).alias(field))
    there, result_there = running.call("validate", "telecom", *prepare("telecom", frame, KNOWN), True)
    here, result_here = suite_here("telecom", frame, KNOWN, True)
    assert there == here and any(f.rule == "negative_count" and f.row_indices == (1,) for f in there)
    assert result_there["success"] is result_here["success"] is False
    assert result_there["statistics"] == result_here["statistics"]


def test_an_error_in_the_service_is_raised_in_the_command(running: service.Service) -> None:
    without_meta = [{"type": "expect_column_to_exist", "kwargs": {"column": "area_code"}}]
    with pytest.raises(KeyError, match="meta"):
        running.call("validate", "telecom", without_meta, valid_frame("telecom"), {}, False)
    assert running.call("validate", "telecom", *prepare("telecom", valid_frame("telecom"), KNOWN), False) == ([], None)


@pytest.mark.parametrize("site", [True, False])
def test_a_polars_frame_goes_to_the_service_as_arrow(monkeypatch: pytest.MonkeyPatch, site: bool) -> None:
    """A run's and ``xhs validate``'s frames go to the service as an Arrow stream (``service.sendable``), with the
    verdict of the command's own process, and the service never loads polars (read from the libraries its process
    has mapped)."""
    frame = pl.from_pandas(valid_frame("telecom")).with_columns(
        pl.when(pl.int_range(pl.len()) == 2)
        .then(-5.0)
        .otherwise(pl.col("mobile_subscribers"))
        .alias("mobile_subscribers")
    )
    started = service.Service(site)
    monkeypatch.setattr(service.SLOT, "helper", started)
    try:
        assert isinstance(service.sendable(frame), ArrowFrame)
        there = run_suite("telecom", frame, KNOWN)
        maps = Path(f"/proc/{started.process.pid}/maps").read_text()
    finally:
        started.close()
    assert there == suite_here("telecom", frame, KNOWN, False)[0]
    assert ("negative_count", (2,)) in [(f.rule, f.row_indices) for f in there]
    assert "polars" not in maps


def test_preparing_data_docs_needs_no_polars() -> None:
    """What a run's service prepares while it waits (the suites, GE's renderer: ``service.idle_work``) imports no
    polars either: 0.2 s of CPU the service spent while the command starts, both cores busy (issue #28)."""
    script = (
        "import sys; from expectations.service import SITE, idle_work; [task() for task in idle_work(SITE)]; "
        "print('polars' in sys.modules, 'great_expectations' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=PACKAGE_ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "True"], done.stdout + done.stderr


def test_a_frame_is_sent_as_it_is_where_no_service_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(service.SLOT, "helper", None)
    frame = pl.from_pandas(valid_frame("telecom"))
    assert service.sendable(frame) is frame


def test_only_a_polars_data_frame_is_sent_as_arrow(running: service.Service, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(service.SLOT, "helper", running)
    pandas_frame = valid_frame("telecom")
    assert service.sendable(pandas_frame) is pandas_frame
    assert isinstance(service.sendable(pl.from_pandas(pandas_frame)), ArrowFrame)


def test_an_arrow_frame_is_the_pandas_frame_polars_gives() -> None:
    """``ArrowFrame`` turns a polars frame into the pandas frame ``polars.DataFrame.to_pandas`` gives, dtypes and
    missing values included, for every kind of column a reader or a suite's frame may hold."""
    frame = pl.DataFrame(
        {
            "text": ["Bắc Kạn", None, "ă"],
            "whole": [1, None, 3],
            "int32": pl.Series([1, 2, 3], dtype=pl.Int32),
            "uint8": pl.Series([1, 2, 3], dtype=pl.UInt8),
            "real": [1.5, None, float("nan")],
            "day": [dt.date(2025, 7, 1), None, dt.date(2024, 2, 29)],
            "moment": [dt.datetime(2025, 7, 1, 1), None, None],
            "flag": [True, None, False],
            "nothing": pl.Series([None, None, None], dtype=pl.Null),
            "category": pl.Series(["x", "y", "x"], dtype=pl.Categorical),
            "enum": pl.Series(["x", "y", None], dtype=pl.Enum(["x", "y"])),
            "decimal": pl.Series(["1.5", "2.25", None]).cast(pl.Decimal(10, 2)),
            "list": [[1], [2, 3], None],
        }
    )
    arrow = pickle.loads(pickle.dumps(ArrowFrame.of(frame)))  # as the service receives it
    pd.testing.assert_frame_equal(arrow.to_pandas(), frame.to_pandas(), check_dtype=True, check_exact=True)
    staged = pl.from_pandas(valid_frame("telecom"))
    pd.testing.assert_frame_equal(ArrowFrame.of(staged).to_pandas(), staged.to_pandas(), check_exact=True)
    for empty in (pl.DataFrame(), staged.clear()):  # no columns (the columns' index a range, as polars gives); no rows
        pd.testing.assert_frame_equal(ArrowFrame.of(empty).to_pandas(), empty.to_pandas(), check_exact=True)


def test_xhs_validate_imports_no_pandas_in_the_command(tmp_path: Path, sample_files: Path) -> None:
    """The command sends its frame as Arrow: pandas, 0.35 s of its critical path, is imported by the service alone
    (``xhs validate`` of a sample file, in a process of its own, as a department runs it)."""
    sample = min(sample_files.glob("telecom/*.xlsx"))  # the written samples: a clean clone has no landing folder
    script = (
        "import sys; from pipelines.cli import main; code = main(['validate', sys.argv[1]]); "
        "print(code, 'pandas' in sys.modules, 'great_expectations' in sys.modules)"
    )
    env = {**os.environ, "XHS_EXPECTATIONS_PROCESS": "1"}  # as outside the tests (``tests/conftest.py`` sets 0)
    done = subprocess.run(
        [sys.executable, "-c", script, str(sample)], cwd=tmp_path, env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout.splitlines()[-1] == "0 False False", done.stdout + done.stderr


def test_the_service_ends_when_the_command_closes_it() -> None:
    started = service.Service()
    started.close()  # at once, even while it imports Great Expectations (a run with nothing new)
    assert started.process.returncode in ENDED
    assert gone(started.process.pid)


def test_closing_waits_for_a_request_under_way() -> None:
    started = service.Service()
    answers: list[object] = []
    request = prepare("telecom", valid_frame("telecom"), KNOWN)
    worker = threading.Thread(target=lambda: answers.append(started.call("validate", "telecom", *request, False)))
    worker.start()
    deadline = time.monotonic() + 30
    while started._lock.acquire(blocking=False):  # until the request holds the lock (it waits for the import)
        started._lock.release()
        assert time.monotonic() < deadline and worker.is_alive()
        time.sleep(0.001)
    started.close()
    worker.join(60)
    assert answers == [([], None)]  # answered before the service was ended, not cut off
    assert started.process.returncode in ENDED
    assert gone(started.process.pid)


def test_the_service_ends_when_the_command_is_killed(tmp_path: Path) -> None:
    script = (
        "import os, sys; from expectations import service; s = service.Service(); "
        "print(s.process.pid, flush=True); os._exit(9)"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(PACKAGE_ROOT)},
    )
    assert done.returncode == 9, done.stderr
    assert gone(int(done.stdout.split()[0]))


def test_a_forked_process_does_the_work_itself(running: service.Service) -> None:
    pid = os.fork()
    if pid == 0:  # the child: the parent's socket is not its own
        try:
            running.call("validate", "telecom", *prepare("telecom", valid_frame("telecom"), KNOWN), False)
        except Unavailable:
            os._exit(0)
        os._exit(1)
    assert os.waitpid(pid, 0)[1] == 0


@pytest.mark.parametrize("case", ["negative_count", "subset_above_total"])
def test_xhs_validate_gives_the_same_verdict_with_and_without_the_service(tmp_path: Path, case: str) -> None:
    path = next(c for c in CASES if c.name == case).make(tmp_path)
    outputs = [
        run_xhs(tmp_path, "validate", str(path), "--json", process=True, XHS_EXPECTATIONS_PROCESS=flag)
        for flag in ("1", "0")
    ]
    assert [o.returncode for o in outputs] == [1, 1], [o.stderr for o in outputs]
    with_service, without = (json.loads(o.stdout) for o in outputs)
    assert with_service == without
    assert case.replace("_above_", "_exceeds_") in json.dumps(with_service)


@pytest.mark.deployment
def test_a_run_with_its_helpers_quarantines_what_the_suite_fails_and_writes_the_lake(tmp_path: Path) -> None:
    landing = tmp_path / "landing" / "telecom"
    landing.mkdir(parents=True)
    for name in ("valid", "negative_count"):
        next(c for c in CASES if c.name == name).make(landing)
    done = run_xhs(tmp_path, "run", process=True, XHS_EXPECTATIONS_PROCESS="1", XHS_LAKE_PROCESS="1")
    assert done.returncode == 1, done.stdout + done.stderr
    rules = {r[0] for r in query(tmp_path, "SELECT rule FROM meta_finding WHERE severity = 'error'")}
    assert "negative_count" in rules
    assert (tmp_path / "data" / "docs" / "index.html").exists()
    # the lake, written by its helper process (warehouse.lake_process): the published tables, row for row
    facts = query(tmp_path, "SELECT count(*) FROM fact_indicator")[0][0]
    assert facts > 0 and lake_row_counts(tmp_path / "lake")["fact_indicator"] == facts


def test_an_error_that_does_not_pickle_reaches_the_command_as_its_text() -> None:
    class Odd(Exception):
        def __init__(self, a: int, b: int) -> None:
            super().__init__(f"{a} and {b}")

    sent = portable(Odd(1, 2))
    assert isinstance(sent, RuntimeError) and str(sent) == "Odd: 1 and 2"
    disk = portable(DiskError(errno.ENOSPC, Path("/data/docs"), "No space left on device"))
    assert isinstance(disk, DiskError) and disk.kind == errno.ENOSPC and "/data/docs" in str(disk)
