"""The rows of a table: which are areas, which are totals and subtotals, which are national or regional rows.

An area hierarchy can spread over several columns (province | district | commune), each filled only on the first
row of its group. A row's area is its deepest non-empty level, and its **path** is the names carried down from
the levels above it: that is what resolves "Phường 1" or "Thị trấn" within their own district. Rows marked
``X (Tổng số)``, rows labelled ``Tổng số`` / ``Cộng`` below a named parent, and rows whose path is the parent of
other rows are **subtotals**: checked against their areas, never loaded twice. The first ``Tổng cộng`` /
``Toàn tỉnh`` row outside any group is the table's total. National and regional rows (``Cả nước``,
``Đồng bằng sông Hồng``) and row-wise breakdowns (``Nam``, ``Nữ``, ``Thành thị``) are recognised and skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sources.common.text import key
from sources.reading.columns import BREAKDOWN_WORDS
from sources.reading.header import Table, is_data_text, is_value
from sources.specs.model import Layout

_DATE_LINE = re.compile(r"ngay\s*\.*\s*\d*\s*thang\s*\.*\s*\d*\s*nam\s*\d{0,4}")
_SUBTOTAL = re.compile(r"^(.*?)\s*\(\s*(?:tổng số|tổng|cộng|tong so|tong|cong|total)\s*\)\s*$", re.IGNORECASE)


@dataclass
class AreaRow:
    row: int
    col: int
    written: str  # the name as written, without a subtotal marker
    path: tuple[str, ...]  # names carried from the levels above, then this row's
    code: str | None
    kind: str  # area | subtotal
    has_values: bool


@dataclass
class ScannedRows:
    areas: list[AreaRow] = field(default_factory=list)
    total_row: int | None = None
    country_row: int | None = None  # the national row (Cả nước) of a table by province: loaded on the country
    regions: list[tuple[int, str]] = field(default_factory=list)  # (row, name)

    @property
    def leaves(self) -> list[AreaRow]:
        return [a for a in self.areas if a.kind == "area"]


def split_subtotal(text: str) -> tuple[str, bool]:
    """``Thành phố Hà Nội (Tổng số)`` → (``Thành phố Hà Nội``, True)."""
    m = _SUBTOTAL.match(text.strip())
    if m and m.group(1).strip():
        return m.group(1).strip(), True
    return text.strip(), False


def _is_figure(cell: object) -> bool:
    return isinstance(cell, float) or (isinstance(cell, str) and is_data_text(cell))


def is_breakdown_row(text: str) -> bool:
    return key(text) in BREAKDOWN_WORDS


def scan_rows(table: Table, layout: Layout) -> ScannedRows:
    sheet, out = table.sheet, ScannedRows()
    value_cols = [b.col for b in table.bindings]
    cols = table.area_cols
    carry = [""] * len(cols)
    for r in range(table.data_start, len(sheet.rows)):
        if table.rows_only is not None and r not in table.rows_only:
            continue
        texts = sheet.row_texts(r)
        nonempty = [t for t in texts if t]
        if not nonempty:
            continue
        has_values = any(is_value(sheet.cell(r, c)) for c in value_cols)
        figures = any(_is_figure(sheet.cell(r, c)) for c in value_cols)
        if layout.is_table_end(nonempty[0]) or (not figures and any(_DATE_LINE.search(key(t)) for t in nonempty)):
            break  # a footnote or signature block; a date in a notes cell beside figures is not the end
        names = [sheet.text(r, c) for c in cols]
        filled = [i for i, t in enumerate(names) if t]
        if not filled:
            head = texts[: max(cols) + 1]
            if any(t and layout.is_total(t) for t in head):
                if out.total_row is None:
                    out.total_row = r
            elif has_values:
                out.areas.append(AreaRow(r, cols[-1], "", tuple(carry), None, "area", True))
            continue
        for i in filled:
            carry[i] = split_subtotal(names[i])[0]
            for j in range(i + 1, len(cols)):
                carry[j] = ""
        depth = filled[-1]
        name, marked = split_subtotal(names[depth])
        if (
            table.type_col is not None
            and cols[depth] == table.type_col[1]
            and (kind := sheet.text(r, table.type_col[0]))
        ):
            name = f"{kind} {name}"  # "Thành phố" | "Bắc Kạn" in two columns is Thành phố Bắc Kạn
        parents = tuple(carry[:depth])
        if layout.is_total(name):
            if any(parents):
                out.areas.append(AreaRow(r, cols[depth], name, parents, None, "subtotal", has_values))
            elif out.total_row is None:
                out.total_row = r
            continue
        if layout.is_total(texts[0]) and depth == 0 and cols[0] > 0 and not any(parents):
            if out.total_row is None:
                out.total_row = r
            continue
        if layout.is_country(name) and has_values and not any(parents) and out.country_row is None:
            out.country_row = r
            continue
        if layout.is_region(name):
            out.regions.append((r, name))
            continue
        if is_breakdown_row(name):
            continue
        code = code_key(sheet.text(r, table.code_col), table.code_width) if table.code_col is not None else None
        path = (*parents, name)
        out.areas.append(
            AreaRow(r, cols[depth], name, path, code or None, "subtotal" if marked else "area", has_values)
        )
    _mark_parents(out)
    return out


def code_key(text: str, width: int) -> str:
    """A code as a key: ``58`` (a number that lost its zeros) in a column of district codes is ``058``."""
    t = re.sub(r"\.0$", "", text.strip())
    return t.zfill(width) if width and t.isdigit() and len(t) < width else t


def _mark_parents(out: ScannedRows) -> None:
    """A row whose path is the parent of other rows' paths is a subtotal of them (a province row above its
    districts in a province | district table)."""
    prefixes = {a.path[:k] for a in out.areas for k in range(1, len(a.path))}
    for a in out.areas:
        if a.kind == "area" and a.path in prefixes:
            a.kind = "subtotal"
