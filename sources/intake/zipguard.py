"""Bound an .xlsx before anything parses it: entry count, the real inflated size of every entry (streamed with
a cap: the sizes a zip declares can lie), compression ratio, XML entity declarations, the extent of every sheet,
encrypted or macro-enabled content, links to other workbooks.

Only the zip's own structure is trusted to ``zipfile``; every entry is inflated here, chunk by chunk, and
refused the moment it passes a limit, so a 10 KB file that inflates to 10 GB costs at most a few MB.
The few XML parts read as XML (``[Content_Types].xml``, sheet heads) are parsed with ``defusedxml``.
"""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

from sources.common.findings import Finding, error, warning
from sources.intake import limits as L
from sources.intake import refusals as R

CHUNK = 1 << 20
_ENTITY = re.compile(
    b"|".join(
        [
            rb"<!\s*(?:DOCTYPE|ENTITY)",
            *(
                re.escape(s.encode(enc))
                for s in ("<!DOCTYPE", "<!ENTITY", "<!doctype", "<!entity")
                for enc in ("utf-16-le", "utf-16-be")
            ),
        ]
    ),
    re.IGNORECASE,
)
_CELL_REF = re.compile(rb"<(?:\w+:)?c\b[^>]*?\br=[\"']([A-Z]{1,4})(\d{1,9})[\"']")
_ROW_REF = re.compile(rb"<(?:\w+:)?row\b[^>]*?\br=[\"'](\d{1,9})[\"']")
_MACRO_TYPES = ("macroenabled", "vbaproject", "ms-office.vbaproject")
_SHEET_TYPES = ("spreadsheetml.sheet.main", "spreadsheetml.template.main")


def col_number(letters: bytes | str) -> int:
    n = 0
    for ch in letters.upper() if isinstance(letters, str) else letters.decode().upper():
        n = n * 26 + ord(ch) - 64
    return n


@dataclass
class _Extent:
    rows: int = 0
    cols: int = 0


def inspect_zip(path: Path, name: str) -> list[Finding]:
    """Findings for an .xlsx (errors refuse it); ``[]`` when it may be parsed."""
    with path.open("rb") as f:
        declared = _declared_entries(f, path.stat().st_size)
        if declared is None:
            return [R.damaged(name, "no end-of-central-directory record (truncated or not a zip)")]
        if declared > L.MAX_ZIP_ENTRIES:
            return [R.too_many(name, declared)]
        try:
            with zipfile.ZipFile(f) as zf:
                return _inspect(zf, f, name)
        except (
            zipfile.BadZipFile,
            zipfile.LargeZipFile,
            zlib.error,
            SafeET.ParseError,
            DefusedXmlException,
            OSError,
            EOFError,
            ValueError,
            KeyError,
            NotImplementedError,
            RuntimeError,
        ) as exc:
            return [R.damaged(name, str(exc) or type(exc).__name__)]


def _declared_entries(f: BinaryIO, size: int) -> int | None:
    """Entry count from the end-of-central-directory record, read before ``zipfile`` lists the entries."""
    tail_len = min(size, 22 + 65535)
    f.seek(size - tail_len)
    tail = f.read(tail_len)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + 22 > len(tail):
        return None
    (total,) = struct.unpack_from("<H", tail, at + 10)
    z64 = tail.rfind(b"PK\x06\x06", 0, at)
    if total == 0xFFFF and z64 >= 0 and z64 + 56 <= len(tail):
        (total,) = struct.unpack_from("<Q", tail, z64 + 32)
    f.seek(0)
    return total


def _inspect(zf: zipfile.ZipFile, f: BinaryIO, name: str) -> list[Finding]:
    infos = zf.infolist()
    if len(infos) > L.MAX_ZIP_ENTRIES:
        return [R.too_many(name, len(infos))]
    names = {i.filename.lower() for i in infos}
    for info in infos:
        if info.flag_bits & 0x1:
            return [R.password_protected(name, f"encrypted zip entry {info.filename}")]
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            return [
                error(
                    "unsupported_format",
                    f"Tệp {name}: phần {info.filename} nén theo kiểu {info.compress_type}, Excel chỉ dùng deflate.",
                    f"File {name}: entry {info.filename} uses compression method "
                    f"{info.compress_type}; Excel only writes deflate.",
                    file=name,
                    expected="deflate",
                    found=str(info.compress_type),
                )
            ]
    if any(n.endswith("vbaproject.bin") for n in names):
        return [R.macro(name)]
    total = 0
    for info in infos:
        found, inflated = _scan_entry(f, info, name, L.MAX_TOTAL_BYTES - total)
        if found:
            return [found]
        total += inflated
    return _structure(zf, names, name)


