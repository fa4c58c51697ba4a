"""`xhs run` stops on SIGTERM (systemd, Kubernetes, a CI timeout) and SIGINT (Ctrl-C) at a safe point: exit 143 or
130 within seconds, a line saying it was stopped, the published warehouse exactly as before, and the next run
completes with the tables an uninterrupted run gives (issue #17)."""

from __future__ import annotations

import hashlib
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.fault_helpers import fact_values, xhs_env
from tests.pipeline_helpers import run_xhs

pytestmark = pytest.mark.deployment  # make check leaves it out (tests/README.md)

FIRST = ("population", "telecom")  # delivered and published before the run that is stopped


def outcomes_recorded(root: Path) -> int:
    state = root / "data" / "state.sqlite"
    if not state.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{state}?mode=ro", uri=True, timeout=1) as con:
            return con.execute("SELECT count(*) FROM file_outcome").fetchone()[0]
    except sqlite3.OperationalError:  # not created yet
        return 0


def digest(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


@pytest.mark.parametrize(("signum", "published_before"), [(signal.SIGTERM, True), (signal.SIGINT, False)])
def test_a_signal_stops_the_run_and_the_next_run_completes(
    sample_warehouse: Path, tmp_path: Path, signum: int, published_before: bool
) -> None:
    samples = sample_warehouse / "landing"
    published = tmp_path / "warehouse" / "xhs.duckdb"
    if published_before:
        for folder in FIRST:
            shutil.copytree(samples / folder, tmp_path / "landing" / folder)
        assert run_xhs(tmp_path, "run").returncode == 0
    before, recorded = digest(published), outcomes_recorded(tmp_path)
    shutil.copytree(samples, tmp_path / "landing", dirs_exist_ok=True)

    proc = subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", "run"],
        env=xhs_env(tmp_path),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 300
    while outcomes_recorded(tmp_path) < recorded + 3 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)  # until it is reading the new files
    assert proc.poll() is None, proc.communicate()
    proc.send_signal(signum)
    sent = time.monotonic()
    out, err = proc.communicate(timeout=30)
    took = time.monotonic() - sent

    assert proc.returncode == 128 + signum, out + err
    assert took < 10, took
    name = signal.Signals(signum).name
    assert f"xhs run stopped by {name} / đã dừng theo tín hiệu {name}" in err, err
    assert digest(published) == before  # unchanged, or still absent
    assert not list((tmp_path / "data").rglob(".tmp-*"))

    again = run_xhs(tmp_path, "run")
    assert again.returncode == 0, again.stdout + again.stderr
    assert fact_values(published) == fact_values(sample_warehouse / "warehouse" / "xhs.duckdb")
