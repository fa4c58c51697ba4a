"""Field kinds (issue #25) in the spec and the reader, on workbooks written here: a rate, index or rank binds only to
a column marked as one, a count never does; ranges and bounds are kept as their bounds; a non-additive field's total
row is the province's own figure. Every test asserts exact values or the exact rule."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from bench.workbooks import write
from sources.reading.bounds import parse_bound
from sources.reading.reader import ReadResult, read_file
from sources.samples import figures
from sources.samples.national import national_files
from sources.specs.fields import Field
from sources.specs.model import Spec, load_specs

SPECS = load_specs()
BASE = {"name_vi": "x", "name_en": "y", "definition_vi": "a", "definition_en": "b", "unit": "points", "aliases": ["z"]}


def _rows(result: ReadResult) -> dict[tuple[str, str], tuple[float | None, float | None, float | None]]:
    return {
        (r["area_code"], r["field"]): (r["value"], r["value_lower"], r["value_upper"])
        for r in result.values.iter_rows(named=True)
    }


def _rules(result: ReadResult) -> list[str]:
    return [f.rule for f in result.findings]


# --- the spec ---------------------------------------------------------------------------------------------------


def test_each_kind_has_its_keys() -> None:
    index = Field.model_validate({**BASE, "name": "score", "kind": "index", "scale_max": 1000})
    assert (index.aggregate, index.integer, index.additive, index.is_count) == ("none", False, False, False)
    rank = Field.model_validate({**BASE, "name": "rank", "kind": "rank", "out_of": "provinces"})
    assert rank.aggregate == "none" and rank.out_of == "provinces"
    shared = Field.model_validate({**BASE, "name": "catalogue", "aggregate": "none"})
    assert shared.is_count and not shared.additive
    for bad, words in (
        ({"kind": "index"}, "needs scale_max"),
        ({"kind": "rank"}, "needs out_of"),
        ({"kind": "rank", "out_of": 63, "aggregate": "sum"}, "aggregate: sum is not allowed"),
        ({"kind": "stock", "scale_max": 10}, "scale_max is for kind index only"),
        ({"kind": "rate", "part_of": "other"}, "for counts only"),
    ):
        with pytest.raises(ValidationError, match=words):
            Field.model_validate({**BASE, "name": "f", **bad})


def test_a_count_cannot_be_part_of_a_rank() -> None:
    spec = SPECS["dti"].model_dump()
    spec["fields"] = [*spec["fields"], {**BASE, "name": "teams", "unit": "rank", "part_of": ["rank"]}]
    with pytest.raises(ValidationError, match=r"'rank' .*is not a count"):
        Spec.model_validate(spec)


# --- which column binds to which field ----------------------------------------------------------------------------

HEALTH_HEAD = ["STT", "Đơn vị hành chính", "Tổng số cơ sở KCB", "Tỷ lệ viện phí không dùng tiền mặt (%)"]
TELECOM_HEAD = ["STT", "Đơn vị hành chính", "Di động", "Di động (%)", "Xếp hạng Di động"]
DISTRICTS = [("Thành phố Bắc Kạn", "058"), ("Huyện Pác Nặm", "060")]


def test_a_marked_column_binds_only_to_a_measure_and_a_count_only_to_an_unmarked_one(tmp_path: Path) -> None:
    """ "Di động (%)" and "Xếp hạng Di động" name the mobile subscribers' alias, but a unit and a rank word mark them:
    never the count (rate_not_loaded); "Tỷ lệ … (%)" binds to the health department's rate field."""
    telecom = write(
        tmp_path / "vien_thong_2024.xlsx",
        [["BÁO CÁO NĂM 2024"], TELECOM_HEAD, [1, DISTRICTS[0][0], 1000, 61.5, 2], [2, DISTRICTS[1][0], 800, 40.2, 1]],
    )
    result = read_file(telecom, SPECS["telecom"])
    assert result.errors == []
    assert _rows(result) == {
        ("058", "mobile_subscribers"): (1000, None, None),
        ("060", "mobile_subscribers"): (800, None, None),
    }
    marked = [f for f in result.findings if f.rule == "rate_not_loaded"]
    assert len(marked) == 2 and {"Di động (%)", "Xếp hạng Di động"} == {
        t for f in marked for t in ("Di động (%)", "Xếp hạng Di động") if t in f.message_en
    }
    health = write(
        tmp_path / "y_te_2024.xlsx",
        [["BÁO CÁO NĂM 2024"], HEALTH_HEAD, [1, DISTRICTS[0][0], 20, "22,5"], [2, DISTRICTS[1][0], 14, 18]],
    )
    result = read_file(health, SPECS["health"])
    assert result.errors == [] and "rate_not_loaded" not in _rules(result)
    assert _rows(result)[("058", "cashless_fee_share")] == (22.5, None, None)  # a share: never scaled, never summed
    assert _rows(result)[("060", "cashless_fee_share")] == (18, None, None)