def _scan_entry(f: BinaryIO, info: zipfile.ZipInfo, name: str, budget: int) -> tuple[Finding | None, int]:
    """Inflate one entry in chunks, counting real bytes; refuse at the first limit it passes."""
    lname = info.filename.lower()
    is_sheet = "worksheets/" in lname and lname.endswith(".xml")
    text_part = is_sheet or lname.endswith("sharedstrings.xml")
    extent, inflated, tail, run = _Extent(), 0, b"", 0
    crc = 0
    for chunk, consumed in _inflate(f, info):
        inflated += len(chunk)
        crc = zlib.crc32(chunk, crc)
        if inflated >= L.RATIO_FLOOR and inflated > L.MAX_RATIO * consumed:
            return R.bomb(name, info, inflated, f"compression ratio above {L.MAX_RATIO}:1"), inflated
        if inflated > L.MAX_ENTRY_BYTES:
            return R.entry_too_large(name, info, inflated), inflated
        if inflated > budget:
            return R.bomb(name, info, inflated, f"all entries together inflate past {R.mb(L.MAX_TOTAL_BYTES)}"), 0
        window = tail + chunk
        if _ENTITY.search(window):
            return R.entities(name, info), inflated
        if text_part:
            longest, run = _runs(chunk, run)
            if longest > L.MAX_TEXT_RUN_BYTES:
                return R.cell_too_long(name, info.filename, f"> {L.MAX_TEXT_RUN_BYTES} bytes"), inflated
        if is_sheet:
            _grow(extent, window)
            if (too_big := L.over_budget(extent.rows, extent.cols)) is not None:
                return R.sheet_too_large(
                    name, info.filename, extent.rows, extent.cols, too_big, "cells present"
                ), inflated
        tail = chunk[-64:]
    if crc != info.CRC:
        return R.damaged(name, f"bad CRC-32 for {info.filename}"), inflated
    if inflated != info.file_size:
        return error(
            "zip_size_mismatch",
            f"Tệp {name}: phần {info.filename} khai báo {info.file_size} byte nhưng giải "
            f"nén ra {inflated} byte: tệp bị sửa hoặc hỏng.",
            f"File {name}: entry {info.filename} declares "
            f"{info.file_size} bytes but inflates to {inflated}: the zip header lies (crafted or damaged).",
            file=name,
            expected=str(info.file_size),
            found=str(inflated),
        ), inflated
    return None, inflated


def _inflate(f: BinaryIO, info: zipfile.ZipInfo) -> Iterator[tuple[bytes, int]]:
    """The entry's inflated bytes in pieces of at most ``CHUNK``, each with the compressed bytes consumed so far.
    Only the compressed size of the central directory bounds the input; nothing trusts the declared output."""
    f.seek(info.header_offset)
    local = f.read(30)
    if len(local) < 30 or not local.startswith(b"PK\x03\x04"):
        raise zipfile.BadZipFile(f"bad local header for {info.filename}")
    name_len, extra_len = struct.unpack_from("<HH", local, 26)
    f.seek(info.header_offset + 30 + name_len + extra_len)
    inflater = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
    left, consumed = info.compress_size, 0
    while left > 0 and not (inflater and inflater.eof):
        piece = f.read(min(left, 1 << 16))
        if not piece:
            raise zipfile.BadZipFile(f"{info.filename} is truncated")
        left -= len(piece)
        consumed += len(piece)
        if inflater is None:
            yield piece, consumed
            continue
        data = piece
        while data and not inflater.eof:
            out = inflater.decompress(data, CHUNK)
            data = inflater.unconsumed_tail
            if out:
                yield out, consumed - len(data)
    if inflater is not None and not inflater.eof:
        raise zipfile.BadZipFile(f"{info.filename}: deflate stream ends early")


