"""The reader on the families of issue #20 (DESIGN §3b, "measured again"), on workbooks written here: a workbook of
many tables, counts against rates, ratios, shares and indices. Every test asserts exact values or the exact rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.workbooks import write
from sources.reading.reader import ReadResult, read_file
from sources.specs.model import load_specs
from tests.shared_files import shared_path

POPULATION = load_specs()["population"]
DISTRICTS = [("Thành phố Bắc Kạn", 45036), ("Huyện Pác Nặm", 33892), ("Huyện Ba Bể", 48325)]
HOUSEHOLDS = [("Thành phố Bắc Kạn", 11985), ("Huyện Pác Nặm", 7320), ("Huyện Ba Bể", 11403)]
CODES = {"Thành phố Bắc Kạn": "058", "Huyện Pác Nặm": "060", "Huyện Ba Bể": "061"}


def _values(result: ReadResult) -> dict[tuple[str, str, str], float]:
    return {(r["period_code"], r["area_code"], r["field"]): r["value"] for r in result.values.iter_rows(named=True)}


def _rules(result: ReadResult, severity: str | None = None) -> list[str]:
    return [f.rule for f in result.findings if severity in (None, f.severity)]


def _table(title: str, unit: str, header: list[str], rows: list[tuple[str, float]]) -> list[list[object]]:
    return [[title], [None, None, unit], ["Đơn vị hành chính", *header], *[[n, v] for n, v in rows]]


def test_a_workbook_of_many_tables_loads_each_and_names_the_one_it_does_not(tmp_path: Path) -> None:
    """A statistics book: population on one sheet, households on another, a rate on a third. Both counts load;
    the rate sheet is one warning naming its sheet and title; the file is not refused."""
    rates = _table(
        "TỶ LỆ HỘ CÓ KẾT NỐI INTERNET NĂM 2022",
        "Đơn vị: %",
        ["Chung"],
        [(n, 80.5 + i) for i, (n, _) in enumerate(DISTRICTS)],
    )
    path = write(
        tmp_path / "nien_giam.xlsx",
        _table("DÂN SỐ TRUNG BÌNH NĂM 2022", "Đơn vị: Người", ["Dân số trung bình"], DISTRICTS),
        sheet="Biểu 1",
        extra_sheets=[],
    )
    _add_sheets(path, [("Biểu 2", _table("SỐ HỘ NĂM 2022", "Đơn vị: Hộ", ["Số hộ"], HOUSEHOLDS)), ("Biểu 3", rates)])
    result = read_file(path)
    assert result.errors == [], result.findings
    assert result.source == "population"
    values = _values(result)
    assert {k: v for k, v in values.items() if k[2] == "total"} == {
        ("2022", CODES[n], "total"): v for n, v in DISTRICTS
    }
    assert {k: v for k, v in values.items() if k[2] == "households"} == {
        ("2022", CODES[n], "households"): v for n, v in HOUSEHOLDS
    }
    skipped = [f for f in result.findings if f.rule == "table_not_loaded"]
    assert [(f.sheet, f.severity) for f in skipped] == [("Biểu 3", "warning")]
    assert "TỶ LỆ HỘ CÓ KẾT NỐI INTERNET" in skipped[0].message_vi and "Tỷ lệ" in skipped[0].message_en
    assert {f.sheet for f in result.findings if f.rule == "usual_field_missing"} == set()  # total is in Biểu 1


def test_the_same_figure_in_two_tables_is_kept_once_and_two_figures_are_an_error(tmp_path: Path) -> None:
    book = [("Biểu 2", _table("DÂN SỐ NĂM 2022 (bản sao)", "Đơn vị: Người", ["Dân số"], DISTRICTS))]
    same = write(tmp_path / "same.xlsx", _table("DÂN SỐ NĂM 2022", "Đơn vị: Người", ["Dân số"], DISTRICTS))
    _add_sheets(same, book)
    result = read_file(same)
    assert result.errors == []
    assert len(result.values) == len(DISTRICTS)
    assert set(result.values["sheet"]) == {"Biểu 01"}  # the first table's cells are the provenance

    other = [(n, v + (1 if n == "Huyện Ba Bể" else 0)) for n, v in DISTRICTS]
    differ = write(tmp_path / "differ.xlsx", _table("DÂN SỐ NĂM 2022", "Đơn vị: Người", ["Dân số"], DISTRICTS))
    _add_sheets(differ, [("Biểu 2", _table("DÂN SỐ NĂM 2022", "Đơn vị: Người", ["Dân số"], other))])
    result = read_file(differ)
    conflicts = [f for f in result.findings if f.rule == "conflicting_values"]
    assert len(conflicts) == 1 and conflicts[0].severity == "error"
    assert "Biểu 01!B6 = 48325" in conflicts[0].message_en and "Biểu 2!B6 = 48326" in conflicts[0].message_en


def test_a_statistics_book_with_one_bad_sheet_is_refused_whole(tmp_path: Path) -> None:
    """DESIGN §3b: a file is one delivery. A loaded table with a bad cell refuses the file (corrected and resent
    whole), even though its other tables are fine; a sheet of no known field would only be a warning."""
    bad = [(n, "abc" if n == "Huyện Pác Nặm" else v) for n, v in HOUSEHOLDS]
    path = write(tmp_path / "book.xlsx", _table("DÂN SỐ NĂM 2022", "Đơn vị: Người", ["Dân số"], DISTRICTS))
    _add_sheets(path, [("Biểu 2", _table("SỐ HỘ NĂM 2022", "Đơn vị: Hộ", ["Số hộ"], bad))])
    result = read_file(path)
    errors = [(f.rule, f.sheet, f.cell) for f in result.errors]
    assert errors == [("not_a_number", "Biểu 2", "B5")]


def test_ratio_units_and_words_in_a_group_header_are_never_counts(tmp_path: Path) -> None:
    """Census Biểu 9: a sex ratio (Nam/100 nữ) and age shares (%) under group headers. Neither is taken for the
    population or the working-age count; a count sheet of the same book loads."""
    grid = [
        ["Biểu 9. TỶ SỐ GIỚI TÍNH VÀ TỶ TRỌNG DÂN SỐ 0-14 TUỔI, 15-64 TUỔI, 65 TUỔI TRỞ LÊN, 01/4/2019"],
        [],
        [None, "Tỷ số giới tính (Nam/100 nữ)", None, "Tỷ trọng dân số (%)", None, None],
        [None, "Chung", "Thành thị", "0-14 tuổi", "15-64 tuổi", "65 tuổi trở lên"],
        *[[n, 99.1 + i, 96.5, 24.3, 68.0 - i, 7.7] for i, (n, _) in enumerate(DISTRICTS)],
    ]
    path = write(tmp_path / "ty_so.xlsx", grid, merges=["B3:C3", "D3:F3"], sheet="Bieu 9")
    result = read_file(path, POPULATION)
    assert "fractional_count" not in _rules(result)
    assert result.values.is_empty()
    assert _rules(result) == ["no_spec_matched"]
    assert "rate, ratio or index, not a count" in result.findings[0].message_en

    _add_sheets(path, [("Bieu 1", _table("DÂN SỐ NĂM 2019", "Đơn vị: Người", ["Dân số"], DISTRICTS))])
    result = read_file(path)
    assert result.errors == [], result.findings
    assert _values(result) == {("2019", CODES[n], "total"): v for n, v in DISTRICTS}
    assert [f.sheet for f in result.findings if f.rule == "table_not_loaded"] == ["Bieu 9"]


def test_a_rate_named_by_the_title_is_said_to_be_a_rate_and_never_in_thousands(tmp_path: Path) -> None:
    """The statistics office's population growth rate (V02.20): years across, no unit, the title says Tỷ lệ."""
    grid = [
        ["Tỷ lệ tăng dân số phân theo địa phương chia theo Tỉnh/Thành phố và Năm"],
        [],
        [None, "2020", "2021", "Sơ bộ 2022"],
        ["Bắc Kạn", 1.09, 0.98, 1.12],
        ["Sơn La", 1.51, 1.43, 1.39],
    ]
    result = read_file(write(tmp_path / "V02.20.xlsx", grid))
    assert _rules(result) == ["no_spec_matched"]
    assert "rate, ratio or index, not a count" in result.findings[0].message_en
    assert "Tỷ lệ" in result.findings[0].message_en


