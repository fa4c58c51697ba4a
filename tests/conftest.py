"""Fixtures shared by the whole suite. The deployments (the sample workbooks through ``xhs run``, and what is
built on them) are built once per pytest run and shared read-only: by every test of one process, and, under
pytest-xdist (``make test`` runs two workers), by both workers through a folder of the run and a lock file
(``built_once``). A test that changes a deployment works on its own copy or its own folder. Tests that need a
deployment (or start the pipeline, the UI, a browser or PostgreSQL) are marked ``deployment``; ``make check``
leaves them out (tests/README.md)."""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "true")
# Tests write the files they run on a moment before: no waiting for uploads to settle (issue #26), except in the
# tests of settling, which set it themselves (tests/test_landing_*.py).
os.environ.setdefault("XHS_SETTLE_SECONDS", "0")
# Commands run here validate in their own process (issue #28's expectations process would import Great Expectations
# again for each of the hundreds of commands the tests run); tests/test_expectations_service.py runs it.
os.environ.setdefault("XHS_EXPECTATIONS_PROCESS", "0")
# Likewise the lake's helper process (``warehouse.lake_process``); tests/test_helper_process.py runs it.
os.environ.setdefault("XHS_LAKE_PROCESS", "0")


def built_once(shared: Path, name: str, build: Callable[[Path], None]) -> Path:
    """``shared/name``, built by ``build`` by the first process of this pytest run that asks for it; the others
    wait for it (a lock file) and reuse it. A build that failed left no ``.done`` mark: the next one starts over."""
    folder, done = shared / name, shared / f"{name}.done"
    with (shared / f"{name}.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not done.exists():
                shutil.rmtree(folder, ignore_errors=True)
                build(folder)
                done.touch()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return folder


@pytest.fixture(scope="session")
def shared_folder(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """A folder of this pytest run that every xdist worker sees (the run's base temporary folder)."""
    base = tmp_path_factory.getbasetemp()
    return base if worker_id == "master" else base.parent


@pytest.fixture(autouse=True)
def _builtin_units(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests use the built-in unit list unless they set XHS_REFERENCE themselves."""
    monkeypatch.delenv("XHS_REFERENCE", raising=False)


@pytest.fixture(scope="session")
def sample_files(shared_folder: Path) -> Path:
    """``xhs samples``: the sample workbooks, written once per run (read-only: copy what you deliver)."""
    from sources.samples import write_samples

    return built_once(shared_folder, "sample-files", write_samples)


def copy_deployment(deployment: Path, root: Path) -> None:
    """``deployment`` copied into ``root`` (landing, data, warehouse, Dagster home; modes kept) to go on from, but
    its lake, whose catalog names the lake's own folder (the copy's next run writes a lake of its own), and its
    releases."""
    shutil.copytree(
        deployment, root, ignore=lambda d, names: {"lake", "releases"} & set(names) if Path(d) == deployment else set()
    )


def _sample_deployment(samples: Path) -> Callable[[Path], None]:
    def build(root: Path) -> None:
        from tests.pipeline_helpers import run_xhs

        shutil.copytree(samples, root / "landing")
        result = run_xhs(root, "run", umask=0o022)  # as a shell starts it: xhs makes its files private itself
        assert result.returncode == 0, result.stdout + result.stderr
        result = run_xhs(root, "publish", "--out", str(root / "releases"), umask=0o022)
        assert result.returncode == 0, result.stdout + result.stderr

    return build


@pytest.fixture(scope="session")
def sample_warehouse(sample_files: Path, shared_folder: Path) -> Path:
    """The sample workbooks through ``xhs run``, then ``xhs publish`` into ``releases/``, once per pytest run;
    returns the root folder (``landing/``, ``data/``, ``warehouse/xhs.duckdb``, ``releases/`` inside). Shared
    read-only by the release, Data Docs, lake, samples, UI and stop tests."""
    return built_once(shared_folder, "sample-warehouse", _sample_deployment(sample_files))


@pytest.fixture(scope="session")
def sample_release(sample_warehouse: Path) -> Path:
    """The release ``xhs publish`` made of the sample warehouse (``releases/<date>-1``)."""
    [release] = [p for p in (sample_warehouse / "releases").iterdir() if p.is_dir()]
    return release


QUARANTINED_NAME = "vt_bac_kan_2021_ban_nhap_sai.xlsx"  # a delivery that fails: its name must stay internal
PERSON_LIST_NAME = "danh_sach_thue_bao_ca_nhan.csv"  # a list of people: restricted quarantine


@pytest.fixture(scope="session")
def guarded_deployment(sample_warehouse: Path, shared_folder: Path) -> Path:
    """A deployment as a data centre has one: the sample deployment (run with umask 022), then a file quarantined
    for a bad cell and a list of people delivered, through ``xhs run`` and ``xhs publish`` (into ``releases/``),
    each started as a process with umask 022. Returns its root; shared read-only (a test that changes it works on
    a copy)."""

    def build(root: Path) -> None:
        from bench.hostile_corpus import person_csv
        from bench.workbooks import write
        from tests.pipeline_helpers import run_xhs

        copy_deployment(sample_warehouse, root)
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
        done = run_xhs(root, "run", umask=0o022, process=True)
        assert done.returncode == 1, done.stdout + done.stderr  # two files quarantined, the rest loaded
        published = run_xhs(root, "publish", "--out", str(root / "releases"), umask=0o022, process=True)
        assert published.returncode == 0, published.stderr

    return built_once(shared_folder, "guarded", build)


@pytest.fixture(scope="session")
def quarter_release(sample_warehouse: Path, shared_folder: Path) -> Path:
    """The samples plus what a new user tried (issue #16): a 2023-Q4 telecom delivery for Bắc Kạn beside the
    yearly files, and a corrected 2023 file (Ba Bể's smartphones restated), delivered to (a copy of) the sample
    deployment, run and published; returns the release folder."""

    def build(root: Path) -> None:
        from bench.workbooks import write
        from tests.pipeline_helpers import query, run_xhs

        copy_deployment(sample_warehouse, root)
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
        result = run_xhs(root, "publish", "--out", str(root / "releases"))
        assert result.returncode == 0, result.stdout + result.stderr

    root = built_once(shared_folder, "quarter-release", build)
    [release] = [p for p in (root / "releases").iterdir() if p.is_dir()]
    return release


DEPLOYMENT_FIXTURES = {"sample_warehouse", "sample_release", "quarter_release", "guarded_deployment", "postgres"}
# The longest modules, longest first (tests/README.md has their timings): started first, so that the two xdist
# workers (make test: --dist loadscope --no-loadscope-reorder, which keeps this order) finish together.
LONGEST_FIRST = (
    "test_postgres_instance",
    "test_runs",
    "test_progress",
    "test_faults",
    "test_stop",
    "test_file_modes",
    "test_pipeline",
    "test_realworld",
    "test_operations",
    "test_landing_run",
    "test_kinds_warehouse",
    "test_bench",
    "test_reverse_proxy",
    "test_incremental",
    "test_up_to_date",
    "test_release_browser",
    "test_release",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test that uses a deployment fixture is a ``deployment`` test, marked or not. The longest modules run
    first, then the other deployment tests, then the rest, otherwise in collection order."""
    for item in items:
        if DEPLOYMENT_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.deployment)

    def rank(item: pytest.Item) -> tuple[int, int]:
        module = item.nodeid.split("::", 1)[0].rsplit("/", 1)[-1].removesuffix(".py")
        if module in LONGEST_FIRST:
            return 0, LONGEST_FIRST.index(module)
        return (1 if item.get_closest_marker("deployment") else 2), 0

    items.sort(key=rank)
