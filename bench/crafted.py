"""Building crafted workbooks part by part, for the hostile corpus and the tests of intake: a worksheet part, the
parts of a one-sheet workbook around it, a zip of parts, and a minimal OLE2 compound file. Each part is written as
a crafted file would be (a lying ``<dimension>``, a DOCTYPE), which no spreadsheet library lets one write."""

from __future__ import annotations

import struct
import zipfile
from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import escape

from sources.common.findings import cell_address

MiB = 1 << 20
MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
MACRO_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
SHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def sheet_xml(
    grid: Sequence[Sequence[object]],
    formulas: dict[str, str] | None = None,
    dimension: str | None = None,
    doctype: str = "",
) -> bytes:
    """A worksheet part: text as inline strings, numbers as values; ``formulas`` maps a cell to a formula whose
    cached value is the grid's value."""
    formulas = formulas or {}
    out = []
    for r, row in enumerate(grid):
        cells = []
        for c, v in enumerate(row):
            ref = cell_address(r, c)
            f = f"<f>{escape(formulas[ref])}</f>" if ref in formulas else ""
            if v is None:
                continue
            if isinstance(v, str):
                cells.append(f'<c r="{ref}" t="inlineStr">{f}<is><t>{escape(v)}</t></is></c>')
            else:
                cells.append(f'<c r="{ref}">{f}<v>{v}</v></c>')
        out.append(f'<row r="{r + 1}">{"".join(cells)}</row>')
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n{doctype}<worksheet {NS}>{dim}'
        f"<sheetData>{''.join(out)}</sheetData></worksheet>"
    ).encode()


def workbook_parts(
    sheet: bytes,
    *,
    main: str = MAIN,
    extra: dict[str, bytes] | None = None,
    workbook_prefix: str = "",
    overrides: Sequence[tuple[str, str]] = (),
) -> dict[str, bytes]:
    """The parts of a one-sheet workbook ("Biểu 01") around ``sheet``."""
    over = "".join(f'<Override PartName="{p}" ContentType="{t}"/>' for p, t in overrides)
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{main}"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{SHEET}"/>{over}</Types>'
        ).encode(),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            f'2006/relationships"><Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ).encode(),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?>{workbook_prefix}<workbook {NS} xmlns:r="{REL}"><sheets>'
            '<sheet name="Biểu 01" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ).encode(),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            f'2006/relationships"><Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>'
            "</Relationships>"
        ).encode(),
        "xl/worksheets/sheet1.xml": sheet,
    }
    return {**parts, **(extra or {})}


def write_zip(path: Path, parts: dict[str, bytes]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return path


def ole2(streams: dict[str, bytes]) -> bytes:
    """A minimal OLE2 compound file (v3, 512-byte sectors) holding ``streams`` (each ≥ 4096 bytes so no mini
    stream is needed): enough for ``olefile`` to list them, as an encrypted Office file looks from outside."""
    end, free, fat_sect, nostream = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    fat, sectors, starts = [fat_sect, end], [], []
    for data in streams.values():
        data = data.ljust(max(4096, -(-len(data) // 512) * 512), b"\0")
        first = 2 + len(sectors)
        n = len(data) // 512
        starts.append((first, len(data)))
        sectors += [data[i * 512 : (i + 1) * 512] for i in range(n)]
        fat += [first + i + 1 for i in range(n - 1)] + [end]
    assert len(fat) <= 128
    fat += [free] * (128 - len(fat))

    def entry(name: str, kind: int, child: int, right: int, start: int, size: int) -> bytes:
        raw = (name + "\0").encode("utf-16-le") if name else b""
        return (
            raw.ljust(64, b"\0")
            + struct.pack("<HBBIII", len(raw), kind, 1, nostream, right, child)
            + b"\0" * 36
            + struct.pack("<IQ", start, size)
        )

    names = list(streams)
    directory = entry("Root Entry", 5, 1, nostream, end, 0) + b"".join(
        entry(n, 2, nostream, i + 2 if i + 1 < len(names) else nostream, s, size)
        for i, (n, (s, size)) in enumerate(zip(names, starts, strict=True))
    )
    directory = directory.ljust(512, b"\0")
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\0" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\0" * 6
        + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, end, 0, end, 0)
        + struct.pack("<I", 0)
        + struct.pack("<I", free) * 108
    )
    return header + struct.pack("<128I", *fat) + directory + b"".join(sectors)
