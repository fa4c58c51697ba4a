"""The Dagster code location: ``dagster definitions validate -m pipelines.definitions`` and ``xhs ui``.

Two jobs, both run the same way whoever launches them (``xhs run``/``xhs publish``, a schedule, the sensor):
``materialize_all`` (archive, read, check, build, publish the warehouse, write the run report) and
``publish_release`` (cut an open-data release from the published warehouse)."""

from __future__ import annotations

import dagster as dg

from assets.feedback import reply_workbooks
from assets.helpers import RUN_HELPERS
from assets.published import lake_and_data_docs
from assets.raw import raw_files
from assets.release import open_data_release
from assets.report import run_report
from assets.settings import XhsSettings
from assets.staging import staging_assets, staging_checks
from assets.warehouse import warehouse_tables, warehouse_work
from pipelines.automation import build_automation
from pipelines.executor import job_executor
from runtime.files import restrict_umask

# The code location is the entry point of every Dagster process that runs this code (code server, run
# workers launched by a daemon that `xhs` did not start): what they write is not world-readable either.
restrict_umask()

materialize_all = dg.define_asset_job(
    "materialize_all",
    selection=dg.AssetSelection.all() - dg.AssetSelection.assets(open_data_release),
    description="Archive new files, read and stage every source, build, check and publish the warehouse, and "
    "write the run report.",
    executor_def=job_executor(),  # multiprocess unless XHS_EXECUTOR=in_process (pipelines/executor.py)
)
publish_release = dg.define_asset_job(
    "publish_release",
    selection=dg.AssetSelection.assets(open_data_release),
    description="Cut a versioned open-data release from the published warehouse.",
    executor_def=dg.in_process_executor,
)

nightly, landing_sensor, release_schedule = build_automation(materialize_all, publish_release)

defs = dg.Definitions(
    assets=[
        raw_files,
        *staging_assets,
        warehouse_work,
        warehouse_tables,
        reply_workbooks,
        lake_and_data_docs,
        run_report,
        open_data_release,
    ],
    asset_checks=staging_checks,
    jobs=[materialize_all, publish_release],
    schedules=[nightly, release_schedule],
    sensors=[landing_sensor],
    resources={"settings": XhsSettings.from_env(), "run_helpers": RUN_HELPERS},
)
