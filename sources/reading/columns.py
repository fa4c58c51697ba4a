"""What each column of a table holds: a spec field, for a period, in a unit and scale; or a breakdown of one.

A column's header path (top to bottom, ``sources.reading.header``) is read in this order:
- **period** labels are taken out: ``2019``, ``2019 (*)``, ``Sơ bộ 2021``, ``Prel. 2021``, ``Năm 2020``,
  ``Quý I/2024`` (``(*)``, ``Sơ bộ``, ``Prel.`` and ``Ước`` mark the value as preliminary);
- **units** are taken out: ``(Nghìn người)``, ``(ĐVT: Hộ)``; a unit that cannot be the field's (``Người/km2``
  for a population) means the column is not that field;
- the rest is matched against the field aliases; a ``Tổng số`` leaf under a field's group is the field; a path
  that is only a total (or empty, under a period) is the field the **title** names;
- **breakdowns** (urban/rural, sex, household size) are recognised and not loaded; **age bands** are summed into
  the population fields whose ages they exactly cover (``age_band`` in the spec);
- **rates**: a column whose path holds a ratio unit (``%``, ``Nam/100 nữ``, ``Người/km2``, ``điểm``) or a ratio word
  (``Tỷ lệ``, ``Tỷ trọng``, ``Mật độ``, ``Index``…) at any level, or that the title names when the title's measure
  is a rate (``Tỷ lệ tăng dân số``), or that states no unit under a table unit that is a ratio (``ĐVT: %``), is a
  rate: never bound to a count field (``ColumnPlan.rates``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache, lru_cache

from sources.common.periods import Period, find_period_spans, year
from sources.common.text import fold, key, norm
from sources.reading.kinds import fits
from sources.reading.measure import Stated, ratio_word, split_label
from sources.specs.model import Field, Spec

TOTAL_WORDS = {"tong so", "tong", "cong", "chung", "total", "toan bo", "tong cong", "all"}
PRELIM = re.compile(r"\(\s*\*+\s*\)|\bso\s*bo\b|\bprel\b\.?|\bpre\.|\buoc\s*(tinh|thuc hien)?\b|\bpreliminary\b")
_ANY_YEAR = re.compile(r"(?<![0-9])((?:19|20)\d{2})(?![0-9])")
# Words that join a period to a label: "Thuê bao đến 30/6/2024", "Dân số năm 2020", "as of 2021".
_CONNECTORS = re.compile(
    r"(?<![a-z])(?:tinh den|den het|den ngay|den|tai|nam|ngay|thoi diem|as of|at|in|year)"
    r"(?![a-z])\s*[:]?\s*$|^\s*(?:nam|year)(?![a-z])"
)
_NUMBERED = re.compile(r"^\s*(?:\d{1,2}|[ivx]{1,4}|[a-h])\s*[.)]\s+", re.IGNORECASE)
BREAKDOWN_WORDS: dict[str, str] = {
    "thanh thi": "residence",
    "nong thon": "residence",
    "urban": "residence",
    "rural": "residence",
    "nam": "sex",
    "nu": "sex",
    "male": "sex",
    "female": "sex",
}
_HOUSEHOLD_SIZE = re.compile(r"^(ho\s*)?\d{1,2}\s*(nguoi|nhan khau)(\s*tro len)?$")
_BAND = re.compile(r"^(?:tu\s*)?(\d{1,3})-(\d{1,3})(?:\s*tuoi)?$")
_BAND_OPEN = re.compile(r"^(?:tu\s*)?(\d{1,3})\s*(?:\+|tuoi tro len|tro len|tuoi\s*\+)$")
_CLAUSE = re.compile(r"[,;:.(]|\s(?:va|and|theo|by|phan theo)\s")


@dataclass(frozen=True)
class Binding:
    """A column that holds values of ``field`` (a spec field, or an age band ``_band:15-19:<group>``)."""

    col: int
    field: str
    period: Period | None = None
    preliminary: bool = False
    scale: float = 1.0
    label: str = ""


@dataclass
class ColumnPlan:
    bindings: list[Binding] = field(default_factory=list)
    derived: dict[str, list[str]] = field(default_factory=dict)  # field → the fields/bands it is the sum of
    ignored: dict[int, str] = field(default_factory=dict)  # column → label no field matched
    breakdowns: dict[int, str] = field(default_factory=dict)  # column → label of a recognised breakdown
    unit_mismatch: dict[int, tuple[str, str]] = field(default_factory=dict)  # column → (label, field)
    notes: list[tuple[str, str]] = field(default_factory=list)  # (vi, en) notes for the findings
    rates: dict[int, tuple[str, str]] = field(default_factory=dict)  # column → (label, what marks it a rate)

    @property
    def fields(self) -> set[str]:
        return {b.field for b in self.bindings if not b.field.startswith("_")} | set(self.derived)


def column_period(text: str) -> tuple[Period, bool, str] | None:
    """A period written in a header: (period, preliminary, the rest of the label without the period and its
    connecting words, diacritics folded). ``Sơ bộ 2021`` → (2021, True, ""); ``Thuê bao Internet đến 30/6/2024``
    → (2024-06-30, False, "thue bao internet")."""
    f = fold(text)
    prelim = bool(PRELIM.search(f))
    rest = PRELIM.sub(" ", f)
    spans = find_period_spans(rest)
    if spans:
        _, period, start, end = max(spans, key=lambda s: (s[0], -s[2]))
    elif bare := _ANY_YEAR.search(rest):
        period, start, end = year(int(bare.group(1))), bare.start(), bare.end()
    else:
        return None
    leftover = re.sub(r"\(\s*\)", " ", _CONNECTORS.sub(" ", rest[:start] + " " + rest[end:]))
    return period, prelim, re.sub(r"\s+", " ", leftover).strip(" ,;:-/")


def _cell_period(label: str) -> tuple[Period, bool, str] | None:
    if re.fullmatch(r"\s*((?:19|20)\d{2})(\.0)?\s*", label):
        return year(int(float(label))), False, ""
    return column_period(label)


def age_band(label: str) -> tuple[int, int | None] | None:
    """``0 - 04`` → (0, 4); ``85+`` / ``80 tuổi trở lên`` → (80, None); None when the label is not an age band."""
    f = re.sub(r"\s*[-–]\s*", "-", fold(label).strip())
    if m := _BAND.match(f):
        lo, hi = int(m.group(1)), int(m.group(2))
        return (lo, hi) if lo <= hi <= 120 else None
    if m := _BAND_OPEN.match(f):
        return int(m.group(1)), None
    return None


def breakdown_kind(label: str) -> str | None:
    k = key(_NUMBERED.sub("", label))
    for word, kind in BREAKDOWN_WORDS.items():
        if k == word or (k.startswith(word + " ") and k.removeprefix(word).strip() in TOTAL_WORDS):
            return kind
    if snake := _snake_breakdown(k):  # total_urban_male, total_female: a data portal's breakdown columns
        return snake
    if _HOUSEHOLD_SIZE.match(k):
        return "household size"
    if k.startswith(("chia ra", "chia theo", "trong do", "by ", "phan theo")) and not k.startswith("trong do:"):
        return "group"
    return None


def _snake_breakdown(k: str) -> str | None:
    """``total urban male`` (a portal's ``total_urban_male``): breakdown words after an optional total word."""
    words = k.split()
    if len(words) < 2 or words[0] not in TOTAL_WORDS:
        return None
    kinds = [BREAKDOWN_WORDS.get(w) for w in words[1:]]
    return kinds[0] if all(kinds) else None


def is_total_label(label: str) -> bool:
    """``Tổng số``, ``Cộng``, ``1. Tổng``, ``Total``: a breakdown's total."""
    return key(_NUMBERED.sub("", label)) in TOTAL_WORDS


def title_field(spec: Spec, lines: list[str], unit: Stated | None) -> Field | None:
    """The field a title names (``Dân số trung bình phân theo địa phương``): the longest alias it contains, with no
    ratio word before it in the same clause (``Mật độ dân số``, ``Tỷ lệ tăng dân số``, ``Tỷ trọng dân số 15-64``
    are not a population) and in a unit the field can have."""
    return _title_field(spec, tuple(lines), unit)


def title_rate(lines: list[str]) -> str | None:
    """What makes the title's measure a rate: its first ratio word (``Tỷ lệ tăng dân số`` → ``ty le``), or None."""
    for line in lines:
        if word := ratio_word(line):
            return word
    return None


def _clause_start(text: str, end: int) -> int:
    starts = [m.end() for m in _CLAUSE.finditer(text, 0, end)]
    return starts[-1] if starts else 0


@cache
def _title_field(spec: Spec, lines: tuple[str, ...], unit: Stated | None) -> Field | None:
    pattern, by_alias = _alias_pattern(spec)
    best: tuple[int, Field] | None = None
    for line in lines:
        text = fold(line)
        for m in pattern.finditer(text):
            f = by_alias[m.group(0)]
            if ratio_word(text[_clause_start(text, m.start()) : m.start()]):
                continue
            if unit is not None and not unit.fits(f.unit):
                continue
            if best is None or len(m.group(0)) > best[0]:
                best = (len(m.group(0)), f)
    return best[1] if best else None


@cache
def _alias_pattern(spec: Spec) -> tuple[re.Pattern[str], dict[str, Field]]:
    """One regex of every alias of the spec (folded, longest first), and the field each alias names."""
    by_alias: dict[str, Field] = {}
    for f in spec.fields:
        for alias in f.aliases:
            by_alias.setdefault(fold(alias), f)
    words = sorted(by_alias, key=len, reverse=True)
    return re.compile(r"(?<![a-z0-9])(?:" + "|".join(re.escape(w) for w in words) + r")(?![a-z0-9])"), by_alias


def _match(spec: Spec, path: list[str], measures_only: bool = False) -> tuple[Field | None, int]:
    """The field a header path names best; ``measures_only``: among the rate, index and rank fields alone (a column
    marked as a rate, ratio, share, index or rank is never a count)."""
    memo = spec_memo(spec, "match-measures" if measures_only else "match")
    found = memo.get(key := tuple(path))
    if found is None:
        found = memo[key] = _match_path(spec, key, measures_only)
    return found


_SPEC_MEMOS: dict[tuple[int, str], tuple[Spec, dict]] = {}
MAX_SPEC_MEMO = 1 << 14


def spec_memo(spec: Spec, name: str) -> dict:
    """A memo of ``name`` for this spec object. Keyed by the object itself, not by its value: hashing a spec
    hashes every field and alias, which cost more than the look-ups it saved."""
    entry = _SPEC_MEMOS.get((id(spec), name))
    if entry is None or entry[0] is not spec or len(entry[1]) >= MAX_SPEC_MEMO:
        if len(_SPEC_MEMOS) >= 256:  # specs are loaded once per run; tests load many
            _SPEC_MEMOS.clear()
        entry = _SPEC_MEMOS[(id(spec), name)] = (spec, {})
    return entry[1]


def _match_path(spec: Spec, path: tuple[str, ...], measures_only: bool = False) -> tuple[Field | None, int]:
    best: tuple[int, Field | None] = (0, None)
    for f in spec.fields:
        if measures_only and f.is_count:
            continue
        s = score(f, list(path))
        if s > best[0]:
            best = (s, f)
    return best[1], best[0]


def score(f: Field, path: list[str]) -> int:
    """How well a header path names a field: the leaf label, else the whole path read as one phrase
    (``Thuê bao điện thoại`` over ``Di động``), else the last two levels. Higher is better; 0 is no match."""
    if not path:
        return 0
    phrases = [path[-1], " ".join(path), " ".join(path[-2:])]
    for rank, phrase in enumerate(phrases):
        m = f.matches(phrase)
        if m:
            return 10 * (len(phrases) - rank) + m
    return 0


@dataclass
class _Column:
    col: int
    path: list[str]  # without periods and units
    full: list[str]  # without periods, units kept (``Cáp quang (km)`` is an alias as it is)
    period: Period | None
    preliminary: bool
    unit: Stated | None
    label: str
    rate: str | None = None  # the unit or word that makes it a rate, ratio, share or index


def _read_column(col: int, raw: list[str]) -> _Column:
    path, full, period, prelim, unit, label, rate = _read_labels(tuple(raw))
    return _Column(col, list(path), list(full), period, prelim, unit, label, rate)


@lru_cache(maxsize=1 << 14)
def _read_labels(
    raw: tuple[str, ...],
) -> tuple[tuple[str, ...], tuple[str, ...], Period | None, bool, Stated | None, str, str | None]:
    """A header path read once: (path without periods and units, path with units, period, preliminary, unit,
    label, what marks it a rate). The same headers recur in every candidate block and for every spec."""
    path: list[str] = []
    full: list[str] = []
    period, prelim, unit = None, False, None
    rate: str | None = None
    for text in raw:
        rate = rate or ratio_word(text)
        p = _cell_period(text)
        if p:
            period, prelim = p[0], prelim or p[1]
            text = p[2]
            if not text:
                continue
        if not full or norm(full[-1]) != norm(text):
            full.append(text)
        rest, stated = split_label(text)
        if stated is not None:
            unit = stated
            rate = rate or (stated.text if stated.ratio else None)
            if not rest:
                continue
            text = rest
        if text and (not path or norm(path[-1]) != norm(text)):
            path.append(text)
    return tuple(path), tuple(full), period, prelim, unit, " / ".join(raw), rate


def header_without_period(raw: tuple[str, ...]) -> tuple[str, ...]:
    """A header path with its periods taken out, units kept (``2011 Area (Km2)`` → ``area (km2)``)."""
    return _read_labels(raw)[1]


def plan_columns(
    spec: Spec, labels: dict[int, list[str]], skip: set[int], title_lines: list[str], table_unit: Stated | None
) -> ColumnPlan:
    """Bind every column of ``labels`` (except ``skip``) to a field, a breakdown, or nothing."""
    plan = ColumnPlan()
    named = title_field(spec, title_lines, table_unit)
    titled_rate = None if named else title_rate(title_lines)
    table_rate = table_unit.text if table_unit is not None and table_unit.ratio else None
    columns = [_read_column(c, labels[c]) for c in sorted(labels) if c not in skip and labels[c]]
    used: set[tuple[str, Period | None]] = set()
    bands: list[tuple[_Column, tuple[int, int | None], tuple[str, ...]]] = []
    candidates: list[tuple[int, int, Field, _Column]] = []
    for col in columns:
        path = col.path
        titled = not path or all(is_total_label(p) for p in path)  # a column the title's measure names
        rate = col.rate or (table_rate if col.unit is None else None) or (titled_rate if titled else None)
        # A rate, ratio, share, index or rank is never a count (DESIGN §3b): a marked column binds only to a field
        # of kind rate, index or rank (issue #25), and is otherwise a rate no field holds.
        f, s = _match(spec, col.full, measures_only=bool(rate))
        if f is None:
            f, s = _match(spec, path, measures_only=bool(rate))
        if rate and f is None:
            plan.rates[col.col] = (col.label, rate)
            continue
        if f is None and path and is_total_label(path[-1]):
            f, s = _match(spec, path[:-1]) if len(path) > 1 else (None, 0)
            if f is None and (len(path) == 1 or all(is_total_label(p) for p in path)) and named:
                f, s = named, 1
        if f is None and not path and col.period and named:
            f, s = named, 1
        if f is None and path and (band := age_band(path[-1])):
            bands.append((col, band, tuple(p for p in path[:-1] if not is_total_label(p))))
            continue
        if f is None:
            if path and any(breakdown_kind(p) for p in path):
                plan.breakdowns[col.col] = col.label
            elif path:
                plan.ignored[col.col] = col.label
            continue
        candidates.append((s, -col.col, f, col))
    for _, _, f, col in sorted(candidates, key=lambda t: (t[0], t[1]), reverse=True):
        unit = col.unit or (table_unit if table_unit and fits(table_unit, f) else None)
        if col.unit is not None and not fits(col.unit, f):
            plan.unit_mismatch[col.col] = (col.label, f.name)
            continue
        if (f.name, col.period) in used:
            plan.ignored[col.col] = col.label
            continue
        used.add((f.name, col.period))
        scale = unit.scale if unit and f.is_count else 1.0  # a rate, index or rank is never scaled
        plan.bindings.append(Binding(col.col, f.name, col.period, col.preliminary, scale, col.label))
    plan.bindings.sort(key=lambda b: b.col)
    bound = {b.field for b in plan.bindings}
    for f in spec.fields:
        if f.sum_of and f.name not in bound and all(p in bound for p in f.sum_of):
            plan.derived[f.name] = list(f.sum_of)
    if bands:
        from sources.reading.bands import plan_bands  # bands need the column types above

        plan_bands(spec, bands, table_unit, plan)
    return plan
