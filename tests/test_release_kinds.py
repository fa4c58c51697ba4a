"""Field kinds in the release (issue #25): a rate, an index or a rank is never suppressed as a count of people; a
count known only by its bounds is controlled by its bounds; the site charts a rank the right way up, an index on its
scale, a range as a bar. Small frames and real SVG, no warehouse needed."""

from __future__ import annotations

import re
from datetime import date
from xml.etree import ElementTree

import polars as pl

from warehouse.catalogue import load_catalogue
from warehouse.release import disclosure
from warehouse.release.charts import Point, Scale, Series, line_chart
from warehouse.release.site import decimals_of, unit_of

NS = "{http://www.w3.org/2000/svg}"


def _indicators() -> list[dict]:
    return [
        {
            "indicator_code": i.code,
            "kind": i.kind,
            "source": i.source,
            "numerator": " + ".join(i.numerator) or None,
            "denominator": i.denominator,
        }
        for i in load_catalogue()
    ]


def test_only_counts_of_people_are_controlled() -> None:
    """Health is a person-record source: its counts (and rates built from them) are controlled; the share of fees
    paid without cash, which the department reports as a rate, and the DTI's index and rank are not."""
    codes = disclosure.person_record_codes(_indicators())
    assert {"hlt_ehr_records", "hlt_facilities", "hlt_ehr_pct", "cid_eid_activated"} <= codes
    assert not {"hlt_cashless_fee_share", "dti_score", "dti_rank", "tel_phone_subscribers"} & codes


def _frame(rows: list[tuple]) -> pl.DataFrame:
    """(indicator, kind, value, value_lower, value_upper) rows of district values."""
    return pl.DataFrame(
        [
            (code, kind, "district", f"a{i}", "2024", v, lo, hi, None, None, False)
            for i, (code, kind, v, lo, hi) in enumerate(rows)
        ],
        schema={
            "indicator_code": pl.String,
            "kind": pl.String,
            "area_level": pl.String,
            "area_key": pl.String,
            "period_code": pl.String,
            "value": pl.Float64,
            "value_lower": pl.Float64,
            "value_upper": pl.Float64,
            "numerator_value": pl.Float64,
            "denominator_value": pl.Float64,
            "denominator_is_person": pl.Boolean,
        },
        orient="row",
    )


def test_a_share_an_index_and_a_rank_are_published_as_they_are() -> None:
    codes = disclosure.person_record_codes(_indicators())
    frame = _frame(
        [
            ("hlt_cashless_fee_share", "rate", 3.0, 3.0, 3.0),  # a small number, but no count of people
            ("hlt_cashless_fee_share", "rate", None, 20.0, 25.0),
            ("dti_rank", "rank", 7.0, 7.0, 7.0),
            ("hlt_ehr_records", "count", 7.0, 7.0, 7.0),  # a small count of people: withheld
        ]
    )
    out = disclosure.apply(frame, codes)
    assert out.select("value", "value_lower", "value_upper", "flag").rows() == [
        (3.0, 3.0, 3.0, ""),
        (None, 20.0, 25.0, ""),
        (7.0, 7.0, 7.0, ""),
        (None, None, None, "suppressed"),
    ]
    assert disclosure.check(out, codes) == []


def test_a_count_of_people_known_by_its_bounds_is_rounded_outward() -> None:
    codes = disclosure.person_record_codes(_indicators())
    frame = _frame(
        [
            ("hlt_ehr_records", "count", None, 1003.0, None),  # "hơn 1.003": at least 1,000 published
            ("hlt_ehr_records", "count", None, 7.0, 1021.0),  # a lower bound below 10 is withheld
            ("hlt_ehr_records", "count", None, None, 8.0),  # "dưới 8": a small count, withheld
        ]
    )
    out = disclosure.apply(frame, codes)
    assert out.select("value", "value_lower", "value_upper", "flag").rows() == [
        (None, 1000.0, None, "rounded"),
        (None, None, 1025.0, "rounded"),
        (None, None, None, "suppressed"),
    ]
    assert disclosure.check(out, codes) == []
    assert disclosure.check(frame.with_columns(flag=pl.lit("")), codes)  # the raw bounds break the rule


