"""The level of a row of a flat list of areas, when a name could be two units (issue #25, DESIGN §3).

About half the provinces before the 2025 reform had a district of the same name (Bắc Kạn and Thành phố Bắc Kạn);
after it, three have a commune of the same name. A level word decides (``sources.areas.units.level_asked``):
``Tỉnh Bắc Kạn`` is the province and only the province. A bare name that fits two levels is decided from the rest
of the table, and the choice is a warning that names both units:

- the only row of the table, or a row whose figures are the sum of the other rows (a total row under the districts
  of its province), or a bare name beside its own city written out (``Thành phố Bắc Kạn`` is another row), is the
  province;
- among the districts of one province, it is the district;
- a national table by province reads every row as a province (``sources.reading.resolve``).

A province row of a district table is the province's reported value (derivation ``reported`` in the warehouse),
checked against the sum of the rows as a total row is.
"""

from __future__ import annotations

from collections.abc import Callable

from sources.areas.paths import PathResolver
from sources.areas.units import TYPE_LEVEL, AreaMatch, Unit, UnitRegistry
from sources.common.findings import Finding, cell_address, warning
from sources.common.text import norm
from sources.reading.area_rows import AreaRow

SumsTo = Callable[[int, list[int]], bool]


def settle_levels(
    leaves: list[AreaRow],
    matches: dict[int, AreaMatch],
    resolver: PathResolver,
    units: UnitRegistry,
    vintage: str,
    sums_to: SumsTo | None,
    *,
    file: str,
    sheet: str,
) -> list[Finding]:
    """Rows whose level word asks for a province become that province (or stay unresolved, and the error says
    which level was asked for); bare names that are a province and one of its units are decided as above.
    ``matches`` is updated in place; returns the warnings that say what was chosen."""
    findings: list[Finding] = []
    for a in leaves:
        if units.level_asked(vintage, a.written) == "province":
            province = resolver.province(a.written)
            matches[a.row] = AreaMatch(province) if province else AreaMatch(None, note="level: province", scope="")
    named = {m.unit.code for a in leaves if (m := matches[a.row]).unit and units.level_asked(vintage, a.written)}
    for a in leaves:
        province = units.same_name_province(vintage, a.written)
        m = matches[a.row]
        if province is None or (m.unit is None and not m.candidates):
            continue
        other = m.unit or m.candidates[0]
        if other.level == "province" or other.province_code != province.code:
            continue
        others = [b.row for b in leaves if b.row != a.row and b.has_values]
        why = _province_evidence(a, others, other, named, sums_to)
        if why is not None:
            matches[a.row] = AreaMatch(province)
            findings.append(_chose(a, province, other, why, file, sheet))
        elif m.unit is not None:
            among = ("nằm trong danh sách các đơn vị của tỉnh", "it is listed among its province's units")
            findings.append(_chose(a, other, province, among, file, sheet))
    return findings


def _province_evidence(
    row: AreaRow, others: list[int], same_name: Unit, named: set[str], sums_to: SumsTo | None
) -> tuple[str, str] | None:
    if not others:
        return ("dòng duy nhất của bảng", "the only row of the table")
    if same_name.code in named:
        return (f"{same_name.full_name} là một dòng khác", f"{same_name.full_name} is another row")
    if sums_to is not None and len(others) >= 2 and sums_to(row.row, others):
        return ("số liệu bằng tổng các dòng khác", "its figures are the sum of the other rows")
    return None


def _chose(row: AreaRow, chosen: Unit, other: Unit, why: tuple[str, str], file: str, sheet: str) -> Finding:
    return warning(
        "same_name_level",
        f'"{row.written}" là tên của cả {chosen.full_name} ({chosen.code}) và {other.full_name} ({other.code}); đọc '
        f"là {chosen.full_name} vì {why[0]}. Ghi rõ cấp (Tỉnh, Thành phố, Huyện) để khỏi nhầm.",
        f'"{row.written}" names both {chosen.full_name} ({chosen.code}) and {other.full_name} ({other.code}); read '
        f"as {chosen.full_name} because {why[1]}. Write the level (Tỉnh, Thành phố, Huyện) to leave no doubt.",
        file=file,
        sheet=sheet,
        cell=cell_address(row.row, row.col),
        expected=f"{chosen.code} {chosen.full_name}",
        found=row.written,
    )


def national_same_names(
    leaves: list[AreaRow], units: UnitRegistry, vintage: str, *, file: str, sheet: str
) -> Finding | None:
    """In a national table by province, the bare names that are also a unit of their own province are read as
    provinces: one warning lists them."""
    pairs = []
    for a in leaves:
        province = units.same_name_province(vintage, a.written)
        if province is None:
            continue
        twin = next((u for u in units.candidates(vintage, a.written) if u.province_code == province.code), None)
        if twin is not None:
            pairs.append(f"{a.written} ({province.code}, {twin.code} {twin.full_name})")
    if not pairs:
        return None
    listed = "; ".join(pairs)
    return warning(
        "same_name_level",
        f"{len(pairs)} tên là tên của cả một tỉnh và một đơn vị của tỉnh đó; bảng toàn quốc theo tỉnh nên đọc là tỉnh: "
        f"{listed}.",
        f"{len(pairs)} names are both a province and one of its own units; a national table by province reads them "
        f"as provinces: {listed}.",
        file=file,
        sheet=sheet,
        found=listed[:500],
    )


_LEVEL_WORDS = (*TYPE_LEVEL, "tp.", "tx.")  # the unit types a title writes in full, and two abbreviations
_COMMON_PHRASES = ("xã hội",)  # "xã hội số", "Cộng hòa xã hội chủ nghĩa": society, not a commune


def areas_in_title(lines: list[str], resolver: PathResolver, units: UnitRegistry, vintage: str) -> list[Unit]:
    """The units a table's title names with a level word (``TỈNH BẮC KẠN``, ``Huyện Đạ Huoai``), each once: a
    table with no area column is the table of that area, not of the country."""
    found: dict[str, Unit] = {}
    for line in lines:
        words = norm(line).replace(",", " ").replace("(", " ").replace(")", " ").split()
        i = 0
        while i < len(words):
            # the longest level word here: "thị xã Nghĩa Lộ" is the town, never also a commune "xã Nghĩa Lộ"
            level = max((w for w in _LEVEL_WORDS if words[i : i + len(w.split())] == w.split()), key=len, default="")
            n = len(level.split())
            if level and " ".join(words[i : i + 2]) not in _COMMON_PHRASES:
                unit = _longest_name(words[i : i + n + 5], n, resolver, units, vintage)
                if unit is not None:
                    found.setdefault(unit.code, unit)
            i += max(n, 1)
    return list(found.values())


def _longest_name(words: list[str], n: int, resolver: PathResolver, units: UnitRegistry, vintage: str) -> Unit | None:
    for end in range(len(words), n, -1):
        text = " ".join(words[:end])
        if units.level_asked(vintage, text) == "province":
            unit = resolver.province(text)
        else:
            found = units.candidates(vintage, text)
            unit = found[0] if len(found) == 1 else None
        if unit is not None:
            return unit
    return None
