"""The dimensions of the warehouse: administrative units (every vintage, with the 2025 crosswalk), indicators
(the catalogue) and periods. Units and indicators change only with the reference lists and the catalogue (a
full rebuild); periods are recomputed on every build from the facts and the files."""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
import polars as pl

from sources.areas.units import COUNTRY_CODE, COUNTRY_NAME, UnitRegistry
from sources.common.periods import parse_period_code
from warehouse.catalogue import Indicator


def load_areas(con: duckdb.DuckDBPyConnection, units: UnitRegistry) -> None:
    vintages = units.vintages
    rows: list[tuple[str | date | None, ...]] = []
    for i, vintage in enumerate(vintages):
        valid_from = date.fromisoformat(vintage) if i > 0 else None
        valid_to = date.fromisoformat(vintages[i + 1]) - timedelta(days=1) if i + 1 < len(vintages) else None
        country = (f"{vintage}/{COUNTRY_CODE}", vintage, COUNTRY_CODE, "country", *COUNTRY_NAME, None, COUNTRY_CODE)
        rows.append((*country, valid_from, valid_to))  # national tables load here, beside the provinces
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
    insert_frame(
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


def load_indicators(con: duckdb.DuckDBPyConnection, catalogue: list[Indicator]) -> None:
    insert_frame(
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
                    i.aggregate,
                    i.scale_max,
                    i.out_of,
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
                "agg": pl.String,
                "smax": pl.Float64,
                "out": pl.String,
                "dv": pl.String,
                "de": pl.String,
                "t25": pl.Float64,
                "t30": pl.Float64,
                "ts": pl.String,
            },
        ),
    )


def load_periods(con: duckdb.DuckDBPyConnection) -> None:
    codes = [
        r[0]
        for r in con.execute(
            "SELECT DISTINCT period_code FROM fact_indicator_history UNION SELECT DISTINCT period_code FROM meta_file "
            "WHERE period_code IS NOT NULL"
        ).fetchall()
    ]
    periods = [parse_period_code(c) for c in sorted(codes)]
    con.execute("DELETE FROM dim_period")
    insert_frame(
        con,
        "dim_period",
        pl.DataFrame(
            [(p.code, p.period_type, p.start, p.end, p.end.year) for p in periods],
            orient="row",
            schema={"c": pl.String, "t": pl.String, "s": pl.Date, "e": pl.Date, "y": pl.Int32},
        ),
    )


def insert_frame(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    if frame.height:
        con.register("_frame", frame)
        con.execute(f"INSERT INTO {table} SELECT * FROM _frame")
        con.unregister("_frame")
