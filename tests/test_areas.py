"""Unit lists: the built-in list, XHS_REFERENCE, (vintage, code) keys across the 2025 reform."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from sources.areas.units import BUILTIN_UNITS, UnitRegistry, reference_folder, registry, split_type
from sources.common.periods import as_of, half, year


def test_period_picks_the_unit_list_in_force() -> None:
    units = registry()
    assert units.vintage_for(year(2020)) == "2025-03-01"
    assert units.vintage_for(half(2025, 1)) == "2025-03-01"
    assert units.vintage_for(half(2025, 2)) == "2025-07-01"
    assert units.vintage_for(as_of(2025, 7, 1)) == "2025-07-01"


def test_codes_are_reused_so_units_are_keyed_by_vintage() -> None:
    units = registry()
    old, new = units.get("2025-03-01", "01840"), units.get("2025-07-01", "01840")
    assert old is not None and new is not None
    assert old.key != new.key and old.province_code == "06" and new.province_code == "19"


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("TP. Bắc Kạn", ("thành phố", "bắc kạn")),
        ("Thành phố Bắc Kạn", ("thành phố", "bắc kạn")),
        ("H. Ba Bể", ("huyện", "ba bể")),
        ("TX Mộc Châu", ("thị xã", "mộc châu")),
        ("Ba Bể", (None, "ba bể")),
        ("Xã Hoà Mục", ("xã", "hòa mục")),
        ("Huyện", (None, "huyện")),
    ],
)
def test_written_unit_types(written: str, expected: tuple[str | None, str]) -> None:
    assert split_type(written) == expected


def test_type_prefix_disambiguates_same_names() -> None:
    # Sơn La: "Thành phố Sơn La" is a district; "Mộc Châu" is a town (thị xã) and, pre-reform, a township.
    units = registry()
    province, [city, town] = units.resolve_rows("2025-03-01", ["TP Sơn La", "Thị xã Mộc Châu"], [None, None])
    assert province == "14"
    assert (city.unit.code, town.unit.code) == ("116", "123")


def test_xhs_reference_points_at_full_lists(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for p in BUILTIN_UNITS.glob("*.csv"):
        shutil.copy(p, tmp_path / p.name)
    with (tmp_path / "admin_units_2025-03-01.csv").open("a", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["99", "province", "Thử Nghiệm", "Tỉnh Thử Nghiệm", "Thu Nghiem", "", "99"])
        w.writerow(["990", "district", "Đồi Mây", "Huyện Đồi Mây", "Doi May", "99", "99"])
    monkeypatch.setenv("XHS_REFERENCE", str(tmp_path))
    assert reference_folder() == tmp_path
    province, [match] = registry().resolve_rows("2025-03-01", ["H. Đồi Mây"], [None])
    assert province == "99" and match.unit.full_name == "Huyện Đồi Mây"


def test_missing_reference_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="admin_units_"):
        UnitRegistry(tmp_path)
