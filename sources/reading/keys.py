"""The key columns of a table found by what they hold, whatever their header says (DESIGN §3b, "tidy and portal
tables"): area names (``province_vi``, ``ten_huyen``, ``Tỉnh/TP``, a blank header), the same names again in
another spelling (``district_en``), a column of level words beside the names (``Huyện``, ``Thành phố``), a code
column (``district_code``, ``ma_huyen``, ``Mã ĐVHC``, ``MaTinh``) and a period column (``year``, ``Năm``, ``Kỳ``).

A code is a key, never a number: ``58`` read as a number has lost its zeros, and is ``058`` in a district code
column. The level of a code column comes from its header (``district``, ``huyện``, ``xã``…) or else from the
longest code it holds (2 digits a province, 3 a district, 5 a commune).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from sources.areas.units import split_type
from sources.common.periods import Period
from sources.common.text import fold, key
from sources.intake.grid import Sheet
from sources.reading.columns import column_period
from sources.specs.model import Layout

CONTENT_SAMPLE = 400  # data rows looked at
CODE_WIDTH = {"province": 2, "district": 3, "commune": 5}
_LEVEL_WORDS = {
    "province": ("tinh", "province", "provinces", "tp", "thanh pho", "matinh", "ma tinh"),
    "district": ("huyen", "district", "districts", "quan huyen", "mahuyen", "ma huyen"),
    "commune": ("xa", "phuong", "commune", "communes", "ward", "wards", "maxa", "ma xa"),
}
_CODE_WORDS = re.compile(r"(?<![a-z])(?:ma|code|id|ma so|madvhc|ma dvhc)(?![a-z])|^ma(?=tinh|huyen|xa)")
_PERIOD_HEADERS = {"year", "nam", "period", "ky", "ky bao cao", "thoi gian", "thoi ky", "time", "iyear"}
_DIGITS = re.compile(r"^\d{1,5}$")


@dataclass(frozen=True)
class Keys:
    """What the key columns of a table are: area columns (outermost first), a column of level words and the area
    column it qualifies, a code column and its width, a period column."""

    area_cols: list[int]
    type_col: tuple[int, int] | None = None  # (column of level words, the area column whose names it prefixes)
    code_col: int | None = None
    code_width: int | None = None
    period_col: int | None = None


def _texts(sheet: Sheet, start: int, col: int, end: int | None = None) -> list[str]:
    stop = min(len(sheet.rows), start + CONTENT_SAMPLE, end if end is not None else len(sheet.rows))
    return [t for r in range(start, stop) if (t := sheet.text(r, col))]


def _data_end(sheet: Sheet, start: int, layout: Layout) -> int:
    """The first row below the data that a footnote or signature starts (``Ghi chú``, ``(*)``, ``Người lập``)."""
    for r in range(start, min(len(sheet.rows), start + CONTENT_SAMPLE)):
        texts = [t for t in sheet.row_texts(r) if t]
        if texts and layout.is_table_end(texts[0]):
            return r
    return len(sheet.rows)


def _code_text(text: str) -> str | None:
    t = re.sub(r"\.0$", "", text.strip())
    return t if _DIGITS.match(t) else None


def code_level(header: str) -> str | None:
    """The level a code column's header names: ``district_code`` → district, ``MaTinh`` → province."""
    k = key(re.sub(r"([a-z])([A-Z])", r"\1 \2", header))
    words = set(k.split())
    for level, names in _LEVEL_WORDS.items():
        if any((n in words) if " " not in n else (n in k) for n in names) or any(k.endswith(n) for n in names[-2:]):
            return level
    return None


def is_code_header(header: str, layout: Layout) -> bool:
    """``Mã ĐVHC`` (the layout's aliases), ``district_code``, ``ma_huyen``, ``MaTinh``, ``code``."""
    if layout.is_code_header(header):
        return True
    k = key(re.sub(r"([a-z])([A-Z])", r"\1 \2", header))
    return bool(_CODE_WORDS.search(k)) and len(k.split()) <= 3


