"""Operating the pipeline: publications kept and rolled back, analysts holding the file open, killed runs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from bench.workbooks import write
from tests.pipeline_helpers import query, run_xhs

pytestmark = pytest.mark.deployment  # make check leaves it out (tests/README.md)

NAMES = ["TP. Bắc Kạn", "Pác Nặm", "Ba Bể", "Ngân Sơn", "Bạch Thông", "Chợ Đồn", "Chợ Mới", "Na Rì"]


def deliver(root: Path, year: int) -> None:
    grid = [
        [f"Năm {year}"],
        ["STT", "Đơn vị hành chính", "Thuê bao di động"],
        *[[i + 1, n, 1000 + year] for i, n in enumerate(NAMES)],
    ]
    write(root / "landing" / "telecom" / f"vt_{year}.xlsx", grid)


def files_in(root: Path) -> int:
    return query(root, "SELECT count(*) FROM meta_file")[0][0]


def test_publications_are_kept_and_rolled_back(tmp_path: Path) -> None:
    deliver(tmp_path, 2022)
    assert run_xhs(tmp_path, "run").returncode == 0
    deliver(tmp_path, 2023)
    assert run_xhs(tmp_path, "run").returncode == 0
    assert files_in(tmp_path) == 2
    listed = run_xhs(tmp_path, "rollback", "--list").stdout.split()
    assert len(listed) == 2
    assert run_xhs(tmp_path, "rollback").returncode == 0
    assert files_in(tmp_path) == 1
    assert run_xhs(tmp_path, "rollback").returncode == 2  # nothing earlier than the first publication
    assert run_xhs(tmp_path, "rollback", "--to", listed[1]).returncode == 0
    assert files_in(tmp_path) == 2


def test_analysts_holding_the_file_open_never_block_a_run(tmp_path: Path) -> None:
    deliver(tmp_path, 2022)
    assert run_xhs(tmp_path, "run").returncode == 0
    published = tmp_path / "warehouse" / "xhs.duckdb"

    # Another process holds the published file read-write (an analyst's DBeaver session) during a run.
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb,time; c=duckdb.connect({str(published)!r}); "
            "print(c.execute('select count(*) from meta_file').fetchall()[0][0], flush=True); "
            "time.sleep(120)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "1"
        deliver(tmp_path, 2023)
        result = run_xhs(tmp_path, "run", process=True)
        assert result.returncode == 0, result.stderr
    finally:
        holder.kill()
        holder.wait()
    assert files_in(tmp_path) == 2

    # This process holds it read-only during the next run: it keeps reading the old state, whole.
    reader = duckdb.connect(str(published), read_only=True)
    try:
        deliver(tmp_path, 2024)
        result = run_xhs(tmp_path, "run", process=True)  # another process than the reader
        assert result.returncode == 0, result.stderr
        assert reader.execute("SELECT count(*) FROM meta_file").fetchall() == [(2,)]
    finally:
        reader.close()
    assert files_in(tmp_path) == 3  # a new connection sees the new publication


def test_a_killed_run_leaves_the_published_file_before_or_after(tmp_path: Path) -> None:
    deliver(tmp_path, 2022)
    assert run_xhs(tmp_path, "run").returncode == 0
    deliver(tmp_path, 2023)
    env = {
        **os.environ,
        "XHS_DATA": str(tmp_path / "data"),
        "DAGSTER_HOME": str(tmp_path / ".dagster"),
        "XHS_LANDING": str(tmp_path / "landing"),
        "XHS_WAREHOUSE": str(tmp_path / "warehouse" / "xhs.duckdb"),
    }
    for delay in (0.5, 2.0, 3.5, 5.0):
        proc = subprocess.Popen(
            [sys.executable, "-m", "pipelines.cli", "run"],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert files_in(tmp_path) in (1, 2)  # exactly before or exactly after, and readable
    result = run_xhs(tmp_path, "run")
    assert result.returncode == 0, result.stderr
    assert files_in(tmp_path) == 2
    assert query(tmp_path, "SELECT DISTINCT period_code FROM fact_indicator ORDER BY 1") == [("2022",), ("2023",)]
