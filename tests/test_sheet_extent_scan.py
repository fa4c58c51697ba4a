"""The guard counts a sheet's cells with a value where calamine puts them (issue #30): the same rows × columns
as calamine on every sample and real workbook, whatever the chunks the sheet XML streams in, cells without an
``r`` placed side by side, and every way of writing a cell tag that calamine reads differently from the usual
one. Each unusual tag here made calamine alone allocate past the budget behind a first version of the guard."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from bench.crafted import sheet_xml, workbook_parts, write_zip
from sources.intake import limits as L
from sources.intake.extent import SheetCells, exact_cells
from sources.intake.grid import read_sheets
from sources.intake.ole import _walk_biff
from sources.intake.zipguard import inspect_zip
from tests.test_sheet_extent import TELECOM_XLSX, _rewrite_sheets, realworld, samples

__all__ = ["samples"]  # the fixture, shared with tests/test_sheet_extent.py


def test_the_extent_counted_is_calamines_on_every_sample_workbook(samples: dict[str, Path]) -> None:
    """The guard's rows × columns per sheet are what calamine reads (xlsx parts, xls sheets)."""
    checked = 0
    for key, path in samples.items():
        if path.suffix == ".csv":
            continue
        calamine = sorted((len(s.rows), s.width) for s in read_sheets(path))
        assert _guard_extents(path) == calamine, key
        checked += 1
    assert checked > 60


def test_the_extent_counted_is_calamines_on_the_real_workbooks() -> None:
    paths = sorted(realworld().glob("*.xls*"))
    assert len(paths) >= 10
    for path in paths:
        assert _guard_extents(path) == sorted((len(s.rows), s.width) for s in read_sheets(path)), path.name


def _guard_extents(path: Path) -> list[tuple[int, int]]:
    if path.suffix == ".xls":
        import olefile

        with olefile.OleFileIO(str(path)) as ole:
            findings, sheets = _walk_biff(ole.openstream("Workbook").read(), path.name)
        assert findings == []
        return sorted((s.extent.rows, s.extent.cols) for s in sheets)
    extents = []
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                scan = SheetCells()
                scan.feed(zf.read(name), final=True)
                assert not scan.exact
                extents.append((scan.extent.rows, scan.extent.cols))
    return sorted(extents)


def test_the_count_does_not_depend_on_where_the_chunks_end(samples: dict[str, Path]) -> None:
    """The guard reads a sheet in 1 MiB pieces: cut anywhere, even inside a tag or a cell, the count is the same
    and needs no tag-by-tag pass."""
    with zipfile.ZipFile(samples[TELECOM_XLSX]) as zf:
        xml = zf.read("xl/worksheets/sheet2.xml")
    xml = xml.replace(b"</sheetData>", b'<row r="30"><c r="B30" t="inlineStr"><is><t/></is></c></row></sheetData>')
    counts = set()
    for size in (1, 2, 3, 7, 64, 1000, len(xml)):
        scan = SheetCells()
        for at in range(0, len(xml), size):
            scan.feed(xml[at : at + size])
        scan.feed(b"", final=True)
        counts.add((scan.extent.rows, scan.extent.cols, scan.extent.cells, scan.exact))
    extent = exact_cells([xml])
    assert counts == {(extent.rows, extent.cols, extent.cells, False)}
    assert extent.rows == 30 and extent.cells > 100  # the row added at 30, and every cell of the sample's table


