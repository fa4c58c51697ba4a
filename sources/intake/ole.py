"""OLE2 compound files: a legacy .xls, or an encrypted .xlsx (Office wraps a password-protected workbook of any
kind in OLE2 with ``EncryptionInfo``/``EncryptedPackage`` streams).

Streams are listed with ``olefile``; the .xls ``Workbook`` stream is walked record by record (4-byte headers,
no parsing of values) to find a ``FILEPASS`` record (a password-protected .xls) and each sheet's cells with a
value (``NUMBER``, ``RK``, ``MULRK``, ``LABELSST``, ``FORMULA`` …; ``BLANK``/``MULBLANK`` are formatted empty
cells), held to the same budget as an .xlsx (``extent``).

A sheet's ``DIMENSIONS`` record is a hint: Excel writes one covering every formatted blank (65,536 rows × 256
columns for a sheet formatted to the end). calamine, though, reserves rows × columns cells from it before it
reads one (a record claiming 2³² rows aborts the process on a 44 TB allocation). So a record claiming more than
the budget, on a sheet whose cells with a value fit, is rewritten, in a copy in memory, to the extent of those
cells (``IntakeOle.data``); calamine reads the copy. The delivered file is never changed."""

from __future__ import annotations

import io
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import olefile

from sources.common.findings import Finding, cell_address, error
from sources.intake import limits as L
from sources.intake.extent import Extent
from sources.intake.refusals import macro, password_protected, sheet_too_large

BOF, EOF, FILEPASS, DIMENSIONS, BOUNDSHEET = 0x0809, 0x000A, 0x002F, 0x0200, 0x0085
FORMULA, STRING, MULRK = 0x0006, 0x0207, 0x00BD
# The records calamine turns into a cell with a value, each at (row, col) in its first 4 bytes: NUMBER, LABEL,
# RSTRING, BOOLERR, RK, LABELSST, FORMULA (its value may follow in a STRING record, at the formula's cell).
_CELLS = frozenset({0x0203, 0x0204, 0x00D6, 0x0205, 0x027E, 0x00FD, FORMULA})


@dataclass
class IntakeOle:
    findings: list[Finding] = field(default_factory=list)
    data: bytes | None = None  # the file with its DIMENSIONS records rewritten, when any had to be


@dataclass
class _Sheet:
    name: str
    extent: Extent = field(default_factory=Extent)
    dimensions: list[tuple[int, int]] = field(default_factory=list)  # (offset of the body, its size)
    password: bool = False  # a FILEPASS record in the sheet


def inspect_ole(path: Path, name: str) -> IntakeOle:
    """Findings for an OLE2 file (errors refuse it), and the bytes calamine is to read when they are not the
    file's own."""
    try:
        with olefile.OleFileIO(str(path)) as ole:
            streams = {"/".join(parts).lower() for parts in ole.listdir(streams=True, storages=True)}
            if {"encryptioninfo", "encryptedpackage"} & streams:
                return IntakeOle([password_protected(name, "EncryptionInfo/EncryptedPackage")])
            if any(s.startswith("_vba_project_cur") for s in streams):
                return IntakeOle([macro(name)])
            book = next((s for s in ("workbook", "book") if s in streams), None)
            if book is None:
                return IntakeOle(
                    [
                        error(
                            "unsupported_format",
                            f"Tệp {name} là tệp OLE2 nhưng không phải sổ tính Excel.",
                            f"File {name} is an OLE2 file but not an Excel workbook (no Workbook stream).",
                            file=name,
                            expected="xls",
                            found=", ".join(sorted(streams))[:200],
                        )
                    ]
                )
            data = ole.openstream(book).read()
        findings, sheets = _walk_biff(data, name)
        if findings or not (patches := _patches(data, sheets)):
            return IntakeOle(findings)
        return IntakeOle([], _rewritten(path, book, data, patches))
    except (OSError, ValueError, IndexError, struct.error, TypeError, AttributeError, NotImplementedError) as exc:
        return IntakeOle(
            [
                error(
                    "unreadable",
                    f"Tệp {name} là tệp OLE2 bị hỏng hoặc cắt cụt ({exc}).",
                    f"File {name} is a damaged or truncated OLE2 file ({exc}).",
                    file=name,
                    found=str(exc)[:200],
                )
            ]
        )


def _walk_biff(data: bytes, name: str) -> tuple[list[Finding], list[_Sheet]]:
    """(refusals, each sheet with its cells with a value and its DIMENSIONS records), read as calamine reads
    them: the workbook globals up to their EOF (a FILEPASS there: a password), then each sheet from the offset
    its BOUNDSHEET record gives, up to the sheet's EOF, a chart or other substream nested in it skipped."""
    password, names = _globals(data)
    if password:
        return [password_protected(name, "FILEPASS")], []
    sheets = [_sheet(data, offset, sheet_name) for offset, sheet_name in names]
    for sheet in sheets:
        if sheet.password:
            return [password_protected(name, "FILEPASS")], sheets
        if sheet.extent.over():
            return [sheet_too_large(name, f'"{sheet.name}"', sheet.extent, sheet.name)], sheets
    return [], sheets


