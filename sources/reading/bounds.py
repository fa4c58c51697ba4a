"""Ranges and bounds as departments and articles write them (issue #25): a figure given as its bounds, never as one
number.

Rules (the text NFC, case and diacritics folded, spaces collapsed; numbers by the rules of ``numbers.py``, each may
end in ``%`` and be followed by a scale word ``nghìn``/``ngàn``, ``triệu``, ``tỷ``):

- a **range**: two numbers joined by ``-``, ``–``, ``—``, ``đến``, ``tới`` or ``to``, optionally after ``từ``/``from``:
  ``20-25%``, ``20 – 25 %``, ``từ 20 đến 25``, ``20% - 25%`` → lower 20, upper 25. The first must not exceed the
  second (``25-20`` is not a range: the cell is reported, never read);
- a **lower bound**: ``trên``, ``hơn``, ``ít nhất``, ``tối thiểu``, ``không dưới``, ``>``, ``≥``, ``>=``, ``over``,
  ``more than``, ``above``, ``at least`` before the number, or ``trở lên`` after it: ``trên 80 %``, ``hơn 116.000``,
  ``hơn 1 triệu`` → lower 80, 116,000, 1,000,000;
- an **upper bound**: ``dưới``, ``gần`` (nearly), ``chưa đến``, ``tối đa``, ``không quá``, ``<``, ``≤``, ``<=``,
  ``under``, ``below``, ``less than``, ``nearly``, ``at most``, ``up to`` before the number, or ``trở xuống`` after
  it: ``gần 60%`` → upper 60.

Anything else (``khoảng 60``, about 60; ``60 hoặc 70``) is not a bound: the cell stays "not a number", reported and
never coerced. A scale word states the cell's own unit, so the column's stated scale is not applied on top of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sources.common.text import fold
from sources.reading.numbers import parse_number

_NUMBER = r"[+-]?\d[\d.,]*"
_SCALE_WORDS = {"nghin": 1e3, "ngan": 1e3, "trieu": 1e6, "ty": 1e9, "ti": 1e9, "thousand": 1e3, "million": 1e6}
_SCALE = r"(?:\s*(?P<{name}>" + "|".join(sorted(_SCALE_WORDS, key=len, reverse=True)) + r"))?"
_AMOUNT = r"(?P<n{i}>" + _NUMBER + r")\s*%?" + _SCALE.format(name="s{i}") + r"\s*%?"
_LOWER_WORDS = (
    "khong duoi",
    "it nhat",
    "toi thieu",
    "more than",
    "at least",
    "tren",
    "hon",
    "over",
    "above",
    ">=",
    "≥",
    ">",
)
_UPPER_WORDS = (
    "chua den",
    "khong qua",
    "toi da",
    "less than",
    "at most",
    "up to",
    "duoi",
    "gan",
    "under",
    "below",
    "nearly",
    "<=",
    "≤",
    "<",
)
_JOIN = r"\s*(?:-|–|—|den|toi|to)\s*"


def _alternatives(words: tuple[str, ...]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_RANGE = re.compile(r"^(?:tu|from)?\s*" + _AMOUNT.format(i=1) + _JOIN + _AMOUNT.format(i=2) + r"$")
_LOWER = re.compile(r"^(?:" + _alternatives(_LOWER_WORDS) + r")\s*" + _AMOUNT.format(i=1) + r"$")
_UPPER = re.compile(r"^(?:" + _alternatives(_UPPER_WORDS) + r")\s*" + _AMOUNT.format(i=1) + r"$")
_AND_UP = re.compile(r"^(?:tu\s*)?" + _AMOUNT.format(i=1) + r"\s*tro len$")
_AND_DOWN = re.compile(r"^" + _AMOUNT.format(i=1) + r"\s*tro xuong$")


@dataclass(frozen=True)
class Bound:
    """A figure known only by its bounds: ``lower`` and/or ``upper`` (None = open on that side)."""

    lower: float | None
    upper: float | None
    scaled: bool  # a scale word (triệu, nghìn) gave the cell its own unit

    @property
    def kind(self) -> str:
        """``range`` (both bounds), ``lower`` (at least) or ``upper`` (at most)."""
        if self.lower is not None and self.upper is not None:
            return "range"
        return "lower" if self.lower is not None else "upper"

    def describe(self) -> tuple[str, str]:
        """(vi, en) words for the finding: ``từ 20 đến 25`` / ``20 to 25``."""
        lo, hi = _show(self.lower), _show(self.upper)
        if self.kind == "range":
            return f"khoảng từ {lo} đến {hi}", f"the range {lo} to {hi}"
        if self.kind == "lower":
            return f"cận dưới {lo} (lớn hơn hoặc bằng)", f"a lower bound of {lo} (at least)"
        return f"cận trên {hi} (nhỏ hơn hoặc bằng)", f"an upper bound of {hi} (at most)"


def _show(x: float | None) -> str:
    if x is None:
        return ""
    return f"{x:,.0f}".replace(",", ".") if float(x).is_integer() else f"{x:g}".replace(".", ",")


def _amount(m: re.Match[str], i: int) -> tuple[float | None, bool]:
    value = parse_number(m.group(f"n{i}"))
    word = m.group(f"s{i}")
    if value is None or word is None:
        return value, False
    return value * _SCALE_WORDS[word], True


def parse_bound(text: str) -> Bound | None:
    """The bounds a cell's text states (the rules above), or None when it states none."""
    t = re.sub(r"\s+", " ", fold(text)).strip()
    if not t or not any(ch.isdigit() for ch in t):
        return None
    if m := _RANGE.match(t):
        (lo, s1), (hi, s2) = _amount(m, 1), _amount(m, 2)
        if lo is None or hi is None or lo > hi or (m.group("n2").startswith(("-", "+"))):
            return None
        return Bound(lo, hi, s1 or s2)
    for pattern, side in ((_LOWER, "lower"), (_AND_UP, "lower"), (_UPPER, "upper"), (_AND_DOWN, "upper")):
        if m := pattern.match(t):
            value, scaled = _amount(m, 1)
            if value is None:
                return None
            return Bound(value, None, scaled) if side == "lower" else Bound(None, value, scaled)
    return None