def test_a_unit_line_that_says_percent_makes_unlabelled_columns_rates(tmp_path: Path) -> None:
    grid = [
        ["DÂN SỐ ĐƯỢC TIẾP CẬN DỊCH VỤ NĂM 2022"],
        [None, None, "ĐVT: %"],
        ["Đơn vị hành chính", "Dân số"],
        *[[n, 95.5] for n, _ in DISTRICTS],
    ]
    result = read_file(write(tmp_path / "pct.xlsx", grid), POPULATION)
    assert result.values.is_empty()
    assert _rules(result) == ["missing_required_field"]
    assert '"ĐVT: %" ("%")' in result.findings[0].message_en


def _add_sheets(path: Path, sheets: list[tuple[str, list[list[object]]]]) -> None:
    import openpyxl

    wb = openpyxl.load_workbook(path)
    for name, grid in sheets:
        ws = wb.create_sheet(name)
        for r, row in enumerate(grid, start=1):
            for c, value in enumerate(row, start=1):
                if value is not None:
                    ws.cell(r, c, value)
    wb.save(path)


def _family(tmp_path: Path, name: str) -> ReadResult:
    from sources.samples.families import family_files

    path = tmp_path / name.split("/")[1]
    path.write_bytes(family_files()[name])
    return read_file(path, load_specs()[name.split("/")[0]])


