"""Great Expectations on staged values: the reader's long table turned wide (one row per file, area and
period), validated with the source's suite, and the failures turned into findings that name the cells."""

from __future__ import annotations

from functools import partial

import polars as pl

from expectations.runner import Failure, run_suite
from sources.common.findings import Finding

MAX_ROWS_PER_FAILURE = 20
KEYS = ["file_sha256", "period_code", "area_code", "province_code"]


def wide(values: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Long staged values → (values wide, cells wide), rows in the same order, one column per field."""
    ordered = values.sort(KEYS)
    frame = ordered.pivot(on="field", index=KEYS, values="value", aggregate_function="first", sort_columns=True)
    cells = ordered.pivot(on="field", index=KEYS, values="cell", aggregate_function="first", sort_columns=True)
    return frame, cells


def check_values(
    source: str,
    values: pl.DataFrame,
    known_area_codes: list[str],
    *,
    file: str | None = None,
    sheet: str | None = None,
    results: list[dict] | None = None,
) -> list[Finding]:
    """Run the ``source`` suite on staged values (with a ``file_sha256`` column); findings name the cells.
    ``results`` collects GE's validation result (see ``run_suite``)."""
    if values.is_empty():
        return []
    frame, cells = wide(values)
    failures = run_suite(source, frame, {"known_area_codes": known_area_codes}, results=results)
    return [f for failure in failures for f in _findings(failure, frame, cells, file, sheet)]


def failing_files(source: str, values: pl.DataFrame, known_area_codes: list[str]) -> set[str] | None:
    """Run the suite once on the values of many files; return the files (``file_sha256``) that have a failing
    row, or None when a failure names no row (a table-level failure: every file must be checked alone)."""
    if values.is_empty():
        return set()
    frame, _ = wide(values)
    failures = run_suite(source, frame, {"known_area_codes": known_area_codes})
    shas = frame["file_sha256"]
    flagged: set[str] = set()
    for failure in failures:
        if not failure.row_indices:
            return None
        flagged.update(shas[i] for i in failure.row_indices)
    return flagged


def _findings(
    failure: Failure, frame: pl.DataFrame, cells: pl.DataFrame, file: str | None, sheet: str | None
) -> list[Finding]:
    finding = partial(Finding, rule=failure.rule, severity=failure.severity, file=file, sheet=sheet)
    if not failure.row_indices:
        return [finding(message_vi=failure.message_vi, message_en=failure.message_en)]
    out = []
    columns = [c for c in failure.columns if c in cells.columns and c not in KEYS]
    for i in failure.row_indices[:MAX_ROWS_PER_FAILURE]:
        row = frame.row(i, named=True)
        where = ", ".join(c for c in (cells[col][i] for col in columns) if c) or None
        found = ", ".join(f"{col}={_fmt(row.get(col))}" for col in columns) or row["area_code"]
        out.append(
            finding(
                message_vi=f"{where or row['area_code']}: {failure.message_vi} (mã đơn vị {row['area_code']}: {found})",
                message_en=f"{where or row['area_code']}: {failure.message_en} (area {row['area_code']}: {found})",
                cell=where,
                found=found,
            )
        )
    if len(failure.row_indices) > MAX_ROWS_PER_FAILURE:
        more = len(failure.row_indices) - MAX_ROWS_PER_FAILURE
        out.append(
            finding(
                message_vi=f"… và {more} dòng khác vi phạm cùng quy tắc {failure.rule}.",
                message_en=f"… and {more} more rows break rule {failure.rule}.",
            )
        )
    return out


def _fmt(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
