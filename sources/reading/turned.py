"""Tables turned round (DESIGN §3b, "areas may run across the columns"): area names across a row near the top and
periods (or indicators) down the rows. The sheet is read turned round, its title rows kept above, and every cell
address the reader reports is turned back to where it is in the file.

    Năm   | Ba Bể | Pác Nặm | …            turned:   (title rows)
    2023  | 48 325| 33 892  |                         Năm     | 2023   | 2024
    2024  | 48 600| 34 010  |                         Ba Bể   | 48 325 | 48 600
                                                      Pác Nặm | 33 892 | 34 010
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

import polars as pl

from sources.common.findings import Finding, cell_address
from sources.intake.grid import Sheet
from sources.reading.columns import column_period
from sources.reading.header import MAX_HEADER_SCAN, is_data_row

MIN_AREAS = 3  # area names across one row before a sheet is read turned round
_ADDRESS = re.compile(r"\b([A-Z]{1,3})([1-9][0-9]{0,6})\b")


def turned(sheet: Sheet, is_area_name: Callable[[str], bool]) -> Sheet | None:
    """The sheet turned round at the first row that names areas across its columns, or periods across them over
    rows of indicators (a national table by year), or None if no row does."""
    for head in range(min(MAX_HEADER_SCAN, len(sheet.rows))):
        texts = [t for t in sheet.row_texts(head) if t]
        areas = sum(1 for t in texts if is_area_name(t))
        periods = sum(1 for t in texts if (cp := column_period(t)) is not None and not cp[2])
        if areas >= MIN_AREAS and areas >= 0.5 * len(texts):
            break
        if periods >= 2 and periods >= len(texts) - 1 and not is_data_row(sheet, head):
            break
    else:
        return None
    block = sheet.rows[head:]
    width = max((len(r) for r in block), default=0)
    rows = [list(r) for r in sheet.rows[:head]]
    rows += [[line[c] if c < len(line) else None for line in block] for c in range(width)]
    merges = [m for m in sheet.merges if m[2] < head]
    merges += [(head + c0, r0 - head, head + c1, r1 - head) for r0, c0, r1, c1 in sheet.merges if r0 >= head]
    out = Sheet(sheet.name, rows, merges, visible=sheet.visible)
    out.memo["turned_at"] = head
    return out


def turned_at(sheet: Sheet) -> int | None:
    """The row at which a sheet was turned round (``turned``), or None for a sheet read as it is."""
    head = sheet.memo.get("turned_at")
    return head if isinstance(head, int) else None


def _column_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def file_address(text: str, head: int) -> str:
    """Every cell address in ``text`` of a sheet turned at row ``head``, as it is in the file."""

    def back(m: re.Match[str]) -> str:
        row, col = int(m.group(2)) - 1, _column_index(m.group(1))
        if row < head:
            return m.group(0)
        return cell_address(head + col, row - head)

    return _ADDRESS.sub(back, text)


def turn_back(values: pl.DataFrame, findings: list[Finding], sheet: str, head: int) -> pl.DataFrame:
    """The cells of values and findings (in place) of a turned table, as they are in the file."""
    for i, f in enumerate(findings):
        if f.sheet == sheet and f.cell:
            findings[i] = replace(f, cell=file_address(f.cell, head))
    if values.is_empty():
        return values
    return values.with_columns(pl.col("cell").map_elements(lambda c: file_address(c, head), return_dtype=pl.String))
