"""Warehouse layer: DuckDB tables built in a private work file, then published by an atomic rename."""


import hashlib
import json
from dataclasses import asdict
from pathlib import Path

import dagster as dg

from assets.staging import staging_assets
from expectations.runner import run_suite
from pipelines.settings import TRANSIENT_RETRY, XhsSettings
from sources.archive import ArchivedFile, RawArchive
from sources.areas import registry
from sources.files import atomic_write_text, file_state
from sources.spec import load_specs
from sources.staging import Stager, reader_fingerprint, staging_table_digest
from warehouse.build import WORK_ALIAS, BuildInputs, build, open_work_database
from warehouse.publish import current_version, publish

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
    key = inputs_key(files, tables)
    unchanged = published_unchanged(paths.warehouse, paths.work_database, key)
    if unchanged is not None:  # same inputs, same code, the publication in place: nothing to rebuild
        context.log.info(f"inputs unchanged since {paths.warehouse} was published: not rebuilt")
        yield from _results(paths.warehouse, unchanged["counts"], unchanged["warnings"])
        return
    con = open_work_database(paths.work_database)
    counts = build(con, BuildInputs(files, staged, tables, registry()))
    failures = validate_facts(con)
    errors = [f for f in failures if f.severity == "error"]
    if errors:
        con.close()
        raise dg.Failure(
            description="fact_indicator failed its expectations; the published warehouse was left as it was.",
            metadata={"failures": dg.MetadataValue.md("\n".join(f"- {f.message_en}" for f in errors[:20]))},
            allow_retries=False,  # a data error: retrying cannot fix it
        )
    version = publish(con, WORK_ALIAS, paths.work_database, paths.warehouse)
    remember_publication(paths.warehouse, paths.work_database, key, counts, len(failures))
    context.log.info(f"published {paths.warehouse} (kept as {version.name})")
    yield from _results(paths.warehouse, counts, len(failures))


FACT_CHUNK_ROWS = 250_000


def validate_facts(con) -> list:
    """``expectations/fact_indicator.json`` on the fact table, a group of indicators at a time, so a national
    table is never one pandas frame (1.25M rows took ~1 GB at size L). The suite's only multi-row expectation
    is uniqueness over (indicator_code, area_key, period_code), so groups split on indicator_code give the same
    outcome; when a group has any failure the whole table is validated again, for the exact messages."""
    counts = con.execute("SELECT indicator_code, count(*) FROM fact_indicator GROUP BY 1 ORDER BY 1").fetchall()
    groups: list[list[str]] = []
    size = 0
    for code, n in counts:
        if not groups or size + n > FACT_CHUNK_ROWS:
            groups.append([])
            size = 0
        groups[-1].append(code)
        size += n
    if len(groups) > 1:
        for group in groups:
            frame = con.execute(FACT_COLUMNS + " WHERE list_contains(?, indicator_code)", [group]).df()
            if run_suite("fact_indicator", frame):
                break
        else:
            return []
    return run_suite("fact_indicator", con.sql(FACT_COLUMNS).df())


def _results(warehouse: Path, counts: dict[str, int], warnings: int):
    for name in WAREHOUSE_TABLES:
        yield dg.MaterializeResult(asset_key=name, metadata={
            "rows": counts.get(name, 0), "warehouse": dg.MetadataValue.path(str(warehouse))})
    yield dg.AssetCheckResult(asset_key="fact_indicator", check_name="expectations", passed=True,
                              metadata={"rows": counts.get("fact_indicator", 0), "warnings": warnings})


def inputs_key(files: list[ArchivedFile], tables: dict[str, Path]) -> str:
    """Everything the build reads: the archive metadata (without when a run reported it), the staging tables,
    the reader fingerprint (specs, suites, unit lists) and the warehouse code, SQL and catalogue."""
    h = hashlib.sha256(reader_fingerprint().encode())
    for meta in files:
        record = asdict(meta)
        record.pop("reader_fingerprint", None)
        for d in record["deliveries"]:
            d.pop("reported_at", None)
        h.update(json.dumps(record, sort_keys=True).encode())
    for source, path in sorted(tables.items()):
        h.update(source.encode())
        h.update(staging_table_digest(path).encode())
    here = Path(__file__).resolve().parent.parent
    code = [*(here / "warehouse").glob("*.py"), *(here / "warehouse" / "sql").glob("*.sql"),  # not release/
            *(here / "warehouse").glob("*.yaml"), here / "expectations" / "fact_indicator.json",
            here / "assets" / "warehouse.py"]
    for p in sorted(code):
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def _stamp_path(work: Path) -> Path:
    return work.with_name("published.json")


def remember_publication(published: Path, work: Path, key: str, counts: dict[str, int], warnings: int) -> None:
    atomic_write_text(_stamp_path(work), json.dumps({
        "key": key, "counts": counts, "warnings": warnings, "published": str(published),
        "file": file_state(published), "version": current_version(published)}))


def published_unchanged(published: Path, work: Path, key: str) -> dict | None:
    """The stamp of the last publication when it was built from ``key`` and is still the published file
    (not rolled back, moved or replaced); None when the warehouse must be built."""
    stamp = _stamp_path(work)
    if not stamp.exists() or not published.exists():
        return None
    saved = json.loads(stamp.read_text(encoding="utf-8"))
    same = (saved.get("key") == key and saved.get("published") == str(published)
            and saved.get("file") == file_state(published) and saved.get("version") == current_version(published))
    return saved if same else None
