"""The reader's core works out each thing once (issue #14): a sheet's header blocks once whatever the spec tried,
each distinct area name once per unit list, each bound column's mapping once per table, number text cast column
by column. These tests read real workbooks (the sample generator's, ``bench/workbooks.py``'s) and check that the
shortcuts give what reading everything afresh gives, and that every finding still names its cell."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.workbooks import write
from sources.areas import units as areas
from sources.areas.units import UnitRegistry, registry
from sources.intake.grid import Sheet, cell_text
from sources.reading.columns import _match
from sources.reading.reader import read_file
from sources.samples import write_samples
from sources.specs.model import load_specs

TELECOM = load_specs()["telecom"]


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return write_samples(tmp_path_factory.mktemp("samples"))


def _read(path: Path, spec=None, units: UnitRegistry | None = None) -> tuple[list, list]:
    result = read_file(path, spec, units=units)
    values = sorted(result.values.rows(), key=repr)
    return values, [f.as_dict() for f in result.findings]


def test_spec_unknown_reads_every_sample_as_its_own_spec_does(samples: list[Path]) -> None:
    """With no spec every department's spec is tried on the same sheets, whose header blocks are worked out once
    and shared: the chosen table must read exactly as when the department is known."""
    specs = load_specs()
    compared = 0
    for path in samples:
        spec = specs.get(path.parent.name)
        if spec is None:
            continue
        assert _read(path, None) == _read(path, spec), path.name
        compared += 1
    assert compared >= len(samples) - 2  # every department's samples, not a handful


def test_a_registry_shared_by_many_files_resolves_as_a_fresh_one(samples: list[Path]) -> None:
    """Area names are looked up once per unit list and remembered across the files of a run: a file read after
    many others reads as it does with a registry that has seen nothing."""
    shared = registry()
    for path in samples:
        _read(path, load_specs().get(path.parent.name), shared)
    assert shared._candidates  # the run's names are remembered
    for path in samples[::7]:
        spec = load_specs().get(path.parent.name)
        fresh = UnitRegistry(shared.folder)
        assert _read(path, spec, shared) == _read(path, spec, fresh), path.name


def test_the_name_memo_is_bounded_and_reads_the_same_when_cleared(
    samples: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(areas, "MAX_MEMO", 3)
    units = UnitRegistry(registry().folder)
    path = next(p for p in samples if p.parent.name == "population")
    spec = load_specs()["population"]
    first = _read(path, spec, units)
    assert len(units._candidates) <= 3 and len(units.province_memo) <= 3
    assert _read(path, spec, units) == first == _read(path, spec, UnitRegistry(units.folder))


def test_one_column_of_numbers_text_no_data_and_junk_is_cast_cell_by_cell(tmp_path: Path) -> None:
    """One bound column holding number cells, Vietnamese number text, no-data marks and junk: each cell keeps its
    own value and address, and only the junk is an error, naming its cell."""
    grid = [
        ["Năm 2022"],
        ["Đơn vị", "Di động", "Cáp quang (km)"],
        ["Thành phố Bắc Kạn", 1500.0, "6.233"],
        ["Huyện Pác Nặm", "1.234.567", 6.233],
        ["H. Ba Bể", "-", "90,5"],
        ["Ngân Sơn", "62,5 %", "12abc"],
        ["Huyện Bạch Thông", "..", "1,234,567"],
        ["Chợ Đồn", " 279 568 ", "x"],
    ]
    result = read_file(write(tmp_path / "mixed.xlsx", grid), TELECOM)
    got = {(r["area_code"], r["field"]): (r["value"], r["cell"]) for r in result.values.iter_rows(named=True)}
    assert got[("058", "mobile_subscribers")] == (1500.0, "B3")
    assert got[("058", "fibre_km")] == (6233.0, "C3")  # text: the dot groups thousands
    assert got[("060", "mobile_subscribers")] == (1234567.0, "B4")
    assert got[("060", "fibre_km")] == (pytest.approx(6.233), "C4")  # a number cell is not re-read as text
    assert got[("061", "mobile_subscribers")] == (None, "B5")
    assert got[("061", "fibre_km")] == (90.5, "C5")
    assert got[("062", "mobile_subscribers")] == (62.5, "B6")
    assert got[("062", "fibre_km")] == (None, "C6")
    assert got[("063", "fibre_km")] == (1234567.0, "C7")
    assert got[("064", "mobile_subscribers")] == (279568.0, "B8")
    [bad] = [f for f in result.errors if f.rule == "not_a_number"]
    assert (bad.cell, bad.found, bad.sheet) == ("C6", "12abc", "Biểu 01")


def test_row_texts_are_made_once_and_match_the_cells() -> None:
    sheet = Sheet("s", [[1.0, " Ba Bể ", None, 2.5], []])
    texts = sheet.row_texts(0)
    assert texts == [cell_text(v) for v in sheet.rows[0]] == ["1", "Ba Bể", "", "2.5"]
    assert sheet.row_texts(0) is texts and sheet.row_texts(1) == [] and sheet.row_texts(5) == []


def test_header_memo_is_per_spec_object_not_per_spec_value() -> None:
    """Header paths are remembered per spec object: a spec loaded anew with other aliases is never answered from
    the old one's memo, even when the old object is gone and its id is reused."""
    path = ["Thuê bao di động"]
    field, score = _match(TELECOM, path)
    assert field is not None and field.name == "mobile_subscribers" and score > 0
    for _ in range(3):
        renamed = TELECOM.model_copy(
            update={
                "fields": tuple(
                    f.model_copy(update={"aliases": ("Không khớp gì",)}) if f.name == "mobile_subscribers" else f
                    for f in TELECOM.fields
                )
            }
        )
        other, _ = _match(renamed, path)
        assert other is None or other.name != "mobile_subscribers"
        del renamed
    assert _match(TELECOM, path) == (field, score)
