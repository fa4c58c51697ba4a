"""Resolving a table's area rows to units of the unit list in force, with the findings that go with it.

- A flat list of districts or communes is resolved as before: the province most rows belong to, then each row
  within it (``UnitRegistry.resolve_rows``).
- A national table by province (most rows are province names) loads province values.
- An area hierarchy across columns resolves each row within its parents (``PathResolver``).
- Names that do not resolve are errors, except in a statistics table (a hierarchy, a national table) of a period
  before the earliest unit list, where units merged since are expected: they get one warning that lists them,
  unless most rows fail.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass

from sources.areas.paths import PathResolver
from sources.areas.units import AreaMatch, Unit, UnitRegistry, split_type
from sources.common.findings import Finding, cell_address, error, warning
from sources.common.periods import Period
from sources.common.text import key, norm
from sources.reading.area_rows import AreaRow, ScannedRows
from sources.reading.levels import SumsTo, national_same_names, settle_levels
from sources.specs.model import Layout

MAX_LISTED = 40  # unresolved names listed in one historic-units warning
MAX_ROW_ERRORS = 50  # per-row unknown-area errors before the rest are summarised
_LEVEL_VI = {"province": "tỉnh", "district": "huyện", "commune": "xã"}


@dataclass(frozen=True)
class Kept:
    row: int
    code: str
    province: str
    written: str


def resolve_areas(
    rows: ScannedRows,
    units: UnitRegistry,
    vintage: str,
    period: Period,
    layout: Layout,
    *,
    file: str,
    sheet: str,
    findings: list[Finding],
    sums_to: SumsTo | None = None,
) -> tuple[list[Kept], list[AreaRow]]:
    """The leaf rows that resolve, one per unit, and the rows with values that resolve to no unit (problems are
    appended to ``findings``; the leaves in neither list are duplicates or rows without values). ``sums_to(row,
    others)``: whether a row's figures are the sum of other rows' (a province row under its districts)."""
    resolver = PathResolver(units, vintage, dict(layout.province_aliases))
    areas = rows.areas
    matches: dict[int, AreaMatch] = {}
    hierarchical = any(len(a.path) > 1 for a in areas)
    leaves = [a for a in areas if a.kind == "area"]
    if not hierarchical:
        _, flat = units.resolve_rows(vintage, [a.written for a in areas], [a.code for a in areas])
        # A national table by province, or a list of one province's units? The reading that resolves more rows:
        # "Long An" and "Bình Phước" are provinces, but in a list of Vĩnh Long's communes they are communes.
        as_provinces = sum(1 for a in leaves if resolver.province(a.written))
        in_province = sum(1 for a, m in zip(areas, flat, strict=True) if a.kind == "area" and m.unit)
        above = bool(rows.regions) or rows.country_row is not None
        national = as_provinces > in_province or (as_provinces == in_province and above)
        if not national:  # on a tie, "Cả nước" or a region row above says the rows are provinces
            matches = {a.row: m for a, m in zip(areas, flat, strict=True)}
            findings.extend(settle_levels(leaves, matches, resolver, units, vintage, sums_to, file=file, sheet=sheet))
            return _keep(
                leaves,
                matches,
                units,
                vintage,
                period,
                lenient=False,
                file=file,
                sheet=sheet,
                findings=findings,
            )
        if same := national_same_names(leaves, units, vintage, file=file, sheet=sheet):
            findings.append(same)
    tops = {a.path[0] for a in areas if a.path and a.path[0]}
    province_top = bool(tops) and sum(1 for t in tops if resolver.province(t)) >= 0.5 * len(tops)
    vote = None if province_top else units.resolve_rows(vintage, sorted(tops), [None] * len(tops))[0]
    for a in areas:
        if not a.written:
            m = AreaMatch(None)
        elif province_top:
            m = resolver.resolve(a.path, vote, provinces_only=not hierarchical)
        else:
            m = resolver.resolve_under(a.path, vote)
        if a.code and (coded := units.by_code_text(vintage, a.code)):
            m = _with_code(m, coded, a)
        matches[a.row] = m
    return _keep(leaves, matches, units, vintage, period, lenient=True, file=file, sheet=sheet, findings=findings)


def _with_code(by_name: AreaMatch, coded: Unit, row: AreaRow) -> AreaMatch:
    """A row's code beside its name: the code names the unit when the name agrees with it or names nothing the
    list knows but is spelt close to it; a code that names another unit than the written name is never loaded
    silently (codes were reused after units merged: 769 was Quận 2, then Thành phố Thủ Đức)."""
    if by_name.unit is not None:
        if by_name.unit.code == coded.code:
            return by_name
        note = f"code {coded.code} is {coded.full_name}, name says {by_name.unit.full_name}"
        return AreaMatch(by_name.unit, note=note)
    if not row.written or _spelt_alike(row.written, coded):
        return AreaMatch(coded)
    return by_name


def _spelt_alike(written: str, unit: Unit) -> bool:
    a, b = key(split_type(written)[1]), key(unit.name)
    return a == b or difflib.SequenceMatcher(None, a, b).ratio() >= 0.85


def _keep(
    leaves: list[AreaRow],
    matches: dict[int, AreaMatch],
    units: UnitRegistry,
    vintage: str,
    period: Period,
    *,
    lenient: bool,
    file: str,
    sheet: str,
    findings: list[Finding],
) -> tuple[list[Kept], list[AreaRow]]:
    """``lenient``: a statistics table (a hierarchy, a national table) of a period before the earliest unit
    list names units merged since; a department's list of its units does not, and an unknown name there is an
    error whatever the period."""
    keep: list[Kept] = []
    seen: dict[str, int] = {}
    seen_row: dict[str, AreaRow] = {}
    historic = lenient and period.end.isoformat() < units.vintages[0]
    unresolved: list[AreaRow] = []
    for a in leaves:
        m = matches[a.row]
        where = {"file": file, "sheet": sheet, "cell": cell_address(a.row, a.col)}
        if m.unit is None and not a.has_values:
            findings.append(
                warning(
                    "row_ignored",
                    f'Dòng "{a.written}" không phải đơn vị hành chính và không có số liệu: bỏ qua.',
                    f'Row "{a.written}" is not an area and holds no values: ignored.',
                    found=a.written,
                    **where,
                )
            )
            continue
        if m.unit is None:
            unresolved.append(a)
            continue
        if m.note:
            findings.append(
                warning(
                    "area_code_name_mismatch",
                    f"Mã và tên đơn vị không khớp: {m.note}.",
                    f"Area code and name disagree: {m.note}.",
                    **where,
                )
            )
        if (
            m.unit.code in seen
            and historic
            and _exact(a.written, m.unit) != _exact(seen_row[m.unit.code].written, m.unit)
        ):
            # "Xã Cam Thanh" and "Xã Cam Thành" were two communes: the one spelt as the list spells it is the unit,
            # the other is gone since
            other = seen_row[m.unit.code]
            if _exact(a.written, m.unit):
                keep = [k for k in keep if k.row != other.row]
                unresolved.append(other)
            else:
                unresolved.append(a)
                continue
        elif m.unit.code in seen:
            findings.append(
                error(
                    "duplicate_area",
                    f'Đơn vị "{a.written}" xuất hiện hai lần (dòng {seen[m.unit.code] + 1} và {a.row + 1}).',
                    f'Area "{a.written}" appears twice (rows {seen[m.unit.code] + 1} and {a.row + 1}).',
                    found=a.written,
                    **where,
                )
            )
            continue
        seen[m.unit.code] = a.row
        seen_row[m.unit.code] = a
        keep.append(Kept(a.row, m.unit.code, m.unit.province_code, a.written))
    if unresolved and historic and len(unresolved) <= 0.5 * (len(unresolved) + len(keep)):
        findings.append(_historic_warning(unresolved, vintage, file, sheet))
    else:
        order = _order_hints(leaves, matches)
        findings.extend(_unknown_errors(unresolved, matches, units, vintage, len(leaves), file, sheet, order))
    return keep, unresolved


def _exact(written: str, unit: Unit) -> bool:
    return norm(split_type(written)[1]) == norm(unit.name)


def _historic_warning(rows: list[AreaRow], vintage: str, file: str, sheet: str) -> Finding:
    names = "; ".join(" › ".join(p for p in a.path if p) for a in rows[:MAX_LISTED])
    more = f" (+{len(rows) - MAX_LISTED})" if len(rows) > MAX_LISTED else ""
    return warning(
        "units_not_in_list",
        f"{len(rows)} đơn vị không có trong danh mục {vintage} (kỳ báo cáo trước danh mục sớm nhất; có thể đã sáp "
        f"nhập): không nạp: {names}{more}. Các đơn vị khác được nạp.",
        f"{len(rows)} units are not in unit list {vintage} (the period is before the earliest list; they may have "
        f"been merged since): not loaded: {names}{more}. The other units are loaded.",
        file=file,
        sheet=sheet,
        cell=cell_address(rows[0].row, rows[0].col),
        found=names[:500],
    )


def _order_hints(leaves: list[AreaRow], matches: dict[int, AreaMatch]) -> dict[int, Unit]:
    """For ambiguous rows in a table that follows the official order (codes ascending): the unit each would be
    by its position. Only said in the message, never used to load: a row's position is no proof."""
    codes = [m.unit.code for a in leaves if (m := matches[a.row]).unit is not None]
    if codes != sorted(codes):
        return {}
    hints: dict[int, Unit] = {}
    i = 0
    while i < len(leaves):
        m = matches[leaves[i].row]
        if not m.candidates:
            i += 1
            continue
        run = [leaves[i]]  # consecutive rows with the same candidates ("Duyên Hải", "Duyên Hải")
        while i + len(run) < len(leaves) and matches[leaves[i + len(run)].row].candidates == m.candidates:
            run.append(leaves[i + len(run)])
        before = next((u.code for a in reversed(leaves[:i]) if (u := matches[a.row].unit)), "")
        after = next((u.code for a in leaves[i + len(run) :] if (u := matches[a.row].unit)), "\uffff")
        if len(run) == len(m.candidates) and all(before < u.code < after for u in m.candidates):
            hints.update({a.row: u for a, u in zip(run, m.candidates, strict=True)})
        i += len(run)
    return hints


