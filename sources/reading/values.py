"""Cells → values: every (area row, bound column) cast with the Vietnamese number rules, scaled to the field's
unit, given its column's period, and summed where a field is the sum of parts (e-ID levels, age bands)."""

from __future__ import annotations

import polars as pl

from sources.common.findings import Finding, cell_address, error, warning
from sources.common.periods import Period
from sources.intake.grid import Cell
from sources.reading.bounds import parse_bound
from sources.reading.header import Table
from sources.reading.numbers import clean_text, is_null_token, parse_clean_number

VALUE_SCHEMA = {
    "source": pl.String,
    "period_code": pl.String,
    "vintage": pl.String,
    "area_code": pl.String,
    "province_code": pl.String,
    "field": pl.String,
    "value": pl.Float64,
    "value_lower": pl.Float64,  # a figure given as its bounds (value null): "20–25 %", "hơn 116.000"
    "value_upper": pl.Float64,
    "sheet": pl.String,
    "cell": pl.String,
    "area_written": pl.String,
    "scale": pl.Float64,
    "preliminary": pl.Boolean,
}
CELLS_SCHEMA = {
    "row": pl.Int64,
    "col": pl.Int64,
    "area_code": pl.String,
    "province_code": pl.String,
    "area_written": pl.String,
    "field": pl.String,
    "period_code": pl.String,
    "scale": pl.Float64,
    "preliminary": pl.Boolean,
    "num": pl.Float64,
    "text": pl.String,
    "kind": pl.String,
}
Row = tuple  # (row, area code, province code, name as written[, kind])
REPORTED_KINDS = (
    "area",
    "province",
    "country",
    "total",
)  # rows whose unreadable cells are errors; the others are checked


def cells_frame(table: Table, rows: list[Row], period: Period | None) -> pl.DataFrame:
    """One record per (row, bound column), row by row. A row is (row, area code, province code, name as
    written) and optionally its kind: ``area`` (loaded, the default), ``province`` (a province row among its own
    units: loaded, and checked as a total), ``total``, or a row summed for the checks
    only, not loaded and its cells not reported: ``merged`` (a unit merged since, or unknown), ``duplicate``,
    ``subtotal``. Built column by column; only taking the cells out of the sheet's grid is done cell by
    cell."""
    bindings, grid, n = table.bindings, table.sheet.rows, len(table.bindings)
    # the table's column mapping, decided once: one entry per bound column, repeated for every row
    cols = [b.col for b in bindings]
    periods = [p.code if (p := b.period or period) else None for b in bindings]
    empty: list[Cell] = []
    values = [
        line[c] if c < len(line) else None
        for line in (grid[r[0]] if 0 <= r[0] < len(grid) else empty for r in rows)
        for c in cols
    ]
    return pl.DataFrame(
        {
            "row": [r[0] for r in rows for _ in cols],
            "col": cols * len(rows),
            "area_code": [r[1] for r in rows for _ in cols],
            "province_code": [r[2] for r in rows for _ in cols],
            "area_written": [r[3] for r in rows for _ in cols],
            "field": [b.field for b in bindings] * len(rows),
            "period_code": periods * len(rows),
            "scale": [b.scale for b in bindings] * len(rows),
            "preliminary": [b.preliminary for b in bindings] * len(rows),
            "num": [v if isinstance(v, float) else None for v in values],
            "text": [v if isinstance(v, str) else None for v in values],
            "kind": [r[4] if len(r) > 4 else "area" for r in rows for _ in range(n)],
        },
        schema=CELLS_SCHEMA,
    )


