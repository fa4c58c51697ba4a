"""Staging layer: one asset per departmental spec, ``stg_<source>``, built from the spec by a factory."""

import warnings
from collections import Counter
from datetime import date

import dagster as dg
import polars as pl

from assets.faults import step_faults
from assets.raw import raw_files
from assets.settings import TRANSIENT_RETRY, XhsSettings
from expectations.files import check_staging_table, check_together
from runtime import progress
from sources.archive.raw import ArchivedObject, RawArchive
from sources.archive.state import StagedFile, StateStore
from sources.common.periods import next_due, parse_period_code
from sources.specs.model import Spec, load_specs
from sources.staging.stager import Stager, build_staging_table, scan_staging_table, source_of

# One partition per reporting period (``2024``, ``2024-Q2``, ``2025-H2``, ``2024-06-13``), added as files with
# new periods arrive. Re-running ``stg_<source>`` for a period re-reads that source's files of the period from the
# raw archive; a backfill of many periods is a single run (one warehouse publication, not one per period).
PERIODS_NAME = "period"
PERIODS = dg.DynamicPartitionsDefinition(name=PERIODS_NAME)


def staging_asset(spec: Spec) -> dg.AssetsDefinition:
    with warnings.catch_warnings():  # backfill_policy is beta in dagster 1.13; we rely on single-run backfills
        warnings.simplefilter("ignore", dg.BetaWarning)
        return _staging_asset(spec)


def _staging_asset(spec: Spec) -> dg.AssetsDefinition:
    @dg.asset(
        name=f"stg_{spec.source}",
        group_name="staging",
        retry_policy=TRANSIENT_RETRY,
        kinds={"polars", "parquet"},
        deps=[raw_files],
        partitions_def=PERIODS,
        backfill_policy=dg.BackfillPolicy.single_run(),
        check_specs=[
            dg.AssetCheckSpec(
                "files_accepted",
                asset=f"stg_{spec.source}",
                description=f"Warns when {spec.source} files received since the last report were quarantined or "
                "refused: they did not reach the table. Their findings are in the run report and meta_finding.",
            )
        ],
        description=f"{spec.name_en} ({spec.name_vi}): every value of every {spec.source} file that passed the "
        f"reader's checks, long format, with file, sheet and cell. Spec: sources/specs/{spec.path.name}. "
        "Partitioned by period: materialising a partition re-reads that period's files from the raw archive.",
    )
    def _stage(context: dg.AssetExecutionContext, settings: XhsSettings) -> dg.MaterializeResult:
        with step_faults(f"stg_{spec.source}", settings.paths().data):
            return stage_source(context, settings, spec)

    return _stage


def stage_source(context: dg.AssetExecutionContext, settings: XhsSettings, spec: Spec) -> dg.MaterializeResult:
    """``stg_<source>``: read the source's files (or take their cached reads), then build its table."""
    paths = settings.paths()
    archive, state = RawArchive(paths.raw), StateStore(paths.state)
    objs, specs = archive.all(), load_specs()
    # a file dropped at the top of the landing folder is the department's its headers gave (its recorded outcome)
    detected = state.outcomes(only=[o.sha256 for o in objs if o.source not in specs])
    files = [o for o in objs if source_of(o, detected.get(o.sha256)) == spec.source]
    stager = Stager(
        archive, state, paths.staging, check_together, threads=settings.read_threads, files=[o.sha256 for o in files]
    )
    rerun = selected_periods(context)
    again = frozenset(
        o.sha256
        for o in files
        if rerun is not None and (known := stager.outcomes.get(o.sha256)) and known.period in rerun
    )
    new = {o.sha256 for o in files if not stager.is_cached(o)}
    progress.reading(spec.source, len(new | again), already_read=len(files) - len(new | again))
    read = stager.prefetch(files, refresh=again)  # new files read, then validated together: one suite run
    staged = [stager.stage(o, refresh=o.sha256 in again - read) for o in files]
    progress.stage(f"staging table {spec.source}")
    frame = build_staging_table(staged, spec.source, paths.staging_table(spec.source), state)
    rejected = [s for s in staged if not s.ok]
    for s in rejected:
        first = s.errors[0] if s.errors else None
        context.log.warning(f"{s.name}: {s.status}: {first.message_en if first else ''}")
    periods = register_periods(context.instance, staged)
    if rerun is None:  # a run of everything: record each period that new files changed, partition by partition
        changed = sorted({s.period for s in staged if s.sha256 in new and s.period})
        for period, metadata in periods_metadata(staged, frame, changed).items():
            context.log_event(dg.AssetMaterialization(asset_key=context.asset_key, partition=period, metadata=metadata))
    else:
        for period in sorted(rerun - set(periods)):
            context.log.warning(f"no {spec.source} file for period {period} / không có tệp kỳ {period}")
    return dg.MaterializeResult(
        check_results=[accepted_check(files, staged, state)],
        metadata={
            "files_loaded": sum(s.ok for s in staged),
            "files_rejected": len(rejected),
            "files_read": stager.reads,
            "files_reread": len(again),
            "rows": frame.select(pl.len()).collect().item(),
            "periods": dg.MetadataValue.text(", ".join(periods)),
            "rejected": dg.MetadataValue.md("\n".join(f"- {s.name}: {s.status}" for s in rejected) or "none"),
        },
    )


