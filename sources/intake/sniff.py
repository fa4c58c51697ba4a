"""Identify a delivered file by its first bytes, never by its name.

``PK\\x03\\x04`` is a zip (an .xlsx, or another zip), ``D0 CF 11 E0`` an OLE2 compound file (a legacy .xls, or an
encrypted .xlsx), markup starting with ``<html``/``<table`` a web page saved with an .xls name (what many
government portals export), anything else text (a CSV) or, with NUL or control bytes, binary garbage — unless
they are a few stray bytes in what is plainly text (a NUL near the end of a code-page CSV, a DOS end-of-file mark):
that is text, and the CSV reader drops the NULs.
"""

from __future__ import annotations

import re
from pathlib import Path

from sources.intake.grid import stray_bytes_tolerated

ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
HEAD_BYTES = 8192
PRINTABLE_SHARE = 0.6  # printable ASCII in text with stray bytes (Vietnamese in a code page: 75-90 %)

# What each accepted suffix promises.
EXPECTED = {".xlsx": "zip", ".xlsm": "zip", ".xls": "ole2", ".csv": "text", ".txt": "text"}
KIND_NAMES = {
    "zip": "xlsx (zip, PK\\3\\4)",
    "ole2": "xls (OLE2, D0CF11E0)",
    "text": "text/CSV",
    "html": "HTML (web page)",
    "spreadsheetml": "Excel 2003 XML",
    "binary": "binary data",
    "empty": "empty file",
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
        return "text"  # UTF-16, decoded by the CSV reader
    body = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if body.startswith(b"<"):
        if b"urn:schemas-microsoft-com:office:spreadsheet" in head:
            return "spreadsheetml"
        if _HTML.search(head[:HEAD_BYTES]):
            return "html"
    return "text" if _is_text(head) else "binary"


def _is_text(head: bytes) -> bool:
    """No NUL and few control bytes; or a few stray ones (``stray_bytes_tolerated``) in printable text."""
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 13))
    if b"\x00" not in head and controls <= 0.05 * len(head):
        return True
    printable = sum(1 for b in head if 32 <= b < 127 or b in (9, 10, 13))
    return stray_bytes_tolerated(controls, len(head)) and printable >= PRINTABLE_SHARE * len(head)


def sniff(path: Path) -> tuple[str, bytes]:
    with path.open("rb") as f:
        head = f.read(HEAD_BYTES)
    return sniff_bytes(head), head


def describe(head: bytes) -> str:
    """The first bytes as hex, for a message: ``3c 68 74 6d``."""
    return " ".join(f"{b:02x}" for b in head[:8]) or "—"
