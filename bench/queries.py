"""The README's three analyst questions (adapted to communes), timed on a read-only connection to the published
warehouse: p50/p95 over repetitions after one warm-up (``bench.harness``)."""

from __future__ import annotations

import time
from pathlib import Path

QUERIES = {
    "series": "SELECT area_name, period_code, value FROM v_indicator "
    "WHERE indicator_code = 'tel_mobile_subscribers' AND area_level = 'commune' "
    "ORDER BY province_code, area_name, period_code",
    "ranked": "SELECT area_name, round(value, 1) AS per_100, numerator_value, denominator_value FROM v_indicator "
    "WHERE indicator_code = 'tel_phone_density' AND area_level = 'commune' AND province_code = ? "
    "AND period_code = ? ORDER BY value DESC",
    "targets": "SELECT province_name, indicator_name_en, latest_period, value, target_2025, gap_2025, met_2025 "
    "FROM v_target_progress ORDER BY indicator_code, province_name",
}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def query_latency(warehouse: Path, province: str, period: str, reps: int = 50) -> dict:
    import duckdb

    out = {}
    con = duckdb.connect(str(warehouse), read_only=True)
    everything: list[float] = []
    for name, sql in QUERIES.items():
        params = [province, period] if "?" in sql else []
        con.execute(sql, params).fetchall()  # warm-up (first open of the file)
        times = []
        rows = 0
        for _ in range(reps):
            t0 = time.perf_counter()
            rows = len(con.execute(sql, params).fetchall())
            times.append((time.perf_counter() - t0) * 1000)
        everything += times
        out[name] = {"p50_ms": percentile(times, 50), "p95_ms": percentile(times, 95), "rows": rows}
    con.close()
    out["all"] = {"p50_ms": percentile(everything, 50), "p95_ms": percentile(everything, 95)}
    return out
