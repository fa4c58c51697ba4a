"""Rates computed from numerator and denominator, and sums of counts, at every area and period (DESIGN §5, §6;
sums: issue #25).

A population denominator (``pop_*``) is taken from the same year as the numerator's period, else the
latest earlier year (the latest period within that year), and the period used is recorded in the fact
row. Other denominators (facilities, enterprises, applications) must come from the same period.

A sum (``kind: sum`` in the catalogue: telephone subscribers = fixed + mobile) is computed where every one of its
terms has an exact value for the area and period; a term known only by its bounds gives no sum."""

from __future__ import annotations

import duckdb

from warehouse.catalogue import Indicator


def insert_sums(con: duckdb.DuckDBPyConnection, sums: list[Indicator]) -> None:
    """The sums of the areas in scope (``scope_area``), from the counts already in ``fact_indicator``; the terms
    are in ``numerator_value``'s place only as the formula of ``dim_indicator``."""
    for total in sums:
        con.execute(
            """
            INSERT INTO fact_indicator
            SELECT $1, f.area_key, f.period_code, sum(f.value), NULL, NULL, NULL, NULL, NULL, 'sum',
                   min(f.file_sha256), max(f.loaded_at)
            FROM fact_indicator f
            WHERE f.indicator_code IN (SELECT unnest($2::VARCHAR[])) AND f.area_key IN (SELECT area_key FROM scope_area)
            GROUP BY f.area_key, f.period_code
            HAVING count(f.value) = $3
            """,
            [total.code, list(total.numerator), len(total.numerator)],
        )


def insert_rates(con: duckdb.DuckDBPyConnection, rates: list[Indicator]) -> None:
    """The rates of the areas in scope (``scope_area``), from the counts already in ``fact_indicator``."""
    for rate in rates:
        con.execute(_rate_sql(rate), [rate.code, list(rate.numerator), len(rate.numerator), rate.denominator])


def _rate_sql(rate: Indicator) -> str:
    numerator = "least(n.value, d.value)" if rate.cap_at_denominator else "n.value"
    population = rate.denominator is not None and rate.denominator.startswith("pop_")
    if population:
        join = """JOIN LATERAL (
                SELECT f.value, f.period_code FROM fact_indicator f JOIN dim_period dp USING (period_code)
                WHERE f.indicator_code = $4 AND f.area_key = n.area_key AND f.value IS NOT NULL
                  AND dp.year <= n.year
                ORDER BY dp.year DESC, dp.end_date DESC LIMIT 1) d ON true"""
    else:
        join = """JOIN fact_indicator d
                ON d.indicator_code = $4 AND d.area_key = n.area_key AND d.period_code = n.period_code"""
    return f"""
        INSERT INTO fact_indicator
        WITH n AS (
            SELECT f.area_key, f.period_code, any_value(p.year) AS year, sum(f.value) AS value,
                   min(f.file_sha256) AS file_sha256, max(f.loaded_at) AS loaded_at
            FROM fact_indicator f JOIN dim_period p USING (period_code)
            WHERE f.indicator_code IN (SELECT unnest($2::VARCHAR[])) AND f.area_key IN (SELECT area_key FROM scope_area)
            GROUP BY f.area_key, f.period_code
            HAVING count(f.value) = $3
        )
        SELECT $1, n.area_key, n.period_code,
               CASE WHEN d.value > 0 THEN {numerator} / d.value * {rate.scale or 100} END, NULL, NULL,
               n.value, d.value, d.period_code, 'rate', n.file_sha256, n.loaded_at
        FROM n {join}
    """
