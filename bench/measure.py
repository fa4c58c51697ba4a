"""How the benchmarks run and measure one command (issue #8): ``xhs`` as a subprocess in a deployment's folders, its
wall time, CPU time and the peak memory of its process tree, with its progress shown as the benchmark's; and the
raw read floor, fastexcel alone. The harness (``bench.harness``), ``bench.alternate``, ``bench.next_file`` and
``bench.profile`` all measure with these."""

from __future__ import annotations

import os
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import TextIO

import psutil

from bench.scale import reference_folder
from runtime import progress


def run_measured(cmd: list[str], env: dict[str, str], cwd: Path, timeout: float = 7200, label: str = "") -> dict:
    """Wall time, CPU time (user and system, of the command and every process it waited for: its helpers), peak RSS
    of the whole process tree (psutil, polled every 20 ms), exit code, output. With ``label``, the progress lines
    the command writes to its stderr are shown as this harness's progress. The CPU time moves less with the
    machine's speed than the wall time, and a run on two cores is bound by it."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    if label:
        progress.stage(label)
    with (
        open(cwd / "stdout.txt", "w") as out,
        open(cwd / "stderr.txt", "w") as err,
        open(cwd / "stderr.txt", encoding="utf-8", errors="replace") as written,
    ):
        proc = psutil.Popen(cmd, env=env, cwd=cwd, stdout=out, stderr=err)
        peak = 0
        while proc.poll() is None:
            if label:
                show_progress(written, label)
            try:
                tree = [proc, *proc.children(recursive=True)]
                peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
            except psutil.Error:
                pass
            if time.perf_counter() - start > timeout:
                proc.kill()
            time.sleep(0.02)
        if label:
            show_progress(written, label)
    wall = time.perf_counter() - start
    now = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "seconds": wall,
        "cpu_s": (now.ru_utime - used.ru_utime) + (now.ru_stime - used.ru_stime),
        "peak_rss_mb": peak / 2**20,
        "exit": proc.returncode,
        "stdout": (cwd / "stdout.txt").read_text()[-2000:],
        "stderr": (cwd / "stderr.txt").read_text()[-2000:],
    }


def show_progress(stderr: TextIO, label: str) -> None:
    """The progress lines the measured command has written since the last look, as stages of the harness."""
    while True:
        where = stderr.tell()
        line = stderr.readline()
        if not line.endswith("\n"):  # none, or one still being written: read it whole next time
            stderr.seek(where)
            return
        text = progress.stage_of_line(line)
        if text:
            progress.stage(f"{label} · {text}")


def raw_read_floor(files: list[Path], passes: int = 3) -> float:
    """Seconds fastexcel alone takes to read every sheet of ``files`` (no header, no inference: strings)."""
    import fastexcel

    times = []
    for _ in range(passes):
        t0 = time.perf_counter()
        for path in files:
            reader = fastexcel.read_excel(path)
            for i in range(len(reader.sheet_names)):
                reader.load_sheet(i, header_row=None, dtypes="string", eager=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def xhs_env(root: Path, landing: Path) -> dict[str, str]:
    return {
        **os.environ,
        "XHS_LANDING": str(landing),
        "XHS_DATA": str(root / "data"),
        "XHS_WAREHOUSE": str(root / "warehouse" / "xhs.duckdb"),
        "DAGSTER_HOME": str(root / ".dagster"),
        "XHS_REFERENCE": str(reference_folder()),
        "GX_ANALYTICS_ENABLED": "false",
        "DAGSTER_DISABLE_TELEMETRY": "true",
        "XHS_PROGRESS": progress.LINES,  # into stderr.txt, where run_measured reads it
        "XHS_SETTLE_SECONDS": "0",  # the bench wrote the files itself a moment ago: nothing is still uploading
    }


def xhs(*args: str) -> list[str]:
    return [sys.executable, "-m", "pipelines.cli", *args]
