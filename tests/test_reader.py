"""The reader on real workbooks written by ``bench/workbooks.py``: every DESIGN §3 feature."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from bench.workbooks import write
from sources.reading.reader import read_file
from sources.specs.model import load_specs

TELECOM = load_specs()["telecom"]
# Bắc Kạn's eight districts as departments write them, with the unit codes they must resolve to.
DISTRICTS = [
    ("Thành phố Bắc Kạn", "058"),
    ("Huyện Pác Nặm", "060"),
    ("H. Ba Bể", "061"),
    ("Ngân Sơn", "062"),
    ("Huyện Bạch Thông", "063"),
    ("Chợ Đồn", "064"),
    ("huyện Chợ Mới", "065"),
    ("Na Rì", "066"),
]
MOBILE = [60000, 15000, 30000, 20000, 25000, 40000, 35000, 54568]  # sums to 279,568
FIXED = [1500, 300, 500, 400, 350, 600, 450, 467]  # sums to 4,567
SMART = [45000, 9000, 20000, 14000, 17000, 30000, 25000, 32579]  # sums to 192,579
TITLE = [
    ["UBND TỈNH BẮC KẠN", None, None, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"],
    ["SỞ THÔNG TIN VÀ TRUYỀN THÔNG", None, None, "Độc lập - Tự do - Hạnh phúc"],
    ["Biểu số 01/TTTT-VT"],
    ["BÁO CÁO SỐ LIỆU THUÊ BAO VIỄN THÔNG NĂM 2022"],
    [None],
]
FOOTER = [
    [None],
    ["Ghi chú: số liệu do các doanh nghiệp viễn thông cung cấp."],
    [None],
    [None, "NGƯỜI LẬP BIỂU", None, "THỦ TRƯỞNG ĐƠN VỊ"],
]


def merged_telecom(total_first: bool = True, numbers_as_text: bool = False) -> tuple[list, list[str]]:
    """Title rows, a two-row header with a merged group, a column-number row, a total row, the districts,
    a blank separator row, footnotes and a signature block."""
    header = [
        ["STT", "Đơn vị hành chính", "Thuê bao điện thoại", None, None],
        [None, None, "Cố định", "Di động", "Trong đó: smartphone"],
        ["(1)", "(2)", "(3)", "(4)", "(5)"],
    ]
    fmt = (lambda v: f"{v:,}".replace(",", ".")) if numbers_as_text else (lambda v: v)
    body = [[i + 1, name, fmt(FIXED[i]), fmt(MOBILE[i]), fmt(SMART[i])] for i, (name, _) in enumerate(DISTRICTS)]
    body.insert(4, [None] * 5)  # blank separator row
    total = [None, "Tổng cộng", fmt(sum(FIXED)), fmt(sum(MOBILE)), fmt(sum(SMART))]
    rows = [*TITLE, *header, *([total] if total_first else []), *body, *([] if total_first else [total]), *FOOTER]
    merges = ["A6:A7", "B6:B7", "C6:E6"]
    return rows, merges


def values(result) -> dict[tuple[str, str], float | None]:
    return {(r["area_code"], r["field"]): r["value"] for r in result.values.iter_rows(named=True)}


@pytest.mark.parametrize("suffix", [".xlsx", ".xls"])
@pytest.mark.parametrize("numbers_as_text", [False, True])
def test_merged_header_workbook_reads_every_district(tmp_path: Path, suffix: str, numbers_as_text: bool) -> None:
    rows, merges = merged_telecom(numbers_as_text=numbers_as_text)
    path = write(tmp_path / f"vien_thong{suffix}", rows, merges)
    result = read_file(path, TELECOM)
    assert result.errors == []
    assert result.period.code == "2022"
    assert result.province_code == "06" and result.vintage == "2025-03-01"
    got = values(result)
    for i, (_, code) in enumerate(DISTRICTS):
        assert got[(code, "mobile_subscribers")] == MOBILE[i]
        assert got[(code, "fixed_subscribers")] == FIXED[i]
        assert got[(code, "smartphone_subscribers")] == SMART[i]
    assert len(got) == 24  # 8 districts × 3 fields: the total row and footer are not areas
    assert result.totals["mobile_subscribers"] == 279568
    cells = {(r["area_code"], r["field"]): r["cell"] for r in result.values.iter_rows(named=True)}
    assert cells[("058", "mobile_subscribers")] == "D10"  # title 5 rows, header 2, numbers row, total row


def test_total_row_last_and_csv(tmp_path: Path) -> None:
    rows, _ = merged_telecom(total_first=False)
    # A CSV has no merges: the group header sits in its first column only.
    path = write(tmp_path / "vien_thong_2022.csv", rows)
    result = read_file(path, TELECOM)
    assert result.errors == []
    assert values(result)[("066", "mobile_subscribers")] == 54568


def test_three_header_rows(tmp_path: Path) -> None:
    grid = [
        ["BÁO CÁO HẠ TẦNG VIỄN THÔNG", None, None, None, None],
        ["Năm 2023"],
        ["TT", "Đơn vị", "Hạ tầng", None, None],
        [None, None, "Thuê bao", None, "Trạm BTS"],
        [None, None, "Cố định", "Di động", None],
        ["A", "B", "1", "2", "3"],
        *[[i + 1, name, FIXED[i], MOBILE[i], 10 + i] for i, (name, _) in enumerate(DISTRICTS)],
    ]
    path = write(tmp_path / "ha_tang.xlsx", grid, ["A3:A5", "B3:B5", "C3:E3", "C4:D4", "E4:E5"])
    result = read_file(path, TELECOM)
    assert result.errors == []
    got = values(result)
    assert got[("061", "bts_stations")] == 12
    assert got[("061", "mobile_subscribers")] == 30000
    assert result.period.code == "2023"


def test_instruction_and_hidden_sheets_are_skipped(tmp_path: Path) -> None:
    rows, merges = merged_telecom()
    extra = [
        ("Hướng dẫn", [["Điền số liệu vào sheet Biểu 01"]], False),
        ("DM", [["Đơn vị hành chính", "Di động"], ["Ba Bể", 1]], True),
    ]
    result = read_file(write(tmp_path / "x.xlsx", rows, merges, extra_sheets=extra), TELECOM)
    assert result.sheet == "Biểu 01"
    assert result.errors == []


def test_area_spellings_nfd_and_code_column(tmp_path: Path) -> None:
    names = [
        unicodedata.normalize("NFD", "TP. Bắc Kạn"),
        "PÁC NẶM",
        "Huyện  Ba   Bể",
        "H.Ngân Sơn",
        "Bach Thong",
        "Chợ Đồn",
        "Chợ Mới",
        "Na Rì",
    ]
    grid = [
        ["Tháng 06 năm 2024"],
        ["Mã ĐVHC", "Tên đơn vị", "TB di động"],
        *[[code, names[i], MOBILE[i]] for i, (_, code) in enumerate(DISTRICTS)],
    ]
    grid[2][0] = 58  # a code typed as a number loses its leading zero
    result = read_file(write(tmp_path / "a.xlsx", grid), TELECOM)
    assert result.errors == []
    assert result.period.code == "2024-06"
    assert {r["area_code"] for r in result.values.iter_rows(named=True)} == {c for _, c in DISTRICTS}


def test_post_reform_communes_with_old_tone_placement(tmp_path: Path) -> None:
    grid = [
        ["BÁO CÁO 6 tháng cuối năm 2025"],
        ["Xã/Phường", "Thuê bao di động"],
        ["Xã Định Hóa", 1000],
        ["Nam Hòa", 2000],
        [unicodedata.normalize("NFD", "Xã Điềm Thụy"), 3000],
        ["Phường Bắc Kạn", 4000],
    ]
    result = read_file(write(tmp_path / "tn.xlsx", grid), TELECOM)
    assert result.errors == []
    assert result.period.code == "2025-H2" and result.vintage == "2025-07-01"
    assert result.province_code == "19"
    assert sorted(values(result)) == [
        ("01843", "mobile_subscribers"),
        ("05569", "mobile_subscribers"),
        ("05707", "mobile_subscribers"),
        ("05941", "mobile_subscribers"),
    ]


@pytest.mark.parametrize(
    ("title", "filename", "explicit", "expected"),
    [
        ("Năm 2023", "x.xlsx", None, "2023"),
        ("Quý II/2024", "x.xlsx", None, "2024-Q2"),
        ("Quý 2 năm 2024", "x.xlsx", None, "2024-Q2"),
        ("6 tháng đầu năm 2024", "x.xlsx", None, "2024-H1"),
        ("6 tháng cuối năm 2025", "x.xlsx", None, "2025-H2"),
        ("Tháng 6/2024", "x.xlsx", None, "2024-06"),
        ("Tháng 06 năm 2024", "x.xlsx", None, "2024-06"),
        ("(Số liệu tính đến ngày 13/6/2024)", "x.xlsx", None, "2024-06-13"),
        ("Số liệu đến 31/12/2023", "x.xlsx", None, "2023-12-31"),
        ("BÁO CÁO THUÊ BAO", "vien_thong_2021.xlsx", None, "2021"),
        ("Năm 2023", "x.xlsx", "2024-Q1", "2024-Q1"),
    ],
)
def test_period_forms(tmp_path: Path, title: str, filename: str, explicit: str | None, expected: str) -> None:
    grid = [[title], ["Đơn vị", "Di động"], ["Ba Bể", 1], ["Na Rì", 2]]
    result = read_file(write(tmp_path / filename, grid), TELECOM, explicit)
    assert result.period is not None and result.period.code == expected


def test_no_period_is_an_error(tmp_path: Path) -> None:
    grid = [["BÁO CÁO THUÊ BAO"], ["Đơn vị", "Di động"], ["Ba Bể", 1]]
    result = read_file(write(tmp_path / "bao_cao.xlsx", grid), TELECOM)
    assert [f.rule for f in result.errors] == ["period_unknown"]
    assert "Quý II/2024" in result.errors[0].message_vi


def test_vietnamese_number_text_and_no_data_tokens(tmp_path: Path) -> None:
    grid = [
        ["Năm 2022"],
        ["Đơn vị", "Di động", "Cố định", "Cáp quang (km)", "Trạm BTS"],
        ["Ba Bể", "1.234.567", "-", "6.233,5", "x"],
        ["Na Rì", " 279.568 ", None, "90,5", 12.0],
    ]
    got = values(read_file(write(tmp_path / "n.xlsx", grid), TELECOM))
    assert got[("061", "mobile_subscribers")] == 1234567
    assert got[("061", "fixed_subscribers")] is None  # "-" is no data, never 0
    assert got[("061", "fibre_km")] == 6233.5
    assert got[("061", "bts_stations")] is None
    assert got[("066", "mobile_subscribers")] == 279568
    assert got[("066", "fixed_subscribers")] is None
    assert got[("066", "fibre_km")] == 90.5


def test_numeric_cell_is_not_reparsed_as_vietnamese_text(tmp_path: Path) -> None:
    """A number cell 6.233 (km) stays 6.233; the text "6.233" is six thousand two hundred and thirty-three."""
    grid = [["Năm 2022"], ["Đơn vị", "Di động", "Cáp quang (km)"], ["Ba Bể", "6.233", 6.233]]
    got = values(read_file(write(tmp_path / "n.xlsx", grid), TELECOM))
    assert got[("061", "mobile_subscribers")] == 6233
    assert got[("061", "fibre_km")] == pytest.approx(6.233)


def test_text_in_a_numeric_field_names_the_cell(tmp_path: Path) -> None:
    grid = [["Năm 2022"], ["Đơn vị", "Di động"], ["Ba Bể", 100], ["Na Rì", "2OO"]]
    result = read_file(write(tmp_path / "bad.xlsx", grid), TELECOM)
    [finding] = result.errors
    assert (finding.rule, finding.sheet, finding.cell, finding.found) == ("not_a_number", "Biểu 01", "B4", "2OO")
    assert "B4" in finding.message_vi and "B4" in finding.message_en


def test_missing_required_field_lists_headers_seen(tmp_path: Path) -> None:
    grid = [["Năm 2022"], ["Đơn vị", "Thuê bao vệ tinh"], ["Ba Bể", 2]]
    result = read_file(write(tmp_path / "m.xlsx", grid), TELECOM)
    [finding] = result.errors
    assert finding.rule == "missing_required_field"
    assert "mobile_subscribers" in finding.message_en
    assert "Thuê bao vệ tinh" in finding.message_en and "Thuê bao vệ tinh" in finding.message_vi


def test_partial_file_loads_what_it_has_and_warns_of_the_usual_field(tmp_path: Path) -> None:
    """A telecom half-year sheet with only internet subscribers and fibre households (issue #12, item 8)."""
    grid = [
        ["BÁO CÁO 6 tháng đầu năm 2024"],
        ["Đơn vị", "Thuê bao Internet", "Hộ gia đình có Internet cáp quang"],
        ["Ba Bể", 2000, 900],
        ["Na Rì", "1.500", 700],
    ]
    result = read_file(write(tmp_path / "internet.xlsx", grid), TELECOM)
    assert result.errors == []
    assert values(result) == {
        ("061", "internet_subscribers"): 2000,
        ("061", "ftth_households"): 900,
        ("066", "internet_subscribers"): 1500,
        ("066", "ftth_households"): 700,
    }
    [usual] = [f for f in result.findings if f.rule == "usual_field_missing"]
    assert "mobile_subscribers" in usual.message_en and usual.severity == "warning"


def test_unknown_area_suggests_close_names(tmp_path: Path) -> None:
    grid = [["Năm 2022"], ["Đơn vị", "Di động"], ["Ba Bể", 1], ["Na Rỳ", 2]]
    result = read_file(write(tmp_path / "u.xlsx", grid), TELECOM)
    [finding] = result.errors
    assert (finding.rule, finding.cell) == ("unknown_area", "A4")
    assert "Huyện Na Rì" in finding.message_en


def test_total_mismatch_names_the_cell(tmp_path: Path) -> None:
    grid = [["Năm 2022"], ["Đơn vị", "Di động"], ["Ba Bể", 100], ["Na Rì", 200], ["Toàn tỉnh", 301]]
    result = read_file(write(tmp_path / "t.xlsx", grid), TELECOM)
    [finding] = result.errors
    assert (finding.rule, finding.cell, finding.expected, finding.found) == ("total_mismatch", "B5", "300", "301")


def test_duplicate_area_is_an_error(tmp_path: Path) -> None:
    grid = [["Năm 2022"], ["Đơn vị", "Di động"], ["Ba Bể", 100], ["Huyện Ba Bể", 200]]
    result = read_file(write(tmp_path / "d.xlsx", grid), TELECOM)
    assert [f.rule for f in result.errors] == ["duplicate_area"]


def test_source_detected_from_headers(tmp_path: Path) -> None:
    grid = [["Năm 2023"], ["Đơn vị", "Dân số trung bình", "Số hộ gia đình"], ["Ba Bể", 50000, 12000]]
    result = read_file(write(tmp_path / "ds.xlsx", grid))
    assert result.source == "population"
    assert values(result)[("061", "households")] == 12000


def test_eid_levels_under_a_merged_header_are_summed_and_kept(tmp_path: Path) -> None:
    grid = [
        ["Số liệu tính đến ngày 13/6/2024"],
        ["Đơn vị", "Số tài khoản định danh điện tử đã kích hoạt", None],
        [None, "Mức độ 1", "Mức độ 2"],
        ["Ba Bể", 1000, 3000],
        ["Na Rì", "1.500", "-"],
    ]
    result = read_file(write(tmp_path / "eid.xlsx", grid, ["A2:A3", "B2:C2"]), load_specs()["civil_id"])
    assert result.errors == []
    got = values(result)
    assert got[("061", "eid_activated")] == 4000
    assert got[("061", "eid_activated_level1")] == 1000 and got[("061", "eid_activated_level2")] == 3000
    assert got[("066", "eid_activated")] == 1500
    assert result.period.code == "2024-06-13"


def test_unreadable_file_is_reported_not_raised(tmp_path: Path) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a workbook")
    result = read_file(path, TELECOM)
    assert [f.rule for f in result.errors] == ["unreadable"]


def test_csv_in_a_legacy_encoding_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "tcvn3.csv"
    path.write_bytes(b"\xa7\xac\xe1 v\xfc,Di \xae\xe9ng\nBa B\xd6,1\n")  # "Đơn vị,Di động" in TCVN3 (ABC)
    result = read_file(path, TELECOM)
    assert [f.rule for f in result.errors] == ["unreadable"]
    assert "UTF-8" in result.errors[0].message_en


@pytest.mark.parametrize("title", ["Năm 2014", "Năm 2099"])
def test_period_before_2015_or_in_the_future_is_an_error(tmp_path: Path, title: str) -> None:
    grid = [[title], ["Đơn vị", "Di động"], ["Ba Bể", 1]]
    result = read_file(write(tmp_path / "p.xlsx", grid), TELECOM)
    assert [f.rule for f in result.errors] == ["period_out_of_range"]


def test_notes_column_is_read_past_and_unknown_columns_are_warned(tmp_path: Path) -> None:
    grid = [["Năm 2022"], ["Đơn vị", "Di động", "Ghi chú", "Thuê bao vệ tinh"], ["Ba Bể", 1, "tạm tính", 5]]
    result = read_file(write(tmp_path / "g.xlsx", grid), TELECOM)
    assert result.errors == []
    assert [(f.rule, f.cell) for f in result.findings] == [("unknown_header", "D2")]


def test_tcvn3_text_in_a_workbook_is_refused_not_loaded(tmp_path: Path) -> None:
    # "Đơn vị hành chính", "Di động", "Ba Bể", "Chợ Đồn" typed with the .VnTime font, as Excel stores them.
    grid = [["Năm 2022"], ["§¬n vÞ hµnh chÝnh", "Di ®éng"], ["Ba BÓ", 1], ["Chî §ån", 2]]
    result = read_file(write(tmp_path / "vntime.xlsx", grid), TELECOM)
    [finding] = result.errors
    assert (finding.rule, finding.cell) == ("legacy_encoding", "A2")
    assert "TCVN3" in finding.message_en and "TCVN3" in finding.message_vi
    assert result.values.is_empty()


def test_reported_rate_is_checked_against_the_counts(tmp_path: Path) -> None:
    grid = [
        ["Năm 2022"],
        ["Đơn vị", "Di động", "Smartphone", "Tỷ lệ thuê bao smartphone (%)"],
        ["Ba Bể", 1000, 650, "65,0%"],
        ["Na Rì", 1000, 700, 0.9 * 100],
    ]
    result = read_file(write(tmp_path / "r.xlsx", grid), TELECOM)
    assert result.errors == []
    [finding] = result.findings
    assert (finding.rule, finding.severity, finding.cell, finding.expected) == (
        "reported_rate_mismatch",
        "warning",
        "D4",
        "70.0",
    )
    assert {r["field"] for r in result.values.iter_rows(named=True)} == {"mobile_subscribers", "smartphone_subscribers"}
