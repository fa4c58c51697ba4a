"""OLE2 compound files: a legacy .xls, or an encrypted .xlsx (Office wraps a password-protected workbook of any
kind in OLE2 with ``EncryptionInfo``/``EncryptedPackage`` streams).

Streams are listed with ``olefile``; the .xls ``Workbook`` stream is walked record by record (4-byte headers,
no parsing of values) to find a ``FILEPASS`` record (a password-protected .xls) and each sheet's
``DIMENSIONS`` record (its extent, held to the same budget as an .xlsx)."""

from __future__ import annotations

import struct
from pathlib import Path

import olefile

from sources.common.findings import Finding, error
from sources.intake.limits import over_budget
from sources.intake.refusals import macro, password_protected, sheet_too_large

FILEPASS, DIMENSIONS = 0x002F, 0x0200


def inspect_ole(path: Path, name: str) -> list[Finding]:
    """Findings for an OLE2 file (errors refuse it); ``[]`` when it is an .xls that may be parsed."""
    try:
        with olefile.OleFileIO(str(path)) as ole:
            streams = {"/".join(parts).lower() for parts in ole.listdir(streams=True, storages=True)}
            if {"encryptioninfo", "encryptedpackage"} & streams:
                return [password_protected(name, "EncryptionInfo/EncryptedPackage")]
            if any(s.startswith("_vba_project_cur") for s in streams):
                return [macro(name)]
            book = next((s for s in ("workbook", "book") if s in streams), None)
            if book is None:
                return [
                    error(
                        "unsupported_format",
                        f"Tệp {name} là tệp OLE2 nhưng không phải sổ tính Excel.",
                        f"File {name} is an OLE2 file but not an Excel workbook (no Workbook stream).",
                        file=name,
                        expected="xls",
                        found=", ".join(sorted(streams))[:200],
                    )
                ]
            data = ole.openstream(book).read()
    except (OSError, ValueError, IndexError, struct.error, TypeError, AttributeError) as exc:
        return [
            error(
                "unreadable",
                f"Tệp {name} là tệp OLE2 bị hỏng hoặc cắt cụt ({exc}).",
                f"File {name} is a damaged or truncated OLE2 file ({exc}).",
                file=name,
                found=str(exc)[:200],
            )
        ]
    return _walk_biff(data, name)


def _walk_biff(data: bytes, name: str) -> list[Finding]:
    at, sheet = 0, 0
    while at + 4 <= len(data):
        kind, size = struct.unpack_from("<HH", data, at)
        body = at + 4
        if kind == FILEPASS:
            return [password_protected(name, "FILEPASS")]
        if kind == DIMENSIONS:
            sheet += 1
            if size >= 14:
                _, rows, _, cols = struct.unpack_from("<IIHH", data, body)
            elif size >= 10:
                _, rows, _, cols = struct.unpack_from("<HHHH", data, body)
            else:
                rows = cols = 0
            if (too_big := over_budget(rows, cols)) is not None:
                return [sheet_too_large(name, f"sheet {sheet}", rows, cols, too_big, "DIMENSIONS record")]
        at = body + size
    return []
