"""Line charts as inline SVG, generated here: no JavaScript, no library, no network (the site opens from disk).

The x axis is time: every value sits at the end date of its period. A line joins the values of one area *and one
frequency* only (yearly, half-yearly, quarterly, monthly), so a year and a quarter that end on the same day are
never joined; values "as of" a date are points, never a line. Preliminary and restated values are hollow markers,
and each marker's ``<title>`` (the browser's tooltip) gives the period, the value and what was restated.

Each series is one ``<g class="series" data-area=… data-frequency=…>`` holding its line and its markers
(``data-period`` on each): the browser tests parse the SVG and fail on a group whose periods mix frequencies.

Kinds are charted as they are (issue #25): an index on its own scale, 0 to its ``scale_max``, said on the axis; a
rank the right way up, 1 at the top and the number ranked at the bottom; a value known only by its bounds as a bar
from its lower to its upper bound (a range) or an arrow from the one bound it has, never as a point it is not."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22")
MAX_LINES = len(PALETTE)  # areas per chart (each may have one line per frequency)
W, H = 680, 320
LEFT, RIGHT, TOP, BOTTOM = 78, 200, 20, 40
# frequency → (stroke-dasharray, None: points only; legend label)
FREQUENCIES = {
    "year": ("", "năm / yearly"),
    "half": ("9 4", "6 tháng / half-yearly"),
    "quarter": ("4 3", "quý / quarterly"),
    "month": ("1 3", "tháng / monthly"),
    "date": (None, "đến ngày / as of a date"),
}


@dataclass(frozen=True)
class Point:
    end: date  # the period's end date: where the point sits on the time axis
    code: str  # period code (2024, 2024-Q2, 2024-06-13)
    value: float | None  # None: known only by its bounds
    preliminary: bool = False
    restated: bool = False
    restated_from: float | None = None  # the figure it replaced, when that may be published
    lower: float | None = None  # the bounds of a value given as a range or a bound ("20–25 %", "hơn 116.000")
    upper: float | None = None

    @property
    def known(self) -> list[float]:
        """The numbers the point states: its value, or its bounds."""
        return [self.value] if self.value is not None else [x for x in (self.lower, self.upper) if x is not None]

    @property
    def sort_value(self) -> float:
        return max(self.known, default=0.0)


@dataclass(frozen=True)
class Scale:
    """How the value axis runs: ``index`` from 0 to ``top`` (its scale_max); ``rank`` from 1 at the top down to
    ``top`` (the number ranked) at the bottom."""

    kind: str
    top: float

    def label(self) -> str:
        if self.kind == "rank":
            return f"hạng: 1 = cao nhất, trên {fmt(self.top)} / rank: 1 = first, of {fmt(self.top)}"
        return f"thang điểm 0–{fmt(self.top)} / scale 0–{fmt(self.top)}"


@dataclass(frozen=True)
class Series:
    label: str  # area name
    key: str  # area key: one colour per area
    frequency: str  # a key of FREQUENCIES
    points: tuple[Point, ...]  # in time order


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


def shown(value: float | None, lower: float | None, upper: float | None, decimals: int) -> str:
    """A value as published: ``90,5``; a range ``20–25``; a bound ``≥ 116.000`` or ``≤ 60``."""
    if value is not None or (lower is None and upper is None):
        return fmt(value, decimals)
    if lower is not None and upper is not None:
        return f"{fmt(lower, decimals)}–{fmt(upper, decimals)}"
    return f"≥ {fmt(lower, decimals)}" if lower is not None else f"≤ {fmt(upper, decimals)}"


def tooltip(s: Series, p: Point, decimals: int) -> str:
    value = shown(p.value, p.lower, p.upper, decimals)
    text = f"{s.label} {p.code} ({FREQUENCIES.get(s.frequency, ('', s.frequency))[1]}): {value}"
    if p.value is None:
        text += " — khoảng/cận, không phải một số / a range or a bound, not one number"
    if p.preliminary:
        text += " — số sơ bộ / preliminary"
    if p.restated and p.restated_from is not None:
        was = fmt(p.restated_from, decimals)
        text += f" — đã đính chính, trước là {was} / restated, was {was}"
    elif p.restated:
        text += " — tính từ số liệu đã đính chính / computed from restated figures"
    return text


class _Axes:
    """Scales of one chart: time (by period end, from 1 January of the first year to 31 December of the last)
    and value (0 to a round maximum; an index to its scale; a rank from 1 at the top to the number ranked)."""

    def __init__(
        self,
        series: list[Series],
        targets: list[tuple[str, float]],
        box: tuple[float, float, float, float],
        scale: Scale | None = None,
    ):
        points = [p for s in series for p in s.points]
        self.first = date(min(p.end for p in points).year, 1, 1)
        self.last = date(max(p.end for p in points).year, 12, 31)
        highest = max([x for p in points for x in p.known] + [t[1] for t in targets], default=0.0)
        self.scale = scale
        self.y_max = max(scale.top, highest) if scale and scale.kind == "index" else _nice_max(highest)
        if scale and scale.kind == "rank":
            self.y_max = max(scale.top, highest, 2.0)
        self.x0, self.x1, self.y0, self.y1 = box

    @property
    def rank(self) -> bool:
        return self.scale is not None and self.scale.kind == "rank"

    def x(self, d: date) -> float:
        return self.x0 + (d - self.first).days / ((self.last - self.first).days or 1) * (self.x1 - self.x0)

    def y(self, v: float) -> float:
        if self.rank:  # 1 at the top, the last place at the bottom
            return self.y1 + (v - 1) / (self.y_max - 1) * (self.y0 - self.y1)
        return self.y0 - v / self.y_max * (self.y0 - self.y1)

    def ticks(self) -> list[float]:
        if self.rank:
            return [1.0] + [round(1 + (self.y_max - 1) * i / 5) for i in range(1, 6)]
        return [self.y_max * i / 5 for i in range(6)]


def _colours(series: list[Series]) -> dict[str, str]:
    keys = list(dict.fromkeys(s.key for s in series))
    return {k: PALETTE[i % len(PALETTE)] for i, k in enumerate(keys)}


def _series_svg(s: Series, ax: _Axes, colour: str, decimals: int, size: float = 3.0) -> str:
    """The series' exact values as one group (a line through them in time order, and their markers); its values
    known only by their bounds in a group of their own beside it (``class="bounds"``): a bar or an arrow each, which
    no line passes through."""
    dash, _ = FREQUENCIES.get(s.frequency, ("", s.frequency))
    exact = [p for p in s.points if p.value is not None]
    out = [f'<g class="series" data-area="{escape(s.key)}" data-frequency="{escape(s.frequency)}">'] if exact else []
    if dash is not None and len(exact) > 1:
        coords = " ".join(f"{ax.x(p.end):.1f},{ax.y(p.value):.1f}" for p in exact if p.value is not None)
        pattern = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(
            f'<polyline fill="none" stroke="{colour}" stroke-width="{size * 2 / 3:.1f}"{pattern} points="{coords}"/>'
        )
    for p in exact:
        assert p.value is not None
        hollow = p.preliminary or p.restated
        fill = "#ffffff" if hollow else colour
        cls = "point hollow" if hollow else "point"
        cx, cy, title = ax.x(p.end), ax.y(p.value), f"<title>{escape(tooltip(s, p, decimals))}</title>"
        if dash is None:  # as of a date: a square, never joined
            out.append(
                f'<rect class="{cls}" data-period="{escape(p.code)}" x="{cx - size:.1f}" y="{cy - size:.1f}" '
                f'width="{2 * size:.1f}" height="{2 * size:.1f}" fill="{fill}" stroke="{colour}" '
                f'stroke-width="1.5">{title}</rect>'
            )
        else:
            out.append(
                f'<circle class="{cls}" data-period="{escape(p.code)}" cx="{cx:.1f}" cy="{cy:.1f}" '
                f'r="{size + (0.5 if hollow else 0):.1f}" fill="{fill}" stroke="{colour}" '
                f'stroke-width="1.5">{title}</circle>'
            )
    if exact:
        out.append("</g>")
    bounded = [p for p in s.points if p.value is None]
    if bounded:
        out.append(f'<g class="bounds" data-area="{escape(s.key)}" data-frequency="{escape(s.frequency)}">')
        for p in bounded:
            title = f"<title>{escape(tooltip(s, p, decimals))}</title>"
            out.append(_bound_svg(p, ax, ax.x(p.end), colour, size, title))
        out.append("</g>")
    return "".join(out)


def _bound_svg(p: Point, ax: _Axes, cx: float, colour: str, size: float, title: str) -> str:
    """A range as a bar with end caps from its lower to its upper bound; a single bound as an arrow from it towards
    the open side (up for "at least", down for "at most"; the other way round on a rank's axis)."""
    period = escape(p.code)
    if p.lower is not None and p.upper is not None:
        ya, yb = ax.y(p.lower), ax.y(p.upper)
        return (
            f'<g class="point range" data-period="{period}">{title}'
            f'<line x1="{cx:.1f}" y1="{ya:.1f}" x2="{cx:.1f}" y2="{yb:.1f}" stroke="{colour}" stroke-width="3"/>'
            f'<line x1="{cx - size:.1f}" y1="{ya:.1f}" x2="{cx + size:.1f}" y2="{ya:.1f}" stroke="{colour}"/>'
            f'<line x1="{cx - size:.1f}" y1="{yb:.1f}" x2="{cx + size:.1f}" y2="{yb:.1f}" stroke="{colour}"/></g>'
        )
    at = p.lower if p.lower is not None else p.upper
    assert at is not None
    y = ax.y(at)
    up = (p.lower is not None) != ax.rank  # towards larger values, drawn upwards unless the axis is a rank's
    tip = y - 4 * size if up else y + 4 * size
    return (
        f'<g class="point bound" data-period="{period}">{title}'
        f'<line x1="{cx:.1f}" y1="{y:.1f}" x2="{cx:.1f}" y2="{tip:.1f}" stroke="{colour}" stroke-width="2"/>'
        f'<polygon points="{cx - size:.1f},{tip + (size if up else -size):.1f} {cx + size:.1f},'
        f'{tip + (size if up else -size):.1f} {cx:.1f},{tip:.1f}" fill="{colour}"/>'
        f'<line x1="{cx - size:.1f}" y1="{y:.1f}" x2="{cx + size:.1f}" y2="{y:.1f}" stroke="{colour}" '
        'stroke-width="2"/></g>'
    )


def line_chart(
    series: list[Series],
    title: str,
    decimals: int,
    targets: Sequence[tuple[str, float]] = (),
    scale: Scale | None = None,
) -> str:
    """An SVG chart on a time axis: one line per area and frequency, as-of values as points, hollow markers for
    preliminary or restated values, dashed black lines for the targets (drawn across the whole axis); an index on
    its scale, a rank with 1 at the top (``scale``), ranges and bounds as bars and arrows."""
    series = [s for s in series if s.points]
    if not series:
        return ""
    ax = _Axes(series, list(targets), (LEFT, W - RIGHT, H - BOTTOM, TOP), scale)
    colours = _colours(series)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="{W}" height="{H}" '
        f'role="img" aria-label="{escape(title)}" class="chart">',
        f'<rect x="0" y="0" width="{W}" height="{H}" fill="#ffffff"/>',
    ]
    for v in ax.ticks():
        parts.append(
            f'<line x1="{ax.x0}" y1="{ax.y(v):.1f}" x2="{ax.x1}" y2="{ax.y(v):.1f}" stroke="#e0e0e0"/>'
            f'<text x="{ax.x0 - 6}" y="{ax.y(v) + 4:.1f}" text-anchor="end" font-size="11">'
            f"{fmt(v, 0 if ax.y_max >= 10 else 1)}</text>"
        )
    if scale is not None:
        parts.append(
            f'<text class="scale" x="{ax.x0}" y="{TOP - 6}" font-size="11" fill="#333">{escape(scale.label())}</text>'
        )
    years = range(ax.first.year, ax.last.year + 1)
    step = max(1, len(years) // 8)
    for year in years:  # a tick at each 31 December, where the yearly values sit
        tx = ax.x(date(year, 12, 31))
        parts.append(f'<line x1="{tx:.1f}" y1="{ax.y0}" x2="{tx:.1f}" y2="{ax.y0 + 4}" stroke="#333"/>')
        if (year - ax.first.year) % step == 0:
            parts.append(f'<text x="{tx:.1f}" y="{ax.y0 + 16}" text-anchor="middle" font-size="11">{year}</text>')
    parts.append(
        f'<line x1="{ax.x0}" y1="{ax.y0}" x2="{ax.x1}" y2="{ax.y0}" stroke="#333"/>'
        f'<text x="{ax.x1}" y="{ax.y0 + 32}" text-anchor="end" font-size="10" fill="#555">'
        "vạch = 31/12; mỗi giá trị đặt tại ngày cuối kỳ / tick = 31 Dec; values at period end</text>"
    )
    for i, (name, value) in enumerate(targets):  # labels alternate left / right so two close targets stay legible
        lx, anchor = (ax.x0 + 4, "start") if i % 2 == 0 else (ax.x1 - 4, "end")
        parts.append(
            f'<line class="target" x1="{ax.x0}" y1="{ax.y(value):.1f}" x2="{ax.x1}" y2="{ax.y(value):.1f}" '
            f'stroke="#000" stroke-dasharray="6 4"/><text x="{lx}" y="{ax.y(value) - 4:.1f}" '
            f'text-anchor="{anchor}" font-size="11">{escape(name)} {fmt(value, decimals)}</text>'
        )
    for s in series:
        parts.append(_series_svg(s, ax, colours[s.key], decimals))
    parts.append(_legend(series, colours, ax.x1 + 12))
    parts.append("</svg>")
    return "".join(parts)


def _legend(series: list[Series], colours: dict[str, str], lx: float) -> str:
    labels = {s.key: s.label for s in series}
    out, ly = [], TOP + 4
    for key, colour in colours.items():
        out.append(
            f'<rect x="{lx}" y="{ly}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{lx + 14}" y="{ly + 9}" font-size="11">{escape(labels[key][:28])}</text>'
        )
        ly += 16
    ly += 6
    for freq in [f for f in FREQUENCIES if any(s.frequency == f for s in series)]:
        dash, label = FREQUENCIES[freq]
        if dash is None:
            out.append(f'<rect x="{lx + 6}" y="{ly + 1}" width="7" height="7" fill="#555"/>')
        else:
            pattern = f' stroke-dasharray="{dash}"' if dash else ""
            out.append(
                f'<line x1="{lx}" y1="{ly + 5}" x2="{lx + 20}" y2="{ly + 5}" stroke="#555" stroke-width="2"{pattern}/>'
            )
        out.append(f'<text x="{lx + 24}" y="{ly + 9}" font-size="11">{escape(label)}</text>')
        ly += 16
    if any(p.preliminary or p.restated for s in series for p in s.points):
        out.append(
            f'<circle cx="{lx + 10}" cy="{ly + 5}" r="3.5" fill="#fff" stroke="#555" stroke-width="1.5"/>'
            f'<text x="{lx + 24}" y="{ly + 9}" font-size="11">sơ bộ, đính chính /</text>'
            f'<text x="{lx + 24}" y="{ly + 23}" font-size="11">preliminary, restated</text>'
        )
    return "".join(out)


def sparkline(
    series: list[Series],
    title: str,
    decimals: int,
    target: float | None = None,
    width: int = 160,
    height: int = 44,
    scale: Scale | None = None,
) -> str:
    """A small chart for the index: the same rules (one line per area and frequency, as-of values as points,
    hollow markers, an index on its scale, a rank the right way up), no axes; the 2025 target as a dashed line."""
    series = [s for s in series if s.points]
    if not series:
        return ""
    ax = _Axes(series, [("", target)] if target is not None else [], (3, width - 3, height - 3, 3), scale)
    colours = _colours(series)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{escape(title)}" class="spark"><title>{escape(title)}</title>'
    ]
    if target is not None:
        parts.append(
            f'<line class="target" x1="0" y1="{ax.y(target):.1f}" x2="{width}" y2="{ax.y(target):.1f}" '
            'stroke="#000" stroke-dasharray="4 3"/>'
        )
    parts += [_series_svg(s, ax, colours[s.key], decimals, size=2.0) for s in series]
    parts.append("</svg>")
    return "".join(parts)
