"""Which sheet, which header block and which department's spec a file is read with; and, when none fits, a
message that points the right way (each department's closest match, not the first spec in the alphabet)."""

from __future__ import annotations

import re

import polars as pl

from sources.areas.units import UnitRegistry
from sources.common.findings import Finding, cell_address, error, warning
from sources.common.text import key, norm
from sources.intake.grid import Sheet
from sources.reading.area_rows import split_subtotal
from sources.reading.columns import column_period, header_without_period, title_rate
from sources.reading.header import MAX_HEADER_SCAN, Table, find_table, header_only_table, is_data_row, is_data_text
from sources.reading.measure import ratio_word, split_label
from sources.reading.turned import turn_back, turned, turned_at
from sources.specs.model import Layout, Spec, load_specs


def area_name_test(units: UnitRegistry, layout: Layout):
    aliases = {key(k) for k, _ in layout.province_aliases}

    def is_area_name(text: str) -> bool:
        name = split_subtotal(text)[0]
        return units.knows_name(name) or key(name) in aliases or layout.is_region(name)

    return is_area_name


def _sheet_rank(sheet: Sheet, spec: Spec) -> tuple[int, int]:
    named = any(key(p) and key(p) in key(sheet.name) for p in spec.sheet_patterns)
    return (1 if sheet.visible else 0, 1 if named else 0)


def choose_tables(
    sheets: list[Sheet], spec: Spec | None, layout: Layout, units: UnitRegistry, name: str, findings: list[Finding]
) -> tuple[list[Table], Spec | None]:
    """Every table of the file for one department (DESIGN §3b, "a workbook is many tables"): the department is the
    given spec, else the one whose best table binds the most (visible sheets first, every spec tried); then each
    visible sheet's best table for it, in sheet order (hidden sheets only when no visible one has a table: they hold
    look-up lists and copies). A sheet of figures that binds no field of the department is one warning."""
    specs = [spec] if spec else list(load_specs().values())
    is_area = area_name_test(units, layout)
    found: dict[str, list[Table | None]] = {}
    best: tuple[tuple, Spec] | None = None
    for s in specs:
        found[s.source] = [_find(sheet, s, layout, is_area) for sheet in sheets]
        for sheet, table in zip(sheets, found[s.source], strict=True):
            if table is None:
                continue
            visible, named = _sheet_rank(sheet, s)
            rank = (visible, table.score, named)
            if best is None or rank > best[0]:
                best = (rank, s)
    if best is None:
        findings.extend(_no_table_findings(sheets, specs, layout, name, is_area, explicit=spec is not None))
        return [], None
    chosen = best[1]
    tables = [t for t in found[chosen.source] if t is not None]
    shown = [t for t in tables if t.sheet.visible]
    tables = shown or tables[:1]
    read = {t.sheet.name for t in tables}
    for sheet in sheets:
        if sheet.name not in read and sheet.visible and _holds_figures(sheet):
            findings.append(_table_not_loaded(sheet, chosen, name))
    bound = {f for table in tables for f in (*table.plan.fields, *table.derived)}
    for i, table in enumerate(tables):
        said: list[Finding] = []
        _header_findings(table, chosen, name, said, missing=[] if i else _missing(chosen, bound))
        if (head := turned_at(table.sheet)) is not None:
            turn_back(pl.DataFrame(), said, table.sheet.name, head)
        findings.extend(said)
    return tables, chosen


def _find(sheet: Sheet, spec: Spec, layout: Layout, is_area) -> Table | None:
    """The sheet's table as it is, else turned round (areas across the columns, periods down the rows)."""
    table = find_table(sheet, spec, layout, is_area)
    if table is not None:
        return table
    memo = ("turned", id(layout), id(is_area))
    if memo not in sheet.memo:  # turned once per sheet, whatever the number of specs tried
        sheet.memo[memo] = turned(sheet, is_area)
    round_ = sheet.memo[memo]
    return find_table(round_, spec, layout, is_area) if isinstance(round_, Sheet) else None


