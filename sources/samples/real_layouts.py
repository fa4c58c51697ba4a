"""Layouts seen in real files (DESIGN §3b, issue #12), written with the sample figures: the same values as the
departmental samples, laid out as statistics offices and telecom operators send them.

- ``national_table``: average population by province with the years across the columns, in thousands
  ("Nghìn người", three decimals so the figures stay exact), a blank area header, national and regional rows,
  and the latest year marked "Sơ bộ" (preliminary).
- ``census_cube``: a census-style cube by district: province | district in two columns filled only on a group's
  first row, "X (Tổng số)" subtotal rows, a blank area header, the unit in the title "(ĐVT: Người)", a "Tổng
  số" column beside urban/rural breakdowns, and age bands 0–14, 15–64 and 65+ (15–64 is the working-age field;
  the bands cannot give 14+ or 18+).
- ``historic_cube``: the 2019 census by commune for Huyện Ba Bể (the real published figures), in the census
  layout (province | district | commune across three columns). Xã Cao Trĩ has since merged into Xã Cao Thượng and
  is in no unit list the project has: it is warned about and the other 16 communes load.
- ``partial_file``: a telecom operator's sheet with only internet subscribers and fibre households (a subset of
  the department's fields, without the mobile subscribers it always sends), headed "TB Internet" and "Số hộ có cáp
  quang" in one row with the year in the title.

Province totals are the sums of the district figures, so these files agree with the departmental ones.
"""

from __future__ import annotations

from collections.abc import Sequence

from sources.samples import figures
from sources.samples.families import family_files
from sources.samples.layouts import SheetGrid, Style
from sources.samples.writers import to_bytes

PROVINCES = ("06", "14", "83")
REGIONS = {"Trung du và miền núi phía Bắc": ("06", "14"), "Đồng bằng sông Cửu Long": ("83",)}
YEARS = ("2020", "2021", "2022", "2023", "2024")
CENSUS_YEAR = "2023"
NATIONAL_FILE = "population/NGTK_dan_so_trung_binh_phan_theo_dia_phuong_2020_2024.xlsx"
CENSUS_FILE = "population/Dan_so_chia_theo_thanh_thi_nong_thon_nhom_tuoi_cap_huyen_2023.xlsx"
# Tổng điều tra dân số và nhà ở 2019 (General Statistics Office): population by commune, Huyện Ba Bể, Bắc Kạn.
# (commune, total, urban, rural); facts as published.
BA_BE_2019 = (
    ("Thị trấn Chợ Rã", 4499, 4499, None),
    ("Xã Bành Trạch", 2876, None, 2876),
    ("Xã Phúc Lộc", 3158, None, 3158),
    ("Xã Hà Hiệu", 2739, None, 2739),
    ("Xã Cao Thượng", 3653, None, 3653),
    ("Xã Cao Trĩ", 1923, None, 1923),
    ("Xã Khang Ninh", 4078, None, 4078),
    ("Xã Nam Mẫu", 2335, None, 2335),
    ("Xã Thượng Giáo", 3292, None, 3292),
    ("Xã Địa Linh", 3418, None, 3418),
    ("Xã Yến Dương", 2401, None, 2401),
    ("Xã Chu Hương", 3027, None, 3027),
    ("Xã Quảng Khê", 3416, None, 3416),
    ("Xã Mỹ Phương", 3446, None, 3446),
    ("Xã Hoàng Trĩ", 1277, None, 1277),
    ("Xã Đồng Phúc", 2787, None, 2787),
)
HISTORIC_FILE = "population/TDT_2019_dan_so_theo_xa_huyen_Ba_Be.xlsx"
HISTORIC_MERGED = "Xã Cao Trĩ"
PARTIAL_YEAR = "2023"
PARTIAL_FILE = f"telecom/VNPT_BacKan_internet_cap_quang_{PARTIAL_YEAR}.xlsx"
PARTIAL_FIELDS = ("internet_subscribers", "ftth_households")


def province_total(province: str, year: str) -> int:
    return sum(int(v["total"]) for v in figures.area_counts(province, "population", year).values())


def national_grid() -> SheetGrid:
    g = SheetGrid("Biểu 1", [])
    g.put(0, 0, "Dân số trung bình phân theo địa phương (trích các tỉnh mẫu)", bold=True)
    g.put(1, 0, "Đơn vị tính: Nghìn người")
    labels = [*YEARS[:-1], f"Sơ bộ {YEARS[-1]}"]
    for i, label in enumerate(labels):
        g.put(3, 1 + i, int(label) if label.isdigit() else label, bold=True)
    r = 4
    # "Tổng cộng": the extract's total, checked against its provinces (a "Cả nước" row would load on the country,
    # and these three provinces are not the country)
    listed = [("Tổng cộng", PROVINCES)] + [(name, provs) for name, provs in REGIONS.items()]
    for name, provs in listed:
        g.put(r, 0, name.upper() if name == "Tổng cộng" else name, bold=True)
        for i, y in enumerate(YEARS):
            g.put(r, 1 + i, sum(province_total(p, y) for p in provs) / 1000)
        r += 1
        if name == "Tổng cộng":
            continue
        for p in provs:
            g.put(r, 0, figures.province_name(p))
            for i, y in enumerate(YEARS):
                g.put(r, 1 + i, province_total(p, y) / 1000)
            r += 1
    g.put(r + 1, 0, 'Ghi chú: "Tổng cộng" và các vùng ở đây chỉ cộng các tỉnh mẫu được trích.')
    return g


