"""The staging tables of the warehouse (``stg_<source>``) and the scope of a build.

A full build loads every department's staging table and puts every province in scope. An incremental build
starts from the published warehouse, replaces only the rows of the files that changed since it was built, and
puts in scope the provinces those rows are in, old and new. Everything the build derives is then recomputed for
the areas in scope (``scope_area``) from the staged values in scope (``stg_all``), and nothing else."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from sources.specs.model import load_specs
from sources.staging.stager import STAGING_SCHEMA

IN_SCOPE = "IN (SELECT area_key FROM scope_area)"  # an area of the provinces in scope: `area_key {IN_SCOPE}`
# a period the changed files have values for, before or after (an incremental build): `period_code {PERIOD_IN_SCOPE}`
PERIOD_IN_SCOPE = "IN (SELECT period_code FROM scope_period)"

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


def load_staging(con: duckdb.DuckDBPyConnection, tables: dict[str, list[Path]]) -> None:
    """``stg_<source>`` tables, whole: every staged value with its provenance (file, sheet, cell), from the
    parts of each (``sources.staging.stager.staging_parts``)."""
    for source, parts in sorted(tables.items()):
        listed = ", ".join(f"'{_sql(str(p))}'" for p in parts)
        _create_staging_table(con, source, f"SELECT * FROM read_parquet([{listed}])")


def replace_staging_rows(
    con: duckdb.DuckDBPyConnection,
    tables: dict[str, list[Path]],
    changed: list[str],
    values: dict[str, list[Path]],
) -> None:
    """Remove the rows of the ``changed`` files from every staging table and insert their current values
    (``values``: the cached reads of the changed files that are loaded, by source). A department's table is
    created (empty) when its staging file appeared since the published build."""
    empty = _empty_select(con)
    for source in sorted(set(tables) | set(values)):
        if not _exists(con, f"stg_{source}"):
            _create_staging_table(con, source, empty)
    # the table of the source a file belonged to before may be another one (a file detected from its headers)
    for source in _staging_sources(con):
        con.execute(f"DELETE FROM stg_{source} WHERE list_contains(?, file_sha256)", [changed])
    for source, paths in sorted(values.items()):
        if paths:
            con.execute(f"INSERT INTO stg_{source} BY NAME SELECT * FROM read_parquet(?)", [[str(p) for p in paths]])


def _create_staging_table(con: duckdb.DuckDBPyConnection, source: str, select: str) -> None:
    spec = load_specs()[source]
    con.execute(f"CREATE TABLE stg_{source} AS {select}")
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


def _empty_select(con: duckdb.DuckDBPyConnection) -> str:
    con.register("_empty_stg", pl.DataFrame(schema=STAGING_SCHEMA))
    con.execute("CREATE OR REPLACE TEMP TABLE empty_stg AS SELECT * FROM _empty_stg")
    con.unregister("_empty_stg")
    return "SELECT * FROM temp.empty_stg"


def _staging_sources(con: duckdb.DuckDBPyConnection) -> list[str]:
    names = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name = 'main' AND table_name LIKE 'stg\\_%' ESCAPE '\\' ORDER BY 1"
    ).fetchall()
    return [n[0].removeprefix("stg_") for n in names]


def _exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(
        con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() AND table_name = ?",
            [table],
        ).fetchall()[0][0]
    )


def _all_staged(con: duckdb.DuckDBPyConnection) -> str:
    sources = _staging_sources(con)
    if not sources:
        return _empty_select(con)
    return " UNION ALL BY NAME ".join(f"SELECT * FROM stg_{s}" for s in sources)


def scope_everything(con: duckdb.DuckDBPyConnection) -> None:
    """A full build: every province of every unit list in scope; ``stg_all`` is every staged value."""
    con.execute("CREATE OR REPLACE TEMP TABLE scope_province AS SELECT DISTINCT vintage, province_code FROM dim_area")
    _scope_tables(con)


def scope_of_changes(con: duckdb.DuckDBPyConnection, changed_rows: str) -> int:
    """An incremental build: the provinces the changed files' rows are in, before and after (``changed_rows``, see
    ``changed_provinces`` and ``add_changed_rows``). Every value the build derives (a province sum, a current
    value, a rate, a finding) is about one area and comes from the staged values of its province alone, so a
    national table by province that touches one province does not put the others in scope. Returns the number of
    (unit list, province) pairs in scope. ``scope_period``: the periods of those rows, before and after; the
    history of a value (``warehouse.history.load_history``) is made from the values of its own period alone."""
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE scope_province AS SELECT DISTINCT vintage, province_code FROM {changed_rows}"
    )
    con.execute(f"CREATE OR REPLACE TEMP TABLE scope_period AS SELECT DISTINCT period_code FROM {changed_rows}")
    _scope_tables(con)
    return con.execute("SELECT count(*) FROM scope_province").fetchall()[0][0]


def changed_provinces(con: duckdb.DuckDBPyConnection, changed: list[str]) -> str:
    """Remember which provinces and periods the ``changed`` files had rows in before they are replaced (a temp
    table of (file_sha256, vintage, province_code, period_code)); returns its name."""
    everything = _all_staged(con)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE changed_before AS SELECT DISTINCT file_sha256, vintage, province_code, "
        f"period_code "
        f"FROM ({everything}) WHERE list_contains(?, file_sha256)",
        [changed],
    )
    return "changed_before"


def add_changed_rows(con: duckdb.DuckDBPyConnection, changed: list[str]) -> None:
    """After the staging rows are replaced: the changed files' provinces and periods now, beside those they had
    before."""
    everything = _all_staged(con)
    con.execute(
        f"INSERT INTO changed_before SELECT DISTINCT file_sha256, vintage, province_code, period_code "
        f"FROM ({everything}) WHERE list_contains(?, file_sha256)",
        [changed],
    )


def _scope_tables(con: duckdb.DuckDBPyConnection) -> None:
    """``scope_area``: the areas of the provinces in scope (every level, the province itself included);
    ``stg_all``: the staged values in scope."""
    con.execute("""
        CREATE OR REPLACE TEMP TABLE scope_area AS
        SELECT a.area_key FROM dim_area a JOIN scope_province USING (vintage, province_code)""")
    everything = _all_staged(con)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE stg_all AS
        SELECT s.* FROM ({everything}) s SEMI JOIN scope_province p
        ON p.vintage = s.vintage AND p.province_code = s.province_code""")


def _sql(text: str) -> str:
    return text.replace("'", "''")