def parse_cells(table: Table, cells: pl.DataFrame, file: str, findings: list[Finding]) -> pl.DataFrame:
    """Cast cells explicitly: number cells as they are, text with the Vietnamese rules, then scaled; a range or a
    bound ("20–25 %", "trên 80 %", "hơn 1 triệu", ``sources.reading.bounds``) is kept as its bounds, with a warning
    naming the cell; report the rest (a text that is not a number is an error naming its cell, never coerced).
    Whole columns at once: the text is cleaned once, then every rule is tried on it."""
    letters = {b.col: cell_address(0, b.col)[:-1] for b in table.bindings} | {
        c: cell_address(0, c)[:-1] for c in table.rates.values()
    }
    address = pl.col("col").replace_strict(letters, return_dtype=pl.String) + (pl.col("row") + 1).cast(pl.String)
    if cells["text"].null_count() == cells.height:  # number cells and empty ones only: no text to cast or report
        return cells.with_columns(
            raw=pl.col("num"),
            is_null_token=pl.col("num").is_null(),
            cell=address,
            value_lower=pl.lit(None, pl.Float64),
            value_upper=pl.lit(None, pl.Float64),
        ).with_columns(value=(pl.col("raw") * pl.col("scale")).round(6))
    cells = (
        cells.with_columns(_clean=clean_text(pl.col("text")))
        .with_columns(
            raw=pl.coalesce(pl.col("num"), parse_clean_number(pl.col("_clean"))),
            is_null_token=pl.col("num").is_null() & is_null_token(pl.col("text")),
            cell=address,
        )
        .drop("_clean")
        .with_columns(value=(pl.col("raw") * pl.col("scale")).round(6))
    )
    cells = _bounds(table, cells, file, findings)
    bad = (
        pl.col("raw").is_null()
        & ~pl.col("is_null_token")
        & pl.col("value_lower").is_null()
        & pl.col("value_upper").is_null()
        & pl.col("kind").is_in(REPORTED_KINDS)
    )
    for row in cells.filter(bad).head(200).iter_rows(named=True):
        where = row["cell"]
        label = table.label(row["col"])
        findings.append(
            error(
                "not_a_number",
                f'Ô {where} ("{label}", {row["area_written"]}) phải là số nhưng có "{row["text"]}".',
                f'Cell {where} ("{label}", {row["area_written"]}) must be a number but holds "{row["text"]}".',
                file=file,
                sheet=table.sheet.name,
                cell=where,
                expected="số / number",
                found=row["text"],
            )
        )
    return cells


def _bounds(table: Table, cells: pl.DataFrame, file: str, findings: list[Finding]) -> pl.DataFrame:
    """``value_lower`` and ``value_upper`` of the cells whose text is a range or a bound (their ``value`` stays
    null: never one number); one warning per such cell of a loaded or total row."""
    maybe = pl.col("raw").is_null() & ~pl.col("is_null_token") & pl.col("text").is_not_null()
    texts = cells.filter(maybe)["text"].unique().to_list()
    parsed = {t: b for t in texts if (b := parse_bound(t)) is not None}
    if not parsed:
        return cells.with_columns(value_lower=pl.lit(None, pl.Float64), value_upper=pl.lit(None, pl.Float64))
    lowers = {t: b.lower for t, b in parsed.items()}
    uppers = {t: b.upper for t, b in parsed.items()}
    own = {t: b.scaled for t, b in parsed.items()}  # a scale word in the cell: the column's scale is not applied
    own_word = pl.col("text").replace_strict(own, default=False, return_dtype=pl.Boolean)
    factor = pl.when(own_word).then(1.0).otherwise(pl.col("scale"))
    cells = cells.with_columns(
        value_lower=pl.when(maybe).then(pl.col("text").replace_strict(lowers, default=None, return_dtype=pl.Float64)),
        value_upper=pl.when(maybe).then(pl.col("text").replace_strict(uppers, default=None, return_dtype=pl.Float64)),
    ).with_columns(
        value_lower=(pl.col("value_lower") * factor).round(6), value_upper=(pl.col("value_upper") * factor).round(6)
    )
    shown = cells.filter(
        maybe
        & pl.col("text").is_in(list(parsed))
        & pl.col("kind").is_in(REPORTED_KINDS)
        & ~pl.col("field").str.starts_with("_")
    )
    for row in shown.head(200).iter_rows(named=True):
        vi, en = parsed[row["text"]].describe()
        rule = "value_is_range" if parsed[row["text"]].kind == "range" else "value_is_bound"
        where, label = row["cell"], table.label(row["col"])
        findings.append(
            warning(
                rule,
                f'Ô {where} ("{label}", {row["area_written"]}) ghi "{row["text"]}": lưu là {vi}, không phải một số '
                "(value để trống, value_lower/value_upper giữ các cận).",
                f'Cell {where} ("{label}", {row["area_written"]}) holds "{row["text"]}": stored as {en}, not as one '
                "number (value empty, value_lower/value_upper hold the bounds).",
                file=file,
                sheet=table.sheet.name,
                cell=where,
                expected="số / number",
                found=row["text"],
            )
        )
    return cells


