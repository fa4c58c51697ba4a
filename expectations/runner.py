"""Run a Great Expectations suite on a pandas frame and return its failures as plain, bilingual records. A
department's suite is derived from its spec (``expectations/derived.py``) plus optional hand-written expectations
in ``expectations/<source>.json``; other suites (``fact_indicator``) are kept as JSON.

Great Expectations itself (imported lazily, one ephemeral context per process) is in ``expectations.engine``; this
module decides which expectations apply to a frame, with which parameters, and where they run.

Suite conventions (checked by ``tests/test_expectations.py``):

- the suite is in GE 1.x's own JSON shape (``name``, ``expectations`` of ``type``/``kwargs``/``meta``, ``meta``);
- every expectation's ``meta`` holds ``rule`` (snake_case id), ``message_vi`` and ``message_en``, and optionally
  ``severity: "warning"`` (default ``"error"``). Message placeholders: ``{column}``, ``{column_A}``,
  ``{column_B}`` (the expectation's kwargs of those names), ``{columns}`` (every checked column, comma-joined),
  ``{count}`` (number of unexpected rows) and ``{values}`` (up to five unexpected values);
- the suite's ``meta.optional_columns`` lists columns a frame may lack: expectations on an absent optional
  column are skipped. Required columns have an ``expect_column_to_exist`` expectation, which reports their
  absence; the other expectations on an absent required column are skipped too, so it is reported once;
- ``meta.parameters`` documents the run-time suite parameters (``{"$PARAMETER": name}``) the suite uses;
  ``run_suite`` raises ``ValueError`` when one is not given. Row conditions use GE's structured JSON form
  (``{"type": "comparison", "column": {"name": ...}, ...}``), not the deprecated pandas query strings.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from expectations.derived import spec_suite
from expectations.engine import (
    COLUMN_KWARGS,
    RESULT_VALUES_KEPT,
    Failure,
    expectation_columns,
    import_great_expectations,
    suite_parameters,
    validate,
)
from sources.specs.model import load_specs

if TYPE_CHECKING:  # neither is imported to run a suite: the expectations process renders Data Docs without polars
    import pandas as pd
    import polars as pl

__all__ = [
    "COLUMN_KWARGS",
    "RESULT_VALUES_KEPT",
    "Failure",
    "applicable_expectations",
    "expectation_columns",
    "import_great_expectations",
    "load_suite",
    "prepare",
    "run_suite",
    "suite_here",
    "suite_names",
    "suite_parameters",
]

SUITE_DIR = Path(__file__).parent
Request = tuple[list[dict[str, Any]], "pd.DataFrame | pl.DataFrame", dict[str, Any]]


def suite_names() -> list[str]:
    """Every suite: one per department (derived from its spec) and those kept only as JSON (``fact_indicator``)."""
    return sorted({*(p.stem for p in SUITE_DIR.glob("*.json")), *load_specs()})


@cache
def load_suite(name: str) -> dict[str, Any]:
    """The suite's GE JSON document (cached; callers must not mutate it). A department's suite is derived from
    its spec, plus the expectations written by hand in ``expectations/<name>.json`` when that file exists."""
    if name not in suite_names():
        raise ValueError(f"unknown expectation suite {name!r}; known suites: {', '.join(suite_names())}")
    path = SUITE_DIR / f"{name}.json"
    by_hand = json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
    spec = load_specs().get(name)
    if spec is not None:
        return spec_suite(spec, by_hand)
    if by_hand is None:  # suite_names() lists only suites with a spec or a JSON file
        raise ValueError(f"expectation suite {name!r} has neither a spec nor {path}")
    return by_hand


def referenced_columns(expectation: dict[str, Any]) -> set[str]:
    """The columns an expectation checks and those its (structured) ``row_condition`` reads."""
    return {*expectation_columns(expectation), *_condition_columns(expectation["kwargs"].get("row_condition"))}


def _condition_columns(condition: Any) -> list[str]:
    """Column names in a GE 1.x row condition as JSON (``{"column": {"name": ...}, ...}``, nested and/or)."""
    if isinstance(condition, list):
        return [c for item in condition for c in _condition_columns(item)]
    if not isinstance(condition, dict):
        return []
    own = [condition["column"]["name"]] if isinstance(condition.get("column"), dict) else []
    return own + [c for k, v in condition.items() if k != "column" for c in _condition_columns(v)]


def applicable_expectations(suite: dict[str, Any], columns: set[str]) -> list[dict[str, Any]]:
    """The suite's expectations minus those on absent columns that are optional or checked for existence."""
    exist_checked = {e["kwargs"]["column"] for e in suite["expectations"] if e["type"] == "expect_column_to_exist"}
    skippable = exist_checked | set(suite.get("meta", {}).get("optional_columns", ()))
    kept = []
    for e in suite["expectations"]:
        missing = referenced_columns(e) - columns
        if e["type"] == "expect_column_to_exist" or not missing or not missing <= skippable:
            kept.append(e)
    return kept


def run_suite(
    name: str,
    frame: pd.DataFrame | pl.DataFrame,
    parameters: dict[str, Any] | None = None,
    *,
    results: list[dict[str, Any]] | None = None,
) -> list[Failure]:
    """Validate ``frame`` (pandas, or polars) against suite ``name``; an empty list means it passed.
    With ``results``, GE's own validation result (``to_json_dict``, long value lists cut to ``RESULT_VALUES_KEPT``)
    is appended to it: what ``expectations.docs`` renders as Data Docs. The suite runs in the command's expectations
    process when it started one (``expectations.service``), else here."""
    from expectations import service

    request = prepare(name, frame, parameters)
    if request is None:
        return []
    expectations, frame, parameters = request
    failures, result = service.run(
        "validate", name, expectations, service.sendable(frame), parameters, results is not None
    )
    if results is not None and result is not None:
        results.append(result)
    return failures


def suite_here(
    name: str, frame: pd.DataFrame | pl.DataFrame, parameters: dict[str, Any] | None, keep_result: bool
) -> tuple[list[Failure], dict[str, Any] | None]:
    """``run_suite`` in this process: the failures, and GE's trimmed result when ``keep_result``."""
    request = prepare(name, frame, parameters)
    return validate(name, *request, keep_result) if request is not None else ([], None)


def prepare(name: str, frame: pd.DataFrame | pl.DataFrame, parameters: dict[str, Any] | None) -> Request | None:
    """What ``expectations.engine.validate`` needs to validate ``frame`` against suite ``name``: the expectations
    that apply to its columns, the frame and the parameters; None when no expectation applies. Raises
    ``ValueError`` when a parameter the expectations use is not given. Done where the suite is, so the expectations
    process needs none of the specs."""
    expectations = applicable_expectations(load_suite(name), set(frame.columns))
    parameters = {k: _jsonable(v) for k, v in (parameters or {}).items()}
    needed = set().union(*(suite_parameters(e) for e in expectations)) if expectations else set()
    if missing := sorted(needed - set(parameters)):
        raise ValueError(f"expectation suite {name!r} needs the parameter(s) {', '.join(missing)}")
    if not expectations:
        return None
    return expectations, frame, parameters


def _jsonable(value: Any) -> Any:
    if isinstance(value, set | frozenset | tuple):
        return sorted(value) if isinstance(value, set | frozenset) else list(value)
    return value
