"""Every Dagster definition loads, and the code location validates as `dagster definitions validate` does."""

import dagster as dg

from pipelines.definitions import defs
from sources.specs.model import load_specs


def test_definitions_load_every_asset() -> None:
    repo = defs.get_repository_def()
    keys = {k.to_user_string() for k in repo.asset_graph.get_all_asset_keys()}
    assert "raw_files" in keys
    assert {f"stg_{s}" for s in load_specs()} <= keys
    assert {
        "dim_area",
        "dim_period",
        "dim_indicator",
        "fact_indicator",
        "fact_indicator_history",
        "meta_file",
        "meta_finding",
        "reply_workbooks",
        "data_docs",
        "lake",
    } <= keys
    assert defs.resolve_job_def("materialize_all") is not None


def test_warehouse_writers_share_one_pool() -> None:
    repo = defs.get_repository_def()
    node = repo.assets_defs_by_key[dg.AssetKey("fact_indicator")]
    assert node.op.pool == "duckdb_writer"


def test_definitions_validate() -> None:
    dg.Definitions.validate_loadable(defs)


def test_nightly_schedule() -> None:
    schedule = defs.resolve_schedule_def("nightly")
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("0 2 * * *", "Asia/Ho_Chi_Minh")


def test_landing_sensor_requests_one_run_per_new_state(tmp_path) -> None:
    from assets.settings import XhsSettings

    sensor = defs.resolve_sensor_def("landing_sensor")
    # The sensor takes its folders from the settings resource, not from the environment.
    resources = {"settings": XhsSettings.from_env(landing=str(tmp_path))}
    with dg.instance_for_test() as instance:
        first = sensor.evaluate_tick(dg.build_sensor_context(instance=instance, resources=resources))
        assert first.run_requests == [] and first.skip_message
        (tmp_path / "telecom").mkdir()
        (tmp_path / "telecom" / "vt_2024.xlsx").write_bytes(b"x")
        (tmp_path / "notes.txt").write_text("not a delivery")
        second = sensor.evaluate_tick(dg.build_sensor_context(instance=instance, resources=resources))
        [request] = second.run_requests
        third = sensor.evaluate_tick(
            dg.build_sensor_context(instance=instance, cursor=second.cursor, resources=resources)
        )
        assert third.run_requests == []  # nothing changed since the cursor
        (tmp_path / "telecom" / "vt_2024.xlsx").write_bytes(b"corrected")
        fourth = sensor.evaluate_tick(
            dg.build_sensor_context(instance=instance, cursor=second.cursor, resources=resources)
        )
        [again] = fourth.run_requests
        assert again.run_key != request.run_key


def test_a_late_department_shows_as_stale() -> None:
    from datetime import date

    import polars as pl

    from assets.staging import overdue
    from sources.common.periods import next_due

    assert next_due(date(2024, 12, 31), "year", 45) == date(2026, 2, 14)
    assert next_due(date(2024, 6, 30), "quarter", 30) == date(2024, 10, 30)
    assert next_due(date(2025, 1, 31), "month", 0) == date(2025, 2, 28)
    frame = pl.DataFrame({"province_code": ["06", "06", "14"], "period_code": ["2023", "2024-06-13", "2025"]})
    assert overdue(frame, "year", 45, date(2026, 1, 10)) == [("06", "2024-06-13", date(2025, 2, 14))]
    assert overdue(frame, "year", 45, date(2025, 2, 1)) == []


def test_staging_is_partitioned_by_period_with_single_run_backfills() -> None:
    repo = defs.get_repository_def()
    for source in load_specs():
        node = repo.assets_defs_by_key[dg.AssetKey(f"stg_{source}")]
        assert node.partitions_def == dg.DynamicPartitionsDefinition(name="period")
        assert node.backfill_policy == dg.BackfillPolicy.single_run()
    # The warehouse is one unpartitioned build over every period, and the nightly schedule runs everything.
    assert repo.assets_defs_by_key[dg.AssetKey("fact_indicator")].partitions_def is None
    with dg.instance_for_test() as instance:
        context = dg.build_schedule_context(instance=instance, repository_def=repo)
        [request] = defs.resolve_schedule_def("nightly").evaluate_tick(context).run_requests
        assert request.partition_key is None
