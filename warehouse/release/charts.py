"""Line charts as inline SVG, generated here: no JavaScript, no library, no network (the site opens from disk)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from html import escape

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f",
           "#bcbd22")
MAX_LINES = len(PALETTE)
W, H = 680, 320
LEFT, RIGHT, TOP, BOTTOM = 78, 180, 20, 40


@dataclass(frozen=True)
class Series:
    label: str
    points: tuple[tuple[date, str, float], ...]  # (period end, period code, value), in time order


def fmt(value: float | None, decimals: int = 0) -> str:
    """Vietnamese number format: 1.234.567 and 90,5."""
    if value is None:
        return "–"
    text = f"{value:,.{decimals}f}"
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def line_chart(series: list[Series], title: str, decimals: int, targets: list[tuple[str, float]] = ()) -> str:
    """An SVG line chart: one line (with point markers) per series over time; dashed lines for targets."""
    points = [p for s in series for p in s.points]
    if not points:
        return ""
    dates = sorted({p[0] for p in points})
    labels = {p[0]: p[1] for p in points}
    y_max = _nice_max(max([p[2] for p in points] + [t[1] for t in targets]))
    x0, x1, y0, y1 = LEFT, W - RIGHT, H - BOTTOM, TOP
    span = (dates[-1] - dates[0]).days or 1

    def x(d: date) -> float:
        return (x0 + x1) / 2 if len(dates) == 1 else x0 + (d - dates[0]).days / span * (x1 - x0)

    def y(v: float) -> float:
        return y0 - v / y_max * (y0 - y1)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="{W}" height="{H}" '
             f'role="img" aria-label="{escape(title)}" class="chart">',
             f'<rect x="0" y="0" width="{W}" height="{H}" fill="#ffffff"/>']
    for i in range(6):
        v = y_max * i / 5
        parts.append(f'<line x1="{x0}" y1="{y(v):.1f}" x2="{x1}" y2="{y(v):.1f}" stroke="#e0e0e0"/>')
        parts.append(f'<text x="{x0 - 6}" y="{y(v) + 4:.1f}" text-anchor="end" font-size="11">'
                     f'{fmt(v, 0 if y_max >= 10 else 1)}</text>')
    last = -1e9
    for d in dates:  # a period label only where it does not run into the previous one
        if x(d) - last < 60:
            continue
        last = x(d)
        parts.append(f'<text x="{x(d):.1f}" y="{y0 + 16}" text-anchor="middle" font-size="11">'
                     f'{escape(labels[d])}</text>')
    parts.append(f'<line x1="{x0}" y1="{y0}" x2="{x1}" y2="{y0}" stroke="#333"/>')
    for i, (name, value) in enumerate(targets):  # labels alternate left / right so two close targets stay legible
        lx, anchor = (x0 + 4, "start") if i % 2 == 0 else (x1 - 4, "end")
        parts.append(f'<line x1="{x0}" y1="{y(value):.1f}" x2="{x1}" y2="{y(value):.1f}" stroke="#000" '
                     f'stroke-dasharray="6 4"/><text x="{lx}" y="{y(value) - 4:.1f}" text-anchor="{anchor}" '
                     f'font-size="11">{escape(name)} {fmt(value, decimals)}</text>')
    for i, s in enumerate(series[:MAX_LINES]):
        color = PALETTE[i]
        coords = " ".join(f"{x(d):.1f},{y(v):.1f}" for d, _, v in s.points)
        if len(s.points) > 1:
            parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{coords}"/>')
        for d, code, v in s.points:
            parts.append(f'<circle cx="{x(d):.1f}" cy="{y(v):.1f}" r="3" fill="{color}">'
                         f'<title>{escape(s.label)} {escape(code)}: {fmt(v, decimals)}</title></circle>')
        ly = TOP + 14 + i * 16
        parts.append(f'<rect x="{x1 + 12}" y="{ly - 9}" width="10" height="10" fill="{color}"/>'
                     f'<text x="{x1 + 26}" y="{ly}" font-size="11">{escape(s.label[:26])}</text>')
    parts.append("</svg>")
    return "".join(parts)
