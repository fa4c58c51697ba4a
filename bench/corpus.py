"""A corpus of bad (and tricky but valid) departmental files, written by code, each with the verdict and the
first finding ``xhs validate`` must give: status, rule and cell."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.workbooks import write

NAMES = ["TP. Bắc Kạn", "Pác Nặm", "Ba Bể", "Ngân Sơn", "Bạch Thông", "Chợ Đồn", "Chợ Mới", "Na Rì"]
TITLE = ["BÁO CÁO SỐ LIỆU THUÊ BAO VIỄN THÔNG NĂM 2022"]
HEADER = ["STT", "Đơn vị hành chính", "Thuê bao di động", "Trong đó: smartphone"]


def rows(mobile: list[object] | None = None, smart: list[object] | None = None, names: list[str] = NAMES) -> list:
    mobile = mobile or [1000] * len(names)
    smart = smart or [600] * len(names)
    return [[i + 1, n, mobile[i], smart[i]] for i, n in enumerate(names)]


@dataclass(frozen=True)
class Case:
    name: str
    make: Callable[[Path], Path]
    status: str  # valid | invalid | unreadable
    rule: str | None = None  # the first error's rule (None: no error)
    cell: str | None = None


def _grid(filename: str, grid: list, merges: tuple[str, ...] = (), **kw) -> Callable[[Path], Path]:
    return lambda folder: write(folder / filename, grid, merges, **kw)


def _bytes(filename: str, data: bytes) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        (folder / filename).write_bytes(data)
        return folder / filename

    return make


TOTAL = [None, "Tổng cộng", 8000, 4800]
CASES = [
    Case("valid", _grid("ok.xlsx", [TITLE, HEADER, *rows(), TOTAL]), "valid"),
    Case(
        "valid_nfd_names",
        _grid("nfd.xlsx", [TITLE, HEADER, *rows(names=[unicodedata.normalize("NFD", n) for n in NAMES])]),
        "valid",
    ),
    Case(
        "text_in_numeric_cell",
        _grid("text.xlsx", [TITLE, HEADER, *rows(mobile=[1000] * 7 + ["1.000 TB"])]),
        "invalid",
        "not_a_number",
        "C10",
    ),
    Case(
        "duplicated_area",
        _grid("dup.xlsx", [TITLE, HEADER, *rows(names=[*NAMES[:7], "Ba Bể"])]),
        "invalid",
        "duplicate_area",
        "B10",
    ),
    Case(
        "unknown_area",
        _grid("unknown.xlsx", [TITLE, HEADER, *rows(names=[*NAMES[:7], "Na Rỳ"])]),
        "invalid",
        "unknown_area",
        "B10",
    ),
    Case(
        "total_mismatch",
        _grid("total.xlsx", [TITLE, HEADER, *rows(), [None, "Tổng cộng", 8001, 4800]]),
        "invalid",
        "total_mismatch",
        "C11",
    ),
    Case(
        "subset_above_total",
        _grid("subset.xlsx", [TITLE, HEADER, *rows(smart=[600] * 7 + [1200])]),
        "invalid",
        "subset_exceeds_total",
        "C10, D10",
    ),
    Case(
        "negative_count",
        _grid("neg.xlsx", [TITLE, HEADER, *rows(mobile=[1000] * 7 + [-5])]),
        "invalid",
        "negative_count",
        "C10",
    ),
    Case(
        "header_matches_no_alias",
        _grid("alias.xlsx", [TITLE, ["STT", "Đơn vị", "Thuê bao vệ tinh"], [1, "Ba Bể", 5]]),
        "invalid",
        "missing_required_field",
        "B2",
    ),
    Case("no_period", _grid("bao_cao.xlsx", [["BÁO CÁO SỐ LIỆU"], HEADER, *rows()]), "invalid", "period_unknown"),
    Case("period_in_the_future", _grid("f.xlsx", [["Năm 2099"], HEADER, *rows()]), "invalid", "period_out_of_range"),
    Case(
        "wrong_sheet_only",
        _grid("pivot.xlsx", [["Tổng hợp"], ["Chỉ tiêu", "Giá trị"], ["Di động", 8000]], sheet="Pivot"),
        "invalid",
        "no_area_column",
    ),
    Case("headers_only", _grid("empty_table.xlsx", [TITLE, HEADER]), "invalid", "no_rows", "B3"),
    Case(
        "merged_value_over_two_areas",
        _grid("merged.xlsx", [TITLE, HEADER, *rows(), TOTAL], ("C9:C10",)),
        "invalid",
        "total_mismatch",
        "C11",
    ),
    Case(
        "legacy_tcvn3_text",
        _grid("vntime.xlsx", [["Năm 2022"], ["§¬n vÞ hµnh chÝnh", "Di ®éng"], ["Ba BÓ", 1], ["Chî §ån", 2]]),
        "invalid",
        "legacy_encoding",
        "A2",
    ),
    Case(
        "legacy_vni_text",
        _grid("vni.xlsx", [["Naêm 2022"], ["Ñôn vò haønh chính", "Di ñoäng"], ["Ba Beå", 1], ["Chôï Ñoàn", 2]]),
        "invalid",
        "legacy_encoding",
        "A2",
    ),
    Case(
        "percentage_above_100",
        _grid(
            "pct.xlsx",
            [
                TITLE,
                [*HEADER, "Tỷ lệ thuê bao smartphone (%)"],
                *[[*r, "60%"] for r in rows()[:7]],
                [*rows()[7], "600%"],
            ],
        ),
        "invalid",
        "percentage_out_of_range",
        "E10",
    ),
    Case("empty_workbook", _grid("empty.xlsx", []), "unreadable", "empty_file"),
    Case("not_a_workbook", _bytes("random.xlsx", bytes(range(256)) * 4), "unreadable", "unreadable"),
    Case(
        "csv_not_utf8",
        _bytes("tcvn3.csv", b"\xa7\xac\xe1 v\xfc,Di \xae\xe9ng\nBa B\xd6,1\n"),
        "unreadable",
        "unreadable",
    ),
]
