"""The warehouse is brought up to date with what changed (issue #14 part 1): after a sequence of deliveries,
corrections, re-deliveries and a rejected file, each built incrementally from the published warehouse, every
table equals what ``xhs run --rebuild`` builds from nothing on the same state."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import openpyxl
import polars as pl
import pytest

from bench.corpus import CASES
from sources.archive.state import StateStore
from sources.staging.stager import staging_parts
from tests.pipeline_helpers import query, run_xhs
from warehouse.lake import NAMESPACE, open_catalog
from warehouse.publish import current_version

pytestmark = pytest.mark.deployment  # make check leaves it out (tests/README.md)

FIRST = [
    "telecom/BC_vien_thong_BacKan_2022.xlsx",
    "telecom/so_lieu_thue_bao_bac_kan_2023.xlsx",
    "telecom/vien_thong_son_la_2023.xlsx",
    "population/Dan_so_ho_GD_BacKan_2022.xlsx",
    "population/dan_so_bac_kan_2023.xlsx",
    "population/dan_so_son_la_2022.xlsx",
    "civil_id/CA_BacKan_ket_qua_cap_CCCD_2022.xlsx",
]
ONE_PROVINCE = ["telecom/vien_thong_ben_tre_2022.xlsx", "population/Dan_so_ho_GD_BenTre_2020.xlsx"]
NATIONAL = ["population/NGTK_dan_so_trung_binh_phan_theo_dia_phuong_2020_2024.xlsx"]


@pytest.fixture(scope="module")
def samples(sample_files: Path) -> Path:
    return sample_files  # written once per pytest run (tests/conftest.py); only copied from


def deliver(samples: Path, root: Path, names: list[str]) -> None:
    for name in names:
        (root / "landing" / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(samples / name, root / "landing" / name)


def corrected(source: Path, target: Path, edits: dict[str, str]) -> None:
    """A copy of a workbook with some cells retyped: a department's corrected file."""
    book = openpyxl.load_workbook(source)
    for cell, text in edits.items():
        book.worksheets[0][cell] = text
    target.parent.mkdir(parents=True, exist_ok=True)
    book.save(target)


def last_build(root: Path) -> dict:
    memo = StateStore(root / "data" / "state.sqlite").memo("warehouse.build")
    assert memo is not None
    return memo["counts_shown"]


def run(root: Path, *args: str) -> dict:
    result = run_xhs(root, "run", *args)
    assert result.returncode in (0, 1), result.stdout + result.stderr
    return last_build(root)