def accepted_check(files: list[ArchivedObject], staged: list[StagedFile], state: StateStore) -> dg.AssetCheckResult:
    """Failed (warning) when a file with a delivery no run has reported yet was not loaded: a quarantined file
    shows in the UI as a check that did not pass, not as a silent success."""
    reported = state.reported()
    fresh = {o.sha256 for o in files if any((o.sha256, d.landing_path) not in reported for d in o.deliveries)}
    rejected_now = [s for s in staged if not s.ok and s.sha256 in fresh]

    def line(s: StagedFile) -> str:
        first = s.errors[0] if s.errors else None
        where = f" {first.sheet or ''}!{first.cell}" if first and first.cell else ""
        return f"- {s.name}: {s.status}{where} {first.message_en if first else ''}"

    return dg.AssetCheckResult(
        check_name="files_accepted",
        passed=not rejected_now,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "rejected_this_run": len(rejected_now),
            "rejected_in_archive": sum(not s.ok for s in staged),
            "files": dg.MetadataValue.md("\n".join(line(s) for s in rejected_now) or "none"),
        },
    )


def selected_periods(context: dg.AssetExecutionContext) -> set[str] | None:
    """The periods a partitioned run (one period or a backfill range) asks for; None for a run of everything."""
    if context.has_partition_key_range or context.has_partition_key:
        return set(context.partition_keys)
    return None


def register_periods(instance: dg.DagsterInstance, staged: list[StagedFile]) -> list[str]:
    """Add the periods of these files as partitions (so the UI lists them); return them sorted."""
    periods = sorted({s.period for s in staged if s.period})
    known = set(instance.get_dynamic_partitions(PERIODS_NAME))
    new = [p for p in periods if p not in known]
    if new:
        instance.add_dynamic_partitions(PERIODS_NAME, new)
    return periods


def periods_metadata(staged: list[StagedFile], frame: pl.LazyFrame, periods: list[str]) -> dict[str, dict[str, int]]:
    """Each period's files loaded and rejected and rows in the staging table, by period (in the order given): the
    table is counted once for all of them (a first run at M records 300 periods: one filter each took 0.4 s)."""
    if not periods:
        return {}
    rows = dict(
        frame.filter(pl.col("period_code").is_in(periods)).group_by("period_code").agg(pl.len()).collect().iter_rows()
    )
    loaded, rejected = Counter(s.period for s in staged if s.ok), Counter(s.period for s in staged if not s.ok)
    return {p: {"files_loaded": loaded[p], "files_rejected": rejected[p], "rows": rows.get(p, 0)} for p in periods}


