"""The sample generator driven to national scale: every commune of N provinces × every department × monthly or
quarterly periods, written as departmental workbooks into a landing folder.

    python -m bench.scale --size S --out /tmp/landing      # or: write_landing("S", Path(...))

Sizes (DESIGN §2, issue #8): S one province × 1 year, M one province × 5 years, L 34 provinces × 1 year,
XL 34 provinces × 5 years (run manually). Every department with a sample file (``sources/specs/samples/``) takes
part; each reports monthly or quarterly (``scale_cadence`` of its sample file: telecom, civil_id and einvoice
monthly, health and population quarterly: 44 files per province-year for those five). The window ends with
June 2026 (periods after today are refused):
1 year = 2025-07 … 2026-06, after the 1 July 2025 reform, resolved against the 2025-07-01 list (34 provinces,
commune rows); 5 years = 2021-07 … 2026-06, whose first four years are pre-reform, resolved against the
2025-03-01 list: those files come from the old provinces that merged into the chosen ones (the crosswalk),
with district rows — the history a province really has.

Units come from ``XHS_REFERENCE`` (the national lists; default ``../shared/reference`` beside the clone when
present); without them S and M fall back to the built-in list
(one post-reform province, Thái Nguyên). The numbers are plausible, smooth and deterministic: each department's
province totals are the latest sample figures of its first sample province, scaled by the province's size (its
commune count with a per-province factor) and growing slowly, so that cumulative counters never decrease and parts
never exceed their whole (the parts of a ``sum_of`` add up to it); ``sources.samples.figures`` splits them over
the communes and ``layouts``/``writers`` lay them out exactly as the sample files (the look rotates over the same
``Style`` options).
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from sources.common.periods import month, quarter
from sources.common.text import fold
from sources.samples.departments import rows_of, samples_of, sources
from sources.samples.figures import is_post_reform, split_rules
from sources.specs.model import load_specs

ROOT = Path(__file__).resolve().parent.parent
BUILTIN_UNITS = ROOT / "sources" / "areas" / "builtin"
VINTAGE = "2025-07-01"
PRE_VINTAGE = "2025-03-01"
LAST_MONTH = (2026, 6)  # the window ends here: a period after today is refused by the reader
REFERENCE_POPULATION = 325_000  # about the first sample province's (Bắc Kạn, 2024): its figures are scaled from it
DEFAULT_PROVINCE = "19"  # Thái Nguyên: in the built-in list too, so S/M look the same with or without it


@dataclass(frozen=True)
class Size:
    name: str
    provinces: int  # 1 or every province of the list (34)
    years: int


SIZES = {
    "S": Size("S", 1, 1),
    "M": Size("M", 1, 5),
    "L": Size("L", 34, 1),
    "XL": Size("XL", 34, 5),
    "XS": Size("XS", 1, 0),
}  # XS: one month of each source (tests)


def reference_folder() -> Path:
    """``XHS_REFERENCE``, else the shared national lists when present, else the built-in list."""
    env = os.environ.get("XHS_REFERENCE")
    candidates = [Path(env)] if env else []
    candidates.append(ROOT.parent / "shared" / "reference")
    for c in candidates:
        if (c / f"admin_units_{VINTAGE}.csv").exists():
            return c.resolve()
    return BUILTIN_UNITS


def provinces(folder: Path, vintage: str = VINTAGE) -> list[str]:
    with (folder / f"admin_units_{vintage}.csv").open(encoding="utf-8", newline="") as f:
        return sorted(r["code"] for r in csv.DictReader(f) if r["level"] == "province")


def periods_of(source: str, years: int) -> list[str]:
    """The monthly or quarterly period codes of the ``years`` years ending with June 2026 (XS: the last)."""
    y, m = LAST_MONTH
    if samples_of(source).scale_cadence == "month":
        n = max(12 * years, 1)
        index = [y * 12 + m - 1 - i for i in range(n)][::-1]
        return [month(i // 12, i % 12 + 1).code for i in index]
    n = max(4 * years, 1)
    index = [y * 4 + (m - 1) // 3 - i for i in range(n)][::-1]
    return [quarter(i // 4, i % 4 + 1).code for i in index]


def old_provinces(folder: Path, province: str) -> list[str]:
    """The pre-reform provinces that went (wholly or partly) into ``province``, present in the old list."""
    crosswalk = folder / f"admin_crosswalk_{VINTAGE}.csv"
    with crosswalk.open(encoding="utf-8", newline="") as f:
        olds = {r["old_province_code"] for r in csv.DictReader(f) if r["new_province_code"] == province}
    return sorted(olds & set(provinces(folder, PRE_VINTAGE)))


def files_for(size: Size, folder: Path) -> list[tuple[str, str, str]]:
    """Every (province, source, period) of a size; pre-reform periods are files of the old provinces."""
    chosen = [DEFAULT_PROVINCE] if size.provinces == 1 else provinces(folder)[: size.provinces]
    keys = []
    for p in chosen:
        olds = old_provinces(folder, p)
        for s in sources():
            if rows_of(s) == "provinces":  # a national table by province: one file a year, not per province
                continue
            for per in periods_of(s, size.years):
                keys += [(p, s, per)] if is_post_reform(per) else [(o, s, per) for o in olds]
    return sorted(set(keys), key=keys.index)


# ---- province totals ---------------------------------------------------------------------------------


def _communes(folder: Path, vintage: str) -> dict[str, int]:
    out: dict[str, int] = {}
    with (folder / f"admin_units_{vintage}.csv").open(encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            if r["level"] == "commune":
                out[r["province_code"]] = out.get(r["province_code"], 0) + 1
    return out


def totals_for(keys: list[tuple[str, str, str]], folder: Path) -> dict[tuple[str, str, str, str], int | float]:
    """(province, source, period, field) → province total for every file of ``keys``."""
    communes = {v: _communes(folder, v) for v in (PRE_VINTAGE, VINTAGE)}
    out: dict[tuple[str, str, str, str], int | float] = {}
    for province, source, period in keys:
        post = is_post_reform(period)
        rng = random.Random(f"scale-{province}-{post}")
        pop0 = communes[VINTAGE if post else PRE_VINTAGE][province] * (11_000 if post else 7_500)
        pop0 *= rng.uniform(0.8, 1.4)
        t = _months_since_start(period)
        for fname, value in _fields(source, pop0, t, random.Random(f"scale-{province}-{source}-{period}")):
            out[(province, source, period, fname)] = value
    return out


def _months_since_start(period: str) -> int:
    y, rest = period.split("-")
    m = (int(rest[1]) * 3) if rest.startswith("Q") else int(rest)
    return (int(y) - 2025) * 12 + m - 7


def _fields(source: str, pop0: float, t: int, rng: random.Random) -> list[tuple[str, int | float]]:
    """The department's reference figures scaled to the province at month ``t``: one factor for every field, so
    a part stays within its whole and a cumulative counter grows; the first part of a ``sum_of`` is the rest."""
    del rng  # one factor for every field: noise on one field could push a part above its whole
    factor = pop0 * (1 + 0.002 * t) / REFERENCE_POPULATION
    spec = load_specs()[source]
    values: dict[str, int | float] = {}
    for name, value in _reference_figures(source).items():
        values[name] = round(value * factor, 1) if not spec.field(name).integer else int(value * factor)
    for name, (rule, whole) in split_rules(source).items():
        if rule == "rest" and name in values and whole in values:
            others = [p for p in spec.field(whole).sum_of if p != name]
            values[name] = values[whole] - sum(values.get(p, 0) for p in others)
    return list(values.items())


def _reference_figures(source: str) -> dict[str, int | float]:
    """The latest figure of every field of the department's first sample province that adds up over areas (a rate,
    an index, a rank or a shared catalogue is the province's own figure, not a count to scale)."""
    samples = samples_of(source)
    province = next(iter(samples.figures))
    additive = {f.name for f in load_specs()[source].fields if f.additive}
    out: dict[str, int | float] = {}
    for name, values in samples.figures[province].items():
        latest = [v for v in values if isinstance(v, int | float)]
        if latest and name in additive:
            out[name] = latest[-1]
    return out


