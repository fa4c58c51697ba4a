"""Writing small departmental workbooks for tests: the same grid as .xlsx (openpyxl), .xls (xlwt) or .csv.

A grid is a list of rows; each cell is a str, a number or None. Merges are Excel ranges ("C5:E5")."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import openpyxl
import xlwt
from openpyxl.utils import range_boundaries

Grid = Sequence[Sequence[object]]


def write(
    path: Path,
    grid: Grid,
    merges: Sequence[str] = (),
    sheet: str = "Biểu 01",
    extra_sheets: Sequence[tuple[str, Grid, bool]] = (),
) -> Path:
    """Write ``grid`` to ``path`` in the format its suffix names. ``extra_sheets`` are (name, grid, hidden)
    placed before the data sheet (an instructions sheet, a hidden lookup sheet)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        _xlsx(path, grid, merges, sheet, extra_sheets)
    elif suffix == ".xls":
        _xls(path, grid, merges, sheet, extra_sheets)
    elif suffix == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as f:
            csv.writer(f).writerows([["" if v is None else v for v in row] for row in grid])
    else:
        raise ValueError(path)
    return path


def _xlsx(path: Path, grid: Grid, merges: Sequence[str], sheet: str, extra: Sequence[tuple[str, Grid, bool]]) -> None:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, g, hidden in extra:
        ws = wb.create_sheet(name)
        _fill_openpyxl(ws, g)
        if hidden:
            ws.sheet_state = "hidden"
    ws = wb.create_sheet(sheet)
    _fill_openpyxl(ws, grid)
    for m in merges:
        ws.merge_cells(m)
    wb.active = len(wb.sheetnames) - 1
    wb.save(path)


def _fill_openpyxl(ws, grid: Grid) -> None:
    for r, row in enumerate(grid, start=1):
        for c, value in enumerate(row, start=1):
            if value is not None:
                ws.cell(r, c, value)


def _xls(path: Path, grid: Grid, merges: Sequence[str], sheet: str, extra: Sequence[tuple[str, Grid, bool]]) -> None:
    wb = xlwt.Workbook(encoding="utf-8")
    for name, g, hidden in extra:
        ws = wb.add_sheet(name)
        _fill_xlwt(ws, g, ())
        if hidden:
            ws.visibility = 1
    _fill_xlwt(wb.add_sheet(sheet), grid, merges)
    wb.save(str(path))


def _fill_xlwt(ws, grid: Grid, merges: Sequence[str]) -> None:
    merged_cells = {}
    for m in merges:
        c0, r0, c1, r1 = range_boundaries(m)
        merged_cells[(r0 - 1, c0 - 1)] = (r1 - 1, c1 - 1)
    covered = {
        (r, c) for (r0, c0), (r1, c1) in merged_cells.items() for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)
    }
    for r, row in enumerate(grid):
        for c, value in enumerate(row):
            if (r, c) in merged_cells:
                r1, c1 = merged_cells[(r, c)]
                ws.write_merge(r, r1, c, c1, "" if value is None else value)
            elif value is not None and (r, c) not in covered:
                ws.write(r, c, value)
