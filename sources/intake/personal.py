"""Person-level data at intake (DESIGN §8): a sheet that looks like a list of people is refused before
anything of it is stored beyond the raw archive, and no message ever repeats a personal value.

A sheet is a list of people when
- one row holds headers of two kinds of personal data, one of them a name or an ID number
  (``Họ và tên`` + ``Ngày sinh``, ``Số CCCD`` + ``Số điện thoại``, …), or
- a column headed as an ID or phone number (``Số CCCD``, ``Số điện thoại``) holds a value that looks like one
  (text, or a number of 9-12 digits: an ID typed as a number loses its leading 0), or
- a column holds at least 3 text values that look like a 12-digit citizen ID (``0XXXXXXXXXXX``) or a Vietnamese
  mobile number (``0912345678``, ``+84912345678``) — and they are at least 30 % of its non-empty cells, or
- whatever the headers say (``TÊN NVKT``, ``Tên``), a column of Vietnamese full names sits beside a column of staff
  codes, dates of birth or phone numbers (``content_finding``): at least 5 text cells and 60 % of the column's
  text are names (2-5 capitalised words, the first a common surname: ``Nguyễn Văn An``, ``TRẦN THỊ BÌNH``), and on
  those rows another column holds, in at least 3 cells and half of its cells there, mostly unique staff codes
  (``NV0123``; any unique values under a ``Mã NV`` header), dates of birth (1940-2010: a date cell, ``12/03/1985``;
  a bare year under a ``Năm sinh`` header) or mobile numbers (a 9-digit number under a phone header).
  A name column alone is not enough: streets and many communes are named after people (``Lê Lợi``, ``Trần Hưng
  Đạo``, ``Nguyễn Trãi``), so a table of them with counts, like a list of officials with counts, is read; units
  written with their type (``Phường Nguyễn Thị Minh Khai``, ``Xã Lê Lợi``, ``TP. Bắc Kạn``) are never names.
Headers are compared whole after normalisation (``sources.common.text.key``): ``Thuê bao điện thoại di động`` or
``Số hồ sơ CCCD đã thu nhận`` are aggregate indicators, not personal columns. One contact phone number in a
signature block is not a list of people.

Values are only ever shown masked: ``006012345234`` → ``0060•••••234``, ``Nguyễn Văn An`` → ``Nguy••••nAn``.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from functools import lru_cache

from sources.common.findings import Finding, cell_address, error
from sources.common.masking import mask, number_kind
from sources.common.text import key, norm
from sources.intake.grid import Cell, Sheet, cell_text

HEADERS: dict[str, tuple[str, ...]] = {
    "name": (
        "ho va ten",
        "ho ten",
        "ho va ten nguoi dan",
        "ho ten chu ho",
        "ho va ten chu ho",
        "ten chu ho",
        "ho va ten can bo",
        "full name",
    ),
    "id": (
        "so cccd",
        "cccd",
        "so can cuoc",
        "so can cuoc cong dan",
        "can cuoc cong dan",
        "so cmnd",
        "cmnd",
        "so cmnd cccd",
        "cmnd cccd",
        "so cccd cmnd",
        "cccd cmnd",
        "so dinh danh",
        "so dinh danh ca nhan",
        "ma dinh danh",
        "ma so dinh danh",
        "so ho chieu",
        "citizen id",
        "id number",
    ),
    "phone": (
        "so dien thoai",
        "dien thoai",
        "sdt",
        "so dt",
        "dien thoai lien he",
        "so dien thoai lien he",
        "so dien thoai di dong",
        "phone",
        "mobile",
        "phone number",
    ),
    "birth": ("ngay sinh", "ngay thang nam sinh", "nam sinh", "sinh ngay", "date of birth"),
    "gender": ("gioi tinh", "nam nu", "gender", "sex"),
    "address": (
        "dia chi",
        "dia chi thuong tru",
        "noi thuong tru",
        "que quan",
        "noi o hien nay",
        "cho o hien nay",
        "noi o hien tai",
        "address",
    ),
    "email": ("email", "e mail", "thu dien tu", "dia chi email"),
    "staff": (
        "ma nv",
        "ma nhan vien",
        "ma so nhan vien",
        "msnv",
        "ma nvkt",
        "ma can bo",
        "ma cb",
        "ma so can bo",
        "so hieu can bo",
        "ma cong chuc",
        "employee id",
        "staff id",
    ),
}
_KIND_OF = {alias: kind for kind, aliases in HEADERS.items() for alias in aliases}
_STRONG = {"name", "id"}
_LABELS = {"id": "số CCCD / citizen ID number", "phone": "số điện thoại di động / mobile phone number"}
HEADER_ROWS = 40  # person-list headers are looked for in the first rows
MIN_MATCHES, MIN_SHARE = 3, 0.3


def value_kind(value: object) -> str | None:
    """``id`` / ``phone`` when a text cell looks like a citizen ID / a mobile number."""
    if not isinstance(value, str) or len(value) > 24:
        return None
    return number_kind(value)


def _id_like_number(value: object) -> bool:
    """A number cell of 9-12 digits: a citizen ID or phone number typed as a number (Excel drops the leading 0)."""
    return isinstance(value, float) and value.is_integer() and 10**8 <= value < 10**12


def header_kind(value: object) -> str | None:
    return _KIND_OF.get(key(value)) if isinstance(value, str) and len(value) <= 60 else None


def person_list_findings(sheets: list[Sheet], name: str) -> list[Finding]:
    """One ``personal_data`` error per sheet that looks like a list of people; ``[]`` otherwise."""
    return [f for sheet in sheets if (f := _sheet_finding(sheet, name))]


def _sheet_finding(sheet: Sheet, name: str) -> Finding | None:
    headers: dict[int, dict[str, tuple[int, str]]] = defaultdict(dict)  # row → kind → (col, header)
    col_kind: dict[int, tuple[str, int]] = {}  # col → (kind, header row) of an ID/phone header
    matches: dict[int, list[tuple[int, str, str]]] = defaultdict(list)  # col → (row, kind, value)
    filled: dict[int, int] = defaultdict(int)
    for r, row in enumerate(sheet.rows):
        for c, v in enumerate(row):
            if v is None:
                continue
            filled[c] += 1
            if r < HEADER_ROWS and (kind := header_kind(v)):
                headers[r].setdefault(kind, (c, str(v)))
                if kind in _LABELS:
                    col_kind.setdefault(c, (kind, r))
            elif isinstance(v, str) and (vk := value_kind(v)):
                matches[c].append((r, vk, v))
            elif c in col_kind and r > col_kind[c][1] and _id_like_number(v):
                matches[c].append((r, col_kind[c][0], cell_text(v)))  # an ID typed as a number lost its 0
    for r, kinds in headers.items():
        if len(kinds) >= 2 and _STRONG & kinds.keys():
            return _refuse(sheet, name, r, kinds, matches)
    for c, found in matches.items():
        headed = col_kind.get(c)
        if (headed and any(r > headed[1] for r, _, _ in found)) or (
            len(found) >= MIN_MATCHES and len(found) >= MIN_SHARE * filled[c]
        ):
            first_row = headed[1] if headed else found[0][0]
            return _refuse(sheet, name, first_row, headers.get(first_row, {}), matches)
    return content_finding(sheet, name)


def _refuse(
    sheet: Sheet, name: str, row: int, kinds: dict[str, tuple[int, str]], matches: dict[int, list[tuple[int, str, str]]]
) -> Finding:
    cols = ", ".join(f'"{h}" ({cell_address(row, c)})' for c, h in sorted(kinds.values()))
    sample = next((m for col in sorted(matches) for m in matches[col]), None)
    counts = {k: sum(1 for ms in matches.values() for _, vk, _ in ms if vk == k) for k in _LABELS}
    seen_vi = seen_en = ""
    if sample:
        vi = ", ".join(f"{n} {_LABELS[k].split(' / ')[0]}" for k, n in counts.items() if n)
        en = ", ".join(f"{n} × {_LABELS[k].split(' / ')[1]}" for k, n in counts.items() if n)
        seen_vi, seen_en = f"; có {vi}, ví dụ {mask(sample[2])}", f"; holds {en}, e.g. {mask(sample[2])}"
    cols_vi = f"cột {cols}" if cols else "không có tiêu đề cá nhân"
    cols_en = f"columns {cols}" if cols else "no personal headers"
    cell = (
        cell_address(row, min(c for c, _ in kinds.values()))
        if kinds
        else (cell_address(sample[0], next(c for c in sorted(matches) if matches[c])) if sample else None)
    )
    return error(
        "personal_data",
        f'Sheet "{sheet.name}" của tệp {name} là danh sách cá nhân ({cols_vi}{seen_vi}): dữ liệu cá nhân không được '
        "gửi vào kho. Tệp bị từ chối, bản lưu trữ chỉ được giữ trong khu cách ly hạn chế; hãy gửi số liệu tổng hợp "
        "theo đơn vị.",
        f'Sheet "{sheet.name}" of file {name} is a list of people ({cols_en}{seen_en}): person-level data must not '
        "enter the warehouse. The file is refused and its archived copy kept only in the restricted quarantine; send "
        "counts per area.",
        file=name,
        sheet=sheet.name,
        cell=cell,
        expected="số liệu tổng hợp / aggregated counts",
        found=mask(sample[2]) if sample else cols[:200],
    )


# Person lists found by their content ---------------------------------------------------------------------------

# Common Vietnamese surnames (public knowledge); a name typed without diacritics (``Nguyen Van An``) is compared
# without them.
_SURNAMES = (
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Vũ",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
    "Đinh",
    "Lương",
    "Trương",
    "Mai",
    "Đào",
    "Cao",
    "Lâm",
    "Tạ",
    "Hà",
    "Chu",
    "Triệu",
    "Quách",
    "Tô",
    "Vương",
    "Thái",
    "Đoàn",
    "Trịnh",
    "Lưu",
    "La",
    "Kiều",
    "Khúc",
    "Tôn",
    "Ứng",
    "Tăng",
    "Ninh",
    "Nông",
    "Ma",
    "Lò",
    "Lục",
    "Sùng",
    "Giàng",
    "Thào",
    "Vàng",
    "Hầu",
    "Khổng",
    "Mạc",
    "Phùng",
    "Quan",
    "Thạch",
    "Kim",
    "Bạch",
    "Diệp",
    "Nghiêm",
    "Khuất",
    "Lại",
    "Tống",
    "Doãn",
    "Hứa",
    "Văn",
    "Âu",
    "Giáp",
    "Lã",
    "Phương",
    "Tiêu",
    "Lăng",
    "Đàm",
)
SURNAMES = frozenset(norm(s) for s in _SURNAMES)
SURNAME_KEYS = frozenset(key(s) for s in _SURNAMES)
# A unit's type, first word of its name (``Phường Nguyễn Thị Minh Khai``): never a surname, even without diacritics.
UNIT_WORDS = frozenset(
    (
        "huyện",
        "xã",
        "phường",
        "thị",
        "thành",
        "tp",
        "quận",
        "tỉnh",
        "thôn",
        "xóm",
        "bản",
        "ấp",
        "tổ",
        "khu",
        "làng",
        "buôn",
        "đường",
        "phố",
    )
)
_UNIT_KEYS = frozenset(("huyen", "xa", "phuong", "thi", "thanh", "tp", "tinh", "thon", "xom", "duong", "pho"))
MIN_NAMES, NAME_SHARE = 5, 0.6  # a name column: ≥ 5 names, ≥ 60 % of its text cells
MIN_BESIDE, BESIDE_SHARE, UNIQUE_SHARE = 3, 0.5, 0.9  # the personal column beside it, on the names' rows
BIRTH_YEARS = range(1940, 2011)
_WORD = re.compile(r"^[^\W\d_]+$")
_STAFF_CODE = re.compile(r"^[A-Za-zĐđ]{1,6}[-_.]?\d{2,8}$")
_DATE = re.compile(r"^(?:(\d{4})-\d{2}-\d{2}(?:[T ]00:00(?::00)?)?|\d{1,2}[/.-]\d{1,2}[/.-](\d{4}))$")
_BESIDE_LABELS = {
    "staff": ("mã nhân viên", "staff codes"),
    "birth": ("ngày sinh", "dates of birth"),
    "phone": ("số điện thoại", "phone numbers"),
}


@lru_cache(maxsize=1 << 16)
def looks_like_full_name(text: str) -> bool:
    """2-5 capitalised words (``Nguyễn Văn An``, ``NGUYỄN VĂN AN``), the first a common surname. A unit written
    with its type (``Xã Lê Lợi``, ``TP. Bắc Kạn``) is not a name: its first word is no surname."""
    words = unicodedata.normalize("NFC", text).split()
    if not 2 <= len(words) <= 5 or len(text) > 60:
        return False
    if not all(_WORD.match(w) and w[0].isupper() and (w[1:].islower() or w.isupper()) for w in words):
        return False
    first = norm(words[0])
    if first in UNIT_WORDS:
        return False
    if first.isascii():
        return first not in _UNIT_KEYS and first in SURNAME_KEYS
    return first in SURNAMES


def _is_staff_code(value: Cell, headed: bool) -> bool:
    """``NV0123``, ``CB-01``: letters then digits; under a staff-code header any value (uniqueness is checked)."""
    if isinstance(value, str) and _STAFF_CODE.match(value.strip()):
        return True
    return headed and value is not None


def _is_birth_date(value: Cell, headed: bool) -> bool:
    """A date (cell or ``dd/mm/yyyy`` text) in 1940-2010; under a birth header a bare year too."""
    if isinstance(value, float):
        return headed and value.is_integer() and int(value) in BIRTH_YEARS
    text = value.strip() if isinstance(value, str) else ""
    if headed and text.isdigit():
        return int(text) in BIRTH_YEARS
    m = _DATE.match(text)
    return m is not None and int(m.group(1) or m.group(2)) in BIRTH_YEARS


def _is_phone(value: Cell, headed: bool) -> bool:
    """A mobile number as text; under a phone header a number that lost its leading 0."""
    if isinstance(value, float):
        mobile = 10**8 <= value < 10**9 and str(int(value))[0] in "35789"
        return headed and value.is_integer() and (mobile or _id_like_number(value))
    return value_kind(value) == "phone"


_BESIDE_TESTS = {"staff": _is_staff_code, "birth": _is_birth_date, "phone": _is_phone}


def _beside(cells: list[tuple[int, Cell]], kinds: set[str]) -> tuple[str, list[tuple[int, Cell]]] | None:
    """The personal kind of a column's cells on the names' rows, with the cells that show it."""
    for kind, test in _BESIDE_TESTS.items():
        found = [(r, v) for r, v in cells if test(v, kind in kinds)]
        if len(found) < MIN_BESIDE or len(found) < BESIDE_SHARE * len(cells):
            continue
        if kind == "staff" and len({cell_text(v) for _, v in found}) < UNIQUE_SHARE * len(found):
            continue
        return kind, found
    return None


def content_finding(sheet: Sheet, name: str) -> Finding | None:
    """``personal_data`` when a column of full names sits beside staff codes, dates of birth or phone numbers."""
    columns: dict[int, list[tuple[int, Cell]]] = defaultdict(list)
    kinds: dict[int, set[str]] = defaultdict(set)
    for r, row in enumerate(sheet.rows):
        for c, v in enumerate(row):
            if v is not None:
                columns[c].append((r, v))
                if r < HEADER_ROWS and (kind := header_kind(v)):
                    kinds[c].add(kind)
    for c, cells in columns.items():
        texts = [(r, v) for r, v in cells if isinstance(v, str)]
        names = [(r, v) for r, v in texts if looks_like_full_name(v.strip())]
        if len(names) < MIN_NAMES or len(names) < NAME_SHARE * len(texts):
            continue
        rows = {r for r, _ in names}
        for other, other_cells in columns.items():
            if other != c and (beside := _beside([(r, v) for r, v in other_cells if r in rows], kinds[other])):
                return _refuse_content(sheet, name, (c, names), (other, *beside), columns)
    return None


def _header_above(cells: list[tuple[int, Cell]], row: int) -> str:
    return next((str(v).strip() for r, v in reversed(cells) if r < row and isinstance(v, str)), "")


def _refuse_content(
    sheet: Sheet,
    name: str,
    names: tuple[int, Sequence[tuple[int, Cell]]],
    beside: tuple[int, str, list[tuple[int, Cell]]],
    columns: dict[int, list[tuple[int, Cell]]],
) -> Finding:
    (c, found), (other, kind, values) = names, beside
    first, example = found[0][0], mask(str(found[0][1]))
    head, other_head = (_header_above(columns[col], first) for col in (c, other))
    col = f'"{head}" ({cell_address(first, c)})' if head else cell_address(first, c)
    other_col = f'"{other_head}" ({cell_address(first, other)})' if other_head else cell_address(first, other)
    vi_kind, en_kind = _BESIDE_LABELS[kind]
    other_example = mask(cell_text(values[0][1]))
    return error(
        "personal_data",
        f'Sheet "{sheet.name}" của tệp {name} là danh sách cá nhân: cột {col} có {len(found)} họ tên người (ví dụ '
        f"{example}) bên cạnh cột {other_col} có {len(values)} {vi_kind} (ví dụ {other_example}): dữ liệu cá nhân "
        "không được gửi vào kho. Tệp bị từ chối, bản lưu trữ chỉ được giữ trong khu cách ly hạn chế; hãy gửi số liệu "
        "tổng hợp theo đơn vị.",
        f'Sheet "{sheet.name}" of file {name} is a list of people: column {col} holds {len(found)} full names '
        f"(e.g. {example}) beside column {other_col} with {len(values)} {en_kind} (e.g. {other_example}): "
        "person-level data must not enter the warehouse. The file is refused and its archived copy kept only in the "
        "restricted quarantine; send counts per area.",
        file=name,
        sheet=sheet.name,
        cell=cell_address(first, c),
        expected="số liệu tổng hợp / aggregated counts",
        found=example,
    )
