"""Disclosure control, safe CSV and the CHANGELOG on small frames (no warehouse needed)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from warehouse.release import changelog, disclosure
from warehouse.release.safe_csv import TRIGGERS, escape_text, write_csv

PERSON = frozenset({"hlt_ehr_records", "hlt_ehr_pct", "hlt_ehr_standardised_pct"})


def facts(rows: list[tuple]) -> pl.DataFrame:
    """(indicator, kind, level, value, numerator, denominator, denominator_is_person) rows."""
    return pl.DataFrame(
        [(code, kind, level, f"a{i}", "2024", v, n, d, dp) for i, (code, kind, level, v, n, d, dp) in enumerate(rows)],
        schema={
            "indicator_code": pl.String,
            "kind": pl.String,
            "area_level": pl.String,
            "area_key": pl.String,
            "period_code": pl.String,
            "value": pl.Float64,
            "numerator_value": pl.Float64,
            "denominator_value": pl.Float64,
            "denominator_is_person": pl.Boolean,
        },
        orient="row",
    )


def test_person_record_codes_come_from_the_catalogue_source() -> None:
    rows = [
        {
            "indicator_code": "hlt_ehr_records",
            "kind": "count",
            "source": "health",
            "numerator": None,
            "denominator": None,
        },
        {
            "indicator_code": "cid_eid_activated",
            "kind": "count",
            "source": "civil_id",
            "numerator": None,
            "denominator": None,
        },
        {
            "indicator_code": "pop_total",
            "kind": "count",
            "source": "population",
            "numerator": None,
            "denominator": None,
        },
        {
            "indicator_code": "hlt_ehr_pct",
            "kind": "rate",
            "source": "health",
            "numerator": "hlt_ehr_records",
            "denominator": "pop_total",
        },
        {
            "indicator_code": "tel_phone_density",
            "kind": "rate",
            "source": "telecom",
            "numerator": "tel_fixed_subscribers + tel_mobile_subscribers",
            "denominator": "pop_total",
        },
    ]
    assert disclosure.person_record_codes(rows) == {"hlt_ehr_records", "cid_eid_activated", "hlt_ehr_pct"}


@pytest.mark.parametrize(
    ("value", "released", "flag"),
    [
        (0, 0, ""),
        (1, None, "suppressed"),
        (9, None, "suppressed"),
        (10, 10, "rounded"),
        (12, 10, "rounded"),
        (13, 15, "rounded"),
        (1234, 1235, "rounded"),
        (None, None, ""),
    ],
)
def test_counts_below_province_are_suppressed_or_rounded(
    value: float | None, released: float | None, flag: str
) -> None:
    out = disclosure.apply(facts([("hlt_ehr_records", "count", "district", value, None, None, False)]), PERSON)
    assert out.row(0, named=True)["value"] == released
    assert out.row(0, named=True)["flag"] == flag
    assert disclosure.check(out, PERSON) == []


def test_province_totals_and_other_sources_stay_exact() -> None:
    out = disclosure.apply(
        facts(
            [
                ("hlt_ehr_records", "count", "province", 7, None, None, False),
                ("tel_mobile_subscribers", "count", "district", 7, None, None, False),
                ("tel_mobile_subscribers", "count", "commune", 1234, None, None, False),
            ]
        ),
        PERSON,
    )
    assert out["value"].to_list() == [7, 7, 1234]
    assert out["flag"].to_list() == ["", "", ""]
    assert disclosure.check(out, PERSON) == []


@pytest.mark.parametrize(
    ("numerator", "denominator", "published"),
    [
        (9, 1000, False),
        (10, 49, False),
        (10, 50, True),
        (12, 50, True),
        (503, 1000, True),
    ],
)
def test_rates_need_numerator_10_and_denominator_50(numerator: float, denominator: float, published: bool) -> None:
    rate = numerator / denominator * 100
    out = disclosure.apply(facts([("hlt_ehr_pct", "rate", "commune", rate, numerator, denominator, False)]), PERSON)
    row = out.row(0, named=True)
    assert (row["value"] is not None) is published
    assert row["flag"] == ("rounded" if published else "suppressed")
    if published:
        assert row["numerator_value"] % 5 == 0 and row["denominator_value"] == denominator  # population: exact
        # computed from the rounded numerator: rate × denominator gives back the rounded count, not the exact one
        assert row["value"] * denominator / 100 == pytest.approx(row["numerator_value"])
    else:
        assert row["numerator_value"] is None and row["denominator_value"] is None
    assert disclosure.check(out, PERSON) == []


def test_a_rate_over_a_person_count_rounds_the_denominator_too() -> None:
    out = disclosure.apply(
        facts(
            [
                ("hlt_ehr_standardised_pct", "rate", "district", 96 / 121 * 100, 96, 121, True),
                ("hlt_ehr_pct", "rate", "district", None, 3, 0, False),
            ]
        ),
        PERSON,
    )
    assert out.row(0, named=True)["denominator_value"] == 120 and out.row(0, named=True)["numerator_value"] == 95
    assert out.row(0, named=True)["value"] == pytest.approx(95 / 120 * 100)
    assert out.row(1, named=True)["numerator_value"] is None  # no rate, no count either
    assert disclosure.check(out, PERSON) == []


@pytest.mark.parametrize(
    "row",
    [
        ("hlt_ehr_records", "count", "district", 3, None, None, False),  # small count published
        ("hlt_ehr_records", "count", "commune", 1234, None, None, False),  # not rounded
        ("hlt_ehr_pct", "rate", "district", 90.0, 9, 10, False),  # rate over small numbers
        ("hlt_ehr_pct", "rate", "district", 90.0, None, None, False),  # rate that cannot be checked
        ("hlt_ehr_standardised_pct", "rate", "district", 80.0, 95, 121, True),  # person denominator not rounded
    ],
)
def test_the_blocking_check_refuses_a_frame_that_breaks_the_rule(row: tuple) -> None:
    frame = facts([row]).with_columns(flag=pl.lit(""))
    assert len(disclosure.check(frame, PERSON)) == 1
    with pytest.raises(disclosure.DisclosureError, match="disclosure rule"):
        disclosure.assert_safe(frame, PERSON)


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_each_trigger_character_is_escaped(trigger: str) -> None:
    assert escape_text(f"{trigger}SUM(A1:A9)") == f"'{trigger}SUM(A1:A9)"


def test_safe_csv_escapes_text_never_numbers(tmp_path: Path) -> None:
    frame = pl.DataFrame(
        {
            "text": ["=1+2", "+84 912", "-2", "@cmd", "\tx", "\ry", "\nz", "Hà Nội", "a=b", None],
            "number": [-5.0, 1e-7, -0.5, 0.0, 3.0, 1.0, 2.0, 4.0, 5.0, None],
            "integer": [-5, -1, 0, 1, 2, 3, 4, 5, 6, 7],
        }
    )
    path = write_csv(frame, tmp_path / "t.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    back = pl.read_csv(path, infer_schema=False)
    assert back["text"].to_list() == [
        "'=1+2",
        "'+84 912",
        "'-2",
        "'@cmd",
        "'\tx",
        "'\ry",
        "'\nz",
        "Hà Nội",
        "a=b",
        None,
    ]
    assert [float(v) if v else None for v in back["number"]] == frame["number"].to_list()
    assert back["integer"].to_list()[:2] == ["-5", "-1"]
    text = raw.decode("utf-8-sig")
    assert "1e-7" in text.lower() or "0.0000001" in text
    assert "'-5" not in text and "'1e" not in text.lower()


def _released(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={
            "indicator_code": pl.String,
            "area_key": pl.String,
            "period_code": pl.String,
            "value": pl.Float64,
            "flag": pl.String,
        },
        orient="row",
    )


def test_changelog_lists_new_periods_and_corrections_old_to_new() -> None:
    old = _released(
        [
            ("tel_mobile_subscribers", "a/06", "2023", 100.0, ""),
            ("tel_mobile_subscribers", "a/06", "2022", 90.0, ""),
            ("hlt_ehr_records", "a/058", "2023", 15.0, "rounded"),
        ]
    )
    new = _released(
        [
            ("tel_mobile_subscribers", "a/06", "2023", 120.0, ""),
            ("tel_mobile_subscribers", "a/06", "2022", 90.0, ""),
            ("tel_mobile_subscribers", "a/06", "2024", 130.0, ""),
            ("hlt_ehr_records", "a/058", "2023", None, "suppressed"),
        ]
    )
    text = changelog.render("2026-01-02-1", "2026-01-01-1", old, new)
    assert "2024: tel_mobile_subscribers" in text
    assert "tel_mobile_subscribers a/06 2023: 100 → 120" in text
    assert "hlt_ehr_records a/058 2023: 15 → – (rounded → suppressed)" in text
    assert "2022" not in text.split("Corrected")[1]
