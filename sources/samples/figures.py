"""The numbers in the sample workbooks, separate from their layout.

``province_totals()`` holds every province total (``series.py``); ``area_values()`` splits a total over the
areas of the province (districts before the 1 July 2025 reform, communes after) so that the area rows sum
*exactly* to it. Splits are integer largest-remainder splits with weights from a seeded ``random.Random``,
so they are the same on every machine. Rules that keep each area row plausible:

- a part never exceeds its whole in any area (smartphones ≤ mobile, HIS facilities ≤ facilities, cards
  issued ≤ applications, ages 14+ ≤ population, ...): parts are split in proportion to the whole;
- cumulative counters (the spec's ``kind: cumulative`` fields) never decrease in any area from one period
  to the next: the *increment* is split, never the level;
- the parts of a ``sum_of`` add up to their whole in every area (e-ID level 1 + level 2 = activated).

How each field is split follows from its spec (``part_of``, ``sum_of``, ``kind``) and the ``splits`` of its
sample file (``sources/specs/samples/<source>.yaml``, which also holds the province totals).

Only a field that adds up over areas is split (issue #25). A rate, an index, a rank or a catalogue every district
shares (``aggregate: none``) is the province's figure: its area rows show it again or nothing (``area_cells``), and
the total row holds it. A department whose tables are the province's own row (``rows: province``) or a national table
of provinces (``rows: provinces``) has its figures as they are, one row per province, text (a range, a bound) too.
"""

from __future__ import annotations

import csv
import math
import random
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from sources.common.periods import parse_period_code
from sources.samples.departments import Figure, rows_of, samples_of, sources

__all__ = ["Figure"]
from sources.samples.series import DISTRICT_WEIGHTS
from sources.specs.model import load_specs

Number = int | float
UNITS_DIR = Path(__file__).parent.parent / "areas" / "builtin"
PRE_REFORM = "2025-03-01"
POST_REFORM = "2025-07-01"
PRE_REFORM_PROVINCES = ("06", "14", "83")
POST_REFORM_PROVINCE = "19"
POST_REFORM_PERIOD = "2025-H2"

# How a field is split over the areas: (rule, whole).
#   free: weights; part: in proportion to ``whole`` in the same period; headroom: a cumulative part whose
#   increment is split in proportion to what the whole leaves room for; increment: a cumulative part whose
#   increment follows the whole's increment; rest: whole minus the other parts of its sum.


@cache
def split_rules(source: str) -> dict[str, tuple[str, str]]:
    """field → (rule, whole) for the fields that are not split freely, from the spec and the sample file: the
    first part of a ``sum_of`` is the rest, the others follow the whole (increment when cumulative); a
    ``part_of`` field is split in proportion to its whole (headroom when both are cumulative)."""
    spec = load_specs()[source]
    rules: dict[str, tuple[str, str]] = {}
    for f in spec.fields:
        for i, part in enumerate(f.sum_of):
            rules[part] = (
                ("rest", f.name) if i == 0 else ("increment" if spec.field(part).cumulative else "part", f.name)
            )
    for f in spec.fields:
        if f.name not in rules and f.part_of:
            whole = f.part_of[0]
            rules[f.name] = ("headroom" if f.cumulative and spec.field(whole).cumulative else "part", whole)
    rules.update(samples_of(source).splits)
    return rules


def _float_fields(source: str) -> set[str]:
    """Fields with one decimal (``integer: false`` in the spec); every other field is a whole count."""
    return {f.name for f in load_specs()[source].fields if not f.integer}


@dataclass(frozen=True)
class Area:
    code: str
    name: str
    full_name: str
    level: str


# Where the unit lists come from and which province totals replace the sample ones: changed only by
# ``configure`` (the national-scale generator of ``bench/scale.py``).
_UNITS_DIR: list[Path] = [UNITS_DIR]
_ADDED_TOTALS: dict[tuple[str, str, str, str], Figure] = {}


