"""The real corpus (``shared/realworld``, issue #20): one ``xhs run`` over every real public file there, with the
national unit lists, as a new user would. Every row of ``loads.tsv`` holds; each file's verdict is the expected
one (the files out of scope say that no department's spec matched); no rate, ratio or share is ever loaded as a
count; a province's row written ``Tỉnh Bắc Kạn`` lands on the province (issue #25). The files are read from
``shared/``, never copied into the repository."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from bench.workbooks import write
from tests.pipeline_helpers import query, run_xhs
from tests.shared_files import shared_path

pytestmark = pytest.mark.deployment  # runs xhs run: not part of make check

# What each real file must come to. Files added to shared/realworld later are read too (test_every_file_has_a_verdict).
LOADED = {
    "census2019_bieu1_15_by_province.xlsx",
    "census2019_household_size_ward.xlsx",
    "census2019_pop_age_urban_district.xlsx",
    "census2019_pop_urban_ward.xlsx",
    "census2019_population_by_district.csv",
    "gso_V02.01_pop_by_province_2011_2017.xlsx",
    "gso_en_area_pop_density_by_province_2011_2016.csv",
    "gso_en_telephone_internet_subscribers_2005_2016.csv",
}
NO_SPEC = {  # out of scope, or a rate no spec holds, or text lost to a code page: refused as matching no spec
    "congan_brvt_cchc_bang1.xlsx",
    "gso_V02.01_pop_by_province_cp1252_lossy.csv",
    "gso_V02.02_density_by_province.csv",
    "gso_V02.20_pop_growth_rate_by_province_2005_2022.xlsx",
    "gso_density_by_province_years_as_rows.csv",
    "gso_en_admin_units_by_province_2009_2016_latin1.csv",
    "gso_en_deaths_registered_by_province_2018_2023.csv",
    "ktxh_tonghop_giatri_15-25.xlsx",  # a district's production values, formatted to column WVO (issue #26)
    "measles_geodata_district_population_2012_2014.xlsx",
    "nihe_je_vaccination_by_province_1997_2016.xlsx",
    "vksnd_data_entry_progress_by_province34.xlsx",
    "vnpt_tayninh_bao_cao_MBB_tuan29.xlsx",
}
RATES = {"gso_V02.20_pop_growth_rate_by_province_2005_2022.xlsx", "gso_V02.02_density_by_province.csv"}
PROVINCE_ROW = "telecom/bao_cao_vien_thong_tinh_Bac_Kan_2022.xlsx"  # issue #25's one-row file


@pytest.fixture(scope="module")
def real_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    real, reference = shared_path("realworld"), shared_path("reference")
    root = tmp_path_factory.mktemp("realworld")
    landing = root / "landing"
    landing.mkdir()
    for path in sorted(real.iterdir()):
        if path.suffix.lower() in {".xlsx", ".xls", ".csv"}:
            shutil.copyfile(path, landing / path.name)
    grid = [
        ["BÁO CÁO SỐ LIỆU VIỄN THÔNG NĂM 2022"],
        ["Đơn vị", "Thuê bao điện thoại di động"],
        ["Tỉnh Bắc Kạn", 279568],
    ]
    write(landing / PROVINCE_ROW, grid)
    done = run_xhs(root, "run", XHS_REFERENCE=str(reference))
    assert done.returncode in (0, 1), done.stdout[-3000:] + done.stderr[-3000:]
    return root


def _status(root: Path) -> dict[str, tuple[str, set[str]]]:
    rows = query(
        root,
        "SELECT f.original_name, f.status, list(DISTINCT g.rule) FILTER (WHERE g.severity = 'error') "
        "FROM meta_file f LEFT JOIN meta_finding g ON g.file_sha256 = f.sha256 GROUP BY ALL",
    )
    return {name: (status, set(rules or [])) for name, status, rules in rows}


def test_every_row_of_loads_tsv_holds(real_run: Path) -> None:
    with shared_path("realworld", "loads.tsv").open(encoding="utf-8") as f:
        expected = list(csv.DictReader(f, delimiter="\t"))
    assert expected
    for row in expected:
        got = query(
            real_run,
            "SELECT f.value FROM fact_indicator f JOIN dim_area a USING (area_key) "
            "WHERE f.indicator_code = ? AND a.code = ? AND f.period_code = ?",
            [row["indicator"], row["area_code"], row["period"]],
        )
        assert [v for (v,) in got] == [float(row["value"])], row


def test_each_file_gets_its_verdict(real_run: Path) -> None:
    status = _status(real_run)
    for name in LOADED:
        assert status[name][0] == "loaded", (name, status[name])
    for name in NO_SPEC:
        assert status[name][0] == "quarantined" and "no_spec_matched" in status[name][1], (name, status[name])
    for name in RATES:
        message = query(
            real_run,
            "SELECT g.message_en FROM meta_finding g JOIN meta_file f ON f.sha256 = g.file_sha256 "
            "WHERE f.original_name = ? AND g.rule = 'no_spec_matched'",
            [name],
        )
        assert "rate, ratio or index, not a count" in message[0][0], name


def test_every_file_has_a_verdict(real_run: Path) -> None:
    """A file of shared/realworld that is not listed above (added since) is read and recorded too: loaded, or
    refused with at least one error that says why."""
    status = _status(real_run)
    for path in shared_path("realworld").iterdir():
        if path.suffix.lower() in {".xlsx", ".xls", ".csv"}:
            state, errors = status[path.name]
            assert state == "loaded" or errors, (path.name, state)


def test_rates_ratios_and_shares_are_never_counts(real_run: Path) -> None:
    """No staged value comes from a cell ``cells.tsv`` names as a rate, a ratio, a density or a share; the
    census book loads its counts only (Biểu 1 population, Biểu 7/8 households)."""
    with shared_path("realworld", "cells.tsv").open(encoding="utf-8") as f:
        cells = list(csv.DictReader(f, delimiter="\t"))
    rate_words = ("%", "/km2", "rate", "ratio", "tỷ lệ", "tỷ số", "density", "index")
    rates = [c for c in cells if any(w in (c["unit_as_stated"] + c["indicator"]).lower() for w in rate_words)]
    assert len(rates) >= 5
    staged = {
        (name, sheet or "", cell)
        for name, sheet, cell in query(
            real_run,
            "SELECT f.original_name, s.sheet, s.cell FROM stg_population s "
            "JOIN meta_file f ON f.sha256 = s.file_sha256 "
            "UNION ALL SELECT f.original_name, s.sheet, s.cell FROM stg_telecom s "
            "JOIN meta_file f ON f.sha256 = s.file_sha256",
        )
    }
    for c in rates:
        assert (c["file"], c["sheet"], c["cell"]) not in staged, c
    book = query(
        real_run,
        "SELECT DISTINCT s.sheet, s.field FROM stg_population s JOIN meta_file f ON f.sha256 = s.file_sha256 "
        "WHERE f.original_name = 'census2019_bieu1_15_by_province.xlsx' ORDER BY 1, 2",
    )
    assert book == [("Bieu 1", "total"), ("Bieu 7", "households")]


def test_a_province_row_is_the_province_and_the_country_is_its_own_level(real_run: Path) -> None:
    province = query(
        real_run,
        "SELECT a.code, f.value, f.derivation FROM fact_indicator f JOIN dim_area a USING (area_key) "
        "WHERE f.indicator_code = 'tel_mobile_subscribers' AND f.period_code = '2022'",
    )
    assert province == [("06", 279568.0, "reported")]  # nothing on 058, Thành phố Bắc Kạn
    country = query(
        real_run,
        "SELECT period_code, value, derivation FROM v_indicator WHERE area_level = 'country' "
        "AND indicator_code = 'tel_mobile_subscribers' ORDER BY 1",
    )
    assert country == [("2015", 120324100.0, "reported"), ("2016", 121268100.0, "reported")]
