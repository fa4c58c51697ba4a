"""A province and a unit of the same name (issue #25): the level word decides, and a bare name is decided from the
table, with a warning naming both. Built from the national unit lists of ``shared/reference``, pair by pair."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.workbooks import write
from sources.areas.units import Unit, UnitRegistry, registry
from sources.common.text import norm
from sources.reading.reader import ReadResult, read_file
from sources.specs.model import load_specs
from tests.shared_files import shared_path

TELECOM = load_specs()["telecom"]
PRE, POST = "2025-03-01", "2025-07-01"
LEVEL = {PRE: "district", POST: "commune"}  # the level a province shares its name with, before and after the reform
YEAR = {PRE: "2022", POST: "2025"}


@pytest.fixture(scope="module")
def national(tmp_path_factory: pytest.TempPathFactory) -> UnitRegistry:
    return UnitRegistry(shared_path("reference"))


@pytest.fixture(autouse=True)
def _national_lists(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XHS_REFERENCE", str(shared_path("reference")))


def same_name_pairs(units: UnitRegistry, vintage: str) -> list[tuple[Unit, Unit]]:
    """Every (province, unit of that province at the level below it) whose names are the same once normalised
    (``Hoà Bình`` and ``Hòa Bình`` are one name)."""
    provinces = {u.code: u for u in units.units[vintage] if u.level == "province"}
    return sorted(
        (
            (provinces[u.province_code], u)
            for u in units.units[vintage]
            if u.level == LEVEL[vintage] and norm(u.name) == norm(provinces[u.province_code].name)
        ),
        key=lambda pair: (pair[0].code, pair[1].code),
    )


def _file(tmp_path: Path, name: str, rows: list[tuple[str, int]], year: str) -> Path:
    grid = [
        [f"BÁO CÁO SỐ LIỆU VIỄN THÔNG NĂM {year}"],
        ["Đơn vị hành chính", "Thuê bao điện thoại di động"],
        *[[n, v] for n, v in rows],
    ]
    return write(tmp_path / name, grid)


def _on(result: ReadResult) -> dict[str, float]:
    return dict(zip(result.values["area_code"], result.values["value"], strict=True))


def test_every_pair_is_counted(national: UnitRegistry) -> None:
    pre, post = same_name_pairs(national, PRE), same_name_pairs(national, POST)
    assert len(pre) == 31, [p.name for p, _ in pre]  # 31 of the 63 provinces before the reform
    assert sorted(p.name for p, _ in post) == ["Lào Cai", "Phú Thọ", "Quảng Trị"]


@pytest.mark.parametrize("vintage", [PRE, POST])
def test_a_province_row_loads_on_the_province(vintage: str, national: UnitRegistry, tmp_path: Path) -> None:
    """The one-row file of issue #25, for every same-name province: ``Tỉnh X`` is the province, never its city."""
    covered = 0
    for province, twin in same_name_pairs(national, vintage):
        path = _file(tmp_path, f"{province.code}.xlsx", [(province.full_name, 279568)], YEAR[vintage])
        result = read_file(path, TELECOM)
        assert result.errors == [], (province.full_name, result.findings)
        assert _on(result) == {province.code: 279568}, (province.full_name, twin.full_name)
        covered += 1
    assert covered == len(same_name_pairs(national, vintage)) == (31 if vintage == PRE else 3)


@pytest.mark.parametrize("vintage", [PRE, POST])
def test_a_bare_name_among_its_provinces_units_is_the_unit(
    vintage: str, national: UnitRegistry, tmp_path: Path
) -> None:
    """A list of a province's units written bare: the same-name one is the unit, said in a warning naming both."""
    covered = 0
    for province, twin in same_name_pairs(national, vintage):
        units = [u for u in national.units[vintage] if u.province_code == province.code and u.level == twin.level]
        counts: dict[str, int] = {}
        for u in units:
            counts[norm(u.name)] = counts.get(norm(u.name), 0) + 1
        rows = [(u.name, 1000 + i) for i, u in enumerate(units) if counts[norm(u.name)] == 1]
        result = read_file(_file(tmp_path, f"{province.code}_units.xlsx", rows, YEAR[vintage]), TELECOM)
        assert result.errors == [], (province.name, result.errors[:3])
        loaded = _on(result)
        assert province.code not in loaded
        assert loaded[twin.code] == dict(rows)[twin.name]
        said = [f for f in result.findings if f.rule == "same_name_level"]
        assert len(said) == 1 and twin.code in said[0].message_en and province.code in said[0].message_en
        covered += 1
    assert covered == (31 if vintage == PRE else 3)


