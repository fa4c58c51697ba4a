"""The open-data release (DESIGN §2 "publish"): a versioned folder of CSV, Parquet, Excel, a Frictionless data
package and a static site, built from the published warehouse. Cut on a schedule (monthly by default) and on
demand (``xhs publish``), both as runs of the ``publish_release`` job."""

import dagster as dg

from assets.settings import XhsSettings
from assets.warehouse import WAREHOUSE_TABLES


@dg.asset(
    group_name="release",
    kinds={"csv", "parquet", "html"},
    deps=list(WAREHOUSE_TABLES),
    description="A new versioned open-data release under the releases folder (XHS_PUBLISH_DIR, default "
    "releases/): no personal data, small counts suppressed.",
)
def open_data_release(context: dg.AssetExecutionContext, settings: XhsSettings) -> dg.MaterializeResult:
    from runtime import progress
    from warehouse.release import ReleaseError, build_release

    progress.stage("release")
    paths = settings.paths()
    try:
        release = build_release(paths.warehouse, paths.releases)
    except ReleaseError as exc:
        raise dg.Failure(description=" ".join(str(exc).split()), allow_retries=False) from exc
    files = sum(1 for p in release.rglob("*") if p.is_file())
    context.log.info(f"release {release} ({files} files)")
    return dg.MaterializeResult(
        metadata={
            "release": dg.MetadataValue.path(str(release)),
            "files": files,
            "site": dg.MetadataValue.path(str(release / "site" / "index.html")),
        }
    )
