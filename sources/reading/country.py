"""Values of a table with no area column, and a count with decimals that no unit explains.

A table with no area column whose rows are told apart by their period (``sources.reading.split``) is the table of
the unit its title names with a level word (``SỐ THUÊ BAO TỈNH BẮC KẠN``: a province's report by year, said in an
``area_from_title`` warning), of no unit when its title names several (an error), else of the country (``VN``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from sources.areas.paths import PathResolver
from sources.areas.units import COUNTRY_CODE, UnitRegistry
from sources.common.findings import Finding, error, warning
from sources.reading.header import Table
from sources.reading.levels import areas_in_title
from sources.reading.split import country_rows, scaled
from sources.reading.values import cells_frame, parse_cells, read_values
from sources.specs.model import Spec, load_layout

if TYPE_CHECKING:
    from sources.reading.reader import ReadResult


def read_country(result: ReadResult, table: Table, spec: Spec, units: UnitRegistry, warned: set[str]) -> None:
    """One period of a national table: its count row loads on the country (``VN``)."""
    period = result.period
    assert period is not None
    found = country_rows(table, result.name, result.findings, warned)
    if found is None:
        result.findings.append(
            error(
                "national_rows_ambiguous",
                f"Bảng không có cột đơn vị hành chính nhưng có nhiều dòng số đếm cho kỳ {period.code}: không rõ dòng "
                "nào là cả nước. Hãy thêm cột đơn vị hành chính.",
                f"The table has no area column but several count rows for period {period.code}: which one is the "
                "country is not clear. Add an area column.",
                file=result.name,
                sheet=table.sheet.name,
                found=period.code,
            )
        )
        return
    rows, scale = found
    if not rows:
        return
    table = scaled(table, scale)
    result.vintage = units.vintage_for(period)
    resolver = PathResolver(units, result.vintage, dict(load_layout().province_aliases))
    named = areas_in_title(table.title_lines(), resolver, units, result.vintage)
    if len(named) > 1:
        listed = "; ".join(f"{u.code} {u.full_name}" for u in named)
        if "area_in_title_ambiguous" in warned:
            return
        warned.add("area_in_title_ambiguous")
        result.findings.append(
            error(
                "area_in_title_ambiguous",
                f"Bảng không có cột đơn vị hành chính và tiêu đề ghi nhiều đơn vị ({listed}): không rõ số liệu của "
                "đơn vị nào. Hãy thêm cột đơn vị hành chính.",
                f"The table has no area column and its title names several units ({listed}): whose figures they are "
                "is not clear. Add an area column.",
                file=result.name,
                sheet=table.sheet.name,
                found=listed[:500],
            )
        )
        return
    area = (named[0].code, named[0].province_code, named[0].full_name) if named else None
    code, province, written = area or (COUNTRY_CODE, COUNTRY_CODE, "Việt Nam")
    if area and "area_from_title" not in warned:  # once for the table, not once per period
        warned.add("area_from_title")
        result.findings.append(_area_from_title(result.name, table.sheet.name, written, code))
    cells = parse_cells(
        table, cells_frame(table, [(rows[0], code, province, written)], period), result.name, result.findings
    )
    result.values = read_values(table, cells, spec.source, result.vintage)
    result.province_code = province
    check_fractional_counts(result, table, spec)


def _area_from_title(name: str, sheet: str, written: str, code: str) -> Finding:
    return warning(
        "area_from_title",
        f"Bảng không có cột đơn vị hành chính; số liệu là của {written} ({code}), đơn vị mà tiêu đề ghi.",
        f"The table has no area column; its figures are {written}'s ({code}), the unit its title names.",
        file=name,
        sheet=sheet,
        found=code,
    )


def check_fractional_counts(result: ReadResult, table: Table, spec: Spec) -> None:
    """A count with decimals and no stated unit is a table in thousands (or millions) that does not say so:
    loading it as persons would be off by a factor of a thousand."""
    counts = {f.name for f in spec.fields if f.integer and f.is_count}
    odd = result.values.filter(
        pl.col("field").is_in(counts) & (pl.col("scale") == 1.0) & (pl.col("value") != pl.col("value").round(0))
    )
    for fname, cells in odd.group_by("field", maintain_order=True).agg(pl.col("cell")).iter_rows():
        first = cells[0]
        result.findings.append(
            error(
                "fractional_count",
                f"Trường {fname} là số đếm nhưng {len(cells)} ô có phần thập phân (ví dụ {first}) và bảng không ghi "
                'đơn vị: có lẽ bảng tính bằng nghìn. Hãy ghi đơn vị (ví dụ "Đơn vị tính: Nghìn người") vào tiêu đề '
                "hoặc cột.",
                f"Field {fname} is a count but {len(cells)} cells have decimals (e.g. {first}) and the table states no "
                'unit: it is probably in thousands. State the unit (e.g. "Đơn vị tính: Nghìn người") in the title '
                "or header.",
                file=result.name,
                sheet=table.sheet.name,
                cell=first,
                expected="số nguyên / whole number",
                found=str(len(cells)),
            )
        )