def tables(path: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(path), read_only=True) as con:
        names = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
        return {t: sorted(con.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in names}


def test_incremental_builds_equal_a_rebuild_after_deliveries_corrections_and_rejections(
    samples: Path, tmp_path: Path
) -> None:
    root = tmp_path / "deployment"
    deliver(samples, root, FIRST)
    first = run(root)
    assert first["build"] == "full" and first["work_file"] == "empty"  # nothing published yet
    # the copy the next build starts from, made after the publication: the same bytes as the published file
    ahead = root / "data" / "work" / "xhs-work.duckdb.next"
    assert ahead.read_bytes() == (root / "warehouse" / "xhs.duckdb").read_bytes()

    deliver(samples, root, ONE_PROVINCE)
    second = run(root)
    assert second["build"] == "incremental"
    assert second["work_file"] == "copy made ahead"  # and every table still equals a rebuild's, below
    assert second["files_changed"] == 2
    assert 1 <= second["provinces_recomputed"] <= 2  # Bến Tre (one unit list): not the 97 of a full build

    deliver(samples, root, NATIONAL)  # a national table by province: every province it names is recomputed
    third = run(root)
    [(named,)] = query(
        root,
        "SELECT count(DISTINCT (s.vintage, s.province_code)) FROM stg_population s JOIN meta_file m ON m.sha256 = "
        "s.file_sha256 WHERE m.original_name = ?",
        [Path(NATIONAL[0]).name],
    )
    assert named >= 3 and third["build"] == "incremental" and third["provinces_recomputed"] == named

    # a corrected Bắc Kạn telecom file, the same bytes delivered again under another name, a rejected file
    # (TP. Bắc Kạn's fixed subscribers 1.325 → 1.425, and the total row with it)
    corrected(
        samples / "telecom/so_lieu_thue_bao_bac_kan_2023.xlsx",
        root / "landing/telecom/so_lieu_thue_bao_bac_kan_2023_dinh_chinh.xlsx",
        {"C11": "1.425", "C20": "4.305"},
    )
    shutil.copyfile(samples / FIRST[0], root / "landing" / "telecom" / "BC_vien_thong_BacKan_2022_gui_lai.xlsx")
    [case] = [c for c in CASES if c.name == "text_in_numeric_cell"]
    made = case.make(tmp_path / "made")
    shutil.copyfile(made, root / "landing" / "telecom" / made.name)
    fourth = run(root)
    assert fourth["build"] == "incremental" and fourth["files_changed"] == 3
    restated = query(
        root,
        "SELECT count(*) FROM meta_finding WHERE rule = 'restatement' AND cell = ? AND expected = ? AND found = ?",
        ["C11", "1325.0", "1425.0"],
    )
    assert restated == [(1,)]  # the history kept the old figure and the correction is recorded as one
    statuses = dict(query(root, "SELECT status, count(*) FROM meta_file GROUP BY 1"))
    assert statuses["duplicate"] == 1 and statuses["quarantined"] == 1

    # the lake replaced the recomputed provinces' facts only, and holds what the warehouse holds
    lake = open_catalog(root / "lake").load_table((NAMESPACE, "fact_indicator"))
    summary = lake.current_snapshot().summary
    assert summary["xhs.publication"] == current_version(root / "warehouse" / "xhs.duckdb")
    assert 0 < int(summary["added-records"]) < int(summary["total-records"])  # Bắc Kạn's facts, not all
    in_lake = sorted(
        lake.scan().to_arrow().select(["indicator_code", "area_key", "period_code", "value"]).to_pylist(), key=repr
    )
    facts = query(root, "SELECT indicator_code, area_key, period_code, value FROM fact_indicator")
    assert in_lake == sorted(
        ({"indicator_code": i, "area_key": a, "period_code": p, "value": v} for i, a, p, v in facts), key=repr
    )

    # the staging tables were brought up to date part by part: the same rows as every loaded file's cached read
    for source in ("telecom", "population"):
        loaded = query(root, "SELECT DISTINCT sha256 FROM meta_file WHERE status = 'loaded' AND source = ?", [source])
        cached = [p for (sha,) in loaded for p in (root / "data" / "staging" / "files").glob(f"{sha}.*.parquet")]
        assert len(cached) == len(loaded) > 1
        table = pl.read_parquet(staging_parts(root / "data" / "staging" / f"stg_{source}"))
        assert table.sort(pl.all()).equals(pl.concat([pl.read_parquet(p) for p in cached]).sort(pl.all()))
    check = StateStore(root / "data" / "state.sqlite").memo("stg_telecom.check")
    assert check is not None and 0 < check["outcome"]["rows_checked"] < check["outcome"]["rows"]  # new rows only

    incremental = tmp_path / "incremental.duckdb"
    shutil.copyfile(root / "warehouse" / "xhs.duckdb", incremental)
    assert run(root, "--rebuild")["build"] == "full"
    rebuilt, kept = tables(root / "warehouse" / "xhs.duckdb"), tables(incremental)
    assert list(rebuilt) == list(kept)
    for name in rebuilt:
        assert rebuilt[name] == kept[name], name
    assert len(rebuilt["fact_indicator"]) > 500 and len(rebuilt["meta_finding"]) >= 3


def test_a_rebuild_is_forced_when_nothing_changed_and_a_no_op_leaves_the_file(samples: Path, tmp_path: Path) -> None:
    root = tmp_path / "deployment"
    deliver(samples, root, FIRST[:2])
    run(root)
    published = root / "warehouse" / "xhs.duckdb"
    before = published.stat().st_ino
    versions = sorted((root / "warehouse").rglob("xhs-*.duckdb"))
    run(root)  # nothing new: the published file is not built or published again
    assert published.stat().st_ino == before and sorted((root / "warehouse").rglob("xhs-*.duckdb")) == versions
    assert run(root, "--rebuild")["build"] == "full"
    assert published.stat().st_ino != before
