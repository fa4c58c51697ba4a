"""Checks a table makes of itself: its total row and subtotals against the areas they sum, and percentages typed
beside the counts against the counts. Totals are checked, never loaded as an area."""

from __future__ import annotations

from collections import defaultdict

import polars as pl

from sources.common.findings import Finding, error, warning
from sources.reading.area_rows import ScannedRows
from sources.reading.header import Table
from sources.reading.kinds import fmt
from sources.reading.values import CELLS_SCHEMA, parse_cells
from sources.specs.model import Spec

MAX_SUBTOTAL_FINDINGS = 30


def _allowance(spec: Spec, scale: float, raws: list[float], n: int) -> float:
    """The total tolerance, plus the rounding of published scaled figures (thousands with one decimal: each of
    ``n`` rounded parts may be off by half the last digit)."""
    if scale == 1.0:
        return spec.total_tolerance + 1e-9
    decimals = max((len(repr(round(v, 6)).split(".")[1].rstrip("0")) for v in raws if v is not None), default=0)
    return spec.total_tolerance + 0.5 * 10 ** (-decimals) * scale * max(n, 1) + 1e-6


def check_totals(
    table: Table, spec: Spec, cells: pl.DataFrame, file: str, findings: list[Finding]
) -> dict[str, float | None]:
    """The total row (cells of kind ``total``) is checked against the sum of the area rows as written (those
    that resolve, and those of units merged since), never loaded as an area. Returns the totals by field
    (``field@period`` when the periods are in the columns). A field that does not add up over areas (a rate, an
    index, a rank, ``aggregate: none``) is not checked. Where a total or an area is a range or a bound, the check
    is of bounds: the total's range and the range the areas sum to must meet."""
    additive = {f.name for f in spec.fields if f.additive}
    total = cells.filter(pl.col("kind").is_in(("total", "province")) & pl.col("field").is_in(additive))
    if total.is_empty():
        return {}
    sheet = table.sheet
    bounded = pl.col("value_lower").is_not_null() | pl.col("value_upper").is_not_null()
    grouped = (
        cells.filter(pl.col("kind").is_in(("area", "merged")))
        .group_by("field", "period_code")
        .agg(
            pl.col("value").sum(),
            n=pl.len(),
            bounded=bounded.any(),
            lo=pl.coalesce("value_lower", "value").sum(),
            hi=pl.when(
                (
                    pl.col("value").is_null() & pl.col("value_lower").is_not_null() & pl.col("value_upper").is_null()
                ).any()
            )
            .then(None)
            .otherwise(pl.coalesce("value_upper", "value").sum()),
        )
    )
    sums = {(r["field"], r["period_code"]): r for r in grouped.iter_rows(named=True)}
    totals: dict[str, float | None] = {}
    multi = any(b.period for b in table.bindings)
    for row in total.iter_rows(named=True):
        if row["field"].startswith("_"):
            continue
        label = f"{row['field']}@{row['period_code']}" if multi else row["field"]
        total_value, got = row["value"], sums.get((row["field"], row["period_code"]))
        totals[label] = total_value
        if got is None or (total_value is None and row["value_lower"] is None and row["value_upper"] is None):
            continue
        allowance = _allowance(spec, row["scale"], [row["raw"]], got["n"])
        if total_value is not None and not got["bounded"]:
            if got["value"] is None or abs(total_value - got["value"]) <= allowance:
                continue
            expected, found, difference = fmt(got["value"]), fmt(total_value), fmt(total_value - got["value"])
        else:
            t_lo = row["value_lower"] if total_value is None else total_value
            t_hi = row["value_upper"] if total_value is None else total_value
            if _meet((t_lo, t_hi), (got["lo"], got["hi"] if got["bounded"] else got["value"]), allowance):
                continue
            expected, found, difference = (
                _span(got["lo"], got["hi"] if got["bounded"] else got["value"]),
                row["text"] or fmt(total_value),
                "–",
            )
        where = row["cell"]
        tol = fmt(spec.total_tolerance)
        findings.append(
            error(
                "total_mismatch",
                f'Dòng tổng ô {where} ("{table.label(row["col"])}") ghi {found} nhưng tổng các đơn vị là '
                f"{expected} (chênh {difference}, cho phép {tol}).",
                f'Total row cell {where} ("{table.label(row["col"])}") says {found} but the areas sum to '
                f"{expected} (difference {difference}, tolerance {tol}).",
                file=file,
                sheet=sheet.name,
                cell=where,
                expected=expected,
                found=found,
            )
        )
    return totals


def _meet(a: tuple[float | None, float | None], b: tuple[float | None, float | None], allowance: float) -> bool:
    """Whether two ranges (None = open on that side) overlap, within ``allowance``."""
    (a_lo, a_hi), (b_lo, b_hi) = a, b
    if a_lo is not None and b_hi is not None and a_lo > b_hi + allowance:
        return False
    return not (b_lo is not None and a_hi is not None and b_lo > a_hi + allowance)


def _span(lo: float | None, hi: float | None) -> str:
    if lo is not None and hi is not None and lo == hi:
        return fmt(lo)
    return f"{fmt(lo) if lo is not None else '…'}–{fmt(hi) if hi is not None else '…'}"


