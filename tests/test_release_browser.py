"""The release's site in headless Chromium (Debian ``chromium``), opened from disk with no network: pages load
with no console message at all (the site has no script, so any is an error), and the charts render (the
screenshot has coloured chart pixels). Without a browser these tests skip loudly; under ``CI=true`` they fail."""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path
from xml.etree import ElementTree

import pytest

from sources.common.periods import parse_period_code

NS = "{http://www.w3.org/2000/svg}"
PAGES = ("index.html", "hlt_ehr_pct.html", "tel_mobile_subscribers.html", "cid_eid_activated.html")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
    "--window-size=1000,1400",
    "--hide-scrollbars",
)


def chromium() -> str:
    found = next((p for p in ("/usr/bin/chromium", shutil.which("chromium")) if p and os.access(p, os.X_OK)), None)
    if found:
        return found
    message = (
        "CHROMIUM IS NOT INSTALLED: the browser tests of the release site did not run "
        "(apt-get install chromium, or `make browser`)"
    )
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message + " — required under CI=true")
    pytest.skip("!!! " + message + " !!!")


def screenshot(url: str, png: Path, profile: Path) -> str:
    """Load ``url`` headless, write a screenshot; returns Chromium's stderr (the console log)."""
    result = subprocess.run(
        [chromium(), *FLAGS, f"--user-data-dir={profile}", f"--screenshot={png}", url],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert png.exists() and png.stat().st_size > 0, result.stderr[-2000:]
    return result.stderr


def console_lines(log: str) -> list[str]:
    return [line for line in log.splitlines() if ":CONSOLE" in line]


def png_pixels(path: Path) -> tuple[int, int, list[bytes]]:
    """Decode an 8-bit RGB/RGBA non-interlaced PNG (what Chromium writes) with the standard library."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, color, _, _, interlace = header
    assert depth == 8 and color in (2, 6) and interlace == 0, header
    bpp = 3 if color == 2 else 4
    raw, stride, rows, prev = zlib.decompress(idat), width * bpp, [], bytearray(width * bpp)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, bpp, rows


def counts(path: Path) -> tuple[int, int]:
    """(non-white pixels, strongly coloured pixels) of a screenshot."""
    width, bpp, rows = png_pixels(path)
    ink = colour = 0
    for row in rows:
        for x in range(0, width * bpp, bpp):
            r, g, b = row[x], row[x + 1], row[x + 2]
            if min(r, g, b) < 235:
                ink += 1
            if max(r, g, b) - min(r, g, b) > 80:
                colour += 1
    return ink, colour


def test_the_console_check_catches_errors(tmp_path: Path) -> None:
    page = tmp_path / "bad.html"
    page.write_text(
        '<!DOCTYPE html><html><body><p>x</p><script>console.error("boom")</script></body></html>', encoding="utf-8"
    )
    log = screenshot(page.as_uri(), tmp_path / "bad.png", tmp_path / "profile")
    assert any("boom" in line for line in console_lines(log))


@pytest.mark.parametrize("page", PAGES)
def test_site_page_loads_without_console_errors_and_charts_render(
    sample_release: Path, tmp_path: Path, page: str
) -> None:
    png = tmp_path / "page.png"
    log = screenshot((sample_release / "site" / page).as_uri(), png, tmp_path / "profile")
    assert console_lines(log) == []
    ink, colour = counts(png)
    assert ink > 5000, f"{page}: the screenshot is (nearly) empty"
    if page != "index.html":
        assert colour > 500, f"{page}: no coloured chart lines in the screenshot"


def test_without_a_browser_the_tests_skip_loudly_but_fail_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "access", lambda *_: False)
    monkeypatch.setattr(shutil, "which", lambda *_: None)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CHROMIUM IS NOT INSTALLED"):
        chromium()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="CHROMIUM IS NOT INSTALLED"):
        chromium()


# --- charts that tell the truth (issue #16) --------------------------------------------------------------------

SVG = re.compile(r"<svg\b.*?</svg>", re.S)


def series_problems(html: str) -> list[str]:
    """Every chart series (``<g class="series">``) that joins periods of different frequencies, whose line does
    not pass through its markers in time order, or that draws a line through values as of a date."""
    problems = []
    for svg in SVG.findall(html):
        for g in ElementTree.fromstring(svg).iter(f"{NS}g"):
            if g.get("class") != "series":
                continue
            marks = [e for e in g if e.get("data-period")]
            kinds = {parse_period_code(m.get("data-period")).period_type for m in marks}
            where = f"{g.get('data-area')} {g.get('data-frequency')}: {[m.get('data-period') for m in marks]}"
            if len(kinds) != 1 or kinds != {g.get("data-frequency")}:
                problems.append(f"mixes frequencies {sorted(kinds)}: {where}")
            lines = [e for e in g if e.tag == f"{NS}polyline"]
            if lines and "date" in kinds:
                problems.append(f"a line through as-of values: {where}")
            for line in lines:
                xs = [float(p.split(",")[0]) for p in line.get("points").split()]
                if len(xs) != len(marks) or xs != sorted(xs) or len(set(xs)) != len(xs):
                    problems.append(f"line not through its points in time order: {where}")
    return problems


def test_the_frequency_check_catches_a_line_joining_a_year_and_a_quarter() -> None:
    mixed = (
        f'<svg xmlns="{NS[1:-1]}"><g class="series" data-area="06" data-frequency="year">'
        '<polyline points="10,5 20,9 20,30"/><circle data-period="2022" cx="10" cy="5" r="3"/>'
        '<circle data-period="2023" cx="20" cy="9" r="3"/><circle data-period="2023-Q4" cx="20" cy="30" r="3"/>'
        "</g></svg>"
    )
    problems = series_problems(mixed)
    assert any("mixes frequencies" in p for p in problems) and any("time order" in p for p in problems)


def test_no_chart_joins_different_frequencies(quarter_release: Path) -> None:
    site = quarter_release / "site"
    pages = sorted(site.glob("*.html"))
    assert len(pages) > 40
    for page in pages:
        assert series_problems(page.read_text(encoding="utf-8")) == [], page.name
    html = (site / "tel_smartphone_adult_pct.html").read_text(encoding="utf-8")
    groups = re.findall(r'<g class="series" data-area="2025-03-01/06" data-frequency="(\w+)"', html)
    assert groups.count("year") == 1 and groups.count("quarter") == 1, groups  # Bắc Kạn: two lines, not one


def test_restated_and_preliminary_values_are_hollow_with_a_tooltip(quarter_release: Path) -> None:
    site = quarter_release / "site"
    smart = (site / "tel_smartphone_subscribers.html").read_text(encoding="utf-8")
    restated = re.findall(r'class="point hollow" data-period="2023"[^>]*><title>([^<]*)</title>', smart)
    assert any("Ba Bể" in t and "restated, was" in t and "đã đính chính" in t for t in restated), restated
    population = (site / "pop_total.html").read_text(encoding="utf-8")
    assert re.search(r'class="point hollow" data-period="2024"[^>]*><title>[^<]*preliminary', population)


def test_the_index_groups_indicators_by_department_with_a_small_chart(quarter_release: Path) -> None:
    html = (quarter_release / "site" / "index.html").read_text(encoding="utf-8")
    headings = re.findall(r"<h2>([^<]*)</h2>", html)
    from sources.specs.model import load_specs

    assert len(headings) == len(load_specs()), headings  # one group per department
    assert html.count('class="spark"') >= 40
    row = html[html.index('href="tel_smartphone_adult_pct.html"') :]
    row = row[: row.index("</tr>")]
    assert "Mục tiêu / Target 2025: 80,0" in row and ("✓" in row or "✗" in row), row
    assert series_problems(html) == []


def test_indicator_page_with_a_quarter_renders_offline(quarter_release: Path, tmp_path: Path) -> None:
    png = tmp_path / "quarter.png"
    log = screenshot((quarter_release / "site" / "tel_smartphone_adult_pct.html").as_uri(), png, tmp_path / "p")
    assert console_lines(log) == []
    ink, colour = counts(png)
    assert ink > 5000 and colour > 500
