"""National tables by province in the samples (``rows: provinces`` in a department's sample file, issue #25): one
file per period, one row per province, as a ministry publishes them (the provincial digital transformation index,
DTI: provinces down the rows, score and rank across, then the three pillars' scores and ranks).

The rows are the provinces of the sample file's ``figures`` (every province, by code), sorted by its ``order_by``
field (the rank, as the ministry lists them); names as the ministry writes them (a centrally governed city with
"Thành phố", Thừa Thiên Huế by its name of the time). The header is the file's variant for the period, without the
columns of fields that have no figure that period."""

from __future__ import annotations

from sources.samples import figures
from sources.samples.departments import rows_of, samples_of, sources
from sources.samples.headers import header_variants, prune
from sources.samples.layouts import SheetGrid, Style, _place, vn_number
from sources.samples.writers import to_bytes

# how the ministry wrote a province whose name has changed since (the unit list has today's)
WRITTEN_AS = {"46": "Thừa Thiên - Huế"}
CITIES = ("01", "31", "46", "48", "79", "92")  # centrally governed cities: "Thành phố …"


def _cell(value: int | float, as_text: bool) -> int | float | str:
    """A figure as a number cell, or as Vietnamese text with every decimal it has (``33,55``, ``1.000``)."""
    if not as_text:
        return value
    if float(value).is_integer():
        return vn_number(int(value))
    whole, decimals = repr(float(value)).split(".")
    return f"{vn_number(int(whole))},{decimals}"


def _written(province: str) -> str:
    if province in WRITTEN_AS:
        return WRITTEN_AS[province]
    name = figures.province_name(province)
    return f"Thành phố {name}" if province in CITIES else name


def national_grid(source: str, year: str, variant: int) -> SheetGrid:
    samples = samples_of(source)
    provinces = sorted(p for p in samples.figures if figures.fields_of(p, source, year))
    present = {f for p in provinces for f in figures.fields_of(p, source, year)}
    nodes = prune(header_variants(source)[variant % len(header_variants(source))], present)
    leaves = [x for n in nodes for x in n.leaves()]
    depth = max(n.depth() for n in nodes)
    width = 2 + len(leaves)
    g = SheetGrid(samples.sheet_names[variant % len(samples.sheet_names)], [])
    upper, lower, unit = samples.agency.before_reform
    g.put(0, 0, upper, bold=True)
    g.put(1, 0, lower, bold=True)
    g.put(0, width - 2, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True)
    g.put(1, width - 2, "Độc lập - Tự do - Hạnh phúc", bold=True)
    g.put(3, 0, f"{samples.title.format(level='TỈNH, THÀNH PHỐ')} NĂM {year}", bold=True)
    g.merge(3, 0, 3, width - 1)
    g.put(4, 0, f"Đơn vị công bố: {unit}")
    g.put(4, width - 1, samples.unit_line)
    top = 6
    for c, label in enumerate(("STT", "Tỉnh, thành phố trực thuộc Trung ương")):
        g.put(top, c, label, bold=True)
        g.merge(top, c, top + depth - 1, c)
    c = 2
    for n in nodes:
        c = _place(g, n, top, c, depth)

    def order(province: str) -> tuple[float, str]:
        value = figures.total_of(province, source, year, samples.order_by) if samples.order_by else None
        return (value if isinstance(value, int | float) else float("inf"), province)

    r = top + depth
    for i, province in enumerate(sorted(provinces, key=order), start=1):
        g.put(r, 0, i)
        g.put(r, 1, _written(province))
        for j, lf in enumerate(leaves):
            value = figures.total_of(province, source, year, lf.field or "")
            shown = "-" if value is None else value if isinstance(value, str) else _cell(value, variant % 2 == 0)
            g.put(r, 2 + j, shown)
        r += 1
    g.box = (top, 0, r - 1, width - 1)
    g.widths = {0: 6, 1: 30, **{2 + j: 14 for j in range(len(leaves))}}
    g.put(r + 1, 0, samples.footnote)
    return g


def national_files() -> dict[str, bytes]:
    """``<source>/<filename>`` → bytes of every national table by province of the samples."""
    out: dict[str, bytes] = {}
    for source in sources():
        if rows_of(source) != "provinces":
            continue
        samples = samples_of(source)
        for i, year in enumerate(samples.years):
            name = samples.file_names[i % len(samples.file_names)].format(s="ca_nuoc", S="CaNuoc", y=year) + ".xlsx"
            out[f"{source}/{name}"] = to_bytes([national_grid(source, str(year), i)], Style(filename=name))
    return out
