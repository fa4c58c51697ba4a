"""The sample-workbook generator: same bytes every time, every file present, area rows summing to the
province totals, cumulative counters never falling, the published figures reproduced, the files readable."""

from __future__ import annotations

import csv
import dataclasses
import itertools
from pathlib import Path

import openpyxl
import pytest
import yaml
from python_calamine import CalamineWorkbook

from sources.common.periods import parse_period_code
from sources.reading.bounds import parse_bound
from sources.reading.reader import read_file
from sources.samples import figures, write_samples
from sources.samples.departments import rows_of, samples_of, sources
from sources.samples.headers import header_variants
from sources.samples.national import national_files
from sources.samples.plan import plan
from sources.samples.real_layouts import real_layout_files
from sources.specs.model import load_specs
from warehouse.catalogue import load_catalogue

ROOT = Path(__file__).parent.parent
MAPPING = yaml.safe_load((ROOT / "sources" / "samples" / "seed_mapping.yaml").read_text(encoding="utf-8"))
CATALOGUE = {i.code: dataclasses.asdict(i) for i in load_catalogue()}  # counts from the specs, rates from the file
SPECS = load_specs()
PREFIX = {s.indicator_prefix: s.source for s in SPECS.values()}


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("samples")
    write_samples(out)
    return out


def test_writing_twice_gives_identical_bytes(written: Path, tmp_path: Path) -> None:
    again = write_samples(tmp_path)
    assert again == sorted(again)
    first = sorted(p.relative_to(written) for p in written.rglob("*") if p.is_file())
    assert [p.relative_to(tmp_path) for p in again] == first
    for rel in first:
        assert (written / rel).read_bytes() == (tmp_path / rel).read_bytes(), rel


def test_every_province_source_and_year_has_a_file(written: Path) -> None:
    files = plan()
    national = {s for s in sources() if rows_of(s) == "provinces"}  # one national table by province per year
    assert {s for _, s, _ in files} | national == set(sources()) == set(SPECS)  # every department has sample files
    assert national and not national & {s for _, s, _ in files}
    for source in national:
        assert len([n for n in national_files() if n.startswith(f"{source}/")]) == len(samples_of(source).years)
    for source in sources():
        if source in national:
            continue
        samples = samples_of(source)
        for province, fields in samples.figures.items():
            for i, year in enumerate(samples.years):
                if any(values[i] is not None for values in fields.values()):
                    assert (written / source / files[(province, source, str(year))].filename).is_file()
        for province, by_period in samples.periods.items():
            for period in by_period:
                assert (written / source / files[(province, source, period)].filename).is_file()
    assert {k for k in files if k[2] in ("2024-06-13", "2024-10-08")} == {
        ("06", "civil_id", "2024-06-13"),
        ("06", "civil_id", "2024-10-08"),
    }
    real = {**real_layout_files(), **national_files()}  # as real files lay them out (issue #12); national tables
    assert all((written / name).is_file() for name in real)
    assert len(list(written.rglob("*.*"))) == len(files) + len(real)


def test_area_rows_sum_to_the_province_totals() -> None:
    """The areas of a field that adds up sum to its province total; a non-additive field's areas show the province's
    figure or nothing (never a split of it); a table of the province's own row holds the figure as it is."""
    for (province, source, period, fname), total in figures.province_totals().items():
        rows = figures.area_values(province, source, period)
        assert len(rows) == len(figures.table_areas(province, source, period))
        if fname in figures.non_additive(source):
            assert {r[fname] for r in rows.values()} <= {total, None}, (province, source, period, fname)
            continue
        if isinstance(total, str):  # a bound or a range, in a table of the province's own row
            assert rows_of(source) != "areas" and rows[province][fname] == total
            continue
        summed = sum(r[fname] for r in rows.values())  # type: ignore[misc]
        assert summed == pytest.approx(total, abs=1e-6), (province, source, period, fname)