def read_values(table: Table, cells: pl.DataFrame, source: str, vintage: str) -> pl.DataFrame:
    """The values (``VALUE_SCHEMA``) of the parsed cells of the area rows (kind ``area``, and a province row among
    its own units, kind ``province``). A field summed from parts (``sum_of``) whose parts include a bound is itself
    a bound: the sum of the parts' lower bounds (exact parts count as both), never one number."""
    keys = ["row", "area_code", "province_code", "area_written", "period_code"]
    columns = ("field", "value", "value_lower", "value_upper", "cell", "scale", "preliminary")
    long = cells.lazy().filter(pl.col("kind").is_in(("area", "province", "country"))).select(*keys, *columns)
    parts = [long]
    bounded = pl.col("value_lower").is_not_null() | pl.col("value_upper").is_not_null()
    for fname, fields in table.derived.items():
        parts.append(
            long.filter(pl.col("field").is_in(fields))
            .group_by(keys, maintain_order=True)
            .agg(
                field=pl.lit(fname),
                value=pl.when(bounded.any())
                .then(None)
                .when(pl.col("value").is_not_null().any())
                .then(pl.col("value").sum()),
                value_lower=pl.when(bounded.any() & pl.coalesce("value_lower", "value").is_not_null().all()).then(
                    pl.coalesce("value_lower", "value").sum()
                ),
                value_upper=pl.when(bounded.any() & pl.coalesce("value_upper", "value").is_not_null().all()).then(
                    pl.coalesce("value_upper", "value").sum()
                ),
                cell=pl.col("cell").str.join("+"),
                scale=pl.col("scale").first(),
                preliminary=pl.col("preliminary").any(),
            )
            .select(*keys, *columns)
        )
    return (
        pl.concat(parts)
        .filter(~pl.col("field").str.starts_with("_"))
        .select(  # age bands are parts
            source=pl.lit(source),
            period_code="period_code",
            vintage=pl.lit(vintage),
            area_code="area_code",
            province_code="province_code",
            field="field",
            value="value",
            value_lower="value_lower",
            value_upper="value_upper",
            sheet=pl.lit(table.sheet.name),
            cell="cell",
            area_written="area_written",
            scale="scale",
            preliminary="preliminary",
        )
        .sort("period_code", "area_code", "field")
        .collect()
    )


def sums_of_rows(table: Table, additive: set[str] | None = None):
    """``sums_to(row, others)``: whether the row's figures in the bound columns equal the sum of the other rows'
    (every column with figures in all of them; at least one). Only the columns of ``additive`` fields are compared
    when given: a rate, an index or a rank is never a sum. Asked only of a bare name that is also its province
    (``sources.reading.levels``): the figures are cast on the first question, not for every table read."""
    bindings = [b for b in table.bindings if additive is None or b.field in additive or b.field.startswith("_")]
    cast: list[dict[int, list[float | None]]] = []

    def sums_to(row: int, others: list[int]) -> bool:
        if not cast:
            cast.append(_numbers(table, [b.col for b in bindings]))
        numbers = cast[0]
        agreed = 0
        for col in range(len(bindings)):
            mine = numbers.get(row, [])[col] if row in numbers else None
            parts = [numbers.get(o, [None] * len(bindings))[col] for o in others]
            if mine is None or any(p is None for p in parts):
                continue
            total = sum(p for p in parts if p is not None)
            if abs(mine - total) > max(0.5, 1e-9 * abs(total)):
                return False
            agreed += 1
        return agreed > 0

    return sums_to


def _numbers(table: Table, cols: list[int]) -> dict[int, list[float | None]]:
    """Every data row's cells in ``cols`` as numbers (Vietnamese number text cast as the reader casts it)."""
    rows = [
        r for r in range(table.data_start, len(table.sheet.rows)) if table.rows_only is None or r in table.rows_only
    ]
    if not cols:
        return {r: [] for r in rows}
    cells = [table.sheet.cell(r, c) for r in rows for c in cols]
    texts = pl.Series("t", [c if isinstance(c, str) else None for c in cells], dtype=pl.String)
    parsed = pl.DataFrame({"t": texts}).select(parse_clean_number(clean_text(pl.col("t")))).to_series().to_list()
    values = [c if isinstance(c, float) else p for c, p in zip(cells, parsed, strict=True)]
    return {r: values[i * len(cols) : (i + 1) * len(cols)] for i, r in enumerate(rows)}
