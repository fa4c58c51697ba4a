"""What is made from each publication of the warehouse, side by side in one step: the lake (Iceberg tables,
``warehouse/lake.py``) and the Data Docs (``assets/docs.py``). The Data Docs are rendered by the command's
expectations process (``expectations.service``), so the lake is written here while that process renders: the
two no longer wait for each other (issue #28: 0.8 s and 0.5 s one after the other at size M)."""

from concurrent.futures import ThreadPoolExecutor

import dagster as dg

from assets.docs import render_data_docs
from assets.faults import step_faults
from assets.settings import TRANSIENT_RETRY, XhsSettings
from assets.warehouse import WAREHOUSE_TABLES, publish_lake
from runtime import progress
from sources.archive.state import StateStore
from warehouse.next_copy import copy_in_background, prepare_next_copy

LAKE, DATA_DOCS = dg.AssetKey("lake"), dg.AssetKey("data_docs")


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            LAKE,
            group_name="warehouse",
            kinds={"iceberg"},
            deps=list(WAREHOUSE_TABLES),
            description="The publication in place as Apache Iceberg tables (lake/, DESIGN §9b): one commit per "
            "publication, tagged with its version; after an incremental build only what it changed is replaced.",
        ),
        dg.AssetSpec(
            DATA_DOCS,
            group_name="report",
            kinds={"html"},
            deps=list(WAREHOUSE_TABLES),
            description="Great Expectations Data Docs (data/docs/index.html, a static site that opens offline): the "
            "validation results of every staging suite and of the fact suite, for each publication of the warehouse "
            "that is kept (warehouse/versions/).",
        ),
    ],
    can_subset=True,
    pool="duckdb_writer",  # the lake's catalog is written by one run at a time, as the warehouse is
    retry_policy=TRANSIENT_RETRY,
)
def lake_and_data_docs(context: dg.AssetExecutionContext, settings: XhsSettings):
    selected = context.selected_asset_keys
    progress.stage(" and ".join(n for k, n in ((LAKE, "lake"), (DATA_DOCS, "data docs")) if k in selected))
    paths = settings.paths()
    with step_faults("lake_and_data_docs", paths.data), ThreadPoolExecutor(2, "beside-lake") as beside:
        docs = beside.submit(render_data_docs, settings, context.run.run_id) if DATA_DOCS in selected else None
        # the next incremental build's copy of this publication: made while the run's last steps go on, and waited
        # for by ``xhs run`` at its end; else made here while this process waits on the lake
        copy = (
            None
            if copy_in_background(paths.warehouse, paths.work_database)
            else beside.submit(prepare_next_copy, paths.warehouse, paths.work_database)
        )
        try:
            if LAKE in selected:
                publish_lake(context, paths.warehouse, paths.lake, StateStore(paths.state))
        finally:
            rendered = docs.result() if docs is not None else None  # waited for, even when the lake failed
            try:
                if copy is not None:
                    copy.result()
            except OSError as exc:  # a full disk: the next build copies the publication itself, as it did before
                context.log.warning(f"no copy of the publication made for the next build: {exc}")
        if rendered is not None:
            yield dg.MaterializeResult(asset_key=DATA_DOCS, metadata=rendered)
        if LAKE in selected:
            yield dg.MaterializeResult(asset_key=LAKE, metadata={"lake": dg.MetadataValue.path(str(paths.lake))})
