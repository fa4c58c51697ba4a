"""What a sheet really holds: its cells with a value, counted while its bytes stream past, and how far they reach.

A sheet's declared extent is a hint, never the measure. Excel writes ``<dimension ref="A1:WVO225">`` and
``spans="1:16135"`` for a 225 × 18 report whose rows someone formatted to the end, and an .xls ``DIMENSIONS``
record covers every formatted blank. What costs memory is what calamine (python-calamine 0.9) does with the
cells: it keeps every cell holding a value in a list (duplicates too), then allocates the rectangle from A1 to
the furthest of them; empty cells (``<c r="XFD5" s="1"/>``) are skipped; the xlsx ``<dimension>`` only reserves
room for at most 100,000 cells. (Measured: a workbook declaring ``A1:XFD1048576`` around 24 rows reads in
20 MiB; one value at ``XFD1048576`` asks for 512 GiB.) So the budget of ``limits`` is held against the cells with a
value — their number and the rectangle they span — whatever the sheet declares.

The scan mirrors calamine's reading of a worksheet part: a ``<c>`` is at its ``r`` reference, or, without one,
right of the previous cell in the row (``<row r>``, or the row after the previous one). A cell counts when its
element has content (``<c r="B2"><v>1</v></c>``); a self-closing or empty ``<c>`` does not (a ``<c>`` whose only
content is a formula or a comment counts too, though calamine reads it as empty: more, never less). Cells as every
spreadsheet program writes them — ``r`` first, then other attributes, double-quoted, space-separated — are matched
by a regular expression per chunk; a part with any other cell (no ``r``, attributes run together, two ``r``) is
counted again tag by tag, parsing attributes as calamine parses them (``exact_cells``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from operator import itemgetter

from sources.common.findings import cell_address
from sources.intake import limits as L

_NAME = rb"(?:[A-Za-z_][\w.-]*:)?"  # an optional namespace prefix: <x:c>
_QUOTED = rb"(?:\"[^\"]*\"|'[^']*')"


_XML_WS = rb"[ \t\r\n]"  # quick-xml's whitespace: it ends a tag's name ("<c\x0br=…>" is no cell)


def _cell_patterns(name: bytes) -> tuple[re.Pattern[bytes], re.Pattern[bytes], re.Pattern[bytes]]:
    """For tags named ``name``: a ``<c>`` start tag written the usual way — space-separated, double-quoted
    attributes, one ``r``, at most two ``s``/``t`` before it so that calamine reads that ``r`` —, not self-closing
    and not followed at once by its end tag (its column letters and row digits); the same, followed at once by its
    end tag (no value); a ``</c>`` end tag."""
    value, sep, end = rb'"[^">]*"', _XML_WS + rb"+", rb"\s*</" + name + rb"c" + _XML_WS + rb"*>"
    other = rb"(?:" + sep + rb"(?![rst]=)[A-Za-z_][\w:.-]*=" + value + rb")"
    usual = (
        rb"<"
        + name
        + rb"c"
        + other
        + rb"*(?:"
        + sep
        + rb"[st]="
        + value
        + other
        + rb"*){0,2}"
        + sep
        + rb'r="([A-Za-z]+)(\d+)"(?:'
        + sep
        + rb"(?!r=)[A-Za-z_][\w:.-]*="
        + value
        + rb")*"
        + _XML_WS
        + rb"*>"
    )
    return re.compile(usual + rb"(?!" + end + rb")"), re.compile(usual + end), re.compile(end.removeprefix(rb"\s*"))


# Without a namespace prefix the expressions start with a literal "<c" and run twice as fast: used for the
# chunks with no ":c" anywhere (so no <x:c> tag).
_PLAIN, _PREFIXED = _cell_patterns(b""), _cell_patterns(_NAME)
_NAME_ENDS = (b" ", b"\t", b"\r", b"\n", b"/", b">", b"")  # what may follow a tag's name (b"": not read yet)
_PREFIX = re.compile(rb"<[A-Za-z_][\w.-]*")
_TAG_REST = re.compile(rb"(?:[^>\"']|" + _QUOTED + rb")*>")  # the rest of a tag: quick-xml skips ">" in quotes
_OPEN_CELL_AT_END = re.compile(rb"<" + _NAME + rb"c(?=[ \t\r\n/>])(?:[^>\"']|" + _QUOTED + rb")*>\s*")
MAX_CELL_XML = 4 << 20  # one cell's XML: a cell holds at most 32,767 characters
# Tag by tag, as quick-xml (calamine's parser) cuts them: <row …>, </row>, <c …>, </c> (a ">" inside quotes does
# not end a tag); a <c> start tag takes an end tag that follows at once with it. A run of self-closing cells, or
# rows, with no r attribute (written the usual way) is one step: each moves one cell right, or one row down.
_NO_R = rb'(?:[ \t\r\n]+(?!r=)[^\s=/>"\']+="[^"<]*")*[ \t\r\n]*/>'
_TOKEN = re.compile(
    rb"(?P<cells>(?:<" + _NAME + rb"c" + _NO_R + rb")+)|(?P<rows>(?:<" + _NAME + rb"row" + _NO_R + rb")+)"
    rb"|<(?P<closing>/?)" + _NAME + rb"(?P<tag>row|c)(?=[ \t\r\n/>])(?P<raw>(?:[^>\"']|" + _QUOTED + rb")*)>"
    rb"(?P<empty>\s*</" + _NAME + rb"c\s*>)?"
)
_REF = re.compile(rb"([A-Za-z]*)(\d+)")  # calamine's reading of r: letters (the column), then digits (the row)
_WS = b" \t\n\r\x0c"  # Rust's is_ascii_whitespace, which calamine's attribute parser skips
_SI = re.compile(rb"<" + _NAME + rb"si(?=[\s/>])")
_SST = re.compile(rb"<" + _NAME + rb"sst((?:[^>\"']|" + _QUOTED + rb")*)>")


class _Malformed(Exception):
    """An attribute calamine cannot parse: it refuses the sheet."""


def col_number(letters: bytes | str) -> int:
    """``A`` → 1, ``XFD`` → 16384 (lower case as calamine reads it)."""
    n = 0
    for ch in letters.upper() if isinstance(letters, str) else letters.decode("ascii").upper():
        n = n * 26 + ord(ch) - 64
    return n


@dataclass
class Extent:
    """The cells with a value of one sheet: how many, and the rectangle from A1 to the furthest of them."""

    cells: int = 0
    rows: int = 0  # 1-based: the last row holding a value
    cols: int = 0
    far: str = ""  # once over the budget: a cell with a value past it, for the message

    def add(self, row: int, col: int, n: int = 1) -> None:
        """``n`` cells with a value, reaching row ``row`` and column ``col`` (both 1-based)."""
        self.cells += n
        self.rows, self.cols = max(self.rows, row), max(self.cols, col)

    def over(self) -> str | None:
        """Why these cells do not fit the budget, or None."""
        if self.cells > L.MAX_CELLS:
            return f"more than {L.MAX_CELLS} cells with values"
        return L.over_budget(self.rows, self.cols)


def _attributes(raw: bytes) -> Iterator[tuple[bytes, bytes]]:
    """(key, value) of each attribute in a tag's raw attribute bytes, as calamine's ``RawAttrIter`` reads them:
    whitespace skipped, the key up to ``=``, a quoted value; ``_Malformed`` where calamine errs."""
    pos, end = 0, len(raw)
    while True:
        while pos < end and raw[pos] in _WS:
            pos += 1
        if pos >= end:
            return
        eq = raw.find(b"=", pos)
        if eq < 0:
            raise _Malformed
        key, pos = raw[pos:eq].rstrip(_WS), eq + 1
        while pos < end and raw[pos] in _WS:
            pos += 1
        if pos >= end or raw[pos] not in b"\"'":
            raise _Malformed
        close = raw.find(raw[pos : pos + 1], pos + 1)
        close = end if close < 0 else close
        yield key, raw[pos + 1 : close]
        pos = close + 1


def _cell_r(raw: bytes) -> bytes | None:
    """A cell's ``r`` as calamine's ``get_attrs!(r, s, t)`` takes it: the last ``r`` seen before three of these
    keys (repeats counted) have been."""
    r, found = None, 0
    for key, value in _attributes(raw):
        if key in (b"r", b"s", b"t"):
            r = value if key == b"r" else r
            found += 1
            if found == 3:
                break
    return r


def _row_r(raw: bytes) -> bytes | None:
    """A row's ``r`` as calamine's ``raw_attr(b"r")`` takes it: the first."""
    return next((value for key, value in _attributes(raw) if key == b"r"), None)


def _split(buf: bytes, final: bool) -> tuple[bytes, bytes]:
    """(the part of ``buf`` made of whole tags, the rest to carry into the next chunk). The part ends before the
    last ``<``, and before a ``<c …>`` start tag that ends it (whether that cell is empty is in the next chunk).
    What is carried is at most one tag and a text run: ``zipguard`` refuses runs past ``MAX_TEXT_RUN_BYTES``."""
    if final:
        return buf, b""
    cut = buf.rfind(b"<")
    if cut < 0:
        return buf, b""
    prev = buf.rfind(b"<", 0, cut)
    if prev >= 0 and _OPEN_CELL_AT_END.fullmatch(buf, prev, cut):
        cut = prev
    return buf[:cut], buf[cut:]


def _last_tag(buf: bytes, mark: bytes, end: int) -> int:
    """Where the last ``mark`` (``<c``, ``:c``) before ``end`` that a tag name ends after begins, -1 for none."""
    for _ in range(16):  # <col, <cols, <cfRule … are passed over one by one, then all at once
        at = buf.rfind(mark, 0, end)
        if at < 0 or buf[at + len(mark) : at + len(mark) + 1] in _NAME_ENDS:
            return at
        end = at
    return max(buf.rfind(mark + after, 0, end) for after in _NAME_ENDS[:-1])


def _last_cell_start(buf: bytes) -> int:
    """Where the last ``<c …>`` start tag of ``buf`` begins (prefixed or not), -1 for none."""
    plain = _last_tag(buf, b"<c", len(buf))
    end = len(buf)
    while b":c" in buf and (colon := _last_tag(buf, b":c", end)) > plain:
        lt = buf.rfind(b"<", 0, colon)
        if lt >= 0 and _PREFIX.fullmatch(buf, lt, colon):
            return lt
        end = colon  # ":c " in text: look further back
    return plain


def _split_outside_cells(buf: bytes, final: bool) -> tuple[bytes, bytes]:
    """(the part of ``buf`` that ends outside any ``<c>`` element — right after the last complete one, or before
    the last one that is not complete yet —, the rest to carry into the next chunk)."""
    if final:
        return buf, b""
    start = _last_cell_start(buf)
    if start < 0:
        cut = buf.rfind(b"<")
        return (buf, b"") if cut < 0 else (buf[:cut], buf[cut:])
    tag = _TAG_REST.match(buf, start + 1)
    if tag is None:
        return buf[:start], buf[start:]
    if buf[tag.end() - 2 : tag.end() - 1] == b"/":
        return buf[: tag.end()], buf[tag.end() :]
    end = (_PREFIXED if buf[start + 1 : start + 2] != b"c" else _PLAIN)[2].search(buf, tag.end())
    return (buf[:start], buf[start:]) if end is None else (buf[: end.end()], buf[end.end() :])


class TooLarge(Exception):
    """Raised by a reader that counts cells as it parses (a CSV) when they do not fit: ``extent.over()``."""

    def __init__(self, extent: Extent):
        super().__init__(extent.over())
        self.extent = extent


class SheetCells:
    """The cells with a value of one worksheet part, fed its inflated bytes in chunks, each cut where no ``<c>``
    element is open. A cell with a value is a ``<c>`` element with an end tag: when a chunk's end tags are as many
    as its usual, not self-closing ``<c>`` start tags, those are all its cells that may hold a value (a
    self-closing ``<c …/>``, however written, holds none and places no other cell). Else ``exact`` is set: count
    the part again with ``exact_cells``."""

    def __init__(self) -> None:
        self.extent = Extent()
        self.exact = False
        self._carry = b""

    def feed(self, chunk: bytes, final: bool = False) -> None:
        if self.exact:
            return
        region, self._carry = _split_outside_cells(self._carry + chunk, final)
        if len(self._carry) > MAX_CELL_XML:  # one cell's XML past what a cell can hold: tag by tag
            self.exact = True
        valued, empty, end_tag = _PREFIXED if b":c" in region else _PLAIN
        ends = len(end_tag.findall(region))  # a cell with a value has an end tag (the part ends outside cells)
        if self.exact or not ends:
            return
        cells = valued.findall(region)
        if len(cells) != ends and len(cells) + len(empty.findall(region)) != ends:
            self.exact = True  # a <c> with content not written the usual way
            return
        if not cells:
            return
        cols = {c: col_number(c) for c in set(map(itemgetter(0), cells))}
        self.extent.add(max(map(int, map(itemgetter(1), cells))), max(cols.values()), len(cells))
        if not self.extent.far and self.extent.over():
            self.extent.far = _past_budget([(int(r), cols[c]) for c, r in cells])


def _past_budget(cells: list[tuple[int, int]]) -> str:
    """The address of a cell (1-based row, column) outside the budget's rows or columns, else of the lowest."""
    row, col = next(((r, c) for r, c in cells if r > L.MAX_ROWS or c > L.MAX_COLS), max(cells))
    return cell_address(row - 1, col - 1)


