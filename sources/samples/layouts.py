"""Laying a sample table out as a departmental sheet: title rows, a 1–3 row header with merged cells, an
optional column-number row, area rows with a total row, footnotes and a signature block.

``build_sheets(key, style)`` returns the sheets of one workbook as plain grids (``SheetGrid``); the writers
in ``writers.py`` turn them into .xlsx, .xls or .csv bytes. Every layout choice is a field of ``Style``.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from sources.common.periods import parse_period_code
from sources.samples import figures
from sources.samples.departments import samples_of
from sources.samples.headers import (
    AREA_HEADERS_POST,
    AREA_HEADERS_PRE,
    CODE_HEADERS,
    Node,
    covered,
    extra_column,
    header_variants,
    leaf,
    prune,
)
from sources.samples.texts import agency, area_label, footnote, instructions, report_title, unit_line
from sources.specs.model import load_specs

Cell = str | int | float | None


@dataclass(frozen=True)
class Style:
    filename: str
    fmt: str = "xlsx"  # xlsx | xls | csv
    bom: bool = True  # csv: UTF-8 with a byte-order mark
    delimiter: str = ","  # csv
    sheet: str = "Biểu 01"
    instructions: bool = False  # an instructions sheet ("Hướng dẫn") placed first
    hidden_list: bool = False  # a hidden sheet with the list of areas
    titles: bool = True  # agency, national motto, report title (False: the table starts on row 1)
    form_code: bool = True
    period_in: str = "line"  # line | title | sub | ky | none (period only in the file name)
    header: int = 0  # variant index into the headers of the department's sample file
    area_header: int = 0
    col_numbers: str | None = None  # paren: (1) (2) …; letters: A B 1 2 …
    stt: bool = True
    code: str | None = None  # text ("058") | number (58)
    names: str = "full"  # full | bare | abbr | upper | mixed
    nfd: bool = False  # every text of the data sheet decomposed (NFD)
    new_tone: bool = False  # "Hòa" instead of the unit list's "Hoà"
    total: str = "last"  # first | last | none
    total_label: str = "Tổng cộng"
    total_merged: bool = False  # total label in the STT column, merged over STT and area
    blank_rows: bool = False
    numbers: str = "numeric"  # numeric | text (Vietnamese format) | mixed
    missing: str = "omit"  # a field not reported in the file: omit its column, or show it as "-", "x", ""
    extra_column: bool = False
    footnote: bool = True
    signature: bool = True


@dataclass
class SheetGrid:
    name: str
    rows: list[list[Cell]]
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # r0, c0, r1, c1 inclusive
    hidden: bool = False
    bold: set[tuple[int, int]] = field(default_factory=set)
    box: tuple[int, int, int, int] | None = None  # the table, for borders
    widths: dict[int, float] = field(default_factory=dict)

    def put(self, r: int, c: int, value: Cell, *, bold: bool = False) -> None:
        while len(self.rows) <= r:
            self.rows.append([])
        row = self.rows[r]
        while len(row) <= c:
            row.append(None)
        row[c] = value
        if bold:
            self.bold.add((r, c))

    def merge(self, r0: int, c0: int, r1: int, c1: int) -> None:
        if (r0, c0) != (r1, c1):
            self.merges.append((r0, c0, r1, c1))


def vn_number(value: int | float) -> str:
    """Vietnamese number text: ``279.568``, ``6.233,5``."""
    text = f"{value:,.1f}" if isinstance(value, float) and not value.is_integer() else f"{int(value):,}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def period_text(period: str, form: str) -> str | None:
    """How a title states the period (see ``Style.period_in``)."""
    p = parse_period_code(period)
    if p.period_type == "date":
        return f"(Số liệu tính đến ngày {p.end.day}/{p.end.month}/{p.end.year})"
    if p.period_type == "half":
        return f"{'6 tháng đầu' if p.start.month == 1 else '6 tháng cuối'} năm {p.year}"
    if p.period_type == "quarter":
        q = (p.start.month - 1) // 3
        roman = ("I", "II", "III", "IV")[q]
        return {
            "line": f"Quý {roman}/{p.year}",
            "sub": f"(Số liệu quý {q + 1} năm {p.year})",
            "ky": f"Kỳ báo cáo: quý {roman} năm {p.year}",
            "title": f"QUÝ {roman}/{p.year}",
        }.get(form)
    if p.period_type == "month":
        m = p.start.month
        return {
            "line": f"Tháng {m}/{p.year}",
            "sub": f"(Số liệu tháng {m:02d} năm {p.year})",
            "ky": f"Kỳ báo cáo: tháng {m:02d} năm {p.year}",
            "title": f"THÁNG {m}/{p.year}",
        }.get(form)
    return {
        "line": f"Năm {p.year}",
        "sub": f"(Số liệu năm {p.year})",
        "ky": f"Kỳ báo cáo: năm {p.year}",
        "title": f"NĂM {p.year}",
    }.get(form)


def _header(source: str, style: Style, present: set[str]) -> tuple[tuple[Node, ...], set[str]]:
    """The header tree of the file and the fields shown without data (as ``style.missing``)."""
    spec = load_specs()[source]
    variants = header_variants(source)
    variant = variants[style.header % len(variants)]
    shown = set(present) if style.missing == "omit" else {f.name for f in spec.fields}
    nodes = prune(variant, shown)
    for f in spec.fields:  # a required field stays, even when nothing was reported
        parts_shown = bool(f.sum_of) and all(p in covered(nodes) for p in f.sum_of)
        if f.required and f.name not in covered(nodes) and not parts_shown:
            nodes = (*nodes, leaf(f.aliases[0], f.name))
    return nodes, covered(nodes) - present


def _number(value: int | float | str | None, style: Style, col: int, total: bool) -> Cell:
    if value is None:  # a non-additive field's area row: no data
        return "-"
    if isinstance(value, str):  # a range or a bound, as the department wrote it ("20 - 25", "Hơn 116.000")
        return value
    as_text = style.numbers == "text" or (style.numbers == "mixed" and (total or col % 2 == 0))
    if as_text:
        return vn_number(value)
    if style.fmt == "csv":
        return f"{value:.1f}" if isinstance(value, float) and not value.is_integer() else str(int(value))
    return value


def build_sheets(key: tuple[str, str, str], style: Style) -> list[SheetGrid]:
    """The sheets of one sample workbook (a CSV uses the first and only sheet)."""
    province, source, period = key
    data = _data_sheet(key, style)
    sheets = []
    if style.instructions:
        sheets.append(SheetGrid("Hướng dẫn", [[line] for line in instructions(source)], widths={0: 110}))
    sheets.append(data)
    if style.hidden_list:
        units = figures.areas(province, period)
        rows: list[list[Cell]] = [["Mã số", "Tên gọi", "Loại"]]
        rows += [[a.code, a.name, a.full_name.removesuffix(a.name).strip()] for a in units]
        sheets.append(SheetGrid("DM_DVHC", rows, hidden=True))
    return sheets


def _data_sheet(key: tuple[str, str, str], style: Style) -> SheetGrid:
    province, source, period = key
    values = figures.area_values(province, source, period)
    present = set(figures.fields_of(province, source, period))
    nodes, empty = _header(source, style, present)
    leaves = [x for n in nodes for x in n.leaves()]
    depth = max(n.depth() for n in nodes)
    units = figures.table_areas(province, source, period)
    post = units[0].level == "commune"

    cols: list[tuple[str, str]] = []  # (kind, label) for the fixed columns
    if style.stt:
        cols.append(("stt", "STT"))
    if style.code:
        cols.append(("code", CODE_HEADERS[style.area_header % len(CODE_HEADERS)]))
    area_headers = AREA_HEADERS_POST if post else AREA_HEADERS_PRE
    cols.append(("area", area_headers[style.area_header % len(area_headers)]))
    first_value = len(cols)
    width = first_value + len(leaves) + (1 if style.extra_column else 0)
    g = SheetGrid(style.sheet, [])
    r = _titles(g, key, style, width) if style.titles else 0

    top = r
    for c, (_, label) in enumerate(cols):
        g.put(top, c, label, bold=True)
        g.merge(top, c, top + depth - 1, c)
    c = first_value
    for n in nodes:
        c = _place(g, n, top, c, depth)
    if style.extra_column:
        g.put(top, width - 1, extra_column(source)[0], bold=True)
        g.merge(top, width - 1, top + depth - 1, width - 1)
    r = top + depth
    if style.col_numbers:
        for i in range(width):
            if style.col_numbers == "paren":
                g.put(r, i, f"({i + 1})")
            else:
                g.put(r, i, chr(ord("A") + i) if i < first_value else i - first_value + 1)
        r += 1

    # A unit that shares its bare name with another of the province (Thị xã and Huyện Duyên Hải, Quận 1 and the
    # Phường 1) is written with its type, as departments do: a bare name would be ambiguous (issue #18).
    shared = figures.shared_names(province, period)
    # the total row: the sum of the areas of a field that adds up, the province's own figure of one that does not
    measures = figures.non_additive(source)
    total_row: dict[str, figures.Figure | None] = {}
    for f in present:
        parts = [values[a.code][f] for a in units]
        summed = f not in measures and all(isinstance(x, int | float) for x in parts)
        total_row[f] = (
            sum(x for x in parts if isinstance(x, int | float))
            if summed
            else figures.total_of(province, source, period, f)
        )
    body: list[tuple[str, figures.Area | None]] = [("area", a) for a in units]  # None for total and blank rows
    if style.blank_rows:
        body.insert(len(body) // 2, ("blank", None))
    total = style.total if len(units) > 1 else "none"  # the province's own row is no table to total
    if total == "first":
        body = [("total", None), *([("blank", None)] if style.blank_rows else []), *body]
    elif total == "last":
        body = [*body, ("total", None)]
    number = 0
    for kind, item in body:
        if kind == "blank":
            r += 1
            continue
        is_total = kind == "total"
        if not is_total:
            number += 1
        row_values = total_row if item is None else values[item.code]  # only area rows carry an area
        for c, (ckind, _) in enumerate(cols):
            if ckind == "stt" and not is_total:
                g.put(r, c, number if style.fmt != "csv" else str(number))
            elif ckind == "code" and item is not None:
                code = item.code
                g.put(r, c, int(code) if style.code == "number" and style.fmt != "csv" else code)
            elif ckind == "area":
                g.put(r, c, style.total_label if is_total else _area_name(item, style, number, shared), bold=is_total)
        if is_total and style.total_merged and style.stt:
            g.put(r, 0, style.total_label, bold=True)
            g.put(r, first_value - 1, None)
            g.merge(r, 0, r, first_value - 1)
        for i, lf in enumerate(leaves):
            col = first_value + i
            if lf.field is None:
                raise ValueError(
                    f'tiêu đề "{lf.label}" của mẫu {source} không có trường / header "{lf.label}" '
                    f"of the {source} samples names no field: give it a field or children"
                )
            if lf.field in empty:
                g.put(r, col, "-" if style.missing == "omit" else style.missing)
            else:
                g.put(r, col, _number(row_values[lf.field], style, col, is_total), bold=is_total)
        if style.extra_column:
            g.put(r, width - 1, _extra(source, row_values))
        r += 1
    g.box = (top, 0, r - 1, width - 1)
    g.widths = {i: (6 if k == "stt" else 10 if k == "code" else 24) for i, (k, _) in enumerate(cols)}
    g.widths.update({first_value + i: 15 for i in range(len(leaves) + (1 if style.extra_column else 0))})
    _footer(g, r + 1, key, style, width)
    if style.nfd:
        g.rows = [[_nfd(v) for v in row] for row in g.rows]
    return g


def _nfd(value: Cell) -> Cell:
    return unicodedata.normalize("NFD", value) if isinstance(value, str) else value


def _place(g: SheetGrid, node: Node, row: int, col: int, depth: int) -> int:
    """Write a header node at (row, col); returns the next free column."""
    if not node.children:
        g.put(row, col, node.label, bold=True)
        g.merge(row, col, row + depth - 1, col)
        return col + 1
    start = col
    for child in node.children:
        col = _place(g, child, row + 1, col, depth - 1)
    g.put(row, start, node.label, bold=True)
    g.merge(row, start, row, col - 1)
    return col


def _area_name(area: object, style: Style, number: int, shared: set[str] | frozenset[str] = frozenset()) -> str:
    mode = style.names
    if mode == "mixed":
        mode = ("full", "bare", "abbr")[number % 3]
    if mode == "bare" and area.name in shared:  # type: ignore[attr-defined]
        mode = "abbr"
    return area_label(area, mode, new_tone_marks=style.new_tone)  # type: ignore[arg-type]


def _extra(source: str, row: dict) -> Cell:
    what = extra_column(source)[1]
    if what == "blank":
        return None
    num, den = what.removeprefix("ratio:").split("/")
    top, bottom = row.get(num), row.get(den)
    if not isinstance(top, int | float) or not isinstance(bottom, int | float) or not bottom:
        return "x"
    return f"{vn_number(round(top / bottom * 100, 1))}%"


def _titles(g: SheetGrid, key: tuple[str, str, str], style: Style, width: int) -> int:
    province, source, period = key
    upper, lower, unit = agency(source, province, period)
    right = max(width - 4, 2)
    g.put(0, 0, upper, bold=True)
    g.merge(0, 0, 0, right - 1)
    g.put(1, 0, lower, bold=True)
    g.merge(1, 0, 1, right - 1)
    g.put(0, right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True)
    g.merge(0, right, 0, width - 1)
    g.put(1, right, "Độc lập - Tự do - Hạnh phúc", bold=True)
    g.merge(1, right, 1, width - 1)
    r = 3
    if style.form_code:
        samples = samples_of(source)
        g.put(2, 0, f"Biểu số 0{samples.form_number}/{samples.form_code}")
    title = report_title(source, period)
    when = period_text(period, style.period_in)
    if style.period_in == "title" and when:
        title = f"{title} {when.upper()}"
    g.put(r, 0, title, bold=True)
    g.merge(r, 0, r, width - 1)
    r += 1
    if when and style.period_in != "title" and style.period_in != "none":
        g.put(r, 0, when)
        g.merge(r, 0, r, width - 1)
        r += 1
    g.put(r, 0, f"Đơn vị báo cáo: {unit}")
    g.put(r, width - 1 if width > 3 else 2, unit_line(source))
    return r + 2


def _footer(g: SheetGrid, r: int, key: tuple[str, str, str], style: Style, width: int) -> None:
    province, source, period = key
    if style.footnote:
        g.put(r, 0, footnote(source))
        r += 2
    if not style.signature:
        return
    p = parse_period_code(period)
    day = p.end.replace(year=p.end.year + 1, month=1, day=15) if p.period_type != "date" else p.end
    place = figures.province_name(province, period)
    g.put(r, max(width - 3, 1), f"{place}, ngày {day.day:02d} tháng {day.month:02d} năm {day.year}")
    g.put(r + 1, 1, "NGƯỜI LẬP BIỂU", bold=True)
    g.put(r + 1, max(width - 3, 2), "THỦ TRƯỞNG ĐƠN VỊ", bold=True)
    g.put(r + 2, 1, "(Ký, ghi rõ họ tên)")
    g.put(r + 2, max(width - 3, 2), "(Ký tên, đóng dấu)")
