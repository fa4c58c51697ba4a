"""Great Expectations in a process of its own, started as a command begins (issue #28).

Importing Great Expectations takes 1.5 s of CPU (with pandas), and a small run or ``xhs validate`` needs it only
after Dagster, the specs and the reader have started. ``xhs run`` and ``xhs validate`` therefore start this
service first: a second Python process imports Great Expectations on the other core while the command goes on,
then validates the frames it is sent (``expectations.engine.validate``) and renders Data Docs (``build_site``), one
request at a time. The command decides which expectations apply and sends them with the frame
(``expectations.runner.prepare``), so this process imports Great Expectations and nothing of the specs before its
first answer; ``xhs validate`` sends the frame in pandas, so it needs no polars either. The suites, the
expectations and the verdicts are the same: the service calls the same functions the command would call itself.

Where no service was started (the Dagster UI and daemon, a step worker process, a test that imports Great
Expectations itself) or it has died, the work is done in the calling process, as before. The service ends when
the command's end of its socket closes, whatever way the command ends (even ``os._exit`` or a kill): the process
itself is a ``runtime.helper``, as the lake's is (``warehouse.lake_process``).
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from expectations.engine import validate, warm_up  # nothing heavy at its top
from runtime.helper import Helper, Slot

__all__ = ["FUNCTIONS", "SLOT", "Service", "idle_work", "run", "running", "start", "stop", "wants_pandas", "warm_up"]

SERVICE_ENV = "XHS_EXPECTATIONS_PROCESS"  # "0": validate in the command's own process
PANDAS, POLARS = "pandas", "polars"  # the frames the command sends (``Service``)


class Service(Helper):
    """A running service (``runtime.helper``). With ``pandas_frames``, the command converts the frames it sends to
    pandas itself (``wants_pandas``)."""

    def __init__(self, pandas_frames: bool = False) -> None:
        super().__init__(__name__, PANDAS if pandas_frames else POLARS)
        self.pandas_frames = pandas_frames


def _build_site(*args: Any) -> Any:
    from expectations.docs import build_site_here  # the suites and the specs: imported when a site is first built

    return build_site_here(*args)


FUNCTIONS = {"validate": validate, "build_site": _build_site}
SLOT = Slot(FUNCTIONS)  # this command's service, if it started one
run = SLOT.run  # ``run("validate", ...)``: in the service when one runs, else here
stop = SLOT.stop


def start(pandas_frames: bool = False) -> None:
    """Start the service for this command unless one runs, Great Expectations is imported here already (nothing to
    win), or ``XHS_EXPECTATIONS_PROCESS=0``.

    ``pandas_frames``: the command converts each polars frame to pandas before it sends it, so the service never
    imports polars. Worth it where the command waits for the service anyway (``xhs validate``: 0.1 s sooner);
    not in a run, whose command is the one that has the most to do."""
    if "great_expectations" in sys.modules or os.environ.get(SERVICE_ENV) == "0":
        return
    SLOT.start(lambda: Service(pandas_frames))


@contextmanager
def running(pandas_frames: bool = False) -> Iterator[None]:
    """The service for the length of one command (``start``, then ``stop``)."""
    start(pandas_frames)
    try:
        yield
    finally:
        stop()


def wants_pandas() -> bool:
    """Whether the running service was started to be sent pandas frames (``start``)."""
    return isinstance(SLOT.helper, Service) and SLOT.helper.pandas_frames


def idle_work(frames: str) -> list[Callable[[], object]]:
    """What a run's requests will need, prepared while the service waits for the first of them (``runtime.helper``):
    polars, to take the frames it is sent (0.15 s), then the Data Docs' modules and the suites (0.3 s), which the
    run's last step waits for. None for ``xhs validate``, which sends pandas frames and renders no site."""
    if frames != POLARS:
        return []
    return [lambda: importlib.import_module("polars"), _prepare_data_docs]


def _prepare_data_docs() -> None:
    from expectations.docs import index_page  # noqa: F401  GE's index renderer plug-in, imported by the site builder
    from expectations.runner import load_suite, suite_names

    for name in suite_names():
        load_suite(name)
