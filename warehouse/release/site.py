"""The static site of a release: ``site/index.html`` and one page per indicator, Vietnamese first with English
alongside, charts as inline SVG. Everything is relative links inside the release, so it works opened from disk."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

import polars as pl

from warehouse.release import disclosure
from warehouse.release.charts import MAX_LINES, Point, Scale, Series, fmt, line_chart, shown, sparkline
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


DECIMALS = {"rate": 1, "index": 2}  # counts, sums and ranks are whole numbers


def decimals_of(ind: dict[str, Any]) -> int:
    return DECIMALS.get(ind["kind"], 0)


def scale_of(ind: dict[str, Any], facts: pl.DataFrame) -> Scale | None:
    """An index's axis runs to its scale; a rank's from 1 down to the most units ranked in the chart's rows."""
    if ind["kind"] == "index" and ind.get("scale_max"):
        return Scale("index", float(ind["scale_max"]))
    if ind["kind"] == "rank":
        ranked = facts["out_of"].drop_nulls().max() if "out_of" in facts.columns and facts.height else None
        return Scale("rank", float(ranked)) if isinstance(ranked, int | float) else None
    return None


def unit_of(ind: dict[str, Any]) -> str:
    """The unit as the site shows it: with an index's scale (điểm, 0–1.000), a rank's direction (1 = first)."""
    if ind["kind"] == "index" and ind.get("scale_max"):
        return f"{ind['unit']} (0–{fmt(ind['scale_max'])})"
    if ind["kind"] == "rank":
        return f"{ind['unit']} (1 = cao nhất / first)"
    return str(ind["unit"])


def _value(r: dict[str, Any], decimals: int) -> str:
    """A row's value as published: exact, a range, a bound; a rank with how many were ranked (51/63)."""
    text = shown(r["value"], r.get("value_lower"), r.get("value_upper"), decimals)
    return f"{text}/{r['out_of']}" if r.get("out_of") and r["value"] is not None else text


def _series(frame: pl.DataFrame) -> list[Series]:
    """One series per area and frequency (``period_type``), points in time order (by period end); a value known only
    by its bounds is a point with bounds."""
    out = []
    bounds = [pl.col(c).is_not_null() for c in ("value_lower", "value_upper") if c in frame.columns]
    rows = frame.filter(pl.any_horizontal(pl.col("value").is_not_null(), *bounds))
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
                r.get("value_lower") if r["value"] is None else None,
                r.get("value_upper") if r["value"] is None else None,
            )
            for r in part.iter_rows(named=True)
        )
        out.append(Series(part["area_name"][0], part["area_key"][0], part["period_type"][0], points))
    return out


def _largest_areas(
    series: list[Series], prefer: frozenset[str] = frozenset(), rank: bool = False
) -> tuple[list[Series], str]:
    """At most MAX_LINES areas, with a note when some are left out: those of ``prefer`` first (the provinces the
    warehouse holds by district or commune, in a national table of 63), then the largest latest value (for a rank,
    the best placed: the smallest)."""
    latest: dict[str, Point] = {}
    for s in series:
        last = s.points[-1]
        if s.key not in latest or last.end > latest[s.key].end:
            latest[s.key] = last
    if len(latest) <= MAX_LINES:
        return series, ""

    def order(k: str) -> tuple[bool, float]:
        value = latest[k].sort_value
        return k not in prefer, value if rank else -value

    keep = set(sorted(latest, key=order)[:MAX_LINES])
    how_vi = "tốt nhất (hạng nhỏ nhất)" if rank else "lớn nhất"
    how_en = "best placed" if rank else "largest latest value"
    first_vi = "các tỉnh có số liệu cấp huyện, xã trước, sau đó " if prefer & set(latest) else ""
    first_en = "the provinces held by district or commune first, then " if prefer & set(latest) else ""
    note = (
        f'<p class="note">Hiển thị {MAX_LINES}/{len(latest)} đơn vị ({first_vi}giá trị mới nhất {how_vi}); đủ số '
        f"liệu trong tệp tải về. / Showing {MAX_LINES} of {len(latest)} areas ({first_en}{how_en}); "
        "the downloads have them all.</p>"
    )
    return [s for s in series if s.key in keep], note


