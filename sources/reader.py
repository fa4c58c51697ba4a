"""The generic, spec-driven reader: one departmental file in, one long table of values and findings out.

    result = read_file(Path("landing/telecom/bao_cao_2022.xlsx"), spec=load_specs()["telecom"])
    result.values   # area, period, field, value, with the sheet and cell each value came from
    result.findings # everything wrong with the file, each naming its sheet and cell, in vi and en
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from sources.areas import UnitRegistry, registry
from sources.findings import Finding, cell_address, error, errors_in, warning
from sources.grid import Sheet
from sources.header import Table, find_table
from sources.intake import read_untrusted
from sources.legacy import legacy_encoding
from sources.numbers import is_null_token, parse_vietnamese_number
from sources.periods import Period
from sources.spec import Layout, Spec, load_layout, load_specs
from sources.text import key
from sources.title import table_period

TOTAL = "__total__"
VALUE_SCHEMA = {
    "source": pl.String, "period_code": pl.String, "vintage": pl.String, "area_code": pl.String,
    "province_code": pl.String, "field": pl.String, "value": pl.Float64, "sheet": pl.String,
    "cell": pl.String, "area_written": pl.String,
}
_DATE_LINE = re.compile(r"ngay\s*\.*\s*\d*\s*thang\s*\.*\s*\d*\s*nam\s*\d{0,4}")


@dataclass
class ReadResult:
    path: Path
    name: str
    source: str | None = None
    sheet: str | None = None
    period: Period | None = None
    vintage: str | None = None
    province_code: str | None = None
    values: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=VALUE_SCHEMA))
    totals: dict[str, float | None] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)

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
    findings, sheets = read_untrusted(path, result.name)
    result.findings.extend(findings)
    if sheets is None:
        return result
    legacy = legacy_encoding(sheets, result.name)
    if legacy:
        result.findings.append(legacy)
        return result
    table, spec = _choose_table(sheets, spec, layout, result)
    if table is None or spec is None:
        return result
    result.source, result.sheet = spec.source, table.sheet.name
    result.period = table_period(result.name, table, period, result.findings)
    if result.period is None:
        return result
    _read_rows(result, table, spec, layout, units or registry())
    return result


def _sheet_order(sheets: list[Sheet], spec: Spec) -> list[Sheet]:
    def rank(s: Sheet) -> tuple[int, int]:
        named = any(key(p) and key(p) in key(s.name) for p in spec.sheet_patterns)
        return (0 if s.visible else 1, 0 if named else 1)

    return sorted(sheets, key=rank)


def _choose_table(sheets: list[Sheet], spec: Spec | None, layout: Layout, result: ReadResult
                  ) -> tuple[Table | None, Spec | None]:
    specs = [spec] if spec else list(load_specs().values())
    best: tuple[int, Table, Spec] | None = None
    for s in specs:
        for sheet in _sheet_order(sheets, s):
            table = find_table(sheet, s, layout)
            if table is None:
                continue
            if not table.missing_required and table.matched:
                score = table.matched * 2 + (1 if sheet.visible else 0)
                if best is None or score > best[0]:
                    best = (score, table, s)
                break
            if best is None and table.matched and spec:
                best = (0, table, s)
    if best and best[0] > 0:
        table, chosen = best[1], best[2]
        for c, label in sorted(table.ignored.items()):
            result.findings.append(warning(
                "unknown_header", f"Cột \"{label}\" không thuộc biểu mẫu {chosen.source}: bỏ qua.",
                f"Column \"{label}\" is not a {chosen.source} field: ignored.",
                file=result.name, sheet=table.sheet.name, cell=cell_address(table.header_rows[0], c), found=label))
        return table, chosen
    result.findings.extend(_no_table_findings(sheets, specs, layout, result.name))
    return None, None


def _no_table_findings(sheets: list[Sheet], specs: list[Spec], layout: Layout, name: str) -> list[Finding]:
    if not sheets or all(not any(any(v is not None for v in r) for r in s.rows) for s in sheets):
        return [error("empty_file", f"Tệp {name} không có dữ liệu.", f"File {name} has no data.", file=name)]
    found = [(t, s) for s in specs for sh in sheets if (t := find_table(sh, s, layout))]
    if not found:
        aliases = ", ".join(layout.area_aliases[:6])
        return [error(
            "no_area_column",
            f"Không tìm thấy cột đơn vị hành chính trong sheet nào của {name} (tìm tiêu đề như: {aliases}).",
            f"No sheet of {name} has an area column (looked for headers such as: {aliases}).",
            file=name, expected=aliases)]
    table, spec = max(found, key=lambda ts: ts[0].matched)
    seen = "; ".join(table.headers_seen())
    out = []
    for fname in table.missing_required or [f.name for f in spec.fields if f.required]:
        f = spec.field(fname)
        aliases = "; ".join(f.aliases)
        out.append(error(
            "missing_required_field",
            f"Thiếu cột bắt buộc \"{fname}\" ({spec.source}): không tiêu đề nào khớp với: {aliases}. "
            f"Các tiêu đề đã thấy: {seen}.",
            f"Required field \"{fname}\" ({spec.source}) not found: no header matches any of: {aliases}. "
            f"Headers seen: {seen}.",
            file=name, sheet=table.sheet.name, cell=cell_address(table.header_rows[0], table.area_col),
            expected=aliases, found=seen))
    return out


@dataclass
class _Rows:
    areas: list[tuple[int, str, str | None, bool]] = field(default_factory=list)  # row, name, code, has values
    total_row: int | None = None


def _scan_rows(table: Table, layout: Layout, spec_cols: list[int]) -> _Rows:
    sheet, out = table.sheet, _Rows()
    for r in range(table.data_start, len(sheet.rows)):
        texts = sheet.row_texts(r)
        nonempty = [t for t in texts if t]
        if not nonempty:
            continue
        if layout.is_table_end(nonempty[0]) or any(_DATE_LINE.search(key(t)) for t in nonempty):
            break
        area = sheet.text(r, table.area_col)
        first_cols = texts[: table.area_col + 1]
        if (area and layout.is_total(area)) or any(t and layout.is_total(t) for t in first_cols):
            if out.total_row is None:
                out.total_row = r
            continue
        has_values = any(sheet.cell(r, c) is not None for c in spec_cols)
        if not area:
            if has_values:
                out.areas.append((r, "", None, True))
            continue
        code = sheet.text(r, table.code_col) if table.code_col is not None else None
        out.areas.append((r, area, code or None, has_values))
    return out


def _read_rows(result: ReadResult, table: Table, spec: Spec, layout: Layout, units: UnitRegistry) -> None:
    sheet, name = table.sheet, result.name
    period = result.period
    assert period is not None
    vintage = units.vintage_for(period)
    result.vintage = vintage
    rows = _scan_rows(table, layout, list(table.columns.values()))
    if not rows.areas:
        result.findings.append(error("no_rows", "Bảng không có dòng số liệu nào của đơn vị hành chính.",
                                     "The table has no area rows.", file=name, sheet=sheet.name,
                                     cell=cell_address(table.data_start, table.area_col)))
        return
    province, matches = units.resolve_rows(vintage, [a for _, a, _, _ in rows.areas], [c for _, _, c, _ in rows.areas])
    result.province_code = province
    seen: dict[str, int] = {}
    keep: list[tuple[int, str, str]] = []  # row, unit code, written
    for (r, written, _, has_values), m in zip(rows.areas, matches, strict=True):
        where = {"file": name, "sheet": sheet.name, "cell": cell_address(r, table.area_col)}
        if m.unit is None and not has_values:
            result.findings.append(warning(
                "row_ignored", f"Dòng \"{written}\" không phải đơn vị hành chính và không có số liệu: bỏ qua.",
                f"Row \"{written}\" is not an area and holds no values: ignored.", found=written, **where))
            continue
        if m.unit is None:
            hint = "; ".join(m.suggestions) or "—"
            label = written or "(trống / blank)"
            result.findings.append(error(
                "unknown_area",
                f"Không nhận ra đơn vị hành chính \"{label}\" (danh mục {vintage}). Gần giống: {hint}.",
                f"Unknown area \"{label}\" (unit list {vintage}). Closest known names: {hint}.",
                found=label, expected=hint, **where))
            continue
        if m.note:
            result.findings.append(warning("area_code_name_mismatch", f"Mã và tên đơn vị không khớp: {m.note}.",
                                           f"Area code and name disagree: {m.note}.", **where))
        if m.unit.code in seen:
            result.findings.append(error(
                "duplicate_area",
                f"Đơn vị \"{written}\" xuất hiện hai lần (dòng {seen[m.unit.code] + 1} và {r + 1}).",
                f"Area \"{written}\" appears twice (rows {seen[m.unit.code] + 1} and {r + 1}).",
                found=written, **where))
            continue
        seen[m.unit.code] = r
        keep.append((r, m.unit.code, written))
    result.values = _values(result, table, spec, keep, province or "", vintage)
    result.totals = _check_totals(result, table, spec, rows.total_row)
    _check_reported_rates(result, table, spec, keep)


def _cells_frame(table: Table, rows: list[tuple[int, str, str]]) -> pl.DataFrame:
    sheet = table.sheet
    records = []
    for r, code, written in rows:
        for fname, c in table.columns.items():
            v = sheet.cell(r, c)
            records.append((r, c, code, written, fname, v if isinstance(v, float) else None,
                            v if isinstance(v, str) else None))
    return pl.DataFrame(records, orient="row", schema={
        "row": pl.Int64, "col": pl.Int64, "area_code": pl.String, "area_written": pl.String,
        "field": pl.String, "num": pl.Float64, "text": pl.String})


def _values(result: ReadResult, table: Table, spec: Spec, rows: list[tuple[int, str, str]],
            province: str, vintage: str) -> pl.DataFrame:
    cells = _parse(result, table, _cells_frame(table, rows))
    long = cells.select("row", "area_code", "area_written", "field", "value", "cell")
    for fname, parts in table.derived.items():
        summed = (long.filter(pl.col("field").is_in(parts))
                  .group_by("row", "area_code", "area_written", maintain_order=True)
                  .agg(value=pl.when(pl.col("value").is_not_null().any()).then(pl.col("value").sum()),
                       cell=pl.col("cell").str.join("+"))
                  .with_columns(field=pl.lit(fname)))
        long = pl.concat([long, summed.select(long.columns)])
    return long.select(
        source=pl.lit(spec.source), period_code=pl.lit(result.period.code if result.period else None),
        vintage=pl.lit(vintage), area_code="area_code", province_code=pl.lit(province), field="field",
        value="value", sheet=pl.lit(table.sheet.name), cell="cell", area_written="area_written",
    ).sort("area_code", "field")


def _parse(result: ReadResult, table: Table, cells: pl.DataFrame) -> pl.DataFrame:
    """Cast cells explicitly: number cells as they are, text with the Vietnamese rules; report the rest."""
    cells = cells.with_columns(
        value=pl.coalesce(pl.col("num"), parse_vietnamese_number(pl.col("text"))),
        is_null_token=pl.col("num").is_null() & is_null_token(pl.col("text")),
    )
    bad = cells.filter(pl.col("value").is_null() & ~pl.col("is_null_token"))
    for row in bad.iter_rows(named=True):
        label = table.label(row["col"])
        result.findings.append(error(
            "not_a_number",
            f"Ô {cell_address(row['row'], row['col'])} (\"{label}\", {row['area_written']}) phải là số "
            f"nhưng có \"{row['text']}\".",
            f"Cell {cell_address(row['row'], row['col'])} (\"{label}\", {row['area_written']}) must be a number "
            f"but holds \"{row['text']}\".",
            file=result.name, sheet=table.sheet.name, cell=cell_address(row["row"], row["col"]),
            expected="số / number", found=row["text"]))
    return cells.with_columns(cell=pl.struct("row", "col").map_elements(
        lambda s: cell_address(s["row"], s["col"]), return_dtype=pl.String))


def _check_totals(result: ReadResult, table: Table, spec: Spec, total_row: int | None) -> dict[str, float | None]:
    """The total row is checked against the sum of the area rows, never loaded as an area."""
    if total_row is None:
        return {}
    sheet = table.sheet
    cells = _parse(result, table, _cells_frame(table, [(total_row, TOTAL, "total")]))
    totals: dict[str, float | None] = dict(cells.select("field", "value").iter_rows())
    sums = dict(result.values.group_by("field").agg(pl.col("value").sum()).iter_rows())
    for fname, c in table.columns.items():
        total, summed = totals.get(fname), sums.get(fname)
        if total is None or summed is None:
            continue
        if abs(total - summed) > spec.total_tolerance + 1e-9:
            where = cell_address(total_row, c)
            tol = _fmt(spec.total_tolerance)
            result.findings.append(error(
                "total_mismatch",
                f"Dòng tổng ô {where} (\"{table.label(c)}\") ghi {_fmt(total)} nhưng tổng các đơn vị là "
                f"{_fmt(summed)} (chênh {_fmt(total - summed)}, cho phép {tol}).",
                f"Total row cell {where} (\"{table.label(c)}\") says {_fmt(total)} but the areas sum to "
                f"{_fmt(summed)} (difference {_fmt(total - summed)}, tolerance {tol}).",
                file=result.name, sheet=sheet.name, cell=where, expected=_fmt(summed), found=_fmt(total)))
    return totals


def _check_reported_rates(result: ReadResult, table: Table, spec: Spec, rows: list[tuple[int, str, str]]) -> None:
    """A percentage typed beside the counts must agree with the one the counts give (DESIGN §6: rates are
    computed, never typed in); a disagreement is a warning naming the cell."""
    counts = {(r["area_code"], r["field"]): r["value"] for r in result.values.iter_rows(named=True)}
    for rate in spec.reported_rates:
        c = table.rates.get(rate.name)
        if c is None:
            continue
        typed = _parse(result, table, pl.DataFrame(
            [(r, c, code, written, rate.name, *_num_text(table.sheet.cell(r, c))) for r, code, written in rows],
            orient="row", schema=_cells_frame(table, []).schema))
        for row in typed.iter_rows(named=True):
            if row["value"] is not None and not 0 <= row["value"] <= 100:
                result.findings.append(error(
                    "percentage_out_of_range",
                    f"Ô {row['cell']} ({row['area_written']}): tỷ lệ {_fmt(row['value'])}% nằm ngoài 0–100.",
                    f"Cell {row['cell']} ({row['area_written']}): percentage {_fmt(row['value'])}% is outside 0–100.",
                    file=result.name, sheet=table.sheet.name, cell=row["cell"], expected="0–100",
                    found=_fmt(row["value"])))
                continue
            num, den = counts.get((row["area_code"], rate.numerator)), counts.get((row["area_code"], rate.denominator))
            if row["value"] is None or num is None or not den:
                continue
            computed = num / den * 100
            if abs(row["value"] - computed) > rate.tolerance:
                result.findings.append(warning(
                    "reported_rate_mismatch",
                    f"Ô {row['cell']} ({row['area_written']}) ghi tỷ lệ {_fmt(row['value'])}% nhưng số liệu cho "
                    f"{computed:.1f}% ({rate.numerator}/{rate.denominator}).",
                    f"Cell {row['cell']} ({row['area_written']}) reports {_fmt(row['value'])}% but the counts give "
                    f"{computed:.1f}% ({rate.numerator}/{rate.denominator}).",
                    file=result.name, sheet=table.sheet.name, cell=row["cell"], expected=f"{computed:.1f}",
                    found=_fmt(row["value"])))


def _num_text(value: object) -> tuple[float | None, str | None]:
    return (value if isinstance(value, float) else None, value if isinstance(value, str) else None)


def _fmt(x: float) -> str:
    return f"{x:,.0f}".replace(",", ".") if float(x).is_integer() else f"{x:,.2f}".replace(",", " ").replace(".", ",")