def check_subtotals(
    table: Table, spec: Spec, rows: ScannedRows, cells: pl.DataFrame, file: str, findings: list[Finding]
) -> None:
    """Each subtotal (``X (Tổng số)``, a parent row, a ``Cộng`` row in a group) against the sum of the area rows
    under it, as written (resolved or not): a difference is a warning naming both figures."""
    additive = {f.name for f in spec.fields if f.additive}
    sub_cells = cells.filter((pl.col("kind") == "subtotal") & pl.col("field").is_in(additive))
    if sub_cells.is_empty():
        return
    path_of: dict[int, tuple[str, ...]] = {a.row: a.path for a in rows.areas}
    sums: dict[tuple[tuple[str, ...], int], list[float]] = defaultdict(list)
    leaves = cells.filter(pl.col("kind").is_in(("area", "merged", "duplicate")))
    for r, col, value in leaves.select("row", "col", "value").iter_rows():
        if value is None:
            continue
        path = path_of[r]
        for k in range(1, len(path)):
            sums[(path[:k], col)].append(value)
    n_found = 0
    for row in sub_cells.iter_rows(named=True):
        parts = sums.get((path_of[row["row"]], row["col"]))
        if row["value"] is None or not parts or row["field"].startswith("_"):
            continue
        summed = sum(parts)
        if abs(row["value"] - summed) <= _allowance(spec, row["scale"], [row["raw"]], len(parts)):
            continue
        n_found += 1
        if n_found > MAX_SUBTOTAL_FINDINGS:
            continue
        where = row["cell"]
        name = " › ".join(p for p in path_of[row["row"]] if p)
        findings.append(
            warning(
                "subtotal_mismatch",
                f'Ô {where}: dòng tổng của "{name}" ghi {fmt(row["value"])} nhưng {len(parts)} đơn vị bên dưới '
                "cộng lại "
                f'{fmt(summed)} ("{table.label(row["col"])}"); nạp các đơn vị, không nạp dòng tổng.',
                f'Cell {where}: the subtotal of "{name}" says {fmt(row["value"])} but its {len(parts)} areas sum to '
                f'{fmt(summed)} ("{table.label(row["col"])}"); the areas are loaded, the subtotal is not.',
                file=file,
                sheet=table.sheet.name,
                cell=where,
                expected=fmt(summed),
                found=fmt(row["value"]),
            )
        )
    if n_found > MAX_SUBTOTAL_FINDINGS:
        findings.append(
            warning(
                "subtotal_mismatch",
                f"… và {n_found - MAX_SUBTOTAL_FINDINGS} dòng tổng khác.",
                f"… and {n_found - MAX_SUBTOTAL_FINDINGS} more subtotals.",
                file=file,
                sheet=table.sheet.name,
            )
        )


def check_reported_rates(
    table: Table,
    spec: Spec,
    values: pl.DataFrame,
    rows: list[tuple[int, str, str, str]],
    file: str,
    findings: list[Finding],
) -> None:
    """A percentage typed beside the counts must agree with the one the counts give (DESIGN §6: rates are
    computed, never typed in); a disagreement is a warning naming the cell."""
    if not any(rate.name in table.rates for rate in spec.reported_rates):
        return
    counts = {(r["area_code"], r["field"]): r["value"] for r in values.iter_rows(named=True)}
    for rate in spec.reported_rates:
        c = table.rates.get(rate.name)
        if c is None:
            continue
        frame = pl.DataFrame(
            [
                (r, c, code, "", written, rate.name, None, 1.0, False, *_num_text(table.sheet.cell(r, c)), "area")
                for r, code, _, written in rows
            ],
            orient="row",
            schema=CELLS_SCHEMA,
        )
        for typed in parse_cells(table, frame, file, findings).iter_rows(named=True):
            where, value, written = typed["cell"], typed["value"], typed["area_written"]
            if value is not None and not 0 <= value <= 100:
                findings.append(
                    error(
                        "percentage_out_of_range",
                        f"Ô {where} ({written}): tỷ lệ {fmt(value)}% nằm ngoài 0–100.",
                        f"Cell {where} ({written}): percentage {fmt(value)}% is outside 0–100.",
                        file=file,
                        sheet=table.sheet.name,
                        cell=where,
                        expected="0–100",
                        found=fmt(value),
                    )
                )
                continue
            num, den = (
                counts.get((typed["area_code"], rate.numerator)),
                counts.get((typed["area_code"], rate.denominator)),
            )
            if value is None or num is None or not den:
                continue
            computed = num / den * 100
            if abs(value - computed) > rate.tolerance:
                findings.append(
                    warning(
                        "reported_rate_mismatch",
                        f"Ô {where} ({written}) ghi tỷ lệ {fmt(value)}% nhưng số liệu cho "
                        f"{computed:.1f}% ({rate.numerator}/{rate.denominator}).",
                        f"Cell {where} ({written}) reports {fmt(value)}% but the counts give "
                        f"{computed:.1f}% ({rate.numerator}/{rate.denominator}).",
                        file=file,
                        sheet=table.sheet.name,
                        cell=where,
                        expected=f"{computed:.1f}",
                        found=fmt(value),
                    )
                )


def _num_text(value: object) -> tuple[float | None, str | None]:
    return (value if isinstance(value, float) else None, value if isinstance(value, str) else None)
