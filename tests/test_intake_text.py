"""Text files in a Windows code page, with a stray byte (issue #12 item 9): a CSV in Windows-1258 or
Windows-1252 with one NUL near its end is text, decoded with a warning; TCVN3/VNI text and binary data are
still refused."""

from __future__ import annotations

import random
import unicodedata
from pathlib import Path

import pytest

from sources.intake import read_untrusted
from sources.intake.grid import Sheet, decode_text
from sources.intake.legacy import legacy_encoding
from sources.intake.sniff import sniff_bytes

TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}

POPULATION = [
    ["DÂN SỐ TRUNG BÌNH NĂM 2023 PHÂN THEO HUYỆN"],
    ["Mã", "Đơn vị hành chính", "Dân số trung bình (người)", "Mật độ dân số (người/km2)"],
    ["058", "Thành phố Bắc Kạn", "45.890", "330"],
    ["060", "Huyện Pác Nặm", "34.582", "73"],
    ["061", "Huyện Ba Bể", "52.116", "77"],
    ["062", "Huyện Ngân Sơn", "32.087", "49"],
    ["063", "Huyện Bạch Thông", "32.476", "59"],
    ["064", "Huyện Chợ Đồn", "53.671", "58"],
    ["065", "Huyện Chợ Mới", "40.154", "66"],
    ["066", "Huyện Na Rì", "44.089", "51"],
    ["", "Toàn tỉnh", "335.065", "69"],
]
# Only what Windows-1252 can hold: ò and ì read as tone marks in Windows-1258, so the choice matters.
LATIN = [
    ["Tinh", "Dan so 2023 (nghin nguoi)", "Dien tich (km2)"],
    ["Hà Giang", "899,9", "7929,5"],
    ["Hòa Bình", "875,4", "4591,0"],
    ["Thái Nguyên", "1335,0", "3522,0"],
    ["Tây Ninh", "1188,9", "4041,7"],
    ["Yên Bái", "847,2", "6892,7"],
    ["Cà Mau", "1207,6", "5274,5"],
]