def _records(data: bytes, at: int) -> Iterator[tuple[int, int, int]]:
    """(type, offset of the body, size) of each whole record from ``at``."""
    while at + 4 <= len(data):
        kind, size = struct.unpack_from("<HH", data, at)
        if at + 4 + size > len(data):
            return
        yield kind, at + 4, size
        at += 4 + size


def _globals(data: bytes) -> tuple[bool, list[tuple[int, str]]]:
    """(a FILEPASS record?, each sheet's BOF offset and name from its BOUNDSHEET record — BIFF8 names UTF-16 or
    Latin-1 by a flag, BIFF5 names in the workbook's code page, shown as cp1252), up to the globals' EOF."""
    names: list[tuple[int, str]] = []
    biff8 = False
    for kind, body, size in _records(data, 0):
        if kind == FILEPASS:
            return True, names
        if kind == BOF and size >= 2:
            biff8 = struct.unpack_from("<H", data, body)[0] == 0x0600
        elif kind == EOF:
            break
        elif kind == BOUNDSHEET and size >= 8:
            (offset,) = struct.unpack_from("<I", data, body)
            cch, text = data[body + 6], data[body + 7 : body + size]
            if not biff8:
                names.append((offset, text[:cch].decode("cp1252", "replace")))
            elif text[0] & 1:
                names.append((offset, text[1 : 1 + 2 * cch].decode("utf-16-le", "replace")))
            else:
                names.append((offset, text[1 : 1 + cch].decode("latin-1")))
    return False, names


def _sheet(data: bytes, offset: int, name: str) -> _Sheet:
    """One sheet's records from its BOF to its EOF; those of a substream nested in it (a chart) skipped."""
    sheet, depth, formula_at = _Sheet(name), 0, (0, 0)
    for kind, body, size in _records(data, offset):
        if kind in (BOF, EOF):
            depth += 1 if kind == BOF else -1
            if depth <= 0:
                break
            continue
        if depth > 1:
            continue
        cell = None
        if kind == FILEPASS:
            sheet.password = True
        elif kind == DIMENSIONS:
            sheet.dimensions.append((body, size))
        elif kind in _CELLS and size >= 4:
            cell = struct.unpack_from("<HH", data, body)
            sheet.extent.add(cell[0] + 1, cell[1] + 1)
            formula_at = cell if kind == FORMULA else formula_at
        elif kind == STRING:  # a formula's text value: one more cell in calamine's list, at the formula's cell
            cell = formula_at
            sheet.extent.add(cell[0] + 1, cell[1] + 1)
        elif kind == MULRK and size >= 6:
            row, first = struct.unpack_from("<HH", data, body)
            (last,) = struct.unpack_from("<H", data, body + size - 2)
            if last >= first:
                cell = (row, last)
                sheet.extent.add(row + 1, last + 1, last - first + 1)
        if cell is not None and sheet.extent.over():
            sheet.extent.far = cell_address(*cell)
            break
    return sheet


def _patches(data: bytes, sheets: list[_Sheet]) -> list[tuple[int, bytes]]:
    """(offset, new body) for each DIMENSIONS record for which calamine would reserve more cells than the budget:
    the extent of the sheet's cells with a value instead (which fit, or the sheet was refused)."""
    patches = []
    for sheet in sheets:
        for body, size in sheet.dimensions:
            layout = {14: "<IIHH", 10: "<HHHH"}.get(size)  # calamine reads no other size (an error)
            if layout and _reserved(*struct.unpack_from(layout, data, body)) > L.MAX_CELLS:
                real = struct.pack(layout, 0, sheet.extent.rows, 0, sheet.extent.cols)
                patches.append((body, real + data[body + len(real) : body + size]))
    return patches


def _reserved(first_row: int, end_row: int, first_col: int, end_col: int) -> int:
    """The cells calamine reserves for a DIMENSIONS record (``parse_dimensions``, then rows × columns in u32
    arithmetic that wraps: a first row past the last one reserves 4 billion rows)."""
    if first_col > 0xFF or end_col < first_col:
        first_col = 0
    if end_row >= 1 and end_col >= 1:
        rows, cols = (end_row - 1 - first_row + 1) % 2**32, (end_col - 1 - first_col + 1) % 2**32
    else:
        rows = cols = 1
    return rows * cols


def _rewritten(path: Path, book: str, data: bytes, patches: list[tuple[int, bytes]]) -> bytes:
    """A copy of the file in memory whose Workbook stream has ``patches`` applied (same length, same sectors)."""
    stream = bytearray(data)
    for offset, body in patches:
        stream[offset : offset + len(body)] = body
    copy = io.BytesIO(path.read_bytes())
    with olefile.OleFileIO(copy, write_mode=True) as ole:
        ole.write_stream(next(e for e in ole.listdir() if e[0].lower() == book), bytes(stream))
    return copy.getvalue()
