"""The cases of the hostile corpus about a sheet's size (issue #30): a sheet is judged by the cells that hold a
value, never by the extent it declares. Files that declare far more than they hold are read (a ``<dimension>`` of
``A1:XFD1048576``, a million empty styled cells out to column XFD, empty rows down to row 1,048,576, an .xls
``DIMENSIONS`` record claiming 2³² rows, a CSV line of three million separators); files whose values do not fit
are refused (a value in IV65536 of an .xls, a shared strings table of two million strings, or one declaring a
hundred billion). Appended to ``bench.hostile_corpus.CASES``; built with ``bench.crafted``."""

from __future__ import annotations

import struct
from collections.abc import Callable, Sequence
from pathlib import Path

import olefile
import xlwt

from bench.crafted import NS, sheet_xml, workbook_parts, write_zip
from bench.hostile_corpus import GOOD, Hostile
from sources.common.findings import cell_address

SHARED_STRINGS = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
END = b"</sheetData></worksheet>"


def empty_cells_to_xfd(count: int = 1_000_000) -> bytes:
    """GOOD, then ``count`` empty styled cells (``<c r="XFD20" s="1"/>``) in the rows below it, out to column
    XFD: what a department's "format the whole row" writes, a million times over."""
    cells, row = [], len(GOOD) + 1
    while len(cells) < count:
        cells.append(f'<row r="{row}" spans="1:16384">')
        cells += [f'<c r="{cell_address(row - 1, c)}" s="1"/>' for c in range(min(16384, count - len(cells)))]
        cells.append("</row>")
        row += 1
    return sheet_xml(GOOD)[: -len(END)] + "".join(cells).encode() + END


def deep_empty_rows() -> bytes:
    """GOOD, then empty formatted rows spanning every column down to row 1,048,576."""
    rows = "".join(
        f'<row r="{r}" spans="1:16384" s="1" customFormat="1" ht="15"/>' for r in [*range(200_000, 1_048_576, 65_536)]
    )
    return sheet_xml(GOOD)[: -len(END)] + rows.encode() + b'<row r="1048576" spans="1:16384" ht="15"/>' + END


def shared_strings(count: int, declared: int | None = None) -> dict[str, bytes]:
    """The parts of GOOD's workbook with a shared strings table of ``count`` strings that declares
    ``declared`` (default: ``count``) of them."""
    table = b"".join(b"<si><t>%d</t></si>" % i for i in range(count))
    sst = f'<?xml version="1.0" encoding="UTF-8"?><sst {NS} count="{count}" uniqueCount="{declared or count}">'
    parts = workbook_parts(sheet_xml(GOOD), overrides=[("/xl/sharedStrings.xml", SHARED_STRINGS)])
    return {**parts, "xl/sharedStrings.xml": sst.encode() + table + b"</sst>"}


def xls(path: Path, grid: Sequence[Sequence[object]], far: tuple[int, int] | None = None) -> Path:
    """``grid`` as an .xls (xlwt), with a number at the 0-based cell ``far`` when given."""
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("Biểu 01")
    for r, row in enumerate(grid):
        for c, value in enumerate(row):
            if value is not None:
                ws.write(r, c, value)
    if far:
        ws.write(*far, 1)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(str(path))
    return path


def set_xls_dimensions(path: Path, rows: int, cols: int, first_row: int = 0) -> Path:
    """Make every DIMENSIONS record of the .xls at ``path`` claim rows ``first_row`` … ``rows`` - 1 × ``cols``
    columns (in place)."""
    with olefile.OleFileIO(str(path), write_mode=True) as ole:
        stream = bytearray(ole.openstream("Workbook").read())
        at = 0
        while at + 4 <= len(stream):
            kind, size = struct.unpack_from("<HH", stream, at)
            if kind == 0x0200 and size >= 14:
                struct.pack_into("<IIHH", stream, at + 4, first_row, rows, 0, cols)
            at += 4 + size
        ole.write_stream("Workbook", bytes(stream))
    return path


def good_csv() -> str:
    return "\n".join(",".join("" if v is None else str(v) for v in row) for row in GOOD) + "\n"


def _xlsx(filename: str, parts: Callable[[], dict[str, bytes]]) -> Callable[[Path], Path]:
    return lambda folder: write_zip(folder / filename, parts())


def _csv(filename: str, text: Callable[[], str]) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        (folder / filename).write_bytes(text().encode("utf-8-sig"))
        return folder / filename

    return make


def _xls(
    filename: str, far: tuple[int, int] | None = None, dimensions: tuple[int, int] | None = None
) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        path = xls(folder / filename, GOOD, far)
        return set_xls_dimensions(path, *dimensions) if dimensions else path

    return make


CASES = [
    Hostile(
        "declared_extent_only",
        _xlsx("pham_vi_khai_bao_2022.xlsx", lambda: workbook_parts(sheet_xml(GOOD, dimension="A1:XFD1048576"))),
        "valid",
        None,
    ),
    Hostile(
        "million_empty_cells_to_xfd",
        _xlsx("o_trong_den_XFD_2022.xlsx", lambda: workbook_parts(empty_cells_to_xfd())),
        "valid",
        None,
    ),
    Hostile(
        "deep_empty_rows", _xlsx("dong_trong_sau_2022.xlsx", lambda: workbook_parts(deep_empty_rows())), "valid", None
    ),
    Hostile("xls_lying_dimensions", _xls("dimensions_gia_2022.xls", dimensions=(0xFFFF_FFF0, 256)), "valid", None),
    Hostile(
        "csv_line_of_separators",
        _csv("dong_dau_phay_2022.csv", lambda: good_csv() + "," * 3_000_000 + "\n"),
        "valid",
        None,
    ),
    Hostile("xls_far_cell", _xls("o_xa.xls", far=(65_535, 255)), "unreadable", "sheet_too_large"),
    Hostile(
        "huge_shared_strings",
        _xlsx("chuoi_nhieu.xlsx", lambda: shared_strings(2_000_001)),
        "unreadable",
        "too_many_strings",
    ),
    Hostile(
        "declared_shared_strings",
        _xlsx("chuoi_khai_bao.xlsx", lambda: shared_strings(1, declared=100_000_000_000)),
        "unreadable",
        "too_many_strings",
    ),
]