def cp1258(text: str) -> bytes:
    """Windows-1258 as Windows writes it: a precomposed base letter (ê ơ ă …) and the tone as a combining mark."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", ch)
            tone = next(c for c in parts if c in TONES)
            out += unicodedata.normalize("NFC", parts.replace(tone, "")).encode("cp1258") + tone.encode("cp1258")
    return bytes(out)


def csv_text(rows: list[list[str]]) -> str:
    return "".join(",".join(f'"{c}"' if "," in c else c for c in row) + "\r\n" for row in rows)


def cells(rows: list[list[str]]) -> list[list[str | None]]:
    return [[c or None for c in row] for row in rows]


def with_nul_near_end(raw: bytes) -> bytes:
    return raw[:-6] + b"\x00" + raw[-6:]


def test_a_windows_1258_csv_with_a_stray_nul_is_read_as_vietnamese_text(tmp_path: Path) -> None:
    raw = with_nul_near_end(cp1258(csv_text(POPULATION)))
    assert raw.count(b"\x00") == 1 and b"\xde" in raw and b"\xf2" in raw  # tones as combining marks
    assert sniff_bytes(raw) == "text"
    path = tmp_path / "dan_so_2023.csv"
    path.write_bytes(raw)
    findings, sheets = read_untrusted(path, path.name)
    assert sheets is not None, [f.message_en for f in findings]
    assert sheets[0].rows == cells(POPULATION)
    assert all(unicodedata.is_normalized("NFC", c) for row in sheets[0].rows for c in row if c)
    [warning] = findings
    assert (warning.rule, warning.severity) == ("text_encoding", "warning")
    assert "Windows-1258" in warning.message_en and "1 stray NUL byte ignored" in warning.message_en
    assert "Windows-1258" in warning.message_vi and warning.message_vi != warning.message_en


def test_a_windows_1252_csv_with_a_nul_and_an_end_of_file_mark_is_read(tmp_path: Path) -> None:
    raw = with_nul_near_end(csv_text(LATIN).encode("cp1252")) + b"\x1a"
    path = tmp_path / "dan_so_tinh.csv"
    path.write_bytes(raw)
    findings, sheets = read_untrusted(path, path.name)
    assert sheets is not None, [f.message_en for f in findings]
    assert sheets[0].rows == cells(LATIN)
    assert [f.rule for f in findings] == ["text_encoding"] and "Windows-1252" in findings[0].message_en
    assert decode_text(raw).encoding == "cp1252"


def test_utf8_text_with_a_stray_nul_is_read_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "dan_so.csv"
    path.write_bytes(with_nul_near_end(csv_text(POPULATION).encode("utf-8-sig")))
    findings, sheets = read_untrusted(path, path.name)
    assert sheets is not None and sheets[0].rows == cells(POPULATION)
    assert [f.rule for f in findings] == ["text_encoding"] and "decoded as UTF-8" in findings[0].message_en


def test_plain_utf8_and_utf16_csv_need_no_warning(tmp_path: Path) -> None:
    for encoding in ("utf-8", "utf-8-sig", "utf-16"):
        path = tmp_path / f"dan_so_{encoding}.csv"
        path.write_bytes(csv_text(POPULATION).encode(encoding))
        findings, sheets = read_untrusted(path, path.name)
        assert findings == [] and sheets is not None and sheets[0].rows == cells(POPULATION), encoding


def test_the_code_page_is_the_one_that_reads_as_vietnamese() -> None:
    assert decode_text(cp1258("Huyện Chợ Đồn, Thị xã Phước Long")).encoding == "cp1258"
    assert decode_text("Hòa Bình, Hà Giang".encode("cp1252")).text == "Hòa Bình, Hà Giang"
    assert decode_text(b"Ha Noi,1\xe9").encoding == "cp1252"  # é means the same in both: a tie is 1252


def test_tcvn3_text_is_still_refused(tmp_path: Path) -> None:
    """TCVN3 read as a code page is gibberish: a TCVN3 CSV is refused at intake, and the same gibberish in cells
    (decoded as Windows-1252) is what ``sources.intake.legacy`` refuses."""
    grid = [
        ["N¨m 2022"],
        ["§¬n vÞ hµnh chÝnh", "Di ®éng"],
        ["Ba BÓ", "1"],
        ["Chî §ån", "2"],
        ["Thµnh phè B¾c K¹n", "3"],
    ]
    raw = with_nul_near_end(csv_text(grid).encode("cp1252"))  # the TCVN3 bytes, shown as Windows-1252
    path = tmp_path / "vntime.csv"
    path.write_bytes(raw)
    findings, sheets = read_untrusted(path, path.name)
    assert sheets is None
    [refusal] = findings
    assert refusal.rule == "unreadable" and "TCVN3" in refusal.message_en and "binary" not in refusal.message_en
    text = decode_text(raw).text
    legacy = legacy_encoding([Sheet("vntime", [line.split(",") for line in text.splitlines()])], path.name)
    assert legacy is not None and legacy.rule == "legacy_encoding" and "TCVN3" in legacy.message_en


@pytest.mark.parametrize(
    "make",
    [
        lambda: random.Random(5).randbytes(16 * 1024),
        lambda: b"STT,Don vi\n" + bytes(range(256)) * 8,
        lambda: csv_text(POPULATION).encode() + b"\x00" * 64,
        lambda: csv_text(POPULATION * 20).encode() + b"\x00" * 64,  # the first 8 KB are text, the rest is not
        lambda: csv_text(POPULATION).encode("utf-16-le"),  # no BOM: a NUL every other byte
    ],
    ids=["random", "text_then_bytes", "many_nuls", "nuls_past_the_head", "utf16_without_bom"],
)
def test_binary_data_is_still_refused(tmp_path: Path, make: object) -> None:
    path = tmp_path / "du_lieu.csv"
    path.write_bytes(make())  # type: ignore[operator]
    findings, sheets = read_untrusted(path, path.name)
    assert sheets is None and [f.rule for f in findings] == ["unreadable"]
    assert "binary data" in findings[0].message_en, findings[0].message_en


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"a,b\r\n1,2\r\n" * 20 + b"\x00\r\n", "text"),
        (b"a,b\r\n1,2\r\n" * 20 + b"\x1a", "text"),
        (b"\x00\x01\x02\x03", "binary"),
        (b"a,b\x00\r\n", "binary"),
        (b"a,b\r\n" * 100 + b"\x00" * 20, "binary"),
    ],
)
def test_a_few_stray_bytes_in_text_are_text(head: bytes, kind: str) -> None:
    assert sniff_bytes(head) == kind
