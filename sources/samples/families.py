"""The families of issue #20 in the samples, so that ``make run`` shows each: the same sample figures as the
departmental files, laid out as statistics offices and data portals publish them.

- ``statistics_book``: a provincial yearbook chapter of four sheets, one table each: population and households by
  district (counts, loaded), the population growth rate (%) and the population density (Người/km2): rates, each
  one warning that names its sheet, never loaded as counts.
- ``portal_csv``: a data portal's tidy CSV: ``district_code`` written as a number that lost its zeros (``58``),
  ``province_vi``, a column of level words, ``district_vi`` and ``district_en``, a ``year`` column (two years in one
  file), ``total`` beside ``total_urban``/``total_rural`` breakdowns.
- ``turned_table``: Sơn La's population with the districts across the columns and the years down the rows.
- ``national_table``: the country's telephone subscribers by year, indicators down the rows, in thousands, with
  the statistics office's index row (a rate): loaded on the country (VN). These are the published national
  figures (GSO, via the English export in ``shared/realworld``): mobile 120,324.1 and 121,268.1 thousand in 2015 and
  2016 (preliminary); fixed = all telephone subscribers less mobile (126,224.1 − 120,324.1; 130,168.1 − 121,268.1).
"""

from __future__ import annotations

from sources.common.text import fold
from sources.samples import figures
from sources.samples.layouts import SheetGrid, Style
from sources.samples.writers import to_bytes

BOOK_YEAR = "2023"
BOOK_FILE = f"population/Nien_giam_thong_ke_Bac_Kan_{BOOK_YEAR}_chuong_dan_so.xlsx"
PORTAL_YEARS = ("2021", "2022")
PORTAL_FILE = "population/open_data_dan_so_cap_huyen.csv"
TURNED_YEARS = ("2020", "2021", "2022", "2023", "2024")
TURNED_FILE = "population/Son_La_dan_so_theo_huyen_2020_2024.xlsx"
NATIONAL_FILE = "telecom/GSO_thue_bao_dien_thoai_ca_nuoc_2015_2016.xlsx"
# (label, 2015, preliminary 2016), thousands of subscribers; the index row is a rate (previous year = 100)
NATIONAL_ROWS = (
    ("Thuê bao di động", 120324.1, 121268.1),
    ("Thuê bao cố định", 5900.0, 8900.0),
    ("Chỉ số phát triển thuê bao điện thoại (năm trước = 100) - %", 88.5, 103.1),
)


def _districts(province: str, year: str) -> list[tuple[figures.Area, dict]]:
    values = figures.area_counts(province, "population", year)
    return [(a, values[a.code]) for a in figures.areas(province, year)]


def _count_sheet(name: str, title: str, unit: str, header: str, field: str) -> SheetGrid:
    g = SheetGrid(name, [])
    g.put(0, 0, title, bold=True)
    g.put(1, 3, unit)
    g.put(2, 0, "STT", bold=True)
    g.put(2, 1, "Đơn vị hành chính", bold=True)
    g.put(2, 2, header, bold=True)
    for i, (area, v) in enumerate(_districts("06", BOOK_YEAR)):
        g.put(3 + i, 0, i + 1)
        g.put(3 + i, 1, area.full_name)
        g.put(3 + i, 2, int(v[field]))
    return g


def _rate_sheet(name: str, title: str, header: str, base: float) -> SheetGrid:
    g = SheetGrid(name, [])
    g.put(0, 0, title, bold=True)
    g.put(2, 0, "Đơn vị hành chính", bold=True)
    g.put(2, 1, header, bold=True)
    for i, (area, _) in enumerate(_districts("06", BOOK_YEAR)):
        g.put(3 + i, 0, area.full_name)
        g.put(3 + i, 1, round(base + 0.07 * i, 2))
    return g


def statistics_book() -> list[SheetGrid]:
    place = f"PHÂN THEO HUYỆN, THÀNH PHỐ NĂM {BOOK_YEAR}"
    return [
        _count_sheet("Biểu 01", f"DÂN SỐ TRUNG BÌNH {place}", "Đơn vị tính: Người", "Dân số trung bình", "total"),
        _count_sheet("Biểu 02", f"SỐ HỘ GIA ĐÌNH {place}", "Đơn vị tính: Hộ", "Số hộ", "households"),
        _rate_sheet("Biểu 03", f"TỶ LỆ TĂNG DÂN SỐ {place}", "Tỷ lệ tăng dân số (%)", 0.9),
        _rate_sheet("Biểu 04", f"MẬT ĐỘ DÂN SỐ {place}", "Mật độ dân số (Người/km2)", 61.0),
    ]


def portal_csv() -> SheetGrid:
    g = SheetGrid("data", [])
    head = ["district_code", "province_vi", "district_type", "district_vi", "district_en", "year", "total"]
    head += ["total_urban", "total_rural", "households"]
    for c, text in enumerate(head):
        g.put(0, c, text)
    r = 1
    for province in ("06", "14"):
        for year in PORTAL_YEARS:
            for area, v in _districts(province, year):
                kind = area.full_name.removesuffix(area.name).strip()  # "Thành phố", "Huyện"
                ascii_name = fold(area.name).title()
                urban = round(int(v["total"]) * (0.6 if figures.is_urban(area) else 0.12))
                line: list[str | int] = [int(area.code), figures.province_name(province), kind, area.name]
                line += [ascii_name, year]
                line += [int(v["total"]), urban, int(v["total"]) - urban, int(v["households"])]
                for c, value in enumerate(line):
                    g.put(r, c, value)
                r += 1
    return g


def turned_table() -> SheetGrid:
    g = SheetGrid("Biểu 01", [])
    g.put(0, 0, "DÂN SỐ TRUNG BÌNH TỈNH SƠN LA PHÂN THEO HUYỆN, THÀNH PHỐ (Người)", bold=True)
    areas = figures.areas("14", TURNED_YEARS[-1])
    g.put(2, 0, "Năm", bold=True)
    for c, area in enumerate(areas, start=1):
        g.put(2, c, area.name, bold=True)
    for r, year in enumerate(TURNED_YEARS, start=3):
        g.put(r, 0, year)
        values = figures.area_counts("14", "population", year)
        for c, area in enumerate(areas, start=1):
            g.put(r, c, int(values[area.code]["total"]))
    return g


def national_table() -> SheetGrid:
    g = SheetGrid("Thuê bao", [])
    g.put(0, 0, "SỐ THUÊ BAO ĐIỆN THOẠI CẢ NƯỚC", bold=True)
    g.put(1, 2, "Đơn vị tính: Nghìn thuê bao")
    for c, text in enumerate(["Chỉ tiêu", "2015", "Sơ bộ 2016"]):
        g.put(2, c, text, bold=True)
    for r, (label, y2015, y2016) in enumerate(NATIONAL_ROWS, start=3):
        g.put(r, 0, label)
        g.put(r, 1, y2015)
        g.put(r, 2, y2016)
    return g


def family_files() -> dict[str, bytes]:
    """``<source>/<filename>`` → bytes of each family's sample."""
    books = {
        BOOK_FILE: statistics_book(),
        PORTAL_FILE: [portal_csv()],
        TURNED_FILE: [turned_table()],
        NATIONAL_FILE: [national_table()],
    }
    out = {}
    for name, sheets in books.items():
        filename = name.split("/")[1]
        style = Style(filename=filename, fmt=filename.rsplit(".", 1)[1], bom=False)
        out[name] = to_bytes(sheets, style)
    return out
