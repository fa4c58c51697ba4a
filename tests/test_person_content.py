"""Person lists found by their content (issue #12 item 9): a column of Vietnamese full names beside staff codes,
dates of birth or phone numbers is refused as ``personal_data`` whatever its headers say; streets and communes
named after people, and a list of names with counts alone, are read."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from bench.workbooks import write
from sources.intake import mask, read_untrusted
from sources.intake.grid import Sheet
from sources.intake.person_names import content_finding, looks_like_full_name
from sources.intake.personal import person_list_findings

NAMES = [
    "Nguyễn Văn An",
    "Trần Thị Bình",
    "Lê Hoàng Cường",
    "Phạm Thị Dung",
    "Hoàng Văn Em",
    "Vũ Đức Giang",
    "Đặng Thị Hạnh",
    "Bùi Văn Hùng",
    "Đỗ Minh Khoa",
    "Ngô Thị Lan",
]
CODES = [f"NV{123 + 7 * i:04d}" for i in range(len(NAMES))]
PHONES = [f"09{12345678 + 1111 * i}" for i in range(len(NAMES))]
BORN = [dt.date(1970 + 3 * i, 1 + i, 10 + i) for i in range(len(NAMES))]


def staff_sheet(name_header: str = "TÊN NVKT") -> list[list[object]]:
    """A telecom operator's technicians: headers no person-list rule knows, values that are plainly people."""
    return [
        ["DANH SÁCH NHÂN VIÊN KỸ THUẬT TRUNG TÂM VIỄN THÔNG BA BỂ"],
        [],
        ["STT", "Mã NV", name_header, "Tên", "SĐT", "Tổ kỹ thuật"],
        *[
            [i + 1, code, n, n.split()[-1], phone, "Tổ Chợ Rã" if i < 5 else "Tổ Bành Trạch"]
            for i, (code, n, phone) in enumerate(zip(CODES, NAMES, PHONES, strict=True))
        ],
    ]


@pytest.mark.parametrize("name_header", ["TÊN NVKT", "Tên", "Nhân viên"])
def test_a_staff_sheet_is_refused_as_personal_data(tmp_path: Path, name_header: str) -> None:
    path = write(tmp_path / "nvkt_ba_be.xlsx", staff_sheet(name_header))
    findings, sheets = read_untrusted(path, path.name)
    assert sheets is None
    assert [f.rule for f in findings] == ["personal_data"]
    text = json.dumps([f.as_dict() for f in findings], ensure_ascii=False)
    for raw in [*NAMES, *CODES, *PHONES]:
        assert raw not in text


@pytest.mark.parametrize(
    ("header", "values", "kind"),
    [
        ("Mã NV", CODES, "staff codes"),
        ("Mã", [f"KT-{i:03d}" for i in range(len(NAMES))], "staff codes"),
        ("Mã NV", [float(1000 + i) for i in range(len(NAMES))], "staff codes"),  # numbers under a staff-code header
        ("NS", BORN, "dates of birth"),  # date cells
        ("Sinh", [d.strftime("%d/%m/%Y") for d in BORN], "dates of birth"),
        ("Năm sinh", [float(d.year) for d in BORN], "dates of birth"),  # bare years under a birth header
    ],
)
def test_names_beside_a_personal_column_are_refused_by_content(
    tmp_path: Path, header: str, values: list[object], kind: str
) -> None:
    grid = [
        ["Danh sách"],
        ["STT", "Tên", header, "Đơn vị"],
        *[[i + 1, n, v, "Ba Bể"] for i, (n, v) in enumerate(zip(NAMES, values, strict=True))],
    ]
    path = write(tmp_path / "ds.xlsx", grid)
    findings, sheets = read_untrusted(path, path.name)
    assert sheets is None and [f.rule for f in findings] == ["personal_data"], [f.message_en for f in findings]
    [finding] = findings
    assert kind in finding.message_en and "10 full names" in finding.message_en and finding.cell == "B3"
    assert mask(NAMES[0]) in finding.message_en and mask(NAMES[0]) in finding.message_vi
    assert finding.found == mask(NAMES[0]) and NAMES[0] not in finding.message_en + finding.message_vi


def test_names_beside_phone_numbers_are_refused() -> None:
    """Phone numbers as text are refused by the value rule already; under a phone header, numbers that lost their
    leading 0 sit beside the names too."""
    for header, phones in (("Liên lạc", PHONES), ("SĐT", [float(p) for p in PHONES])):
        grid = [["Tên", header], *[[n, p] for n, p in zip(NAMES, phones, strict=True)]]
        finding = content_finding(Sheet("DS", grid), "x.xlsx")
        assert finding is not None and "phone numbers" in finding.message_en
        assert person_list_findings([Sheet("DS", grid)], "x.xlsx")[0].rule == "personal_data"


