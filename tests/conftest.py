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
