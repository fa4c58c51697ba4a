"""The static site of a release: ``site/index.html`` and one page per indicator, Vietnamese first with English
alongside, charts as inline SVG. Everything is relative links inside the release, so it works opened from disk."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

import polars as pl

from warehouse.release import disclosure
from warehouse.release.charts import MAX_LINES, Point, Series, fmt, line_chart, sparkline
from warehouse.release.datapackage import source_title
from warehouse.release.tables import Release

NO_VALUES_VI = "Chưa có số liệu: chưa tệp nào của đơn vị báo cáo mang giá trị của chỉ tiêu này."
NO_VALUES_EN = "No values yet: no file from the reporting department has brought a value of this indicator."
STYLE = """body{font-family:system-ui,"Segoe UI",Roboto,Arial,sans-serif;max-width:980px;margin:0 auto;padding:1em;
color:#222}h1{margin-bottom:.1em}.en{color:#555;font-style:italic;margin-top:0}table{border-collapse:collapse;
margin:.5em 0}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left}td.n{text-align:right}
.note{background:#f6f6f6;padding:.6em;border-left:4px solid #888}svg.chart{max-width:100%;height:auto}
table.dept td{vertical-align:top}.latest{font-size:.9em}.goal{font-size:.85em;color:#555}"""


def _page(title: str, body: str) -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="vi"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>{body}</body></html>\n"
    )


def _bi(vi: str, en: str, tag: str = "p") -> str:
    return f'<{tag}>{escape(vi)}</{tag}><{tag} lang="en" class="en">{escape(en)}</{tag}>'


def _series(frame: pl.DataFrame) -> list[Series]:
    """One series per area and frequency (``period_type``), points in time order (by period end)."""
    out = []
    rows = frame.filter(pl.col("value").is_not_null())
    for part in rows.partition_by(["area_key", "period_type"], maintain_order=True):
        part = part.sort("period_end", "period_code")
        points = tuple(
            Point(
                r["period_end"],
                r["period_code"],
                r["value"],
                bool(r["preliminary"]),
                bool(r["restated"]),
                r["restated_from"],
            )
            for r in part.iter_rows(named=True)
        )
        out.append(Series(part["area_name"][0], part["area_key"][0], part["period_type"][0], points))
    return out


def _largest_areas(series: list[Series]) -> tuple[list[Series], str]:
    """At most MAX_LINES areas (those with the largest latest value), with a note when some are left out."""
    latest: dict[str, Point] = {}
    for s in series:
        last = s.points[-1]
        if s.key not in latest or last.end > latest[s.key].end:
            latest[s.key] = last
    if len(latest) <= MAX_LINES:
        return series, ""
    keep = set(sorted(latest, key=lambda k: -latest[k].value)[:MAX_LINES])
    note = (
        f'<p class="note">Hiển thị {MAX_LINES}/{len(latest)} đơn vị có giá trị mới nhất lớn nhất; đủ số '
        f"liệu trong tệp tải về. / Showing {MAX_LINES} of {len(latest)} areas (largest latest value); "
        "the downloads have them all.</p>"
    )
    return [s for s in series if s.key in keep], note


def _charts(facts: pl.DataFrame, ind: dict[str, Any], decimals: int) -> str:
    targets = [(f"Mục tiêu / Target {y}", ind[f"target_{y}"]) for y in (2025, 2030) if ind[f"target_{y}"] is not None]
    provinces = facts.filter(pl.col("area_level") == "province")
    chart = line_chart(_series(provinces), "provinces", decimals, targets)
    html = [f"<h3>Các tỉnh / Provinces</h3>{chart}"]
    for part in facts.filter(~pl.col("area_level").is_in(["province", "country"])).partition_by(
        ["vintage", "province_code"], maintain_order=True
    ):
        series, note = _largest_areas(_series(part))
        if not series:
            continue
        title = f"{part['province_name'][0]} ({part['vintage'][0]})"
        html.append(f"<h3>{escape(title)} — theo đơn vị / by area</h3>{note}{line_chart(series, title, decimals)}")
    return "".join(html)


def _over_time(facts: pl.DataFrame, ind: dict[str, Any], decimals: int) -> str:
    """The charts, or a note when no file has brought a value yet (a department just added, a field no department
    has reported)."""
    if facts.is_empty():
        return f'<div class="note">{_bi(NO_VALUES_VI, NO_VALUES_EN)}</div>'
    return _charts(facts, ind, decimals)


def _targets(facts: pl.DataFrame, ind: dict[str, Any], decimals: int) -> str:
    latest = (
        facts.filter((pl.col("area_level") == "province") & pl.col("value").is_not_null())
        .sort("period_end")
        .group_by("area_key", maintain_order=True)
        .last()
        .sort("area_key")
    )

    def versus(value: float, target: float | None) -> str:
        if target is None:
            return "–"
        met = "đạt / met" if value >= target else "chưa đạt / not met"
        return f"{fmt(target, decimals)} ({met})"

    rows = "".join(
        f"<tr><td>{escape(r['area_name'])}</td><td>{escape(r['period_code'])}</td><td class=n>"
        f"{fmt(r['value'], decimals)}</td><td class=n>{versus(r['value'], ind['target_2025'])}</td>"
        f"<td class=n>{versus(r['value'], ind['target_2030'])}</td></tr>"
        for r in latest.iter_rows(named=True)
    )
    source = f"<p>{escape(ind['target_source'])}</p>" if ind["target_source"] else ""
    return (
        "<h2>Giá trị mới nhất và mục tiêu / Latest value and targets</h2><table><tr><th>Tỉnh / Province</th>"
        "<th>Kỳ / Period</th><th>Giá trị / Value</th><th>Mục tiêu 2025 / 2025 target</th>"
        f"<th>Mục tiêu 2030 / 2030 target</th></tr>{rows}</table>{source}"
    )


def _rule() -> str:
    return f'<div class="note">{_bi(disclosure.RULE_VI, disclosure.RULE_EN)}</div>'


def indicator_page(ind: dict[str, Any], facts: pl.DataFrame, release_name: str) -> str:
    code = ind["indicator_code"]
    decimals = 1 if ind["kind"] == "rate" else 0
    formula = ""
    if ind["kind"] == "rate":
        formula = f"<p>Công thức / Formula: ({escape(ind['numerator'])}) / {escape(ind['denominator'])}</p>"
    body = (
        '<p><a href="index.html">← Trang chủ / Home</a></p>'
        f'<h1>{escape(ind["name_vi"])}</h1><p lang="en" class="en">{escape(ind["name_en"])}</p>'
        f"<p>Mã / Code: <code>{escape(code)}</code> · Đơn vị tính / Unit: {escape(ind['unit'])} · "
        f"Nguồn / Source: {escape(source_title(ind['source']))} · Bản phát hành / Release: {escape(release_name)}</p>"
        f"<h2>Định nghĩa / Definition</h2>{_bi(ind['definition_vi'], ind['definition_en'])}{formula}"
        f"{_targets(facts, ind, decimals)}<h2>Biểu đồ theo thời gian / Over time</h2>{_over_time(facts, ind, decimals)}"
        f'<h2>Tải về / Download</h2><ul><li><a href="../data/{code}.csv">{code}.csv</a> (CSV, UTF-8)</li>'
        f'<li><a href="../data/{code}.parquet">{code}.parquet</a> (Parquet)</li></ul>{_rule()}'
    )
    return _page(f"{ind['name_vi']} / {ind['name_en']}", body)


def _latest_against_target(facts: pl.DataFrame, ind: dict[str, Any], decimals: int) -> str:
    """Each province's latest value (any frequency, by period end), and whether it meets the 2025 target."""
    latest = (
        facts.filter((pl.col("area_level") == "province") & pl.col("value").is_not_null())
        .sort("period_end", "period_code")
        .group_by("area_key", maintain_order=True)
        .last()
        .sort("area_name")
    )
    target = ind["target_2025"]
    items = []
    for r in latest.iter_rows(named=True):
        mark = ""
        if target is not None:
            mark = " ✓" if r["value"] >= target else " ✗"
        items.append(f"{escape(r['area_name'])} {escape(r['period_code'])}: <b>{fmt(r['value'], decimals)}</b>{mark}")
    goal = f"Mục tiêu / Target 2025: {fmt(target, decimals)}" if target is not None else ""
    return f'<div class="latest">{"<br>".join(items) or "–"}</div><div class="goal">{goal}</div>'


def index_page(release: Release, release_name: str, workbook: str) -> str:
    by_code = {p["indicator_code"][0]: p for p in release.facts.partition_by("indicator_code")}
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in release.indicators.iter_rows(named=True):
        groups.setdefault(r["source"], []).append(r)
    sections = []
    for source, indicators in groups.items():
        rows = []
        for r in indicators:
            code, decimals = r["indicator_code"], 1 if r["kind"] == "rate" else 0
            facts = by_code.get(code, release.facts.clear())
            spark = sparkline(
                _series(facts.filter(pl.col("area_level") == "province")),
                f"{r['name_vi']} / {r['name_en']}: các tỉnh theo thời gian / provinces over time",
                decimals,
                r["target_2025"],
            )
            rows.append(
                f'<tr><td><a href="{escape(code)}.html">{escape(r["name_vi"])}</a><br>'
                f'<span lang="en" class="en">{escape(r["name_en"])}</span><br><small>{escape(r["unit"])}</small></td>'
                f"<td>{spark}</td><td>{_latest_against_target(facts, r, decimals)}</td>"
                f'<td><a href="../data/{escape(code)}.csv">CSV</a> · '
                f'<a href="../data/{escape(code)}.parquet">Parquet</a></td></tr>'
            )
        sections.append(
            f'<h2>{escape(source_title(source))}</h2><table class="dept"><tr><th>Chỉ tiêu / Indicator</th>'
            "<th>Các tỉnh theo thời gian / Provinces over time</th><th>Mới nhất / Latest (✓ đạt, ✗ chưa đạt mục tiêu "
            f"2025 / ✓ met, ✗ not met the 2025 target)</th><th>Tải về / Download</th></tr>{''.join(rows)}</table>"
        )
    body = (
        f"<h1>Chỉ tiêu xã hội số — bản phát hành {escape(release_name)}</h1>"
        f'<p lang="en" class="en">Digital-society indicators — release {escape(release_name)}</p>'
        "<p>Tải toàn bộ / Download everything: "
        '<a href="../data/all-indicators.csv">all-indicators.csv</a> · '
        '<a href="../data/all-indicators.parquet">all-indicators.parquet</a> · '
        f'<a href="../{escape(workbook)}">{escape(workbook)}</a> (Excel) · '
        '<a href="../datapackage.json">datapackage.json</a> · <a href="../CHANGELOG.md">CHANGELOG</a></p>'
        "<p>Giấy phép / Licence: CC BY 4.0</p>"
        "<p>Biểu đồ nhỏ: mỗi đường một tỉnh và một tần suất (năm, quý…), điểm rời là số liệu đến một ngày, nét đứt "
        "là mục tiêu 2025. / Small charts: one line per province and frequency (year, quarter…), lone points are "
        "values as of a date, the dashed line is the 2025 target.</p>"
        f"{''.join(sections)}{_rule()}"
    )
    return _page(f"Chỉ tiêu xã hội số / Digital-society indicators {release_name}", body)


def write_site(folder: Path, release: Release, release_name: str, workbook: str) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / "index.html"]
    paths[0].write_text(index_page(release, release_name, workbook), encoding="utf-8")
    by_code = {p["indicator_code"][0]: p for p in release.facts.partition_by("indicator_code")}
    for ind in release.indicators.iter_rows(named=True):
        facts = by_code.get(ind["indicator_code"], release.facts.clear())
        path = folder / f"{ind['indicator_code']}.html"
        path.write_text(indicator_page(ind, facts, release_name), encoding="utf-8")
        paths.append(path)
    return paths
