"""Which process a run's steps execute in, as the assets need to know it (``assets.helpers``); the executor itself
is chosen in ``pipelines/executor.py``, which takes these from here (``assets`` never imports ``pipelines``).

``XHS_EXECUTOR`` (``multiprocess`` or ``in_process``) sets the job's executor; without it the job is multiprocess and
``xhs run`` in-process. A run of the job can also ask for its own process in its run config (``IN_PROCESS_RUN``)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

EXECUTOR_ENV = "XHS_EXECUTOR"
MULTIPROCESS, IN_PROCESS = "multiprocess", "in_process"
# What a run asks for to execute its steps in the run's own process (Dagster's multi_or_in_process_executor)
IN_PROCESS_RUN = {"execution": {"config": {IN_PROCESS: True}}}


def executor_kind(default: str = MULTIPROCESS) -> str:
    """``XHS_EXECUTOR``, else ``default``: multiprocess for the job (runs the daemon and the UI launch), in-process
    for ``xhs run`` (``execute_materialize_all``)."""
    kind = (os.environ.get(EXECUTOR_ENV) or default).strip().lower().replace("-", "_")
    if kind not in {MULTIPROCESS, IN_PROCESS}:
        raise ValueError(
            f"{EXECUTOR_ENV}={kind!r}: use 'multiprocess' (default) or 'in_process' / "
            f"{EXECUTOR_ENV} chỉ nhận 'multiprocess' (mặc định) hoặc 'in_process'"
        )
    return kind


def asks_for_one_process(run_config: Mapping[str, Any] | None) -> bool:
    """Whether a run with this config executes every step in the run's own process: it asks for it
    (``IN_PROCESS_RUN``), or the job's executor is the in-process one (``XHS_EXECUTOR=in_process``)."""
    execution = (run_config or {}).get("execution")
    chosen = execution.get("config") if isinstance(execution, dict) else None
    return (isinstance(chosen, dict) and chosen.get(IN_PROCESS) is True) or executor_kind() == IN_PROCESS
