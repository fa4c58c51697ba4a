"""The lake's write in a process of its own, started when a run begins its steps (issue #28).

The lake's libraries (pyiceberg's catalog and its Arrow I/O, which bring pyarrow's datasets and pandas) take about
0.7 s to import, and a run needs them only in its last steps, after the warehouse is published. ``xhs run`` therefore
allows this helper (``runtime.helper``, ``beside``), and the run's first step starts it (``start``): Dagster's run is
created by then and Great Expectations imported in the expectations process, so the helper imports on a core that
would be idle while the run stages and builds (started with the run, it slowed the run's creation by 0.15 s). It then
writes the publication it is sent (``warehouse.lake.write_lake``, the same function, the same commits); the
published DuckDB file is read there, read-only, as the step would read it.

Where no helper was started (the Dagster UI and daemon, a step worker process, ``XHS_LAKE_PROCESS=0``) or it has
died, the step writes the lake itself, as before.
"""

from __future__ import annotations

import atexit
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from runtime.helper import Helper, Unavailable
from warehouse.lake import Changes, LakeWrite, write_lake

PROCESS_ENV = "XHS_LAKE_PROCESS"  # "0": the lake is written in the run's own process

_running: Helper | None = None
_allowed, _allowed_in = False, 0  # ``beside``: this command may start the helper


def warm_up() -> None:
    """What the write imports, before the first request (in the helper)."""
    import pyiceberg.catalog.sql
    import pyiceberg.expressions
    import pyiceberg.io.pyarrow  # noqa: F401


FUNCTIONS = {"write_lake": write_lake}


def start() -> None:
    """Start the helper, if the command allowed it (``beside``) and none runs yet; nothing in the Dagster UI, the
    daemon or a step worker process, which never allow it."""
    global _running
    if _allowed and _running is None and _allowed_in == os.getpid():
        _running = Helper(__name__)


def stop() -> None:
    global _running
    if _running is not None:
        helper, _running = _running, None
        helper.close()


atexit.register(stop)


@contextmanager
def beside() -> Iterator[None]:
    """For the length of one run: the helper may be started (``start``) unless ``XHS_LAKE_PROCESS=0`` or pyiceberg is
    imported here already (nothing to win); it is stopped after."""
    global _allowed, _allowed_in
    _allowed = os.environ.get(PROCESS_ENV) != "0" and "pyiceberg.catalog" not in sys.modules
    _allowed_in = os.getpid()
    try:
        yield
    finally:
        _allowed = False
        stop()


def write(
    published: Path,
    publication: str,
    lake: Path | None = None,
    instance_url: str | None = None,
    changes: Changes | None = None,
) -> list[LakeWrite]:
    """``write_lake`` in the helper when one runs, else here."""
    if _running is not None:
        try:
            return _running.call("write_lake", published, publication, lake, instance_url, changes)
        except Unavailable:
            pass
    return write_lake(published, publication, lake, instance_url, changes)