def test_area_rows_are_plausible() -> None:
    """A part never exceeds its whole in any area (the spec's part_of and sum_of, and the sample file's splits);
    the parts of a sum add up to it (e-ID level 1 + level 2 = activated); nothing negative."""
    for province, source, period in figures.sample_keys():
        spec = SPECS[source]
        pairs = {*spec.part_pairs(), *((w, f) for f, (_, w) in figures.split_rules(source).items())}
        sums = [(f.name, f.sum_of) for f in spec.fields if f.sum_of]
        for code, row in figures.area_counts(province, source, period).items():
            assert all(v >= 0 for v in row.values()), (province, source, period, code)
            for whole, part in pairs:
                if part in row and whole in row:
                    assert row[part] <= row[whole], (province, period, code, part)
            for whole, parts in sums:
                if whole in row and all(p in row for p in parts):
                    assert sum(row[p] for p in parts) == row[whole], (province, period, code, whole)


def test_cumulative_counters_never_decrease() -> None:
    for province in (*figures.PRE_REFORM_PROVINCES, figures.POST_REFORM_PROVINCE):
        for source, spec in SPECS.items():
            cumulative = [f.name for f in spec.fields if f.cumulative]
            chain = figures.periods(province, source)
            for before, after in itertools.pairwise(chain):
                a = figures.area_counts(province, source, before)
                b = figures.area_counts(province, source, after)
                for code in a.keys() & b.keys():
                    for fname in cumulative:
                        if fname in a[code] and fname in b[code]:
                            assert b[code][fname] >= a[code][fname], (province, before, after, code, fname)


def count(indicator: str, area_code: str, period: str) -> float | None:
    """A reported figure's province total (a count, a rate, an index, a rank); None when it is none, or is written
    as a range or a bound."""
    prefix, fname = indicator.split("_", 1)
    value = figures.total_of(area_code, PREFIX[prefix], period, fname)
    return None if value is None or isinstance(value, str) else float(value)


def computed(indicator: str, area_code: str, period: str) -> float | None:
    """The indicator as the warehouse computes it (DESIGN §6), from the province totals alone."""
    entry = CATALOGUE[indicator]
    if not entry["numerator"]:  # reported
        return count(indicator, area_code, period)
    if entry["kind"] == "sum":
        terms = [count(n, area_code, period) for n in entry["numerator"]]
        return None if any(t is None for t in terms) else sum(terms)  # type: ignore[arg-type]
    parts = [count(n, area_code, period) for n in entry["numerator"]]
    denominator = entry["denominator"]
    den_period = str(parse_period_code(period).year) if denominator.startswith("pop_") else period
    den = count(denominator, area_code, den_period)
    if den is None or any(p is None for p in parts):
        return None
    num = sum(parts)  # type: ignore[arg-type]
    if entry["cap_at_denominator"]:
        num = min(num, den)
    return num / den * (entry["scale"] or 100)


SHARED_SEED_FACTS = ROOT.parent / "shared" / "reference" / "seed_facts.csv"
SEED_FACTS = ROOT / "sources" / "samples" / "seed_facts.csv"  # a copy of the published figures (facts)


def seed_rows() -> list[dict[str, str]]:
    """The published figures: the project's shared reference when it sits beside the checkout, else the copy."""
    path = SHARED_SEED_FACTS if SHARED_SEED_FACTS.exists() else SEED_FACTS
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_the_copy_of_the_seed_facts_is_current() -> None:
    with SEED_FACTS.open(encoding="utf-8") as f:
        assert list(csv.DictReader(f)) == seed_rows()


def test_the_mapping_covers_every_seed_row_once() -> None:
    seeds = [(r["province"], r["measure"], r["period"]) for r in seed_rows()]
    mapped = [(e["seed"]["province"], e["seed"]["measure"], str(e["seed"]["period"])) for e in MAPPING]
    assert sorted(mapped) == sorted(seeds)
    for e in MAPPING:
        assert "modelled" not in e, e["seed"]  # every published figure has its place in the warehouse (issue #25)
        assert bool(e.get("indicator")) != bool(e.get("bound")), e["seed"]
        assert (e.get("indicator") or e["bound"]["indicator"]) in CATALOGUE, e["seed"]


