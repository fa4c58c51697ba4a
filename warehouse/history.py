"""The history of every count value (validity intervals) and the current facts, computed for the provinces in
scope (``scope_area``, see ``warehouse.scope``): all of them on a full build, those a change touches on an
incremental one. The province sums, the reported province values that win over them, and the disagreements
between the two are all per province, so recomputing a province gives what a full build gives.

Only an indicator that adds up over areas (a count with ``aggregate: sum``) is ever summed into its province: a
rate, an index, a rank or a catalogue every district shares (``aggregate: none``) has only the province value a file
reports (issue #25). A value delivered as its bounds ("20–25 %", "hơn 116.000") keeps them (``value_lower``,
``value_upper``, ``value`` null) and is summed into nothing."""

from __future__ import annotations

import duckdb

from sources.specs.model import load_specs
from warehouse.difference import replace_in_scope
from warehouse.scope import IN_SCOPE, PERIOD_IN_SCOPE

FACT_KEY = ("indicator_code", "area_key", "period_code")  # one current value each (check_one_value_per_key)


def additive_codes() -> list[str]:
    """The reported indicators whose province value may be the sum of its areas (counts with ``aggregate: sum``)."""
    return [s.indicator_code(f.name) for s in load_specs().values() for f in s.fields if f.additive]


