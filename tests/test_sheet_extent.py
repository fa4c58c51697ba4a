"""A sheet is judged by the cells that hold a value, never by the extent it declares (issue #30).

Real files: a district office's 120 KB workbook that declares ``A1:WVO225``; sample department workbooks
(``sources.samples``) rewritten the way Excel writes rows formatted to the end (``<dimension ref="A1:XFD24">``,
``spans="1:16384"``, styled empty cells out to column XFD, empty rows down to 1,048,576), an .xls whose
``DIMENSIONS`` record claims the whole sheet, a CSV with lines of separators. Each reads exactly as the
unmodified file; values past the budget are refused with the cell and the count. How the guard counts cells as
calamine places them is in ``tests/test_sheet_extent_scan.py``; the hostile corpus (``bench/hostile_extent.py``)
has the crafted cases, ``bench/hostile.py`` measures them."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import struct
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from bench.crafted import ole2, sheet_xml, workbook_parts, write_zip
from bench.hostile_corpus import GOOD
from bench.hostile_extent import set_xls_dimensions, xls
from pipelines.validate import validate, validate_command
from sources.common.findings import cell_address
from sources.intake import Sandbox, read_untrusted
from sources.intake import limits as L
from sources.intake.grid import _BLANK, Sheet, _used, read_sheets
from sources.intake.sandbox import read_in_sandbox
from sources.intake.zipguard import inspect_zip
from sources.samples import write_samples

ROOT = Path(__file__).resolve().parents[1]
REALWORLD = ROOT.parent / "shared" / "realworld"  # beside the checkout (its README: never committed here)
KTXH = "ktxh_tonghop_giatri_15-25.xlsx"
TELECOM_XLSX = "telecom/BC_vien_thong_BacKan_2022.xlsx"
TELECOM_XLS = "telecom/vien_thong_bac_kan_2020.xls"
POPULATION_CSV = "population/dan_so_ben_tre_2021.csv"


def realworld(name: str = "") -> Path:
    """A file of ``../shared/realworld``: required under ``CI=true``, else its absence skips loudly."""
    path = REALWORLD / name
    if not path.exists():
        message = f"{path} is missing: the shared real-world files sit beside the checkout (../shared/realworld)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + " — required under CI=true")
        pytest.skip(message)
    return path


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("samples")
    return {p.relative_to(out).as_posix(): p for p in write_samples(out)}


def _cell(address: str) -> tuple[int, int]:
    letters, digits = re.fullmatch(r"([A-Z]+)(\d+)", address).groups()  # type: ignore[union-attr]
    col = 0
    for ch in letters:
        col = col * 26 + ord(ch) - 64
    return int(digits) - 1, col - 1


def _rewrite_sheets(src: Path, dst: Path, rewrite: Callable[[bytes], bytes]) -> Path:
    """``src`` with each worksheet part passed through ``rewrite``; every other part as it was."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                data = rewrite(data)
            zout.writestr(info, data)
    return dst


def formatted_to_xfd(xml: bytes) -> bytes:
    """A sheet as Excel writes it when whole rows are formatted: every row spans A:XFD with a style and has styled
    empty cells out to XFD, the sheet declares ``A1:XFD<last row>``, and empty formatted rows go down to row
    1,048,576."""
    last = max(int(r) for r in re.findall(rb'<row r="(\d+)"', xml))
    xml = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD%d"' % last, xml)

    def row(m: re.Match[bytes]) -> bytes:
        r = m.group(1).decode()
        empty = "".join(f'<c r="{_letters(c)}{r}" s="1"/>' for c in range(300, 16385, 256)) + f'<c r="XFD{r}" s="1"/>'
        return b'<row r="%s" spans="1:16384" s="1" customFormat="1"%s>%s%s</row>' % (
            m.group(1),
            m.group(2),
            m.group(3),
            empty.encode(),
        )

    xml = re.sub(rb'<row r="(\d+)"([^>]*?)>(.*?)</row>', row, xml, flags=re.DOTALL)
    deep = b"".join(b'<row r="%d" spans="1:16384" s="1" customFormat="1"/>' % r for r in (100_001, 500_000, 1_048_576))
    return xml.replace(b"</sheetData>", deep + b"</sheetData>")


