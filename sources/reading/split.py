"""Tables whose rows carry their own period (DESIGN §3b, "a period column gives each row its period") and tables of
the whole country.

- A **period column** (``year``, ``Năm``, ``Kỳ``, or a first column of years) splits a table into one table per
  period, each read as a table of that period: one file holds many periods, and an area appears once per period.
- A table with **no area column** whose rows are told apart by their period is the **country**: its values load on
  area ``VN`` (``dim_area`` level ``country``), beside the provinces, never summed into them.
- A text column beside the period (``Items``: ``Total - Thous. Subcribers``, ``Index (Previous year = 100) - %``)
  qualifies each row: a row it marks as a rate, ratio or index is not a count (one warning); a scale it states
  (``Thous.``) scales the row.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sources.common.findings import Finding, cell_address, warning
from sources.common.periods import Period
from sources.reading.header import Table, is_value, text_only
from sources.reading.keys import row_period
from sources.reading.measure import SCALES, ratio_word, split_label


@dataclass(frozen=True)
class PeriodTable:
    """One period's rows of a table with a period column."""

    period: Period
    preliminary: bool
    table: Table


def by_period(table: Table) -> tuple[list[PeriodTable], list[int]]:
    """The table as one table per period of its period column, and the rows whose period cell is not a period."""
    assert table.period_col is not None
    groups: dict[Period, tuple[bool, list[int]]] = {}
    odd: list[int] = []
    for r in range(table.data_start, len(table.sheet.rows)):
        text = table.sheet.text(r, table.period_col)
        if not text:
            continue
        found = row_period(text)
        if found is None:
            odd.append(r)
            continue
        prelim, rows = groups.setdefault(found[0], (found[1], []))
        groups[found[0]] = (prelim or found[1], [*rows, r])
    out = []
    for period in sorted(groups):
        prelim, rows = groups[period]
        plan = replace(table.plan, bindings=[replace(b, preliminary=b.preliminary or prelim) for b in table.bindings])
        out.append(PeriodTable(period, prelim, replace(table, plan=plan, rows_only=frozenset(rows))))
    return out, odd


def qualifier_cols(table: Table) -> list[int]:
    """Columns of text (not figures) that are neither keys nor bound: a national table's ``Items``."""
    keys = {table.period_col, table.code_col, *table.area_cols, *(b.col for b in table.bindings)}
    rows = sorted(table.rows_only or range(table.data_start, len(table.sheet.rows)))
    return [c for c in sorted(table.labels) if c not in keys and text_only(table.sheet, rows, c)]


def country_rows(
    table: Table, name: str, findings: list[Finding], warned: set[str] | None = None
) -> tuple[list[int], float] | None:
    """The rows of one period of a national table that are counts, and the scale their qualifier states; rows a
    qualifier marks as rates are left out with one warning. None when the counts are more than one row (the
    table's rows are then not told apart by period: it is not a national table)."""
    rows = sorted(table.rows_only or ())
    quals = qualifier_cols(table)
    counts: list[tuple[int, float]] = []
    for r in rows:
        if not any(is_value(table.sheet.cell(r, b.col)) for b in table.bindings):
            continue
        text = " - ".join(t for c in quals if (t := table.sheet.text(r, c)))
        rate = _rate_mark(text)
        if rate and warned is not None and text in warned:
            continue
        if rate:
            if warned is not None:
                warned.add(text)  # one warning for the rows of every period with the same qualifier
            findings.append(
                warning(
                    "rate_not_loaded",
                    f'Dòng "{text}" là tỷ lệ, tỷ số hoặc chỉ số ("{rate}"), không phải số đếm: không nạp.',
                    f'Row "{text}" is a rate, ratio or index ("{rate}"), not a count: not loaded.',
                    file=name,
                    sheet=table.sheet.name,
                    cell=cell_address(r, quals[0] if quals else 0),
                    found=text[:200],
                )
            )
            continue
        counts.append((r, _scale(text)))
    if len(counts) != 1:
        return None if counts else ([], 1.0)
    return [counts[0][0]], counts[0][1]


def scaled(table: Table, scale: float) -> Table:
    """The table with its bindings scaled by a row qualifier's scale (unless a header already stated one)."""
    if scale == 1.0:
        return table
    bindings = [replace(b, scale=b.scale if b.scale != 1.0 else scale) for b in table.bindings]
    return replace(table, plan=replace(table.plan, bindings=bindings))


def _rate_mark(text: str) -> str | None:
    if not text:
        return None
    for part in text.split(" - "):
        stated = split_label(f"({part.strip()})")[1]
        if stated is not None and stated.ratio:
            return stated.text
    return ratio_word(text)


def _scale(text: str) -> float:
    for part in text.replace("-", " ").split():
        word = part.strip(".,;:()").casefold()
        if word in SCALES:
            return SCALES[word]
    return 1.0
