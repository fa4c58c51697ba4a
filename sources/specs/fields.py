"""The fields of a departmental spec: what one column of a department's table holds, and what kind of figure it is.

A field's ``kind`` (DESIGN §8, issue #25) says how its values behave:

- ``stock``, ``flow``, ``cumulative``: **counts**. They add up over areas: a province's value is the sum of its
  districts (``aggregate: sum``, the default), unless the field says ``aggregate: none`` (a catalogue every district
  shares: the province value is the one reported, never the sum).
- ``rate``: a share or ratio the department reports as such (a percentage of payments, say), in ``unit``. Never
  summed, scaled or suppressed as a count of people.
- ``index``: a score on a scale, with ``scale_max`` (the DTI out of 1,000 points, a pillar out of 150). Never summed.
- ``rank``: a position, 1 = first, ``out_of`` units ranked (a number, or ``provinces``: the provinces of the unit
  list in force, 63 before 1 July 2025 and 34 after). Never summed.

Rates, indices and ranks are non-additive (``aggregate: none``) whatever the spec says; only a count may be
``aggregate: sum``. A column a header or unit marks as a rate, ratio, share, index or rank (``Tỷ lệ``, ``%``,
``điểm``, ``Xếp hạng``) binds only to a field of one of these kinds; a count field binds only to unmarked columns.
``docs/field_kinds.md`` explains the keys with examples.
"""

from __future__ import annotations

from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from sources.common.text import key, norm

COUNT_KINDS = ("stock", "flow", "cumulative")
MEASURE_KINDS = ("rate", "index", "rank")  # non-additive by nature
KINDS = COUNT_KINDS + MEASURE_KINDS
Kind = Literal["stock", "flow", "cumulative", "rate", "index", "rank"]
OUT_OF_LEVELS = ("provinces",)  # a rank ``out_of`` the provinces of the unit list in force


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Field(_Strict):
    """One figure a department reports per area and period."""

    name: str
    name_vi: str
    name_en: str
    definition_vi: str
    definition_en: str
    unit: str
    # stock: as of the end of the period; flow: total over the period; cumulative: a stock counted since a
    # programme began, which never decreases (the warehouse warns when it does); rate, index, rank: see above.
    kind: Kind = "stock"
    # sum: the province value is the sum of its areas (counts only); none: the reported province value, never a sum
    aggregate: Literal["sum", "none"] = "sum"
    scale_max: float | None = None  # index: the top of its scale (1000 points)
    out_of: int | Literal["provinces"] | None = None  # rank: how many units are ranked
    aliases: tuple[str, ...]
    required: bool = False  # the department always sends it: its absence is a warning
    integer: bool = True  # a count: decimals with no stated unit are an error (a table in thousands)
    part_of: tuple[str, ...] = ()  # wholes this field is a part of (checked: part <= whole, in every row)
    sum_of: tuple[str, ...] = ()  # parts that add up to it when it is delivered split (e.g. levels 1 + 2)
    max_yearly_change: float = 0.5  # a larger relative move between consecutive years is a warning
    age_band: tuple[int, int | None] | None = None  # ages the field counts (lo, hi; None = and over)

    @model_validator(mode="before")
    @classmethod
    def _measure_defaults(cls, data: Any) -> Any:
        """A rate, index or rank is non-additive and may have decimals unless the spec says otherwise."""
        if isinstance(data, dict) and data.get("kind") in MEASURE_KINDS:
            data = {"aggregate": "none", **data}
            data.setdefault("integer", False)
        return data

    @field_validator("part_of", "sum_of", "aliases", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return (value,) if isinstance(value, str) else value

    @field_validator("name")
    @classmethod
    def _snake_case(cls, value: str) -> str:
        if not value.isidentifier() or value != value.lower():
            raise ValueError(
                f"tên trường {value!r} phải viết thường, kiểu snake_case / field name {value!r} must be "
                "lower-case snake_case (letters, digits, _)"
            )
        return value

    @model_validator(mode="after")
    def _kind_keys(self) -> Field:
        """Each kind with its own keys: an index has a scale, a rank a number ranked, only a count is summed."""
        problems = []
        if self.kind in MEASURE_KINDS and self.aggregate == "sum":
            problems.append(
                f"kind {self.kind}: không bao giờ cộng qua các đơn vị, không dùng aggregate: sum / is never summed "
                "over areas: aggregate: sum is not allowed"
            )
        if self.kind == "index" and (self.scale_max is None or self.scale_max <= 0):
            problems.append(
                "kind index cần scale_max (điểm tối đa của thang, ví dụ 1000) / kind index needs scale_max (the top "
                "of its scale, e.g. 1000)"
            )
        if self.kind != "index" and self.scale_max is not None:
            problems.append(f"scale_max chỉ dùng cho kind index / scale_max is for kind index only, not {self.kind}")
        if self.kind == "rank" and (self.out_of is None or (isinstance(self.out_of, int) and self.out_of < 1)):
            problems.append(
                "kind rank cần out_of (số đơn vị được xếp hạng, hoặc provinces) / kind rank needs out_of (how many "
                "units are ranked, or provinces)"
            )
        if self.kind != "rank" and self.out_of is not None:
            problems.append(f"out_of chỉ dùng cho kind rank / out_of is for kind rank only, not {self.kind}")
        if self.kind in MEASURE_KINDS and (self.part_of or self.sum_of or self.age_band):
            problems.append(
                f"kind {self.kind}: part_of, sum_of và age_band chỉ dùng cho số đếm / part_of, sum_of and age_band "
                "are for counts only"
            )
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def cumulative(self) -> bool:
        return self.kind == "cumulative"

    @property
    def is_count(self) -> bool:
        """A count of things (stock, flow, cumulative), whether or not it adds up over areas."""
        return self.kind in COUNT_KINDS

    @property
    def additive(self) -> bool:
        """Its province value is the sum of its areas' (a count with ``aggregate: sum``)."""
        return self.is_count and self.aggregate == "sum"

    def matches(self, label: str) -> int:
        """0 = no match, 2 = exact (normalised) match, 1 = diacritics/punctuation-insensitive match."""
        normed, keyed = _alias_forms(self.aliases)
        if norm(label) in normed:
            return 2
        k = key(label)
        return 1 if k and k in keyed else 0


@cache
def _alias_forms(aliases: tuple[str, ...]) -> tuple[frozenset[str], frozenset[str]]:
    """The aliases normalised and keyed once (the reader compares every header with every alias)."""
    return frozenset(norm(a) for a in aliases), frozenset(k for a in aliases if (k := key(a)))


def in_aliases(label: str, options: tuple[str, ...]) -> bool:
    k = key(label)
    return bool(k) and k in _keyed(options)


@cache
def _keyed(options: tuple[str, ...]) -> frozenset[str]:
    return frozenset(key(o) for o in options)


class ReportedRate(_Strict):
    """A percentage some departments type beside the counts; checked against the counts, never loaded."""

    name: str
    numerator: str
    denominator: str
    aliases: tuple[str, ...]
    tolerance: float = 0.5  # percentage points

    def matches(self, label: str) -> bool:
        return in_aliases(label, self.aliases)
