"""Build the warehouse in a private work file from the staged values, the archive metadata and the
catalogue. Everything is derived: running the build twice on the same inputs gives the same tables."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb
import polars as pl

from sources.archive import ArchivedObject
from sources.areas import UnitRegistry
from sources.periods import parse_period_code
from sources.spec import load_specs
from sources.staging import STAGING_SCHEMA, StagedFile
from warehouse.catalogue import Indicator, load_catalogue
from warehouse.consistency import record_consistency_findings
from warehouse.materialise import materialise_views
from warehouse.rates import insert_rates

SQL_DIR = Path(__file__).parent / "sql"
STORAGE_VERSION = "v1.2.0"  # the published file must open in DuckDB 1.x tools (CLI 1.5, ODBC drivers)
WORK_ALIAS = "wh"
BUILD_MEMORY_LIMIT = "1GB"


@dataclass
class BuildInputs:
    files: list[ArchivedObject]
    staged: dict[str, StagedFile]  # by sha256
    staging_tables: dict[str, Path]  # source → stg_<source>.parquet
    units: UnitRegistry


def open_work_database(path: Path) -> duckdb.DuckDBPyConnection:
    """A fresh work database in the storage format DuckDB 1.x can read."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in (path, path.with_name(path.name + ".wal")):
        stale.unlink(missing_ok=True)
    # DuckDB takes 80 % of the machine by default; bounded, its sorts and joins spill to disk instead, so a
    # national build stays under the 2 GiB the pipeline is held to (BENCHMARKS.md)
    spill = path.with_name(path.name + ".tmp")
    con = duckdb.connect(config={"memory_limit": BUILD_MEMORY_LIMIT, "temp_directory": str(spill)})
    con.execute(f"ATTACH '{path}' AS {WORK_ALIAS} (STORAGE_VERSION '{STORAGE_VERSION}')")
    con.execute(f"USE {WORK_ALIAS}")
    return con


def build(con: duckdb.DuckDBPyConnection, inputs: BuildInputs) -> dict[str, int]:
    """Create every table and view; return row counts by table."""
    for sql in sorted(SQL_DIR.glob("*.sql")):
        con.execute(sql.read_text(encoding="utf-8"))
    _load_areas(con, inputs.units)
    # how many units each province has at each level: a province value is summed only from all of them
    con.execute(
        "CREATE TEMP TABLE unit_count AS "
        "SELECT vintage, province_code, level, count(*) AS n_units FROM dim_area GROUP BY ALL"
    )
    _load_indicators(con, load_catalogue())
    _load_meta(con, inputs)
    _load_staging(con, inputs.staging_tables)
    _load_history(con)
    _load_periods(con)
    con.execute("""
        INSERT INTO fact_indicator
        SELECT indicator_code, area_key, period_code, value, NULL, NULL, NULL, derivation, file_sha256, valid_from
        FROM fact_indicator_history WHERE valid_to IS NULL
    """)
    record_province_disagreements(con)
    insert_rates(con, [i for i in load_catalogue() if i.is_rate])
    record_consistency_findings(con)
    materialise_views(con)
    tables = [
        r[0]
        for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() ORDER BY 1"
        ).fetchall()
    ]
    return {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchall()[0][0] for t in tables}


def _load_areas(con: duckdb.DuckDBPyConnection, units: UnitRegistry) -> None:
    vintages = units.vintages
    rows = []
    for i, vintage in enumerate(vintages):
        valid_from = date.fromisoformat(vintage) if i > 0 else None
        valid_to = date.fromisoformat(vintages[i + 1]) - timedelta(days=1) if i + 1 < len(vintages) else None
        for u in units.units[vintage]:
            parent = f"{vintage}/{u.parent_code}" if u.parent_code else None
            rows.append(
                (
                    u.key,
                    vintage,
                    u.code,
                    u.level,
                    u.name,
                    u.full_name,
                    u.name_en,
                    parent,
                    u.province_code,
                    valid_from,
                    valid_to,
                )
            )
    text = ["area_key", "vintage", "code", "level", "name", "full_name", "name_en", "parent_key", "province_code"]
    _insert(
        con,
        "dim_area",
        pl.DataFrame(
            rows, orient="row", schema={**dict.fromkeys(text, pl.String), "valid_from": pl.Date, "valid_to": pl.Date}
        ),
    )
    crosswalks = sorted(units.folder.glob("admin_crosswalk_*.csv"))
    for path in crosswalks:
        new_vintage = path.stem.removeprefix("admin_crosswalk_")
        old_vintage = max((v for v in vintages if v < new_vintage), default=vintages[0])
        con.execute(
            f"""
            INSERT INTO area_crosswalk
            SELECT '{old_vintage}/' || old_commune_code, '{new_vintage}/' || new_commune_code,
                   old_province_code, new_province_code, split
            FROM read_csv(?, all_varchar = true)
        """,
            [str(path)],
        )


