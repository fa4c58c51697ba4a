"""How the steps of a run execute: the one place that chooses (issue #15).

``multiprocess`` (the job's default, for runs the daemon and the UI launch): every step in its own process, at
most ``XHS_MAX_PROCESSES`` at once (default: the number of CPUs), so the per-department ``stg_<source>`` steps run
side by side; the DuckDB writer stays one at a time through its ``duckdb_writer`` pool.
``in_process``: every step in the calling process, one after the other: ``xhs run``'s default (a delivery of a
few files pays more for forked steps than it wins, and a stop signal reaches the steps at their next safe point).
``XHS_EXECUTOR`` sets either for both. A run of the job can also ask for ``in_process`` in its run config
(``execution: config: in_process: true``): the landing sensor does for a small delivery (``IN_PROCESS_RUN``), and an
operator can in the UI's launchpad."""

from __future__ import annotations

import os

import dagster as dg

from assets.execution import EXECUTOR_ENV, IN_PROCESS, IN_PROCESS_RUN, MULTIPROCESS, executor_kind
from runtime import progress

__all__ = [
    "EXECUTOR_ENV",
    "IN_PROCESS",
    "IN_PROCESS_RUN",
    "MULTIPROCESS",
    "execute_materialize_all",
    "executor_kind",
    "job_executor",
    "materialize_all_job",
    "selected_assets",
    "settings_config",
]

MAX_PROCESSES_ENV = "XHS_MAX_PROCESSES"
# Imported once by the forkserver, then inherited by every step it forks (Great Expectations alone costs ~3 s).
PRELOAD = ["pipelines.definitions", "great_expectations"]


def job_executor() -> dg.ExecutorDefinition:
    """The executor of the ``materialize_all`` job, for every way it is launched (CLI, UI, schedule, sensor):
    Dagster's ``multi_or_in_process_executor``, multiprocess by default, in-process when the run's config says
    ``in_process: true`` (``IN_PROCESS_RUN``)."""
    if executor_kind() == IN_PROCESS:
        return dg.in_process_executor
    max_processes = int(os.environ.get(MAX_PROCESSES_ENV) or 0) or None
    # forkserver: each step forks from a server that has imported the code location once, instead of a fresh
    # interpreter importing Dagster, Polars and the specs per step.
    multiprocess = {"max_concurrent": max_processes, "start_method": {"forkserver": {"preload_modules": PRELOAD}}}

    def chosen(config: dict) -> dict:
        return {IN_PROCESS: {}} if config[IN_PROCESS] else {MULTIPROCESS: multiprocess}

    return dg.multi_or_in_process_executor.configured(
        chosen,
        name="xhs_multiprocess",
        config_schema={
            IN_PROCESS: dg.Field(
                bool,
                default_value=False,
                description="Every step in the run's own process, one after the other, instead of a process per "
                "step: faster for a delivery of a few files (the landing sensor asks for it then).",
            )
        },
    )


def materialize_all_job() -> dg.JobDefinition:
    """The job as a module-level function, so the multiprocess executor can rebuild it in its workers."""
    from pipelines.definitions import defs

    return defs.resolve_job_def("materialize_all")


def execute_materialize_all(
    instance: dg.DagsterInstance,
    settings: dg.ConfigurableResource,
    run_config: dict,
    tags: dict[str, str] | None = None,
    departments: set[str] | None = None,
):
    """Run ``materialize_all`` on ``instance`` for ``xhs run``: in this process unless ``XHS_EXECUTOR=multiprocess``
    (a delivery of a few files pays more for forking the steps than it wins, and a stop signal reaches an
    in-process run's steps at their next safe point); returns Dagster's result. With ``departments``, only
    their staging steps run (with their checks), besides the archive, the warehouse and what follows it."""
    selection = None if departments is None else selected_assets(departments)
    # the settings as run config (the job's resource configured for this run), as the worker processes get them
    config = {**run_config, "resources": {"settings": {"config": settings_config(settings)}}}
    if executor_kind(default=IN_PROCESS) == IN_PROCESS:
        return materialize_all_job().execute_in_process(
            instance=instance, raise_on_error=False, run_config=config, tags=tags, asset_selection=selection
        )
    progress.in_step_processes()  # plain progress lines: several processes cannot share one live line
    # Not entered as a context manager: only the events are read, and they are in the result already.
    return dg.execute_job(
        dg.reconstructable(materialize_all_job),
        instance=instance,
        run_config=config,
        raise_on_error=False,
        tags=tags,
        asset_selection=selection,
    )


def selected_assets(departments: set[str]) -> list[dg.AssetKey]:
    """Every asset of ``materialize_all`` but the staging assets of other departments."""
    from sources.specs.model import load_specs

    others = {f"stg_{s}" for s in load_specs() if s not in departments}
    keys = materialize_all_job().asset_layer.executable_asset_keys
    return sorted(k for k in keys if k.to_user_string() not in others)


def settings_config(settings: dg.ConfigurableResource) -> dict:
    """The resource's fields as run config: the worker processes get the same folders as this process."""
    return {name: getattr(settings, name) for name in type(settings).model_fields}
