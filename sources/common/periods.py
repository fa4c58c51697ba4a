"""Reporting periods: detected from title rows or the file name, or given explicitly.

Codes (DESIGN §5): ``2024`` year, ``2024-H1`` half-year, ``2024-Q2`` quarter, ``2024-06`` month,
``2024-06-13`` an as-of date. Patterns are matched on diacritics-folded text, so ``Quý II/2024``,
``quy 2 nam 2024`` and ``QUÝ 2/2024`` are the same.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from sources.common.text import fold

ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}


@dataclass(frozen=True, order=True)
class Period:
    code: str
    period_type: str  # year | half | quarter | month | date
    start: date
    end: date

    @property
    def year(self) -> int:
        return self.end.year


def year(y: int) -> Period:
    return Period(f"{y}", "year", date(y, 1, 1), date(y, 12, 31))


def half(y: int, h: int) -> Period:
    return Period(f"{y}-H{h}", "half", date(y, 1 if h == 1 else 7, 1), date(y, 6, 30) if h == 1 else date(y, 12, 31))


def quarter(y: int, q: int) -> Period:
    first = 3 * (q - 1) + 1
    return Period(f"{y}-Q{q}", "quarter", date(y, first, 1), _month_end(y, first + 2))


def month(y: int, m: int) -> Period:
    return Period(f"{y}-{m:02d}", "month", date(y, m, 1), _month_end(y, m))


def as_of(y: int, m: int, d: int) -> Period:
    day = date(y, m, d)
    return Period(day.isoformat(), "date", day, day)


def _month_end(y: int, m: int) -> date:
    return date(y, m, calendar.monthrange(y, m)[1])


_Y = r"((?:19|20)\d{2})"
_SEP = r"\s*(?:/|-|\.|nam|\s)\s*"
# (regex, builder, specificity): the most specific period found wins.
_PATTERNS: list[tuple[re.Pattern[str], object, int]] = [
    (
        re.compile(r"(?:tinh\s+)?den\s+(?:het\s+)?(?:ngay\s+)?(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*" + _Y),
        lambda m: as_of(int(m[3]), int(m[2]), int(m[1])),
        5,
    ),
    (re.compile(r"6\s*thang\s*(dau|cuoi)(?:\s*nam)?\s*" + _Y), lambda m: half(int(m[2]), 1 if m[1] == "dau" else 2), 4),
    (re.compile(r"\b(?:nua\s+nam|h)\s*([12])" + _SEP + _Y), lambda m: half(int(m[2]), int(m[1])), 4),
    (
        re.compile(r"\bquy\s*(iv|iii|ii|i|[1-4])\b" + _SEP + _Y),
        lambda m: quarter(int(m[2]), ROMAN.get(m[1]) or int(m[1])),
        3,
    ),
    (re.compile(r"\bq([1-4])" + _SEP + _Y), lambda m: quarter(int(m[2]), int(m[1])), 3),
    (re.compile(_Y + r"\s*[-_ ]\s*q([1-4])\b"), lambda m: quarter(int(m[1]), int(m[2])), 3),
    (re.compile(_Y + r"\s*[-_ ]\s*h([12])\b"), lambda m: half(int(m[1]), int(m[2])), 4),
    (re.compile(r"\bthang\s*(\d{1,2})" + _SEP + _Y), lambda m: month(int(m[2]), int(m[1])), 2),
    (re.compile(r"\bnam\s*" + _Y), lambda m: year(int(m[1])), 1),
]
_BARE_YEAR = re.compile(r"(?<![0-9])" + _Y + r"(?![0-9])")


def find_periods(text: str) -> list[tuple[int, Period]]:
    """Every period the text states, with its specificity. Invalid dates (31/2/2024) are skipped."""
    return [(rank, period) for rank, period, _, _ in find_period_spans(fold(text))]


def find_period_spans(folded: str) -> list[tuple[int, Period, int, int]]:
    """``find_periods`` on diacritics-folded text, with where each period is written (start, end)."""
    found: list[tuple[int, Period, int, int]] = []
    for pattern, build, rank in _PATTERNS:
        for m in pattern.finditer(folded):
            if any(s <= m.start() < e for _, _, s, e in found):
                continue  # "6 tháng đầu năm 2024" must not also count as "năm 2024"
            try:
                found.append((rank, build(m), m.start(), m.end()))  # type: ignore[operator]
            except ValueError:
                continue
    return found


def period_from_filename(name: str) -> Period | None:
    """A period in a file name: the patterns above on the name with ``_`` read as spaces, else a bare year."""
    text = re.sub(r"[_]+", " ", name.rsplit(".", 1)[0])
    found = find_periods(text)
    if found:
        return max(found)[1]
    years = {int(y) for y in _BARE_YEAR.findall(text)}
    return year(years.pop()) if len(years) == 1 else None


def most_specific(candidates: list[tuple[int, Period]]) -> tuple[Period | None, list[Period]]:
    """The most specific period, and the distinct periods tied with it (more than one = ambiguous)."""
    if not candidates:
        return None, []
    top = max(rank for rank, _ in candidates)
    tied = sorted({p for rank, p in candidates if rank == top})
    return tied[0], tied


def parse_period_code(code: str) -> Period:
    """An explicit period code (``--period 2024-Q2``) → Period; ``ValueError`` when it is not one."""
    patterns = [
        (r"^(\d{4})$", lambda m: year(int(m[1]))),
        (r"^(\d{4})-H([12])$", lambda m: half(int(m[1]), int(m[2]))),
        (r"^(\d{4})-Q([1-4])$", lambda m: quarter(int(m[1]), int(m[2]))),
        (r"^(\d{4})-(\d{2})$", lambda m: month(int(m[1]), int(m[2]))),
        (r"^(\d{4})-(\d{2})-(\d{2})$", lambda m: as_of(int(m[1]), int(m[2]), int(m[3]))),
    ]
    for pattern, build in patterns:
        m = re.match(pattern, code.strip(), flags=re.IGNORECASE)
        if m:
            return build(m)
    raise ValueError(f"not a period code: {code!r} (expected 2024, 2024-H1, 2024-Q2, 2024-06 or 2024-06-13)")


CADENCE_MONTHS = {"year": 12, "half": 6, "quarter": 3, "month": 1}


def next_due(latest_end: date, cadence: str, grace_days: int) -> date:
    """When the next file is due: the end of the first period of the cadence (calendar years, halves, quarters,
    months) that ends after ``latest_end``, plus the grace the department has to send it."""
    step = CADENCE_MONTHS[cadence]
    month_index = latest_end.year * 12 + latest_end.month - 1
    aligned = (month_index // step + 1) * step - 1  # the last month of the cadence period containing latest_end
    y, m = divmod(aligned, 12)
    end = _month_end(y, m + 1)
    if end == latest_end:
        y, m = divmod(aligned + step, 12)
        end = _month_end(y, m + 1)
    return end + timedelta(days=grace_days)
