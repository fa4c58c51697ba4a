"""Warehouse layer: DuckDB tables built in a private work file, then published by an atomic rename."""


import dagster as dg

from assets.staging import staging_assets
from expectations.runner import run_suite
from pipelines.settings import TRANSIENT_RETRY, XhsSettings
from sources.archive import RawArchive
from sources.areas import registry
from sources.spec import load_specs
from sources.staging import Stager
from warehouse.build import WORK_ALIAS, BuildInputs, build, open_work_database
from warehouse.publish import publish

FACT_COLUMNS = ("SELECT indicator_code, area_key, period_code, value, numerator_value, denominator_value, "
                "derivation FROM fact_indicator")
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
    check_specs=[dg.AssetCheckSpec("expectations", asset="fact_indicator", blocking=True,
                                   description="expectations/fact_indicator.json on the work database, before "
                                   "it is published: a failure leaves the published warehouse as it was.")],
    pool="duckdb_writer",
    retry_policy=TRANSIENT_RETRY,
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
    failures = run_suite("fact_indicator", con.sql(FACT_COLUMNS).df())
    errors = [f for f in failures if f.severity == "error"]
    if errors:
        con.close()
        raise dg.Failure(
            description="fact_indicator failed its expectations; the published warehouse was left as it was.",
            metadata={"failures": dg.MetadataValue.md("\n".join(f"- {f.message_en}" for f in errors[:20]))},
            allow_retries=False,  # a data error: retrying cannot fix it
        )
    version = publish(con, WORK_ALIAS, paths.work_database, paths.warehouse)
    context.log.info(f"published {paths.warehouse} (kept as {version.name})")
    for name in WAREHOUSE_TABLES:
        yield dg.MaterializeResult(asset_key=name, metadata={
            "rows": counts.get(name, 0), "warehouse": dg.MetadataValue.path(str(paths.warehouse))})
    yield dg.AssetCheckResult(asset_key="fact_indicator", check_name="expectations", passed=True,
                              metadata={"rows": counts.get("fact_indicator", 0), "warnings": len(failures)})
