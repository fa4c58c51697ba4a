"""Replies to departments: a reply workbook for every delivered file with findings (``warehouse.replies``)."""

from pathlib import Path

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
    written = done["written"]
    if written:  # one line for the run, not one event per reply: a first run at XL writes 1,600 of them
        context.log.info(
            f"{len(written)} replies written / đã ghi {len(written)} tệp phản hồi: {folder} ({shown(written, 5)})"
        )
    return dg.MaterializeResult(
        metadata={
            "written": len(written),
            "unchanged": len(done["kept"]),
            "removed": len(done["removed"]),
            "folder": dg.MetadataValue.path(str(folder.resolve())),
            "replies": dg.MetadataValue.md("\n".join(f"- {line}" for line in listed(written, folder)) or "none new"),
        }
    )


LISTED_REPLIES = 200  # the replies the step's metadata names; the folder holds them all


def listed(paths: list[Path], folder: Path, limit: int = LISTED_REPLIES) -> list[str]:
    """The replies written, by their path in the feedback folder, the first ``limit`` and how many more."""
    lines = [str(p.relative_to(folder)) if p.is_relative_to(folder) else str(p) for p in paths[:limit]]
    if len(paths) > limit:
        lines.append(f"… {len(paths) - limit} more / và {len(paths) - limit} tệp khác")
    return lines


def shown(paths: list[Path], limit: int) -> str:
    names = ", ".join(p.name for p in paths[:limit])
    return names + (f", … {len(paths) - limit} more" if len(paths) > limit else "")