def load_history(con: duckdb.DuckDBPyConnection, everything: bool = False) -> None:
    """Reported area values and province sums, one row per file, then collapsed into validity intervals: the
    history of the areas and periods in scope is replaced (``stg_all`` holds the staged values of the provinces in
    scope, ``scope_period`` the periods), by difference (``warehouse.difference``); ``everything``: a full build,
    the table is empty."""
    prefixes = {s.source: s.indicator_prefix for s in load_specs().values()}
    case = " ".join(f"WHEN '{src}' THEN '{p}'" for src, p in prefixes.items())
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE observation AS
        WITH rows AS (
            SELECT s.*, (CASE s.source {case} END) || '_' || s.field AS indicator_code,
                   s.vintage || '/' || s.area_code AS area_key, a.level
            FROM stg_all s JOIN dim_area a ON a.vintage = s.vintage AND a.code = s.area_code
        ),
        province AS (
            SELECT r.file_sha256, r.indicator_code, r.vintage || '/' || r.province_code AS area_key, r.period_code,
                   sum(r.value) AS value, count(r.value) AS n_values, any_value(e.n_units) AS n_units
            FROM rows r JOIN unit_count e USING (vintage, province_code, level)
            WHERE r.level NOT IN ('province', 'country') AND list_contains($1, r.indicator_code)
            GROUP BY ALL
        ),
        summed AS (
            SELECT indicator_code, area_key, period_code, value, NULL::DOUBLE AS value_lower,
                   NULL::DOUBLE AS value_upper, 'sum_of_areas' AS derivation, file_sha256, 1.0 AS scale
            FROM province WHERE n_values = n_units
        )
        -- a province row a national table marks ".." (no data) is no figure, not a null that hides the sum
        SELECT indicator_code, area_key, period_code, value, value_lower, value_upper, 'reported' AS derivation,
               file_sha256, coalesce(scale, 1.0) AS scale
        FROM rows
        WHERE level NOT IN ('province', 'country') OR value IS NOT NULL OR value_lower IS NOT NULL
              OR value_upper IS NOT NULL
        UNION ALL
        SELECT * FROM summed
    """,
        [additive_codes()],
    )
    # a full build writes the empty table at once; an incremental one makes the history of its scope beside it,
    # for the periods the changed files have values for: a value's history is made from the values of its own
    # indicator, area and period alone (and the files' load times), so the other periods' stay as they are
    target = "fact_indicator_history" if everything else "fresh_history"
    periods = "" if everything else f"WHERE o.period_code {PERIOD_IN_SCOPE}"
    if not everything:
        con.execute("CREATE OR REPLACE TEMP TABLE fresh_history AS SELECT * FROM fact_indicator_history LIMIT 0")
    con.execute(f"""
        INSERT INTO {target}
        WITH loaded AS (
            SELECT o.*, m.loaded_at AS valid_from, m.received_at
            FROM observation o
            JOIN (SELECT sha256, min(loaded_at) AS loaded_at, min(received_at) AS received_at
                  FROM meta_file WHERE status = 'loaded' GROUP BY sha256) m ON m.sha256 = o.file_sha256
            {periods}
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
            SELECT *, lag((value, value_lower, value_upper)) OVER w AS previous, row_number() OVER w AS n
            FROM obs
            WINDOW w AS (PARTITION BY indicator_code, area_key, period_code
                         ORDER BY valid_from, received_at, scale DESC, file_sha256)
        ),
        changes AS (SELECT * FROM ordered WHERE n = 1 OR (value, value_lower, value_upper) IS DISTINCT FROM previous)
        SELECT indicator_code, area_key, period_code, value, value_lower, value_upper, derivation, file_sha256,
               valid_from,
               lead(valid_from) OVER (PARTITION BY indicator_code, area_key, period_code
                                      ORDER BY valid_from, received_at, scale DESC, file_sha256) AS valid_to
        FROM changes
    """)
    if not everything:
        replace_in_scope(
            con,
            "fact_indicator_history",
            "fresh_history",
            in_scope=f"area_key {IN_SCOPE} AND period_code {PERIOD_IN_SCOPE}",
        )
        con.execute("DROP TABLE fresh_history")


def record_province_disagreements(con: duckdb.DuckDBPyConnection, facts: str = "scope_fact") -> None:
    """Where a province's current reported value and the sum of its current district (or commune) values
    disagree beyond the rounding of the unit the province value was published in (half a unit: 500 persons for a
    table in thousands), the reported value stays and a warning names both figures and the files, recorded
    against the file that reported the province value. Only indicators that add up over areas are compared: a
    rate, an index, a rank or a shared catalogue is never a sum of its areas. ``facts``: the facts this build made
    (``load_current_facts``)."""
    con.execute(
        """
        INSERT INTO meta_finding
        WITH current AS (
            SELECT f.*, a.level, a.province_code, a.vintage, a.code
            FROM FACTS f JOIN dim_area a USING (area_key)
            WHERE f.derivation = 'reported' AND f.value IS NOT NULL AND list_contains(?, f.indicator_code)
        ),
        -- the province values, with the sheet, cell and unit they were read from (a loaded file has one staged
        -- value per area, period and field: at most one match; looked up for these rows only, issue #28)
        province AS (
            SELECT c.*, s.sheet, s.cell, s.area_written, coalesce(s.scale, 1) AS scale
            FROM current c
            LEFT JOIN stg_all s ON s.file_sha256 = c.file_sha256 AND s.vintage = c.vintage AND s.area_code = c.code
                 AND s.period_code = c.period_code
                 AND split_part(c.indicator_code, '_', 1) || '_' || s.field = c.indicator_code
            WHERE c.level = 'province'
        ),
        file_name AS (SELECT sha256, any_value(original_name) AS original_name FROM meta_file GROUP BY 1),
        parts AS (
            SELECT c.indicator_code, c.period_code, c.vintage, c.province_code, sum(c.value) AS value,
                   count(*) AS n, any_value(e.n_units) AS n_units,
                   string_agg(DISTINCT m.original_name, ', ' ORDER BY m.original_name) AS files
            FROM current c JOIN unit_count e USING (vintage, province_code, level)
            JOIN file_name m ON m.sha256 = c.file_sha256
            WHERE c.level NOT IN ('province', 'country') GROUP BY ALL
        )
        SELECT r.file_sha256, m.original_name, r.sheet, r.cell, 'province_sum_mismatch', 'warning',
               format('Giá trị tỉnh {} ({}, {}) là {} nhưng các đơn vị cấp dưới (tệp {}) cộng lại {}; giữ giá '
                      || 'trị tỉnh đã báo cáo.', r.area_written, r.indicator_code, r.period_code, r.value, p.files,
                      p.value),
               format('The province value {} ({}, {}) is {} but its areas (file {}) sum to {}; the reported '
                      || 'province value is kept.', r.area_written, r.indicator_code, r.period_code, r.value,
                      p.files, p.value),
               CAST(p.value AS VARCHAR), CAST(r.value AS VARCHAR), r.area_key
        FROM province r
        JOIN parts p ON p.indicator_code = r.indicator_code AND p.period_code = r.period_code
             AND p.vintage = r.vintage AND p.province_code = r.code
        JOIN file_name m ON m.sha256 = r.file_sha256
        WHERE p.n = p.n_units AND abs(p.value - r.value) > 0.5 * r.scale
    """.replace("FROM FACTS f", f"FROM {facts} f"),
        [additive_codes()],
    )


def record_simultaneous_conflicts(con: duckdb.DuckDBPyConnection) -> None:
    """Two files delivered at the same moment that report different values for one indicator, area and period
    (a census count and the statistics office's average population for the same year): the finer figure is kept
    (an exact count over one published in thousands; between equals, the file whose digest sorts last), and a
    warning names both, recorded against the file whose value was not kept."""
    con.execute("""
        INSERT INTO meta_finding
        WITH reported AS (
            SELECT o.*, m.loaded_at, m.original_name
            FROM observation o
            JOIN (SELECT sha256, min(loaded_at) AS loaded_at, any_value(original_name) AS original_name
                  FROM meta_file WHERE status = 'loaded' GROUP BY sha256) m ON m.sha256 = o.file_sha256
            WHERE o.derivation = 'reported' AND o.value IS NOT NULL AND o.area_key IN (SELECT area_key FROM scope_area)
        ),
        ranked AS (
            SELECT *, row_number() OVER (PARTITION BY indicator_code, area_key, period_code, loaded_at
                                         ORDER BY scale, file_sha256 DESC) AS rank
            FROM reported
        ),
        kept AS (SELECT * FROM ranked WHERE rank = 1)
        SELECT r.file_sha256, r.original_name, NULL, NULL, 'simultaneous_conflict', 'warning',
               format('Tệp {} và tệp {} (cùng lúc) ghi hai giá trị khác nhau cho {} ({}, {}): {} và {}; giữ {} '
                      || '(số chi tiết hơn, hoặc tệp sau theo mã băm).', r.original_name, k.original_name,
                      r.indicator_code, r.area_key, r.period_code, r.value, k.value, k.value),
               format('Files {} and {} (delivered together) give different values for {} ({}, {}): {} and {}; {} '
                      || 'is kept (the finer figure, else the file whose digest sorts last).', r.original_name,
                      k.original_name, r.indicator_code, r.area_key, r.period_code, r.value, k.value, k.value),
               CAST(k.value AS VARCHAR), CAST(r.value AS VARCHAR), r.area_key
        FROM ranked r JOIN kept k USING (indicator_code, area_key, period_code, loaded_at)
        WHERE r.rank > 1 AND r.value <> k.value
    """)


def load_current_facts(con: duckdb.DuckDBPyConnection, facts: str = "scope_fact") -> None:
    """The current count values of the areas in scope, into ``facts``: the sums and rates are added to it
    (``warehouse.rates``) and the findings read it. A full build writes them into the empty ``fact_indicator``;
    an incremental one into ``scope_fact``, a temp table with its columns, which replaces the facts of the areas in
    scope at the end of the build, by difference (``warehouse.difference``)."""
    if facts != "fact_indicator":
        con.execute(f"CREATE OR REPLACE TEMP TABLE {facts} AS SELECT * FROM fact_indicator LIMIT 0")
    con.execute(f"""
        INSERT INTO {facts}
        SELECT indicator_code, area_key, period_code, value, value_lower, value_upper, NULL, NULL, NULL, derivation,
               file_sha256, valid_from
        FROM fact_indicator_history WHERE valid_to IS NULL AND area_key {IN_SCOPE}
    """)


class DuplicateFacts(ValueError):
    """``fact_indicator`` would hold two rows for one indicator, area and period: the build stops, nothing is
    published."""


def check_one_value_per_key(con: duckdb.DuckDBPyConnection, facts: str = "scope_fact") -> None:
    """One current value per (indicator, area, period), as a primary key would enforce, over the facts the build
    made (``facts``: every fact of a full build, in ``fact_indicator``; those of the areas in scope of an incremental
    one, in ``scope_fact``, the only rows it writes, before they go into ``fact_indicator``)."""
    twice = con.execute(f"""
        SELECT {", ".join(FACT_KEY)}, count(*) FROM {facts}
        GROUP BY ALL HAVING count(*) > 1 ORDER BY ALL LIMIT 5
    """).fetchall()
    if twice:
        listed = "; ".join(f"{i} {a} {p} ×{n}" for i, a, p, n in twice)
        raise DuplicateFacts(
            f"fact_indicator có nhiều hơn một giá trị cho cùng chỉ tiêu, đơn vị và kỳ: {listed}; kho không được công "
            f"bố / fact_indicator would hold more than one value for one indicator, area and period: {listed}; the "
            "warehouse is not published"
        )