def configure(units_dir: Path | None = None, totals: dict[tuple[str, str, str, str], Figure] | None = None) -> None:
    """Read units from ``units_dir`` (e.g. the national lists of ``XHS_REFERENCE``) and use ``totals``
    ((province, source, period, field) → province total) instead of the sample ones; ``configure()`` undoes
    it."""
    _UNITS_DIR[0] = Path(units_dir) if units_dir else UNITS_DIR
    _ADDED_TOTALS.clear()
    _ADDED_TOTALS.update(totals or {})
    for cached in (_unit_rows, areas, province_totals, _table, _periods_by_key):
        cached.cache_clear()


@cache
def _unit_rows(vintage: str) -> tuple[dict[str, str], ...]:
    with (_UNITS_DIR[0] / f"admin_units_{vintage}.csv").open(encoding="utf-8", newline="") as f:
        return tuple(csv.DictReader(f))


def is_post_reform(period: str) -> bool:
    return parse_period_code(period).end.isoformat() >= POST_REFORM


@cache
def areas(province: str, period: str) -> tuple[Area, ...]:
    """The rows of a province's tables: its districts before the reform, its communes after (by code)."""
    vintage, level = (POST_REFORM, "commune") if is_post_reform(period) else (PRE_REFORM, "district")
    rows = [r for r in _unit_rows(vintage) if r["province_code"] == province and r["level"] == level]
    rows.sort(key=lambda r: r["code"])
    return tuple(Area(r["code"], r["name"], r["full_name"], r["level"]) for r in rows)


@cache
def shared_names(province: str, period: str) -> frozenset[str]:
    """Bare names two rows of the province's tables share (Thị xã and Huyện Duyên Hải, Thành phố and Huyện Hồng
    Ngự): written bare they would be ambiguous. A name shared with a unit of another level ("Sông Mã", district
    and thị trấn) is not: the reader takes the level the rows are at."""
    counts = Counter(a.name for a in areas(province, period))
    return frozenset(name for name, n in counts.items() if n > 1)


def province_name(province: str, period: str | None = None) -> str:
    """The province's name in the unit list of ``period``, else in the first list that has its code. A code can
    name two provinces: 52 is Bình Định before the 2025 reform and Gia Lai after it, so a file of a later period
    must not call it Bình Định (a province that no longer exists: the reader refuses the name)."""
    return _province_row(province, period)["name"]


def _province_row(province: str, period: str | None) -> dict[str, str]:
    lists = (POST_REFORM, PRE_REFORM) if period is not None and is_post_reform(period) else (PRE_REFORM, POST_REFORM)
    for vintage in lists:
        for r in _unit_rows(vintage):
            if r["code"] == province and r["level"] == "province":
                return r
    raise KeyError(province)


def is_urban(area: Area) -> bool:
    return area.full_name.startswith(("Thành phố", "Thị xã", "Phường"))


def table_areas(province: str, source: str, period: str) -> tuple[Area, ...]:
    """The rows of a department's table: the province's areas (``areas``), else the province itself."""
    if rows_of(source) == "areas":
        return areas(province, period)
    row = _province_row(province, period)
    return (Area(province, row["name"], row["full_name"], "province"),)


@cache
def non_additive(source: str) -> frozenset[str]:
    """The fields whose province value is never the sum of its areas (``aggregate: none``, rates, indices, ranks)."""
    return frozenset(f.name for f in load_specs()[source].fields if not f.additive)


@cache
def province_totals() -> dict[tuple[str, str, str, str], Figure]:
    """(province code, source, period code, field) → province total, for every value a sample file holds (text
    for a range or a bound)."""
    if _ADDED_TOTALS:
        return dict(_ADDED_TOTALS)
    out: dict[tuple[str, str, str, str], Figure] = {}
    for source in sources():
        samples = samples_of(source)
        for province, fields in samples.figures.items():
            for fname, values in fields.items():
                for y, v in zip(samples.years, values, strict=True):
                    if v is not None:
                        out[(province, source, str(y), fname)] = v
        for province, by_period in samples.periods.items():
            for period, period_fields in by_period.items():
                for fname, value in period_fields.items():
                    if value is not None:
                        out[(province, source, period, fname)] = value
    return out


