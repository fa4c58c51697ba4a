"""``xhs run``: materialise every asset in-process through Dagster, then summarise (DESIGN §10).

Exit status: 0 every file received since the last completed run was loaded; 1 the run finished but some
of them were quarantined or unreadable (the rest loaded), or something in the landing folder was not opened (a
link, a special file, a refused name: a finding each); 2 the run could not complete."""

from __future__ import annotations

import os
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from assets.faults import DISK
from assets.instance import instance_choice
from assets.settings import XhsSettings
from pipelines.executor import IN_PROCESS, execute_materialize_all, executor_kind
from runtime import progress
from runtime.disk import DiskError, classify, classify_text, writing
from runtime.files import file_state
from runtime.stopping import STOP
from sources.archive.integrity import CorruptStore
from sources.archive.landing import Listing, Refusal
from sources.archive.state import ReportedDelivery, StateStore

OK, SOME_REJECTED, FAILED = 0, 1, 2


@dataclass
class RunOutcome:
    exit_code: int
    received: list[ReportedDelivery] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)  # landing entries not opened, reported by this run
    summary: dict[str, int] = field(default_factory=dict)
    report: Path | None = None


class RerunError(ValueError):
    """A re-run asked for a source or period the deployment does not have."""


def run_pipeline(
    settings: XhsSettings,
    home: Path,
    source: str | None = None,
    period: str | None = None,
    listing: Listing | None = None,
) -> RunOutcome:
    """Launch the ``materialize_all`` job in this process (the nightly run), or, with ``period``, a re-run of
    that period's files (of one ``source``, else of every source) followed by the warehouse: Dagster's
    partitioned run of ``stg_<source>``. Everything a run produces (warehouse, report, state) is made by the
    job's assets, exactly as when the schedule or the sensor launches it; this only launches and summarises.
    The copy of the publication the next build starts from is finished last (``warehouse.next_copy``)."""
    from warehouse.next_copy import made_while_the_run_ends

    with made_while_the_run_ends() as unmade:
        outcome = _run_and_summarise(settings, home, source, period, listing)
    for line in unmade:
        print(f"xhs run: {line}", file=sys.stderr)
    return outcome


def _run_and_summarise(
    settings: XhsSettings, home: Path, source: str | None, period: str | None, listing: Listing | None
) -> RunOutcome:
    import dagster as dg

    from assets.helpers import RUN_HELPERS, start_intake_worker
    from assets.raw import listing_offered
    from pipelines.definitions import defs
    from pipelines.home import open_instance
    from pipelines.up_to_date import departments_to_read, landing_listing, remember_completed, starting_point
    from warehouse import lake_process

    paths = settings.paths()
    # before anything is archived: a file landing during the run is new next time (one listing for the starting
    # point, the departments to read and the archive step, ``assets.raw.listing_offered``; the command's own when it
    # listed the folder already)
    if listing is None:
        listing = landing_listing(paths.landing, settings.settle_seconds)
    start = starting_point(paths, listing)
    departments, detail = departments_to_read(paths, listing)
    if (departments is None or departments or source or period) and executor_kind(default=IN_PROCESS) == IN_PROCESS:
        start_intake_worker()  # files to read in this process: the reader's worker starts while Dagster does
    # Dagster's storage: a full disk is named too. The lake's libraries import on the other core while the steps
    # run (``warehouse.lake_process``, issue #28); the helper ends with the run.
    offered = listing_offered(paths.landing, settings.settle_seconds, listing)
    with writing(home), offered, open_instance(home) as instance, lake_process.beside():
        if not instance_choice().shared:  # on a shared instance the daemon's run monitoring does it
            release_dead_runs(instance)
        run_config = {"loggers": {"console": {"config": {"log_level": os.environ.get("XHS_LOG_LEVEL", "CRITICAL")}}}}
        if source or period:
            definitions = [
                a for a in [*(defs.assets or []), *(defs.asset_checks or [])] if isinstance(a, dg.AssetsDefinition)
            ]  # every asset and check here is one
            result = dg.materialize(
                definitions,
                instance=instance,
                raise_on_error=False,
                resources={"settings": settings, "run_helpers": RUN_HELPERS},
                run_config=run_config,
                **rerun_arguments(instance, source, period),
            )
        else:
            result = execute_materialize_all(instance, settings, run_config, departments=departments)
    progress.finish()  # the live line is cleared before anything else is printed
    if not result.success:
        if not STOP.is_set():  # a stopped run is reported by ``print_stopped``
            fault = disk_fault(result, paths.data)
            if fault:
                print(f"xhs run: {fault}", file=sys.stderr)
            else:
                print("Run failed / Chạy thất bại:", *_failure_messages(result), sep="\n  ", file=sys.stderr)
        return RunOutcome(FAILED)
    state = StateStore(paths.state)
    received, refused = state.reported_by(result.run_id), state.refusals(run_id=result.run_id)
    reports = [m.metadata.get("report") for m in result.asset_materializations_for_node("run_report")]
    report = next((Path(r.value) for r in reports if isinstance(r, dg.PathMetadataValue)), None)
    rejected = any(d.rejected for d in received)
    summary = _warehouse_summary(paths.warehouse)
    if not (source or period):
        remember_completed(paths, start, detail, result.run_id, summary)
    return RunOutcome(SOME_REJECTED if rejected or refused else OK, received, refused, summary, report)