@pytest.mark.parametrize(
    "entry",
    [e for e in MAPPING if e.get("indicator") and not e.get("inconsistent")],
    ids=lambda e: f"{e['indicator']}-{e['area_code']}-{e['period']}",
)
def test_figures_reproduce_the_published_value(entry: dict) -> None:
    got = computed(entry["indicator"], entry["area_code"], str(entry["period"]))
    assert got is not None
    assert round(got, entry["decimals"]) == pytest.approx(entry["value"])


@pytest.mark.parametrize(
    "entry",
    [e for e in MAPPING if e.get("inconsistent")],
    ids=lambda e: f"{e['indicator']}-{e['area_code']}-{e['period']}",
)
def test_inconsistent_rates_record_what_the_counts_give(entry: dict) -> None:
    got = computed(entry["indicator"], entry["area_code"], str(entry["period"]))
    assert got is not None and round(got, 1) == pytest.approx(entry["computed"])


@pytest.mark.parametrize("entry", [e for e in MAPPING if e.get("bound")], ids=lambda e: e["bound"]["indicator"])
def test_bounds_hold_in_the_samples(entry: dict) -> None:
    """A published range or bound: the sample file writes it as such when the warehouse stores it as bounds (the
    text, read by the reader's rules, gives exactly those bounds); otherwise the exact figure lies within it."""
    b = entry["bound"]
    lower, upper = b["lower"], b["upper"]
    if entry["stored"]:
        prefix, fname = b["indicator"].split("_", 1)
        text = figures.total_of(b["area_code"], PREFIX[prefix], str(b["period"]), fname)
        assert isinstance(text, str), b
        found = parse_bound(text)
        assert found is not None and (found.lower, found.upper) == (lower, upper), (text, found)
        return
    got = computed(b["indicator"], b["area_code"], str(b["period"]))
    assert got is not None, b
    assert (lower is None or got > lower) and (upper is None or got < upper), (got, b)


def test_the_mapping_has_no_figure_without_a_place() -> None:
    """Before issue #25, 24 seed figures were "not modelled"; now each is a warehouse value, a bound or range kept
    as such, or a published rate that contradicts its own counts."""
    kinds = [("inconsistent" if e.get("inconsistent") else "bound" if e.get("bound") else "exact") for e in MAPPING]
    assert len(kinds) == len(seed_rows())
    assert kinds.count("inconsistent") == 2 and kinds.count("bound") == 6


def test_an_xlsx_reads_back_with_openpyxl(written: Path) -> None:
    wb = openpyxl.load_workbook(written / "telecom" / "BC_vien_thong_BacKan_2022.xlsx")
    assert wb.sheetnames == ["Hướng dẫn", "Viễn thông"]
    ws = wb["Viễn thông"]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    total = next(r for r in rows if "Tổng cộng" in r)
    assert "279.568" in total and "4.567" in total  # numbers as Vietnamese text
    assert any("NĂM 2022" in str(r[0]) for r in rows[:6])
    assert wb.properties.created.year == 2025


def test_an_xls_reads_back_with_calamine(written: Path) -> None:
    wb = CalamineWorkbook.from_path(str(written / "telecom" / "vien_thong_bac_kan_2020.xls"))
    sheet = wb.get_sheet_by_name(wb.sheet_names[0])
    rows = sheet.to_python(skip_empty_area=False)
    total = next(r for r in rows if "Tổng cộng" in r)
    mobile = figures.total_of("06", "telecom", "2020", "mobile_subscribers")
    assert mobile in total
    assert any(str(c).startswith("Huyện Ba Bể") for r in rows for c in r)


def _variant(source: str, index: int) -> tuple:
    variants = header_variants(source)
    return variants[index % len(variants)]


