import os

import pytest

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "true")
# Tests write the files they run on a moment before: no waiting for uploads to settle (issue #26), except in the
# tests of settling, which set it themselves (tests/test_landing_*.py).
os.environ.setdefault("XHS_SETTLE_SECONDS", "0")


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


QUARANTINED_NAME = "vt_bac_kan_2021_ban_nhap_sai.xlsx"  # a delivery that fails: its name must stay internal
PERSON_LIST_NAME = "danh_sach_thue_bao_ca_nhan.csv"  # a list of people: restricted quarantine


@pytest.fixture(scope="session")
def guarded_deployment(tmp_path_factory: pytest.TempPathFactory):
    """A deployment as a data centre has one: the samples, a file quarantined for a bad cell and a list of people,
    through ``xhs run`` and ``xhs publish`` (into ``releases/``) started with umask 022. Returns its root."""
    from bench.hostile_corpus import person_csv
    from bench.workbooks import write
    from sources.samples import write_samples
    from tests.pipeline_helpers import run_xhs

    root = tmp_path_factory.mktemp("guarded")
    write_samples(root / "landing")
    names = ["TP. Bắc Kạn", "Pác Nặm", "Ba Bể", "Ngân Sơn", "Bạch Thông", "Chợ Đồn", "Chợ Mới", "Na Rì"]
    write(
        root / "landing" / "telecom" / QUARANTINED_NAME,
        [
            ["Năm 2021"],
            ["STT", "Đơn vị hành chính", "Thuê bao di động", "Thuê bao cố định"],
            *[[i + 1, n, "mười" if i == 3 else 1000 + i, 100] for i, n in enumerate(names)],
        ],
    )
    (root / "landing" / "telecom" / PERSON_LIST_NAME).write_bytes(person_csv())
    done = run_xhs(root, "run", umask=0o022)
    assert done.returncode == 1, done.stdout + done.stderr  # two files quarantined, the rest loaded
    published = run_xhs(root, "publish", "--out", str(root / "releases"), umask=0o022)
    assert published.returncode == 0, published.stderr
    return root


@pytest.fixture(scope="session")
def quarter_release(tmp_path_factory: pytest.TempPathFactory):
    """The samples plus what a new user tried (issue #16): a 2023-Q4 telecom delivery for Bắc Kạn beside the
    yearly files, and a corrected 2023 file (Ba Bể's smartphones restated); returns the release folder."""
    from bench.workbooks import write
    from sources.samples import write_samples
    from tests.pipeline_helpers import query, run_xhs

    root = tmp_path_factory.mktemp("quarter-release")
    write_samples(root / "landing")
    first = run_xhs(root, "run")
    assert first.returncode == 0, first.stdout + first.stderr
    rows = query(
        root,
        "SELECT area_written, max(value) FILTER (field = 'mobile_subscribers'), max(value) FILTER "
        "(field = 'smartphone_subscribers') FROM stg_telecom WHERE province_code = '06' AND "
        "period_code = '2023' AND field IN ('mobile_subscribers', 'smartphone_subscribers') "
        "GROUP BY 1 HAVING count(*) = 2 ORDER BY 1",
    )
    assert len(rows) == 8, rows
    header = ["STT", "Đơn vị hành chính", "Thuê bao di động", "Trong đó: smartphone"]
    quarter = [[i + 1, name, round(m * 0.97), round(s * 0.9)] for i, (name, m, s) in enumerate(rows)]
    write(
        root / "landing" / "telecom" / "vien_thong_bac_kan_quy_4_2023.xlsx",
        [["BÁO CÁO SỐ LIỆU THUÊ BAO VIỄN THÔNG QUÝ IV/2023"], header, *quarter],
    )
    corrected = [[i + 1, name, m, s + (1000 if "Ba Bể" in name else 0)] for i, (name, m, s) in enumerate(rows)]
    write(
        root / "landing" / "telecom" / "so_lieu_thue_bao_bac_kan_2023_dinh_chinh.xlsx",
        [["BÁO CÁO SỐ LIỆU THUÊ BAO VIỄN THÔNG NĂM 2023 (ĐÍNH CHÍNH)"], header, *corrected],
    )
    second = run_xhs(root, "run")
    assert second.returncode == 0, second.stdout + second.stderr
    out = tmp_path_factory.mktemp("quarter-releases")
    result = run_xhs(root, "publish", "--out", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    [release] = [p for p in out.iterdir() if p.is_dir()]
    return release