def test_the_sample_families_read_exactly(tmp_path: Path) -> None:
    """The families as ``make run`` shows them (sources/samples/families.py), with the departmental figures."""
    from sources.samples import families, figures

    book = _family(tmp_path, families.BOOK_FILE)
    expected = {
        (families.BOOK_YEAR, code, field): v[field]
        for code, v in figures.area_values("06", "population", families.BOOK_YEAR).items()
        for field in ("total", "households")
    }
    assert book.errors == [] and _values(book) == expected
    assert [f.sheet for f in book.findings if f.rule == "table_not_loaded"] == ["Biểu 03", "Biểu 04"]

    portal = _family(tmp_path, families.PORTAL_FILE)
    assert portal.errors == [] and [p.code for p in portal.periods] == list(families.PORTAL_YEARS)
    got = _values(portal)
    for province in ("06", "14"):
        for year in families.PORTAL_YEARS:
            for code, v in figures.area_values(province, "population", year).items():
                assert got[(year, code, "total")] == v["total"] and got[(year, code, "households")] == v["households"]
    assert ("2022", "058", "total") in got  # "58" in a column of district codes is 058

    turned = _family(tmp_path, families.TURNED_FILE)
    assert turned.errors == []
    assert _values(turned) == {
        (y, code, "total"): v["total"]
        for y in families.TURNED_YEARS
        for code, v in figures.area_values("14", "population", y).items()
    }
    first = turned.values.filter(turned.values["period_code"] == "2020").sort("cell")["cell"][0]
    assert first == "B4"  # the first district's 2020 figure, where it is in the file (turned back)

    national = _family(tmp_path, families.NATIONAL_FILE)
    assert national.errors == []
    assert _values(national) == {
        ("2015", "VN", "mobile_subscribers"): 120324100,
        ("2016", "VN", "mobile_subscribers"): 121268100,
        ("2015", "VN", "fixed_subscribers"): 5900000,
        ("2016", "VN", "fixed_subscribers"): 8900000,
    }
    assert set(national.values.filter(national.values["period_code"] == "2016")["preliminary"]) == {True}
    assert [f.rule for f in national.findings] == ["rate_not_loaded"]  # the index row


