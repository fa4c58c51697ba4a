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


def insert_sums(con: duckdb.DuckDBPyConnection, sums: list[Indicator], facts: str = "scope_fact") -> None:
    """The sums of the areas in scope, from the counts already in ``facts`` (``warehouse.history
    .load_current_facts``); the terms are in ``numerator_value``'s place only as the formula of ``dim_indicator``."""
    for total in sums:
        con.execute(
            f"""
            INSERT INTO {facts}
            SELECT $1, f.area_key, f.period_code, sum(f.value), NULL, NULL, NULL, NULL, NULL, 'sum',
                   min(f.file_sha256), max(f.loaded_at)
            FROM {facts} f
            WHERE f.indicator_code IN (SELECT unnest($2::VARCHAR[]))
            GROUP BY f.area_key, f.period_code
            HAVING count(f.value) = $3
            """,
            [total.code, list(total.numerator), len(total.numerator)],
        )


def insert_rates(con: duckdb.DuckDBPyConnection, rates: list[Indicator], facts: str = "scope_fact") -> None:
    """The rates of the areas in scope, from the counts already in ``facts``: every rate in two statements
    (population denominators, same-period denominators) over a table of their definitions, so a build reads the
    facts twice, not once per rate (issue #28: 25 statements took 0.3 s of an M build). A denominator is of the
    numerator's area, so in scope too."""
    if not rates:
        return
    con.execute(
        "CREATE OR REPLACE TEMP TABLE rate_definition (indicator_code VARCHAR, terms VARCHAR[], denominator VARCHAR, "
        "by_population BOOLEAN, capped BOOLEAN, scale DOUBLE)"
    )
    con.execute(
        "INSERT INTO rate_definition SELECT unnest($1::STRUCT(c VARCHAR, t VARCHAR[], d VARCHAR, p BOOLEAN, "
        "m BOOLEAN, s DOUBLE)[], recursive := true)",
        [
            [
                {
                    "c": r.code,
                    "t": list(r.numerator),
                    "d": r.denominator,
                    "p": bool(r.denominator and r.denominator.startswith("pop_")),
                    "m": bool(r.cap_at_denominator),
                    "s": float(r.scale or 100),
                }
                for r in rates
            ]
        ],
    )
    for by_population in (True, False):
        join = (_POPULATION if by_population else _SAME_PERIOD).format(facts=facts)
        con.execute(_RATES_SQL.format(join=join, facts=facts), [by_population])


# the numerators: each rate's terms summed where every one has a value, for the areas in scope
_RATES_SQL = """
    INSERT INTO {facts}
    WITH r AS (SELECT * FROM rate_definition WHERE by_population = $1),
    term AS (SELECT indicator_code AS rate_code, unnest(terms) AS term FROM r),
    n AS (
        SELECT t.rate_code, f.area_key, f.period_code, any_value(p.year) AS year, sum(f.value) AS value,
               count(f.value) AS n_values, min(f.file_sha256) AS file_sha256, max(f.loaded_at) AS loaded_at
        FROM {facts} f JOIN term t ON t.term = f.indicator_code JOIN dim_period p USING (period_code)
        GROUP BY t.rate_code, f.area_key, f.period_code
    )
    SELECT r.indicator_code, n.area_key, n.period_code,
           CASE WHEN d.value > 0 THEN (CASE WHEN r.capped THEN least(n.value, d.value) ELSE n.value END)
                / d.value * r.scale END,
           NULL, NULL, n.value, d.value, d.period_code, 'rate', n.file_sha256, n.loaded_at
    FROM n JOIN r ON r.indicator_code = n.rate_code AND n.n_values = len(r.terms) {join}
"""
# a population from the numerator's year, else the latest earlier year (the latest period within that year)
_POPULATION = """JOIN LATERAL (
        SELECT f.value, f.period_code FROM {facts} f JOIN dim_period dp USING (period_code)
        WHERE f.indicator_code = r.denominator AND f.area_key = n.area_key AND f.value IS NOT NULL
          AND dp.year <= n.year
        ORDER BY dp.year DESC, dp.end_date DESC LIMIT 1) d ON true"""
_SAME_PERIOD = """JOIN {facts} d
        ON d.indicator_code = r.denominator AND d.area_key = n.area_key AND d.period_code = n.period_code"""
