"""Replies to departments: a reply workbook for every delivered file with findings (``pipelines.replies``)."""

import dagster as dg

from pipelines.replies import write_replies
from pipelines.settings import XhsSettings
from sources.archive import RawArchive


@dg.asset(
    group_name="reports",
    deps=[dg.AssetKey("meta_file"), dg.AssetKey("meta_finding")],
    kinds={"excel"},
    description="One reply workbook per delivered file with findings, data/feedback/<landing path> - kiem tra.xlsx: "
    "a copy of the delivered sheets with every cell named in a finding filled (red error, amber warning) and "
    "commented in Vietnamese and English, and a first sheet listing the findings, the verdict and what to do.",
)
def reply_workbooks(context: dg.AssetExecutionContext, settings: XhsSettings) -> dg.MaterializeResult:
    paths = settings.paths()
    folder = paths.feedback
    done = write_replies(paths.warehouse, RawArchive(paths.raw), folder)
    for path in done["written"]:
        context.log.info(f"reply written / đã ghi tệp phản hồi: {path}")
    return dg.MaterializeResult(metadata={
        "written": len(done["written"]), "unchanged": len(done["kept"]), "removed": len(done["removed"]),
        "folder": dg.MetadataValue.path(str(folder.resolve())),
        "replies": dg.MetadataValue.md("\n".join(f"- {p.name}" for p in done["written"]) or "none new"),
    })
