"""Warehouse layer: DuckDB tables built in a private work file, then published by an atomic rename."""


import dagster as dg

from assets.staging import staging_assets
from pipelines.settings import XhsSettings
from sources.archive import RawArchive
from sources.areas import registry
from sources.spec import load_specs
from sources.staging import Stager
from warehouse.build import BuildInputs, build, open_work_database, publish

WAREHOUSE_TABLES = {
    "dim_area": "Administrative units by unit list (vintage, code), before and after the 2025 reform.",
    "area_crosswalk": "Pre-reform communes and the post-reform communes they went into.",
    "dim_period": "Reporting periods.",
    "dim_indicator": "Indicator catalogue with national targets (warehouse/catalogue.yaml).",
    "fact_indicator": "Current value of every indicator by area and period; province sums and rates computed.",
    "fact_indicator_history": "Every count value ever loaded, with validity intervals.",
    "meta_file": "One row per delivered file with its status.",
    "meta_finding": "Every validation finding, bilingual, with sheet and cell.",
}


@dg.multi_asset(
    specs=[
        dg.AssetSpec(name, group_name="warehouse", kinds={"duckdb"}, description=text,
                     deps=[a.key for a in staging_assets])
        for name, text in WAREHOUSE_TABLES.items()
    ],
    pool="duckdb_writer",
    can_subset=False,
)
def warehouse_tables(context: dg.AssetExecutionContext, settings: XhsSettings):
    paths = settings.paths()
    archive = RawArchive(paths.raw)
    stager = Stager(archive, paths.staging)
    files = archive.all()
    staged = {m.sha256: stager.stage(m) for m in files}
    tables = {s: paths.staging_table(s) for s in load_specs() if paths.staging_table(s).exists()}
    con = open_work_database(paths.work_database)
    counts = build(con, BuildInputs(files, staged, tables, registry()))
    publish(con, paths.work_database, paths.warehouse)
    context.log.info(f"published {paths.warehouse}")
    for name in WAREHOUSE_TABLES:
        yield dg.MaterializeResult(asset_key=name, metadata={
            "rows": counts.get(name, 0), "warehouse": dg.MetadataValue.path(str(paths.warehouse))})
