"""The CHANGELOG of a release after a department corrects a file and delivers a new period: the corrected
values old → new, the new period, the previous release named."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.workbooks import write
from tests.pipeline_helpers import run_xhs

pytestmark = pytest.mark.deployment  # make check leaves it out (tests/README.md)

NAMES = ["TP. Bắc Kạn", "Pác Nặm", "Ba Bể", "Ngân Sơn", "Bạch Thông", "Chợ Đồn", "Chợ Mới", "Na Rì"]


def telecom(path: Path, year: int, mobile: list[int]) -> Path:
    grid = [
        [f"Năm {year}"],
        ["STT", "Đơn vị hành chính", "Thuê bao di động", "Thuê bao cố định"],
        *[[i + 1, n, mobile[i], 100] for i, n in enumerate(NAMES)],
    ]
    return write(path, grid)


def publish(root: Path) -> Path:
    result = run_xhs(root, "publish", "--out", str(root / "releases"))
    assert result.returncode == 0, result.stderr
    return Path(result.stdout.split(": ", 1)[1].split(" (")[0])


def test_changelog_shows_corrections_and_new_periods(tmp_path: Path) -> None:
    landing = tmp_path / "landing" / "telecom"
    telecom(landing / "vt_2022.xlsx", 2022, [1000] * 8)
    assert run_xhs(tmp_path, "run").returncode == 0
    first = publish(tmp_path)
    assert "Bản phát hành đầu tiên. / First release." in (first / "CHANGELOG.md").read_text(encoding="utf-8")

    telecom(landing / "vt_2022_dinh_chinh.xlsx", 2022, [1000] * 7 + [1500])
    telecom(landing / "vt_2023.xlsx", 2023, [1100] * 8)
    assert run_xhs(tmp_path, "run").returncode == 0
    second = publish(tmp_path)
    assert second.name == first.name[:-1] + "2"
    log = (second / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"Compared with the previous release: {first.name}" in log
    assert "tel_mobile_subscribers 2025-03-01/06 2022: 8,000 → 8,500" in log  # the province total
    assert "tel_mobile_subscribers 2025-03-01/066 2022: 1,000 → 1,500" in log  # Na Rì
    assert "2023: tel_fixed_subscribers, tel_mobile_subscribers" in log