def test_a_bare_name_alone_is_the_province_and_a_level_word_decides(national: UnitRegistry, tmp_path: Path) -> None:
    alone = read_file(_file(tmp_path, "alone.xlsx", [("Bắc Kạn", 279568)], "2022"), TELECOM)
    assert _on(alone) == {"06": 279568}
    assert [f.rule for f in alone.findings] == ["same_name_level"]
    assert "Thành phố Bắc Kạn (058)" in alone.findings[0].message_en

    city = read_file(_file(tmp_path, "city.xlsx", [("Thành phố Bắc Kạn", 45000)], "2022"), TELECOM)
    assert _on(city) == {"058": 45000} and city.findings == []
    english = read_file(_file(tmp_path, "en.xlsx", [("Bac Kan province", 279568)], "2022"), TELECOM)
    assert _on(english) == {"06": 279568}


def test_a_province_row_under_its_districts_is_its_reported_total(national: UnitRegistry, tmp_path: Path) -> None:
    """``Tỉnh Bắc Kạn`` below the districts: loaded on the province, checked against the districts' sum."""
    districts = [(u.full_name, 1000 * (i + 1)) for i, u in enumerate(national.children(PRE, "06", "district"))]
    total = sum(v for _, v in districts)
    good = read_file(_file(tmp_path, "good.xlsx", [*districts, ("Tỉnh Bắc Kạn", total)], "2022"), TELECOM)
    assert good.errors == []
    assert _on(good) == {**{national_code(national, n): v for n, v in districts}, "06": total}
    bad = read_file(_file(tmp_path, "bad.xlsx", [*districts, ("Tỉnh Bắc Kạn", total + 7)], "2022"), TELECOM)
    assert [f.rule for f in bad.errors] == ["total_mismatch"]

    written = [(n.split(" ", 2)[-1] if n.startswith("Thành phố") else n.split(" ", 1)[-1], v) for n, v in districts]
    assert ("Bắc Kạn", 1000) in written  # the city, written bare too
    bare = read_file(_file(tmp_path, "bare.xlsx", [*written, ("Bắc Kạn", total)], "2022"), TELECOM)
    assert bare.errors == []
    assert _on(bare)["06"] == total and _on(bare)["058"] == 1000  # the sum of the other rows: the province
    said = [f.message_en for f in bare.findings if f.rule == "same_name_level"]
    assert any("sum of the other rows" in m for m in said) and any("its province's units" in m for m in said)


def test_a_level_word_that_names_nothing_at_its_level_is_an_error_saying_so(tmp_path: Path) -> None:
    """After the reform there are no districts: "Thành phố Bắc Kạn" in a 2025-H2 file is not a commune."""
    result = read_file(_file(tmp_path, "after.xlsx", [("Huyện Lào Cai", 5)], "2025"), TELECOM)
    unknown = [f for f in result.errors if f.rule == "unknown_area"]
    assert unknown and "asks for a district" in unknown[0].message_en


def national_code(units: UnitRegistry, full_name: str) -> str:
    return next(u.code for u in units.units[PRE] if u.full_name == full_name and u.province_code == "06")


def test_the_builtin_list_resolves_the_same_way(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XHS_REFERENCE")
    assert registry().folder.name == "builtin"
    result = read_file(_file(tmp_path, "one.xlsx", [("Tỉnh Bắc Kạn", 279568)], "2022"), TELECOM)
    assert _on(result) == {"06": 279568}
