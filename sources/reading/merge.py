"""The tables of one file as one result (DESIGN §3b, "a workbook is many tables"): their findings, and their values
once each. The same figure read from two tables (a census book repeats each province's population) is kept once,
from the first table; two different figures for one field, area and period are an error naming both cells."""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from sources.common.findings import Finding, error

if TYPE_CHECKING:
    from sources.reading.reader import ReadResult


def merge_tables(result: ReadResult, parts: list[ReadResult]) -> None:
    """The tables of one file as one result: their findings, and their values once each. The same figure read
    from two tables (a census book repeats each province's population) is kept once, from the first table;
    two different figures for one field, area and period are an error naming both cells."""
    for part in parts:
        result.findings.extend(part.findings)
    frames = [p.values for p in parts if len(p.values)]
    values = pl.concat(frames) if frames else result.values
    if len(parts) > 1 and len(values):
        values, conflicts = _once_each(values)
        result.findings.extend(_conflict(result.name, row) for row in conflicts)
    result.values = values
    result.periods = sorted({p for part in parts for p in part.periods})
    result.period = result.periods[-1] if result.periods else None
    result.vintage = next((p.vintage for p in parts if p.vintage), None)
    provinces = {p.province_code for p in parts if p.vintage}
    result.province_code = provinces.pop() if len(provinces) == 1 else None
    for part in parts:
        for k, v in part.totals.items():
            result.totals.setdefault(k, v)
    loaded = [p.sheet for p in parts if len(p.values)]
    result.sheet = loaded[0] if loaded else result.sheet


_KEY = ["source", "period_code", "vintage", "area_code", "field"]


def _once_each(values: pl.DataFrame) -> tuple[pl.DataFrame, list[dict]]:
    """Values with one row per key (the first), and the keys whose values disagree."""
    values = values.with_row_index("_order")
    grouped = values.group_by(_KEY).agg(
        pl.col("value").drop_nulls().n_unique().alias("_distinct"),
        pl.col("sheet"),
        pl.col("cell"),
        pl.col("value"),
        pl.col("area_written").first(),
    )
    conflicts = grouped.filter(pl.col("_distinct") > 1).sort(_KEY).to_dicts()
    first = values.sort("_order").unique(subset=_KEY, keep="first", maintain_order=True).drop("_order")
    return first, conflicts


def _conflict(name: str, row: dict) -> Finding:
    cells = "; ".join(
        f"{s}!{c} = {'–' if v is None else f'{v:g}'}"
        for s, c, v in zip(row["sheet"], row["cell"], row["value"], strict=True)
    )
    what = f"{row['field']}, {row['area_written']} ({row['area_code']}), {row['period_code']}"
    return error(
        "conflicting_values",
        f"Hai bảng của tệp ghi hai số khác nhau cho cùng chỉ tiêu, đơn vị và kỳ ({what}): {cells}.",
        f"Two tables of the file give different figures for the same field, area and period ({what}): {cells}.",
        file=name,
        sheet=row["sheet"][0],
        cell=row["cell"][0],
        found=cells[:500],
    )
