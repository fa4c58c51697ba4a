"""Finding a department's table in a sheet: the header block (1–3 rows, merged cells), the column labels,
and which column holds which spec field."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sources.grid import Sheet
from sources.spec import Field, Layout, Spec
from sources.text import norm

MAX_HEADER_SCAN = 40  # rows searched for the area header
MAX_HEADER_ROWS = 3
_COLUMN_NUMBER = re.compile(r"^\(?([0-9]{1,2}|[a-z]{1,2})\)?(\s*=.*)?$", re.IGNORECASE)


@dataclass
class Table:
    """Where a table sits in a sheet and what each column means."""

    sheet: Sheet
    header_rows: list[int]
    data_start: int
    area_col: int
    labels: dict[int, list[str]]  # column → header path, top to bottom
    code_col: int | None = None
    columns: dict[str, int] = field(default_factory=dict)  # field name → column
    derived: dict[str, list[str]] = field(default_factory=dict)  # field → the parts it is the sum of
    missing_required: list[str] = field(default_factory=list)
    ignored: dict[int, str] = field(default_factory=dict)  # column → label of a header no field matched
    rates: dict[str, int] = field(default_factory=dict)  # reported-rate name → column (checked, not loaded)

    @property
    def matched(self) -> int:
        return len(self.columns) + len(self.derived)

    def label(self, col: int) -> str:
        return " / ".join(self.labels.get(col, []))

    def headers_seen(self) -> list[str]:
        return [self.label(c) for c in sorted(self.labels) if self.labels[c]]


def is_column_number_row(sheet: Sheet, row: int) -> bool:
    """``(1) (2) (3)`` or ``A B 1 2 3``: a row of short column numbers or letters under the header."""
    texts = [t for t in sheet.row_texts(row) if t]
    return len(texts) >= 2 and all(_COLUMN_NUMBER.match(t) for t in texts)


def find_table(sheet: Sheet, spec: Spec, layout: Layout) -> Table | None:
    """The first header block in the sheet that has an area column; ``None`` if there is none."""
    for r in range(min(MAX_HEADER_SCAN, len(sheet.rows))):
        for c, text in enumerate(sheet.row_texts(r)):
            if text and layout.is_area_header(text):
                return _build_table(sheet, r, c, spec, layout)
    return None


def _header_rows(sheet: Sheet, top: int, area_col: int) -> list[int]:
    """The header block: rows under ``top`` while the area column is merged down or blank and the row is
    neither a column-number row nor a data row."""
    for r0, c0, r1, c1 in sheet.merges:
        if r0 == top and c0 <= area_col <= c1 and r1 > top:
            return list(range(top, min(r1, top + MAX_HEADER_ROWS - 1) + 1))
    rows = [top]
    for r in range(top + 1, min(top + MAX_HEADER_ROWS, len(sheet.rows))):
        texts = sheet.row_texts(r)
        if sheet.text(r, area_col) or is_column_number_row(sheet, r) or not any(texts):
            break
        if any(isinstance(v, float) for v in sheet.rows[r]):
            break
        rows.append(r)
    return rows


def _labels(sheet: Sheet, rows: list[int]) -> dict[int, list[str]]:
    """Column → header path. Merged ranges are filled across their cells; without merge information (CSV,
    some writers) an upper cell is carried right over sub-columns that have their own lower header; finally
    an empty lower cell repeats the one above (a header merged downwards)."""
    width = sheet.width
    grid = [[sheet.text(r, c) for c in range(width)] for r in rows]
    merged_here = False
    for r0, c0, r1, c1 in sheet.merges:
        for i, r in enumerate(rows):
            if r0 <= r <= r1:
                value = sheet.text(r0, c0)
                for c in range(c0, min(c1, width - 1) + 1):
                    grid[i][c] = value
                merged_here = True
    if not merged_here:
        for i in range(len(rows) - 1):
            for c in range(1, width):
                if not grid[i][c] and grid[i][c - 1] and grid[i + 1][c] and grid[i + 1][c - 1]:
                    grid[i][c] = grid[i][c - 1]
    for i in range(1, len(rows)):
        for c in range(width):
            if not grid[i][c]:
                grid[i][c] = grid[i - 1][c]
    labels: dict[int, list[str]] = {}
    for c in range(width):
        path: list[str] = []
        for i in range(len(rows)):
            if grid[i][c] and (not path or norm(path[-1]) != norm(grid[i][c])):
                path.append(grid[i][c])
        labels[c] = path
    return labels


def _score(f: Field, path: list[str]) -> int:
    """How well a header path names a field: the leaf label, else the whole path read as one phrase
    (``Thuê bao điện thoại`` over ``Di động``), else the last two levels. Higher is better; 0 is no match."""
    if not path:
        return 0
    phrases = [path[-1], " ".join(path), " ".join(path[-2:])]
    for rank, phrase in enumerate(phrases):
        m = f.matches(phrase)
        if m:
            return 10 * (len(phrases) - rank) + m
    return 0


def _build_table(sheet: Sheet, top: int, area_col: int, spec: Spec, layout: Layout) -> Table:
    rows = _header_rows(sheet, top, area_col)
    data_start = rows[-1] + 1
    while data_start < len(sheet.rows) and is_column_number_row(sheet, data_start):
        data_start += 1
    labels = _labels(sheet, rows)
    table = Table(sheet, rows, data_start, area_col, labels)
    skip = {area_col}
    for c, path in labels.items():
        if c != area_col and path and len(path) == 1 and layout.is_code_header(path[0]):
            table.code_col = c
            skip.add(c)
        elif path and len(path) == 1 and (_is_row_number(path[0], layout) or layout.is_ignored(path[0])):
            skip.add(c)
    scored = sorted(
        ((s, -c, f.name, c) for f in spec.fields for c, path in labels.items()
         if c not in skip and (s := _score(f, path))),
        reverse=True,
    )
    used: set[int] = set()
    for _, _, name, c in scored:
        if name not in table.columns and c not in used:
            table.columns[name] = c
            used.add(c)
    for f in spec.fields:
        if f.name not in table.columns and f.sum_of and all(p in table.columns for p in f.sum_of):
            table.derived[f.name] = list(f.sum_of)
    table.missing_required = [
        f.name for f in spec.fields if f.required and f.name not in table.columns and f.name not in table.derived
    ]
    for c, p in labels.items():
        rate = next((r for r in spec.reported_rates if p and c not in used and r.matches(p[-1])), None)
        if rate and rate.name not in table.rates:
            table.rates[rate.name] = c
            used.add(c)
    table.ignored = {c: table.label(c) for c, p in labels.items() if p and c not in skip and c not in used}
    return table


def _is_row_number(label: str, layout: Layout) -> bool:
    return any(norm(label) == norm(a) for a in layout.row_number_aliases)
