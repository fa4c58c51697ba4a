"""The benchmark harness of issue #8: the scale generator writes files the real reader accepts, validating
files together gives exactly the per-file findings, and the harness writes every required figure.
No timings are asserted."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from bench import scale
from expectations.files import check_together, read_checked
from expectations.runner import load_suite
from runtime import progress
from sources.reading.reader import read_file
from sources.samples import figures
from sources.samples.departments import rows_of, samples_of, sources
from sources.specs.model import load_specs
from tests.shared_files import shared_path

ROW_LEVEL = {
    "expect_column_values_to_be_between",
    "expect_column_values_to_be_in_set",
    "expect_column_values_to_not_be_null",
    "expect_column_pair_values_a_to_be_greater_than_b",
    "expect_compound_columns_to_be_unique",
    "expect_column_to_exist",
}


@pytest.fixture(scope="module")
def xs_landing(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    out = tmp_path_factory.mktemp("scale") / "landing"
    return scale.write_landing("XS", out, workers=1, folder=scale.BUILTIN_UNITS)


def _scaled() -> list[str]:
    """The departments of the scale benchmark: all but the national tables by province (one file a year)."""
    return [s for s in sources() if rows_of(s) != "provinces"]


def _by_cadence(cadence: str) -> list[str]:
    return [s for s in _scaled() if samples_of(s).scale_cadence == cadence]


def test_sizes_and_periods() -> None:
    folder = scale.BUILTIN_UNITS
    s = scale.files_for(scale.SIZES["S"], folder)
    m = scale.files_for(scale.SIZES["M"], folder)
    monthly, quarterly = _by_cadence("month"), _by_cadence("quarter")
    assert monthly and quarterly and len(monthly) + len(quarterly) == len(_scaled())
    assert len(s) == len(monthly) * 12 + len(quarterly) * 4
    assert len(m) == len(s) + 2 * 4 * len(s)  # two old provinces before the reform
    assert scale.periods_of(monthly[0], 1)[:2] == ["2025-07", "2025-08"]
    assert scale.periods_of(quarterly[0], 1) == ["2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2"]
    assert scale.periods_of(monthly[0], 5)[0] == "2021-07" and scale.periods_of(quarterly[0], 5)[0] == "2021-Q3"
    assert all(figures.is_post_reform(p) for _, _, p in s)  # one year: the 2025-07-01 list, communes
    assert {pr for pr, _, p in m if not figures.is_post_reform(p)} == {"06", "19"}  # today's Thái Nguyên


def test_scale_files_read_through_the_real_reader(xs_landing: list[Path]) -> None:
    specs = load_specs()
    assert sorted(p.parent.name for p in xs_landing) == sorted(_scaled())  # one file per department
    for path in xs_landing:
        result = read_checked(path, specs[path.parent.name])
        assert result.ok, [f.message_en for f in result.findings]
        assert not result.findings
        assert result.period and result.period.code in {"2026-06", "2026-Q2"}
        assert result.province_code == scale.DEFAULT_PROVINCE
        rows = figures.table_areas("19", path.parent.name, "2026-06")  # a provincial report: the province's row
        assert result.values["area_code"].n_unique() == len(rows)
    assert figures.province_totals()[("06", "telecom", "2022", "mobile_subscribers")] == 279_568  # samples intact


def test_suites_are_row_level() -> None:
    """``check_together`` relies on it: a file none of whose rows fails in a batch would pass alone."""
    for source in load_specs():
        suite = load_suite(source)
        for e in suite["expectations"]:
            assert e["type"] in ROW_LEVEL, e["type"]
            assert "mostly" not in e["kwargs"], e


def test_checking_together_gives_the_per_file_findings(tmp_path: Path) -> None:
    keys = [k for k in scale.files_for(scale.SIZES["S"], scale.BUILTIN_UNITS) if k[1] == "telecom"][:3]
    scale._write_chunk((scale.BUILTIN_UNITS, keys, tmp_path))
    figures.configure()
    paths = sorted((tmp_path / "telecom").glob("*.xlsx"))
    spec = load_specs()["telecom"]
    reads = [read_file(p, spec) for p in paths]
    # one file gets a negative subscriber count and a smartphone count above mobile: it must fail alone
    bad = reads[1]
    bad.values = bad.values.with_columns(
        value=pl.when(pl.col("field") == "smartphone_subscribers").then(pl.col("value") * 10).otherwise(pl.col("value"))
    )
    together = [(r, f"sha{i}") for i, r in enumerate(reads)]
    check_together(together)
    for i, (path, r) in enumerate(zip(paths, reads, strict=True)):
        alone = read_file(path, spec)
        if i == 1:
            alone.values = bad.values
        from expectations.checks import check_values
        from sources.areas.units import registry

        known = [u.code for u in registry().units[alone.vintage]]
        expected = check_values(
            "telecom",
            alone.values.with_columns(file_sha256=pl.lit(f"sha{i}")),
            known,
            file=alone.name,
            sheet=alone.sheet,
        )
        assert [f.as_dict() for f in r.findings] == [f.as_dict() for f in alone.findings + expected]
    assert reads[1].errors and not reads[0].findings and not reads[2].findings


@pytest.mark.deployment
def test_harness_writes_every_figure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bench import harness

    monkeypatch.setattr(harness, "WORK", tmp_path / "work")
    monkeypatch.setenv("XHS_REFERENCE", str(scale.BUILTIN_UNITS))
    monkeypatch.setenv(progress.PROGRESS_ENV, "")  # main chooses: plain lines, stderr is not a terminal here
    monkeypatch.setenv(progress.STARTED_ENV, "")
    out = tmp_path / "results.json"
    assert harness.main(["--size", "XS", "--out", str(out)]) == 0
    # its progress: the size and stage it is on, with the progress of the xhs run it measures
    texts = [progress.stage_of_line(line) for line in capsys.readouterr().err.splitlines()]
    for stage in (
        "XS: generating the files",
        "XS: raw read floor (fastexcel)",
        "XS: end-to-end xhs run · archiving",
        "XS: end-to-end xhs run · reading telecom 1/1",
        "XS: end-to-end xhs run · building the warehouse",
        "XS: no-op xhs run · nothing new",  # no Dagster run: nothing changed since the last one
        "XS: one new file xhs run · reading telecom 1/1 (1 already read)",
        "XS: analyst queries",
        "finished",
    ):
        assert stage in texts, (stage, texts)
    results = json.loads(out.read_text())
    for k in (
        "ratio_vs_raw_read",
        "ratio_vs_naive",
        "noop_overhead_s",
        "one_new_file_over_noop_s",
        "query_p95_ms",
        "peak_rss_mb",
        "size",
        "files",
    ):
        assert results[k] is not None, k
    # the run with one new file brought the published warehouse up to date: one province recomputed
    assert results["sizes"]["XS"]["one_new_file_build"] == "incremental"
    assert results["sizes"]["XS"]["one_new_file_provinces_recomputed"] == 1
    assert results["size"] == "XS" and results["files"] == len(_scaled())
    # one file per department and the one added for the incremental run
    assert results["sizes"]["XS"]["files_loaded"] == len(_scaled()) + 1
    assert results["sizes"]["XS"]["files_rejected"] == 0


def test_a_code_the_reform_gave_to_another_province_is_named_for_the_period(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """52 is Bình Định before the 2025 reform and Gia Lai after it. The XL landing named the province Bình Định in
    its later files of the departments that report one row per province, which the reader rightly refuses
    (unknown_area: 57 files of 17,161)."""
    folder = shared_path("reference")
    monkeypatch.setenv("XHS_REFERENCE", str(folder))
    by_province = [s for s in _scaled() if rows_of(s) == "province"]
    assert by_province
    keys = [("52", s, p) for s in by_province for p in ("2025-Q3", "2025-06")]
    try:
        written = scale._write_chunk((folder, keys, tmp_path))
        assert figures.province_name("52", "2025-Q3") == "Gia Lai"
        assert figures.province_name("52", "2025-06") == figures.province_name("52") == "Bình Định"
        specs = load_specs()
        for name in written:
            result = read_checked(tmp_path / name, specs[name.split("/")[0]])
            assert result.ok, (name, [f.message_en for f in result.findings])
            assert ("gia_lai" in name) == figures.is_post_reform(result.period.code), name
    finally:
        figures.configure()
