"""Raw layer: every file in the landing folder archived by content (sha256), nothing ever overwritten."""


import dagster as dg

from pipelines.settings import TRANSIENT_RETRY, XhsSettings
from sources.archive import RawArchive
from sources.staging import Stager


@dg.asset(
    group_name="raw",
    retry_policy=TRANSIENT_RETRY,
    kinds={"file"},
    description="Files delivered to the landing folder, copied once into the content-addressed raw archive "
    "(data/raw/objects). Files dropped at the top of the landing folder have their source detected from "
    "their headers.",
)
def raw_files(context: dg.AssetExecutionContext, settings: XhsSettings) -> dg.MaterializeResult:
    paths = settings.paths()
    paths.landing.mkdir(parents=True, exist_ok=True)
    archive = RawArchive(paths.raw)
    new, redelivered = archive.ingest(paths.landing)
    stager = Stager(archive, paths.staging)
    for meta in archive.all():
        if meta.source is None and meta.detected_source is None:
            staged = stager.stage(meta)
            context.log.info(f"{meta.name}: source detected from headers: {staged.source}")
    for meta in redelivered:
        context.log.info(f"{meta.deliveries[-1].name}: same bytes as {meta.name} (sha256 {meta.sha256[:12]}), "
                         "recorded, not loaded twice")
    total = len(archive.all())
    return dg.MaterializeResult(metadata={
        "new_files": len(new),
        "redelivered_files": len(redelivered),
        "archived_files": total,
        "archive": dg.MetadataValue.path(str(paths.raw)),
    })