def periods(province: str, source: str) -> list[str]:
    """The periods of a province and source, in time order (an as-of date before the end of its year)."""
    codes = _periods_by_key().get((province, source), set())
    return sorted(codes, key=lambda c: (parse_period_code(c).end, c))


@cache
def _periods_by_key() -> dict[tuple[str, str], set[str]]:
    out: dict[tuple[str, str], set[str]] = {}
    for pr, s, p, _ in province_totals():
        out.setdefault((pr, s), set()).add(p)
    return out


def fields_of(province: str, source: str, period: str) -> list[str]:
    totals = province_totals()
    order = _field_order(source)
    return [f for f in order if (province, source, period, f) in totals]


def _field_order(source: str) -> list[str]:
    """The spec's fields, each after the whole it is split from (a rest after the other parts of its sum)."""
    rules = split_rules(source)

    def depth(name: str) -> int:
        return 1 + depth(rules[name][1]) if name in rules else 0

    names = [f.name for f in load_specs()[source].fields]
    return sorted(names, key=lambda n: (depth(n), rules.get(n, ("free",))[0] == "rest"))


def split(total: int, weights: list[float]) -> list[int]:
    """``total`` in integer parts proportional to ``weights`` (largest remainder, ties to the first)."""
    if total == 0:
        return [0] * len(weights)
    w_sum = math.fsum(weights)
    if w_sum <= 0:
        raise ValueError(f"cannot split {total} over zero weights")
    exact = [total * w / w_sum for w in weights]
    parts = [math.floor(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


def _jitter(rng: random.Random, n: int, spread: float) -> list[float]:
    return [1 + rng.uniform(-spread, spread) for _ in range(n)]


def _base_weights(province: str, source: str, fname: str, area_list: tuple[Area, ...]) -> list[float]:
    """Stable shares of a field over the areas: population share × urban factor × a fixed per-area tilt."""
    rng = random.Random(f"{province}-{source}-{fname}-base")
    samples = samples_of(source)
    factor = samples.field_factors.get(fname, samples.urban_factor)
    out = []
    for a in area_list:
        pop = DISTRICT_WEIGHTS.get(a.code) or _commune_weight(a)
        out.append(pop * (factor if is_urban(a) else 1.0) * (1 + rng.uniform(-0.12, 0.12)))
    return out


def _commune_weight(area: Area) -> float:
    rng = random.Random(f"commune-{area.code}")
    return (2.2 if is_urban(area) else 1.0) * rng.uniform(0.7, 1.5) * 20


def _scaled(total: Figure, fname: str, floats: set[str]) -> int:
    assert not isinstance(total, str), f"{fname}: a figure written as text is never split"
    return round(total * 10) if fname in floats else int(total)


def _unscaled(part: int, fname: str, floats: set[str]) -> Number:
    return part / 10 if fname in floats else part


def _part_weights(whole: list[int], ratio: float, rng: random.Random) -> list[float]:
    """Weights in proportion to ``whole`` with a little noise that can never push a part above its whole."""
    spread = 0.0 if ratio >= 0.995 else min(0.06, 0.9 * (1 - ratio) / (1 + ratio))
    return [w * j for w, j in zip(whole, _jitter(rng, len(whole), spread), strict=True)]


@cache
def _table(province: str, source: str) -> dict[str, dict[str, list[int]]]:
    """period → field → scaled integer values per area (in ``areas`` order), every period of the source."""
    totals = province_totals()
    out: dict[str, dict[str, list[int]]] = {}
    previous: dict[str, list[int]] = {}
    for period in periods(province, source):
        area_list = areas(province, period)
        if previous and len(next(iter(previous.values()))) != len(area_list):
            previous = {}  # a new unit list: nothing to carry over
        current: dict[str, list[int]] = {}
        for fname in _field_order(source):
            figure = totals.get((province, source, period, fname))
            if figure is None or isinstance(figure, str) or fname in non_additive(source):
                continue  # only a count that adds up over areas is split
            total = _scaled(figure, fname, _float_fields(source))
            rng = random.Random(f"{province}-{source}-{period}-{fname}")
            current[fname] = _split_field(
                source, fname, total, current, previous, rng, _base_weights(province, source, fname, area_list)
            )
        out[period] = current
        previous = current
    return out


def _split_field(
    source: str,
    fname: str,
    total: int,
    current: dict[str, list[int]],
    previous: dict[str, list[int]],
    rng: random.Random,
    base: list[float],
) -> list[int]:
    rule, whole_name = split_rules(source).get(fname, ("free", None))
    whole = current.get(whole_name) if whole_name else None
    before = previous.get(fname)
    whole_before = previous.get(whole_name) if whole_name else None
    if rule == "rest" and whole is not None:
        others = [current[p] for p in load_specs()[source].field(str(whole_name)).sum_of if p != fname and p in current]
        return [w - sum(o) for w, *o in zip(whole, *others, strict=True)]
    if rule == "increment" and whole is not None and before is not None and whole_before is not None:
        grown = [a - b for a, b in zip(whole, whole_before, strict=True)]
        return _add(before, split(total - sum(before), [float(g) for g in grown]))
    if rule == "headroom" and whole is not None and before is not None:
        room = [w - b for w, b in zip(whole, before, strict=True)]
        return _add(before, split(total - sum(before), [float(r) for r in room]))
    if whole is not None:
        return split(total, _part_weights(whole, total / max(sum(whole), 1), rng))
    if load_specs()[source].field(fname).cumulative and before is not None:
        noisy = [b * j for b, j in zip(base, _jitter(rng, len(base), 0.3), strict=True)]
        return _add(before, split(total - sum(before), noisy))
    return split(total, [b * j for b, j in zip(base, _jitter(rng, len(base), 0.04), strict=True)])


def _add(before: list[int], increments: list[int]) -> list[int]:
    if any(i < 0 for i in increments):
        raise ValueError("a cumulative counter would decrease")
    return [b + i for b, i in zip(before, increments, strict=True)]


def area_values(province: str, source: str, period: str) -> dict[str, dict[str, Figure | None]]:
    """area code → field → value for one province, source and period; the areas of a field that adds up sum to
    ``province_totals``. A non-additive field's area rows hold the province's figure (``area_cells: same``) or
    nothing (None); a table of the province's own row holds its figures as they are."""
    if rows_of(source) != "areas":
        return {province: {f: total_of(province, source, period, f) for f in fields_of(province, source, period)}}
    table = _table(province, source)[period]
    area_list = areas(province, period)
    floats = _float_fields(source)
    out: dict[str, dict[str, Figure | None]] = {
        a.code: {f: _unscaled(v[i], f, floats) for f, v in table.items()} for i, a in enumerate(area_list)
    }
    cells = samples_of(source).area_cells
    for fname in fields_of(province, source, period):
        if fname in non_additive(source):
            shown = total_of(province, source, period, fname) if cells.get(fname) == "same" else None
            for row in out.values():
                row[fname] = shown
    return out


def area_counts(province: str, source: str, period: str) -> dict[str, dict[str, Number]]:
    """``area_values`` of the figures that are numbers (the counts split over the areas)."""
    return {
        code: {f: v for f, v in row.items() if isinstance(v, int | float)}
        for code, row in area_values(province, source, period).items()
    }


def total_of(province: str, source: str, period: str, fname: str) -> Figure | None:
    return province_totals().get((province, source, period, fname))


def sample_keys() -> list[tuple[str, str, str]]:
    """Every (province, source, period) that has a sample file of its own (a national table of provinces is one
    file per period: ``sources.samples.national``)."""
    return sorted({(p, s, per) for (p, s, per, _) in province_totals() if rows_of(s) != "provinces"})
