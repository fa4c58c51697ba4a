"""What a step does with the faults an operator meets (issue #17): a stop signal, a full or failing disk, a
damaged record. Each becomes a ``dg.Failure`` that is not retried (the steps' retry policy is for passing
faults, and would wait 30 s and more before giving up), with the fault's kind and path in its metadata, so that
``xhs run`` can tell the operator exactly what happened (``pipelines/run.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg

from runtime.disk import classify
from runtime.stopping import StopRequested, check_stop
from sources.archive.integrity import CorruptStore

STOPPED, DISK, CORRUPT = "stopped", "disk", "corrupt"


@contextmanager
def step_faults(step: str, data: Path) -> Iterator[None]:
    """Run a step's body: a stop asked for before it starts stops it; the faults above become a ``dg.Failure``
    (``data``: the path named when a disk error carries none)."""
    try:
        check_stop(step)
        yield
    except StopRequested as exc:
        raise dg.Failure(description=str(exc), allow_retries=False, metadata={"fault": STOPPED}) from exc
    except CorruptStore as exc:
        raise dg.Failure(
            description=str(exc), allow_retries=False, metadata={"fault": CORRUPT, "path": str(exc.path)}
        ) from exc
    except Exception as exc:
        error = classify(exc, data)
        if error is None:
            raise
        raise dg.Failure(
            description=error.message(),
            allow_retries=False,
            metadata={"fault": DISK, "path": str(error.path), "device": str(error.device)},
        ) from exc
