"""``xhs run`` works in proportion to what changed (issue #14 parts 1 and 3): with nothing new it launches no
Dagster run and opens nothing; with new files in one department's folder only that department's staging step
runs; a changed file, an edited spec or a file at the top of the landing folder are noticed."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import pytest

from pipelines.home import ensure_dagster_home, open_instance
from tests.pipeline_helpers import run_xhs

pytestmark = pytest.mark.deployment  # make check leaves it out (tests/README.md)

FIRST = ["telecom/BC_vien_thong_BacKan_2022.xlsx", "population/Dan_so_ho_GD_BacKan_2022.xlsx"]


@pytest.fixture(scope="module")
def samples(sample_files: Path) -> Path:
    return sample_files  # written once per pytest run (tests/conftest.py); only copied from


def deliver(samples: Path, root: Path, name: str, as_name: str | None = None) -> None:
    target = root / "landing" / (as_name or name)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(samples / name, target)


def runs(root: Path) -> list[dg.DagsterRun]:
    with open_instance(ensure_dagster_home(root / ".dagster")) as instance:
        return list(instance.get_runs())


def steps_of_last_run(root: Path) -> set[str]:
    with open_instance(ensure_dagster_home(root / ".dagster")) as instance:
        [last, *_] = instance.get_runs(limit=1)
        events = instance.all_logs(last.run_id, of_type=dg.DagsterEventType.STEP_START)
        return {e.step_key for e in events if e.step_key}


def run(root: Path) -> str:
    result = run_xhs(root, "run")
    assert result.returncode in (0, 1), result.stdout + result.stderr  # 1: a file was quarantined
    return result.stdout


def test_nothing_new_launches_no_run_and_new_files_run_their_department_only(samples: Path, tmp_path: Path) -> None:
    root = tmp_path / "deployment"
    for name in FIRST:
        deliver(samples, root, name)
    run(root)
    assert {"stg_telecom", "stg_population", "stg_health"} <= steps_of_last_run(root)  # first run: everything
    published = root / "warehouse" / "xhs.duckdb"
    before = published.stat()

    out = run(root)
    assert "Nothing new" in out and "Không có gì mới" in out
    assert len(runs(root)) == 1 and published.stat() == before  # no Dagster run, the warehouse not opened

    deliver(samples, root, "telecom/so_lieu_thue_bao_bac_kan_2023.xlsx")
    assert "Nothing new" not in run(root)
    steps = steps_of_last_run(root)
    assert {"raw_files", "stg_telecom", "stg_telecom_checks", "warehouse_work", "run_report"} <= steps
    assert not {s for s in steps if s.startswith("stg_") and not s.startswith("stg_telecom")}

    # the same name with other bytes (a department replaced its file): noticed by size and modification time
    deliver(samples, root, "telecom/vien_thong_bac_kan_2024.xlsx", as_name="telecom/so_lieu_thue_bao_bac_kan_2023.xlsx")
    assert "Nothing new" not in run(root) and len(runs(root)) == 3

    # a file at the top of the landing folder: its department is known only once read, so every one runs
    deliver(samples, root, "health/BC_HSSKDT_BacKan_2021.xlsx", as_name="BC_HSSKDT_BacKan_2021.xlsx")
    run(root)
    assert {"stg_telecom", "stg_health", "stg_population"} <= steps_of_last_run(root)
    assert "Nothing new" in run(root) and len(runs(root)) == 4


def test_a_replaced_warehouse_or_a_rebuild_runs_again(samples: Path, tmp_path: Path) -> None:
    root = tmp_path / "deployment"
    deliver(samples, root, FIRST[0])
    run(root)
    published = root / "warehouse" / "xhs.duckdb"
    shutil.copyfile(published, tmp_path / "copy.duckdb")
    shutil.copyfile(tmp_path / "copy.duckdb", published)  # someone put a file in its place
    assert "Nothing new" not in run(root) and len(runs(root)) == 2
    assert "Nothing new" in run(root)
    result = run_xhs(root, "run", "--rebuild")
    assert result.returncode == 0 and "Nothing new" not in result.stdout and len(runs(root)) == 3


def test_the_archive_hashes_only_files_it_has_not_seen_in_that_state(
    samples: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    import sources.archive.raw as archive_module
    from sources.archive.raw import RawArchive

    landing = tmp_path / "landing"
    for name in FIRST:
        deliver(samples, tmp_path, name)
    archive = RawArchive(tmp_path / "raw")
    hashed: list[str] = []
    real = archive_module.sha256_of_opened
    monkeypatch.setattr(archive_module, "sha256_of_opened", lambda f: hashed.append(f.name) or real(f))
    new, _ = archive.ingest(landing)
    assert len(new) == 2 and len(hashed) == 2
    hashed.clear()
    assert archive.ingest(landing) == ([], []) and hashed == []  # the same names, sizes and times: not hashed

    # a department overwrites a file in place: new bytes, new modification time → hashed, archived as new bytes
    target = landing / FIRST[0]
    shutil.copyfile(samples / "telecom/vien_thong_bac_kan_2024.xlsx", target)
    os.utime(target, ns=(target.stat().st_atime_ns, target.stat().st_mtime_ns + 10**9))
    new, _ = archive.ingest(landing)
    assert hashed == [target.name] and len(new) == 1 and len(archive.all()) == 3


def test_damage_found_by_doctor_is_mended_by_the_next_run(samples: Path, tmp_path: Path) -> None:
    import os

    root = tmp_path / "deployment"
    deliver(samples, root, FIRST[0])
    run(root)
    cached = sorted((root / "data" / "staging" / "files").glob("*.parquet"))[0]
    os.truncate(cached, cached.stat().st_size // 2)  # nothing else changed: the landing folder says "nothing new"
    assert run_xhs(root, "doctor").returncode == 1
    assert "Nothing new" not in run(root)  # doctor forgot the last run: the run reads the damaged read again
    healthy = run_xhs(root, "doctor")
    assert healthy.returncode == 0, healthy.stdout + healthy.stderr
