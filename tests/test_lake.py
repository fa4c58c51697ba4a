"""The Iceberg lake written at every publication (issue #15): same rows as DuckDB, a snapshot per publication,
codes that stay text in every reader."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import pyarrow.dataset as ds
import pytest

from bench.workbooks import write
from tests.pipeline_helpers import query, run_xhs
from warehouse.lake import LAKE_TABLES, NAMESPACE, PUBLICATION_PROPERTY, lake_row_counts, open_catalog, write_lake
from warehouse.publish import list_versions

pytestmark = pytest.mark.deployment  # make check leaves it out (tests/README.md)

NAMES = ["TP. Bắc Kạn", "Pác Nặm", "Ba Bể", "Ngân Sơn", "Bạch Thông", "Chợ Đồn", "Chợ Mới", "Na Rì"]


@pytest.fixture(autouse=True)
def _lake_settings(monkeypatch) -> None:
    for key in ("XHS_INSTANCE", "XHS_LAKE_CATALOG", "XHS_LAKE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("POLARS_ICEBERG_PLANNER", "pyiceberg")


def duckdb_counts(warehouse: Path) -> dict[str, int]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {name: con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0] for name in LAKE_TABLES}


def test_the_lake_holds_the_published_warehouse_with_codes_as_text(sample_warehouse: Path) -> None:
    lake = sample_warehouse / "lake"  # xhs run's default: lake/ under the working directory
    assert (lake / "catalog.db").is_file()
    counts = duckdb_counts(sample_warehouse / "warehouse" / "xhs.duckdb")
    assert counts["fact_indicator"] > 10_000
    assert lake_row_counts(lake) == counts

    facts = open_catalog(lake).load_table((NAMESPACE, "fact_indicator"))
    assert [f.name for f in facts.spec().fields] == ["province_code", "period_year"]
    bac_kan = pl.scan_iceberg(facts).filter(pl.col("province_code") == "06").collect()
    assert bac_kan.height > 0 and bac_kan.schema["province_code"] == pl.String
    assert set(bac_kan["province_code"]) == {"06"}
    arrow = facts.scan(row_filter="province_code == '06'").to_arrow()
    assert arrow.schema.field("province_code").type == "string" and set(arrow["province_code"].to_pylist()) == {"06"}
    # The data files read directly, as an engine that guesses partitions from folder names would: no
    # key=value folder exists to turn "06" into 6.
    files = [str(p) for p in (lake / NAMESPACE / "fact_indicator" / "data").rglob("*.parquet")]
    assert files and not any("province_code=" in f for f in files)
    direct = ds.dataset(files, format="parquet", partitioning="hive").to_table()
    assert direct.schema.field("province_code").type == "string"
    assert "06" in set(direct["province_code"].to_pylist())
    hive = pl.scan_parquet(files, hive_partitioning=True).select("province_code").unique().collect()
    assert hive.schema["province_code"] == pl.String and "06" in hive["province_code"].to_list()


def test_each_write_names_the_snapshot_it_committed(sample_warehouse: Path, tmp_path: Path) -> None:
    """``write_lake`` reports the snapshot each commit made from the table it committed to (not read again from
    the catalog: issue #28): the catalog's current snapshot, with as many rows as DuckDB, publication after
    publication."""
    lake = tmp_path / "lake"
    counts = duckdb_counts(sample_warehouse / "warehouse" / "xhs.duckdb")
    for publication in ("first", "second"):
        writes = write_lake(sample_warehouse / "warehouse" / "xhs.duckdb", publication, lake)
        catalog = open_catalog(lake)
        for w in writes:
            current = catalog.load_table((NAMESPACE, w.table)).current_snapshot()
            assert w.written and w.snapshot_id == current.snapshot_id, w
            assert current.summary[PUBLICATION_PROPERTY] == publication
            assert w.rows == counts[w.table] == int(current.summary["total-records"])
    again = write_lake(sample_warehouse / "warehouse" / "xhs.duckdb", "second", lake)
    assert not any(w.written for w in again) and [w.snapshot_id for w in again] == [w.snapshot_id for w in writes]


def test_the_lake_keeps_the_snapshots_of_the_publications_the_warehouse_keeps(
    sample_warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Snapshots of publications the warehouse no longer keeps (``warehouse/versions/``) are expired, together once
    ``EXPIRE_AFTER`` have gathered (issue #28: pyiceberg's commits slow down with every snapshot the metadata lists).
    The publications kept can still be read as published; the lake's rows stay those of DuckDB."""
    import shutil

    import warehouse.lake
    from warehouse.publish import versions_dir

    monkeypatch.setattr(warehouse.lake, "EXPIRE_AFTER", 3)
    published = tmp_path / "warehouse" / "xhs.duckdb"
    published.parent.mkdir()
    shutil.copyfile(sample_warehouse / "warehouse" / "xhs.duckdb", published)
    kept = versions_dir(published)
    kept.mkdir()
    lake = tmp_path / "lake"
    names = [f"xhs-2026010{i}T020000000000Z.duckdb" for i in range(1, 7)]
    for i, name in enumerate(names):
        (kept / name).touch()  # the warehouse keeps the last two publications
        for old in names[: max(0, i - 1)]:
            (kept / old).unlink(missing_ok=True)
        write_lake(published, name, lake)
        table = open_catalog(lake).load_table((NAMESPACE, "fact_indicator"))
        tags = [s.summary[PUBLICATION_PROPERTY] for s in table.snapshots()]
        gone = [t for t in tags if t not in names[max(0, i - 1) : i + 1]]
        assert len(gone) < 3, (i, tags)  # expired as soon as three had gathered
    assert set(tags) <= set(names[-3:]) and tags[-1] == names[-1]
    assert lake_row_counts(lake) == duckdb_counts(published)
    last_of = {t: s.snapshot_id for t, s in zip(tags, table.snapshots(), strict=True)}
    rows = duckdb_counts(published)["fact_indicator"]
    for name in names[-2:]:  # as published, for each publication kept
        assert table.scan(snapshot_id=last_of[name]).to_arrow().num_rows == rows


def deliver(root: Path, year: int) -> None:
    grid = [
        [f"Năm {year}"],
        ["STT", "Đơn vị hành chính", "Thuê bao di động"],
        *[[i + 1, n, 1000 + year] for i, n in enumerate(NAMES)],
    ]
    write(root / "landing" / "telecom" / f"vt_{year}.xlsx", grid)


def test_every_publication_is_one_new_snapshot_with_as_many_rows_as_duckdb(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    facts_after = []
    for year in (2022, 2023):
        deliver(tmp_path, year)
        assert run_xhs(tmp_path, "run").returncode == 0
        assert lake_row_counts(lake) == duckdb_counts(tmp_path / "warehouse" / "xhs.duckdb")
        # the four tables written are said in one log line, one event of the run's Dagster storage (issue #28)
        instance = dg.DagsterInstance.from_config(str(tmp_path / ".dagster"))
        [last] = instance.get_runs(limit=1)
        said = [e.user_message for e in instance.all_logs(last.run_id) if e.user_message.startswith("lake ")]
        assert len(said) == 1 and all(f"{NAMESPACE}.{t} " in said[0] for t in LAKE_TABLES), said
        facts_after.append(query(tmp_path, "SELECT count(*) FROM fact_indicator")[0][0])
    assert facts_after[0] < facts_after[1]
    assert run_xhs(tmp_path, "run").returncode == 0  # nothing new: no new publication, no new snapshot

    table = open_catalog(lake).load_table((NAMESPACE, "fact_indicator"))
    # One commit per publication (an overwrite commits a delete and an append snapshot together, both tagged);
    # the publication's state is the last snapshot tagged with it.
    as_published = {}
    for snapshot in table.snapshots():
        as_published[snapshot.summary[PUBLICATION_PROPERTY]] = snapshot
    published = [v.name for v in list_versions(tmp_path / "warehouse" / "xhs.duckdb")]
    assert list(as_published) == published
    first, second = as_published.values()
    # The second publication replaced only the facts' partitions that changed (Bắc Kạn 2023: new), not every year of
    # the province: its 2022 facts stay in the files the first publication wrote (issue #28).
    assert int(second.summary["added-records"]) == facts_after[1] - facts_after[0]
    assert int(second.summary.get("deleted-records") or 0) == 0
    columns = ["indicator_code", "area_key", "period_code", "value", "file_sha256", "loaded_at", "period_year"]
    in_lake = sorted(table.scan().to_arrow().select(columns).to_pylist(), key=repr)
    with duckdb.connect(str(tmp_path / "warehouse" / "xhs.duckdb"), read_only=True) as con:
        in_duckdb = sorted(
            con.sql(LAKE_TABLES["fact_indicator"][0]).select(*columns).to_arrow_table().to_pylist(), key=repr
        )
    assert in_lake == in_duckdb
    # Time travel: the lake as published the first time.
    assert table.scan(snapshot_id=first.snapshot_id).to_arrow().num_rows == facts_after[0]
    assert table.scan(snapshot_id=second.snapshot_id).to_arrow().num_rows == facts_after[1]
