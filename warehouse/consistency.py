"""Checks across files and periods, run on the work database after the facts are built (DESIGN §4, §8):
warnings, recorded in ``meta_finding`` against the later file and the cell its value came from. Each looks at
one area's series (or one file's areas), so they are run for the areas in scope (``scope_area``, ``stg_all``)."""

from __future__ import annotations

import duckdb

from sources.specs.model import load_specs


def record_consistency_findings(con: duckdb.DuckDBPyConnection, facts: str = "scope_fact") -> None:
    """The findings across files and periods of the areas in scope, from the facts the build made (``facts``)."""
    record_missing_areas(con)
    specs = load_specs().values()
    cumulative = [s.indicator_code(f.name) for s in specs for f in s.fields if f.cumulative]
    # a rank's move (2nd → 5th) is no relative change of a quantity: ranks are not checked for jumps
    limits = [(s.indicator_code(f.name), f.max_yearly_change) for s in specs for f in s.fields if f.kind != "rank"]
    con.execute("CREATE OR REPLACE TEMP TABLE jump_limit (indicator_code VARCHAR, max_change DOUBLE)")
    con.executemany("INSERT INTO jump_limit VALUES (?, ?)", limits)
    con.execute("""
        CREATE OR REPLACE TEMP TABLE restated AS
        SELECT indicator_code, area_key, period_code, value, file_sha256,
               lag(value) OVER w AS previous_value, lag(file_sha256) OVER w AS previous_file
        FROM fact_indicator_history
        WHERE derivation = 'reported' AND area_key IN (SELECT area_key FROM scope_area)
        WINDOW w AS (PARTITION BY indicator_code, area_key, period_code ORDER BY valid_from, file_sha256)
    """)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE series AS
        SELECT f.indicator_code, f.area_key, f.period_code, f.value, f.file_sha256, d.end_date, d.period_type,
               lag(f.value) OVER w AS previous_value, lag(f.period_code) OVER w AS previous_period,
               lag(d.period_type) OVER w AS previous_type, lag(d.year) OVER w AS previous_year, d.year
        FROM {facts} f JOIN dim_period d USING (period_code)
        WHERE f.derivation = 'reported' AND f.value IS NOT NULL
        WINDOW w AS (PARTITION BY f.indicator_code, f.area_key ORDER BY d.end_date)
    """)
    prefixes = {s.indicator_prefix: s.source for s in load_specs().values()}
    source_of = (
        "CASE split_part(s.indicator_code, '_', 1) "
        + " ".join(f"WHEN '{p}' THEN '{src}'" for p, src in prefixes.items())
        + " END"
    )
    field_of = "substr(s.indicator_code, length(split_part(s.indicator_code, '_', 1)) + 2)"
    located = f"""
        INSERT INTO meta_finding
        SELECT s.file_sha256, m.original_name, g.sheet, g.cell, {{rule}}, 'warning', {{vi}}, {{en}},
               {{expected}}, s.value::VARCHAR, s.area_key
        FROM series s
        JOIN dim_area a USING (area_key)
        JOIN jump_limit l USING (indicator_code)
        LEFT JOIN (SELECT DISTINCT ON (sha256) sha256, original_name FROM meta_file ORDER BY sha256, received_at) m
               ON m.sha256 = s.file_sha256
        LEFT JOIN stg_all g ON g.file_sha256 = s.file_sha256 AND g.area_code = a.code AND g.vintage = a.vintage
              AND g.source = {source_of} AND g.field = {field_of}
        WHERE {{condition}}
    """
    con.execute(
        located.replace("FROM series s", "FROM restated s").format(
            vi="format('{}: {} của {} kỳ {} được đính chính từ {} (tệp {}…) thành {}.', g.cell, s.indicator_code, "
            "a.full_name, s.period_code, s.previous_value, left(s.previous_file, 12), s.value)",
            en="format('{}: {} for {}, period {}, restated from {} (file {}…) to {}.', g.cell, s.indicator_code, "
            "a.full_name, s.period_code, s.previous_value, left(s.previous_file, 12), s.value)",
            expected="s.previous_value::VARCHAR",
            condition="s.previous_file IS NOT NULL",
            rule="'restatement'",
        )
    )
    con.execute(
        located.format(
            vi="format('{}: chỉ tiêu tích lũy {} của {} giảm từ {} ({}) xuống {} ({}).', g.cell, s.indicator_code, "
            "a.full_name, s.previous_value, s.previous_period, s.value, s.period_code)",
            en="format('{}: cumulative counter {} for {} fell from {} ({}) to {} ({}).', g.cell, s.indicator_code, "
            "a.full_name, s.previous_value, s.previous_period, s.value, s.period_code)",
            expected="'≥ ' || s.previous_value::VARCHAR",
            condition="s.indicator_code IN (SELECT unnest(?::VARCHAR[])) AND s.value < s.previous_value",
            rule="'cumulative_decrease'",
        ),
        [cumulative],
    )
    con.execute(
        located.format(
            vi="format('{}: {} của {} thay đổi {}% so với {} ({} → {}).', g.cell, s.indicator_code, a.full_name, "
            "round(100 * (s.value - s.previous_value) / s.previous_value), s.previous_period, s.previous_value, "
            "s.value)",
            en="format('{}: {} for {} changed by {}% since {} ({} → {}).', g.cell, s.indicator_code, a.full_name, "
            "round(100 * (s.value - s.previous_value) / s.previous_value), s.previous_period, s.previous_value, "
            "s.value)",
            expected="'within ±' || round(100 * l.max_change) || '% of ' || s.previous_value::VARCHAR",
            condition="s.period_type = 'year' AND s.previous_type = 'year' AND s.year = s.previous_year + 1 "
            "AND s.previous_value > 0 AND abs(s.value - s.previous_value) / s.previous_value > l.max_change",
            rule="'year_on_year_jump'",
        )
    )


def record_missing_areas(con: duckdb.DuckDBPyConnection) -> None:
    """A loaded file that leaves out some units of its province: a warning naming them, since no province value
    is summed from an incomplete set of areas (DESIGN §5: province totals are computed, never typed in)."""
    con.execute("""
        INSERT INTO meta_finding
        WITH reported AS (
            SELECT s.file_sha256, s.vintage, s.province_code, a.level, any_value(s.sheet) AS sheet,
                   list(DISTINCT s.area_code) AS codes
            FROM stg_all s JOIN dim_area a ON a.vintage = s.vintage AND a.code = s.area_code
            GROUP BY ALL
        ),
        missing AS (
            SELECT r.file_sha256, r.sheet, r.vintage, r.province_code, r.level, len(r.codes) AS n_reported,
                   count(*) + any_value(len(r.codes)) AS n_units, string_agg(u.full_name, ', ' ORDER BY u.code) AS names
            FROM reported r
            JOIN dim_area u ON u.vintage = r.vintage AND u.province_code = r.province_code AND u.level = r.level
            WHERE NOT list_contains(r.codes, u.code)
            GROUP BY r.file_sha256, r.sheet, r.vintage, r.province_code, r.level, r.codes
        )
        SELECT m.file_sha256, f.original_name, m.sheet, NULL, 'missing_areas', 'warning',
               format('Tệp có {}/{} đơn vị cấp {} của tỉnh {}; thiếu: {}. Không tính tổng toàn tỉnh từ tệp này.',
                      m.n_reported, m.n_units, m.level, m.province_code, m.names),
               format('The file reports {} of {} {} units of province {}; missing: {}. No province total is '
                      'computed from it.', m.n_reported, m.n_units, m.level, m.province_code, m.names),
               m.n_units::VARCHAR, m.n_reported::VARCHAR, m.vintage || '/' || m.province_code
        FROM missing m
        JOIN (SELECT DISTINCT ON (sha256) sha256, original_name FROM meta_file ORDER BY sha256, received_at) f
          ON f.sha256 = m.file_sha256
    """)