def test_a_share_off_its_scale_is_an_error_naming_the_cell(tmp_path: Path) -> None:
    path = write(
        tmp_path / "y_te_2024.xlsx",
        [["BÁO CÁO NĂM 2024"], HEALTH_HEAD, [1, DISTRICTS[0][0], 20, 122], [2, DISTRICTS[1][0], 14, 18]],
    )
    result = read_file(path, SPECS["health"])
    [error] = result.errors
    assert (error.rule, error.cell, error.found) == ("value_off_scale", "D3", "122")
    assert "0–100" in error.message_vi and "off its scale" in error.message_en


# --- ranges and bounds --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "lower", "upper"),
    [
        ("20-25%", 20, 25),
        ("20 – 25 %", 20, 25),
        ("từ 20 đến 25", 20, 25),
        ("trên 80 %", 80, None),
        ("Hơn 116.000", 116000, None),
        ("hơn 1 triệu", 1_000_000, None),
        ("từ 80% trở lên", 80, None),
        ("gần 60%", None, 60),
        ("≤ 5", None, 5),
    ],
)
def test_the_bound_rules(text: str, lower: float | None, upper: float | None) -> None:
    found = parse_bound(text)
    assert found is not None and (found.lower, found.upper) == (lower, upper)


@pytest.mark.parametrize("text", ["khoảng 60", "25-20", "60 hoặc 70", "90,5", "-5", "hơn"])
def test_what_is_not_a_bound(text: str) -> None:
    assert parse_bound(text) is None


def test_a_range_in_a_total_row_is_the_provinces_bounds(tmp_path: Path) -> None:
    """A share the department gives as "20 – 25 %" in its total row: the province's value is its bounds, with a
    warning naming the cell; "khoảng 21" (about 21) in a district row is not a bound: an error, never coerced."""
    grid = [
        ["BÁO CÁO NĂM 2024"],
        HEALTH_HEAD,
        [1, DISTRICTS[0][0], 20, "-"],
        [2, DISTRICTS[1][0], 14, "-"],
        [None, "Tổng cộng", 34, "20 – 25 %"],
    ]
    result = read_file(write(tmp_path / "y_te_2024.xlsx", grid), SPECS["health"])
    assert result.errors == []
    rows = _rows(result)
    assert rows[("06", "cashless_fee_share")] == (None, 20, 25)
    assert ("06", "facilities") not in rows  # the total of a count is checked, not loaded
    [warning] = [f for f in result.findings if f.rule == "value_is_range"]
    assert warning.cell == "D5" and "20 to 25" in warning.message_en and "từ 20 đến 25" in warning.message_vi
    grid[2][3] = "khoảng 21"
    result = read_file(write(tmp_path / "y_te_2024b.xlsx", grid), SPECS["health"])
    assert [(e.rule, e.cell) for e in result.errors] == [("not_a_number", "D3")]


def test_a_total_row_that_is_a_bound_is_checked_as_a_bound(tmp_path: Path) -> None:
    """An additive count whose total says "Hơn 2.000": the areas (1,000 + 800) must reach the bound."""
    grid = [["BÁO CÁO NĂM 2024"], TELECOM_HEAD[:3], [1, DISTRICTS[0][0], 1000], [2, DISTRICTS[1][0], 800]]
    result = read_file(write(tmp_path / "a.xlsx", [*grid, [None, "Tổng cộng", "Hơn 1.500"]]), SPECS["telecom"])
    assert "total_mismatch" not in _rules(result)
    result = read_file(write(tmp_path / "b.xlsx", [*grid, [None, "Tổng cộng", "Hơn 2.000"]]), SPECS["telecom"])
    [error] = result.errors
    assert (error.rule, error.found) == ("total_mismatch", "Hơn 2.000")


# --- the samples: the DTI table by province, the provincial report with a bound --------------------------------


def test_the_dti_sample_reads_every_province(tmp_path: Path) -> None:
    """The ministry's national table by province: 63 provinces, each province's published score and rank (never
    summed: nothing to sum), Bắc Kạn's figures as published."""
    files = national_files()
    name = next(n for n in files if n.endswith("_2021.xlsx"))
    path = tmp_path / name.split("/")[1]
    path.write_bytes(files[name])
    result = read_file(path, SPECS["dti"])
    assert result.errors == [] and result.period is not None and result.period.code == "2021"
    rows = _rows(result)
    assert len({a for a, _ in rows}) == 63 and len(rows) == 63 * 8
    expected = {f: figures.total_of("06", "dti", "2021", f) for f in figures.fields_of("06", "dti", "2021")}
    assert {f: rows[("06", f)][0] for f in expected} == expected
    assert (rows[("06", "score")][0], rows[("06", "rank")][0]) == (320.7, 51)
    assert (rows[("06", "society_score")][0], rows[("06", "society_rank")][0]) == (33.55, 50)


def test_the_provincial_report_keeps_its_bound(tmp_path: Path) -> None:
    from sources.samples import sample_files

    files = sample_files()
    name = next(n for n in files if n.startswith("ecommerce/") and n.endswith("2023.xlsx"))
    path = tmp_path / "tmdt.xlsx"
    path.write_bytes(files[name])
    result = read_file(path, SPECS["ecommerce"])
    assert result.errors == [] and result.province_code == "14"
    assert _rows(result) == {("14", "accounts"): (None, 116000, None), ("14", "products"): (2447, None, None)}
    assert _rules(result).count("value_is_bound") == 1