def _load_indicators(con: duckdb.DuckDBPyConnection, catalogue: list[Indicator]) -> None:
    _insert(
        con,
        "dim_indicator",
        pl.DataFrame(
            [
                (
                    i.code,
                    i.name_vi,
                    i.name_en,
                    i.unit,
                    i.pillar,
                    i.source,
                    i.kind,
                    " + ".join(i.numerator) or None,
                    i.denominator,
                    i.definition_vi,
                    i.definition_en,
                    i.target_2025,
                    i.target_2030,
                    i.target_source,
                )
                for i in catalogue
            ],
            orient="row",
            schema={
                "c": pl.String,
                "nv": pl.String,
                "ne": pl.String,
                "u": pl.String,
                "p": pl.String,
                "s": pl.String,
                "k": pl.String,
                "num": pl.String,
                "den": pl.String,
                "dv": pl.String,
                "de": pl.String,
                "t25": pl.Float64,
                "t30": pl.Float64,
                "ts": pl.String,
            },
        ),
    )


def _load_meta(con: duckdb.DuckDBPyConnection, inputs: BuildInputs) -> None:
    files, findings = [], []
    for obj in inputs.files:
        staged = inputs.staged.get(obj.sha256)
        n_err = len(staged.errors) if staged else None
        n_warn = len(staged.findings) - n_err if staged and n_err is not None else None
        n_values = None
        if staged and staged.values_path:
            n_values = pl.scan_parquet(staged.values_path).select(pl.len()).collect().item()
        for k, d in enumerate(obj.deliveries):
            status = (staged.status if staged else "received") if k == 0 else "duplicate"
            files.append(
                (
                    obj.sha256,
                    d.name,
                    d.landing_path,
                    staged.source if staged else obj.source,
                    staged.period if staged else None,
                    staged.province_code if staged else None,
                    status,
                    obj.size_bytes,
                    d.received_at,
                    staged.loaded_at if staged and k == 0 else None,
                    n_values,
                    n_err,
                    n_warn,
                )
            )
        for f in staged.findings if staged else []:
            findings.append(
                (
                    obj.sha256,
                    obj.name,
                    f.sheet,
                    f.cell,
                    f.rule,
                    f.severity,
                    f.message_vi,
                    f.message_en,
                    f.expected,
                    f.found,
                )
            )
    _insert(
        con,
        "meta_file",
        pl.DataFrame(
            files,
            orient="row",
            schema={
                "sha256": pl.String,
                "original_name": pl.String,
                "landing_path": pl.String,
                "source": pl.String,
                "period_code": pl.String,
                "province_code": pl.String,
                "status": pl.String,
                "size_bytes": pl.Int64,
                "received_at": pl.String,
                "loaded_at": pl.String,
                "n_values": pl.Int64,
                "n_errors": pl.Int64,
                "n_warnings": pl.Int64,
            },
        ).with_columns(pl.col("received_at", "loaded_at").str.to_datetime(time_zone="UTC").dt.replace_time_zone(None)),
    )
    _insert(
        con,
        "meta_finding",
        pl.DataFrame(
            findings,
            orient="row",
            schema=[
                "file_sha256",
                "file_name",
                "sheet",
                "cell",
                "rule",
                "severity",
                "message_vi",
                "message_en",
                "expected",
                "found",
            ],
        ),
    )


def _load_staging(con: duckdb.DuckDBPyConnection, tables: dict[str, Path]) -> None:
    """``stg_<source>`` tables: every staged value with its provenance (file, sheet, cell)."""
    specs = load_specs()
    for source, path in sorted(tables.items()):
        spec = specs[source]
        con.execute(f"CREATE TABLE stg_{source} AS SELECT * FROM read_parquet(?)", [str(path)])
        con.execute(
            f"""COMMENT ON TABLE stg_{source} IS '{
                _sql(
                    f"Số liệu {spec.name_vi} đã đọc từ các tệp hợp lệ, kèm nguồn gốc (tệp, sheet, ô). / "
                    f"{spec.name_en} values read from the files that passed, with provenance (file, sheet, cell)."
                )
            }'"""
        )
        for column, text in STAGING_COLUMN_COMMENTS.items():
            con.execute(f"COMMENT ON COLUMN stg_{source}.{column} IS '{_sql(text)}'")
    if tables:
        con.execute(
            "CREATE TEMP TABLE stg_all AS "
            + " UNION ALL BY NAME ".join(f"SELECT * FROM stg_{s}" for s in sorted(tables))
        )
    else:  # nothing staged yet: the same columns, no rows
        con.register("_empty_stg", pl.DataFrame(schema=STAGING_SCHEMA))
        con.execute("CREATE TEMP TABLE stg_all AS SELECT * FROM _empty_stg")
        con.unregister("_empty_stg")


