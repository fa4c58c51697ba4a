"""Replies to departments: a reply workbook for every delivered file with findings (``warehouse.replies``)."""

import dagster as dg

from assets.settings import XhsSettings
from assets.warehouse import WAREHOUSE_TABLES
from runtime import progress
from sources.archive.raw import RawArchive
from warehouse.replies import write_replies


@dg.asset(
    group_name="report",
    deps=list(WAREHOUSE_TABLES),
    kinds={"excel"},
    description="One reply workbook per delivered file with findings, data/feedback/<landing path> - kiem tra.xlsx: "
    "a copy of the delivered sheets with every cell named in a finding filled (red error, amber warning) and "
    "commented in Vietnamese and English, and a first sheet listing the findings, the verdict and what to do.",
)
def reply_workbooks(context: dg.AssetExecutionContext, settings: XhsSettings) -> dg.MaterializeResult:
    progress.stage("reply workbooks")
    paths = settings.paths()
    folder = paths.feedback
    done = write_replies(paths.warehouse, RawArchive(paths.raw), folder)
    for path in done["written"]:
        context.log.info(f"reply written / đã ghi tệp phản hồi: {path}")
    return dg.MaterializeResult(
        metadata={
            "written": len(done["written"]),
            "unchanged": len(done["kept"]),
            "removed": len(done["removed"]),
            "folder": dg.MetadataValue.path(str(folder.resolve())),
            "replies": dg.MetadataValue.md("\n".join(f"- {p.name}" for p in done["written"]) or "none new"),
        }
    )
