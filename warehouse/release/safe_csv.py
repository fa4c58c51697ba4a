"""CSV that is safe to open in a spreadsheet: UTF-8 with a byte-order mark (so Excel shows Vietnamese), and text
cells that a spreadsheet would run as a formula escaped the ONS way, with a leading apostrophe.

Only text (string) columns are touched: a number column holding -5 or 1e-7 is written as the number it is."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

# A spreadsheet treats a cell starting with one of these as a formula (or splits it, for tab / CR / LF).
TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
_PATTERN = "^[" + re.escape("".join(TRIGGERS)) + "]"  # the same triggers, for Polars


def escape_text(value: str | None) -> str | None:
    """``'`` + value when it starts with a trigger character; anything else unchanged."""
    if value is not None and value.startswith(TRIGGERS):
        return "'" + value
    return value


def escape_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """Every string column escaped; numeric, date and boolean columns unchanged."""
    text = [c for c, t in frame.schema.items() if t == pl.String]
    return frame.with_columns(
        pl.when(pl.col(c).str.contains(_PATTERN)).then(pl.lit("'") + pl.col(c)).otherwise(pl.col(c)).alias(c)
        for c in text
    )


def write_csv(frame: pl.DataFrame, path: Path) -> Path:
    """Write ``frame`` as escaped CSV, UTF-8 with BOM, ``\\n`` line ends."""
    path.parent.mkdir(parents=True, exist_ok=True)
    escape_frame(frame).write_csv(path, include_bom=True)
    return path
