"""Every Dagster definition loads, and the code location validates as `dagster definitions validate` does."""

import contextlib
from collections.abc import Iterator

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


def test_the_landing_sensor_asks_for_the_departments_that_changed_in_one_process(tmp_path, monkeypatch) -> None:
    """As ``xhs run`` does (issue #28): a run requested for a file in a department's folder stages that department
    alone, and a small delivery runs in the run's own process; a file at the top of the landing folder, an edited
    reader, or a cursor of the earlier format (no code digests) stage every department; an edited spec adds its own
    department. A large delivery keeps a process per step."""
    import json

    import pipelines.automation
    from assets.settings import XhsSettings
    from pipelines.executor import IN_PROCESS_RUN

    sensor = defs.resolve_sensor_def("landing_sensor")
    resources = {"settings": XhsSettings.from_env(landing=str(tmp_path), settle_seconds=0)}
    staging = {f"stg_{s}" for s in load_specs()}

    def tick(cursor: str | None) -> tuple[dg.RunRequest, str]:
        with dg.instance_for_test() as instance:
            context = dg.build_sensor_context(instance=instance, cursor=cursor, resources=resources)
            result = sensor.evaluate_tick(context)
        [request] = result.run_requests
        return request, result.cursor or ""

    def staged(request: dg.RunRequest) -> set[str] | None:
        if request.asset_selection is None:
            return None
        keys = {k.to_user_string() for k in request.asset_selection}
        assert {"raw_files", "warehouse_work", "fact_indicator", "lake", "run_report"} <= keys  # all but staging
        return keys & staging

    (tmp_path / "civil_id").mkdir()
    (tmp_path / "civil_id" / "cccd_2024.xlsx").write_bytes(b"x")
    first, cursor = tick(None)
    assert staged(first) is None and first.tags["xhs/departments"] == "all"  # nothing to compare with yet
    (tmp_path / "telecom").mkdir()
    (tmp_path / "telecom" / "vt_2024.xlsx").write_bytes(b"x")
    request, after_telecom = tick(cursor)
    assert staged(request) == {"stg_telecom"} and request.tags["xhs/departments"] == "telecom"
    assert request.run_config == IN_PROCESS_RUN
    old_format = json.dumps(json.loads(cursor)["landing"])  # the cursor before issue #28: the landing state alone
    assert staged(tick(old_format)[0]) is None
    (tmp_path / "vt_2025.xlsx").write_bytes(b"x")  # at the top: its department comes from its headers
    assert staged(tick(after_telecom)[0]) is None
    (tmp_path / "vt_2025.xlsx").unlink()
    (tmp_path / "telecom" / "vt_2024.xlsx").write_bytes(b"corrected")
    edited = json.loads(after_telecom)
    edited["code"]["departments"]["health"] = "an older spec"
    assert staged(tick(json.dumps(edited))[0]) == {"stg_telecom", "stg_health"}
    edited["code"]["reader"] = "an older reader"
    assert staged(tick(json.dumps(edited))[0]) is None
    monkeypatch.setattr(pipelines.automation, "SMALL_DELIVERY", 0)  # a large delivery: a process per step
    assert tick(after_telecom)[0].run_config == {}


@contextlib.contextmanager
def digests_forgotten() -> Iterator[None]:
    """The reader's and departments' digests this process keeps forgotten after the block, so that the next test's
    are hashed from the reference folder it has, not from this test's copy."""
    from sources.staging.digests import department_digest, reader_code_digest

    try:
        yield
    finally:
        reader_code_digest.cache_clear()
        department_digest.cache_clear()


def test_the_landing_sensor_sees_a_unit_list_edited_while_it_runs(tmp_path, monkeypatch) -> None:
    """The code location lives for days: a unit list edited meanwhile (data, nothing reloads it) changes the reader's
    digest at the next tick, and the run requested then stages every department."""
    import shutil

    from assets.settings import XhsSettings
    from sources.areas.units import reference_folder

    reference = tmp_path / "reference"
    shutil.copytree(reference_folder(), reference)
    monkeypatch.setenv("XHS_REFERENCE", str(reference))
    landing = tmp_path / "landing"
    (landing / "telecom").mkdir(parents=True)
    resources = {"settings": XhsSettings.from_env(landing=str(landing), settle_seconds=0)}
    sensor = defs.resolve_sensor_def("landing_sensor")
    cursor = None
    chosen = []
    with dg.instance_for_test() as instance, digests_forgotten():
        for year, edit in ((2023, False), (2024, False), (2025, True)):
            (landing / "telecom" / f"vt_{year}.xlsx").write_bytes(b"x")
            if edit:
                [units] = sorted(reference.glob("*.csv"))[:1]
                units.write_text(units.read_text(encoding="utf-8") + "\n", encoding="utf-8")
            context = dg.build_sensor_context(instance=instance, cursor=cursor, resources=resources)
            result = sensor.evaluate_tick(context)
            [request] = result.run_requests
            cursor = result.cursor
            chosen.append(request.tags["xhs/departments"])
    assert chosen == ["all", "telecom", "all"]


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
