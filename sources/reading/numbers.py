"""Vietnamese number text → numbers, as Polars expressions (cells are read as text and cast explicitly).

Rules (DESIGN §3): ``279.568`` and ``1.234.567`` use ``.`` for thousands; ``90,5`` and ``1.234,5`` use ``,``
for decimals; ``62%`` and ``62,5 %`` are percentages (the number before the sign); ``-``, ``x``, ``…`` and
empty mean no data (null, never 0). A lone ``.`` with other than three digits after it is a decimal point
(``90.5``, an English-style text), and ``1,234,567`` with several comma groups is English thousands.
Anything else is not a number: the reader reports the cell, it never coerces.
"""

from __future__ import annotations

import re

import polars as pl

NULL_TOKENS = ["", "-", "x", "X", "–", "—", "…", "...", "..", "kxđ", "k/c"]

_SPACES = r"[\s\u00a0\u202f]+"
_VI_THOUSANDS = r"^[+-]?\d{1,3}(\.\d{3})+(,\d+)?$"  # 1.234.567 / 1.234,5
_VI_DECIMAL = r"^[+-]?\d+,\d+$"  # 90,5
_PLAIN = r"^[+-]?\d+$"
_DOT_DECIMAL = r"^[+-]?\d*\.\d+$"  # 90.5 (not 3-digit groups: those matched _VI_THOUSANDS first)
_EN_THOUSANDS = r"^[+-]?\d{1,3}(,\d{3}){2,}(\.\d+)?$"  # 1,234,567(.5)


def parse_number(text: str) -> float | None:
    """One number text (spaces and ``%`` already off) by the same rules, in Python: for the few cells read one by
    one (the amounts of a range or bound, ``sources.reading.bounds``); None when it is not a number."""
    t = text.strip()
    if re.match(_VI_THOUSANDS, t):
        return float(t.replace(".", "").replace(",", "."))
    if re.match(_VI_DECIMAL, t):
        return float(t.replace(",", "."))
    if re.match(_PLAIN, t) or re.match(_DOT_DECIMAL, t):
        return float(t)
    if re.match(_EN_THOUSANDS, t):
        return float(t.replace(",", ""))
    return None


def clean_text(text: pl.Expr) -> pl.Expr:
    """Strip spaces (including non-breaking ones) and a trailing percent sign."""
    return text.str.replace_all(_SPACES, "").str.strip_suffix("%")


def is_null_token(text: pl.Expr) -> pl.Expr:
    return text.is_null() | text.str.replace_all(_SPACES, "").is_in(NULL_TOKENS)


def parse_vietnamese_number(text: pl.Expr) -> pl.Expr:
    """Text → Float64 by the rules above; null for no-data tokens *and* for text that is not a number
    (tell them apart with ``is_null_token``)."""
    return parse_clean_number(clean_text(text))


def parse_clean_number(t: pl.Expr) -> pl.Expr:
    """``parse_vietnamese_number`` of text already through ``clean_text`` (a column cleaned once, then tested
    against every rule, rather than cleaned again in each branch)."""
    return (
        pl.when(t.str.contains(_VI_THOUSANDS))
        .then(t.str.replace_all(".", "", literal=True).str.replace(",", ".", literal=True))
        .when(t.str.contains(_VI_DECIMAL))
        .then(t.str.replace(",", ".", literal=True))
        .when(t.str.contains(_PLAIN) | t.str.contains(_DOT_DECIMAL))
        .then(t)
        .when(t.str.contains(_EN_THOUSANDS))
        .then(t.str.replace_all(",", "", literal=True))
        .otherwise(None)
        .cast(pl.Float64, strict=False)
    )
