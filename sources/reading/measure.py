"""Units and scale as tables state them: ``(Nghìn người)``, ``Nghìn thuê bao``, ``Triệu``, ``(ĐVT: Người)``,
``ĐVT: Hộ``, ``%``, ``‰``, ``Người/km2``, ``Nam/100 nữ``, ``điểm``.

A stated unit is a scale (``nghìn`` = 1,000, ``triệu`` = 1,000,000, ``tỷ`` = 10⁹) and a base (persons,
households, subscribers, …). Values are multiplied by the scale into the field's unit. A base that cannot be the
field's unit (``Người/km2`` is a density, ``%`` a share, ``Nam/100 nữ`` a ratio, ``điểm`` an index score,
``Tuổi`` an age) means the column is not that field.

A column is a **count** only when nothing marks it otherwise (DESIGN §3b): a ratio unit (above) or a ratio word
(``RATIO_WORDS``: ``Tỷ lệ``, ``Tỷ số``, ``Tỷ trọng``, ``Chỉ số``, ``Mật độ``, ``bình quân``, ``Rate``, ``Index``…)
anywhere in its header, or in the title that names its measure, makes it a rate, ratio, share or index; a rank
word (``Xếp hạng``, ``Thứ hạng``, ``Rank``) makes it a rank. Such a column binds only to a field of kind ``rate``,
``index`` or ``rank`` (``sources/reading/columns.py``), never to a count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sources.common.text import fold, norm

# Scale words, compared with their diacritics (``trăm`` is a hundred, ``trạm`` a station); the plain-letter forms
# are those no unit word shares.
SCALES = {
    "nghìn": 1e3,
    "ngàn": 1e3,
    "triệu": 1e6,
    "tỷ": 1e9,
    "tỉ": 1e9,
    "trăm": 1e2,
    "nghin": 1e3,
    "ngan": 1e3,
    "trieu": 1e6,
    "thous": 1e3,
    "thousand": 1e3,
    "thousands": 1e3,
    "mill": 1e6,
    "million": 1e6,
    "millions": 1e6,
}
# Folded unit words → the spec units they can be (sources/specs: ``unit``). Longest first when matching.
BASES: dict[str, frozenset[str]] = {
    "nguoi": frozenset({"persons"}),
    "pers": frozenset({"persons"}),
    "persons": frozenset({"persons"}),
    "people": frozenset({"persons"}),
    "households": frozenset({"households"}),
    "subscribers": frozenset({"subscribers"}),
    "nhan khau": frozenset({"persons"}),
    "ho": frozenset({"households"}),
    "ho gia dinh": frozenset({"households"}),
    "thue bao": frozenset({"subscribers"}),
    "tb": frozenset({"subscribers"}),
    "may": frozenset({"subscribers"}),
    "tram": frozenset({"stations"}),
    "km": frozenset({"km"}),
    "co so": frozenset({"facilities"}),
    "doanh nghiep": frozenset({"enterprises"}),
    "dn": frozenset({"enterprises"}),
    "ho so": frozenset({"records", "applications"}),
    "tai khoan": frozenset({"accounts"}),
    "the": frozenset({"cards"}),
    "hoa don": frozenset({"invoices"}),
    "co so kinh doanh": frozenset({"businesses"}),
    "ho kinh doanh": frozenset({"businesses"}),
}
RATIO_BASES = {
    "%": "percent",
    "‰": "per mille",
    "phan tram": "percent",
    "/km2": "density",
    "/km": "density",
    "ty le": "percent",
    "/100": "ratio",  # Nam/100 nữ: a sex ratio
    "per 1": "rate",  # per 1,000 / per 100,000 / per 100 inhabitants
    "= 100": "index",  # Index (Previous year = 100)
    "=100": "index",
}
# Single unit words that are no count's: a score, an age, an area, money, times. ``diem`` (điểm) is an index score.
OTHER_UNITS = {
    "diem": "index",
    "lan": "ratio",
    "tuoi": None,
    "km2": None,
    "ha": None,
    "tan": None,
    "dong": None,
    "usd": None,
    "vnd": None,
}
# Words that make a column a rate, ratio, share, index or rank wherever they stand in its header path (folded, whole
# words). No alias of a count field holds one (tests/test_spec.py checks it); a field of kind rate, index or rank may
# (sources/specs/fields.py).
RATIO_WORDS = {
    "ty le": "Tỷ lệ",
    "ty so": "Tỷ số",
    "ty trong": "Tỷ trọng",
    "ty suat": "Tỷ suất",
    "chi so": "Chỉ số",
    "mat do": "Mật độ",
    "binh quan": "bình quân",
    "toc do": "Tốc độ",
    "co cau": "Cơ cấu",
    "rate": "Rate",
    "ratio": "Ratio",
    "share": "Share",
    "index": "Index",
    "density": "Density",
    "percent": "Percent",
    "percentage": "Percentage",
    "per capita": "per capita",
    # a rank is a position, never a count either (issue #25)
    "xep hang": "Xếp hạng",
    "thu hang": "Thứ hạng",
    "rank": "Rank",
    "ranking": "Ranking",
}
_RATIO_WORD = re.compile(
    r"(?<![a-z0-9])(?:" + "|".join(re.escape(w) for w in sorted(RATIO_WORDS, key=len, reverse=True)) + r")(?![a-z0-9])"
)
_WORDS = sorted(BASES, key=len, reverse=True)
_PAREN = re.compile(r"\(([^()]*)\)")
_DVT = re.compile(r"(?:đvt|dvt|đơn vị tính|don vi tinh|đơn vị|don vi)\s*[:：]\s*(.+)$", re.IGNORECASE)


@dataclass(frozen=True)
class Stated:
    """A unit written in a header or title."""

    text: str
    scale: float = 1.0
    bases: frozenset[str] = frozenset()  # spec units it can be; empty = a scale alone ("Nghìn")
    ratio: str | None = None  # percent | per mille | density: a share, never a count
    other: bool = False  # a unit word no field has ("triệu đồng"): fits no field

    def fits(self, unit: str) -> bool:
        """Whether a field in ``unit`` can be stated in this unit."""
        if self.ratio or self.other:
            return False
        return not self.bases or unit in self.bases


def parse_unit(text: str) -> Stated | None:
    """``Nghìn người`` → scale 1,000, persons; ``Người/km2`` → density; ``Triệu`` → scale 10⁶; None if no unit."""
    raw = text.strip().strip(":").strip()
    f = fold(raw).replace("²", "2")
    if not f:
        return None
    for mark, ratio in RATIO_BASES.items():
        if mark in f:
            return Stated(raw, ratio=ratio)
    if "/" in f and (per := _per_unit(f)):
        return Stated(raw, ratio=per)
    words = [w.strip(".") for w in f.split() if w.strip(".")]
    if len(words) == 1 and words[0] in OTHER_UNITS:
        kind = OTHER_UNITS[words[0]]
        return Stated(raw, ratio=kind) if kind else Stated(raw, other=True)
    first = norm(raw).split()[0].strip(".") if raw.split() else ""
    scale = 1.0
    if words and first in SCALES:
        scale, words = SCALES[first], words[1:]
    rest = " ".join(words).strip(" .")
    if not rest:
        return Stated(raw, scale) if scale != 1.0 else None
    base = next((w for w in _WORDS if rest == w), None)
    if base is None:  # "triệu đồng": a scale of something no field counts
        return Stated(raw, scale, other=True) if scale != 1.0 else None
    return Stated(raw, scale, BASES[base])


def _per_unit(folded: str) -> str | None:
    """``người/hộ``, ``thuê bao/100 dân``: one quantity per another is a ratio; ``Nghìn người/Thous. pers.`` (the
    same unit in two languages) is not."""
    left, _, right = folded.partition("/")
    left, right = left.strip(" ."), right.strip(" .")
    if not left or not right:
        return None
    a, b = parse_unit(left), parse_unit(right)
    if a is None or b is None or (a.bases and a.bases == b.bases and a.scale == b.scale):
        return None  # "tính đến ngày 13/6/2024" is a date, not a ratio
    return "ratio"


def ratio_word(text: str) -> str | None:
    """The ratio word a header or title holds (``Tỷ lệ tăng dân số`` → ``Tỷ lệ``), or None."""
    m = _RATIO_WORD.search(fold(text))
    return RATIO_WORDS[m.group(0)] if m else None


def split_label(label: str) -> tuple[str, Stated | None]:
    """A header without its unit, and the unit: ``Dân số (Nghìn người)`` → (``Dân số``, 1,000 persons).
    ``Chiều dài cáp quang (km)`` keeps its text too, since a spec alias may include the unit."""
    for m in _PAREN.finditer(label):
        inner = m.group(1)
        d = _DVT.search(inner)
        stated = parse_unit(d.group(1) if d else inner)
        if stated is not None:
            rest = (label[: m.start()] + label[m.end() :]).strip(" ,;:-")
            return rest, stated
    d = _DVT.search(label)
    if d:
        stated = parse_unit(d.group(1))
        if stated is not None:
            return label[: d.start()].strip(" ,;:-()"), stated
    return label, None


def is_unit_line(text: str) -> bool:
    """``ĐVT: %``, ``Đơn vị tính: Nghìn người``: a line that states the table's unit, never a header."""
    d = _DVT.match(text.strip())
    return d is not None and parse_unit(d.group(1).strip(" ()")) is not None


def title_unit(lines: list[str]) -> Stated | None:
    """The unit a title states for the whole table: ``Đơn vị tính: Nghìn người``, ``ĐVT: Hộ``, ``(Nghìn người)``
    alone on a line."""
    for line in lines:
        d = _DVT.search(line)
        if d and (stated := parse_unit(d.group(1).strip(" ()"))):
            return stated
        m = _PAREN.fullmatch(line.strip())
        if m and (stated := parse_unit(m.group(1))):
            return stated
    return None
