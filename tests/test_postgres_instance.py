"""The Dagster instance on PostgreSQL (issue #15) and its password (issue #19 part 5), on a throwaway server.

Runs here use the multiprocess executor (the job's own) with the password given in a file, as a data centre
would; the tests fail under CI=true when Debian's PostgreSQL is missing (tests/postgres_server.py)."""

from __future__ import annotations

import itertools
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import duckdb
import psycopg2
import pytest

from bench.workbooks import write
from tests.postgres_server import PASSWORD, postgres, postgres_env  # noqa: F401 -- the fixture

pytestmark = pytest.mark.deployment  # make check leaves it out (tests/README.md)

NAMES = ["TP. Bắc Kạn", "Pác Nặm", "Ba Bể", "Ngân Sơn", "Bạch Thông", "Chợ Đồn", "Chợ Mới", "Na Rì"]


def deliver(landing: Path, year: int) -> None:
    grid = [
        [f"Năm {year}"],
        ["STT", "Đơn vị hành chính", "Thuê bao di động"],
        *[[i + 1, n, 1000 + year] for i, n in enumerate(NAMES)],
    ]
    write(landing / "telecom" / f"vt_{year}.xlsx", grid)


@pytest.fixture
def pg_env(postgres, tmp_path_factory, request) -> dict[str, str]:  # noqa: F811
    """A database of its own for this test, the password in a file outside the run's folders."""
    database = "t_" + request.node.name.lower()[:40].replace("-", "_")
    url = postgres.create_database(database)
    secret = tmp_path_factory.mktemp("secret") / "pgpassword"
    secret.write_text(PASSWORD + "\n", encoding="utf-8")
    secret.chmod(0o600)
    env = postgres_env(postgres, str(secret))
    env.update({"XHS_POSTGRES_URL": url, "XHS_EXECUTOR": "multiprocess"})
    return env


def root_env(env: dict[str, str], root: Path) -> dict[str, str]:
    return {
        **env,
        "XHS_DATA": str(root / "data"),
        "DAGSTER_HOME": str(root / ".dagster"),
        "XHS_LANDING": str(root / "landing"),
        "XHS_WAREHOUSE": str(root / "warehouse" / "xhs.duckdb"),
        "XHS_LAKE": str(root / "lake"),
    }


def xhs(env: dict[str, str], root: Path, *args: str, **popen) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", *args],
        env=env,
        cwd=root,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **popen,
    )


def open_instance(env: dict[str, str], root: Path, monkeypatch) -> dg.DagsterInstance:
    """The same instance the runs used, opened from this process (the password handed to libpq)."""
    for key in ("XHS_INSTANCE", "XHS_POSTGRES_URL"):
        monkeypatch.setenv(key, env[key])
    monkeypatch.setenv("PGPASSWORD", PASSWORD)
    return dg.DagsterInstance.from_config(str(root / ".dagster"))


def database_rows_containing(server, url: str, needle: str) -> list[str]:
    """Every table of the test's database (runs, tags, run config, event logs, ticks, the lake's catalog)
    searched for ``needle`` in any column."""
    con = psycopg2.connect(
        host="127.0.0.1", port=server.port, user=server.user, password=server.password, dbname=url.rsplit("/", 1)[1]
    )
    found = []
    try:
        with con.cursor() as cur:
            cur.execute(
                "SELECT table_schema, table_name FROM information_schema.tables "
                "WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')"
            )
            tables = cur.fetchall()
            assert any(name == "runs" for _, name in tables) and any(name == "event_logs" for _, name in tables)
            for schema, name in tables:
                cur.execute(f'SELECT count(*) FROM "{schema}"."{name}" t WHERE t::text LIKE %s', [f"%{needle}%"])
                if cur.fetchone()[0]:
                    found.append(f"{schema}.{name}")
    finally:
        con.close()
    return found


