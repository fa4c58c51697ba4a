"""Python's cyclic garbage collector paused while a command imports its libraries (issue #28).

Importing Dagster, DuckDB, polars or Great Expectations makes a few hundred thousand objects that live as long as the
process, and almost no garbage: the definitions of ``xhs run`` leave 734 unreachable cycles among 250,000 objects.
Every automatic collection on the way traverses the objects made so far, for nothing. Paused, the definitions
import in 0.78 s instead of 0.89 s, and Great Expectations in 1.12 s instead of 1.30 s (``BENCHMARKS.md``). The
collector runs again as soon as the imports are done.
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