def census_bands(v: dict[str, int]) -> tuple[int, int, int]:
    """0–14, 15–64, 65+ for one district: 15–64 is the working-age figure; the under-15s are those under 14
    plus a quarter of the 14–17 year-olds."""
    under_15 = v["total"] - v["age_14_plus"] + round((v["age_14_plus"] - v["adult"]) / 4)
    return under_15, v["working_age"], v["total"] - v["working_age"] - under_15


def census_grid() -> SheetGrid:
    g = SheetGrid("Cube1b_DansocapHuyen", [])
    g.put(0, 0, f"Dân số chia theo thành thị nông thôn, nhóm tuổi, đơn vị hành chính năm {CENSUS_YEAR} (ĐVT: Người)")
    head = ["Tổng số", "1. Thành thị", "2. Nông thôn", "Nhóm tuổi", None, None]
    bands = [None, None, None, "0 - 14", "15 - 64", "65+"]
    for c, text in enumerate(head):
        if text:
            g.put(2, 2 + c, text, bold=True)
        if bands[c]:
            g.put(3, 2 + c, bands[c], bold=True)
    r = 4
    grand = [0] * 6
    blocks = []
    for p in PROVINCES[:2]:
        rows = []
        for area in figures.areas(p, CENSUS_YEAR):
            v = {k: int(x) for k, x in figures.area_counts(p, "population", CENSUS_YEAR)[area.code].items()}
            urban = round(v["total"] * (0.6 if figures.is_urban(area) else 0.12))
            rows.append((area.full_name, [v["total"], urban, v["total"] - urban, *census_bands(v)]))
        sub = [sum(vals[i] for _, vals in rows) for i in range(6)]
        grand = [a + b for a, b in zip(grand, sub, strict=True)]
        blocks.append((p, sub, rows))
    g.put(r, 0, "Tổng số")
    for i, x in enumerate(grand):
        g.put(r, 2 + i, x)
    r += 1
    for p, sub, rows in blocks:
        label = f"Tỉnh {figures.province_name(p)}"
        g.put(r, 0, f" {label} (Tổng số)")
        for i, x in enumerate(sub):
            g.put(r, 2 + i, x)
        r += 1
        for k, (name, vals) in enumerate(rows):
            if k == 0:
                g.put(r, 0, f" {label}")
            g.put(r, 1, f" {name}")
            for i, x in enumerate(vals):
                g.put(r, 2 + i, str(x))  # the census exports write figures as text
            r += 1
    return g


def historic_grid() -> SheetGrid:
    g = SheetGrid("Cube1a_DansoChung", [])
    g.put(
        0,
        0,
        "Tổng điều tra dân số và nhà ở năm 2019: dân số chia theo thành thị nông thôn, đơn vị hành chính (ĐVT: Người)",
    )
    for c, text in enumerate(["Tổng số", "1. Thành thị", "2. Nông thôn"]):
        g.put(2, 3 + c, text, bold=True)
    total = [sum(v or 0 for v in col) for col in list(zip(*BA_BE_2019, strict=True))[1:]]
    # (province, district, commune, figures): the label cells of a row, then its figures
    rows: list[tuple[str | None, str | None, str | None, Sequence[int | None]]] = [
        (" Tỉnh Bắc Kạn (Tổng số)", None, None, total),
        (" Tỉnh Bắc Kạn", "Huyện Ba Bể (Tổng số)", None, total),
    ]
    for i, (name, *commune_figures) in enumerate(BA_BE_2019):
        rows.append((None, "Huyện Ba Bể" if i == 0 else None, f" {name}", commune_figures))
    for r, (province, district, commune, row_figures) in enumerate(rows, start=3):
        for c, label in enumerate((province, district, commune)):
            if label:
                g.put(r, c, label)
        for c, v in enumerate(row_figures):
            if v is not None:
                g.put(r, 3 + c, str(v))  # the census exports write figures as text
    return g


def partial_grid() -> SheetGrid:
    g = SheetGrid("Số liệu", [])
    g.put(0, 0, f"SỐ LIỆU THUÊ BAO INTERNET VÀ CÁP QUANG NĂM {PARTIAL_YEAR} - TỈNH BẮC KẠN", bold=True)
    for c, text in enumerate(["STT", "Huyện/Thành phố", "TB Internet", "Số hộ có cáp quang"]):
        g.put(2, c, text, bold=True)
    values = figures.area_counts("06", "telecom", PARTIAL_YEAR)
    for i, area in enumerate(figures.areas("06", PARTIAL_YEAR)):
        g.put(3 + i, 0, i + 1)
        g.put(3 + i, 1, area.full_name)
        for c, fname in enumerate(PARTIAL_FIELDS):
            g.put(3 + i, 2 + c, values[area.code][fname])
    return g


def real_layout_files() -> dict[str, bytes]:
    """``<source>/<filename>`` → bytes of each sample laid out as real statistics and operator files are."""
    grids = {
        NATIONAL_FILE: national_grid(),
        CENSUS_FILE: census_grid(),
        HISTORIC_FILE: historic_grid(),
        PARTIAL_FILE: partial_grid(),
    }
    files = {name: to_bytes([grid], Style(filename=name.split("/")[1])) for name, grid in grids.items()}
    return {**files, **family_files()}  # the families of issue #20: a book, a portal CSV, turned, national
