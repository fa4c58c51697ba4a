"""Great Expectations suites (``expectations/<name>.json``) and the runner that applies them to pandas frames.

``great_expectations`` itself is imported only when a suite is run."""

from expectations.runner import Failure, run_suite, suite_names

__all__ = ["Failure", "run_suite", "suite_names"]
