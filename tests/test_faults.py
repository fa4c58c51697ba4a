"""Faults on a small deployment (issue #17). Damaged records: a truncated state store, a manifest that is not a
database, a truncated cached read and an object whose bytes changed on disk are named by ``xhs doctor`` in both
languages (exit 1); ``xhs run`` sets a damaged store aside (kept) and rebuilds it, reads a truncated cached read
again, and loads the same values; ``xhs doctor --repair`` mends a damaged object from the landing folder (exit 0).
Two runs at once give the tables of one; runs killed or stopped at seeded random moments converge."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.fault_helpers import fact_values, file_statuses, misnamed_objects, xhs_env
from tests.pipeline_helpers import run_xhs

pytestmark = pytest.mark.deployment  # make check leaves it out (tests/README.md)

FILES = (
    "population/dan_so_bac_kan_2023.xlsx",
    "telecom/BC_vien_thong_BacKan_2022.xlsx",
    "telecom/so_lieu_thue_bao_bac_kan_2023.xlsx",
)


@pytest.fixture(scope="module")
def published(sample_files: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("published")
    for name in FILES:
        (root / "landing" / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(sample_files / name, root / "landing" / name)
    result = run_xhs(root, "run")
    assert result.returncode == 0, result.stdout + result.stderr
    return root


def test_damaged_stores_and_cached_reads_are_named_set_aside_and_rebuilt(published: Path, tmp_path: Path) -> None:
    root = tmp_path / "deployment"
    shutil.copytree(published, root)
    data = root / "data"
    expected_values = fact_values(root / "warehouse" / "xhs.duckdb")
    expected_files = file_statuses(root / "warehouse" / "xhs.duckdb")
    state, manifest = data / "state.sqlite", data / "raw" / "manifest.sqlite"
    for store in (state, manifest):
        for side in ("-wal", "-shm"):
            Path(f"{store}{side}").unlink(missing_ok=True)
    os.truncate(state, state.stat().st_size // 2)
    manifest.write_bytes(b"this is not a database, it was overwritten")
    cached = sorted((data / "staging" / "files").glob("*.parquet"))[0]
    os.truncate(cached, cached.stat().st_size // 2)

    found = run_xhs(root, "doctor")
    assert found.returncode == 1, found.stdout + found.stderr
    assert f"{state}: damaged database" in found.stdout and "cơ sở dữ liệu bị hỏng" in found.stdout, found.stdout
    assert f"{manifest}: damaged database: file is not a database" in found.stdout, found.stdout
    assert f"{cached}: cached read damaged" in found.stdout and "bản đọc lưu tạm bị hỏng" in found.stdout

    again = run_xhs(root, "run")
    assert again.returncode == 0, again.stdout + again.stderr
    assert fact_values(root / "warehouse" / "xhs.duckdb") == expected_values
    assert file_statuses(root / "warehouse" / "xhs.duckdb") == expected_files
    kept = sorted(p.name for p in [*data.glob("state.sqlite.damaged-*"), *data.glob("raw/manifest.sqlite.damaged-*")])
    assert [n.split(".damaged-")[0] for n in kept if not n.endswith(("-wal", "-shm"))] == [
        "manifest.sqlite",
        "state.sqlite",
    ]
    healthy = run_xhs(root, "doctor")
    assert healthy.returncode == 0, healthy.stdout + healthy.stderr
    assert "all is well / mọi thứ đều ổn" in healthy.stdout


def test_doctor_repair_puts_back_an_object_damaged_on_disk(published: Path, tmp_path: Path) -> None:
    root = tmp_path / "deployment"
    shutil.copytree(published, root)
    damaged = sorted((root / "data" / "raw" / "objects").glob("*/*.xlsx"))[0]
    damaged.chmod(0o644)
    with damaged.open("r+b") as f:
        f.seek(200)
        f.write(b"\xff\xff")
    assert misnamed_objects(root / "data") == [damaged]

    found = run_xhs(root, "doctor")
    assert found.returncode == 1
    assert f"{damaged}: bytes do not hash to their name" in found.stdout, found.stdout
    mended = run_xhs(root, "doctor", "--repair")
    assert mended.returncode == 0, mended.stdout + mended.stderr
    assert "copied again from the landing folder / đã sao chép lại từ thư mục tiếp nhận" in mended.stdout
    assert not misnamed_objects(root / "data")
    assert len(list((root / "data" / "raw" / "damaged").iterdir())) == 1  # the damaged bytes are kept


def test_two_runs_started_at_once_give_the_tables_of_one(published: Path, tmp_path: Path) -> None:
    """Two ``xhs run`` on the same deployment at the same moment (a cron run and an operator's): both complete,
    and the warehouse holds what one run gives."""
    root = tmp_path / "deployment"
    shutil.copytree(published / "landing", root / "landing")
    env = xhs_env(root)
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "pipelines.cli", "run"],
            env=env,
            cwd=root,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    for proc in runs:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, out + err
    assert fact_values(root / "warehouse" / "xhs.duckdb") == fact_values(published / "warehouse" / "xhs.duckdb")
    assert file_statuses(root / "warehouse" / "xhs.duckdb") == file_statuses(published / "warehouse" / "xhs.duckdb")
    assert not misnamed_objects(root / "data")


def test_runs_killed_or_stopped_at_random_points_converge(published: Path, tmp_path: Path) -> None:
    """SIGKILL and SIGTERM at seeded random moments over several runs on a fresh deployment; after each: the
    published file opens and is absent, or what a complete run publishes; every archived object hashes to its
    name. Then one run goes on to the tables of a run that was never stopped."""
    rng = random.Random(17)
    root = tmp_path / "deployment"
    shutil.copytree(published / "landing", root / "landing")
    expected = fact_values(published / "warehouse" / "xhs.duckdb")
    warehouse = root / "warehouse" / "xhs.duckdb"
    for _ in range(4):
        signum = rng.choice([signal.SIGKILL, signal.SIGTERM])
        proc = subprocess.Popen(
            [sys.executable, "-m", "pipelines.cli", "run"],
            env=xhs_env(root),
            cwd=root,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(rng.uniform(4, 20))
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=60)
        # 143: stopped at a safe point; -15: the signal came before xhs took it over; 0: it had finished
        allowed = {-signal.SIGKILL, 0} if signum == signal.SIGKILL else {143, -signal.SIGTERM, 0}
        assert proc.returncode in allowed, (signum, proc.returncode, out + err)
        if warehouse.exists():
            assert fact_values(warehouse) == expected
        assert not [p for p in misnamed_objects(root / "data") if not p.name.startswith(".tmp-")]
    final = run_xhs(root, "run")
    assert final.returncode == 0, final.stdout + final.stderr
    assert fact_values(warehouse) == expected
    assert file_statuses(warehouse) == file_statuses(published / "warehouse" / "xhs.duckdb")
    mended = run_xhs(root, "doctor", "--repair")  # a temporary file a SIGKILL left is removed
    assert mended.returncode == 0, mended.stdout + mended.stderr
