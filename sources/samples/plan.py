"""Which sample file looks how: one ``Style`` per (province, source, period).

Choices rotate over the files so that every layout feature of DESIGN §3 appears somewhere, and a table of
overrides pins the files the documentation and tests point at (e.g. ``telecom/vien_thong_bac_kan_2021.xls``,
whose period is only in its name).
"""

from __future__ import annotations

from dataclasses import replace

from sources.periods import parse_period_code
from sources.samples.figures import POST_REFORM_PROVINCE, SOURCES, sample_keys
from sources.samples.headers import HEADERS
from sources.samples.layouts import Style

Key = tuple[str, str, str]

SLUGS = {"06": ("bac_kan", "BacKan"), "14": ("son_la", "SonLa"), "83": ("ben_tre", "BenTre"),
         "19": ("thai_nguyen", "ThaiNguyen")}
FILE_NAMES = {
    "telecom": ["vien_thong_{s}_{y}", "BC_vien_thong_{S}_{y}", "Bieu01_VT_{S}_nam_{y}",
                "so_lieu_thue_bao_{s}_{y}"],
    "health": ["y_te_so_{s}_{y}", "BC_HSSKDT_{S}_{y}", "SYT_{S}_chuyen_doi_so_y_te_{y}"],
    "civil_id": ["CCCD_DDDT_{S}_{y}", "bao_cao_de_an_06_{s}_{y}", "CA_{S}_ket_qua_cap_CCCD_{y}"],
    "einvoice": ["HDDT_{S}_{y}", "cuc_thue_{s}_hddt_{y}", "BC_hoa_don_dien_tu_{S}_nam_{y}"],
    "population": ["dan_so_{s}_{y}", "NGTK_dan_so_{S}_{y}", "Dan_so_ho_GD_{S}_{y}"],
}
SHEET_NAMES = {
    "telecom": ["Biểu 01", "Viễn thông", "Sheet1", "Số liệu"],
    "health": ["Biểu 02", "Y tế", "Sheet1", "HSSKĐT"],
    "civil_id": ["Biểu 03", "CCCD", "Sheet1", "Đề án 06"],
    "einvoice": ["Biểu 04", "HĐĐT", "Sheet1", "Số liệu"],
    "population": ["Biểu 05", "Dân số", "Sheet1", "Số liệu"],
}
TOTAL_LABELS = ["Tổng cộng", "Cộng", "Toàn tỉnh", "Tổng", "Tổng số"]

