"""What the charts draw differently (issue #16): preliminary values ("Sơ bộ" columns, ``stg_<source>.preliminary``)
and restated ones (a later file changed the figure: ``fact_indicator_history``). Helpers of the site only: never
written to the released tables."""

from __future__ import annotations

import duckdb
import polars as pl

from sources.specs.model import load_specs

KEYS = ("indicator_code", "area_key", "period_code")
SCHEMA = {
    "indicator_code": pl.String,
    "area_key": pl.String,
    "period_code": pl.String,
    "preliminary": pl.Boolean,
    "restated": pl.Boolean,
    "restated_from": pl.Float64,
}


def value_marks(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """One row per fact that is preliminary or restated: KEYS, preliminary, restated, restated_from (the count it
    replaced; None for rates, which are marked when a count they are computed from is)."""
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    parts = [
        f"SELECT DISTINCT '{s.indicator_prefix}_' || field AS indicator_code, file_sha256, period_code "
        f"FROM stg_{s.source} WHERE preliminary"
        for s in load_specs().values()
        if f"stg_{s.source}" in tables
    ]
    prelim_sql = (
        " UNION ALL ".join(parts)
        if parts
        else (
            "SELECT NULL::VARCHAR AS indicator_code, NULL::VARCHAR AS file_sha256, NULL::VARCHAR AS period_code LIMIT 0"
        )
    )
    counts = con.sql(f"""
        WITH prelim AS ({prelim_sql}),
        counts AS (
            SELECT f.indicator_code, f.area_key, f.period_code, p.file_sha256 IS NOT NULL AS preliminary
            FROM fact_indicator f
            LEFT JOIN prelim p ON p.indicator_code = f.indicator_code AND p.file_sha256 = f.file_sha256
                 AND p.period_code = f.period_code
            WHERE f.derivation <> 'rate'
        ),
        restated AS (
            SELECT indicator_code, area_key, period_code, arg_max(value, valid_to) AS restated_from
            FROM fact_indicator_history h
            WHERE valid_to IS NOT NULL AND NOT EXISTS (
                SELECT 1 FROM fact_indicator_history c
                WHERE c.valid_to IS NULL AND c.indicator_code = h.indicator_code AND c.area_key = h.area_key
                  AND c.period_code = h.period_code AND c.value IS NOT DISTINCT FROM h.value)
            GROUP BY ALL
        )
        SELECT c.indicator_code, c.area_key, c.period_code, c.preliminary, r.restated_from
        FROM counts c LEFT JOIN restated r USING (indicator_code, area_key, period_code)
    """).pl()
    rates = con.sql("""
        SELECT f.indicator_code, f.area_key, f.period_code, f.denominator_period_code, i.numerator, i.denominator
        FROM fact_indicator f JOIN dim_indicator i USING (indicator_code) WHERE f.derivation = 'rate'
    """).pl()
    counts = counts.with_columns(restated=pl.col("restated_from").is_not_null())
    terms = (
        rates.with_columns(term=pl.col("numerator").str.split("+"))
        .explode("term")
        .select("indicator_code", "area_key", "period_code", term=pl.col("term").str.strip_chars(), at="period_code")
    )
    denominators = rates.select(
        "indicator_code",
        "area_key",
        "period_code",
        term="denominator",
        at=pl.coalesce("denominator_period_code", "period_code"),
    )
    inputs = pl.concat([terms, denominators]).join(
        counts.rename({"indicator_code": "term", "period_code": "at"}), on=["term", "area_key", "at"], how="inner"
    )
    # a rate computed from a preliminary or restated count is preliminary or restated too (without the old rate)
    rate_marks = (
        inputs.group_by(*KEYS)
        .agg(pl.col("preliminary").any(), pl.col("restated").any())
        .with_columns(restated_from=pl.lit(None, pl.Float64))
    )
    marked = pl.concat([counts.select(list(SCHEMA)).cast(SCHEMA), rate_marks.select(list(SCHEMA)).cast(SCHEMA)])
    return marked.filter(pl.col("preliminary") | pl.col("restated"))