def _charts(facts: pl.DataFrame, ind: dict[str, Any], decimals: int, focus: frozenset[str]) -> str:
    targets = [(f"Mục tiêu / Target {y}", ind[f"target_{y}"]) for y in (2025, 2030) if ind[f"target_{y}"] is not None]
    provinces = facts.filter(pl.col("area_level") == "province")
    shown, note = _largest_areas(_series(provinces), focus, ind["kind"] == "rank")
    chart = line_chart(shown, "provinces", decimals, targets, scale_of(ind, provinces))
    html = [f"<h3>Các tỉnh / Provinces</h3>{note}{chart}"]
    for part in facts.filter(~pl.col("area_level").is_in(["province", "country"])).partition_by(
        ["vintage", "province_code"], maintain_order=True
    ):
        series, note = _largest_areas(_series(part), rank=ind["kind"] == "rank")
        if not series:
            continue
        title = f"{part['province_name'][0]} ({part['vintage'][0]})"
        chart = line_chart(series, title, decimals, scale=scale_of(ind, part))
        html.append(f"<h3>{escape(title)} — theo đơn vị / by area</h3>{note}{chart}")
    return "".join(html)


def _over_time(facts: pl.DataFrame, ind: dict[str, Any], decimals: int, focus: frozenset[str]) -> str:
    """The charts, or a note when no file has brought a value yet (a department just added, a field no department
    has reported)."""
    if facts.is_empty():
        return f'<div class="note">{_bi(NO_VALUES_VI, NO_VALUES_EN)}</div>'
    return _charts(facts, ind, decimals, focus)


