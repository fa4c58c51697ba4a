"""The reader's area resolution on real workbooks written by ``bench/workbooks.py``: bare names shared by several
units, code columns, numbered districts among wards of the same number, names one tone mark apart (issues #12, #18)."""

from __future__ import annotations

from pathlib import Path

from bench.workbooks import write
from sources.reading.reader import read_file
from tests.test_reader import TELECOM, values

TRA_VINH = [
    "Trà Vinh",
    "Càng Long",
    "Cầu Kè",
    "Tiểu Cần",
    "Châu Thành",
    "Cầu Ngang",
    "Trà Cú",
    "Duyên Hải",
    "Duyên Hải",
]  # Huyện (850) and Thị xã (851) Duyên Hải share a bare name (issue #18)


def test_an_ambiguous_bare_name_names_every_unit_it_could_be(tmp_path: Path) -> None:
    grid = [["Năm 2022"], ["STT", "Đơn vị", "Di động"], *[[i + 1, n, 100 + i] for i, n in enumerate(TRA_VINH)]]
    result = read_file(write(tmp_path / "tv.xlsx", grid), TELECOM)
    first, second = result.errors
    assert (first.rule, first.cell, second.cell) == ("ambiguous_area", "B10", "B11")
    for finding in (first, second):
        assert "850 Huyện Duyên Hải" in finding.message_en and "851 Thị xã Duyên Hải" in finding.message_en
        assert "Mã ĐVHC" in finding.message_vi and "TX." in finding.message_en
    # the rows follow the official order: the message says what that would give, and nothing is loaded by it
    assert "would make this row 850 Huyện Duyên Hải" in first.message_en
    assert "would make this row 851 Thị xã Duyên Hải" in second.message_en
    assert "851" not in set(result.values["area_code"].to_list())


def test_a_code_column_decides_and_a_type_resolves(tmp_path: Path) -> None:
    codes = ["842", "844", "845", "846", "847", "848", "849", "851", "850"]  # Thị xã first: out of order
    grid = [
        ["Năm 2022"],
        ["Mã ĐVHC", "Đơn vị", "Di động"],
        *[[c, n, 100 + i] for i, (c, n) in enumerate(zip(codes, TRA_VINH, strict=True))],
    ]
    result = read_file(write(tmp_path / "tv.xlsx", grid), TELECOM)
    assert result.errors == []
    assert values(result)[("851", "mobile_subscribers")] == 107 and values(result)[("850", "mobile_subscribers")] == 108
    typed = [*TRA_VINH[:7], "TX. Duyên Hải", "H. Duyên Hải"]
    grid = [["Năm 2022"], ["Đơn vị", "Di động"], *[[n, 100 + i] for i, n in enumerate(typed)]]
    result = read_file(write(tmp_path / "tv2.xlsx", grid), TELECOM)
    assert result.errors == []
    assert values(result)[("851", "mobile_subscribers")] == 107 and values(result)[("850", "mobile_subscribers")] == 108


def test_numbered_districts_are_not_outvoted_by_wards_of_the_same_number(tmp_path: Path) -> None:
    """ "1" in a list of Hồ Chí Minh City's districts is Quận 1, though the city also has many "Phường 1": each row
    votes once for the levels its name could be at (issue #18, found at XL)."""
    from sources.areas.units import UnitRegistry

    units = tmp_path / "units"
    units.mkdir()
    rows = [
        "code,level,name,full_name,name_en,parent_code,province_code",
        "79,province,Hồ Chí Minh,Thành phố Hồ Chí Minh,Ho Chi Minh,,79",
    ]
    for d in (1, 2, 3):
        rows.append(f"76{d},district,{d},Quận {d},{d},79,79")
        rows += [f"2{d}{w:03d},commune,{w},Phường {w},{w},76{d},79" for w in (1, 2, 3)]
    (units / "admin_units_2025-03-01.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    grid = [["Năm 2022"], ["Đơn vị", "Di động"], ["1", 1000], ["2", 2000], ["3", 3000]]
    result = read_file(write(tmp_path / "hcm.xlsx", grid), TELECOM, units=UnitRegistry(units))
    assert result.errors == []
    assert values(result) == {
        ("761", "mobile_subscribers"): 1000,
        ("762", "mobile_subscribers"): 2000,
        ("763", "mobile_subscribers"): 3000,
    }


def test_names_one_tone_mark_apart_are_two_units(tmp_path: Path) -> None:
    """Xã Thanh An and Xã Thạnh An are two communes of Hồ Chí Minh City: a name spelt as the list spells it is that
    unit; only a name without any of the list's accents falls back to the diacritics-free form (found at XL)."""
    from sources.areas.units import UnitRegistry

    units = tmp_path / "units"
    units.mkdir()
    (units / "admin_units_2025-07-01.csv").write_text(
        "\n".join(
            [
                "code,level,name,full_name,name_en,parent_code,province_code",
                "79,province,Hồ Chí Minh,Thành phố Hồ Chí Minh,Ho Chi Minh,,79",
                "25807,commune,Thanh An,Xã Thanh An,Thanh An,79,79",
                "27676,commune,Thạnh An,Xã Thạnh An,Thanh An,79,79",
                "27001,commune,Bình Khánh,Xã Bình Khánh,Binh Khanh,79,79",
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    grid = [
        ["6 tháng cuối năm 2025"],
        ["Xã/Phường", "Di động"],
        ["Xã Thanh An", 1000],
        ["XÃ THẠNH AN", 2000],
        ["Binh Khanh", 3000],
    ]
    result = read_file(write(tmp_path / "hcm.xlsx", grid), TELECOM, units=UnitRegistry(units))
    assert result.errors == []
    assert values(result) == {
        ("25807", "mobile_subscribers"): 1000,
        ("27676", "mobile_subscribers"): 2000,
        ("27001", "mobile_subscribers"): 3000,
    }