def test_every_layout_feature_appears_somewhere() -> None:
    styles = plan()
    seen = {
        "xls": any(s.fmt == "xls" for s in styles.values()),
        "csv with BOM": any(s.fmt == "csv" and s.bom for s in styles.values()),
        "csv without BOM": any(s.fmt == "csv" and not s.bom for s in styles.values()),
        "period only in the file name": any(s.period_in == "none" for s in styles.values()),
        "instructions sheet first": any(s.instructions for s in styles.values()),
        "hidden sheet": any(s.hidden_list for s in styles.values()),
        "NFD text": any(s.nfd for s in styles.values()),
        "code as text": any(s.code == "text" for s in styles.values()),
        "code as number": any(s.code == "number" and s.fmt != "csv" for s in styles.values()),
        "(1) (2) row": any(s.col_numbers == "paren" for s in styles.values()),
        "A B 1 2 row": any(s.col_numbers == "letters" for s in styles.values()),
        "total first": any(s.total == "first" for s in styles.values()),
        "total last": any(s.total == "last" for s in styles.values()),
        "blank rows": any(s.blank_rows for s in styles.values()),
        "numbers as text": any(s.numbers == "text" for s in styles.values()),
        "numeric cells": any(s.numbers == "numeric" and s.fmt != "csv" for s in styles.values()),
        "no-data tokens": {s.missing for s in styles.values()} >= {"-", "x"},
        "column no spec has": any(s.extra_column for s in styles.values()),
        "three header rows": any(max(n.depth() for n in _variant(k[1], s.header)) == 3 for k, s in styles.items()),
        "new tone placement": any(s.new_tone for s in styles.values()),
    }
    assert [k for k, v in seen.items() if not v] == []
    assert {s.names for s in styles.values()} >= {"full", "bare", "abbr", "upper", "mixed"}
    assert {s.total_label for s in styles.values()} >= {"Tổng cộng", "Cộng", "Toàn tỉnh", "Tổng"}


def test_the_reader_loads_every_sample_file_with_the_figures(written: Path) -> None:
    for key, style in plan().items():
        province, source, period = key
        result = read_file(written / source / style.filename, SPECS[source])
        assert result.errors == [], (style.filename, [f.message_en for f in result.errors])
        assert result.period is not None and result.period.code == period, style.filename
        assert result.province_code == province, style.filename
        expected = figures.area_values(province, source, period)
        measures = figures.non_additive(source) & set(figures.fields_of(province, source, period))
        if measures and rows_of(source) == "areas":  # the total row is the province's own figure
            expected[province] = {f: figures.total_of(province, source, period, f) for f in measures}
        rows = {(r["area_code"], r["field"]): r for r in result.values.iter_rows(named=True)}
        assert {a for a, _ in rows} == set(expected), style.filename
        for (code, fname), row in rows.items():
            want = expected[code].get(fname)
            if isinstance(want, str):  # a range or a bound: read as its bounds, never one number
                found = parse_bound(want)
                assert found is not None and row["value"] is None, (style.filename, code, fname)
                assert (row["value_lower"], row["value_upper"]) == (found.lower, found.upper), style.filename
            elif row["value"] is not None:
                assert row["value"] == pytest.approx(want), (style.filename, code, fname)


def test_mapped_values_are_the_published_values() -> None:
    """The expected values the warehouse is tested against come from the seed file, not from the mapping."""
    published = {(r["province"], r["measure"], r["period"]): r["value"] for r in seed_rows()}
    for e in MAPPING:
        if e.get("indicator") and not e.get("inconsistent"):
            seed = (e["seed"]["province"], e["seed"]["measure"], str(e["seed"]["period"]))
            assert float(published[seed]) == pytest.approx(e["value"]), seed


def test_units_sharing_a_bare_name_are_written_with_their_type() -> None:
    """The generator never writes an ambiguous file (issue #18): Thị xã and Huyện Duyên Hải keep their type."""
    from sources.samples.figures import Area
    from sources.samples.layouts import Style, _area_name

    town = Area(code="851", name="Duyên Hải", full_name="Thị xã Duyên Hải", level="district")
    other = Area(code="849", name="Trà Cú", full_name="Huyện Trà Cú", level="district")
    style = Style(filename="x.xlsx", names="bare")
    assert _area_name(town, style, 1, {"Duyên Hải"}) == "TX. Duyên Hải"
    assert _area_name(other, style, 1, {"Duyên Hải"}) == "Trà Cú"