def _by_label(table: Table, columns: dict[int, tuple[str, str]]) -> list[tuple[list[int], tuple[str, str]]]:
    """Columns grouped by their label without its period (``2011 / Diện tích (Km2)``, ``2012 / Diện tích (Km2)``
    are one column per year of one thing): one finding per thing, naming every column."""
    groups: dict[str, tuple[list[int], tuple[str, str]]] = {}
    for c, (label, mark) in sorted(columns.items()):
        raw = tuple(table.labels.get(c, []))
        bare = " / ".join(header_without_period(raw)) or label
        groups.setdefault(bare, ([], (bare, mark)))[0].append(c)
    return [
        (cols, (label if len(cols) == 1 else shown, mark))
        for cols, (shown, mark) in groups.values()
        for label in [columns[cols[0]][0]]
    ]


def _columns(table: Table, cols: list[int]) -> str:
    if len(cols) < 2:
        return ""
    return f" ({len(cols)} cột / columns: {', '.join(cell_address(table.header_rows[0], c) for c in cols)})"


def _missing(spec: Spec, bound: set[str]) -> list[str]:
    """The fields the department always sends that no table of the file binds."""
    return [f.name for f in spec.fields if f.required and f.name not in bound]


def _holds_figures(sheet: Sheet) -> bool:
    """A sheet with at least two rows of figures: a table, not instructions or a list of names and codes."""
    rows = 0
    for r in range(len(sheet.rows)):
        if is_data_row(sheet, r):
            rows += 1
            if rows >= 2:
                return True
    return False


def sheet_title(sheet: Sheet) -> str:
    """The first line of text of a sheet (its title), shortened."""
    for r in range(min(MAX_HEADER_SCAN, len(sheet.rows))):
        texts = [t for t in sheet.row_texts(r) if t]
        if texts:
            return texts[0][:160]
    return ""


def _table_not_loaded(sheet: Sheet, spec: Spec, name: str) -> Finding:
    title = sheet_title(sheet)
    rate = title_rate([title]) if title else None
    why_vi = f' (tiêu đề là một tỷ lệ/chỉ số: "{rate}")' if rate else ""
    why_en = f' (its title is a rate or index: "{rate}")' if rate else ""
    return warning(
        "table_not_loaded",
        f'Sheet "{sheet.name}" ("{title}") không có cột nào là chỉ tiêu của biểu mẫu {spec.source}{why_vi}: không nạp. '
        "Các sheet khác của tệp vẫn được nạp.",
        f'Sheet "{sheet.name}" ("{title}") has no column that is a {spec.source} field{why_en}: not loaded. The '
        "file's other sheets are.",
        file=name,
        sheet=sheet.name,
        found=title,
    )


def _header_findings(table: Table, chosen: Spec, name: str, findings: list[Finding], *, missing: list[str]) -> None:
    """What a chosen table's header says about its columns: unknown, rates, wrong units, breakdowns, age bands
    that do not fit, the department's usual fields missing."""
    where = {"file": name, "sheet": table.sheet.name}
    for cols, (label, _) in _by_label(table, {c: (text, "") for c, text in table.ignored.items()}):
        findings.append(
            warning(
                "unknown_header",
                f'Cột "{label}" không thuộc biểu mẫu {chosen.source}: bỏ qua.{_columns(table, cols)}',
                f'Column "{label}" is not a {chosen.source} field: ignored.{_columns(table, cols)}',
                cell=cell_address(table.header_rows[0], cols[0]),
                found=label,
                **where,
            )
        )
    for cols, (label, mark) in _by_label(table, table.plan.rates):
        findings.append(
            warning(
                "rate_not_loaded",
                f'Cột "{label}" là tỷ lệ, tỷ số, tỷ trọng hoặc chỉ số ("{mark}"), không phải số đếm: không trường nào '
                f"của biểu mẫu {chosen.source} chứa chỉ tiêu này, không nạp.{_columns(table, cols)}",
                f'Column "{label}" is a rate, ratio, share or index ("{mark}"), not a count: no {chosen.source} field '
                f"holds it; not loaded.{_columns(table, cols)}",
                cell=cell_address(table.header_rows[0], cols[0]),
                found=label,
                **where,
            )
        )
    for c, (label, fname) in sorted(table.plan.unit_mismatch.items()):
        unit = chosen.field(fname).unit
        findings.append(
            warning(
                "unit_mismatch",
                f'Cột "{label}" ghi đơn vị không thể là của trường {fname} ({unit}): không nạp như {fname}.',
                f'Column "{label}" states a unit that cannot be field {fname}\'s ({unit}): not loaded as {fname}.',
                cell=cell_address(table.header_rows[0], c),
                found=label,
                expected=unit,
                **where,
            )
        )
    if table.plan.breakdowns:
        labels = "; ".join(dict.fromkeys(table.plan.breakdowns.values()))
        findings.append(
            warning(
                "breakdown_not_loaded",
                f"Các cột phân tổ được nhận diện và không nạp (cột Tổng số được nạp): {labels[:600]}.",
                f"Breakdown columns are recognised and not loaded (the total column is): {labels[:600]}.",
                cell=cell_address(table.header_rows[0], min(table.plan.breakdowns)),
                **where,
            )
        )
    for vi, en in table.plan.notes:
        findings.append(warning("age_bands_do_not_fit", vi, en, **where))
    for fname in missing:
        f = chosen.field(fname)
        seen = "; ".join(table.headers_seen())
        findings.append(
            warning(
                "usual_field_missing",
                f'Tệp không có cột "{fname}" ({chosen.source}) mà đơn vị thường gửi (tiêu đề như: '
                f"{'; '.join(f.aliases[:4])}); nạp các cột có. Các tiêu đề đã thấy: {seen}.",
                f'The file has no "{fname}" column ({chosen.source}), which the department always sends (headers such '
                f"as: {'; '.join(f.aliases[:4])}); the columns it has are loaded. Headers seen: {seen}.",
                cell=cell_address(table.header_rows[0], table.area_col),
                expected="; ".join(f.aliases),
                found=seen,
                **where,
            )
        )