def _letters(col: int) -> str:
    out = ""
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def _same_read(original: Path, changed: Path) -> None:
    """``changed`` passes intake and reads exactly as ``original``: the same grids, verdict and values."""
    findings, sheets = read_untrusted(changed, changed.name)
    assert [f.rule for f in findings if f.severity == "error"] == [], [f.message_en for f in findings]
    assert _grids(sheets) == _grids(read_untrusted(original, original.name)[1])
    status, result = validate(changed)
    original_status, original_result = validate(original)
    assert (status, result.source, result.period) == (original_status, original_result.source, original_result.period)
    assert status == "valid" and result.values.height > 0
    assert result.values.equals(original_result.values)


def _grids(sheets: list[Sheet] | None) -> list[tuple[object, ...]]:
    """Each sheet's name, cells, merged ranges (in any order) and visibility."""
    return [(s.name, s.rows, sorted(s.merges), s.visible) for s in sheets or []]


def test_a_real_workbook_declaring_column_wvo_is_out_of_scope_not_too_large(capsys: pytest.CaptureFixture[str]) -> None:
    path = realworld(KTXH)
    with zipfile.ZipFile(path) as zf:
        assert b'<dimension ref="A1:WVO225"/>' in zf.read("xl/worksheets/sheet1.xml")  # what was refused
    code = validate_command(path, None, None, as_json=True)
    out = json.loads(capsys.readouterr().out)
    assert [f["rule"] for f in out["findings"] if f["severity"] == "error"] == ["no_spec_matched"]
    assert (out["status"], code) == ("invalid", 1)
    findings, sheets = read_untrusted(path, path.name)
    assert findings == [] and sheets is not None
    [sheet] = sheets
    assert (sheet.name, len(sheet.rows), sheet.width) == ("TONG HOP", 215, 18)  # its values end in column R
    with (REALWORLD / "cells.tsv").open(encoding="utf-8") as f:
        by_hand = [r for r in csv.DictReader(f, delimiter="\t") if r["file"] == KTXH]
    assert len(by_hand) == 3
    for r in by_hand:
        assert sheet.cell(*_cell(r["cell"])) == pytest.approx(float(r["value_as_in_cell"])), r["cell"]


def test_a_department_workbook_formatted_to_column_xfd_loads_exactly(samples: dict[str, Path], tmp_path: Path) -> None:
    original = samples[TELECOM_XLSX]
    changed = _rewrite_sheets(original, tmp_path / original.name, formatted_to_xfd)
    with zipfile.ZipFile(changed) as zf:
        xml = zf.read("xl/worksheets/sheet2.xml")
    assert b'<dimension ref="A1:XFD24"' in xml and b'<c r="XFD24" s="1"/>' in xml and b'<row r="1048576"' in xml
    _same_read(original, changed)


def test_a_value_one_column_past_the_budget_is_refused_naming_its_cell(tmp_path: Path) -> None:
    grid = [list(GOOD[0]) + [None] * (L.MAX_COLS - 1) + ["ghi chú"], *GOOD[1:]]
    path = write_zip(tmp_path / "rong_qua_2022.xlsx", workbook_parts(sheet_xml(grid, dimension="A1:D11")))
    [finding] = read_untrusted(path, path.name)[0]
    assert (finding.rule, finding.cell, finding.found) == ("sheet_too_large", "ALM1", f"11 × {L.MAX_COLS + 1}")
    assert "1001 columns > 1000" in finding.message_en and "1001 cột" in finding.message_vi


