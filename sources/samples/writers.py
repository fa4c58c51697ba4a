"""Sheet grids → file bytes that are identical on every run: .xlsx (openpyxl, then the zip rewritten with
fixed timestamps and entry order), legacy .xls (xlwt, which stamps no time), .csv (UTF-8, with or without
BOM)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile

import xlwt
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from sources.samples.layouts import SheetGrid, Style

FIXED_TIME = dt.datetime(2025, 1, 1, 8, 0, 0)
ZIP_TIME = (2025, 1, 1, 8, 0, 0)
AUTHOR = "Văn thư"
_CORE_TIME = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")


def to_bytes(sheets: list[SheetGrid], style: Style) -> bytes:
    if style.fmt == "xlsx":
        return xlsx_bytes(sheets)
    if style.fmt == "xls":
        return xls_bytes(sheets)
    if style.fmt == "csv":
        data = next(s for s in sheets if not s.hidden and s.name != "Hướng dẫn")
        return csv_bytes(data, bom=style.bom, delimiter=style.delimiter)
    raise ValueError(f"unknown format {style.fmt!r}")


def xlsx_bytes(sheets: list[SheetGrid]) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.creator = AUTHOR
    wb.properties.lastModifiedBy = AUTHOR
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for grid in sheets:
        ws = wb.create_sheet(grid.name)
        for r, row in enumerate(grid.rows):
            for c, value in enumerate(row):
                if value is None:
                    continue
                cell = ws.cell(row=r + 1, column=c + 1, value=value)
                if (r, c) in grid.bold:
                    cell.font = Font(bold=True)
                if isinstance(value, int | float) and not isinstance(value, bool):
                    cell.number_format = "#,##0.0" if isinstance(value, float) else "#,##0"
        if grid.box:
            r0, c0, r1, c1 = grid.box
            for r in range(r0, r1 + 1):
                for c in range(c0, c1 + 1):
                    ws.cell(row=r + 1, column=c + 1).border = border
            for r in range(r0, r1 + 1):
                if any((r, c) in grid.bold for c in range(c0, c1 + 1)) and r < r1:
                    for c in range(c0, c1 + 1):
                        ws.cell(row=r + 1, column=c + 1).alignment = Alignment(
                            horizontal="center", vertical="center", wrap_text=True
                        )
        for r0, c0, r1, c1 in grid.merges:
            ws.merge_cells(start_row=r0 + 1, start_column=c0 + 1, end_row=r1 + 1, end_column=c1 + 1)
        for c, w in grid.widths.items():
            ws.column_dimensions[get_column_letter(c + 1)].width = w
        if grid.hidden:
            ws.sheet_state = "hidden"
    buf = io.BytesIO()
    wb.save(buf)
    return normalise_zip(buf.getvalue())


def normalise_zip(data: bytes) -> bytes:
    """The same zip with fixed entry times, a fixed entry order and fixed core-property timestamps."""
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        names = src.namelist()
        first = [n for n in ("[Content_Types].xml", "_rels/.rels") if n in names]
        for name in first + sorted(n for n in names if n not in first):
            content = src.read(name)
            if name == "docProps/core.xml":
                content = _CORE_TIME.sub(lambda m: m.group(1) + stamp + m.group(3), content)
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            info.create_system = 0
            dst.writestr(info, content, compresslevel=6)
    return out.getvalue()


def xls_bytes(sheets: list[SheetGrid]) -> bytes:
    wb = xlwt.Workbook(encoding="utf-8")
    bold = xlwt.easyxf("font: bold on; align: wrap on, vert centre, horiz center")
    plain = xlwt.Style.default_style
    for grid in sheets:
        ws = wb.add_sheet(grid.name[:31], cell_overwrite_ok=True)
        merged_cells: set[tuple[int, int]] = set()
        for r0, c0, r1, c1 in grid.merges:
            value = grid.rows[r0][c0] if c0 < len(grid.rows[r0]) else None
            ws.write_merge(r0, r1, c0, c1, value, bold if (r0, c0) in grid.bold else plain)
            merged_cells.update((r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1))
        for r, row in enumerate(grid.rows):
            for c, value in enumerate(row):
                if value is None or (r, c) in merged_cells:
                    continue
                ws.write(r, c, value, bold if (r, c) in grid.bold else plain)
        for c, w in grid.widths.items():
            ws.col(c).width = int(w * 256)
        if grid.hidden:
            ws.visibility = 1
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def csv_bytes(grid: SheetGrid, *, bom: bool, delimiter: str) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    width = max(len(r) for r in grid.rows)
    for row in grid.rows:
        writer.writerow(["" if v is None else str(v) for v in row] + [""] * (width - len(row)))
    return buf.getvalue().encode("utf-8-sig" if bom else "utf-8")
