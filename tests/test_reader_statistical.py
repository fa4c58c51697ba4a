"""The reader on statistics-office layouts (issue #12, DESIGN §3b): the sample generator's national table and
census cube carry the departmental figures, and small grids written here cover the other families. Every test
asserts exact values."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.workbooks import write
from sources.reading.reader import read_file
from sources.samples import figures
from sources.samples.real_layouts import (
    BA_BE_2019,
    CENSUS_FILE,
    CENSUS_YEAR,
    HISTORIC_FILE,
    HISTORIC_MERGED,
    NATIONAL_FILE,
    PARTIAL_FIELDS,
    PARTIAL_FILE,
    PARTIAL_YEAR,
    YEARS,
    province_total,
    real_layout_files,
)
from sources.specs.model import load_specs

POPULATION = load_specs()["population"]
TELECOM = load_specs()["telecom"]


def _sample(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name.split("/")[1]
    path.write_bytes(real_layout_files()[name])
    return path


def _values(result) -> dict[tuple[str, str, str], float]:
    return {(r["period_code"], r["area_code"], r["field"]): r["value"] for r in result.values.iter_rows(named=True)}


def _rules(result) -> set[str]:
    return {f.rule for f in result.findings}


def test_national_table_by_province_years_across_in_thousands(tmp_path: Path) -> None:
    result = read_file(_sample(tmp_path, NATIONAL_FILE))
    assert result.errors == [] and result.source == "population"
    assert [p.code for p in result.periods] == list(YEARS) and result.province_code is None
    got = _values(result)
    assert got == {(y, p, "total"): province_total(p, y) for y in YEARS for p in ("06", "14", "83")}
    assert got[("2022", "06", "total")] == 314000  # 314,000 written as 314 "Nghìn người"
    scale = {r["scale"] for r in result.values.iter_rows(named=True)}
    assert scale == {1000.0}  # the scale is kept in the lineage
    prelim = {r["period_code"] for r in result.values.iter_rows(named=True) if r["preliminary"]}
    assert prelim == {"2024"}  # "Sơ bộ 2024"
    [regions] = [f for f in result.findings if f.rule == "region_rows_skipped"]
    assert "Trung du và miền núi phía Bắc" in regions.message_en and "Đồng bằng sông Cửu Long" in regions.message_vi
    assert result.totals == {f"total@{y}": sum(province_total(p, y) for p in ("06", "14", "83")) for y in YEARS}


def test_the_national_row_of_a_table_by_province_loads_on_the_country(tmp_path: Path) -> None:
    """ "Cả nước" above the provinces is the national figure: loaded on VN, never summed into the provinces."""
    grid = [
        ["Dân số trung bình phân theo địa phương"],
        ["Đơn vị tính: Nghìn người"],
        [None, "2022", "2023"],
        ["CẢ NƯỚC", 99474.4, 100309.2],
        ["Bắc Kạn", 314.4, 317.0],
        ["Sơn La", 1288.2, 1300.1],
    ]
    result = read_file(write(tmp_path / "V02.01.xlsx", grid))
    assert result.errors == []
    got = _values(result)
    assert got[("2022", "VN", "total")] == 99474400 and got[("2023", "06", "total")] == 317000
    assert "region_rows_skipped" not in _rules(result)


def test_census_cube_hierarchy_blank_headers_breakdowns_and_age_bands(tmp_path: Path) -> None:
    result = read_file(_sample(tmp_path, CENSUS_FILE))
    assert result.errors == [], [f.message_en for f in result.errors]
    got = _values(result)
    expected = {}
    for p in ("06", "14"):
        for code, v in figures.area_values(p, "population", CENSUS_YEAR).items():
            expected[(CENSUS_YEAR, code, "total")] = v["total"]
            expected[(CENSUS_YEAR, code, "working_age")] = v["working_age"]  # the 15–64 band
    assert got == expected  # subtotal rows, the grand total and the breakdowns are not loaded
    assert {"breakdown_not_loaded", "age_bands_do_not_fit"} <= _rules(result)
    notes = " ".join(f.message_en for f in result.findings if f.rule == "age_bands_do_not_fit")
    assert "age_14_plus" in notes and "adult" in notes


def test_subtotal_that_disagrees_is_a_warning_naming_both(tmp_path: Path) -> None:
    grid = [
        ["Số hộ dân cư năm 2023 (ĐVT: Hộ)"],
        [None],
        [None, None, "Tổng số"],
        [" Tỉnh Bắc Kạn (Tổng số)", None, 1000],
        [" Tỉnh Bắc Kạn", " Thành phố Bắc Kạn", 600],
        [None, " Huyện Ba Bể", 300],
    ]
    result = read_file(write(tmp_path / "ho.xlsx", grid))
    assert result.errors == []
    assert _values(result) == {("2023", "058", "households"): 600, ("2023", "061", "households"): 300}
    [sub] = [f for f in result.findings if f.rule == "subtotal_mismatch"]
    assert sub.cell == "C4" and "1.000" in sub.message_en and "900" in sub.message_en


def test_hierarchy_resolves_a_name_within_its_parent(tmp_path: Path) -> None:
    """ "Thị trấn" alone, and a name shared by units of other districts, resolve inside their district."""
    grid = [
        ["Năm 2022"],
        ["Huyện/Thành phố", "Xã/Phường", "Số hộ"],
        ["Huyện Ba Bể", "Thị trấn", 1200],
        [None, "Xã Phúc Lộc", 300],
        ["Huyện Chợ Đồn", "Xã Bình Trung", 400],
    ]
    result = read_file(write(tmp_path / "xa.xlsx", grid), POPULATION)
    assert result.errors == [], [f.message_en for f in result.errors]
    got = {r["area_written"]: r["area_code"] for r in result.values.iter_rows(named=True)}
    # Ba Bể's only thị trấn is Chợ Rã; Phúc Lộc is Ba Bể's, Bình Trung Chợ Đồn's (admin_units_2025-03-01.csv)
    assert got == {"Thị trấn": "01888", "Xã Phúc Lộc": "01894", "Xã Bình Trung": "02080"}


def test_unit_in_the_header_scales_and_a_density_is_not_a_population(tmp_path: Path) -> None:
    grid = [
        ["Diện tích, dân số và mật độ dân số"],
        [None, "2022", None],
        [None, "Dân số trung bình (Nghìn người)", "Mật độ dân số (Người/km2)"],
        ["Bắc Kạn", 314.0, 65.0],
        ["Sơn La", 1288.0, 91.0],
    ]
    result = read_file(write(tmp_path / "mat_do.xlsx", grid))
    assert result.errors == []
    assert _values(result) == {("2022", "06", "total"): 314000, ("2022", "14", "total"): 1288000}
    assert "rate_not_loaded" in _rules(result)  # the density column is named as a rate, not loaded


def test_fractional_counts_without_a_unit_are_refused(tmp_path: Path) -> None:
    grid = [["Dân số trung bình phân theo địa phương"], [None, "2022"], ["Bắc Kạn", 314.4], ["Sơn La", 1288.2]]
    result = read_file(write(tmp_path / "ds.csv", grid))
    [finding] = result.errors
    assert finding.rule == "fractional_count" and finding.cell == "B3"
    assert "Nghìn người" in finding.message_vi


def test_periods_before_2015_are_skipped_with_a_warning(tmp_path: Path) -> None:
    grid = [
        ["Average population"],
        ["Cities, provincies", "Total 2014", "Total 2015", "Total Prel. 2016"],
        ["Bac Kan", 300, 301, 302],
        ["Red River Delta", 8, 8, 8],
        ["WHOLE COUNTRY", 9000, 9001, 9002],
    ]
    result = read_file(write(tmp_path / "en.csv", grid))
    assert result.errors == []
    assert _values(result) == {
        ("2015", "06", "total"): 301,
        ("2016", "06", "total"): 302,
        ("2015", "VN", "total"): 9001,  # the whole country's row loads on the country
        ("2016", "VN", "total"): 9002,
    }
    assert {"period_out_of_range", "region_rows_skipped"} <= _rules(result)


def test_units_merged_since_are_warned_not_refused(tmp_path: Path) -> None:
    grid = [
        ["Dân số năm 2019 (ĐVT: Người)"],
        [None, None, "Tổng số"],
        ["Tỉnh Bắc Kạn", "Huyện Ba Bể", 48000],
        [None, "Huyện Ngân Sơn", 29000],
        [None, "Huyện Nam Sơn Cũ", 5000],
    ]
    result = read_file(write(tmp_path / "ds2019.xlsx", grid))
    assert result.errors == []
    assert _values(result) == {("2019", "061", "total"): 48000, ("2019", "062", "total"): 29000}
    [merged] = [f for f in result.findings if f.rule == "units_not_in_list"]
    assert "Nam Sơn Cũ" in merged.message_en and merged.severity == "warning"


def test_most_rows_unknown_is_still_a_refusal(tmp_path: Path) -> None:
    grid = [
        ["Dân số năm 2019 (ĐVT: Người)"],
        [None, None, "Tổng số"],
        ["Tỉnh Bắc Kạn", "Huyện Ba Bể", 48000],
        [None, "Huyện Một", 1],
        [None, "Huyện Hai", 2],
    ]
    result = read_file(write(tmp_path / "ds2019.xlsx", grid))
    assert {f.rule for f in result.errors} >= {"unknown_area"}


def test_best_header_wins_over_a_fill_in_label_above_the_title(tmp_path: Path) -> None:
    grid = [
        ["Tên đơn vị: ......"],
        ["BÁO CÁO THUÊ BAO NĂM 2022"],
        [None],
        [None],
        ["STT", "Đơn vị hành chính", "Thuê bao di động", "Thuê bao Internet"],
        [1, "Ba Bể", 30000, 9000],
        [2, "Na Rì", 20000, 8000],
    ]
    result = read_file(write(tmp_path / "vt.xlsx", grid))
    assert result.errors == [] and result.source == "telecom"
    assert _values(result)[("2022", "066", "internet_subscribers")] == 8000


def test_no_spec_lists_each_departments_closest_match(tmp_path: Path) -> None:
    grid = [["Số hợp tác xã phân theo địa phương"], [None, "2015", "2016"], ["Bắc Kạn", 23, 42], ["Sơn La", 81, 149]]
    result = read_file(write(tmp_path / "htx.csv", grid))
    [finding] = result.errors
    assert finding.rule == "no_spec_matched"
    for source in load_specs():
        assert f"{source}:" in finding.message_en


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_period_row_above_field_headers(tmp_path: Path, suffix: str) -> None:
    grid = [
        ["Số liệu thuê bao"],
        ["Đơn vị", "Năm 2023", None, "Năm 2024", None],
        [None, "Di động", "Thuê bao Internet", "Di động", "Thuê bao Internet"],
        ["Ba Bể", 30000, 9000, 31000, "9.500"],
        ["Na Rì", 20000, 8000, 21000, 8100],
    ]
    merges = ["B2:C2", "D2:E2"] if suffix == ".xlsx" else []
    result = read_file(write(tmp_path / f"vt{suffix}", grid, merges), TELECOM)
    assert result.errors == []
    got = _values(result)
    assert got[("2023", "061", "mobile_subscribers")] == 30000
    assert got[("2024", "061", "internet_subscribers")] == 9500
    assert len(got) == 8


def test_partial_operator_file_loads_its_two_fields(tmp_path: Path) -> None:
    result = read_file(_sample(tmp_path, PARTIAL_FILE))
    assert result.errors == [] and result.source == "telecom"
    areas = figures.area_values("06", "telecom", PARTIAL_YEAR)
    expected = {(PARTIAL_YEAR, code, f): v[f] for code, v in areas.items() for f in PARTIAL_FIELDS}
    assert _values(result) == expected
    [usual] = [f for f in result.findings if f.rule == "usual_field_missing"]
    assert "mobile_subscribers" in usual.message_en


def test_validate_json_lists_every_period_of_the_columns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from pipelines.validate import validate_command

    assert validate_command(_sample(tmp_path, NATIONAL_FILE), None, None, as_json=True) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["status"] == "valid" and out["period"] == YEARS[-1] and out["periods"] == list(YEARS)


def test_an_explicit_period_keeps_the_columns_of_that_period(tmp_path: Path) -> None:
    path = _sample(tmp_path, NATIONAL_FILE)
    result = read_file(path, period="2022")
    assert result.errors == [] and [p.code for p in result.periods] == ["2022"]
    assert _values(result) == {("2022", p, "total"): province_total(p, "2022") for p in ("06", "14", "83")}
    [finding] = read_file(path, period="2019").errors
    assert finding.rule == "period_not_in_columns" and "2020" in finding.message_en


def test_periods_either_side_of_the_reform_are_refused(tmp_path: Path) -> None:
    grid = [["Dân số"], ["Đơn vị", "2024", "6 tháng cuối năm 2025"], ["Xã Định Hóa", 10, 11]]
    [finding] = read_file(write(tmp_path / "ds.xlsx", grid), POPULATION).errors
    assert finding.rule == "periods_span_unit_lists"


# Regressions found in review of the statistics-layout reader: departmental files must read as before.
DISTRICT_NAMES = [
    "Thành phố Bắc Kạn",
    "Huyện Pác Nặm",
    "Huyện Ba Bể",
    "Huyện Ngân Sơn",
    "Huyện Bạch Thông",
    "Huyện Chợ Đồn",
    "Huyện Chợ Mới",
    "Huyện Na Rì",
]
DISTRICT_CODES = ["058", "060", "061", "062", "063", "064", "065", "066"]


@pytest.mark.parametrize("area_header", [None, "Tên huyện"])
def test_a_first_data_row_that_looks_like_years_is_data(tmp_path: Path, area_header: str | None) -> None:
    grid = [
        ["BÁO CÁO SỐ LIỆU THUÊ BAO NĂM 2022"],
        [area_header, "Cố định", "Di động"],
        *[[n, 2000 if i == 0 else 300, 2019 if i == 0 else 15000] for i, n in enumerate(DISTRICT_NAMES)],
    ]
    result = read_file(write(tmp_path / "vt.xlsx", grid), TELECOM)
    assert result.errors == [] and [p.code for p in result.periods] == ["2022"]
    got = _values(result)
    assert got[("2022", "058", "fixed_subscribers")] == 2000 and got[("2022", "058", "mobile_subscribers")] == 2019
    assert len(got) == 16


def test_a_date_in_a_field_header_keeps_the_field(tmp_path: Path) -> None:
    grid = [
        ["BÁO CÁO SỐ THUÊ BAO DI ĐỘNG VÀ INTERNET"],
        ["STT", "Đơn vị hành chính", "Thuê bao Internet đến 30/6/2024", "Thuê bao di động đến 30/6/2024"],
        *[[i + 1, n, 100 + i, 60000 + i] for i, n in enumerate(DISTRICT_NAMES)],
    ]
    result = read_file(write(tmp_path / "vt.xlsx", grid), TELECOM)
    assert result.errors == [] and result.period.code == "2024-06-30"
    got = _values(result)
    assert got[("2024-06-30", "061", "internet_subscribers")] == 102
    assert got[("2024-06-30", "061", "mobile_subscribers")] == 60002


def test_stations_are_not_hundreds_and_money_does_not_scale_counts(tmp_path: Path) -> None:
    grid = [
        ["BÁO CÁO NĂM 2022"],
        ["Đơn vị tính: triệu đồng"],
        ["Đơn vị", "Số trạm BTS (trạm)", "Thuê bao di động"],
        ["Ba Bể", 10, 60000],
    ]
    result = read_file(write(tmp_path / "vt.xlsx", grid), TELECOM)
    assert _values(result) == {("2022", "061", "bts_stations"): 10, ("2022", "061", "mobile_subscribers"): 60000}


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["Thành phố Bắc Kạn"], {"058"}),  # a city district, not the province of the same name
        (["Thành phố Bắc Kạn", "Huyện Ba Bể"], {"058", "061"}),
    ],
)
def test_a_short_district_list_is_not_a_national_table(tmp_path: Path, names: list[str], expected: set[str]) -> None:
    grid = [
        ["BÁO CÁO NĂM 2022"],
        ["STT", "Đơn vị hành chính", "Cố định", "Di động"],
        *[[i + 1, n, 100, 200] for i, n in enumerate(names)],
    ]
    result = read_file(write(tmp_path / "vt.xlsx", grid), TELECOM)
    assert result.errors == [] and result.province_code == "06"
    assert {r["area_code"] for r in result.values.iter_rows(named=True)} == expected


def test_an_unknown_name_in_a_department_list_is_an_error_whatever_the_period(tmp_path: Path) -> None:
    grid = [["BÁO CÁO NĂM 2023"], ["Đơn vị", "Di động"], ["Ba Bể", 1], ["Xyz abc", 2], ["Na Rì", 3]]
    result = read_file(write(tmp_path / "vt.xlsx", grid), TELECOM)
    [finding] = result.errors
    assert finding.rule == "unknown_area" and finding.cell == "A4"


def test_a_date_in_a_notes_cell_does_not_end_the_table(tmp_path: Path) -> None:
    grid = [
        ["BÁO CÁO NĂM 2022"],
        ["Đơn vị", "Di động", "Ghi chú"],
        *[
            [n, 1000 + i, "Số liệu đến ngày 30 tháng 6 năm 2024" if i == 2 else None]
            for i, n in enumerate(DISTRICT_NAMES)
        ],
        [None],
        [None, None, "Bắc Kạn, ngày 05 tháng 01 năm 2023"],
        ["Tổng cộng", 99],
    ]
    result = read_file(write(tmp_path / "vt.xlsx", grid), TELECOM)
    assert result.errors == []
    assert {r["area_code"] for r in result.values.iter_rows(named=True)} == set(DISTRICT_CODES)


def test_census_by_commune_of_2019_warns_of_the_commune_merged_since(tmp_path: Path) -> None:
    result = read_file(_sample(tmp_path, HISTORIC_FILE))
    assert result.errors == [] and result.period.code == "2019"
    got = {r["area_written"]: r["value"] for r in result.values.iter_rows(named=True)}
    assert got == {name: total for name, total, _, _ in BA_BE_2019 if name != HISTORIC_MERGED}
    assert _values(result)[("2019", "01888", "total")] == 4499  # Thị trấn Chợ Rã
    [merged] = [f for f in result.findings if f.rule == "units_not_in_list"]
    assert "Cao Trĩ" in merged.message_en and "Cao Trĩ" in merged.message_vi
    assert "subtotal_mismatch" not in _rules(result)  # 48,325 is the sum of the 16 communes as written
