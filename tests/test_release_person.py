"""Person-level strings in a delivered file (a notes column, the preparer's name, an ID number, a phone number,
the file name) never appear in a release — in any file, the Excel workbook unzipped and the Parquet files
read as bytes — and the small counts of that file are suppressed below province level."""

from __future__ import annotations

import zipfile
from pathlib import Path

import polars as pl
import pytest

from bench.workbooks import write
from tests.pipeline_helpers import query, run_xhs

pytestmark = pytest.mark.deployment  # make check leaves it out (tests/README.md)

NAMES = ["TP. Bắc Kạn", "Pác Nặm", "Ba Bể", "Ngân Sơn", "Bạch Thông", "Chợ Đồn", "Chợ Mới", "Na Rì"]
PERSON = ["Nguyễn Thị Hoà", "Trần Văn Bình", "001203004567", "0912345678", "Lê Thị Mai", "Phạm Quốc Khánh"]
FILE = "bao_cao_pham_quoc_khanh_2023.xlsx"


def health_file(path: Path) -> Path:
    records = [7, 0, 1234, 56, 9, 10, 12, 20000]
    rows = [
        [i + 1, name, records[i], f"Liên hệ {PERSON[1]}, CCCD {PERSON[2]}" if i == 2 else None]
        for i, name in enumerate(NAMES)
    ]
    grid = [
        ["SỞ Y TẾ TỈNH BẮC KẠN"],
        [f"Người lập biểu: {PERSON[0]}"],
        ["BÁO CÁO HỒ SƠ SỨC KHỎE ĐIỆN TỬ"],
        ["Năm 2023"],
        ["STT", "Đơn vị hành chính", "Số hồ sơ sức khỏe điện tử đã tạo lập", "Ghi chú"],
        *rows,
        [None, "Tổng cộng", sum(records), None],
        [],
        [f"Ghi chú: số điện thoại liên hệ {PERSON[3]}"],
        [None, "NGƯỜI LẬP BIỂU", None, "THỦ TRƯỞNG ĐƠN VỊ"],
        [None, PERSON[4], None, PERSON[5]],
    ]
    return write(path, grid)


def release_texts(release: Path) -> dict[str, str]:
    """Every file of the release as text: xlsx members unzipped, Parquet values and metadata read back."""
    texts = {}
    for path in release.rglob("*"):
        if not path.is_file():
            continue
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as z:
                for member in z.namelist():
                    texts[f"{path.name}!{member}"] = z.read(member).decode("utf-8", errors="replace")
        elif path.suffix == ".parquet":  # compressed: read the values (and the file's metadata) back as text
            frame = pl.read_parquet(path)
            texts[str(path.relative_to(release))] = frame.write_csv() + str(pl.read_parquet_metadata(path))
        else:
            texts[str(path.relative_to(release))] = path.read_bytes().decode("utf-8", errors="replace")
    return texts


def test_person_level_strings_never_reach_a_release(tmp_path: Path) -> None:
    health_file(tmp_path / "landing" / "health" / FILE)
    result = run_xhs(tmp_path, "run")
    assert result.returncode == 0, result.stdout + result.stderr
    # The reader loaded past the notes, and the file name (with a person's name) is in the warehouse.
    assert query(tmp_path, "SELECT original_name, status FROM meta_file") == [(FILE, "loaded")]
    publish = run_xhs(tmp_path, "publish", "--out", str(tmp_path / "releases"))
    assert publish.returncode == 0, publish.stderr
    [release] = (tmp_path / "releases").iterdir()

    texts = release_texts(release)
    assert len(texts) > 10
    # The search does look inside the workbook and the Parquet files (a string that is released is found).
    assert any("Huyện Ba Bể" in t for n, t in texts.items() if n.endswith(".parquet"))
    assert any("Huyện Ba Bể" in t for n, t in texts.items() if n.startswith("xhs-indicators.xlsx!"))
    needles = [*PERSON, FILE, "pham_quoc_khanh"]
    leaks = [(needle, name) for name, text in texts.items() for needle in needles if needle in text]
    assert leaks == []

    released = pl.read_parquet(release / "data" / "hlt_ehr_records.parquet").sort("area_code")
    districts = dict(
        zip(
            released.filter(pl.col("area_level") == "district")["area_name"],
            zip(
                released.filter(pl.col("area_level") == "district")["value"],
                released.filter(pl.col("area_level") == "district")["flag"],
                strict=True,
            ),
            strict=True,
        )
    )
    assert districts["Thành phố Bắc Kạn"] == (None, "suppressed")  # 7
    assert districts["Huyện Pác Nặm"] == (0, "")  # 0 is published
    assert districts["Huyện Ba Bể"] == (1235, "rounded")  # 1234
    assert districts["Huyện Bạch Thông"] == (None, "suppressed")  # 9
    assert districts["Huyện Chợ Mới"] == (10, "rounded")  # 12
    [province] = released.filter(pl.col("area_level") == "province")["value"].to_list()
    assert province == 7 + 0 + 1234 + 56 + 9 + 10 + 12 + 20000  # exact
