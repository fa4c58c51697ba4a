"""A rank or an index is never summed (issue #25): two districts' rows under one province, through ``xhs run``.

The unit list (``XHS_REFERENCE``) gives Bắc Kạn exactly two districts, so a count of its two districts is summed into
the province (the contrast); their DTI scores and ranks are not. A total row of the DTI table is the province's own
figure, never checked against a sum nor replaced by one."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from bench.workbooks import write
from sources.areas.units import BUILTIN_UNITS
from tests.pipeline_helpers import query, run_xhs

pytestmark = pytest.mark.deployment  # runs xhs run: not part of make check

DISTRICTS = ("058", "060")  # Thành phố Bắc Kạn, Huyện Pác Nặm
PROVINCES = ("06", "14", "83")


def _reference(folder: Path) -> Path:
    """Three provinces; Bắc Kạn with two districts and nothing below them."""
    folder.mkdir(parents=True)
    src = BUILTIN_UNITS / "admin_units_2025-03-01.csv"
    with src.open(encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["code"] in PROVINCES or r["code"] in DISTRICTS]
    with (folder / "admin_units_2025-03-01.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return folder


def _dti(year: int, total: tuple[float, int] | None) -> list[list[object]]:
    grid: list[list[object]] = [
        [f"CHỈ SỐ CHUYỂN ĐỔI SỐ CẤP HUYỆN NĂM {year}"],
        ["STT", "Đơn vị hành chính", "Điểm DTI", "Xếp hạng DTI"],
        [1, "Thành phố Bắc Kạn", 412.5, 1],
        [2, "Huyện Pác Nặm", 398.0, 2],
    ]
    return [*grid, [None, "Tổng cộng", *total]] if total else grid


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("kinds")
    landing = root / "landing"
    write(landing / "dti" / "dti_cap_huyen_2021.xlsx", _dti(2021, None))
    write(landing / "dti" / "dti_cap_huyen_2022.xlsx", _dti(2022, (405.3, 2)))
    telecom = [
        ["BÁO CÁO SỐ THUÊ BAO NĂM 2021"],
        ["STT", "Đơn vị hành chính", "Thuê bao di động"],
        [1, "Thành phố Bắc Kạn", 1000],
        [2, "Huyện Pác Nặm", 2000],
    ]
    write(landing / "telecom" / "vien_thong_2021.xlsx", telecom)
    result = run_xhs(root, "run", XHS_REFERENCE=str(_reference(root / "reference")))
    assert result.returncode == 0, result.stdout + result.stderr
    return root


def _facts(root: Path, indicator: str, period: str) -> dict[str, tuple[float | None, str]]:
    rows = query(
        root,
        "SELECT a.code, f.value, f.derivation FROM fact_indicator f JOIN dim_area a USING (area_key) "
        "WHERE f.indicator_code = ? AND f.period_code = ?",
        [indicator, period],
    )
    return {code: (value, derivation) for code, value, derivation in rows}


def test_two_districts_are_summed_into_their_province_only_for_a_count(warehouse: Path) -> None:
    assert _facts(warehouse, "tel_mobile_subscribers", "2021") == {
        "058": (1000, "reported"),
        "060": (2000, "reported"),
        "06": (3000, "sum_of_areas"),
    }
    # the same two districts' scores and ranks: no province value at all (412.5 + 398.0, 1 + 2 mean nothing)
    assert _facts(warehouse, "dti_score", "2021") == {"058": (412.5, "reported"), "060": (398.0, "reported")}
    assert _facts(warehouse, "dti_rank", "2021") == {"058": (1, "reported"), "060": (2, "reported")}


def test_a_total_row_of_an_index_is_the_provinces_own_figure(warehouse: Path) -> None:
    assert _facts(warehouse, "dti_score", "2022")["06"] == (405.3, "reported")  # not 810.5
    assert _facts(warehouse, "dti_rank", "2022")["06"] == (2, "reported")  # not 1 + 2
    assert query(
        warehouse,
        "SELECT count(*) FROM meta_finding WHERE rule IN ('total_mismatch', 'province_sum_mismatch')",
    ) == [(0,)]
    [(kind, scale_max, out_of)] = query(
        warehouse,
        "SELECT indicator_kind, scale_max, out_of FROM v_indicator WHERE indicator_code = 'dti_rank' "
        "AND area_code = '06' AND period_code = '2022'",
    )
    assert (kind, scale_max, out_of) == ("rank", None, 3)  # out of the provinces of the unit list in force


def test_nothing_non_additive_is_rolled_up(warehouse: Path) -> None:
    assert query(
        warehouse,
        "SELECT count(*) FROM fact_indicator WHERE derivation = 'sum_of_areas' AND "
        "indicator_code IN (SELECT indicator_code FROM dim_indicator WHERE aggregate = 'none')",
    ) == [(0,)]
