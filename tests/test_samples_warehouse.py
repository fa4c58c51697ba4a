"""The sample workbooks through the whole pipeline: the warehouse reproduces the published figures.

One run of ``xhs run`` on ``xhs samples`` (the session's ``sample_warehouse``); every modelled row of
``shared/reference/seed_facts.csv`` is asserted through ``sources/samples/seed_mapping.yaml``."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.pipeline_helpers import query

pytestmark = pytest.mark.deployment  # make check leaves it out (tests/README.md)

MAPPING = Path(__file__).parent.parent / "sources" / "samples" / "seed_mapping.yaml"


@pytest.fixture(scope="module")
def warehouse(sample_warehouse: Path) -> Path:
    """The session's sample deployment (tests/conftest.py): ``xhs samples`` through ``xhs run``, built once."""
    return sample_warehouse


def value(root: Path, indicator: str, area_key: str, period: str) -> float | None:
    rows = query(
        root,
        "SELECT value FROM fact_indicator WHERE indicator_code = ? AND area_key = ? AND period_code = ?",
        [indicator, area_key, period],
    )
    return rows[0][0] if rows else None


def test_every_sample_file_loads(warehouse: Path) -> None:
    assert query(warehouse, "SELECT status, count(*) FROM meta_file GROUP BY ALL") == [
        ("loaded", len(list((warehouse / "landing").rglob("*.*"))))
    ]


def test_bac_kan_mobile_subscribers_2022(warehouse: Path) -> None:
    assert value(warehouse, "tel_mobile_subscribers", "2025-03-01/06", "2022") == 279568
    rows = query(
        warehouse,
        "SELECT area_level, count(DISTINCT area_code), count(DISTINCT period_code) "
        "FROM v_indicator WHERE indicator_code = 'tel_mobile_subscribers' AND province_code = '06' "
        "AND vintage = '2025-03-01' GROUP BY ALL ORDER BY 1",
    )
    assert rows == [("district", 8, 5), ("province", 1, 5)]


def test_districts_sum_to_the_province(warehouse: Path) -> None:
    rows = query(
        warehouse,
        """
        SELECT p.indicator_code, p.period_code, p.value, sum(d.value)
        FROM v_indicator p JOIN v_indicator d
          ON d.indicator_code = p.indicator_code AND d.period_code = p.period_code
         AND d.province_code = p.province_code AND d.vintage = p.vintage AND d.area_level <> 'province'
        WHERE p.area_level = 'province' AND p.derivation = 'sum_of_areas'
        GROUP BY ALL HAVING abs(p.value - sum(d.value)) > 1e-6""",
    )
    assert rows == []


def seed_entries() -> list[dict]:
    return [
        e
        for e in yaml.safe_load(MAPPING.read_text(encoding="utf-8"))
        if e.get("indicator") and not e.get("inconsistent")
    ]


@pytest.mark.parametrize("entry", seed_entries(), ids=lambda e: f"{e['indicator']}-{e['area_code']}-{e['period']}")
def test_published_figure_is_reproduced(warehouse: Path, entry: dict) -> None:
    got = value(warehouse, entry["indicator"], f"2025-03-01/{entry['area_code']}", str(entry["period"]))
    assert got is not None
    assert round(got, entry.get("decimals", 0)) == pytest.approx(entry["value"])


def test_inconsistent_published_rates_show_the_computed_value(warehouse: Path) -> None:
    entries = [e for e in yaml.safe_load(MAPPING.read_text(encoding="utf-8")) if e.get("inconsistent")]
    assert entries, "the mapping records the published figures that contradict the counts"
    for e in entries:
        got = value(warehouse, e["indicator"], f"2025-03-01/{e['area_code']}", str(e["period"]))
        assert got is not None and round(got, 1) == pytest.approx(e["computed"], abs=0.1)


