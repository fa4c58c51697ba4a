"""Lists of people found by their content (``content_finding``): whatever the headers say, a column of Vietnamese
full names beside a column of staff codes, dates of birth or phone numbers (the rule is in ``sources.intake
.personal``'s docstring). Values are only ever shown masked."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from functools import lru_cache

from sources.common.findings import Finding, cell_address, error
from sources.common.masking import mask
from sources.common.text import key, norm
from sources.intake.grid import Cell, Sheet, cell_text
from sources.intake.person_headers import HEADER_ROWS, header_kind, id_like_number, value_kind

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
        return headed and value.is_integer() and (mobile or id_like_number(value))
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