def find_code_col(
    sheet: Sheet, start: int, labels: dict[int, list[str]], skip: set[int], layout: Layout
) -> tuple[int, int] | None:
    """The code column (by its header, and every value a code) and the width of its codes."""
    for c, path in sorted(labels.items()):
        if c in skip or len(path) != 1 or not is_code_header(path[0], layout):
            continue
        texts = _texts(sheet, start, c)
        codes = [x for t in texts if (x := _code_text(t))]
        if not layout.is_code_header(path[0]) and (not texts or len(codes) < 0.9 * len(texts)):
            continue  # a header that only looks like a code's ("Mã số thuế" of a list of firms) holds codes too
        level = code_level(path[0])
        width = CODE_WIDTH[level] if level else max((len(x) for x in codes), default=0)
        return c, min((w for w in (2, 3, 5) if w >= width), default=5) if width else 0
    return None


def find_period_col(sheet: Sheet, start: int, labels: dict[int, list[str]], skip: set[int]) -> int | None:
    """A column headed ``year``/``Năm``/``Kỳ``… whose values are periods (``2015``, ``Pre. 2016``, ``2019 (*)``),
    or a first column holding nothing but periods (a table turned round: years down the rows)."""
    first = True
    for c, path in sorted(labels.items()):
        if c in skip or len(path) > 1:
            continue
        texts = _texts(sheet, start, c)
        headed = bool(path) and key(path[0]) in _PERIOD_HEADERS
        periods = sum(1 for t in texts if row_period(t))
        only_periods = first and len(texts) >= 2 and periods == len(texts)
        if texts and ((headed and periods >= 0.9 * len(texts)) or only_periods):
            return c
        first = first and not texts
    return None


def row_period(text: str) -> tuple[Period, bool] | None:
    """A period cell of a period column, and whether it is preliminary; None if it is not a period alone."""
    found = column_period(text)
    if found is None or found[2]:
        return None
    return found[0], found[1]


def area_cols_by_content(
    sheet: Sheet, start: int, cols: list[int], layout: Layout, is_area_name: Callable[[str], bool]
) -> tuple[list[int], list[int]]:
    """Columns whose non-empty values are mostly unit, region or total names; of two columns that hold the same
    names in two spellings (``district_vi``, ``district_en``), the one with the diacritics. Returns (the area
    columns, every column of names)."""
    found: list[int] = []
    end = _data_end(sheet, start, layout)
    for c in cols:
        texts = _texts(sheet, start, c, end)
        hits = sum(1 for t in texts if is_area_name(t) or layout.is_region(t) or layout.is_total(t))
        if (
            texts
            and hits >= min(2, len(texts))
            and hits >= 0.3 * len(texts)
            and not all(column_period(t) for t in texts[:5])
        ):
            found.append(c)
    return _drop_spellings(sheet, start, found), found


def _drop_spellings(sheet: Sheet, start: int, cols: list[int]) -> list[int]:
    keep: list[int] = []
    for c in cols:
        mine = [key(sheet.text(r, c)) for r in range(start, min(len(sheet.rows), start + CONTENT_SAMPLE))]
        twin = next((k for k in keep if _same_names(sheet, start, k, mine)), None)
        if twin is None:
            keep.append(c)
        elif _accents(sheet, start, c) > _accents(sheet, start, twin):
            keep[keep.index(twin)] = c
    return keep


def _same_names(sheet: Sheet, start: int, other: int, mine: list[str]) -> bool:
    theirs = [key(sheet.text(r, other)) for r in range(start, start + len(mine))]
    pairs = [(a, b) for a, b in zip(mine, theirs, strict=True) if a or b]
    return bool(pairs) and sum(1 for a, b in pairs if a == b) >= 0.9 * len(pairs)


def _accents(sheet: Sheet, start: int, col: int) -> int:
    return sum(1 for t in _texts(sheet, start, col) if fold(t) != t.casefold())


def find_type_col(sheet: Sheet, start: int, area_cols: list[int], skip: set[int]) -> tuple[int, int] | None:
    """A column of level words (``Huyện``, ``Thành phố``, ``Quận``, ``Thị xã``, ``Xã``, ``Phường``) just left of an
    area column: the written type of each of its names."""
    for area in area_cols:
        c = area - 1
        if c < 0 or c in area_cols or c in skip:
            continue
        texts = _texts(sheet, start, c)
        if texts and all(_is_level_word(t) for t in texts):
            return c, area
    return None


def _is_level_word(text: str) -> bool:
    unit_type, rest = split_type(text + " x")
    return unit_type is not None and rest == "x"