STAGING_COLUMN_COMMENTS = {
    "file_sha256": "Tệp nguồn (meta_file.sha256). / Source file (meta_file.sha256).",
    "source": "Nguồn. / Source.",
    "period_code": "Kỳ báo cáo. / Reporting period.",
    "vintage": "Danh mục đơn vị dùng để nhận diện tên. / Unit list the names were resolved against.",
    "area_code": "Mã đơn vị đã nhận diện. / Resolved unit code.",
    "province_code": "Mã tỉnh. / Province code.",
    "field": "Trường của biểu mẫu (sources/specs). / Spec field.",
    "value": "Giá trị đã chuyển kiểu; NULL = không có số liệu. / Cast value; NULL = no data.",
    "sheet": "Sheet đã đọc. / Sheet read.",
    "cell": "Ô chứa giá trị (D12; D12+E12 khi là tổng các cột con). / Cell of the value (D12+E12 when summed).",
    "area_written": "Tên đơn vị như trong tệp. / Area name as written in the file.",
    "scale": 'Hệ số đã nhân theo đơn vị ghi trong tệp (1000 = "Nghìn người"). / Factor applied from the unit the '
    'file states (1000 = "thousand persons").',
    "preliminary": 'Số sơ bộ ("Sơ bộ", "Prel.", "(*)" ở tiêu đề cột). / Preliminary figure (marked in the '
    "column header).",
}


def _sql(text: str) -> str:
    return text.replace("'", "''")


def _load_history(con: duckdb.DuckDBPyConnection) -> None:
    """Reported area values and province sums, one row per file, then collapsed into validity intervals."""
    prefixes = {s.source: s.indicator_prefix for s in load_specs().values()}
    case = " ".join(f"WHEN '{src}' THEN '{p}'" for src, p in prefixes.items())
    con.execute(f"""
        CREATE TEMP TABLE observation AS
        WITH rows AS (
            SELECT s.*, (CASE s.source {case} END) || '_' || s.field AS indicator_code,
                   s.vintage || '/' || s.area_code AS area_key, a.level
            FROM stg_all s JOIN dim_area a ON a.vintage = s.vintage AND a.code = s.area_code
        ),
        province AS (
            SELECT r.file_sha256, r.indicator_code, r.vintage || '/' || r.province_code AS area_key, r.period_code,
                   sum(r.value) AS value, count(r.value) AS n_values, any_value(e.n_units) AS n_units
            FROM rows r JOIN unit_count e USING (vintage, province_code, level)
            WHERE r.level <> 'province'
            GROUP BY ALL
        ),
        summed AS (
            SELECT indicator_code, area_key, period_code, value, 'sum_of_areas' AS derivation, file_sha256
            FROM province WHERE n_values = n_units
        )
        -- a province row a national table marks ".." (no data) is no figure, not a null that hides the sum
        SELECT indicator_code, area_key, period_code, value, 'reported' AS derivation, file_sha256 FROM rows
        WHERE level <> 'province' OR value IS NOT NULL
        UNION ALL
        SELECT * FROM summed
    """)
    con.execute("""
        INSERT INTO fact_indicator_history
        WITH loaded AS (
            SELECT o.*, m.loaded_at AS valid_from, m.received_at
            FROM observation o
            JOIN (SELECT sha256, min(loaded_at) AS loaded_at, min(received_at) AS received_at
                  FROM meta_file WHERE status = 'loaded' GROUP BY sha256) m ON m.sha256 = o.file_sha256
        ),
        -- a province value a file reports (a national table by province) wins over the sum of districts from
        -- then on; the sums before it stay in the history
        first_reported AS (
            SELECT indicator_code, area_key, period_code, min(valid_from) AS reported_from
            FROM loaded l WHERE derivation = 'reported' AND EXISTS (
                SELECT 1 FROM dim_area a WHERE a.area_key = l.area_key AND a.level = 'province')
            GROUP BY ALL
        ),
        obs AS (
            SELECT l.* EXCLUDE (reported_from) FROM (
                SELECT l.*, f.reported_from FROM loaded l LEFT JOIN first_reported f
                USING (indicator_code, area_key, period_code)) l
            WHERE l.derivation <> 'sum_of_areas' OR l.reported_from IS NULL OR l.valid_from < l.reported_from
        ),
        ordered AS (
            SELECT *, lag(value) OVER w AS previous, row_number() OVER w AS n
            FROM obs
            WINDOW w AS (PARTITION BY indicator_code, area_key, period_code
                         ORDER BY valid_from, received_at, file_sha256)
        ),
        changes AS (SELECT * FROM ordered WHERE n = 1 OR value IS DISTINCT FROM previous)
        SELECT indicator_code, area_key, period_code, value, derivation, file_sha256, valid_from,
               lead(valid_from) OVER (PARTITION BY indicator_code, area_key, period_code
                                      ORDER BY valid_from, received_at, file_sha256) AS valid_to
        FROM changes
    """)


