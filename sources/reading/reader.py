"""The generic, spec-driven reader: one departmental file in, one long table of values and findings out.

result = read_file(Path("landing/telecom/bao_cao_2022.xlsx"), spec=load_specs()["telecom"])
result.values   # area, period, field, value, with the sheet and cell each value came from
result.findings # everything wrong with the file, each naming its sheet and cell, in vi and en
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import polars as pl

from sources.areas.units import COUNTRY_CODE, UnitRegistry, registry
from sources.common.findings import Finding, cell_address, error, errors_in, warning
from sources.common.periods import Period
from sources.intake import read_untrusted
from sources.intake.legacy import legacy_encoding
from sources.reading.area_rows import ScannedRows, scan_rows
from sources.reading.checks import check_reported_rates, check_subtotals, check_totals
from sources.reading.country import check_fractional_counts, read_country
from sources.reading.header import Table, is_value
from sources.reading.kinds import check_measures, province_from_total, total_label
from sources.reading.merge import merge_tables
from sources.reading.resolve import resolve_areas
from sources.reading.split import by_period
from sources.reading.tables import choose_tables
from sources.reading.title import EARLIEST_YEAR, plausible, table_period
from sources.reading.turned import turn_back, turned_at
from sources.reading.values import VALUE_SCHEMA, cells_frame, parse_cells, read_values, sums_of_rows
from sources.specs.model import Layout, Spec, load_layout

__all__ = ["VALUE_SCHEMA", "ReadResult", "SuiteCheck", "read_file"]


@dataclass(frozen=True)
class SuiteCheck:
    results: list[dict]  # Great Expectations' validation result(s), as JSON
    findings: int  # the findings the suite added to the file's


@dataclass
class ReadResult:
    path: Path
    name: str
    source: str | None = None
    sheet: str | None = None
    period: Period | None = None  # the file's period; with periods across columns, the latest of them
    periods: list[Period] = field(default_factory=list)  # every period the values have
    vintage: str | None = None
    province_code: str | None = None
    values: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=VALUE_SCHEMA))
    totals: dict[str, float | None] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    # Set when the file was the only one its suite validated (``expectations.files.check_together``, called by
    # ``Stager.stage``): Great Expectations' result and how many findings the suite added. What the
    # ``stg_<source>`` table's check takes for these rows instead of validating them again
    # (``expectations.files.check_staging_table``).
    suite_check: SuiteCheck | None = None

    @property
    def errors(self) -> list[Finding]:
        return errors_in(self.findings)

    @property
    def ok(self) -> bool:
        return not self.errors


def read_file(
    path: Path,
    spec: Spec | None = None,
    period: str | None = None,
    *,
    name: str | None = None,
    units: UnitRegistry | None = None,
) -> ReadResult:
    """Read one departmental file. ``spec=None`` picks the spec whose headers the file matches best;
    ``period`` (a code such as ``2024-Q2``) overrides the period written in the file; ``name`` is the
    file's original name (for period detection and messages) when ``path`` is an archived copy.
    The bytes are identified, bounded and parsed at arm's length (``sources.intake``): a refused file comes
    back with its findings only."""
    result = ReadResult(path=path, name=name or path.name)
    layout = load_layout()
    units = units or registry()
    findings, sheets = read_untrusted(path, result.name)
    result.findings.extend(findings)
    if sheets is None:
        return result
    if len(sheets) == 1 and sheets[0].name == path.stem:  # a CSV's one sheet is named after the delivered file
        sheets[0].name = Path(result.name).stem
    legacy = legacy_encoding(sheets, result.name)
    if legacy:
        result.findings.append(legacy)
        return result
    tables, spec = choose_tables(sheets, spec, layout, units, result.name, result.findings)
    if not tables or spec is None:
        return result
    result.source, result.sheet = spec.source, tables[0].sheet.name
    parts = []
    for table in tables:
        read = _read_table(result, table, spec, period, units, layout)
        if (head := turned_at(table.sheet)) is not None:  # areas across the columns: addresses as in the file
            for part in read:
                part.values = turn_back(part.values, part.findings, table.sheet.name, head)
        parts.extend(read)
    merge_tables(result, parts)
    return result


def _read_table(
    result: ReadResult, table: Table, spec: Spec, explicit: str | None, units: UnitRegistry, layout: Layout
) -> list[ReadResult]:
    """One table, or one table per period of its period column (a national table's rows load on the country)."""

    def part() -> ReadResult:
        return ReadResult(path=result.path, name=result.name, source=spec.source, sheet=table.sheet.name)

    if table.period_col is None:
        whole = part()
        if _periods(whole, table, explicit):
            _read_rows(whole, table, spec, units, layout)
        return [whole]
    subs, odd = by_period(table)
    if explicit:
        subs = [s for s in subs if s.period.code == explicit]
    first = part()
    if unread := [r for r in odd if any(is_value(table.sheet.cell(r, b.col)) for b in table.bindings)]:
        first.findings.append(_no_row_period(result.name, table, unread))
    early = [s.period.code for s in subs if not plausible(s.period)]
    if early:
        first.findings.append(_early_rows(result.name, table, early))
    parts: list[ReadResult] = []
    warned: set[str] = set()
    for s in (s for s in subs if plausible(s.period)):
        one = first if not parts else part()
        one.period, one.periods = s.period, [s.period]
        if table.national:
            read_country(one, s.table, spec, units, warned)
        else:
            _read_rows(one, s.table, spec, units, layout)
        parts.append(one)
    if not parts:
        first.findings.append(
            error(
                "period_out_of_range",
                "Không dòng nào thuộc kỳ báo cáo hợp lệ.",
                "No row belongs to a period in range.",
                file=result.name,
                sheet=table.sheet.name,
            )
        )
        return [first]
    return parts


def _no_row_period(name: str, table: Table, rows: list[int]) -> Finding:
    """Rows with figures whose period cell is not a period: not loaded, and said (never dropped silently)."""
    assert table.period_col is not None
    cells = [cell_address(r, table.period_col) for r in rows]
    listed = "; ".join(f"{c} ({table.sheet.text(r, table.period_col)})" for c, r in zip(cells, rows, strict=True))
    return error(
        "period_unknown",
        f"Cột kỳ báo cáo có ô không phải là kỳ ở các dòng có số liệu: {listed[:500]}. Các dòng này không được nạp.",
        f"The period column holds something that is not a period on rows with figures: {listed[:500]}. These rows "
        "are not loaded.",
        file=name,
        sheet=table.sheet.name,
        cell=cells[0],
        found=listed[:500],
    )


def _early_rows(name: str, table: Table, codes: list[str]) -> Finding:
    listed = "; ".join(codes)
    return warning(
        "period_out_of_range",
        f"Bỏ qua các dòng của kỳ ngoài khoảng hợp lệ (từ năm {EARLIEST_YEAR} đến hôm nay): {listed}.",
        f"Rows of periods out of range (from {EARLIEST_YEAR} to today) are skipped: {listed}.",
        file=name,
        sheet=table.sheet.name,
        found=listed[:500],
    )


def _periods(result: ReadResult, table: Table, explicit: str | None) -> bool:
    """The period of every column: its own when its header states one (columns of a period before 2015 or in the
    future are dropped with one warning), else the file's (title, sheet or file name). An explicit period keeps
    the columns of that period only."""
    in_columns = [b for b in table.bindings if b.period]
    if explicit and in_columns:
        return _explicit_column_period(result, table, explicit)
    if in_columns and len(in_columns) == len(table.bindings):
        # every binding states its period here (in_columns holds them all)
        early = sorted({b.label for b in in_columns if b.period and not plausible(b.period)})
        table.plan.bindings = [b for b in table.bindings if b.period and plausible(b.period)]
        if early:
            result.findings.append(
                warning(
                    "period_out_of_range",
                    f"Bỏ qua các cột của kỳ ngoài khoảng hợp lệ (từ năm {EARLIEST_YEAR} đến hôm nay): "
                    f"{'; '.join(early)}.",
                    f"Columns of periods out of range (from {EARLIEST_YEAR} to today) are skipped: {'; '.join(early)}.",
                    file=result.name,
                    sheet=table.sheet.name,
                    found="; ".join(early)[:500],
                )
            )
        if not table.bindings:
            result.findings.append(
                error(
                    "period_out_of_range",
                    "Không cột nào thuộc kỳ báo cáo hợp lệ.",
                    "No column belongs to a period in range.",
                    file=result.name,
                    sheet=table.sheet.name,
                )
            )
            return False
        result.periods = sorted({b.period for b in table.bindings if b.period})
        result.period = result.periods[-1]
        return True
    result.period = table_period(result.name, table, explicit, result.findings)
    if result.period is None:
        return False
    result.periods = sorted({result.period, *(b.period for b in table.bindings if b.period)})
    return True


def _explicit_column_period(result: ReadResult, table: Table, explicit: str) -> bool:
    period = table_period(result.name, table, explicit, result.findings)
    if period is None:
        return False
    kept = [b for b in table.bindings if b.period is None or b.period == period]
    if not any(b.period == period for b in kept):
        found = ", ".join(p.code for p in sorted({b.period for b in table.bindings if b.period}))
        result.findings.append(
            error(
                "period_not_in_columns",
                f"Kỳ {period.code} được chỉ định nhưng các cột của bảng ghi kỳ: {found}.",
                f"Period {period.code} was given but the table's columns state: {found}.",
                file=result.name,
                sheet=table.sheet.name,
                expected=period.code,
                found=found,
            )
        )
        return False
    table.plan.bindings = [replace(b, period=None) for b in kept]
    result.period, result.periods = period, [period]
    return True


def _read_rows(result: ReadResult, table: Table, spec: Spec, units: UnitRegistry, layout: Layout) -> None:
    sheet, name = table.sheet, result.name
    period = result.period
    assert period is not None
    vintage = units.vintage_for(period)
    result.vintage = vintage
    if len({units.vintage_for(p) for p in result.periods}) > 1:
        codes = ", ".join(p.code for p in result.periods)
        result.findings.append(
            error(
                "periods_span_unit_lists",
                f"Các cột ghi các kỳ {codes}, trước và sau ngày đổi danh mục đơn vị ({vintage}): tên đơn vị không thể "
                "đối chiếu với một danh mục. Hãy tách thành hai tệp.",
                f"The columns state periods {codes}, before and after a change of unit list ({vintage}): "
                "the names cannot be resolved against one list. Split the file in two.",
                file=name,
                sheet=sheet.name,
                found=codes,
            )
        )
        return
    rows = scan_rows(table, layout)
    _report_regions(result, table, rows)
    if not rows.leaves and rows.country_row is not None:  # the national row alone (Cả nước): the country
        result.province_code = COUNTRY_CODE
        country = [(rows.country_row, COUNTRY_CODE, COUNTRY_CODE, "Việt Nam", "country")]
        cells = parse_cells(table, cells_frame(table, country, period), name, result.findings)
        result.values = read_values(table, cells, spec.source, vintage)
        check_fractional_counts(result, table, spec)
        return
    if not rows.leaves:
        result.findings.append(
            error(
                "no_rows",
                "Bảng không có dòng số liệu nào của đơn vị hành chính.",
                "The table has no area rows.",
                file=name,
                sheet=sheet.name,
                cell=cell_address(table.data_start, table.area_col),
            )
        )
        return
    kept, unresolved = resolve_areas(
        rows,
        units,
        vintage,
        min(result.periods),
        layout,
        file=name,
        sheet=sheet.name,
        findings=result.findings,
        sums_to=sums_of_rows(table, {f.name for f in spec.fields if f.additive}),
    )
    provinces = {k.province for k in kept}
    result.province_code = provinces.pop() if len(provinces) == 1 else None
    # a province row among its own units (Tỉnh Bắc Kạn under its districts) is the province's reported value,
    # checked against their sum as a total row is
    mixed = any(k.code != k.province for k in kept)
    keep = [(k.row, k.code, k.province, k.written) for k in kept]
    loaded = [(*k, "province" if mixed and k[1] == k[2] else "area") for k in keep]
    # Every row's cells are parsed once, each with its kind: loaded (area), summed for the checks only (merged:
    # a unit merged since or unknown; duplicate; subtotal), or the table's total.
    placed = {k.row for k in kept} | {a.row for a in unresolved}
    checked = [(a.row, "", "", a.written, "merged") for a in unresolved]
    checked += [(a.row, "", "", a.written, "duplicate") for a in rows.leaves if a.has_values and a.row not in placed]
    checked += [(a.row, "", "", a.written, "subtotal") for a in rows.areas if a.kind == "subtotal" and a.has_values]
    total = (
        [(rows.total_row, "", "", total_label(table, rows.total_row), "total")] if rows.total_row is not None else []
    )
    if rows.country_row is not None:  # a table by province's national row loads on the country, summed into nothing
        loaded.append((rows.country_row, COUNTRY_CODE, COUNTRY_CODE, "Việt Nam", "country"))
    cells = parse_cells(table, cells_frame(table, [*loaded, *checked, *total], period), name, result.findings)
    # A non-additive field's total row is the province's own figure (the catalogue every district shares, the share
    # of fees paid without cash): loaded as the province's reported value, never checked against a sum.
    if result.province_code and kept and all(k.code != k.province for k in kept):
        cells = province_from_total(cells, spec, result.province_code)
    result.values = read_values(table, cells, spec.source, vintage)
    check_fractional_counts(result, table, spec)
    check_measures(result.values, spec, units.province_count(vintage), name, sheet.name, result.findings)
    result.totals = check_totals(table, spec, cells, name, result.findings)
    check_subtotals(table, spec, rows, cells, name, result.findings)
    check_reported_rates(table, spec, result.values, keep, name, result.findings)


def _report_regions(result: ReadResult, table: Table, rows: ScannedRows) -> None:
    if not rows.regions:
        return
    names = "; ".join(n for _, n in rows.regions)
    result.findings.append(
        warning(
            "region_rows_skipped",
            f"Các dòng vùng được nhận diện và không nạp (kho tự cộng theo tỉnh): {names}.",
            f"Regional rows are recognised and not loaded (the warehouse sums provinces itself): {names}.",
            file=result.name,
            sheet=table.sheet.name,
            cell=cell_address(rows.regions[0][0], table.area_cols[0]),
            found=names[:500],
        )
    )
