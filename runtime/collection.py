"""Python's cyclic garbage collector paused while a library is imported (issue #28).

Importing Great Expectations (or Dagster, DuckDB, polars) makes a few hundred thousand objects that live as long as
the process, and almost no garbage: the definitions of ``xhs run`` leave 734 unreachable cycles among 250,000
objects. Every automatic collection on the way traverses the objects made so far, for nothing. Paused, Great
Expectations imports in 1.12 s instead of 1.30 s, which ``xhs validate`` waits for (``BENCHMARKS.md``). The collector
runs again as soon as the import is done.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collection_paused() -> Iterator[None]:
    """No automatic cyclic collection inside; as it was after (a pause inside a pause leaves it paused)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
