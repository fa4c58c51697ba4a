"""The reporting period of a table: written in its title rows or sheet name, else in the file name, unless given
explicitly; refused when it cannot be determined or is implausible."""

from __future__ import annotations

from datetime import date

from sources.common.findings import Finding, error, warning
from sources.common.periods import Period, find_periods, most_specific, parse_period_code, period_from_filename
from sources.reading.header import Table


def table_period(name: str, table: Table, explicit: str | None, findings: list[Finding]) -> Period | None:
    """The period of ``table`` in file ``name``; problems are appended to ``findings``."""
    if explicit:
        try:
            given = parse_period_code(explicit)
        except ValueError as exc:
            findings.append(
                error("bad_period", f"Kỳ báo cáo không hợp lệ: {explicit!r}.", str(exc), file=name, found=explicit)
            )
            return None
        if name.lower().endswith(".csv"):
            findings.append(_csv_period(name, given, "given"))
        return given
    sheet = table.sheet
    title = [(r, t) for r in range(table.header_rows[0]) for t in sheet.row_texts(r) if t]
    candidates = [c for _, t in title for c in find_periods(t)] + find_periods(sheet.name)
    chosen, tied = most_specific(candidates)
    from_name = period_from_filename(name)
    if len(tied) > 1:
        codes = ", ".join(p.code for p in tied)
        findings.append(
            error(
                "ambiguous_period",
                f"Tiêu đề ghi nhiều kỳ báo cáo khác nhau ({codes}); hãy chỉ rõ kỳ (--period).",
                f"The title states several different periods ({codes}); give the period explicitly (--period).",
                file=name,
                sheet=sheet.name,
                found=codes,
            )
        )
        return None
    if chosen and from_name and from_name.code != chosen.code and from_name.period_type == chosen.period_type:
        findings.append(
            warning(
                "period_name_mismatch",
                f"Tên tệp ghi kỳ {from_name.code} nhưng tiêu đề ghi {chosen.code}; dùng kỳ trong tiêu đề.",
                f"The file name says {from_name.code} but the title says {chosen.code}; using the title.",
                file=name,
                sheet=sheet.name,
                expected=chosen.code,
                found=from_name.code,
            )
        )
    if chosen is None and from_name is not None and name.lower().endswith(".csv"):
        findings.append(_csv_period(name, from_name, "name"))  # a CSV has no title: say where its period came from
    chosen = chosen or from_name
    if chosen is not None and not plausible(chosen):
        findings.append(
            error(
                "period_out_of_range",
                f"Kỳ báo cáo {chosen.code} nằm ngoài khoảng hợp lệ (từ năm {EARLIEST_YEAR} đến hôm nay).",
                f"Reporting period {chosen.code} is out of range (from {EARLIEST_YEAR} to today).",
                file=name,
                sheet=sheet.name,
                expected=f"{EARLIEST_YEAR} … {date.today().isoformat()}",
                found=chosen.code,
            )
        )
        return None
    if chosen is None:
        findings.append(
            error(
                "period_unknown",
                'Không xác định được kỳ báo cáo: tiêu đề và tên tệp không ghi kỳ (ví dụ "Năm 2024", "Quý II/2024", '
                '"tính đến ngày 13/6/2024"). Hãy ghi kỳ vào tiêu đề hoặc dùng --period.',
                "Cannot determine the reporting period: neither the title rows nor the file name state one (e.g. "
                '"Năm 2024", "Quý II/2024", "tính đến ngày 13/6/2024"). Write it in the title or pass --period.',
                file=name,
                sheet=sheet.name,
            )
        )
    return chosen


EARLIEST_YEAR = 2015


def plausible(period: Period) -> bool:
    """Not before 2015 (no digital-society reporting earlier) and not ending in the future."""
    return period.start.year >= EARLIEST_YEAR and period.start <= date.today()


def _csv_period(name: str, period: Period, source: str) -> Finding:
    how_vi = "được chỉ định (--period)" if source == "given" else "lấy từ tên tệp"
    how_en = "was given (--period)" if source == "given" else "is taken from the file name"
    return warning(
        "period_from_file_name" if source == "name" else "period_given",
        f"Tệp CSV {name} không ghi kỳ báo cáo trong bảng; kỳ {period.code} {how_vi}.",
        f"CSV file {name} states no period in its table; period {period.code} {how_en}.",
        file=name,
        found=period.code,
    )