@pytest.mark.parametrize(
    "entry",
    [e for e in yaml.safe_load(MAPPING.read_text(encoding="utf-8")) if e.get("bound")],
    ids=lambda e: e["bound"]["indicator"],
)
def test_published_bounds_are_checked_as_bounds(warehouse: Path, entry: dict) -> None:
    """A figure published as a range or a bound: stored as those bounds (value empty), or an exact value within."""
    b = entry["bound"]
    [(value, lower, upper, bound)] = query(
        warehouse,
        "SELECT value, value_lower, value_upper, value_bound FROM v_indicator WHERE indicator_code = ? "
        "AND area_key = ? AND period_code = ?",
        [b["indicator"], f"2025-03-01/{b['area_code']}", str(b["period"])],
    )
    if entry["stored"]:
        assert value is None and (lower, upper) == (b["lower"], b["upper"])
        assert bound == (
            "range" if b["lower"] is not None and b["upper"] is not None else "lower" if b["lower"] else "upper"
        )
    else:
        assert value is not None and bound == "exact" and lower == upper == value
        assert (b["lower"] is None or value > b["lower"]) and (b["upper"] is None or value < b["upper"])


def test_the_figures_of_issue_25(warehouse: Path) -> None:
    """The "done when" of issue #25, read from v_indicator: the DTI with its scale and the number ranked, and Sơn
    La's e-commerce accounts as a lower bound."""
    rows = query(
        warehouse,
        """
        SELECT indicator_code, period_code, value, scale_max, out_of, derivation FROM v_indicator
        WHERE area_key = '2025-03-01/06' AND indicator_code LIKE 'dti_%'
          AND indicator_code IN ('dti_score', 'dti_rank', 'dti_society_score', 'dti_society_rank')
        ORDER BY period_code, indicator_code""",
    )
    assert rows == [
        ("dti_rank", "2020", 59, None, 63, "reported"),
        ("dti_score", "2020", 241, 1000, None, "reported"),
        ("dti_rank", "2021", 51, None, 63, "reported"),
        ("dti_score", "2021", 320.7, 1000, None, "reported"),
        ("dti_society_rank", "2021", 50, None, 63, "reported"),
        ("dti_society_score", "2021", 33.55, 150, None, "reported"),
        ("dti_rank", "2022", 63, None, 63, "reported"),
        ("dti_score", "2022", 410.3, 1000, None, "reported"),
    ]
    assert query(
        warehouse,
        "SELECT value, value_lower, value_upper, value_bound, unit FROM v_indicator WHERE indicator_code = "
        "'ecm_accounts' AND area_key = '2025-03-01/14' AND period_code = '2023'",
    ) == [(None, 116000, None, "lower", "accounts")]
    # a finding says so, naming the cell
    [(rule, message)] = query(
        warehouse,
        "SELECT rule, message_en FROM meta_finding f JOIN meta_file m ON m.sha256 = f.file_sha256 "
        "WHERE m.source = 'ecommerce' AND m.period_code = '2023' AND rule LIKE 'value_is_%'",
    )
    assert rule == "value_is_bound" and "Hơn 116.000" in message and "lower bound of 116.000" in message


def test_post_reform_communes_resolve_to_the_new_list(warehouse: Path) -> None:
    rows = query(
        warehouse, "SELECT DISTINCT vintage, area_level, province_code FROM v_indicator WHERE period_code = '2025-H2'"
    )
    assert rows and {r[0] for r in rows} == {"2025-07-01"}
    assert {r[2] for r in rows} == {"19"}
    assert {r[1] for r in rows} == {"commune", "province"}


def test_analyst_views_read_their_stored_tables(warehouse: Path) -> None:
    """v_indicator and v_target_progress read tables stored at build time (issue #18), with the same rows as the
    joins they replace, sorted so that DuckDB's zone maps prune, and with their comments."""
    [(definition,)] = query(warehouse, "SELECT sql FROM duckdb_views() WHERE view_name = 'v_indicator'")
    assert "fact_indicator_wide" in definition
    joined = query(
        warehouse,
        """
        SELECT count(*) FROM fact_indicator f JOIN dim_area a USING (area_key)
        JOIN dim_indicator USING (indicator_code) JOIN dim_period USING (period_code)""",
    )
    assert query(warehouse, "SELECT count(*) FROM v_indicator") == joined
    keys = query(warehouse, "SELECT indicator_code, area_level, province_code, period_code FROM fact_indicator_wide")
    assert keys == sorted(keys, key=lambda k: tuple("" if x is None else x for x in k))
    uncommented = query(
        warehouse,
        """
        SELECT table_name, column_name FROM duckdb_columns()
        WHERE table_name IN ('v_indicator', 'fact_indicator_wide', 'fact_target_progress') AND comment IS NULL""",
    )
    assert uncommented == []