def _unknown_errors(
    rows: list[AreaRow],
    matches: dict[int, AreaMatch],
    units: UnitRegistry,
    vintage: str,
    n_leaves: int,
    file: str,
    sheet: str,
    order: dict[int, Unit] | None = None,
) -> list[Finding]:
    out = []
    for a in rows[:MAX_ROW_ERRORS]:
        m = matches[a.row].with_suggestions(units, vintage, a.written)
        hint = "; ".join(m.suggestions) or "—"
        label = " › ".join(p for p in a.path if p) or "(trống / blank)"
        where = {"file": file, "sheet": sheet, "cell": cell_address(a.row, a.col)}
        if m.note and m.note.startswith("ambiguous"):
            units_vi = units_en = m.note.removeprefix("ambiguous: ")
            by_order = (order or {}).get(a.row)
            vi_order = en_order = ""
            if by_order:
                vi_order = (
                    f" Các dòng theo đúng thứ tự danh mục, theo đó dòng này là {by_order.code} "
                    f"{by_order.full_name}, nhưng hệ thống không đoán theo vị trí."
                )
                en_order = (
                    f" The rows follow the official order, which would make this row {by_order.code} "
                    f"{by_order.full_name}, but position is not used to decide."
                )
            out.append(
                error(
                    "ambiguous_area",
                    f'Tên "{label}" có thể là nhiều đơn vị ({units_vi}): ghi rõ loại đơn vị (TP., TX., H., Thành phố, '
                    f"Huyện) hoặc thêm cột Mã ĐVHC.{vi_order}",
                    f'Name "{label}" could be several units ({units_en}): write the unit type '
                    f"(TP., TX., H., Thành phố, Huyện) or add a Mã ĐVHC code column.{en_order}",
                    found=label,
                    expected=hint,
                    **where,
                )
            )
            continue
        asked = units.level_asked(vintage, a.written)
        level_vi = f" Từ chỉ cấp trong tên yêu cầu cấp {_LEVEL_VI[asked]}." if asked else ""
        level_en = f" Its level word asks for a {asked}." if asked else ""
        out.append(
            error(
                "unknown_area",
                f'Không nhận ra đơn vị hành chính "{label}" (danh mục {vintage}).{level_vi} Gần giống: {hint}.',
                f'Unknown area "{label}" (unit list {vintage}).{level_en} Closest known names: {hint}.',
                found=label,
                expected=hint,
                **where,
            )
        )
    if len(rows) > MAX_ROW_ERRORS:
        out.append(
            error(
                "unknown_area",
                f"… và {len(rows) - MAX_ROW_ERRORS} đơn vị khác không nhận ra.",
                f"… and {len(rows) - MAX_ROW_ERRORS} more unknown areas.",
                file=file,
                sheet=sheet,
            )
        )
    if rows and len(rows) > 0.5 * n_leaves and not os.environ.get("XHS_REFERENCE"):
        out.append(
            error(
                "unit_list_too_small",
                f"{len(rows)}/{n_leaves} dòng không có trong danh mục đơn vị tích hợp sẵn "
                "(chỉ gồm các tỉnh mẫu và danh sách tỉnh). "
                "Đặt XHS_REFERENCE trỏ tới thư mục danh mục đơn vị hành chính toàn quốc.",
                f"{len(rows)}/{n_leaves} rows are not in the built-in unit list (the sample provinces and the list of "
                "provinces only). Set XHS_REFERENCE to a folder with the national unit lists.",
                file=file,
                sheet=sheet,
            )
        )
    return out
