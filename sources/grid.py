"""Sheets as grids of cells, exactly where Excel shows them (row 0 = Excel row 1), with merged ranges.

Workbooks are read with calamine (``python-calamine``): each cell comes with its own type (a number cell is
a float, a text cell a str) and nothing is inferred per column, so ``279.568`` typed as text and the number
279.568 stay distinguishable and the reader casts text with the Vietnamese rules. (fastexcel's string
dtype erases that difference, and for ``.xls`` it starts the frame at the first used row, shifting every
cell address.) CSV files are read as text (UTF-8 with or without BOM; ``,`` ``;`` or tab separated).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import Path

from python_calamine import CalamineWorkbook, SheetVisibleEnum

Cell = str | float | None


@dataclass
class Sheet:
    name: str
    rows: list[list[Cell]]
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # (row0, col0, row1, col1) inclusive
    visible: bool = True

    @property
    def width(self) -> int:
        return max((len(r) for r in self.rows), default=0)

    def cell(self, row: int, col: int) -> Cell:
        if row < len(self.rows) and col < len(self.rows[row]):
            return self.rows[row][col]
        return None

    def text(self, row: int, col: int) -> str:
        """The cell as display text (numbers without a trailing ``.0``), ``""`` when empty."""
        return cell_text(self.cell(row, col))

    def row_texts(self, row: int) -> list[str]:
        return [cell_text(v) for v in self.rows[row]] if row < len(self.rows) else []


def cell_text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value).strip()


def _clean(value: object) -> Cell:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, dt.datetime | dt.date | dt.time | dt.timedelta):
        return value.isoformat() if hasattr(value, "isoformat") else str(value)
    return str(value)


_SUFFIXES = {"xlsx": {".xlsx", ".xlsm"}, "xls": {".xls"}}


def read_workbook(path: Path, fmt: str | None = None) -> list[Sheet]:
    """Every sheet of an .xlsx/.xlsm/.xls workbook, in workbook order. ``fmt`` (``xlsx``/``xls``) is the format
    the file's bytes say it is; when its name says otherwise calamine is given the bytes, not the name."""
    if fmt is None or path.suffix.lower() in _SUFFIXES.get(fmt, set()):
        wb = CalamineWorkbook.from_path(str(path))
    else:
        with path.open("rb") as f:
            wb = CalamineWorkbook.from_filelike(f)
    sheets = []
    for meta in wb.sheets_metadata:
        ws = wb.get_sheet_by_name(meta.name)
        rows = [[_clean(v) for v in row] for row in ws.to_python(skip_empty_area=False)]
        merges = [(r0, c0, r1, c1) for (r0, c0), (r1, c1) in (ws.merged_cell_ranges or [])]
        sheets.append(Sheet(meta.name, rows, merges, visible=meta.visible == SheetVisibleEnum.Visible))
    return sheets


def read_csv(path: Path) -> list[Sheet]:
    """A CSV file as one sheet named after the file; every cell stays text."""
    raw = path.read_bytes()
    text = raw.decode("utf-8-sig")
    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    rows = [[c if c.strip() else None for c in row] for row in csv.reader(io.StringIO(text), delimiter=delimiter)]
    return [Sheet(path.stem, rows)]


def read_sheets(path: Path, fmt: str | None = None) -> list[Sheet]:
    """The sheets of a workbook or CSV file. ``fmt`` (``xlsx`` | ``xls`` | ``csv``), when given, is the format
    identified from the file's bytes (``sources/intake``) and wins over its suffix."""
    if fmt == "csv" or (fmt is None and path.suffix.lower() in {".csv", ".txt"}):
        return read_csv(path)
    return read_workbook(path, fmt)