def record_province_disagreements(con: duckdb.DuckDBPyConnection) -> None:
    """Where a province's current reported value and the sum of its current district (or commune) values
    disagree beyond the rounding of the unit the province value was published in (half a unit: 500 persons for a
    table in thousands), the reported value stays and a warning names both figures and the files, recorded
    against the file that reported the province value."""
    con.execute("""
        INSERT INTO meta_finding
        WITH current AS (
            SELECT f.*, a.level, a.province_code, a.vintage, a.code, s.sheet, s.cell, s.area_written,
                   coalesce(s.scale, 1) AS scale
            FROM fact_indicator f JOIN dim_area a USING (area_key)
            LEFT JOIN stg_all s ON s.file_sha256 = f.file_sha256 AND s.vintage = a.vintage AND s.area_code = a.code
                 AND s.period_code = f.period_code
                 AND split_part(f.indicator_code, '_', 1) || '_' || s.field = f.indicator_code
            WHERE f.derivation = 'reported' AND f.value IS NOT NULL
        ),
        file_name AS (SELECT sha256, any_value(original_name) AS original_name FROM meta_file GROUP BY 1),
        parts AS (
            SELECT c.indicator_code, c.period_code, c.vintage, c.province_code, sum(c.value) AS value,
                   count(*) AS n, any_value(e.n_units) AS n_units,
                   string_agg(DISTINCT m.original_name, ', ' ORDER BY m.original_name) AS files
            FROM current c JOIN unit_count e USING (vintage, province_code, level)
            JOIN file_name m ON m.sha256 = c.file_sha256
            WHERE c.level <> 'province' GROUP BY ALL
        )
        SELECT r.file_sha256, m.original_name, r.sheet, r.cell, 'province_sum_mismatch', 'warning',
               format('Giá trị tỉnh {} ({}, {}) là {} nhưng các đơn vị cấp dưới (tệp {}) cộng lại {}; giữ giá '
                      || 'trị tỉnh đã báo cáo.', r.area_written, r.indicator_code, r.period_code, r.value, p.files,
                      p.value),
               format('The province value {} ({}, {}) is {} but its areas (file {}) sum to {}; the reported '
                      || 'province value is kept.', r.area_written, r.indicator_code, r.period_code, r.value,
                      p.files, p.value),
               CAST(p.value AS VARCHAR), CAST(r.value AS VARCHAR)
        FROM current r
        JOIN parts p ON p.indicator_code = r.indicator_code AND p.period_code = r.period_code
             AND p.vintage = r.vintage AND p.province_code = r.code
        JOIN file_name m ON m.sha256 = r.file_sha256
        WHERE r.level = 'province' AND p.n = p.n_units AND abs(p.value - r.value) > 0.5 * r.scale
    """)


def _load_periods(con: duckdb.DuckDBPyConnection) -> None:
    codes = [
        r[0]
        for r in con.execute(
            "SELECT DISTINCT period_code FROM fact_indicator_history UNION SELECT DISTINCT period_code FROM meta_file "
            "WHERE period_code IS NOT NULL"
        ).fetchall()
    ]
    periods = [parse_period_code(c) for c in sorted(codes)]
    _insert(
        con,
        "dim_period",
        pl.DataFrame(
            [(p.code, p.period_type, p.start, p.end, p.end.year) for p in periods],
            orient="row",
            schema={"c": pl.String, "t": pl.String, "s": pl.Date, "e": pl.Date, "y": pl.Int32},
        ),
    )


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    if frame.height:
        con.register("_frame", frame)
        con.execute(f"INSERT INTO {table} SELECT * FROM _frame")
        con.unregister("_frame")