def _targets(facts: pl.DataFrame, ind: dict[str, Any], decimals: int) -> str:
    latest = (
        facts.filter((pl.col("area_level") == "province") & _has_value(facts))
        .sort("period_end")
        .group_by("area_key", maintain_order=True)
        .last()
        .sort("area_key")
    )

    def versus(value: float | None, target: float | None) -> str:
        if target is None or value is None:
            return "–"
        met = "đạt / met" if value >= target else "chưa đạt / not met"
        return f"{fmt(target, decimals)} ({met})"

    rows = "".join(
        f"<tr><td>{escape(r['area_name'])}</td><td>{escape(r['period_code'])}</td><td class=n>"
        f"{escape(_value(r, decimals))}</td><td class=n>{versus(r['value'], ind['target_2025'])}</td>"
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


def _has_value(facts: pl.DataFrame) -> pl.Expr:
    bounds = [pl.col(c).is_not_null() for c in ("value_lower", "value_upper") if c in facts.columns]
    return pl.any_horizontal(pl.col("value").is_not_null(), *bounds)


def _kind_note(ind: dict[str, Any]) -> str:
    """What kind of figure the indicator is, when it is not a count: never summed, its scale."""
    kind = ind["kind"]
    if kind == "index":
        return _bi(
            f"Chỉ số theo thang điểm 0–{fmt(ind['scale_max'])}; không cộng qua các đơn vị, giá trị tỉnh là giá trị "
            "được công bố.",
            f"An index on a scale of 0–{fmt(ind['scale_max'])}; never summed over areas, the province value is the "
            "published one.",
        )
    if kind == "rank":
        return _bi(
            "Thứ hạng: 1 là cao nhất (trục biểu đồ có hạng 1 ở trên). Số tỉnh được xếp hạng là 63 trước 1/7/2025 và 34 "
            "sau đó: thứ hạng chỉ so sánh được trong cùng một danh mục đơn vị; so sánh qua thời gian hãy dùng điểm "
            "của chỉ số.",
            "A rank: 1 is first (the chart's axis has 1 at the top). 63 provinces were ranked before 1 July 2025 and "
            "34 after: a rank compares only within one unit list; over time, compare the index score.",
        )
    if kind == "rate" and not ind["numerator"]:
        return _bi(
            "Tỷ lệ do đơn vị báo cáo; không cộng qua các đơn vị. Giá trị báo cáo dưới dạng khoảng hoặc cận được "
            "giữ nguyên các cận.",
            "A rate the department reports; never summed over areas. A value reported as a range or a bound keeps "
            "its bounds.",
        )
    if ind.get("aggregate") == "none":
        return _bi(
            "Không cộng qua các đơn vị: giá trị tỉnh là giá trị được báo cáo.",
            "Not summed over areas: the province value is the reported one.",
        )
    return ""


def indicator_page(
    ind: dict[str, Any], facts: pl.DataFrame, release_name: str, focus: frozenset[str] = frozenset()
) -> str:
    """One indicator's page; ``focus``: the provinces shown first when a chart cannot show them all."""
    code = ind["indicator_code"]
    decimals = decimals_of(ind)
    formula = ""
    if ind["kind"] == "rate" and ind["numerator"]:
        formula = f"<p>Công thức / Formula: ({escape(ind['numerator'])}) / {escape(ind['denominator'])}</p>"
    elif ind["kind"] == "sum":
        formula = f"<p>Công thức / Formula: {escape(ind['numerator'])}</p>"
    formula += _kind_note(ind)
    body = (
        '<p><a href="index.html">← Trang chủ / Home</a></p>'
        f'<h1>{escape(ind["name_vi"])}</h1><p lang="en" class="en">{escape(ind["name_en"])}</p>'
        f"<p>Mã / Code: <code>{escape(code)}</code> · Đơn vị tính / Unit: {escape(unit_of(ind))} · "
        f"Nguồn / Source: {escape(source_title(ind['source']))} · Bản phát hành / Release: {escape(release_name)}</p>"
        f"<h2>Định nghĩa / Definition</h2>{_bi(ind['definition_vi'], ind['definition_en'])}{formula}"
        f"{_targets(facts, ind, decimals)}<h2>Biểu đồ theo thời gian / Over time</h2>"
        f"{_over_time(facts, ind, decimals, focus)}"
        f'<h2>Tải về / Download</h2><ul><li><a href="../data/{code}.csv">{code}.csv</a> (CSV, UTF-8)</li>'
        f'<li><a href="../data/{code}.parquet">{code}.parquet</a> (Parquet)</li></ul>{_rule()}'
    )
    return _page(f"{ind['name_vi']} / {ind['name_en']}", body)


def _latest_against_target(
    facts: pl.DataFrame, ind: dict[str, Any], decimals: int, shown: set[str] | None = None
) -> str:
    """Each province's latest value (any frequency, by period end), and whether it meets the 2025 target; only the
    provinces of ``shown`` when given (a national table of 63: those of the small chart)."""
    latest = (
        facts.filter(
            (pl.col("area_level") == "province")
            & _has_value(facts)
            & (pl.col("area_key").is_in(sorted(shown)) if shown is not None else pl.lit(True))
        )
        .sort("period_end", "period_code")
        .group_by("area_key", maintain_order=True)
        .last()
        .sort("area_name")
    )
    target = ind["target_2025"]
    items = []
    for r in latest.iter_rows(named=True):
        mark = ""
        if target is not None and r["value"] is not None:
            mark = " ✓" if r["value"] >= target else " ✗"
        items.append(f"{escape(r['area_name'])} {escape(r['period_code'])}: <b>{escape(_value(r, decimals))}</b>{mark}")
    goal = f"Mục tiêu / Target 2025: {fmt(target, decimals)}" if target is not None else ""
    return f'<div class="latest">{"<br>".join(items) or "–"}</div><div class="goal">{goal}</div>'


def focus_of(release: Release) -> frozenset[str]:
    """The provinces the release holds by district or commune (area keys): shown first when a chart of a national
    table by province cannot show all 63."""
    below = release.facts.filter(~pl.col("area_level").is_in(["province", "country"]))
    keys = below.select((pl.col("vintage") + "/" + pl.col("province_code")).alias("k")).unique()["k"]
    return frozenset(keys.to_list())


def index_page(release: Release, release_name: str, workbook: str) -> str:
    by_code = {p["indicator_code"][0]: p for p in release.facts.partition_by("indicator_code")}
    focus = focus_of(release)
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in release.indicators.iter_rows(named=True):
        groups.setdefault(r["source"], []).append(r)
    sections = []
    for source, indicators in groups.items():
        rows = []
        for r in indicators:
            code, decimals = r["indicator_code"], decimals_of(r)
            facts = by_code.get(code, release.facts.clear())
            provinces = facts.filter(pl.col("area_level") == "province")
            series, note = _largest_areas(_series(provinces), focus, r["kind"] == "rank")
            shown = {s.key for s in series} if note else None
            spark = sparkline(
                series,
                f"{r['name_vi']} / {r['name_en']}: các tỉnh theo thời gian / provinces over time",
                decimals,
                r["target_2025"],
                scale=scale_of(r, provinces),
            )
            rows.append(
                f'<tr><td><a href="{escape(code)}.html">{escape(r["name_vi"])}</a><br>'
                f'<span lang="en" class="en">{escape(r["name_en"])}</span><br><small>{escape(unit_of(r))}</small></td>'
                f"<td>{spark}</td><td>{_latest_against_target(facts, r, decimals, shown)}</td>"
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
    focus = focus_of(release)
    for ind in release.indicators.iter_rows(named=True):
        facts = by_code.get(ind["indicator_code"], release.facts.clear())
        path = folder / f"{ind['indicator_code']}.html"
        path.write_text(indicator_page(ind, facts, release_name, focus), encoding="utf-8")
        paths.append(path)
    return paths
