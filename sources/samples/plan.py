"""Which sample file looks how: one ``Style`` per (province, source, period).

Choices rotate over the files so that every layout feature of DESIGN §3 appears somewhere, and the ``overrides``
of each department's sample file (``sources/specs/samples/<source>.yaml``) pin the files the documentation and
tests point at (e.g. ``telecom/vien_thong_bac_kan_2021.xls``, whose period is only in its name).
"""

from __future__ import annotations

from dataclasses import replace

from sources.common.periods import parse_period_code
from sources.samples.departments import rows_of, samples_of
from sources.samples.figures import POST_REFORM_PROVINCE, fields_of, non_additive, sample_keys
from sources.samples.headers import header_variants
from sources.samples.layouts import Style

Key = tuple[str, str, str]

SLUGS = {
    "06": ("bac_kan", "BacKan"),
    "14": ("son_la", "SonLa"),
    "83": ("ben_tre", "BenTre"),
    "19": ("thai_nguyen", "ThaiNguyen"),
}
TOTAL_LABELS = ["Tổng cộng", "Cộng", "Toàn tỉnh", "Tổng", "Tổng số"]

_PROVINCES = ("06", "14", "83", POST_REFORM_PROVINCE)


def _rotation(key: Key) -> dict[str, object]:
    province, source, period = key
    p = parse_period_code(period)
    samples = samples_of(source)
    i, s = _PROVINCES.index(province), samples.form_number - 1
    y = p.year - 2020 + (1 if p.period_type == "date" else 0)
    n = i * 7 + y * 3 + s
    slug, camel = SLUGS[province]
    pattern = samples.file_names[(i + y) % len(samples.file_names)]
    return {
        "filename": pattern.format(s=slug, S=camel, y=p.year) + ".xlsx",
        "sheet": samples.sheet_names[n % len(samples.sheet_names)],
        "header": (y + i + s) % len(header_variants(source)),
        "area_header": n % 8,
        "col_numbers": (None, "paren", None, "letters")[n % 4],
        "stt": n % 5 != 3,
        "code": (None, "text", None, "number", None)[(n + 1) % 5],
        "names": ("full", "bare", "abbr", "full", "upper", "mixed", "bare")[n % 7],
        "nfd": n % 9 == 4,
        "total": ("last", "first")[n % 2],
        "total_label": TOTAL_LABELS[n % 5],
        "total_merged": n % 4 == 2,
        "blank_rows": n % 6 == 1,
        "numbers": ("numeric", "text", "numeric", "mixed")[n % 4],
        "missing": ("omit", "-", "omit", "x")[n % 4],
        "extra_column": n % 7 == 3,
        "period_in": ("line", "title", "sub", "line", "ky")[n % 5],
        "form_code": n % 3 != 2,
        "footnote": n % 4 != 1,
        "signature": n % 5 != 2,
    }


def style_for(key: Key) -> Style:
    province, source, period = key
    options = _rotation(key) | samples_of(source).overrides.get(province, {}).get(period, {})
    if options.get("fmt") in ("xls", "csv"):
        stem = str(options["filename"]).rsplit(".", 1)[0]
        options["filename"] = f"{stem}.{options['fmt']}"
    style = Style(**options)  # type: ignore[arg-type]
    if rows_of(source) == "province":  # the province's own row: no total, its name with its level word, no code
        style = replace(style, total="none", names="full", code=None, blank_rows=False, hidden_list=False)
    elif style.total == "none" and non_additive(source) & set(fields_of(province, source, period)):
        style = replace(style, total="last")  # the province's figure of a non-additive field is in the total row
    if not style.stt:
        style = replace(style, total_merged=False)
    if not style.titles:
        style = replace(style, period_in="none")
    return style


def plan() -> dict[Key, Style]:
    """Every sample file: (province, source, period) → its style."""
    return {key: style_for(key) for key in sample_keys()}
