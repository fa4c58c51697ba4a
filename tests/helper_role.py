"""A role for ``runtime.helper`` in its tests (``tests/test_helper_process.py``): idle work that fails, then marks
itself done, and functions that say what was done."""

from __future__ import annotations

import os
import time

DONE: list[str] = []


def _fails() -> None:
    raise ValueError("an idle task that fails")


def _slow(name: str) -> None:
    time.sleep(0.2)
    DONE.append(name)


def idle_work(*options: str) -> list:
    return [_fails, *[(lambda n=n: _slow(n)) for n in options]]


def _done() -> list[str]:
    return list(DONE)


def _fail(kind: str) -> None:
    raise {"os": OSError, "value": ValueError}[kind](f"failed in the helper {os.getpid()}")


FUNCTIONS = {"done": _done, "fail": _fail, "pid": os.getpid}