def test_a_run_is_recorded_on_postgres_and_its_password_is_nowhere(postgres, pg_env, tmp_path, monkeypatch):  # noqa: F811
    deliver(tmp_path / "landing", 2022)
    env = {**root_env(pg_env, tmp_path), "XHS_LOG_LEVEL": "DEBUG"}  # every log line Dagster has
    proc = xhs(env, tmp_path, "run")
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, out + err

    # Recorded on PostgreSQL storage: the run, its events, and the instance is the Postgres one.
    instance = open_instance(env, tmp_path, monkeypatch)
    assert type(instance.run_storage).__name__ == "PostgresRunStorage"
    assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
    assert type(instance.schedule_storage).__name__ == "PostgresScheduleStorage"
    [run] = instance.get_runs()
    assert run.status == dg.DagsterRunStatus.SUCCESS and run.job_name == "materialize_all"
    steps = {e.step_key for e in instance.all_logs(run.run_id, of_type=dg.DagsterEventType.STEP_SUCCESS)}
    assert {"raw_files", "stg_telecom", "warehouse_tables"} <= steps
    workers = instance.all_logs(run.run_id, of_type=dg.DagsterEventType.STEP_WORKER_STARTED)
    assert len({e.dagster_event.pid for e in workers}) > 1  # the multiprocess executor: a process per step

    # The lake's catalog is in the same PostgreSQL database, and holds what the warehouse holds.
    from warehouse.lake import lake_row_counts

    with duckdb.connect(str(tmp_path / "warehouse" / "xhs.duckdb"), read_only=True) as con:
        fact_rows = con.execute("SELECT count(*) FROM fact_indicator").fetchall()[0][0]
    assert fact_rows > 0
    assert lake_row_counts(tmp_path / "lake", env["XHS_POSTGRES_URL"])["fact_indicator"] == fact_rows
    assert not (tmp_path / "lake" / "catalog.db").exists()

    # The password: masked in the summary, and in no output, file, run tag, run config, event or table.
    assert "********" in out and "XHS_POSTGRES_PASSWORD_FILE" in out
    assert PASSWORD not in out and PASSWORD not in err
    assert "DEBUG" in err or "STEP_" in err, "the run printed Dagster's log: the check below means something"
    assert PASSWORD not in repr(run.tags) and PASSWORD not in repr(run.run_config)
    assert all(PASSWORD not in (e.message or "") for e in instance.all_logs(run.run_id))
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert PASSWORD.encode() not in path.read_bytes(), path
    assert list((tmp_path / "data" / "reports").glob("run-*.md"))
    assert database_rows_containing(postgres, env["XHS_POSTGRES_URL"], PASSWORD) == []
    assert database_rows_containing(postgres, env["XHS_POSTGRES_URL"], "materialize_all")  # the search works


