"""Finding a department's table in a sheet: the header block (1–4 rows, merged cells, a row of periods above the
field headers), the column labels, the area column(s) and what every other column holds (``sources.reading.columns``).

Every row near the top that could start a header is tried, and the block that binds the most fields wins: a
"Tên đơn vị" fill-in label above the title does not hide the real header four rows below. When no header names
the area column (statistics-office exports leave it blank), the area columns are those whose values are unit
names; an area hierarchy spread over several columns (province | district | commune) gives several.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TypeVar

from sources.common.text import norm
from sources.intake.grid import Sheet
from sources.reading.columns import (
    Binding,
    ColumnPlan,
    age_band,
    breakdown_kind,
    column_period,
    is_total_label,
    plan_columns,
    spec_memo,
)
from sources.reading.keys import area_cols_by_content, find_code_col, find_period_col, find_type_col
from sources.reading.measure import Stated, is_unit_line, split_label, title_unit
from sources.reading.numbers import NULL_TOKENS
from sources.specs.model import Layout, Spec

MAX_HEADER_SCAN = 40  # rows searched for the header
MAX_HEADER_ROWS = 4
_COLUMN_NUMBER = re.compile(r"^\(?([0-9]{1,2}|[a-z]{1,2})\)?(\s*=.*)?$", re.IGNORECASE)
_NUMERIC_TEXT = re.compile(r"^[+-]?\d[\d.,\s\u00a0]*%?$")


@dataclass
class Table:
    """Where a table sits in a sheet and what each column means."""

    sheet: Sheet
    header_rows: list[int]
    data_start: int
    area_cols: list[int]  # outermost level first; one column for a flat list of areas
    labels: dict[int, list[str]]  # column → header path, top to bottom
    plan: ColumnPlan = field(default_factory=ColumnPlan)
    code_col: int | None = None
    area_by_header: bool = True
    missing_required: list[str] = field(default_factory=list)
    rates: dict[str, int] = field(default_factory=dict)  # reported-rate name → column (checked, not loaded)
    unit: Stated | None = None  # the unit the title states for the whole table
    code_width: int = 0  # the width of the code column's codes (2, 3 or 5), 0 when not known
    type_col: tuple[int, int] | None = None  # a column of level words, and the area column whose names it prefixes
    period_col: int | None = None  # a column that gives each row its period
    rows_only: frozenset[int] | None = None  # one period's rows of a table with a period column

    @property
    def national(self) -> bool:
        """No area column, rows told apart by their period: a table of the whole country."""
        return not self.area_cols and self.period_col is not None

    @property
    def area_col(self) -> int:
        return self.area_cols[-1]

    @property
    def bindings(self) -> list[Binding]:
        return self.plan.bindings

    @property
    def derived(self) -> dict[str, list[str]]:
        return self.plan.derived

    @property
    def ignored(self) -> dict[int, str]:
        return self.plan.ignored

    @property
    def matched(self) -> int:
        return len(self.plan.fields)

    @property
    def score(self) -> tuple[int, int, int, int, int]:
        """Fields bound, columns bound, an area header, periods read from the header, a wide first row."""
        width = sum(1 for t in self.sheet.row_texts(self.header_rows[0]) if t)
        periods = sum(1 for b in self.bindings if b.period)
        return (self.matched, len(self.bindings), int(self.area_by_header), periods, min(width, 3))

    def label(self, col: int) -> str:
        return " / ".join(self.labels.get(col, []))

    def headers_seen(self) -> list[str]:
        return [self.label(c) for c in sorted(self.labels) if self.labels[c]]

    def title_lines(self) -> list[str]:
        return [t for r in range(self.header_rows[0]) for t in self.sheet.row_texts(r) if t]


def is_column_number_row(sheet: Sheet, row: int) -> bool:
    """``(1) (2) (3)`` or ``A B 1 2 3``: a row of short column numbers or letters under the header."""
    texts = [t for t in sheet.row_texts(row) if t]
    return len(texts) >= 2 and all(_COLUMN_NUMBER.match(t) for t in texts)


def _is_title(texts: list[str]) -> bool:
    """A title line: a single cell in the first column, or of three words or more (``BÁO CÁO 6 tháng cuối năm
    2025``); a lone ``2023`` or ``Năm 2023`` over the field headers is a header."""
    filled = [(c, t) for c, t in enumerate(texts) if t]
    return len(filled) == 1 and (filled[0][0] == 0 or len(filled[0][1].split()) >= 3)


def _is_year(value: object) -> bool:
    if isinstance(value, float):
        return value.is_integer() and 1990 <= value <= 2035
    return False


def is_data_text(text: str) -> bool:
    """Number text that is not a year (``279.568``, ``21946``), or a no-data mark (``-``, ``..``)."""
    t = text.strip()
    return bool(_NUMERIC_TEXT.match(t) and not (len(t) == 4 and t.isdigit() and _is_year(float(t)))) or (
        bool(t) and t in NULL_TOKENS
    )


def is_data_row(sheet: Sheet, row: int) -> bool:
    """A row holding figures: a number cell that is not a year, or number text."""
    for v in sheet.rows[row] if row < len(sheet.rows) else []:
        if isinstance(v, float) and not _is_year(v):
            return True
        if isinstance(v, str) and is_data_text(v):
            return True
    return False


def find_table(
    sheet: Sheet, spec: Spec, layout: Layout, is_area_name: Callable[[str], bool], *, require_area: bool = True
) -> Table | None:
    """The best header block of the sheet for ``spec`` (most fields bound); ``None`` if none binds a field
    and has an area column (``require_area=False``: a field is enough, for messages)."""
    tops = _memo(sheet, ("tops",), layout, is_area_name, lambda: _header_tops(sheet, is_area_name))
    likely = [top for top in tops if any(_header_like(t, spec, layout) for t in sheet.row_texts(top) if t)]
    for candidates in (likely, [t for t in tops if t not in likely]):  # the likely rows first: most files stop there
        best: Table | None = None
        for top in candidates:
            table = _build_table(sheet, top, spec, layout, is_area_name)
            if table is None or (require_area and not table.area_cols and not table.national):
                continue
            if best is None or table.score > best.score:
                best = table
        if best is not None:
            return best
    return None


def _header_tops(sheet: Sheet, is_area_name: Callable[[str], bool]) -> list[int]:
    """The rows that could start a header: not data, column numbers, a title, nor a row naming a unit (``Ba Bể |
    2019`` is data); nor a row right under a row of group headers (two or more header cells, ``Tỷ trọng dân số (%)``
    over ``0-14 | 15-64 | 65+``): a block starts at its group headers, whose words and units are part of what its
    columns mean."""
    tops = [
        top
        for top in range(min(MAX_HEADER_SCAN, len(sheet.rows)))
        if (texts := sheet.row_texts(top))
        and any(texts)
        and not is_data_row(sheet, top)
        and not is_column_number_row(sheet, top)
        and not _is_title(texts)
        and not any(t and is_area_name(t) for t in texts)
        and not all(is_unit_line(t) for t in texts if t)
    ]
    groups = {top for top in tops if sum(1 for t in sheet.row_texts(top) if t) >= 2}
    return [top for top in tops if top - 1 not in groups]


_T = TypeVar("_T")


def _memo(sheet: Sheet, name: tuple, layout: Layout, is_area_name: Callable[[str], bool], make: Callable[[], _T]) -> _T:
    """``make()`` once per sheet for the same layout and area-name test (every spec tried asks again)."""
    found = sheet.memo.get(name)
    if isinstance(found, tuple) and found[0] is layout and found[1] is is_area_name:
        return found[2]
    value = make()
    sheet.memo[name] = (layout, is_area_name, value)
    return value


def _header_like(text: str, spec: Spec, layout: Layout) -> bool:
    """A cell that can only be a header: an area, code or row-number header, a field alias (with or without its
    unit), a period, a total or breakdown label, an age band."""
    memo = spec_memo(spec, "header_like")
    found = memo.get((layout_key := id(layout), text))
    if found is None or found[0] is not layout:
        found = memo[(layout_key, text)] = (layout, _is_header_like(text, spec, layout))
    return found[1]


def _is_header_like(text: str, spec: Spec, layout: Layout) -> bool:
    return (
        layout.is_area_header(text)
        or layout.is_code_header(text)
        or _is_row_number(text, layout)
        or any(f.matches(text) or f.matches(split_label(text)[0]) for f in spec.fields)
        or column_period(text) is not None
        or is_total_label(text)
        or breakdown_kind(text) is not None
        or age_band(text) is not None
    )


def header_only_table(sheet: Sheet, spec: Spec, layout: Layout) -> Table | None:
    """The first header block with an area header, whether or not it binds a field (for messages)."""
    for r in range(min(MAX_HEADER_SCAN, len(sheet.rows))):
        for c, text in enumerate(sheet.row_texts(r)):
            if text and layout.is_area_header(text):
                rows = _header_rows(sheet, r, c)
                labels = _labels(sheet, rows)
                table = Table(sheet, rows, rows[-1] + 1, [c], labels)
                table.plan = plan_columns(spec, labels, {c}, table.title_lines(), title_unit(table.title_lines()))
                return table
    return None


def _header_rows(
    sheet: Sheet, top: int, area_col: int | None, is_area_name: Callable[[str], bool] = lambda _: False
) -> list[int]:
    """The header block: rows under ``top`` while they are neither data, column numbers, blank, rows naming a
    unit, nor (when the area header is known) rows with a name in the area column."""
    merged_to = top
    for r0, c0, r1, c1 in sheet.merges:
        if r0 == top and r1 > top and (area_col is None or c0 <= area_col <= c1):
            merged_to = max(merged_to, r1)
    if area_col is not None and merged_to > top:
        return list(range(top, min(merged_to, top + MAX_HEADER_ROWS - 1) + 1))
    rows = [top]
    for r in range(top + 1, min(top + MAX_HEADER_ROWS, len(sheet.rows))):
        texts = sheet.row_texts(r)
        if r > merged_to and (area_col is not None and sheet.text(r, area_col)):
            break
        if (
            is_column_number_row(sheet, r)
            or not any(texts)
            or is_data_row(sheet, r)
            or any(t and is_area_name(t) for t in texts)
        ):
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


@dataclass(frozen=True)
class _Block:
    """A header block starting at a row, as far as it is the same whatever the spec: its rows, the column labels,
    the area, code and skipped columns, where the data starts, the title above it and the unit it states."""

    rows: list[int]
    labels: dict[int, list[str]]
    alias_cols: list[int]
    data_start: int
    code_col: int | None
    code_width: int
    period_col: int | None
    skip: frozenset[int]
    title_lines: list[str]
    unit: Stated | None


def _block(sheet: Sheet, top: int, layout: Layout, is_area_name: Callable[[str], bool]) -> _Block:
    alias_cols = [c for c, t in enumerate(sheet.row_texts(top)) if t and layout.is_area_header(t)]
    rows = _header_rows(sheet, top, alias_cols[-1] if alias_cols else None, is_area_name)
    labels = _labels(sheet, rows)
    alias_cols = sorted({c for c, p in labels.items() if len(p) == 1 and layout.is_area_header(p[0])} | set(alias_cols))
    data_start = rows[-1] + 1
    while data_start < len(sheet.rows) and is_column_number_row(sheet, data_start):
        data_start += 1
    skip = set(alias_cols)
    for c, path in labels.items():
        if (
            c not in skip
            and len(path) == 1
            and (_is_row_number(path[0], layout) or layout.is_ignored(path[0]) or layout.is_area_header(path[0]))
        ):
            skip.add(c)
    coded = find_code_col(sheet, data_start, labels, skip, layout)
    code_col, code_width = coded if coded else (None, 0)
    skip |= {code_col} if code_col is not None else set()
    period_col = find_period_col(sheet, data_start, labels, skip)
    skip |= {period_col} if period_col is not None else set()
    title = [t for r in range(rows[0]) for t in sheet.row_texts(r) if t]
    if not title:  # a data portal's CSV has no title: its name says what it holds (census2019_population_by_district)
        title = [sheet.name.replace("_", " ")]
    return _Block(
        rows,
        labels,
        alias_cols,
        data_start,
        code_col,
        code_width,
        period_col,
        frozenset(skip),
        title,
        title_unit(title),
    )


def _build_table(
    sheet: Sheet, top: int, spec: Spec, layout: Layout, is_area_name: Callable[[str], bool]
) -> Table | None:
    block = _memo(sheet, ("block", top), layout, is_area_name, lambda: _block(sheet, top, layout, is_area_name))
    alias_cols, labels, data_start = block.alias_cols, block.labels, block.data_start
    table = Table(sheet, block.rows, data_start, list(alias_cols) or [0], labels, area_by_header=bool(alias_cols))
    table.code_col, table.unit = block.code_col, block.unit
    table.code_width, table.period_col = block.code_width, block.period_col
    skip = set(block.skip)
    plan = plan_columns(spec, labels, skip, list(block.title_lines), table.unit)
    if not plan.bindings:
        return None
    if not alias_cols:
        first = min(b.col for b in plan.bindings)
        left = [c for c in range(first) if c not in skip]
        found, names = area_cols_by_content(sheet, data_start, left, layout, is_area_name)
        table.area_cols = found
        table.type_col = find_type_col(sheet, data_start, found, skip)
        for c in (*names, *(table.type_col or ())):  # names, other spellings, level words: keys, not unknowns
            plan.ignored.pop(c, None)
            plan.breakdowns.pop(c, None)
    table.plan = plan
    if table.national:  # its text columns (Items: "Total - Thous. Subcribers") qualify rows: not unknown fields
        for c in [c for c in plan.ignored if text_only(sheet, range(data_start, len(sheet.rows)), c)]:
            del plan.ignored[c]
    bound = {b.field for b in plan.bindings} | set(plan.derived)
    table.missing_required = [f.name for f in spec.fields if f.required and f.name not in bound]
    for c in sorted({*plan.ignored, *plan.rates}):
        path = labels.get(c) or []
        rate = next((r for r in spec.reported_rates if path and r.matches(path[-1])), None)
        if rate and rate.name not in table.rates:  # a percentage typed beside the counts: checked, not loaded
            table.rates[rate.name] = c
            plan.ignored.pop(c, None)
            plan.rates.pop(c, None)
    return table


def is_value(cell: object) -> bool:
    """A cell that holds something: a number, or text other than a no-data mark (``..``, ``-``, ``x``, blank)."""
    return cell is not None and not (isinstance(cell, str) and cell.strip() in NULL_TOKENS)


def is_number_cell(cell: object) -> bool:
    """A number cell, or number text (``279.568``); a no-data mark is none."""
    return isinstance(cell, float) or (isinstance(cell, str) and is_data_text(cell) and cell.strip() not in NULL_TOKENS)


def text_only(sheet: Sheet, rows: Iterable[int], col: int) -> bool:
    """Whether the column holds text in these rows and no number: a label column (PX-Web's ``Items``)."""
    cells = [v for r in rows if (v := sheet.cell(r, col)) not in (None, "")]
    return bool(cells) and not any(is_number_cell(v) for v in cells)


def _is_row_number(label: str, layout: Layout) -> bool:
    return any(norm(label) == norm(a) for a in layout.row_number_aliases)