# ---- the look of a file ------------------------------------------------------------------------------


def file_stem(source: str) -> str:
    """The department's first sample file name up to its placeholders (``vien_thong_{s}_{y}`` → vien_thong)."""
    return samples_of(source).file_names[0].split("_{")[0]


def style_of(key: tuple[str, str, str], province_name: str):
    """A ``Style`` rotating over the sample generator's options (all .xlsx: what fastexcel and openpyxl both
    read, so the raw floor and the naive pipeline read the same bytes)."""
    from sources.samples.headers import header_variants
    from sources.samples.layouts import Style
    from sources.samples.plan import TOTAL_LABELS

    province, source, period = key
    samples = samples_of(source)
    n = int(province) * 7 + _months_since_start(period) + (samples.form_number - 1) * 3
    slug = "_".join(fold(province_name).split())
    p = period.replace("-Q", "_quy_").replace("-", "_thang_")
    if "_thang_" in p:
        y, m = p.split("_thang_")
        p = f"thang_{m}_{y}"
    elif "_quy_" in p:
        y, q = p.split("_quy_")
        p = f"quy_{q}_{y}"
    return Style(
        filename=f"{file_stem(source)}_{slug}_{p}.xlsx",
        sheet=samples.sheet_names[n % len(samples.sheet_names)],
        header=n % len(header_variants(source)),
        area_header=n % 8,
        col_numbers=(None, "paren", None, "letters")[n % 4],
        stt=n % 5 != 3,
        code=(None, "text", None, "number", None)[(n + 1) % 5],
        names=("full", "bare", "abbr", "full", "upper")[n % 5],
        total=("last", "first")[n % 2],
        total_label=TOTAL_LABELS[n % 5],
        total_merged=n % 4 == 2 and n % 5 != 3,
        blank_rows=n % 6 == 1,
        numbers=("numeric", "text", "numeric", "mixed")[n % 4],
        period_in=("line", "title", "sub", "line", "ky")[n % 5],
        form_code=n % 3 != 2,
        footnote=n % 4 != 1,
        signature=n % 5 != 2,
    )