def test_more_cells_with_values_than_the_budget_are_refused_with_the_count(tmp_path: Path) -> None:
    """2,000,001 cells with a value within A1:J100 (a value written again at a cell calamine has: each is one
    more in its list)."""
    cells = b"".join(
        b'<c r="%s%d"><v>%d</v></c>' % (b"ABCDEFGHIJ"[i % 10 : i % 10 + 1], i // 10 % 100 + 1, i % 997)
        for i in range(L.MAX_CELLS + 1)
    )
    xml = sheet_xml([["Năm 2022"]])[: -len(b"</sheetData></worksheet>")] + b"<row>" + cells + b"</row>"
    path = write_zip(tmp_path / "nhieu_o.xlsx", workbook_parts(xml + b"</sheetData></worksheet>"))
    [finding] = inspect_zip(path, path.name)
    assert (finding.rule, finding.found) == ("sheet_too_large", f"> {L.MAX_CELLS} cells with values")
    assert f"more than {L.MAX_CELLS} cells with values" in finding.message_en
    assert f"hơn {L.MAX_CELLS} ô chứa giá trị" in finding.message_vi


def test_an_xls_whose_dimensions_record_claims_the_whole_sheet_loads_exactly(
    samples: dict[str, Path], tmp_path: Path
) -> None:
    """Excel's DIMENSIONS covers every formatted blank (here 65,536 × 256, as xlwt writes it for blank styled
    cells out to IV65536); a crafted one claims 2³² rows, or a first row past its last. calamine reserves what it
    claims; intake gives it a copy in memory claiming the extent of the values; the delivered file never changes."""
    original = samples[TELECOM_XLS]
    formatted = _xls_formatted_to_the_end(read_sheets(original), tmp_path / "formatted" / original.name)
    assert _dimensions(formatted) == [(0, 65536, 256)]
    crafted, inverted = tmp_path / "crafted" / original.name, tmp_path / "inverted" / original.name
    for path in (crafted, inverted):
        path.parent.mkdir()
        path.write_bytes(original.read_bytes())
    set_xls_dimensions(crafted, 0xFFFF_FFF0, 256)
    assert _dimensions(crafted) == [(0, 0xFFFF_FFF0, 256)]
    set_xls_dimensions(inverted, 50, 10, first_row=100)  # calamine: 50 - 100 rows, wrapping to 4 billion
    assert _dimensions(inverted) == [(100, 50, 10)]
    for changed in (formatted, crafted, inverted):
        digest = hashlib.sha256(changed.read_bytes()).digest()
        _same_read(original, changed)
        assert hashlib.sha256(changed.read_bytes()).digest() == digest
    sandbox = Sandbox()
    try:  # what the rewrite spares: calamine alone aborts on the crafted records, in its own worker
        for changed in (crafted, inverted):
            findings, sheets = read_in_sandbox(changed, changed.name, sandbox, guard=False)
            assert sheets is None and findings[0].rule == "reader_crashed"
    finally:
        sandbox.close()


def _xls_formatted_to_the_end(sheets: list[Sheet], path: Path) -> Path:
    """``sheets`` as an .xls (their values and merges) with every row formatted out to column IV and formatted
    rows down to row 65,536: BLANK records, which Excel's DIMENSIONS record covers."""
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    style = xlwt.easyxf("pattern: pattern solid, fore_colour yellow")
    for sheet in sheets:
        ws = wb.add_sheet(sheet.name, cell_overwrite_ok=True)
        merged = {(r, c) for r0, c0, r1, c1 in sheet.merges for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)}
        for r0, c0, r1, c1 in sheet.merges:
            ws.write_merge(r0, r1, c0, c1, sheet.cell(r0, c0))
        for r, row in enumerate(sheet.rows):
            for c, value in enumerate(row):
                if value is not None and (r, c) not in merged:
                    ws.write(r, c, value)
            ws.write(r, 255, None, style)
        for r in range(len(sheet.rows), 65536, 4096):
            ws.write(r, 0, None, style)
        ws.write(65535, 255, None, style)
    path.parent.mkdir(parents=True)
    wb.save(str(path))
    return path


def _dimensions(path: Path) -> list[tuple[int, int, int]]:
    import olefile

    with olefile.OleFileIO(str(path)) as ole:
        data = ole.openstream("Workbook").read()
    out, at = [], 0
    while at + 4 <= len(data):
        kind, size = struct.unpack_from("<HH", data, at)
        if kind == 0x0200:
            first, rows, _, cols = struct.unpack_from("<IIHH", data, at + 4)
            out.append((first, rows, cols))
        at += 4 + size
    return out


def test_an_xls_with_a_value_in_iv65536_is_refused(tmp_path: Path) -> None:
    path = xls(tmp_path / "o_xa.xls", GOOD, far=(65535, 255))
    [finding] = read_untrusted(path, path.name)[0]
    assert (finding.rule, finding.sheet, finding.cell) == ("sheet_too_large", "Biểu 01", "IV65536")
    assert "65536 × 256 = 16777216 cells > 2000000" in finding.message_en


