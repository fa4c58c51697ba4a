"""Raw layer: every file in the landing folder archived by content (sha256), nothing ever overwritten."""

import dagster as dg

from assets.faults import step_faults
from assets.settings import TRANSIENT_RETRY, XhsSettings
from expectations.files import check_together
from runtime import progress
from runtime.stopping import check_stop
from sources.archive.migrate import import_sidecars
from sources.archive.raw import RawArchive
from sources.archive.repair import mend_stores
from sources.archive.state import StateStore
from sources.staging.stager import Stager


@dg.asset(
    group_name="raw",
    retry_policy=TRANSIENT_RETRY,
    kinds={"file"},
    description="Files delivered to the landing folder, copied once into the content-addressed raw archive "
    "(data/raw/objects). Files dropped at the top of the landing folder have their source detected from "
    "their headers.",
)
def raw_files(context: dg.AssetExecutionContext, settings: XhsSettings) -> dg.MaterializeResult:
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
    new, redelivered = archive.ingest(paths.landing)
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
            "archive": dg.MetadataValue.path(str(paths.raw)),
        }
    )