def exact_cells(chunks: Iterable[bytes]) -> Extent:
    """The cells with a value of a worksheet part, tag by tag as calamine reads them: an ``r`` reference places a
    cell, a cell without one goes right of the previous cell; ``<row r>`` sets the row, ``</row>`` moves to the
    next one. A tag calamine cannot parse makes it refuse the sheet: it places nothing. Slower than
    ``SheetCells`` (a Python step per tag): used only for parts with cells not written the usual way."""
    extent, carry = Extent(), b""
    row = col = 0  # 0-based, calamine's row_index and col_index
    for chunk, final in _with_final(chunks):
        region, carry = _split(carry + chunk, final)
        for token in _TOKEN.finditer(region):
            if (run := token["cells"]) is not None:
                col += run.count(b"<")
                continue
            if (run := token["rows"]) is not None:
                row, col = row + run.count(b"<"), 0
                continue
            closing, tag, raw, empty_end = token["closing"], token["tag"], token["raw"], token["empty"]
            self_closing = raw.endswith(b"/")
            raw = raw[:-1] if self_closing else raw
            try:
                if tag == b"row":
                    r = None if closing else _row_r(raw)
                    if r is not None and (m := _REF.fullmatch(r)):
                        row = int(m.group(2)) - 1
                    if closing or self_closing:
                        row, col = row + 1, 0
                    continue
                if closing:
                    continue
                r = _cell_r(raw)
            except _Malformed:
                continue
            if r is not None and (m := _REF.fullmatch(r)) and m.group(1):
                here, col = int(m.group(2)) - 1, col_number(m.group(1)) - 1
            else:
                here = row
            if not self_closing and not empty_end:
                extent.add(here + 1, col + 1)
                if extent.over():
                    extent.far = cell_address(here, col)
                    return extent
            col += 1
    return extent


