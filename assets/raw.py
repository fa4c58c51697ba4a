"""Raw layer: every file in the landing folder archived by content (sha256), nothing ever overwritten."""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg

from assets.faults import step_faults
from assets.helpers import RunHelpers
from assets.settings import TRANSIENT_RETRY, XhsSettings
from expectations.files import check_together
from runtime import progress
from runtime.stopping import check_stop
from sources.archive.landing import Listing, list_landing, shown
from sources.archive.migrate import import_sidecars
from sources.archive.raw import RawArchive
from sources.archive.repair import mend_stores
from sources.archive.state import StateStore
from sources.staging.stager import Stager

WAITING_MEMO = "landing.waiting"  # the files the last archiving left for later (still being uploaded)

# The listing of the landing folder ``xhs run`` made before it launched the run in this process, by folder, with the
# settling time it was made with and the process that made it (``listing_offered``)
_OFFERED: dict[Path, tuple[float, int, Listing]] = {}


@contextmanager
def listing_offered(landing: Path, settle_seconds: float, listing: Listing) -> Iterator[None]:
    """``xhs run`` lists the landing folder before it launches anything (to tell whether there is anything new);
    the archive step of the run it then executes in this process takes that listing instead of listing the folder
    again (17,000 entries at size XL: 0.15 s, issue #28). A file that lands in between is archived by the next run,
    as one landing during the run is. Taken once, by an archive step in this process with the same settling time,
    and withdrawn when the run ends; a step in a process of its own (``XHS_EXECUTOR=multiprocess``) lists the folder
    itself."""
    key = landing.resolve()
    _OFFERED[key] = (settle_seconds, os.getpid(), listing)
    try:
        yield
    finally:
        _OFFERED.pop(key, None)


def landing_now(landing: Path, settle_seconds: float) -> Listing:
    """The listing offered for this run (``listing_offered``), else the landing folder listed now."""
    offered = _OFFERED.pop(landing.resolve(), None)
    if offered is not None and offered[:2] == (settle_seconds, os.getpid()):
        return offered[2]
    return list_landing(landing, settle_seconds)


@dg.asset(
    group_name="raw",
    retry_policy=TRANSIENT_RETRY,
    kinds={"file"},
    description="Files delivered to the landing folder, copied once into the content-addressed raw archive "
    "(data/raw/objects), once their upload has settled (XHS_SETTLE_SECONDS). Links and special files are not "
    "opened: each is a finding of the run report. Files dropped at the top of the landing folder have their "
    "source detected from their headers.",
)
def raw_files(
    context: dg.AssetExecutionContext,
    settings: XhsSettings,
    run_helpers: RunHelpers,  # set up as the run starts: xhs run's helper processes in a run worker (assets/helpers.py)
) -> dg.MaterializeResult:
    with step_faults("raw_files", settings.paths().data):
        return _archive_landing(context, settings)


def _archive_landing(context: dg.AssetExecutionContext, settings: XhsSettings) -> dg.MaterializeResult:
    progress.stage("archiving")
    paths = settings.paths()
    paths.landing.mkdir(parents=True, exist_ok=True)
    archive, state = RawArchive(paths.raw), StateStore(paths.state)
    for mended in mend_stores(archive, state, paths.warehouse):  # a damaged manifest or state store
        context.log.warning(mended.line())
    if imported := import_sidecars(archive, state):
        context.log.info(f"{imported} archived files of the earlier layout imported into the manifest and state")
    listing = landing_now(paths.landing, settings.settle_seconds)
    intake = archive.take_in(paths.landing, listing)
    new, redelivered = intake.new, intake.redelivered
    refused = [*listing.refused, *intake.refused]
    if added := state.record_refusals(refused):
        context.log.warning(f"{added} entries of the landing folder not opened (links, special files, names)")
    for r in refused:
        context.log.warning(f"{r.path}: {r.rule} ({r.kind})")
    waiting = sorted({*(shown(f.path) for f in listing.unsettled), *map(shown, intake.changed)})
    state.remember(WAITING_MEMO, {"run_id": context.run.run_id, "paths": waiting, "settle": settings.settle_seconds})
    if waiting:
        context.log.info(
            f"{len(waiting)} files still being uploaded (changed within {settings.settle_seconds:g} s), read by a "
            f"later run: {', '.join(waiting[:10])}"
        )
    stager = Stager(archive, state, paths.staging, check_together)
    objects = archive.all()
    # a file dropped at the top of the landing folder: its department comes from its headers
    undetected = [obj for obj in objects if obj.source is None and not stager.is_cached(obj)]
    if undetected:
        progress.reading("files of no department folder", len(undetected))
    for obj in undetected:
        check_stop("reading the next file")
        staged = stager.stage(obj)
        context.log.info(f"{obj.name}: source detected from headers: {staged.source}")
    for obj in redelivered:
        context.log.info(
            f"{obj.deliveries[-1].name}: same bytes as {obj.name} (sha256 {obj.sha256[:12]}), "
            "recorded, not loaded twice"
        )
    total = len(objects)
    return dg.MaterializeResult(
        metadata={
            "new_files": len(new),
            "redelivered_files": len(redelivered),
            "archived_files": total,
            "refused_entries": len(refused),
            "files_still_uploading": len(waiting),
            "archive": dg.MetadataValue.path(str(paths.raw)),
        }
    )
