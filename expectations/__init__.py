"""Great Expectations suites (``expectations/<name>.json``) and the runner that applies them to frames.

``great_expectations`` itself is imported only when a suite is run, and the runner (Polars, the specs) only when
it is asked for: a command starts the expectations process (``expectations.service``) before anything heavy is
imported here (issue #28)."""

from __future__ import annotations

from typing import Any

__all__ = ["Failure", "run_suite", "suite_names"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from expectations import runner

        return getattr(runner, name)
    raise AttributeError(f"module 'expectations' has no attribute {name!r}")