def test_two_runs_at_once_both_succeed_one_waits_for_the_writer_pool(pg_env, tmp_path, monkeypatch):
    roots = [tmp_path / "a", tmp_path / "b"]
    for year, root in zip((2022, 2023), roots, strict=True):
        deliver(root / "landing", year)
    envs = [root_env(pg_env, root) for root in roots]
    # The test holds the pool's one slot until both runs report they are blocked by it: then both wait, one
    # gets it first, and the other waits for that one. Nothing is left to timing.
    subprocess.run(
        [sys.executable, "-c", "from pipelines.home import ensure_dagster_home; ensure_dagster_home()"],
        env=envs[0],
        cwd=roots[0],
        check=True,
    )
    instance = open_instance(pg_env, roots[0], monkeypatch)
    storage = instance.event_log_storage
    assert storage.initialize_concurrency_limit_to_default("duckdb_writer")  # default_limit: 1 in dagster.yaml
    held = storage.claim_concurrency_slot("duckdb_writer", "test-holder", "hold")
    assert held.is_claimed
    procs = [xhs(env, root, "run") for env, root in zip(envs, roots, strict=True)]
    try:
        deadline = time.monotonic() + 900  # a loaded 2-core machine: minutes per run
        while True:
            runs = instance.get_runs()
            blocked = {r.run_id for r in runs if _blocked_on_pool(instance, r.run_id)}
            if len(runs) == 2 and len(blocked) == 2:
                break
            assert all(p.poll() is None for p in procs), [p.communicate() for p in procs]
            assert time.monotonic() < deadline, "both runs never reached the duckdb_writer pool"
            time.sleep(1)
    finally:
        storage.free_concurrency_slots_for_run("test-holder")
    outputs = [p.communicate(timeout=600) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs

    spans = []
    for run in instance.get_runs():
        assert run.status == dg.DagsterRunStatus.SUCCESS
        for step in WRITER_STEPS:
            spans.append(
                (
                    _step_time(instance, run.run_id, step, dg.DagsterEventType.STEP_START),
                    _step_time(instance, run.run_id, step, dg.DagsterEventType.STEP_SUCCESS),
                    step,
                )
            )
    spans.sort()
    for before, after in itertools.pairwise(spans):
        assert before[1] <= after[0], f"two DuckDB writers overlapped: {before} and {after}"
    assert storage.get_concurrency_info("duckdb_writer").slot_count == 1
    assert storage.get_concurrency_info("duckdb_writer").active_slot_count == 0  # every slot freed


# The steps in the duckdb_writer pool: build the work file, then publish it.
WRITER_STEPS = ("warehouse_work", "warehouse_tables")


def _blocked_on_pool(instance: dg.DagsterInstance, run_id: str) -> bool:
    return any(
        e.step_key in WRITER_STEPS and "blocked by limit for pool duckdb_writer" in (e.message or "")
        for e in instance.all_logs(run_id, of_type=dg.DagsterEventType.ENGINE_EVENT)
    )


def _step_time(instance: dg.DagsterInstance, run_id: str, step: str, kind: dg.DagsterEventType) -> float:
    [event] = [e for e in instance.all_logs(run_id, of_type=kind) if e.step_key == step]
    return event.timestamp


def test_the_sensor_and_the_schedule_tick_on_postgres(pg_env, tmp_path, monkeypatch):
    deliver(tmp_path / "landing", 2024)
    env = root_env(pg_env, tmp_path)
    subprocess.run(
        [sys.executable, "-c", "from pipelines.home import ensure_dagster_home; ensure_dagster_home()"],
        env=env,
        cwd=tmp_path,
        check=True,
    )
    for key in ("XHS_DATA", "XHS_LANDING", "XHS_WAREHOUSE", "XHS_LAKE", "XHS_EXECUTOR"):
        monkeypatch.setenv(key, env[key])
    instance = open_instance(env, tmp_path, monkeypatch)

    from assets.settings import XhsSettings
    from pipelines.definitions import defs
    from pipelines.executor import execute_materialize_all

    settings = XhsSettings.from_env()
    sensor = defs.resolve_sensor_def("landing_sensor")
    tick = sensor.evaluate_tick(dg.build_sensor_context(instance=instance, resources={"settings": settings}))
    [request] = tick.run_requests
    assert request.tags["xhs/changed_files"] == "1"
    tags = {**request.tags, "dagster/sensor_name": sensor.name, "dagster/run_key": request.run_key}
    result = execute_materialize_all(instance, settings, {}, tags=tags)
    assert result.success
    [run] = instance.get_runs(filters=dg.RunsFilter(tags={"dagster/sensor_name": "landing_sensor"}))
    assert run.status == dg.DagsterRunStatus.SUCCESS and run.tags["dagster/run_key"] == request.run_key
    again = sensor.evaluate_tick(
        dg.build_sensor_context(instance=instance, cursor=tick.cursor, resources={"settings": settings})
    )
    assert again.run_requests == [] and again.skip_message  # the same landing state is not run twice

    schedule = defs.resolve_schedule_def("nightly")
    two_am = datetime(2026, 11, 30, 2, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    nightly = schedule.evaluate_tick(dg.build_schedule_context(instance=instance, scheduled_execution_time=two_am))
    [scheduled] = nightly.run_requests
    assert scheduled.job_name in (None, "materialize_all")
    assert schedule.job_name == "materialize_all"


def test_instance_settings_refuse_a_password_in_the_url_and_mask_it(monkeypatch, tmp_path):
    from assets.instance import InstanceSettingError, instance_choice, instance_summary

    monkeypatch.setenv("XHS_INSTANCE", "postgres")
    monkeypatch.setenv("XHS_POSTGRES_URL", f"postgresql+psycopg2://xhs:{PASSWORD}@127.0.0.1:5432/xhs")
    with pytest.raises(InstanceSettingError, match=r"contains a password.*chứa mật khẩu") as refused:
        instance_choice()
    assert PASSWORD not in str(refused.value)
    monkeypatch.setenv("XHS_POSTGRES_URL", "postgresql://xhs@127.0.0.1:5432/xhs")
    with pytest.raises(InstanceSettingError, match=r"postgresql\+psycopg2://"):
        instance_choice()
    monkeypatch.setenv("XHS_POSTGRES_URL", "postgresql+psycopg2://xhs@127.0.0.1:5432/xhs")
    monkeypatch.setenv("PGPASSWORD", PASSWORD)
    summary = instance_summary(instance_choice(), tmp_path)
    assert PASSWORD not in summary and "********" in summary and "PGPASSWORD" in summary
    monkeypatch.setenv("XHS_INSTANCE", "mysql")
    with pytest.raises(InstanceSettingError, match="sqlite"):
        instance_choice()
    monkeypatch.delenv("XHS_INSTANCE")
    assert instance_choice().kind == "sqlite" and not instance_choice().shared