def staging_checks_of(spec: Spec) -> dg.AssetChecksDefinition:
    """The two checks of ``stg_<source>``, ``expectations`` (blocking) and ``timely`` (a warning), in one step
    (``stg_<source>_checks``): each check is still its own in the UI and can be executed alone. One step instead of
    two saves a step's events and commits in every run that stages the department (issue #28)."""
    asset = dg.AssetKey(f"stg_{spec.source}")
    expectations, timely = dg.AssetCheckKey(asset, "expectations"), dg.AssetCheckKey(asset, "timely")

    @dg.multi_asset_check(
        name=f"stg_{spec.source}_checks",
        specs=[
            dg.AssetCheckSpec(
                "expectations",
                asset=asset,
                blocking=True,
                description=f"Great Expectations suite expectations/{spec.source}.json on the staging table: the "
                "rows of the files added since its last passing check (every expectation is row-level), else the "
                "whole table; rows of a file the suite validated on its own as it was staged, under the same spec, "
                "suite and reader, are taken as checked there. Files that fail are quarantined before they reach "
                "it, so a failure here stops the warehouse load.",
            ),
            dg.AssetCheckSpec(
                "timely",
                asset=asset,
                description=f"Stale when a province's latest {spec.source} period is older than the {spec.cadence}ly "
                f"cadence allows ({spec.grace_days} days of grace after the next period ends): a late department.",
            ),
        ],
        can_subset=True,
    )
    def _checks(context: dg.AssetCheckExecutionContext, settings: XhsSettings):
        selected = context.selected_asset_check_keys
        if timely in selected:  # first: cheap, and evaluated even when the suite's check raises
            yield timely_result(spec, settings)
        if expectations in selected:
            yield expectations_result(spec, settings)

    return _checks


def expectations_result(spec: Spec, settings: XhsSettings) -> dg.AssetCheckResult:
    progress.stage(f"checking {spec.source}")
    paths = settings.paths()
    outcome = check_staging_table(spec.source, paths.staging_table(spec.source), StateStore(paths.state))
    listing = "\n".join(f"- {m}" for m in outcome["first_errors"]) or "none"
    return dg.AssetCheckResult(
        asset_key=f"stg_{spec.source}",
        check_name="expectations",
        passed=not outcome["errors"],
        metadata={
            "rows": outcome["rows"],
            "rows_checked": outcome.get("rows_checked", outcome["rows"]),
            # files whose rows were validated on their own as they were staged, and not again here
            "checked_with_files": outcome.get("checked_with_files", 0),
            "errors": outcome["errors"],
            "warnings": outcome["warnings"],
            "first_errors": dg.MetadataValue.md(listing),
            # the run's data_docs asset renders this result there once the warehouse is published
            "data_docs": dg.MetadataValue.path(str(paths.docs_index.resolve())),
        },
    )


def timely_result(spec: Spec, settings: XhsSettings) -> dg.AssetCheckResult:
    table = scan_staging_table(settings.paths().staging_table(spec.source))
    columns = ["province_code", "period_code"]
    frame = (
        table.select(columns).unique().collect()  # lazily: 0.015 s, not 0.03-0.06 s, at XL
        if table is not None
        else pl.DataFrame({c: [] for c in columns}, schema=dict.fromkeys(columns, pl.String))
    )
    late = overdue(frame, spec.cadence, spec.grace_days, date.today())
    return dg.AssetCheckResult(
        asset_key=f"stg_{spec.source}",
        check_name="timely",
        passed=not late,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "late": dg.MetadataValue.md(
                "\n".join(f"- province {p}: latest {latest}, next due {due}" for p, latest, due in late) or "none"
            )
        },
    )


def overdue(frame: pl.DataFrame, cadence: str, grace_days: int, today: date) -> list[tuple[str, str, date]]:
    """(province, latest period, date the next file was due) for every province whose next file is late."""
    late = []
    for province, codes in frame.group_by("province_code").agg(pl.col("period_code").unique()).iter_rows():
        latest = max((parse_period_code(c) for c in codes), key=lambda p: p.end)
        due = next_due(latest.end, cadence, grace_days)
        if today > due:
            late.append((province, latest.code, due))
    return sorted(late)


staging_assets = [staging_asset(spec) for spec in load_specs().values()]
staging_checks = [staging_checks_of(spec) for spec in load_specs().values()]
