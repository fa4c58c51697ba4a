"""The executor choice (pipelines/executor.py) and what a killed multiprocess run leaves behind."""

from __future__ import annotations

import subprocess
import sys

import dagster as dg
import psutil
import pytest
from dagster._core.events import EngineEventData  # no public name; the event a step worker posts carries one

from pipelines.definitions import materialize_all
from pipelines.executor import IN_PROCESS, IN_PROCESS_RUN, MULTIPROCESS, executor_kind, job_executor
from pipelines.run import stop_orphaned_workers


def test_the_job_runs_its_steps_in_processes_unless_told_otherwise(monkeypatch) -> None:
    monkeypatch.delenv("XHS_EXECUTOR", raising=False)
    assert executor_kind() == MULTIPROCESS
    assert materialize_all.executor_def.name == job_executor().name == "xhs_multiprocess"
    monkeypatch.setenv("XHS_EXECUTOR", "in-process")
    assert executor_kind() == IN_PROCESS and job_executor() is dg.in_process_executor
    monkeypatch.setenv("XHS_EXECUTOR", "threads")
    with pytest.raises(ValueError, match=r"multiprocess.*in_process"):
        executor_kind()


def test_xhs_run_executes_in_its_own_process_unless_told_otherwise(monkeypatch) -> None:
    monkeypatch.delenv("XHS_EXECUTOR", raising=False)
    assert executor_kind(default=IN_PROCESS) == IN_PROCESS  # what execute_materialize_all asks
    monkeypatch.setenv("XHS_EXECUTOR", "multiprocess")
    assert executor_kind(default=IN_PROCESS) == MULTIPROCESS


def test_a_killed_runs_step_worker_is_stopped(tmp_path) -> None:
    """A worker of a run whose orchestrating process died (its pid in the run's STEP_WORKER_STARTED event) is
    stopped before the run's pool slot is freed; a process that only reuses a recorded pid is left alone."""
    worker = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
            run = instance.create_run_for_job(dg.GraphDefinition("g").to_job())
            started = psutil.Process(worker.pid).create_time()
            for pid, timestamp in ((worker.pid, started), (bystander.pid, started - 3600)):
                event = dg.DagsterEvent(
                    dg.DagsterEventType.STEP_WORKER_STARTED.value,
                    job_name="g",
                    pid=pid,
                    step_key="warehouse_tables",
                    message="worker",
                    event_specific_data=EngineEventData(),
                )
                instance.handle_new_event(
                    dg.EventLogEntry(
                        error_info=None,
                        level=20,
                        user_message="worker",
                        run_id=run.run_id,
                        timestamp=timestamp,
                        dagster_event=event,
                    )
                )
            stopped = stop_orphaned_workers(instance, run.run_id)
        assert stopped == [worker.pid]
        assert not psutil.pid_exists(worker.pid)  # stopped and reaped
        assert bystander.poll() is None  # pid recorded an hour before this process started: not the worker
    finally:
        for proc in (worker, bystander):
            proc.kill()
            proc.wait()


@pytest.mark.parametrize("run_config", [IN_PROCESS_RUN, {}], ids=["in_process", "default"])
def test_a_run_can_ask_for_its_steps_in_its_own_process(run_config, tmp_path, monkeypatch) -> None:
    """The job's executor is multiprocess unless the run's config asks for ``in_process`` (what the landing sensor
    asks for a small delivery, issue #28): executed as a launched run is (``execute_job``), the archive step runs in
    a step worker process of its own, or in the run's process."""
    from assets.settings import XhsSettings
    from pipelines.executor import materialize_all_job, settings_config

    monkeypatch.delenv("XHS_EXECUTOR", raising=False)
    settings = XhsSettings.from_env(
        landing=str(tmp_path / "landing"), data=str(tmp_path / "data"), warehouse=str(tmp_path / "w" / "x.duckdb")
    )
    config = {**run_config, "resources": {"settings": {"config": settings_config(settings)}}}
    (tmp_path / "home").mkdir()
    with dg.instance_for_test(temp_dir=str(tmp_path / "home")) as instance:
        result = dg.execute_job(
            dg.reconstructable(materialize_all_job),
            instance=instance,
            run_config=config,
            asset_selection=[dg.AssetKey("raw_files")],
            raise_on_error=False,
        )
        assert result.success
        events = instance.all_logs(result.run_id)
    workers = [e for e in events if e.dagster_event and e.dagster_event.event_type_value == "STEP_WORKER_STARTED"]
    assert len(workers) == (0 if run_config else 1)
