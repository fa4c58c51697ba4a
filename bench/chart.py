"""The S → XL growth as a chart (issue #14): end-to-end time, peak memory and the cost of one new file against
the number of files in the archive, one panel each, from the ``sizes`` of one or more ``results.json`` files.
Plain SVG written here (no plotting dependency):

    python -m bench.chart bench/results.json bench/results_xl.json --out docs/scale.svg
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

ORDER = ["XS", "S", "M", "L", "XL"]
PANELS = [
    ("end_to_end_s", "xhs run, first run (s)", None),
    ("peak_rss_mb", "peak memory (MB)", 2048.0),
    ("one_new_file_s", "xhs run, one new file (s)", None),
]
WIDTH, HEIGHT, PAD = 300, 240, 48


def load(paths: list[Path]) -> dict[str, dict]:
    sizes: dict[str, dict] = {}
    for path in paths:
        sizes.update(json.loads(path.read_text())["sizes"])
    return {s: sizes[s] for s in ORDER if s in sizes}


def panel(x0: float, key: str, title: str, limit: float | None, sizes: dict[str, dict]) -> list[str]:
    points = [(r["files"], r[key], s) for s, r in sizes.items() if r.get(key) is not None]
    top = max([v for _, v, _ in points] + ([limit] if limit else [])) * 1.15
    lo, hi = math.log10(min(f for f, _, _ in points) / 1.5), math.log10(max(f for f, _, _ in points) * 1.5)

    def x(files: float) -> float:
        return x0 + PAD + (math.log10(files) - lo) / (hi - lo) * (WIDTH - PAD - 12)

    def y(value: float) -> float:
        return HEIGHT - PAD + 8 - value / top * (HEIGHT - PAD - 28)

    out = [
        f'<text x="{x0 + WIDTH / 2}" y="16" text-anchor="middle" font-weight="bold">{title}</text>',
        f'<line x1="{x0 + PAD}" y1="{y(0)}" x2="{x0 + WIDTH - 12}" y2="{y(0)}" stroke="#444"/>',
        f'<line x1="{x0 + PAD}" y1="{y(0)}" x2="{x0 + PAD}" y2="{y(top)}" stroke="#444"/>',
        f'<text x="{x0 + WIDTH / 2}" y="{HEIGHT - 6}" text-anchor="middle">files in the archive (log scale)</text>',
    ]
    for k in range(5):
        v = top / 1.15 * k / 4
        out.append(f'<text x="{x0 + PAD - 4}" y="{y(v) + 4}" text-anchor="end" font-size="10">{v:,.0f}</text>')
    if limit:
        out.append(
            f'<line x1="{x0 + PAD}" y1="{y(limit)}" x2="{x0 + WIDTH - 12}" y2="{y(limit)}" stroke="#c33" '
            f'stroke-dasharray="4 3"/><text x="{x0 + WIDTH - 14}" y="{y(limit) - 4}" text-anchor="end" '
            f'font-size="10" fill="#c33">limit {limit:,.0f}</text>'
        )
    path = " ".join(f"{'M' if i == 0 else 'L'}{x(f):.1f},{y(v):.1f}" for i, (f, v, _) in enumerate(points))
    out.append(f'<path d="{path}" fill="none" stroke="#1f5fa8" stroke-width="2"/>')
    for f, v, s in points:
        out.append(f'<circle cx="{x(f):.1f}" cy="{y(v):.1f}" r="3.5" fill="#1f5fa8"/>')
        out.append(f'<text x="{x(f):.1f}" y="{y(v) - 8:.1f}" text-anchor="middle" font-size="10">{s} {v:,.1f}</text>')
    return out


def render(sizes: dict[str, dict]) -> str:
    body = [line for i, (k, t, lim) in enumerate(PANELS) for line in panel(i * WIDTH, k, t, lim, sizes)]
    width = WIDTH * len(PANELS)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{HEIGHT}" font-family="sans-serif" '
        f'font-size="12"><rect width="{width}" height="{HEIGHT}" fill="white"/>' + "".join(body) + "</svg>\n"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="S → XL growth chart from bench results")
    ap.add_argument("results", nargs="+", type=Path)
    ap.add_argument("--out", type=Path, default=Path("docs/scale.svg"))
    args = ap.parse_args(argv)
    args.out.write_text(render(load(args.results)), encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
