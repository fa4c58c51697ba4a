"""The lake's write in a process of its own, started when a run builds its warehouse (issue #28).

The lake's libraries (pyiceberg's catalog and its Arrow I/O, which bring pyarrow's datasets and pandas) take about
0.7 s to import, and a run needs them only in its last steps, after the warehouse is published. ``xhs run`` therefore
allows this helper (``runtime.helper``, ``beside``), and the build step starts it (``start``): the helper imports on
the other core while an incremental build runs (started with the run, it slowed the run's creation by 0.15 s; at the
first step, staging). A full build starts it when DuckDB has closed, so that its 170 MB do not add to the build's
(a first run at size XL peaked above 2 GB with both). The lake step then has it write the publication
(``run("write_lake", ...)``: the same ``warehouse.lake.write_lake``, the same commits); the published DuckDB file is
read there, read-only, as the step would read it.

Where no helper was started (the Dagster UI and daemon, a step worker process, ``XHS_LAKE_PROCESS=0``) or it has
died, the step writes the lake itself, as before.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from runtime.helper import Helper, Slot
from warehouse.lake import write_lake

PROCESS_ENV = "XHS_LAKE_PROCESS"  # "0": the lake is written in the run's own process


def warm_up() -> None:
    """What the write imports, before the first request (in the helper)."""
    import pyiceberg.catalog.sql
    import pyiceberg.expressions
    import pyiceberg.io.pyarrow  # noqa: F401


FUNCTIONS = {"write_lake": write_lake}
SLOT = Slot(FUNCTIONS)  # this run's helper, if the build step started one
run = SLOT.run  # ``run("write_lake", ...)``: in the helper when one runs, else here
_allowed_in = 0  # the process whose command allowed the helper (``beside``); 0: none


def start() -> None:
    """Start the helper, if this process's command allowed it (``beside``); nothing in the Dagster UI, the daemon or a
    step worker process, which never allow it."""
    if _allowed_in == os.getpid():
        SLOT.start(lambda: Helper(__name__))


def allowed() -> bool:
    """Whether this process's command allowed the helper (``beside``) and has not ended yet."""
    return _allowed_in == os.getpid()


@contextmanager
def beside() -> Iterator[None]:
    """For the length of one run: the helper may be started (``start``) unless ``XHS_LAKE_PROCESS=0`` or pyiceberg is
    imported here already (nothing to win); it is stopped after."""
    global _allowed_in
    allowed = os.environ.get(PROCESS_ENV) != "0" and "pyiceberg.catalog" not in sys.modules
    _allowed_in = os.getpid() if allowed else 0
    try:
        yield
    finally:
        _allowed_in = 0
        SLOT.stop()
