"""A corpus of hostile and personal files, written by code (nothing binary is checked in), each with the verdict
and rule ``xhs validate`` must give. Used by ``tests/test_hostile.py`` and ``bench/hostile.py``.

Workbooks are written part by part (``bench.crafted``) so each case controls exactly what a crafted file would:
a lying ``<dimension>``, a DOCTYPE, sizes in the zip headers that lie, a 1 GiB entry deflated to 1 MB.
"""

from __future__ import annotations

import random
import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.corpus import HEADER, TITLE, TOTAL, rows
from bench.crafted import MACRO_MAIN, NS, REL, MiB, ole2, sheet_xml, workbook_parts, write_zip

GOOD = [TITLE, HEADER, *rows(), TOTAL]  # a valid telecom report (bench.corpus)

# Fake person-level values: shaped like real ones (12-digit citizen IDs, mobile numbers), belonging to no one.
PEOPLE = [
    (f"Nguyễn Văn {chr(65 + i)}", f"00609{i:04d}234", f"0912{i:03d}678", f"0{i % 9 + 1}/0{i % 9 + 1}/19{70 + i}")
    for i in range(20)
]
PERSONAL_VALUES = [v for _, cid, phone, _ in PEOPLE for v in (cid, phone)]


def _xlsx(filename: str, parts: Callable[[], dict[str, bytes]]) -> Callable[[Path], Path]:
    return lambda folder: write_zip(folder / filename, parts())


def _bytes(filename: str, data: Callable[[], bytes]) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        (folder / filename).write_bytes(data())
        return folder / filename

    return make


def zip_bomb(folder: Path) -> Path:
    """A 1 GiB worksheet of empty rows deflated to about 1 MB, written without ever holding it in memory."""
    path = folder / "bom_nen.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in workbook_parts(b"").items():
            if name != "xl/worksheets/sheet1.xml":
                zf.writestr(name, data)
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as w:
            w.write(f'<?xml version="1.0"?><worksheet {NS}><sheetData>'.encode())
            block = b"<row/>" * (MiB // 6)
            for _ in range(1024):
                w.write(block)
            w.write(b"</sheetData></worksheet>")
    return path


def lying_sizes(folder: Path) -> Path:
    """A valid zip whose headers declare a 1,000-byte worksheet that really inflates to ~6 MB."""
    rnd = random.Random(7)
    big = [[*r, *(rnd.randrange(10**6) for _ in range(20))] for r in [HEADER] + [[1, "Ba Bể", 5, 3]] * 6_000]
    path = write_zip(folder / "kich_thuoc_gia.xlsx", workbook_parts(sheet_xml([TITLE, *big])))
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
    struct.pack_into("<I", data, info.header_offset + 22, 1000)  # local header: uncompressed size
    central = data.find(b"PK\x01\x02")
    while central >= 0:
        (name_len,) = struct.unpack_from("<H", data, central + 28)
        if data[central + 46 : central + 46 + name_len] == b"xl/worksheets/sheet1.xml":
            struct.pack_into("<I", data, central + 24, 1000)  # central directory: uncompressed size
        central = data.find(b"PK\x01\x02", central + 4)
    path.write_bytes(bytes(data))
    return path


def person_grid() -> list[list[object]]:
    return [
        ["DANH SÁCH NGƯỜI DÂN ĐÃ KÍCH HOẠT TÀI KHOẢN ĐỊNH DANH ĐIỆN TỬ NĂM 2024"],
        ["STT", "Họ và tên", "Số CCCD", "Số điện thoại", "Ngày sinh", "Đơn vị hành chính"],
        *[[i + 1, n, cid, phone, born, "Ba Bể"] for i, (n, cid, phone, born) in enumerate(PEOPLE)],
    ]


def person_csv() -> bytes:
    """A list of people with no telling headers: caught by its values."""
    lines = ["Đơn vị hành chính,Mã,Liên hệ,Thuê bao di động"]
    lines += [f"Ba Bể,{cid},{phone},1" for _, cid, phone, _ in PEOPLE]
    return ("\n".join(lines) + "\n").encode("utf-8-sig")


BILLION_LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">' for i in range(1, 10))
    + "]>\n"
)
XXE = '<!DOCTYPE workbook [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
EXTERNAL_LINK = (
    f'<?xml version="1.0" encoding="UTF-8"?><externalLink {NS}><externalBook xmlns:r="{REL}" '
    'r:id="rId1"><sheetNames><sheetName val="Sheet1"/></sheetNames></externalBook>'
    "</externalLink>"
).encode()


