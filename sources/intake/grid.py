"""Sheets as grids of cells, exactly where Excel shows them (row 0 = Excel row 1), with merged ranges.

Workbooks are read with calamine (``python-calamine``): each cell comes with its own type (a number cell is
a float, a text cell a str) and nothing is inferred per column, so ``279.568`` typed as text and the number
279.568 stay distinguishable and the reader casts text with the Vietnamese rules. (fastexcel's string
dtype erases that difference, and for ``.xls`` it starts the frame at the first used row, shifting every
cell address.) CSV files are read as text (``,`` ``;`` or tab separated): UTF-8 with or without BOM, UTF-16 with
its BOM (Excel's "Unicode text"), else a Windows code page — 1258 (Vietnamese) or 1252, whichever reads as
Vietnamese (``decode_text``); a few stray NUL bytes are dropped. A CSV is read as its used range (the rows and
columns that hold a value), held to the budget of ``limits`` while it is parsed (``TooLarge``): separators alone
are not cells.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from python_calamine import CalamineWorkbook, SheetVisibleEnum

from sources.common.findings import cell_address
from sources.intake import limits as L
from sources.intake.extent import Extent, TooLarge

Cell = str | float | None


@dataclass
class Sheet:
    name: str
    rows: list[list[Cell]]
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # (row0, col0, row1, col1) inclusive
    visible: bool = True
    # Each row's display texts, made once: header detection, the row scan and the checks ask for the same rows
    # many times. A sheet's cells are never changed once read.
    _texts: dict[int, list[str]] = field(default_factory=dict, init=False, repr=False, compare=False)
    # What the reader works out about the sheet whatever the spec (its candidate header blocks): once per sheet,
    # not once per spec tried (``sources.reading.header``)
    memo: dict[object, object] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def width(self) -> int:
        return max((len(r) for r in self.rows), default=0)

    def cell(self, row: int, col: int) -> Cell:
        if row < len(self.rows) and col < len(self.rows[row]):
            return self.rows[row][col]
        return None

    def text(self, row: int, col: int) -> str:
        """The cell as display text (numbers without a trailing ``.0``), ``""`` when empty."""
        return cell_text(self.cell(row, col))

    def row_texts(self, row: int) -> list[str]:
        """The row's cells as display texts (the same list on every call: do not change it)."""
        texts = self._texts.get(row)
        if texts is None:
            texts = [cell_text(v) for v in self.rows[row]] if row < len(self.rows) else []
            self._texts[row] = texts
        return texts


def cell_text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value).strip()


def _clean(value: object) -> Cell:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, dt.datetime | dt.date | dt.time | dt.timedelta):
        return value.isoformat() if hasattr(value, "isoformat") else str(value)
    return str(value)


_SUFFIXES = {"xlsx": {".xlsx", ".xlsm"}, "xls": {".xls"}}


def read_workbook(path: Path, fmt: str | None = None, data: bytes | None = None) -> list[Sheet]:
    """Every sheet of an .xlsx/.xlsm/.xls workbook, in workbook order. ``fmt`` (``xlsx``/``xls``) is the format
    the file's bytes say it is; when its name says otherwise calamine is given the bytes, not the name. ``data``,
    when given, is what calamine reads instead of the file (an .xls whose DIMENSIONS records intake rewrote)."""
    if data is not None:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
    elif fmt is None or path.suffix.lower() in _SUFFIXES.get(fmt, set()):
        wb = CalamineWorkbook.from_path(str(path))
    else:
        with path.open("rb") as f:
            wb = CalamineWorkbook.from_filelike(f)
    sheets = []
    for meta in wb.sheets_metadata:
        ws = wb.get_sheet_by_name(meta.name)
        rows = [[_clean(v) for v in row] for row in ws.to_python(skip_empty_area=False)]
        merges = [(r0, c0, r1, c1) for (r0, c0), (r1, c1) in (ws.merged_cell_ranges or [])]
        sheets.append(Sheet(meta.name, rows, merges, visible=meta.visible == SheetVisibleEnum.Visible))
    return sheets


