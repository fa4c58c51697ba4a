"""The released tables, read from the published warehouse (read-only): one long table of every indicator by
area and period, the indicator catalogue, and the column descriptions (the schema's bilingual COMMENTs)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from warehouse.release import disclosure
from warehouse.release.marks import value_marks

# Columns of the released indicator tables, in order (all from v_indicator, plus the disclosure flag).
COLUMNS = (
    "indicator_code",
    "indicator_name_vi",
    "indicator_name_en",
    "province_code",
    "province_name",
    "area_level",
    "area_code",
    "area_name",
    "area_name_en",
    "vintage",
    "area_key",
    "period_code",
    "period_type",
    "period_end",
    "value",
    "value_lower",
    "value_upper",
    "value_bound",
    "unit",
    "scale_max",
    "out_of",
    "flag",
    "derivation",
    "numerator_value",
    "denominator_value",
    "denominator_period_code",
)
PRIMARY_KEY = ("indicator_code", "area_key", "period_code")
INDICATOR_COLUMNS = (
    "indicator_code",
    "name_vi",
    "name_en",
    "unit",
    "pillar",
    "source",
    "kind",
    "numerator",
    "denominator",
    "aggregate",
    "scale_max",
    "out_of",
    "definition_vi",
    "definition_en",
    "target_2025",
    "target_2030",
    "target_source",
)
FLAG_DESCRIPTION = (
    "Kiểm soát công bố: suppressed = đã ẩn (số nhỏ), rounded = số đếm trong dòng đã làm tròn đến 5, "
    "rỗng = giá trị chính xác. / Disclosure control: suppressed = withheld (small count), rounded = "
    "counts in the row rounded to 5, empty = exact value."
)


@dataclass(frozen=True)
class Release:
    """Everything a release is made of, before it is written."""

    facts: pl.DataFrame  # COLUMNS + kind, denominator_is_person, preliminary, restated_from (helpers, not written)
    indicators: pl.DataFrame  # INDICATOR_COLUMNS
    descriptions: dict[str, str]  # column -> bilingual description
    indicator_descriptions: dict[str, str]
    person_codes: frozenset[str]
    areas: pl.DataFrame  # province_code, province_name, vintage (spatial coverage)


def _frame(con: duckdb.DuckDBPyConnection, sql: str) -> pl.DataFrame:
    return con.sql(sql).pl()


def _comments(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    rows = con.execute("SELECT column_name, comment FROM duckdb_columns() WHERE table_name = ?", [table]).fetchall()
    return {name: comment or "" for name, comment in rows}


def read_release(warehouse: Path) -> Release:
    """Read the published warehouse and apply disclosure control."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        indicators = _frame(con, f"SELECT {', '.join(INDICATOR_COLUMNS)} FROM dim_indicator ORDER BY indicator_code")
        facts = _frame(
            con,
            f"""
            SELECT {", ".join("v." + c for c in COLUMNS if c != "flag")}, i.kind
            FROM v_indicator v JOIN dim_indicator i USING (indicator_code)
            ORDER BY v.indicator_code, v.vintage, v.province_code, v.area_level DESC, v.area_code, v.period_end,
                     v.period_code""",
        )
        descriptions = _comments(con, "v_indicator")
        indicator_descriptions = _comments(con, "dim_indicator")
        areas = _frame(
            con,
            "SELECT DISTINCT province_code, province_name, vintage FROM v_indicator ORDER BY vintage, province_code",
        )
        marks = value_marks(con)
    descriptions["flag"] = FLAG_DESCRIPTION
    person = disclosure.person_record_codes(indicators.iter_rows(named=True))
    person_counts = set(indicators.filter(pl.col("kind") == "count")["indicator_code"]) & person
    den_person = {r["indicator_code"] for r in indicators.iter_rows(named=True) if r["denominator"] in person_counts}
    facts = facts.with_columns(denominator_is_person=pl.col("indicator_code").is_in(list(den_person)))
    released = (
        disclosure.apply(facts, person)
        .join(marks, on=list(PRIMARY_KEY), how="left")
        .with_columns(
            preliminary=pl.col("preliminary").fill_null(False),
            # the figure a restatement replaced is shown only where the value itself is exact (not rounded/withheld)
            restated=pl.col("restated").fill_null(False),
            restated_from=pl.when(pl.col("flag") == "").then(pl.col("restated_from")),
        )
        .select(*COLUMNS, "kind", "denominator_is_person", "preliminary", "restated", "restated_from")
    )
    return Release(released, indicators, descriptions, indicator_descriptions, person, areas)


def public(facts: pl.DataFrame) -> pl.DataFrame:
    """The columns that are written (the disclosure helpers dropped)."""
    return facts.select(COLUMNS)