def _no_table_findings(
    sheets: list[Sheet], specs: list[Spec], layout: Layout, name: str, is_area, *, explicit: bool
) -> list[Finding]:
    if not sheets or all(not any(any(v is not None for v in r) for r in s.rows) for s in sheets):
        return [error("empty_file", f"Tệp {name} không có dữ liệu.", f"File {name} has no data.", file=name)]
    arealess = [
        (t, s)
        for s in specs
        for sh in sheets
        if (t := find_table(sh, s, layout, is_area, require_area=False)) is not None
    ]
    if arealess:
        table, spec = max(arealess, key=lambda ts: ts[0].score)
        aliases = ", ".join(layout.area_aliases[:6])
        fields = ", ".join(sorted(table.plan.fields))
        return [
            error(
                "no_area_column",
                f'Sheet "{table.sheet.name}" của {name} có cột số liệu {spec.source} ({fields}) nhưng không có cột đơn '
                f"vị hành chính: không tiêu đề nào như {aliases}, và không cột nào chứa tên đơn vị trong danh mục.",
                f'Sheet "{table.sheet.name}" of {name} has {spec.source} columns ({fields}) but no area column: no '
                f"header such as {aliases}, and no column whose values are unit names.",
                file=name,
                sheet=table.sheet.name,
                expected=aliases,
            )
        ]
    headed = [(t, s) for s in specs for sh in sheets if (t := header_only_table(sh, s, layout))]
    if explicit and headed:
        table, spec = headed[0]
        return [_no_field(table, spec, name, _rate_note(sheets))]
    if not explicit or _rates_seen(sheets):
        return [_no_spec(sheets, specs, name, is_area)]
    aliases = ", ".join(layout.area_aliases[:6])
    return [
        error(
            "no_area_column",
            f"Không tìm thấy cột đơn vị hành chính trong sheet nào của {name} (tìm tiêu đề như: {aliases}).",
            f"No sheet of {name} has an area column (looked for headers such as: {aliases}).",
            file=name,
            expected=aliases,
        )
    ]


def _rates_seen(sheets: list[Sheet]) -> list[tuple[str, str, str]]:
    """(sheet, text, what marks it) for each sheet whose title or header cells name a rate, ratio, share or index
    (a ratio word, or a unit such as ``%`` or ``Nam/100 nữ``): what a file of no count field holds instead."""
    seen = []
    for sheet in sheets:
        for r in range(min(MAX_HEADER_SCAN, len(sheet.rows))):
            mark = next(
                (
                    (text, word)
                    for text in sheet.row_texts(r)
                    if text and not is_data_text(text) and (word := ratio_word(text) or _ratio_unit(text))
                ),
                None,
            )
            if mark:
                seen.append((sheet.name, mark[0][:120], mark[1]))
                break
    return seen


