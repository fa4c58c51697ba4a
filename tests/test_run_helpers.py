"""A run that a Dagster run worker executes in its own process gets ``xhs run``'s helper processes (issue #28,
``assets/helpers.py``): Great Expectations and pyiceberg are imported and used in them, never in the run's process,
and both end with the run. A run with a process per step starts none."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sources.samples import sample_files

GOOD = "telecom/BC_vien_thong_BacKan_2022.xlsx"

RUN = """
import json, sys
import dagster as dg
import psutil
from pathlib import Path
from pipelines.executor import IN_PROCESS_RUN, materialize_all_job
from pipelines.home import ensure_dagster_home, open_instance

with open_instance(ensure_dagster_home(Path(sys.argv[1]))) as instance:
    result = dg.execute_job(
        dg.reconstructable(materialize_all_job), instance=instance, run_config=json.loads(sys.argv[2]),
        raise_on_error=False,
    )
children = psutil.Process().children(recursive=True)  # the reader's intake worker stays, for the process's life
alive = [p.cmdline() for p in children if p.status() != psutil.STATUS_ZOMBIE]
left = [" ".join(c) for c in alive if "runtime.helper" in c]
print(json.dumps({
    "success": result.success,
    "great_expectations": "great_expectations" in sys.modules,
    "pyiceberg": "pyiceberg.catalog" in sys.modules,
    "left": left,
}))
"""


def run_worker(root: Path, run_config: dict) -> dict:
    """One new file, executed as a run worker executes a launched run (``execute_job``), in a process of its own."""
    (root / "landing" / "telecom").mkdir(parents=True)
    (root / "landing" / GOOD).write_bytes(sample_files()[GOOD])
    env = {
        **os.environ,
        "XHS_LANDING": str(root / "landing"),
        "XHS_DATA": str(root / "data"),
        "XHS_WAREHOUSE": str(root / "warehouse" / "xhs.duckdb"),
        "XHS_LAKE": str(root / "lake"),
        "XHS_SETTLE_SECONDS": "0",
    }
    for key in ("XHS_EXECUTOR", "XHS_EXPECTATIONS_PROCESS", "XHS_LAKE_PROCESS"):
        env.pop(key, None)
    done = subprocess.run(
        [sys.executable, "-c", RUN, str(root / ".dagster"), json.dumps(run_config)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_run_in_one_process_validates_and_writes_the_lake_in_helpers(tmp_path: Path) -> None:
    from pipelines.executor import IN_PROCESS_RUN

    seen = run_worker(tmp_path, IN_PROCESS_RUN)
    assert seen == {"success": True, "great_expectations": False, "pyiceberg": False, "left": []}
    assert (tmp_path / "data" / "docs" / "index.html").exists()  # rendered by the expectations helper
    assert any((tmp_path / "lake").rglob("*.parquet"))  # written by the lake's helper


def test_a_run_with_a_process_per_step_starts_no_helper(tmp_path: Path) -> None:
    seen = run_worker(tmp_path, {})
    assert seen["success"] and seen["left"] == []
    # the steps ran in step processes: the run's own process imported neither library, and started no helper
    assert not seen["great_expectations"] and not seen["pyiceberg"]


def test_the_intake_worker_started_ahead_is_the_one_that_reads(tmp_path: Path) -> None:
    """``start_intake_worker`` starts the process's intake worker before any file is read (``xhs run`` does it as
    the run is created); the first read then finds it running and starts none."""
    from assets.helpers import start_intake_worker
    from sources.intake.sandbox import read_in_sandbox, shared_sandbox

    sandbox = shared_sandbox()
    sandbox.close()  # as in a process that has read nothing yet
    starts = sandbox.starts
    start_intake_worker().join(timeout=60)
    assert sandbox.pid is not None and sandbox.starts == starts + 1
    pid = sandbox.pid
    path = tmp_path / "vt.xlsx"
    path.write_bytes(sample_files()[GOOD])
    findings, sheets = read_in_sandbox(path, path.name)
    assert sheets and not [f for f in findings if f.severity == "error"]
    assert (sandbox.pid, sandbox.starts) == (pid, starts + 1)
