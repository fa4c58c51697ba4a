"""Bound an .xlsx before anything parses it: entry count, the real inflated size of every entry (streamed with
a cap: the sizes a zip declares can lie), compression ratio, XML entity declarations, the cells with a value of
every sheet and the strings of the shared strings table (``extent``: counted as they stream past, whatever the
sheet's ``<dimension>`` declares), encrypted or macro-enabled content, links to other workbooks.

Only the zip's own structure is trusted to ``zipfile``; every entry is inflated here, chunk by chunk, and
refused the moment it passes a limit, so a 10 KB file that inflates to 10 GB costs at most a few MB.
The one XML part read as XML (``[Content_Types].xml``) is parsed with ``defusedxml``.
"""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

from sources.common.findings import Finding, error, warning
from sources.intake import limits as L
from sources.intake import refusals as R
from sources.intake.extent import SharedStrings, SheetCells, exact_cells

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
_MACRO_TYPES = ("macroenabled", "vbaproject", "ms-office.vbaproject")
_SHEET_TYPES = ("spreadsheetml.sheet.main", "spreadsheetml.template.main")


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
    is_strings = lname.endswith("sharedstrings.xml")
    cells, strings = SheetCells() if is_sheet else None, SharedStrings() if is_strings else None
    inflated, tail, run = 0, b"", 0
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
        if _ENTITY.search(tail + chunk):
            return R.entities(name, info), inflated
        if is_sheet or is_strings:
            longest, run = _runs(chunk, run)
            if longest > L.MAX_TEXT_RUN_BYTES:
                return R.cell_too_long(name, info.filename, f"> {L.MAX_TEXT_RUN_BYTES} bytes"), inflated
        if cells is not None:
            cells.feed(chunk)
            if cells.extent.over():
                return R.sheet_too_large(name, info.filename, cells.extent), inflated
        if strings is not None:
            strings.feed(chunk)
            if strings.count > L.MAX_SHARED_STRINGS:
                return R.too_many_strings(name, info.filename, strings), inflated
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
    return _counted(f, info, name, cells, strings), inflated


def _counted(
    f: BinaryIO, info: zipfile.ZipInfo, name: str, cells: SheetCells | None, strings: SharedStrings | None
) -> Finding | None:
    """The last chunk's cells or strings; a sheet with cells not written the usual way counted again, exactly."""
    if cells is not None:
        cells.feed(b"", final=True)
        extent = exact_cells(chunk for chunk, _ in _inflate(f, info)) if cells.exact else cells.extent
        if extent.over():
            return R.sheet_too_large(name, info.filename, extent)
    if strings is not None:
        strings.feed(b"", final=True)
        if strings.over():
            return R.too_many_strings(name, info.filename, strings)
    return None


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


def _structure(zf: zipfile.ZipFile, names: set[str], name: str) -> list[Finding]:
    """Content types (a workbook? macro-enabled?), external links; XML through defusedxml."""
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