# Files pinned to a look (merged over the rotation).
OVERRIDES: dict[Key, dict[str, object]] = {
    # Bắc Kạn telecom: legacy .xls for 2020 and 2021; 2021 has its period only in the file name.
    ("06", "telecom", "2020"): {"fmt": "xls", "filename": "vien_thong_bac_kan_2020.xls", "period_in": "line",
                                "header": 1, "names": "full", "total": "last", "total_label": "Tổng cộng"},
    ("06", "telecom", "2021"): {"fmt": "xls", "filename": "vien_thong_bac_kan_2021.xls", "period_in": "none",
                                "header": 0, "names": "bare", "total": "first", "total_label": "Toàn tỉnh",
                                "numbers": "text", "col_numbers": "letters"},
    ("06", "telecom", "2022"): {"instructions": True, "sheet": "Viễn thông", "header": 0,
                                "col_numbers": "paren", "numbers": "text", "total": "first",
                                "total_label": "Tổng cộng", "names": "full",
                                "code": "text", "period_in": "title", "stt": True, "nfd": False,
                                "filename": "BC_vien_thong_BacKan_2022.xlsx"},
    ("06", "telecom", "2023"): {"header": 3, "names": "abbr", "blank_rows": True, "total": "last",
                                "total_label": "Cộng", "extra_column": True},
    ("06", "telecom", "2024"): {"header": 2, "names": "full", "nfd": True, "code": "number"},
    ("14", "telecom", "2022"): {"names": "full", "header": 0},
    ("14", "telecom", "2023"): {"hidden_list": True, "names": "abbr", "header": 2},
    ("14", "population", "2022"): {"period_in": "none", "names": "bare"},
    ("83", "einvoice", "2020"): {"period_in": "none"},
    ("14", "health", "2020"): {"fmt": "xls", "header": 0, "missing": "x"},
    ("83", "civil_id", "2021"): {"fmt": "xls", "header": 2, "total_merged": True, "stt": True},
    ("06", "population", "2020"): {"fmt": "xls", "header": 1, "code": "text"},
    ("14", "einvoice", "2021"): {"fmt": "xls", "header": 1, "names": "upper"},
    ("83", "health", "2023"): {"instructions": True, "header": 1},
    ("83", "telecom", "2023"): {"header": 0, "names": "full"},
    # CSV exports: no merged cells, so at most two header rows; most carry the period in the file name only.
    ("83", "population", "2021"): {"fmt": "csv", "bom": True, "delimiter": ",", "titles": False, "header": 0,
                                   "col_numbers": None, "total_merged": False, "names": "full"},
    ("14", "einvoice", "2022"): {"fmt": "csv", "bom": False, "delimiter": ";", "titles": False, "header": 1,
                                 "total_merged": False, "numbers": "text"},
    ("06", "einvoice", "2020"): {"fmt": "csv", "bom": True, "delimiter": ",", "titles": True, "header": 2,
                                 "total_merged": False, "period_in": "line", "signature": False},
    # Bắc Kạn provincial police, as-of dates.
    ("06", "civil_id", "2024-06-13"): {"header": 0, "hidden_list": True, "code": "text", "names": "full",
                                       "filename": "BacKan_CCCD_DDDT_den_13-6-2024.xlsx", "total": "last",
                                       "total_label": "Toàn tỉnh", "col_numbers": "paren"},
    ("06", "civil_id", "2024-10-08"): {"header": 1, "names": "bare", "total": "first",
                                       "total_label": "Tổng cộng",
                                       "filename": "bao_cao_de_an_06_bac_kan_den_08-10-2024.xlsx"},
    ("06", "civil_id", "2024"): {"header": 0},
    ("06", "civil_id", "2023"): {"header": 2},
    # Thái Nguyên after the reform: commune rows.
    ("19", "telecom", "2025-H2"): {"hidden_list": True, "code": "text", "names": "full", "header": 0,
                                   "filename": "vien_thong_thai_nguyen_2025_H2.xlsx", "period_in": "line"},
    ("19", "health", "2025-H2"): {"names": "bare", "new_tone": True, "header": 1, "period_in": "title",
                                  "filename": "y_te_so_Thai_Nguyen_6_thang_cuoi_2025.xlsx"},
    ("19", "civil_id", "2025-H2"): {"instructions": True, "header": 2, "names": "full", "code": "number",
                                    "filename": "CCCD_DDDT_ThaiNguyen_2025_H2.xlsx", "period_in": "line"},
    ("19", "einvoice", "2025-H2"): {"names": "abbr", "header": 0, "new_tone": True, "numbers": "text",
                                    "filename": "HDDT_thai_nguyen_6_thang_cuoi_nam_2025.xlsx",
                                    "period_in": "line"},
    ("19", "population", "2025-H2"): {"fmt": "csv", "bom": False, "titles": False, "names": "bare",
                                      "header": 0, "total_merged": False,
                                      "filename": "dan_so_xa_phuong_thai_nguyen_2025_H2.csv"},
}

_PROVINCES = ("06", "14", "83", POST_REFORM_PROVINCE)


def _rotation(key: Key) -> dict[str, object]:
    province, source, period = key
    p = parse_period_code(period)
    i, s = _PROVINCES.index(province), SOURCES.index(source)
    y = p.year - 2020 + (1 if p.period_type == "date" else 0)
    n = i * 7 + y * 3 + s
    slug, camel = SLUGS[province]
    pattern = FILE_NAMES[source][(i + y) % len(FILE_NAMES[source])]
    return {
        "filename": pattern.format(s=slug, S=camel, y=p.year) + ".xlsx",
        "sheet": SHEET_NAMES[source][n % 4],
        "header": (y + i + s) % len(HEADERS[source]),
        "area_header": n % 8,
        "col_numbers": (None, "paren", None, "letters")[n % 4],
        "stt": n % 5 != 3,
        "code": (None, "text", None, "number", None)[(n + 1) % 5],
        "names": ("full", "bare", "abbr", "full", "upper", "mixed", "bare")[n % 7],
        "nfd": n % 9 == 4,
        "total": ("last", "first")[n % 2],
        "total_label": TOTAL_LABELS[n % 5],
        "total_merged": n % 4 == 2,
        "blank_rows": n % 6 == 1,
        "numbers": ("numeric", "text", "numeric", "mixed")[n % 4],
        "missing": ("omit", "-", "omit", "x")[n % 4],
        "extra_column": n % 7 == 3,
        "period_in": ("line", "title", "sub", "line", "ky")[n % 5],
        "form_code": n % 3 != 2,
        "footnote": n % 4 != 1,
        "signature": n % 5 != 2,
    }


def style_for(key: Key) -> Style:
    options = _rotation(key) | OVERRIDES.get(key, {})
    if options.get("fmt") in ("xls", "csv"):
        stem = str(options["filename"]).rsplit(".", 1)[0]
        options["filename"] = f"{stem}.{options['fmt']}"
    style = Style(**options)  # type: ignore[arg-type]
    if not style.stt:
        style = replace(style, total_merged=False)
    if not style.titles:
        style = replace(style, period_in="none")
    return style


def plan() -> dict[Key, Style]:
    """Every sample file: (province, source, period) → its style."""
    return {key: style_for(key) for key in sample_keys()}