def test_cells_without_a_reference_are_placed_as_calamine_places_them(samples: dict[str, Path], tmp_path: Path) -> None:
    """Without ``r`` a cell goes right of the previous one, a row below the previous one: the exact count."""

    def strip_refs(xml: bytes) -> bytes:
        return re.sub(rb'(<(?:c|row)) r="[A-Z]*\d+"', rb"\1", xml)

    path = _rewrite_sheets(samples[TELECOM_XLSX], tmp_path / "khong_r.xlsx", strip_refs)
    with zipfile.ZipFile(path) as zf:
        xml = zf.read("xl/worksheets/sheet2.xml")
    scan = SheetCells()
    scan.feed(xml, final=True)
    assert scan.exact
    calamine = read_sheets(path)[1]
    extent = exact_cells([xml[:5000], xml[5000:]])
    assert (extent.rows, extent.cols) == (len(calamine.rows), calamine.width)
    assert extent.cells == sum(v is not None for row in calamine.rows for v in row)
    # … so a value placed far away without a reference is refused like any other
    far = xml.replace(b"</sheetData>", b'<row r="1048576"><c><v>1</v></c></row></sheetData>')
    [finding] = inspect_zip(write_zip(tmp_path / "xa.xlsx", workbook_parts(far)), "xa.xlsx")
    assert (finding.rule, finding.cell) == ("sheet_too_large", "A1048576")
    wide = b"<row>" + b"<c><v>1</v></c>" * (L.MAX_COLS + 1) + b"</row>"  # the row after the sheet's last
    [finding] = inspect_zip(
        write_zip(tmp_path / "rong.xlsx", workbook_parts(xml.replace(b"</sheetData>", wide + b"</sheetData>"))),
        "rong.xlsx",
    )
    assert (finding.rule, finding.cell) == ("sheet_too_large", f"ALM{xml.count(b'<row') + 1}")


@pytest.mark.parametrize(
    ("row", "cell"),
    [
        (b'<row r="1048576"><c r="XFD1048576"s="1"><v>1</v></c></row>', "XFD1048576"),  # no space: calamine reads it
        (b'<row r="1048576"><c r="A1" r="XFD1048576"><v>1</v></c></row>', "XFD1048576"),  # the last r wins
        (b'<row r="1048576"><c\n\tr = "XFD1048576"\n><v>1</v></c></row>', "XFD1048576"),
        (b'<row r="1048576"><c r="xfd1048576"><v>1</v></c></row>', "XFD1048576"),  # lower case letters
        (b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t></t></is></c></row>', "XFD1048576"),
        (b'<row r="1048576"><c r="XFD1048576" x=">"><v>1</v></c></row>', "XFD1048576"),  # ">" in quotes
        (b'<row r="1048576"><x:c r="XFD1048576"><x:v>1</x:v></x:c></row>', "XFD1048576"),  # a prefix
        # calamine stops at the third of r/s/t: this r is never read and the cells go side by side, A2 … ALM2
        (b'<row r="2">' + b'<c t="n" s="0" t="n" r="A2"><v>1</v></c>' * (L.MAX_COLS + 1) + b"</row>", "ALM2"),
        # calamine's attribute parser does not skip \x0b: the key is "\x0br", the cells go side by side
        (b'<row r="2">' + b'<c s="0"\x0br="A2"><v>1</v></c>' * (L.MAX_COLS + 1) + b"</row>", "ALM2"),
        # quick-xml ends a tag name at space, tab or a line end only: "<c\x0cr=…/>" is no cell, resets nothing
        (b'<row r="2"><c r="XFD2"/><c\x0cr="A2"/><c><v>1</v></c></row>', "XFE2"),
        # rows without r follow one another: a value below 100,001 empty ones is in row 100,003
        (b"<row/>" * (L.MAX_ROWS + 1) + b"<row><c><v>1</v></c></row>", f"A{L.MAX_ROWS + 3}"),
    ],
    ids=[
        "run_together",
        "two_r",
        "whitespace",
        "lower_case",
        "empty_text",
        "quoted_gt",
        "prefix",
        "r_unread",
        "vertical_tab",
        "form_feed_name",
        "rows_without_r",
    ],
)
def test_cells_written_unusually_are_counted_where_calamine_puts_them(row: bytes, cell: str, tmp_path: Path) -> None:
    """Every variant makes calamine alone allocate past the budget (512 GiB for XFD1048576)."""
    end = b"</sheetData></worksheet>"
    path = write_zip(tmp_path / "la.xlsx", workbook_parts(sheet_xml([["Năm 2022"]])[: -len(end)] + row + end))
    [finding] = inspect_zip(path, path.name)
    assert (finding.rule, finding.cell) == ("sheet_too_large", cell)