def _ratio_unit(text: str) -> str | None:
    stated = split_label(text)[1]
    return stated.text if stated is not None and stated.ratio else None


def _rate_note(sheets: list[Sheet]) -> tuple[str, str]:
    rates = _rates_seen(sheets)
    if not rates:
        return "", ""
    listed = "; ".join(f'"{sheet}": "{text}" ("{word}")' for sheet, text, word in rates[:5])
    return (
        f" Bảng là tỷ lệ, tỷ số hoặc chỉ số, không phải số đếm ({listed}), và không biểu mẫu nào có chỉ tiêu này.",
        f" The table is a rate, ratio or index, not a count ({listed}), and no spec holds such a field.",
    )


def _no_field(table: Table, spec: Spec, name: str, note: tuple[str, str] = ("", "")) -> Finding:
    seen = "; ".join(table.headers_seen())
    wanted = [f for f in spec.fields if f.required] or list(spec.fields)
    aliases = "; ".join(a for f in wanted for a in f.aliases[:3])
    names = ", ".join(f.name for f in wanted)
    return error(
        "missing_required_field",
        f'Không cột nào khớp với trường nào của biểu mẫu {spec.source} (ví dụ "{names}": {aliases}).{note[0]} '
        f"Các tiêu đề đã thấy: {seen}.",
        f'No column matches any {spec.source} field (e.g. "{names}": {aliases}).{note[1]} Headers seen: {seen}.',
        file=name,
        sheet=table.sheet.name,
        cell=cell_address(table.header_rows[0], table.area_col),
        expected=aliases,
        found=seen,
    )


_COMMON_WORDS = {
    "số",
    "tổng",
    "của",
    "và",
    "theo",
    "phân",
    "chia",
    "trong",
    "đó",
    "các",
    "năm",
    "the",
    "of",
    "and",
    "by",
    "total",
    "đã",
    "có",
}


def _words(text: str) -> set[str]:
    """The words of a text with their diacritics (``hộ`` is not ``hồ``), less the commonest."""
    return set(re.sub(r"[^\w\s]", " ", norm(text)).split()) - _COMMON_WORDS


def _closest(sheets: list[Sheet], spec: Spec, is_area) -> str:
    """The header text of the file nearest to one of the spec's aliases (shared words beyond the commonest), with
    that alias. Figures, periods and unit names are not headers."""
    best: tuple[float, str, str] = (0.0, "", "")
    for sheet in sheets:
        for r in range(min(MAX_HEADER_SCAN, len(sheet.rows))):
            for text in sheet.row_texts(r):
                words = _words(text)
                if not words or len(text) > 80 or is_area(text) or column_period(text) or is_data_text(text):
                    continue
                for f in spec.fields:
                    for alias in f.aliases:
                        aw = _words(alias)
                        share = len(words & aw) / len(words | aw) if aw else 0.0
                        if share > best[0]:
                            best = (share, text, alias)
    return f'"{best[1]}" ~ "{best[2]}"' if best[0] >= 0.25 else "—"


def _no_spec(sheets: list[Sheet], specs: list[Spec], name: str, is_area) -> Finding:
    closest = [(s.source, _closest(sheets, s, is_area)) for s in specs]
    vi = "; ".join(f"{src}: {c if c != '—' else 'không có tiêu đề nào gần'}" for src, c in closest)
    en = "; ".join(f"{src}: {c if c != '—' else 'no header comes close'}" for src, c in closest)
    rate_vi, rate_en = _rate_note(sheets)
    return error(
        "no_spec_matched",
        f"Tệp {name} không khớp biểu mẫu của đơn vị nào (không cột nào là chỉ tiêu đã biết).{rate_vi} Gần nhất theo "
        f"từng đơn vị: {vi}. Nếu đây là một loại báo cáo mới, cần thêm biểu mẫu (sources/specs).",
        f"File {name} matches no department's spec (no column is a known field).{rate_en} Closest per department: "
        f"{en}. If this is a new kind of report, it needs a spec (sources/specs).",
        file=name,
        found="; ".join(f"{s}={c}" for s, c in closest)[:500],
    )