def publish_release(settings: XhsSettings, home: Path) -> Path:
    """Launch the ``publish_release`` job in this process (what the release schedule launches); return the new
    release folder. Raises ``ReleaseFailed`` with the job's own message."""
    import dagster as dg

    from pipelines.definitions import defs
    from pipelines.home import open_instance

    with open_instance(home) as instance:
        result = defs.resolve_job_def("publish_release").execute_in_process(
            instance=instance,
            resources={"settings": settings},
            raise_on_error=False,
            run_config={"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}},
        )
    if not result.success:
        raise ReleaseFailed(" ".join(_failure_messages(result)))
    [materialization] = result.asset_materializations_for_node("open_data_release")
    release = materialization.metadata["release"]
    assert isinstance(release, dg.PathMetadataValue)
    return Path(release.value)


class ReleaseFailed(RuntimeError):
    """The release job failed (the warehouse is missing or empty, or disclosure control refused it)."""


def rerun_arguments(instance, source: str | None, period: str | None) -> dict:
    """``materialize`` arguments for a re-run: the raw step, the chosen staging assets and the warehouse,
    for one period (``--period 2024``) or every known period (``--period all``) as a single run."""
    from dagster import AssetKey

    from assets.staging import PERIODS
    from assets.warehouse import WAREHOUSE_TABLES
    from sources.specs.model import load_specs

    if source and source not in load_specs():
        raise RerunError(f"no source {source!r}; known: {', '.join(sorted(load_specs()))}")
    if not period:
        raise RerunError("a re-run needs --period (a period code, or 'all')")
    known = instance.get_dynamic_partitions(PERIODS.name)
    if period != "all" and period not in known:
        raise RerunError(f"no period {period!r} has been delivered; known: {', '.join(sorted(known)) or 'none'}")
    if not known:
        raise RerunError("no period has been delivered yet: run `xhs run` first")
    sources = [source] if source else sorted(load_specs())
    selection = [
        AssetKey("raw_files"),
        *(AssetKey(f"stg_{s}") for s in sources),
        *map(AssetKey, WAREHOUSE_TABLES),
        AssetKey("reply_workbooks"),
        AssetKey("data_docs"),
        AssetKey("lake"),
    ]
    if period == "all":
        return {
            "selection": selection,
            "tags": {"dagster/asset_partition_range_start": known[0], "dagster/asset_partition_range_end": known[-1]},
        }
    return {"selection": selection, "partition_key": period}


def release_dead_runs(instance) -> list[str]:
    """Runs whose process was killed (SIGKILL, power cut) stay "started" in Dagster and keep the slot of the
    ``duckdb_writer`` pool they held: every later run would wait for it forever. A run whose process is gone
    (its pid no longer exists, or now belongs to a process started after the run) is marked failed and its
    slots freed. Runs of a live process (the UI's daemon, another ``xhs run``) are left alone."""
    import psutil
    from dagster import DagsterEventType, DagsterRunStatus, RunsFilter

    released = []
    live = [DagsterRunStatus.STARTING, DagsterRunStatus.STARTED, DagsterRunStatus.CANCELING]
    for record in instance.get_run_records(filters=RunsFilter(statuses=live)):
        run = record.dagster_run
        starts = instance.all_logs(run.run_id, of_type=DagsterEventType.RUN_START)
        event = starts[0] if starts else None
        pid = event.dagster_event.pid if event and event.dagster_event else None
        if event is None or pid is None:
            continue
        try:
            alive = psutil.Process(pid).create_time() <= event.timestamp + 1
        except psutil.Error:
            alive = False
        if not alive:
            stop_orphaned_workers(instance, run.run_id)
            instance.report_run_failed(run, message=f"process {pid} of this run is gone (killed): slots released")
            instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
            released.append(run.run_id)
    return released


def stop_orphaned_workers(instance, run_id: str) -> list[int]:
    """The multiprocess executor's step workers outlive a killed run process: one still building or publishing
    the warehouse would race the next run for the work file. Each worker this run started that is still the same
    process (same pid, started at its event) is terminated, and killed if it does not stop within 10 s."""
    import psutil
    from dagster import DagsterEventType

    workers = []
    for event in instance.all_logs(run_id, of_type=DagsterEventType.STEP_WORKER_STARTED):
        pid = event.dagster_event.pid if event.dagster_event else None
        try:
            proc = psutil.Process(pid) if pid else None
            if proc and abs(proc.create_time() - event.timestamp) < 30 and proc.pid != os.getpid():
                proc.terminate()
                workers.append(proc)
        except psutil.Error:
            continue
    _, alive = psutil.wait_procs(workers, timeout=10)
    for proc in alive:
        proc.kill()
    psutil.wait_procs(alive, timeout=5)  # gone (and reaped, when it is our own child) before the slot is freed
    return [p.pid for p in workers]


def disk_fault(result, data: Path) -> str | None:
    """The one line to print when a step failed on a full or failing disk: the step's own ``DiskError``
    message (``assets/faults.py``), or, for an error that came back as text only, one naming ``data``."""
    for event in result.all_events:
        if not event.is_step_failure:
            continue
        failure = event.step_failure_data
        user = failure.user_failure_data
        fault = user.metadata.get("fault") if user else None
        if fault is not None and getattr(fault, "value", None) == DISK and user.description:
            return user.description
        error = failure.error
        text = " ".join(e.message for e in (error, error.cause if error else None) if e)
        kind = classify_text(text)
        if kind is not None:
            return DiskError(kind, data, " ".join(text.split())[:300]).message()
    return None


def say_failure(exc: Exception, home: Path) -> None:
    """One line for an error raised outside the steps (Dagster's own storage, a damaged record)."""
    if isinstance(exc, CorruptStore):
        print(f"xhs run: {exc}", file=sys.stderr)
        return
    disk = classify(exc, home)
    if disk is not None:
        print(f"xhs run: {disk}", file=sys.stderr)
        return
    print(
        f"xhs run could not complete / không chạy được: {type(exc).__name__}: {' '.join(str(exc).split())}",
        file=sys.stderr,
    )


def print_stopped(finished, published: Path, before: list[int] | None) -> None:
    """The line ``xhs run`` prints when a signal stopped it."""
    after = file_state(published) if published.exists() else None
    name = signal.Signals(finished.signal).name
    if after == before:
        state = (
            f"the published warehouse {published} is unchanged / kho dữ liệu đã công bố không thay đổi"
            if before
            else "nothing was published / chưa công bố gì"
        )
    else:
        state = (
            f"the warehouse had been published before the stop: {published} / kho dữ liệu đã được công bố "
            "trước khi dừng"
        )
    print(
        f"xhs run stopped by {name} / đã dừng theo tín hiệu {name}: {state}. Run `xhs run` again to go on / "
        "Chạy lại `xhs run` để tiếp tục.",
        file=sys.stderr,
    )


def _failure_messages(result) -> list[str]:
    """What failed, in one line per step, without a traceback (set XHS_LOG_LEVEL=INFO for Dagster's logs)."""
    messages = []
    for event in result.all_events:
        if event.is_step_failure:
            error = event.step_failure_data.error
            cause = error.cause.message.strip() if error and error.cause else (error.message.strip() if error else "")
            messages.append(f"{event.step_key}: {cause}")
    return messages or ["see the run in the Dagster UI (xhs ui)"]


def _warehouse_summary(warehouse: Path) -> dict[str, int]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        q = {
            "files_loaded": "SELECT count(*) FROM meta_file WHERE status = 'loaded'",
            "files_quarantined": "SELECT count(*) FROM meta_file WHERE status IN ('quarantined', 'unreadable')",
            "files_duplicate": "SELECT count(*) FROM meta_file WHERE status = 'duplicate'",
            "fact_rows": "SELECT count(*) FROM fact_indicator",
            "indicators": "SELECT count(DISTINCT indicator_code) FROM fact_indicator",
            "periods": "SELECT count(DISTINCT period_code) FROM fact_indicator",
        }
        # fetchall, not fetchone: DuckDB 2.0 refuses further work on a connection with an unfinished result
        return {k: con.execute(sql).fetchall()[0][0] for k, sql in q.items()}


def print_outcome(outcome: RunOutcome, settings: XhsSettings) -> None:
    paths = settings.paths()
    s = outcome.summary
    print(f"Files received this run / Tệp nhận lần này: {len(outcome.received)}")
    for d in outcome.received:
        if d.status != "loaded":
            print(f"  {d.status:<12} {d.landing_path}  {d.first_error}")
    if outcome.refused:
        print(f"Not opened in the landing folder / Không mở trong thư mục tiếp nhận: {len(outcome.refused)}")
    for r in outcome.refused:
        print(f"  {r.rule:<12} {r.message_en}")
    print(
        f"Files in the warehouse / Tệp trong kho: {s.get('files_loaded', 0)} loaded, "
        f"{s.get('files_quarantined', 0)} quarantined, {s.get('files_duplicate', 0)} duplicate deliveries"
    )
    print(
        f"Indicator values / Giá trị chỉ tiêu: {s.get('fact_rows', 0)} rows, {s.get('indicators', 0)} indicators, "
        f"{s.get('periods', 0)} periods"
    )
    if outcome.report:
        print(f"Validation report / Báo cáo kiểm tra: {outcome.report}")
    replies = sorted(paths.feedback.rglob("* - kiem tra.xlsx"))
    if replies:
        print(f"Reply workbooks for departments / Tệp phản hồi gửi đơn vị: {len(replies)} in {paths.feedback}")
    if paths.docs_index.exists():
        print(f"Data Docs (Great Expectations): {paths.docs_index}")
    print(f"Warehouse / Kho dữ liệu: {paths.warehouse}")
    print(f"  open it: .venv/bin/duckdb {paths.warehouse}")