def test_a_csv_with_no_period_says_where_its_period_came_from(tmp_path: Path) -> None:
    grid = [["district_code", "district_vi", "total"], *[[CODES[n], n, v] for n, v in DISTRICTS]]
    named = read_file(write(tmp_path / "census2019_population_by_district.csv", grid))
    assert named.errors == [] and [p.code for p in named.periods] == ["2019"]
    [said] = [f for f in named.findings if f.rule == "period_from_file_name"]
    assert "2019" in said.message_en and "file name" in said.message_en
    given = read_file(write(tmp_path / "population_by_district.csv", grid), period="2021")
    assert [p.code for p in given.periods] == ["2021"]
    assert [f.rule for f in given.findings] == ["period_given"]
    assert _values(given) == {("2021", CODES[n], "total"): v for n, v in DISTRICTS}


def test_a_table_with_no_area_column_is_the_unit_its_title_names_else_the_country(tmp_path: Path) -> None:
    """A province's report by year (no area column, "TỈNH BẮC KẠN" in the title) is the province's, said in a
    warning; a title naming two units is an error; a title naming none (or "cả nước") is the country."""

    def read(title: str) -> ReadResult:
        grid = [[title], ["Chỉ tiêu", "2021", "2022"], ["Thuê bao di động", 123000, 125000]]
        return read_file(write(tmp_path / "by_year.xlsx", grid))

    province = read("SỐ THUÊ BAO ĐIỆN THOẠI TỈNH BẮC KẠN")
    assert _values(province) == {
        ("2021", "06", "mobile_subscribers"): 123000,
        ("2022", "06", "mobile_subscribers"): 125000,
    }
    assert [f.rule for f in province.findings] == ["area_from_title"]
    assert {r["area_code"] for r in read("SỐ THUÊ BAO ĐIỆN THOẠI CẢ NƯỚC").values.iter_rows(named=True)} == {"VN"}
    motto = read("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM - SỐ THUÊ BAO")  # "xã hội" is society, not a commune
    assert {r["area_code"] for r in motto.values.iter_rows(named=True)} == {"VN"}
    two = read("THUÊ BAO TỈNH BẮC KẠN VÀ TỈNH SƠN LA")
    assert [f.rule for f in two.findings] == ["area_in_title_ambiguous"] and two.values.is_empty()


def test_a_town_in_a_title_is_not_also_a_commune_of_its_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """ "THỊ XÃ VIỆT YÊN" names the town (222) only: the "xã" inside "thị xã" does not also name Xã Việt Yên (12091),
    which would make the title name two units."""
    monkeypatch.setenv("XHS_REFERENCE", str(shared_path("reference")))
    grid = [["SỐ THUÊ BAO DI ĐỘNG THỊ XÃ VIỆT YÊN"], ["Chỉ tiêu", "2021", "2022"], ["Thuê bao di động", 12000, 12500]]
    result = read_file(write(tmp_path / "viet_yen.xlsx", grid))
    assert [f.rule for f in result.findings] == ["area_from_title"]
    assert {r["area_code"] for r in result.values.iter_rows(named=True)} == {"222"}


def test_a_row_whose_period_cell_is_not_a_period_is_an_error_not_a_silent_drop(tmp_path: Path) -> None:
    """A period column (nine of ten cells are years): the row whose cell is not one is named, not dropped quietly."""
    rows = [[CODES[n], n, year, v] for year in ("2021", "2022", "2023") for n, v in DISTRICTS]
    grid = [["district_code", "district_vi", "year", "total"], *rows, ["061", "Ba Bể", "năm ngoái", 48325]]
    result = read_file(write(tmp_path / "dan_so.csv", grid), POPULATION)
    [said] = [f for f in result.errors if f.rule == "period_unknown"]
    assert said.cell == "C11" and "năm ngoái" in said.message_en
    assert _values(result) == {(year, CODES[n], "total"): v for year in ("2021", "2022", "2023") for n, v in DISTRICTS}
