"""Every Dagster definition loads, and the code location validates as `dagster definitions validate` does."""

import dagster as dg

from pipelines.definitions import defs
from sources.spec import load_specs


def test_definitions_load_every_asset() -> None:
    repo = defs.get_repository_def()
    keys = {k.to_user_string() for k in repo.asset_graph.get_all_asset_keys()}
    assert "raw_files" in keys
    assert {f"stg_{s}" for s in load_specs()} <= keys
    assert {"dim_area", "dim_period", "dim_indicator", "fact_indicator", "fact_indicator_history", "meta_file",
            "meta_finding"} <= keys
    assert defs.resolve_job_def("materialize_all") is not None


def test_warehouse_writers_share_one_pool() -> None:
    repo = defs.get_repository_def()
    node = repo.assets_defs_by_key[dg.AssetKey("fact_indicator")]
    assert node.op.pool == "duckdb_writer"


def test_definitions_validate() -> None:
    dg.Definitions.validate_loadable(defs)
