"""The run report: every delivery received since the last report, its outcome and, for a rejected file, its
findings, in Vietnamese and English (``data/reports/run-<time>.md``). Every run writes it, whoever launched it:
``xhs run``, the nightly schedule or the landing sensor."""

import dagster as dg

from assets.faults import step_faults
from assets.raw import WAITING_MEMO
from assets.settings import XhsSettings
from assets.warehouse import WAREHOUSE_TABLES
from runtime import progress
from sources.archive.raw import RawArchive
from sources.archive.state import ReportedDelivery, StagedFile, StateStore
from warehouse.report import Landing, write_report


@dg.asset(
    group_name="report",
    kinds={"markdown"},
    deps=[*WAREHOUSE_TABLES, "reply_workbooks", "data_docs", "lake"],  # it links them; it comes last
    description="The bilingual validation report of the deliveries received since the last report "
    "(data/reports/run-<UTC time>.md), and which deliveries have been reported.",
)
def run_report(context: dg.AssetExecutionContext, settings: XhsSettings) -> dg.MaterializeResult:
    with step_faults("run_report", settings.paths().data):
        return _report(context, settings)


def _report(context: dg.AssetExecutionContext, settings: XhsSettings) -> dg.MaterializeResult:
    progress.stage("report")
    paths = settings.paths()
    state = StateStore(paths.state)
    pending = unreported_deliveries(RawArchive(paths.raw), state)
    refused = state.refusals(unreported=True)  # links, special files, refused names: never opened
    waiting = (state.memo(WAITING_MEMO) or {}).get("paths", [])
    report = (
        write_report(
            paths.warehouse, paths.reports, pending, paths.feedback, paths.docs_index, Landing(refused, waiting)
        )
        if pending or refused
        else None
    )
    state.mark_reported(pending, context.run.run_id)
    state.mark_refusals_reported(refused, context.run.run_id)
    rejected = [d for d in pending if d.rejected]
    for d in rejected:
        context.log.warning(f"{d.landing_path}: {d.status} {d.first_error}")
    for r in refused:
        context.log.warning(f"{r.path}: {r.rule} ({r.kind})")
    return dg.MaterializeResult(
        metadata={
            "deliveries": len(pending),
            "rejected": len(rejected),
            "not_opened": len(refused),
            "report": dg.MetadataValue.path(str(report)) if report else dg.MetadataValue.text("nothing new"),
        }
    )


def unreported_deliveries(archive: RawArchive, state: StateStore) -> list[ReportedDelivery]:
    """Deliveries no completed run has reported yet: those this run received, and those a run that died after
    archiving them never got to report. A later delivery of the same bytes is a duplicate."""
    reported = state.reported()
    unreported = [
        (obj.sha256, k, d)
        for obj in archive.all()
        for k, d in enumerate(obj.deliveries)
        if (obj.sha256, d.landing_path) not in reported
    ]
    outcomes = state.outcomes(only={sha for sha, _, _ in unreported})  # a few files, not every file's (issue #28)
    pending = []
    for sha, k, d in unreported:
        outcome = outcomes.get(sha)
        status = (outcome.status if outcome else "received") if k == 0 else "duplicate"
        first = _first_error(outcome) if status in {"quarantined", "unreadable"} else ""
        pending.append(ReportedDelivery(sha, d.landing_path, status, first))
    return sorted(pending, key=lambda d: d.landing_path)  # the report lists them by path, run after run


def _first_error(outcome: StagedFile | None) -> str:
    errors = outcome.errors if outcome else []
    return f"{errors[0].cell or ''} {errors[0].message_en}".strip() if errors else ""
