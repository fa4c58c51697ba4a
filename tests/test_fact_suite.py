"""The fact suite (``expectations/fact_indicator.json``) on frames shaped like ``fact_indicator``: what the blocking
check of the warehouse build runs before anything is published."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from expectations.runner import run_suite
from warehouse.build import SQL_DIR


def fact_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "indicator_code": ["tel_mobile_subscribers", "tel_mobile_subscribers", "tel_phone_density", "hlt_ehr_pct"],
            "area_key": ["2025-03-01:058", "2025-03-01:06", "2025-03-01:058", "2025-03-01:058"],
            "period_code": ["2024"] * 4,
            "value": [90_000.0, 279_568.0, 125.3, 88.0],  # phone density per 100 inhabitants may exceed 100
            "numerator_value": [None, None, 37_590.0, 26_400.0],
            "denominator_value": [None, None, 30_000.0, 30_000.0],
            "derivation": ["reported", "sum_of_areas", "rate", "rate"],
        }
    )


def test_fact_indicator_valid_passes() -> None:
    assert run_suite("fact_indicator", fact_frame()) == []


def test_fact_indicator_failures() -> None:
    frame = fact_frame()
    frame.loc[0, "value"] = -1.0
    frame.loc[1, "derivation"] = "typed_in"
    frame.loc[3, "denominator_value"] = 0.0
    frame = pd.concat([frame, frame.iloc[[2]]], ignore_index=True)
    failures = {f.rule: f for f in run_suite("fact_indicator", frame)}
    assert set(failures) == {
        "negative_value",
        "unknown_derivation",
        "zero_denominator",
        "duplicate_indicator_area_period",
    }
    assert failures["negative_value"].row_indices == (0,)
    assert failures["unknown_derivation"].unexpected_values == ("typed_in",)
    assert failures["zero_denominator"].row_indices == (3,)
    assert failures["duplicate_indicator_area_period"].row_indices == (2, 4)


def test_fact_indicator_missing_column() -> None:
    failures = run_suite("fact_indicator", fact_frame().drop(columns=["derivation"]))
    assert [(f.rule, f.columns) for f in failures] == [("missing_column", ("derivation",))]


def test_a_fact_table_larger_than_a_chunk_is_checked_a_group_of_indicators_at_a_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``validate_facts`` validates a national fact table a group of indicators at a time (``FACT_CHUNK_ROWS``);
    that path read each group with a call DuckDB 2.0 does not have, and only an XL run took it."""
    from assets import warehouse

    con = duckdb.connect()
    for sql in sorted(SQL_DIR.glob("*.sql")):
        con.execute(sql.read_text(encoding="utf-8"))
    con.register("frame", fact_frame())
    con.execute(
        "INSERT INTO fact_indicator SELECT indicator_code, area_key, period_code, value, NULL, NULL, numerator_value, "
        "denominator_value, NULL, derivation, NULL, NULL FROM frame"
    )
    monkeypatch.setattr(warehouse, "FACT_CHUNK_ROWS", 2)  # three indicators: two groups
    assert warehouse.validate_facts(con) == {"rows": 4, "errors": [], "warnings": 0, "failing_rows": ""}

    con.execute("UPDATE fact_indicator SET value = -1 WHERE indicator_code = 'hlt_ehr_pct'")
    outcome = warehouse.validate_facts(con)
    assert outcome["rows"] == 4 and len(outcome["errors"]) == 1 and "hlt_ehr_pct" in outcome["failing_rows"]