def _series(values: list[tuple[int, float | None, float | None, float | None]]) -> list[Series]:
    points = tuple(Point(date(y, 12, 31), str(y), v, lower=lo, upper=hi) for y, v, lo, hi in values)
    return [Series("Bắc Kạn", "2025-03-01/06", "year", points)]


def _marks(svg: str) -> dict[str, ElementTree.Element]:
    root = ElementTree.fromstring(svg)
    return {e.get("data-period") or "": e for e in root.iter() if e.get("data-period")}


def test_a_rank_runs_the_right_way_up() -> None:
    svg = line_chart(
        _series([(2020, 59, None, None), (2021, 51, None, None), (2022, 1, None, None)]),
        "r",
        0,
        scale=Scale("rank", 63),
    )
    marks = _marks(svg)
    y = {k: float(e.get("cy") or 0) for k, e in marks.items()}
    assert y["2022"] < y["2021"] < y["2020"]  # 1st is the top of the chart, 59th near its bottom
    assert "rank: 1 = first, of 63" in svg and "hạng: 1 = cao nhất, trên 63" in svg
    ticks = [t for t in re.findall(r'text-anchor="end" font-size="11">([\d.]+)</text>', svg)]
    assert ticks[0] == "1" and ticks[-1] == "63"


def test_an_index_shows_its_scale() -> None:
    svg = line_chart(_series([(2020, 241, None, None), (2021, 320.7, None, None)]), "i", 2, scale=Scale("index", 1000))
    assert "scale 0–1.000" in svg and "thang điểm 0–1.000" in svg
    assert ">1.000</text>" in svg  # the axis runs to the top of the scale, not to the largest value
    assert unit_of({"kind": "index", "unit": "points", "scale_max": 1000}) == "points (0–1.000)"
    assert unit_of({"kind": "rank", "unit": "rank", "scale_max": None}) == "rank (1 = cao nhất / first)"
    assert decimals_of({"kind": "index"}) == 2 and decimals_of({"kind": "rank"}) == 0


def test_a_range_is_a_bar_and_a_bound_an_arrow_never_a_point_on_the_line() -> None:
    svg = line_chart(_series([(2022, 18.0, None, None), (2023, None, 20.0, 25.0), (2024, None, 27.0, None)]), "s", 1)
    root = ElementTree.fromstring(svg)
    series = next(g for g in root.iter(f"{NS}g") if g.get("class") == "series")
    assert [e.get("data-period") for e in series if e.get("data-period")] == ["2022"]  # the line's only point
    bounds = next(g for g in root.iter(f"{NS}g") if g.get("class") == "bounds")
    kinds = {e.get("data-period"): e.get("class") for e in bounds}
    assert kinds == {"2023": "point range", "2024": "point bound"}
    titles = [t.text for t in root.iter(f"{NS}title")]
    assert any(t and "20,0–25,0" in t and "not one number" in t for t in titles)
    assert any(t and "≥ 27,0" in t for t in titles)


def test_a_national_table_shows_the_provinces_held_first_then_the_best_placed() -> None:
    """63 provinces cannot share one chart: the provinces the warehouse holds by district come first (Bắc Kạn, 51st),
    then the best placed (the smallest ranks), with a note that the downloads have them all."""
    from warehouse.release.site import _largest_areas

    series = [
        Series(f"P{r}", f"2025-03-01/{r:02d}", "year", (Point(date(2021, 12, 31), "2021", float(r)),))
        for r in range(1, 64)
    ]
    kept, note = _largest_areas(series, frozenset({"2025-03-01/51"}), rank=True)
    assert [s.key for s in kept] == ["2025-03-01/01", *(f"2025-03-01/{r:02d}" for r in range(2, 10)), "2025-03-01/51"]
    assert "Showing 10 of 63" in note and "best placed" in note and "held by district" in note


def test_a_series_of_bounds_only_has_no_line_group() -> None:
    """A province whose only figure is a range: its bar, and no empty series group (a series names the frequency
    of the values its line joins)."""
    root = ElementTree.fromstring(line_chart(_series([(2024, None, 20.0, 25.0)]), "s", 1))
    assert [g.get("class") for g in root.iter(f"{NS}g")] == ["bounds", "point range"]
