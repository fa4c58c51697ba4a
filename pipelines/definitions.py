"""The Dagster code location: ``dagster definitions validate -m pipelines.definitions`` and ``xhs ui``."""

from __future__ import annotations

import dagster as dg

from assets.raw import raw_files
from assets.staging import staging_assets, staging_checks
from assets.warehouse import warehouse_tables
from pipelines.automation import build_automation
from pipelines.settings import XhsSettings

materialize_all = dg.define_asset_job(
    "materialize_all",
    selection=dg.AssetSelection.all(),
    description="Archive new files, read and stage every source, build and publish the warehouse.",
    executor_def=dg.in_process_executor,
)

nightly, landing_sensor = build_automation(materialize_all)

defs = dg.Definitions(
    assets=[raw_files, *staging_assets, warehouse_tables],
    asset_checks=staging_checks,
    jobs=[materialize_all],
    schedules=[nightly],
    sensors=[landing_sensor],
    resources={"settings": XhsSettings.from_env()},
)
