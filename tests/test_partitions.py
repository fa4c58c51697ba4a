"""Re-running one source and period: Dagster partitions of the staging assets, from the CLI (DESIGN §2, issue 5)."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from sources.staging.stager import staging_parts
from tests.pipeline_helpers import query, run_xhs
from tests.test_operations import deliver

pytestmark = pytest.mark.deployment  # make check leaves it out (tests/README.md)


def cached_reads(root: Path) -> dict[str, int]:
    """The staging cache's values of each file read (``<sha256>.<read key>.parquet``): its inode changes when the
    file is read again."""
    return {p.name.split(".")[0]: p.stat().st_ino for p in (root / "data" / "staging" / "files").glob("*.parquet")}


def file_sha(root: Path, name: str) -> str:
    return query(root, "SELECT sha256 FROM meta_file WHERE original_name = ?", [name])[0][0]


def test_every_delivered_period_is_a_partition_and_can_be_rerun(tmp_path: Path) -> None:
    deliver(tmp_path, 2022)
    deliver(tmp_path, 2023)
    assert run_xhs(tmp_path, "run").returncode == 0
    with dg.DagsterInstance.from_config(str(tmp_path / ".dagster")) as instance:
        assert instance.get_dynamic_partitions("period") == ["2022", "2023"]
        assert instance.get_materialized_partitions(dg.AssetKey("stg_telecom")) == {"2022", "2023"}
        assert instance.get_materialized_partitions(dg.AssetKey("stg_health")) == set()
        events = len(instance.fetch_materializations(dg.AssetKey("stg_telecom"), limit=100).records)
        # each period's materialization counts its own files and rows of the staging table
        shown = {
            r.partition_key: {k: v.value for k, v in r.asset_materialization.metadata.items()}
            for r in instance.fetch_materializations(dg.AssetKey("stg_telecom"), limit=100).records
            if r.partition_key and r.asset_materialization
        }
    staged = pl.read_parquet(staging_parts(tmp_path / "data" / "staging" / "stg_telecom"))
    for period in ("2022", "2023"):
        rows = staged.filter(pl.col("period_code") == period).height
        assert rows > 0 and shown[period] == {"files_loaded": 1, "files_rejected": 0, "rows": rows}, shown
    # A run with nothing new launches no run (issue #14): no period, nothing materialised again.
    second = run_xhs(tmp_path, "run")
    assert second.returncode == 0 and "Nothing new" in second.stdout
    with dg.DagsterInstance.from_config(str(tmp_path / ".dagster")) as instance:
        assert len(instance.fetch_materializations(dg.AssetKey("stg_telecom"), limit=100).records) == events

    facts = query(tmp_path, "SELECT * EXCLUDE (loaded_at) FROM fact_indicator ORDER BY ALL")
    versions = len(list((tmp_path / "warehouse" / "versions").glob("*.duckdb")))
    before = cached_reads(tmp_path)
    table = tmp_path / "data" / "staging" / "stg_telecom"
    table_before = {p.name: p.stat().st_ino for p in staging_parts(table)}
    result = run_xhs(tmp_path, "run", "--source", "telecom", "--period", "2023")
    assert result.returncode == 0, result.stderr
    after = cached_reads(tmp_path)
    sha_2022, sha_2023 = file_sha(tmp_path, "vt_2022.xlsx"), file_sha(tmp_path, "vt_2023.xlsx")
    assert after[sha_2023] != before[sha_2023]  # 2023 read again from the raw archive
    assert after[sha_2022] == before[sha_2022]  # 2022 untouched
    # the part of stg_telecom with the 2023 file made again from the new read (a re-run repairs it)
    table_after = {p.name: p.stat().st_ino for p in staging_parts(table)}
    assert table_after.keys() == table_before.keys() and table_after != table_before
    # Reading the same bytes with the same reader gives the same values: the publication stands as it was.
    assert len(list((tmp_path / "warehouse" / "versions").glob("*.duckdb"))) == versions
    assert query(tmp_path, "SELECT * EXCLUDE (loaded_at) FROM fact_indicator ORDER BY ALL") == facts
    with dg.DagsterInstance.from_config(str(tmp_path / ".dagster")) as instance:
        [run] = instance.get_runs(limit=1)
        assert run.tags.get("dagster/partition") == "2023"

    # A backfill of every period is one run, reading every file again.
    result = run_xhs(tmp_path, "run", "--period", "all", "--source", "telecom")
    assert result.returncode == 0, result.stderr
    again = cached_reads(tmp_path)
    assert again[sha_2022] != after[sha_2022] and again[sha_2023] != after[sha_2023]


def test_a_rerun_of_an_unknown_period_or_source_says_so(tmp_path: Path) -> None:
    deliver(tmp_path, 2022)
    assert run_xhs(tmp_path, "run").returncode == 0
    result = run_xhs(tmp_path, "run", "--period", "1999")
    assert result.returncode == 2
    assert "no period '1999'" in result.stderr and "known: 2022" in result.stderr
    result = run_xhs(tmp_path, "run", "--source", "weather", "--period", "2022")
    assert result.returncode == 2 and "no source 'weather'" in result.stderr
    result = run_xhs(tmp_path, "run", "--source", "telecom")
    assert result.returncode == 2 and "--period" in result.stderr
