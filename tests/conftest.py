import os

import pytest

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "true")


@pytest.fixture(autouse=True)
def _builtin_units(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests use the built-in unit list unless they set XHS_REFERENCE themselves."""
    monkeypatch.delenv("XHS_REFERENCE", raising=False)


@pytest.fixture(scope="session")
def sample_warehouse(tmp_path_factory: pytest.TempPathFactory):
    """The sample workbooks through ``xhs run`` once per session (about a minute); returns the root folder
    (``landing/``, ``data/``, ``warehouse/xhs.duckdb`` inside). Shared by the release tests."""
    from sources.samples import write_samples
    from tests.pipeline_helpers import run_xhs

    root = tmp_path_factory.mktemp("sample-warehouse")
    write_samples(root / "landing")
    result = run_xhs(root, "run")
    assert result.returncode == 0, result.stdout + result.stderr
    return root


@pytest.fixture(scope="session")
def sample_release(sample_warehouse, tmp_path_factory: pytest.TempPathFactory):
    """``xhs publish`` on the sample warehouse into a fresh folder; returns the release folder."""
    from tests.pipeline_helpers import run_xhs

    out = tmp_path_factory.mktemp("releases")
    result = run_xhs(sample_warehouse, "publish", "--out", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    [release] = [p for p in out.iterdir() if p.is_dir()]
    return release


@pytest.fixture(scope="session")
def quarter_release(tmp_path_factory: pytest.TempPathFactory):
    """The samples plus what a new user tried (issue #16): a 2023-Q4 telecom delivery for Bắc Kạn beside the
    yearly files, and a corrected 2023 file (Ba Bể's smartphones restated); returns the release folder."""
    from sources.samples import write_samples
    from tests.pipeline_helpers import query, run_xhs
    from tests.workbooks import write

    root = tmp_path_factory.mktemp("quarter-release")
    write_samples(root / "landing")
    first = run_xhs(root, "run")
    assert first.returncode == 0, first.stdout + first.stderr
    rows = query(root, "SELECT area_written, max(value) FILTER (field = 'mobile_subscribers'), max(value) FILTER "
                       "(field = 'smartphone_subscribers') FROM stg_telecom WHERE province_code = '06' AND "
                       "period_code = '2023' AND field IN ('mobile_subscribers', 'smartphone_subscribers') "
                       "GROUP BY 1 HAVING count(*) = 2 ORDER BY 1")
    assert len(rows) == 8, rows
    header = ["STT", "Đơn vị hành chính", "Thuê bao di động", "Trong đó: smartphone"]
    quarter = [[i + 1, name, round(m * 0.97), round(s * 0.9)] for i, (name, m, s) in enumerate(rows)]
    write(root / "landing" / "telecom" / "vien_thong_bac_kan_quy_4_2023.xlsx",
          [["BÁO CÁO SỐ LIỆU THUÊ BAO VIỄN THÔNG QUÝ IV/2023"], header, *quarter])
    corrected = [[i + 1, name, m, s + (1000 if "Ba Bể" in name else 0)] for i, (name, m, s) in enumerate(rows)]
    write(root / "landing" / "telecom" / "so_lieu_thue_bao_bac_kan_2023_dinh_chinh.xlsx",
          [["BÁO CÁO SỐ LIỆU THUÊ BAO VIỄN THÔNG NĂM 2023 (ĐÍNH CHÍNH)"], header, *corrected])
    second = run_xhs(root, "run")
    assert second.returncode == 0, second.stdout + second.stderr
    out = tmp_path_factory.mktemp("quarter-releases")
    result = run_xhs(root, "publish", "--out", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    [release] = [p for p in out.iterdir() if p.is_dir()]
    return release
