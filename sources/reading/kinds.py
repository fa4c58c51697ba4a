"""What the reader does with a field's kind (issue #25, ``sources/specs/fields.py``): which stated units a rate, an
index or a rank can be written in; a non-additive field's total row made the province's own figure; and every
rate, index and rank checked on its scale. ``docs/field_kinds.md`` explains the kinds."""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from sources.common.findings import Finding, error
from sources.reading.measure import Stated
from sources.specs.model import Field, Spec

if TYPE_CHECKING:  # columns.py imports this module, and header.py imports columns.py
    from sources.reading.header import Table


def fmt(x: float) -> str:
    """A figure in Vietnamese format for a message: ``1.771``, ``22,5``."""
    return f"{x:,.0f}".replace(",", ".") if float(x).is_integer() else f"{x:,.2f}".replace(",", " ").replace(".", ",")


# The stated units a field of each measure kind can be written in (``Stated.ratio``); a rank states none.
MEASURE_UNITS = {"rate": frozenset({"percent", "per mille", "ratio", "rate"}), "index": frozenset({"index"})}


def fits(stated: Stated, f: Field) -> bool:
    """Whether a column stated in ``stated`` can hold ``f``: a count in a unit it can have (``Stated.fits``); a rate,
    index or rank in its own kind of unit, never a count's unit or a scale (``Nghìn``)."""
    if f.is_count:
        return stated.fits(f.unit)
    if stated.other or stated.bases or stated.scale != 1.0:
        return False
    return stated.ratio is None or stated.ratio in MEASURE_UNITS.get(f.kind, frozenset())


def total_label(table: Table, row: int) -> str:
    """The total row's label as written (the province's own figures of a non-additive field are read from it)."""
    texts = [t for c in table.area_cols if (t := table.sheet.text(row, c))]
    return texts[-1] if texts else "total"


def province_from_total(cells: pl.DataFrame, spec: Spec, province: str) -> pl.DataFrame:
    """The total row's cells of the fields that do not add up over areas (``aggregate: none``, rates, indices,
    ranks) that hold a figure, made the province's reported value (kind ``province``, the province's code)."""
    measures = [f.name for f in spec.fields if not f.additive]
    if not measures:
        return cells
    figure = pl.col("value").is_not_null() | pl.col("value_lower").is_not_null() | pl.col("value_upper").is_not_null()
    own = (pl.col("kind") == "total") & pl.col("field").is_in(measures) & figure
    return cells.with_columns(
        area_code=pl.when(own).then(pl.lit(province)).otherwise("area_code"),
        province_code=pl.when(own).then(pl.lit(province)).otherwise("province_code"),
        kind=pl.when(own).then(pl.lit("province")).otherwise("kind"),
    )


def check_measures(
    values: pl.DataFrame, spec: Spec, n_provinces: int, file: str, sheet: str, findings: list[Finding]
) -> None:
    """A rate, an index or a rank read from the file must lie on its scale: a share in % within 0–100, an index
    within 0 and its ``scale_max``, a rank a whole number within 1 and its ``out_of`` (``provinces``: the provinces
    of the unit list in force). A value off its scale is an error naming the cell (bounds are checked as bounds)."""
    for f in spec.fields:
        if f.is_count:
            continue
        low, high, whole = 0.0, None, False
        if f.kind == "index":
            high = f.scale_max
        elif f.kind == "rank":
            low, whole = 1.0, True
            high = float(n_provinces if f.out_of == "provinces" else f.out_of or 0) or None
        elif f.unit.strip() == "%":
            high = 100.0
        rows = values.filter(pl.col("field") == f.name)
        for r in rows.iter_rows(named=True):
            for x in (r["value"], r["value_lower"], r["value_upper"]):
                if x is None:
                    continue
                off = x < low or (high is not None and x > high) or (whole and x != round(x))
                if not off:
                    continue
                scale = f"{fmt(low)}–{fmt(high) if high is not None else '…'}" + (", số nguyên" if whole else "")
                scale_en = f"{fmt(low)}–{fmt(high) if high is not None else '…'}" + (
                    ", a whole number" if whole else ""
                )
                findings.append(
                    error(
                        "value_off_scale",
                        f"Ô {r['cell']} ({r['area_written']}): {f.name} ({f.kind}) là {fmt(x)}, ngoài thang {scale}.",
                        f"Cell {r['cell']} ({r['area_written']}): {f.name} ({f.kind}) is {fmt(x)}, off its scale "
                        f"{scale_en}.",
                        file=file,
                        sheet=sheet,
                        cell=r["cell"],
                        expected=scale_en,
                        found=fmt(x),
                    )
                )
                break