MAX_STRAY_BYTES = 16  # NUL/control bytes tolerated in a text file (a NUL near the end, a DOS end-of-file mark)
STRAY_SHARE = 64  # … and at most one per this many bytes
CODE_PAGES = {"cp1258": "Windows-1258", "cp1252": "Windows-1252"}
_TONES = ("", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323")  # none, huyền, sắc, ngã, hỏi, nặng
_VOWELS = "aăâeêioôơuưy"
VIETNAMESE_LETTERS = frozenset(
    {unicodedata.normalize("NFC", v + t) for vowels in (_VOWELS, _VOWELS.upper()) for v in vowels for t in _TONES}
    | {"đ", "Đ"}
)
_VIETNAMESE_ONLY = frozenset(c for c in VIETNAMESE_LETTERS if ord(c) > 0xFF)  # not in Windows-1252
_SYMBOLS = frozenset("\xa0«»°±²³¹·×÷–—‘’‚“”„…•‰€₫§©®¼½¾")
SCORE_CHARS = 256 * 1024


def stray_bytes_tolerated(strays: int, size: int) -> bool:
    """A few stray NUL/control bytes in a file that is otherwise text; more is binary data."""
    return strays <= MAX_STRAY_BYTES and strays * STRAY_SHARE <= size


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str  # utf-8 | utf-16 | cp1258 | cp1252
    nuls: int  # stray NUL bytes dropped

    @property
    def code_page(self) -> str | None:
        """``Windows-1258`` / ``Windows-1252`` when the text was not Unicode."""
        return CODE_PAGES.get(self.encoding)


def decode_text(raw: bytes) -> Decoded:
    """The text of a CSV file. UTF-16 with a BOM; else, a few stray NUL bytes and a final DOS end-of-file mark
    (``\\x1a``) dropped, UTF-8 (with or without BOM) or, when that fails, Windows-1258 or Windows-1252, whichever
    reads as Vietnamese (NFC). ``ValueError`` for binary data (too many NULs), ``UnicodeDecodeError`` when no
    encoding fits."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return Decoded(raw.decode("utf-16"), "utf-16", 0)
    nuls = raw.count(b"\x00")
    if nuls:
        if not stray_bytes_tolerated(nuls, len(raw)):
            raise ValueError(f"{nuls} NUL bytes in {len(raw)} bytes: binary data, not text")
        raw = raw.replace(b"\x00", b"")
    raw = raw.removesuffix(b"\x1a")
    try:
        return Decoded(raw.decode("utf-8-sig"), "utf-8", nuls)
    except UnicodeDecodeError as not_utf8:
        candidates: dict[str, str] = {}
        for encoding in CODE_PAGES:
            try:
                candidates[encoding] = unicodedata.normalize("NFC", raw.decode(encoding))
            except UnicodeDecodeError:
                continue
        if not candidates:
            raise not_utf8 from None
    # Windows-1258 writes tones as combining marks and ă đ ơ ư where 1252 has ã ð õ ý; a tie (the bytes mean
    # the same in both) is 1252.
    best = max(candidates, key=lambda enc: (vietnamese_score(candidates[enc]), enc == "cp1252"))
    return Decoded(candidates[best], best, nuls)


def vietnamese_score(text: str) -> int:
    """Letters only Vietnamese has (ă đ ơ ư, tones on them) minus 10 per character no Vietnamese text holds
    (ð þ, a tone mark left on a consonant)."""
    counts = Counter(ch for ch in text[:SCORE_CHARS] if ord(ch) > 0x7F)
    good = sum(n for ch, n in counts.items() if ch in _VIETNAMESE_ONLY)
    bad = sum(n for ch, n in counts.items() if ch not in VIETNAMESE_LETTERS and ch not in _SYMBOLS)
    return good - 10 * bad


def read_csv(path: Path) -> list[Sheet]:
    """A CSV file as one sheet named after the file: its used range, every cell text (see ``decode_text``).
    ``TooLarge`` when its cells with a value do not fit the budget (``limits``)."""
    text = decode_text(path.read_bytes()).text
    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    return [Sheet(path.stem, _used_range(_capped_runs(text, delimiter), delimiter))]


# Runs of separators longer than this are cut to it before parsing. Outside quotes they are empty cells: a value
# after the run is past MAX_COLS either way, and trailing ones are not in the used range. Inside quotes they are
# text of one cell, which stays longer than MAX_CELL_CHARS and is refused as cell_too_long either way. So a line
# of 60 million separators costs a list of 32,768 fields, not of 60 million.
SEPARATOR_RUN = L.MAX_CELL_CHARS + 1
# What str.strip() strips (tests/test_sheet_extent.py checks it), and NUL, the joiner of _used.
_BLANK = (
    "\0\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + "\u2028\u2029\u202f\u205f\u3000"
)


def _capped_runs(text: str, delimiter: str) -> str:
    needle = delimiter * (SEPARATOR_RUN + 1)
    at = text.find(needle)
    if at < 0:
        return text
    run, parts, start = re.compile(re.escape(delimiter) + "+"), [], 0
    while at >= 0:
        end = run.match(text, at).end()  # type: ignore[union-attr]  # the needle is there
        parts.append(text[start : at + SEPARATOR_RUN])
        start, at = end, text.find(needle, end)
    parts.append(text[start:])
    return "".join(parts)


def _used(fields: list[str]) -> int:
    """1 + the index of the last field holding a value (not blank), 0 for none. The trailing blanks of a long row
    are found in C: joined with NUL (when no field holds one), stripped, the NULs left counted."""
    n = len(fields)
    if n > 64 and (joined := "\0".join(fields)).count("\0") == n - 1:
        joined = joined.rstrip(_BLANK)
        n = joined.count("\0") + 1 if joined else 0
    while n and not fields[n - 1].strip():
        n -= 1
    return n


def _used_range(text: str, delimiter: str) -> list[list[Cell]]:
    """The records of ``text`` up to the last holding a value, each as parsed but cut at the last column holding a
    value in any record (blank fields → None). Raises ``TooLarge`` the moment the cells with a value pass the
    budget: past MAX_ROWS rows or MAX_COLS columns, or more than MAX_CELLS of them."""
    extent = Extent()
    rows: list[list[Cell]] = []
    lengths: list[int] = []  # each record's number of fields, to restore its blank cells up to the used width
    for i, fields in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter)):
        used = _used(fields)
        if not used:
            if i < L.MAX_ROWS:  # a blank record further down is past the used range, or refused with what follows
                rows.append([])
                lengths.append(len(fields))
            continue
        extent.add(i + 1, used, 0)
        if extent.over() is None:
            extent.cells += sum(1 for f in fields[:used] if f.strip())
        if extent.over() is not None:
            extent.far = cell_address(i, used - 1) if extent.cells <= L.MAX_CELLS else ""
            raise TooLarge(extent)
        rows.append([c if c.strip() else None for c in fields[:used]])
        lengths.append(len(fields))
    rows, width = rows[: extent.rows], extent.cols
    for row, length in zip(rows, lengths, strict=False):
        row.extend([None] * (min(length, width) - len(row)))
    return rows


def read_sheets(path: Path, fmt: str | None = None, data: bytes | None = None) -> list[Sheet]:
    """The sheets of a workbook or CSV file. ``fmt`` (``xlsx`` | ``xls`` | ``csv``), when given, is the format
    identified from the file's bytes (``sources/intake``) and wins over its suffix; ``data``, when given, is what
    calamine reads instead of the file (``read_workbook``)."""
    if fmt == "csv" or (fmt is None and path.suffix.lower() in {".csv", ".txt"}):
        return read_csv(path)
    return read_workbook(path, fmt, data)