def _runs(chunk: bytes, carried: int) -> tuple[int, int]:
    """(longest text run — bytes without ``<`` — in ``chunk``, counting the run carried from the previous chunk;
    the run reaching the end of ``chunk``, to carry to the next one)."""
    first = chunk.find(b"<")
    if first < 0:
        return carried + len(chunk), carried + len(chunk)
    last = chunk.rfind(b"<")
    longest = carried + first
    if last - first > L.MAX_TEXT_RUN_BYTES:
        longest = max(longest, max(map(len, chunk[first:last].split(b"<"))))
    trailing = len(chunk) - last - 1
    return max(longest, trailing), trailing


def _grow(extent: _Extent, window: bytes) -> None:
    cells = _CELL_REF.findall(window)
    if cells:
        extent.cols = max(extent.cols, *(col_number(c) for c in {c for c, _ in cells}))
        extent.rows = max(extent.rows, *(int(r) for r in {r for _, r in cells}))
    rows = _ROW_REF.findall(window)
    if rows:
        extent.rows = max(extent.rows, *(int(r) for r in rows))


def _structure(zf: zipfile.ZipFile, names: set[str], name: str) -> list[Finding]:
    """Content types (a workbook? macro-enabled?), sheet dimensions, external links; XML through defusedxml."""
    if "[content_types].xml" not in names:
        kind = "OpenDocument (.ods)" if "mimetype" in names else "zip"
        return [R.not_excel(name, kind)]
    part = next(i for i in zf.infolist() if i.filename.lower() == "[content_types].xml")
    types = SafeET.fromstring(zf.read(part), forbid_dtd=True)
    content = [(el.get("PartName") or el.get("Extension") or "", (el.get("ContentType") or "").lower()) for el in types]
    if any(m in t for _, t in content for m in _MACRO_TYPES):
        return [R.macro(name)]
    if not any(s in t for _, t in content for s in _SHEET_TYPES):
        return [R.not_excel(name, "Office (not an Excel workbook)")]
    findings: list[Finding] = []
    for info in zf.infolist():
        lname = info.filename.lower()
        if "worksheets/" in lname and lname.endswith(".xml"):
            ref = _dimension(zf, info)
            if ref and (too_big := _ref_over_budget(ref)):
                return [R.sheet_too_large(name, info.filename, *too_big, f'<dimension ref="{ref}">')]
    links = sorted(n for n in names if n.startswith("xl/externallinks/") and n.endswith(".xml"))
    if links:
        findings.append(
            warning(
                "external_links",
                f"Tệp {name} liên kết tới {len(links)} tệp khác: chỉ đọc giá trị đã lưu trong tệp này, "
                "không mở tệp được liên kết.",
                f"File {name} links to {len(links)} other workbook(s): only the values "
                "saved in this file are read; linked files are never opened.",
                file=name,
                found=", ".join(links),
            )
        )
    return findings


def _dimension(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> str | None:
    """The ``<dimension ref>`` of a sheet, from its head: parsing stops at ``<sheetData>``."""
    with zf.open(info) as stream:
        try:
            for _, el in SafeET.iterparse(_Head(stream), events=("start",), forbid_dtd=True):
                tag = el.tag.rsplit("}", 1)[-1]
                if tag == "dimension":
                    return el.get("ref")
                if tag == "sheetData":
                    return None
        except SafeET.ParseError:
            return None
    return None


class _Head:
    """A stream read in small pieces: ``iterparse`` parses each piece it reads before it yields an event, so with
    its own 16 KiB reads it parsed a whole small sheet to find a head of a few hundred bytes."""

    PIECE = 1024

    def __init__(self, stream: IO[bytes]):
        self.stream = stream

    def read(self, size: int = -1) -> bytes:
        return self.stream.read(self.PIECE if size < 0 else min(size, self.PIECE))


_REF = re.compile(r"^\$?([A-Z]{1,4})\$?(\d{1,9})(?::\$?([A-Z]{1,4})\$?(\d{1,9}))?$")


def _ref_over_budget(ref: str) -> tuple[int, int, str] | None:
    m = _REF.match(ref.strip().upper())
    if not m:
        return None
    col, row = m.group(3) or m.group(1), m.group(4) or m.group(2)
    rows, cols = int(row), col_number(col)
    too_big = L.over_budget(rows, cols)
    return (rows, cols, too_big) if too_big else None
