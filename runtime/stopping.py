"""Stopping a run at a safe point (issue #17).

``xhs run`` executes the Dagster job in a worker thread; its main thread takes SIGTERM and SIGINT. Dagster's
own in-process handling (``dagster._utils.interrupts``) only works on the main thread, and there it turns a
signal inside a step into ``DagsterExecutionInterruptedError``, which our steps' retry policy would retry after
30 s (that was the bug: the run went on). Instead, a signal sets ``STOP``; the steps call ``check_stop`` between
files and before each phase, and it raises ``StopRequested`` there. The publication (the rename onto the
published file and its state records) is a critical section: a stop waits for it to finish, and a step that has
seen the stop never enters it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

STOP = threading.Event()
_CRITICAL = threading.Lock()


class StopRequested(Exception):
    """A stop signal reached the run; the step stopped at a safe point."""

    def __init__(self, where: str):
        super().__init__(f"stopped before {where} / đã dừng trước khi {where}")
        self.where = where


def check_stop(where: str) -> None:
    """A safe point: raise ``StopRequested`` if a stop was asked for."""
    if STOP.is_set():
        raise StopRequested(where)


@contextmanager
def critical_section(where: str) -> Iterator[None]:
    """Work a stop must not cut in half (publishing). Entered only if no stop was asked for; a stop asked for
    meanwhile waits until it has finished (``wait_outside_critical_section``)."""
    with _CRITICAL:
        check_stop(where)
        yield


_ON_STOP: list[Callable[[], object]] = []


@contextmanager
def interrupted_by_stop(interrupt: Callable[[], object]) -> Iterator[None]:
    """While inside, a stop also calls ``interrupt`` (DuckDB's ``con.interrupt``), so a long query ends at
    once; its error is then taken as the stop (``StopRequested``)."""
    _ON_STOP.append(interrupt)
    try:
        check_stop("a long query")
        yield
    except Exception as exc:
        if STOP.is_set():
            raise StopRequested("the end of a long query") from exc
        raise
    finally:
        _ON_STOP.remove(interrupt)


def request_stop() -> None:
    """Ask the run to stop (the signal handler of ``xhs run``): safe points raise from now on."""
    STOP.set()
    for interrupt in list(_ON_STOP):
        interrupt()


def wait_outside_critical_section(timeout: float) -> bool:
    """Block until no critical section is running and none can start (the caller then ends the process).
    Returns False when one was still running after ``timeout`` seconds."""
    return _CRITICAL.acquire(timeout=timeout)