def _random_letters(n: int, seed: int = 3) -> str:
    table = bytes(97 + b % 26 for b in range(256))
    return random.Random(seed).randbytes(n).translate(table).decode()


@dataclass(frozen=True)
class Hostile:
    name: str
    make: Callable[[Path], Path]
    status: str  # unreadable | valid
    rule: str | None  # the first error's rule; for a valid file, a warning rule it must carry (or None)


CASES = [
    Hostile("zip_bomb", zip_bomb, "unreadable", "zip_bomb"),
    Hostile("lying_zip_header", lying_sizes, "unreadable", "zip_size_mismatch"),
    Hostile(
        "sparse_corner_cell",
        _xlsx(
            "o_goc.xlsx",
            lambda: workbook_parts(
                sheet_xml([["Năm 2022"]], dimension="A1:XFD1048576")[: -len("</sheetData></worksheet>")]
                + b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData></worksheet>'
            ),
        ),
        "unreadable",
        "sheet_too_large",
    ),
    Hostile(
        "corner_cell_lying_dimension",
        _xlsx(
            "o_goc_an.xlsx",
            lambda: workbook_parts(
                sheet_xml([["Năm 2022"]], dimension="A1")[: -len("</sheetData></worksheet>")]
                + b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData></worksheet>'
            ),
        ),
        "unreadable",
        "sheet_too_large",
    ),
    Hostile(
        "huge_single_cell",
        _xlsx("o_khong_lo.xlsx", lambda: workbook_parts(sheet_xml([TITLE, ["Ghi chú", _random_letters(8 * MiB)]]))),
        "unreadable",
        "cell_too_long",
    ),
    Hostile(
        "cell_over_excel_limit",
        _xlsx("o_dai.xlsx", lambda: workbook_parts(sheet_xml([TITLE, HEADER, ["Ghi chú", "x" * 40_000]]))),
        "unreadable",
        "cell_too_long",
    ),
    Hostile(
        "billion_laughs",
        _xlsx("tieng_cuoi.xlsx", lambda: workbook_parts(sheet_xml([["&lol9;"]], doctype=BILLION_LAUGHS))),
        "unreadable",
        "xml_entities",
    ),
    Hostile(
        "xxe",
        _xlsx("xxe.xlsx", lambda: workbook_parts(sheet_xml(GOOD), workbook_prefix=XXE)),
        "unreadable",
        "xml_entities",
    ),
    Hostile(
        "encrypted_xlsx",
        _bytes(
            "mat_khau.xlsx",
            lambda: ole2(
                {
                    "EncryptionInfo": b"\x04\x00\x04\x00\x40\x00\x00\x00" + b"\0" * 4088,
                    "EncryptedPackage": random.Random(1).randbytes(8192),
                }
            ),
        ),
        "unreadable",
        "password_protected",
    ),
    Hostile(
        "encrypted_xls",
        _bytes(
            "mat_khau.xls",
            lambda: ole2(
                {
                    "Workbook": (
                        struct.pack("<HH", 0x0809, 16)
                        + struct.pack("<HHHHII", 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 0x0406)
                        + struct.pack("<HH", 0x002F, 54)
                        + b"\x01\x00\x01\x00\x01\x00"
                        + random.Random(2).randbytes(48)
                        + struct.pack("<HH", 0x000A, 0)
                    )
                }
            ),
        ),
        "unreadable",
        "password_protected",
    ),
    Hostile(
        "too_many_entries",
        _xlsx(
            "nhieu_phan.xlsx",
            lambda: workbook_parts(sheet_xml(GOOD), extra={f"xl/media/image{i}.png": b"" for i in range(2_500)}),
        ),
        "unreadable",
        "zip_too_many_entries",
    ),
    Hostile(
        "excel_2003_xml",
        _bytes(
            "excel2003.xls",
            lambda: (
                '<?xml version="1.0"?><?mso-application progid="Excel.Sheet"?>'
                '<Workbook xmlns="urn:schemas-microsoft-com:'
                'office:spreadsheet"><Worksheet ss:Name="Biểu 01"><Table/></Worksheet></Workbook>'
            ).encode(),
        ),
        "unreadable",
        "unsupported_format",
    ),
    Hostile(
        "opendocument",
        _xlsx(
            "bang_tinh.xlsx",
            lambda: {"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<office/>"},
        ),
        "unreadable",
        "unsupported_format",
    ),
    Hostile(  # a line of 1.5 million values (separators alone are read: bench/hostile_extent.py)
        "csv_too_many_fields",
        _bytes("nhieu_cot.csv", lambda: "Năm 2022\n".encode() + b"1," * 1_500_000 + b"\n"),
        "unreadable",
        "sheet_too_large",
    ),
    Hostile(
        "macro_xlsm",
        _xlsx(
            "macro.xlsm",
            lambda: workbook_parts(
                sheet_xml(GOOD),
                main=MACRO_MAIN,
                extra={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0" + b"\0" * 1000},
                overrides=[("/xl/vbaProject.bin", "application/vnd.ms-office.vbaProject")],
            ),
        ),
        "unreadable",
        "macro_enabled",
    ),
    Hostile(
        "html_as_xls",
        _bytes(
            "trang_web.xls",
            lambda: (
                "<html><head><meta charset='utf-8'></head><body><table>"
                "<tr><td>Đơn vị hành chính</td><td>Di động</td></tr>"
                "<tr><td>Ba Bể</td><td>1000</td></tr></table></body></html>"
            ).encode(),
        ),
        "unreadable",
        "html_not_workbook",
    ),
    Hostile(
        "truncated",
        lambda folder: _truncate(write_zip(folder / "cut.xlsx", workbook_parts(sheet_xml(GOOD)))),
        "unreadable",
        "unreadable",
    ),
    Hostile(
        "random_bytes",
        _bytes("ngau_nhien.xlsx", lambda: random.Random(11).randbytes(64 * 1024)),
        "unreadable",
        "unreadable",
    ),
    Hostile("empty_file", _bytes("rong.xlsx", bytes), "unreadable", "empty_file"),
    Hostile(
        "person_list",
        _xlsx("danh_sach.xlsx", lambda: workbook_parts(sheet_xml(person_grid()))),
        "unreadable",
        "personal_data",
    ),
    Hostile("person_list_values_only", _bytes("lien_he_2024.csv", person_csv), "unreadable", "personal_data"),
    # Not hostile, but must be read right: values only, by the real format.
    Hostile(
        "formula_cached_value",
        _xlsx(
            "cong_thuc.xlsx",
            lambda: workbook_parts(sheet_xml(GOOD, formulas={"C11": "SUM(C3:C10)", "D11": "SUM(D3:D10)"})),
        ),
        "valid",
        None,
    ),
    Hostile(
        "external_link_cached_value",
        _xlsx(
            "lien_ket.xlsx",
            lambda: workbook_parts(
                sheet_xml(GOOD, formulas={"C3": "[1]Sheet1!A1"}),
                extra={"xl/externalLinks/externalLink1.xml": EXTERNAL_LINK},
            ),
        ),
        "valid",
        "external_links",
    ),
    Hostile(
        "xlsx_named_xls",
        _xlsx("that_ra_xlsx_nam_2022.xls", lambda: workbook_parts(sheet_xml(GOOD))),
        "valid",
        "extension_mismatch",
    ),
]


def _truncate(path: Path) -> Path:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def write_corpus(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return {case.name: case.make(folder) for case in CASES}


def _extent_cases() -> list[Hostile]:
    """The cases about a sheet's size (issue #30), in their own module; they are built from this one's parts."""
    from bench.hostile_extent import CASES as extent

    return extent


CASES += _extent_cases()