def test_names_typed_in_capitals_or_without_diacritics_are_names() -> None:
    grid = [["Họ tên nhân viên", "Mã"], *[[n.upper(), c] for n, c in zip(NAMES, CODES, strict=True)]]
    assert content_finding(Sheet("DS", grid), "x.xlsx") is not None
    ascii_names = ["Nguyen Van An", "Tran Thi Binh", "Le Van Cuong", "Pham Thi Dung", "Hoang Van Em"]
    grid = [["Ten", "Ma"], *[[n, c] for n, c in zip(ascii_names, CODES[:5], strict=True)]]
    assert content_finding(Sheet("DS", grid), "x.csv") is not None


COMMUNES = [
    "Lê Lợi",
    "Trần Hưng Đạo",
    "Nguyễn Trãi",
    "Lê Hồng Phong",
    "Phan Đình Phùng",
    "Hoàng Văn Thụ",
    "Trần Phú",
    "Quang Trung",
    "Ngô Quyền",
    "Hạ Long",
]


def test_communes_named_after_people_are_not_a_person_list(tmp_path: Path) -> None:
    """Bare commune names that read like people, beside area codes and figures: read, not refused."""
    assert sum(map(looks_like_full_name, COMMUNES)) >= 6  # they do look like names…
    grid = [
        ["SỐ THUÊ BAO DI ĐỘNG NĂM 2025"],
        ["Mã ĐVHC", "Xã, phường", "Thuê bao di động", "Năm thành lập", "Ngày cập nhật"],
        *[[f"{25000 + 3 * i:05d}", c, 10_000.0 + 37 * i, 1950.0 + 5 * i, "31/12/2025"] for i, c in enumerate(COMMUNES)],
        ["", "Tổng cộng", 100_000.0, None, None],
    ]
    path = write(tmp_path / "tb_2025.xlsx", grid)
    findings, sheets = read_untrusted(path, path.name)
    assert findings == [] and sheets is not None and sheets[0].rows[2][1] == "Lê Lợi"


def test_units_written_with_their_type_are_never_names() -> None:
    for unit in (
        "Huyện Ba Bể",
        "Phường Nguyễn Thị Minh Khai",
        "Phuong Nguyen Thi Minh Khai",
        "Xã Lê Lợi",
        "Thành phố Bắc Kạn",
        "TP. Bắc Kạn",
        "Quận Hoàn Kiếm",
        "Thị xã Phước Long",
        "Thị trấn Chợ Rã",
        "Tỉnh Bắc Kạn",
        "Mã NV",
        "Tên",
        "Nguyễn",
        "nguyễn văn an",
    ):
        assert not looks_like_full_name(unit), unit
    for person in ("Nguyễn Văn An", "NGUYỄN THỊ MINH KHAI", "Ma Văn Kháng", "Nông Thị Hoa", "Huỳnh Tấn Phát"):
        assert looks_like_full_name(person), person


def test_a_list_of_names_with_counts_alone_is_read() -> None:
    """Decided: names with counts but no staff code, date of birth or phone number are not refused. Such a table
    (officials in charge of each commune and their figures) has the shape of a table of streets named after
    people; a second personal column is what makes it a list of people."""
    grid = [
        ["KẾT QUẢ PHÁT TRIỂN THUÊ BAO THEO CÁN BỘ PHỤ TRÁCH"],
        ["STT", "Cán bộ phụ trách", "Thuê bao mới"],
        *[[i + 1, n, 100.0 + i] for i, n in enumerate(NAMES)],
    ]
    assert person_list_findings([Sheet("Biểu 01", grid)], "x.xlsx") == []
    streets = [
        ["Tuyến phố", "Số trạm BTS", "Thuê bao cáp quang"],
        *[[c, 3.0 + i, 120.0 * i] for i, c in enumerate(COMMUNES)],
    ]
    assert person_list_findings([Sheet("Biểu 02", streets)], "x.xlsx") == []


def test_repeated_codes_or_few_values_beside_names_are_not_enough() -> None:
    """A column that repeats one code (a team, a unit) is not a staff code; two dates are not a column of them."""
    team = [["Tên", "Tổ"], *[[n, "TO01"] for n in NAMES]]
    assert content_finding(Sheet("DS", team), "x.xlsx") is None
    sparse = [["Tên", "Ghi chú"], *[[n, "12/03/1985" if i < 2 else "đã nghỉ"] for i, n in enumerate(NAMES)]]
    assert content_finding(Sheet("DS", sparse), "x.xlsx") is None
