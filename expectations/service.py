"""Great Expectations in a process of its own, started as a command begins (issue #28).

Importing Great Expectations takes 1.5 s of CPU (with pandas), and a small run or ``xhs validate`` needs it only
after Dagster, the specs and the reader have started. ``xhs run`` and ``xhs validate`` therefore start this
service first: a second Python process imports Great Expectations on the other core while the command goes on,
then validates the frames it is sent (``expectations.engine.validate``) and renders Data Docs (``build_site``), one
request at a time. The command decides which expectations apply and sends them with the frame
(``expectations.runner.prepare``), so this process imports Great Expectations and nothing of the specs before its
first answer. A frame is sent as an Arrow stream (``expectations.engine.ArrowFrame``), so neither side imports the
other's frame library for it: the command no pandas, the service no polars. The suites, the expectations and the
verdicts are the same: the service calls the same functions the command would call itself.

Where no service was started (the Dagster UI and daemon, a step worker process, a test that imports Great
Expectations itself) or it has died, the work is done in the calling process, as before. The service ends when
the command's end of its socket closes, whatever way the command ends (even ``os._exit`` or a kill): the process
itself is a ``runtime.helper``, as the lake's is (``warehouse.lake_process``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from expectations.engine import ArrowFrame, validate, warm_up  # nothing heavy at its top
from runtime.helper import Helper, Slot

__all__ = ["FUNCTIONS", "SLOT", "Service", "idle_work", "run", "running", "sendable", "start", "stop", "warm_up"]

SERVICE_ENV = "XHS_EXPECTATIONS_PROCESS"  # "0": validate in the command's own process
SITE, NO_SITE = "site", "no-site"  # whether the command renders Data Docs (``Service``)


class Service(Helper):
    """A running service (``runtime.helper``). With ``site``, it prepares what rendering Data Docs needs while it
    waits (``idle_work``); ``xhs validate`` renders none."""

    def __init__(self, site: bool = True) -> None:
        super().__init__(__name__, SITE if site else NO_SITE)


def _build_site(*args: Any) -> Any:
    from expectations.docs import build_site_here  # the suites and the specs: imported when a site is first built

    return build_site_here(*args)


FUNCTIONS = {"validate": validate, "build_site": _build_site}
SLOT = Slot(FUNCTIONS)  # this command's service, if it started one
run = SLOT.run  # ``run("validate", ...)``: in the service when one runs, else here
stop = SLOT.stop


def start(site: bool = True) -> None:
    """Start the service for this command unless one runs, Great Expectations is imported here already (nothing to
    win), or ``XHS_EXPECTATIONS_PROCESS=0``.

    ``site``: whether the command will render Data Docs (``Service``)."""
    if "great_expectations" in sys.modules or os.environ.get(SERVICE_ENV) == "0":
        return
    SLOT.start(lambda: Service(site))


@contextmanager
def running(site: bool = True) -> Iterator[None]:
    """The service for the length of one command (``start``, then ``stop``)."""
    start(site)
    try:
        yield
    finally:
        stop()


def sendable(frame: Any) -> Any:
    """``frame`` as it is sent to the running service: a polars frame as an Arrow stream (``ArrowFrame``); any frame
    as it is where no service runs (it is validated here) or it is not a polars ``DataFrame``. Polars is not imported
    here: a polars frame means the command has imported it."""
    polars = sys.modules.get("polars")
    if SLOT.helper is None or polars is None or not isinstance(frame, polars.DataFrame):
        return frame
    return ArrowFrame.of(frame)


def idle_work(site: str) -> list[Callable[[], object]]:
    """What a run's requests will need, prepared while the service waits for the first of them (``runtime.helper``):
    the Data Docs' modules and the suites (0.3 s), which the run's last step waits for. Nothing for ``xhs validate``,
    which renders no site."""
    return [_prepare_data_docs] if site == SITE else []


def _prepare_data_docs() -> None:
    from expectations.docs import index_page  # noqa: F401  GE's index renderer plug-in, imported by the site builder
    from expectations.runner import load_suite, suite_names

    for name in suite_names():
        load_suite(name)
