"""The headers of a list of people (``Họ và tên``, ``Số CCCD``, ``Số điện thoại``, ``Ngày sinh``…), compared whole
after normalisation (``sources.common.text.key``), and the kind of personal data each names; and
what a cell looks like (a citizen ID, a mobile number)."""

from __future__ import annotations

from sources.common.masking import number_kind
from sources.common.text import key

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
STRONG = {"name", "id"}
LABELS = {"id": "số CCCD / citizen ID number", "phone": "số điện thoại di động / mobile phone number"}
HEADER_ROWS = 40  # person-list headers are looked for in the first rows


def header_kind(value: object) -> str | None:
    return _KIND_OF.get(key(value)) if isinstance(value, str) and len(value) <= 60 else None


def value_kind(value: object) -> str | None:
    """``id`` / ``phone`` when a text cell looks like a citizen ID / a mobile number."""
    if not isinstance(value, str) or len(value) > 24:
        return None
    return number_kind(value)


def id_like_number(value: object) -> bool:
    """A number cell of 9-12 digits: a citizen ID or phone number typed as a number (Excel drops the leading 0)."""
    return isinstance(value, float) and value.is_integer() and 10**8 <= value < 10**12