# ---- writing -----------------------------------------------------------------------------------------

_CONFIGURED: list[Path] = []


def _configure(folder: Path, keys: list[tuple[str, str, str]]) -> None:
    from sources.samples import figures

    figures.configure(folder, totals_for(keys, folder))
    _CONFIGURED[:] = [folder]


def _write_chunk(args: tuple[Path, list[tuple[str, str, str]], Path]) -> list[str]:
    """Write the files of one province (its totals must be configured together: cumulative counters)."""
    folder, keys, out = args
    from sources.samples import figures
    from sources.samples.layouts import build_sheets
    from sources.samples.writers import to_bytes

    _configure(folder, keys)
    written = []
    for key in keys:
        style = style_of(key, figures.province_name(key[0], key[2]))
        path = out / key[1] / style.filename
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(to_bytes(build_sheets(key, style), style))
            tmp.replace(path)
        written.append(f"{key[1]}/{style.filename}")
    return written


def write_landing(size: str, out: Path, *, workers: int = 2, folder: Path | None = None) -> list[Path]:
    """Write (or complete) the landing folder of a size; files already there are kept (same bytes)."""
    folder = folder or reference_folder()
    keys = files_for(SIZES[size], folder)
    by_province: dict[str, list[tuple[str, str, str]]] = {}
    for k in keys:
        by_province.setdefault(k[0], []).append(k)
    jobs = [(folder, ks, Path(out)) for ks in by_province.values()]
    if workers > 1 and len(jobs) > 1:
        with ProcessPoolExecutor(workers) as pool:
            names = [n for chunk in pool.map(_write_chunk, jobs) for n in chunk]
    else:
        names = [n for job in jobs for n in _write_chunk(job)]
        from sources.samples import figures

        figures.configure()  # leave the sample generator as it was
    if len(set(names)) != len(names):
        raise ValueError("two scale files would have the same name")
    return sorted(Path(out) / n for n in names)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", choices=list(SIZES), default="S")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args(argv)
    paths = write_landing(args.size, args.out, workers=args.workers)
    print(f"{len(paths)} files for size {args.size} in {args.out} (units: {reference_folder()})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