def _with_final(chunks: Iterable[bytes]) -> Iterable[tuple[bytes, bool]]:
    it = iter(chunks)
    prev = next(it, None)
    for chunk in it:
        yield prev or b"", False
        prev = chunk
    yield prev or b"", True


class SharedStrings:
    """The shared strings table: how many strings it holds (``<si>``), and how many it declares
    (``<sst uniqueCount>``): calamine reserves room for the declared count before it reads one."""

    def __init__(self) -> None:
        self.count = 0
        self.declared: int | None = None
        self._carry = b""

    def feed(self, chunk: bytes, final: bool = False) -> None:
        region, self._carry = _split(self._carry + chunk, final)
        if self.declared is None and self.count == 0 and (m := _SST.search(region)):
            try:  # calamine's raw_attr(b"uniqueCount"): the first; a count it cannot parse reserves nothing
                declared = next((v for k, v in _attributes(m.group(1).rstrip(b"/")) if k == b"uniqueCount"), b"")
            except _Malformed:
                declared = b""
            self.declared = int(declared) if declared.isdigit() else 0
        self.count += len(_SI.findall(region))

    def over(self) -> str | None:
        if self.count > L.MAX_SHARED_STRINGS:
            return f"more than {L.MAX_SHARED_STRINGS} strings"
        if self.declared is not None and self.declared > L.MAX_SHARED_STRINGS:
            return f'uniqueCount="{self.declared}" declared'
        return None
