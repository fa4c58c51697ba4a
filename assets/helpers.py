"""``xhs run``'s helper processes for a run that a Dagster run worker executes in its own process (issue #28).

``xhs run`` starts two helper processes (``runtime.helper``): Great Expectations imports and validates in one
(``expectations.service``, started with the command) and the lake is written by the other (``warehouse.lake_process``,
started by the build step), so that their imports (about 1.5 s and 0.7 s of CPU) run on the other core while the
run goes on. A run the daemon or the UI launches runs in a run worker process, which did not start them: its steps
imported both themselves. When that run executes every step in its own process (the landing sensor's small
deliveries, ``execution: config: in_process: true``, or ``XHS_EXECUTOR=in_process``), ``RunHelpers`` starts them
for the length of the run, as ``xhs run`` does: a resource of the archive step (the first of every run of the job),
which Dagster sets up when the run starts and tears down when it ends. A run with a process
per step starts none: each step process would start its own."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg

from assets.execution import asks_for_one_process


@contextmanager
def helpers_for(run: dg.DagsterRun | None) -> Iterator[None]:
    """The helper processes for the length of ``run`` when it executes in one process and nothing has started them
    (``xhs run`` has, for the runs it executes itself); nothing otherwise (a sensor's tick, a step process)."""
    from expectations import service
    from warehouse import lake_process

    started = service.SLOT.helper is not None or lake_process.allowed()  # by a command (xhs run)
    if run is None or not asks_for_one_process(run.run_config) or started:
        yield
        return
    with service.running(), lake_process.beside():
        start_intake_worker()
        yield


def start_intake_worker() -> threading.Thread:
    """Start this process's intake worker (``sources.intake.sandbox``) now, from a thread that waits for its first
    answer: its interpreter and calamine then start on the other core while Dagster creates the run, not in the
    first file's read (0.16 s of it at size M, issue #28). The same worker reads the run's files. A worker that
    fails to start is started again, and its failure reported, by the read that needs it."""
    from sources.intake.sandbox import WorkerFailed, shared_sandbox

    sandbox = shared_sandbox()

    def ping() -> None:
        try:
            sandbox.call({"op": "ping"})
        except WorkerFailed:
            return

    thread = threading.Thread(target=ping, name="xhs-intake-start", daemon=True)
    thread.start()
    return thread


class RunHelpers(dg.ConfigurableResource):
    """The helper processes for the length of a run executed in one process (``helpers_for``); nothing to configure.
    A resource of its own, not the settings': a resource with a lifecycle must be opened as a context manager
    wherever it is built (a sensor's context, a test's), and the settings are built everywhere."""

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator[RunHelpers]:
        with helpers_for(context.run):
            yield self


RUN_HELPERS = RunHelpers()  # one object: every asset that names it must name the same
