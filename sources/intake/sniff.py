"""Identify a delivered file by its first bytes, never by its name.

``PK\\x03\\x04`` is a zip (an .xlsx, or another zip), ``D0 CF 11 E0`` an OLE2 compound file (a legacy .xls, or an
encrypted .xlsx), markup starting with ``<html``/``<table`` a web page saved with an .xls name (what many
government portals export), anything else text (a CSV) or, with NUL or control bytes, binary garbage.
"""

from __future__ import annotations

import re
from pathlib import Path

ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
HEAD_BYTES = 8192

# What each accepted suffix promises.
EXPECTED = {".xlsx": "zip", ".xlsm": "zip", ".xls": "ole2", ".csv": "text", ".txt": "text"}
KIND_NAMES = {
    "zip": "xlsx (zip, PK\\3\\4)", "ole2": "xls (OLE2, D0CF11E0)", "text": "text/CSV", "html": "HTML (web page)",
    "spreadsheetml": "Excel 2003 XML", "binary": "binary data", "empty": "empty file",
}
_HTML = re.compile(rb"<\s*(html|table|!doctype\s+html|head|body|meta|style|div)\b", re.IGNORECASE)
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def sniff_bytes(head: bytes) -> str:
    """``zip`` | ``ole2`` | ``html`` | ``spreadsheetml`` | ``text`` | ``binary`` | ``empty``."""
    if not head:
        return "empty"
    if head.startswith((ZIP_MAGIC, EMPTY_ZIP_MAGIC)):
        return "zip"
    if head.startswith(OLE2_MAGIC):
        return "ole2"
    if head.startswith(_UTF16_BOMS):
        return "text"  # the CSV reader says it is not UTF-8
    body = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if body.startswith(b"<"):
        if b"urn:schemas-microsoft-com:office:spreadsheet" in head:
            return "spreadsheetml"
        if _HTML.search(head[:HEAD_BYTES]):
            return "html"
    if b"\x00" in head or _control_share(head) > 0.05:
        return "binary"
    return "text"


def _control_share(head: bytes) -> float:
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 13))
    return controls / len(head)


def sniff(path: Path) -> tuple[str, bytes]:
    with path.open("rb") as f:
        head = f.read(HEAD_BYTES)
    return sniff_bytes(head), head


def describe(head: bytes) -> str:
    """The first bytes as hex, for a message: ``3c 68 74 6d``."""
    return " ".join(f"{b:02x}" for b in head[:8]) or "—"