def test_an_xls_sheet_is_walked_from_where_its_boundsheet_record_points(tmp_path: Path) -> None:
    """calamine reads a sheet from the offset its BOUNDSHEET record gives: here, records hidden inside another
    record of the globals, with a value in IV65536. Walking the stream record after record never sees them."""

    def records(*pairs: tuple[int, bytes]) -> bytes:
        return b"".join(struct.pack("<HH", kind, len(body)) + body for kind, body in pairs)

    bof, eof = (0x0809, struct.pack("<HHHH", 0x0600, 0x10, 0, 0)), (0x000A, b"")
    hidden = records(bof, *((0x0203, struct.pack("<HHHd", r, c, 0, 1.0)) for r, c in ((0, 0), (65535, 255))), eof)

    def globals_(at: int) -> bytes:
        return records(bof, (0x0085, struct.pack("<IBBBB", at, 0, 0, 2, 0) + b"S1"), (0x00FF, hidden), eof)

    at = len(records(bof, (0x0085, struct.pack("<IBBBB", 0, 0, 0, 2, 0) + b"S1"))) + 4
    stream = globals_(at) + records(bof, (0x0203, struct.pack("<HHHd", 0, 0, 0, 2.0)), eof)
    path = tmp_path / "an.xls"
    path.write_bytes(ole2({"Workbook": stream}))
    [finding] = read_untrusted(path, path.name)[0]
    assert (finding.rule, finding.sheet, finding.cell) == ("sheet_too_large", "S1", "IV65536")
    sandbox = Sandbox()
    try:
        findings, sheets = read_in_sandbox(path, path.name, sandbox, guard=False)
        assert sheets is None and findings[0].rule == "reader_crashed"  # calamine alone: 512 MiB, then abort
    finally:
        sandbox.close()


def test_a_csv_with_lines_of_separators_loads_exactly(samples: dict[str, Path], tmp_path: Path) -> None:
    """Every line followed by 16,383 separators (Excel's CSV of a sheet formatted to XFD), and a last line of
    three million."""
    original = samples[POPULATION_CSV]
    text = original.read_bytes().decode("utf-8-sig")
    delimiter = ";" if text.count(";") > text.count(",") else ","
    lines = text.splitlines()
    wide = "\n".join(line + delimiter * 16383 for line in lines) + "\n" + delimiter * 3_000_000 + "\n"
    changed = tmp_path / original.name
    changed.write_bytes(wide.encode("utf-8-sig"))
    _same_read(original, changed)


def test_a_csv_value_past_the_budget_is_refused_and_a_long_quoted_run_stays_too_long(tmp_path: Path) -> None:
    far = tmp_path / "xa_2022.csv"
    far.write_text("Năm 2022\n" + "," * 50_000 + "1\n", encoding="utf-8")
    [finding] = read_untrusted(far, far.name)[0]
    assert (finding.rule, finding.cell, finding.sheet) == ("sheet_too_large", "AVLI2", None)
    assert "32769 columns > 1000" in finding.message_en  # the run of 50,000 separators was cut to 32,768
    assert finding.cell == cell_address(1, L.MAX_CELL_CHARS + 1)
    quoted = tmp_path / "ghi_chu_2022.csv"
    quoted.write_text('Năm 2022\n"Ghi chú' + "," * 50_000 + '"\n', encoding="utf-8")
    [finding] = read_untrusted(quoted, quoted.name)[0]
    assert finding.rule == "cell_too_long"


def test_a_rows_used_width_ends_at_its_last_value() -> None:
    """What ``_used`` strips in C is what str.strip() strips; a field of NULs (UTF-16 text keeps them) is a value."""
    assert set(_BLANK) - {"\0"} == {c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace()}
    for fields, used in [
        (["a", "", " "] + [""] * 100, 1),
        (["a"] + ["\u3000", " \t"] * 50 + ["b", " "] + [""] * 70, 102),
        ([""] * 80 + ["\0"] + [""] * 10, 81),
        (["x\0y"] + [" "] * 99, 1),
        ([" "] * 200, 0),
    ]:
        assert _used(fields) == used, fields[:3]
