"""Run a Great Expectations suite on a pandas frame and return its failures as plain, bilingual records. A
department's suite is derived from its spec (``expectations/derived.py``) plus optional hand-written expectations
in ``expectations/<source>.json``; other suites (``fact_indicator``) are kept as JSON.

Great Expectations is imported lazily (the import costs seconds) and one ephemeral context is kept per process.

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

import copy
import importlib.abc
import importlib.util
import json
import math
import os
import sys
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from expectations.derived import spec_suite
from sources.specs.model import load_specs

if TYPE_CHECKING:
    import pandas as pd

SUITE_DIR = Path(__file__).parent
RESULT_FORMAT = {"result_format": "COMPLETE"}
MAX_VALUES_IN_MESSAGE = 5
COLUMN_KWARGS = ("column", "column_A", "column_B")
POSITION_KEY = "_position"
RESULT_VALUES_KEPT = 200  # per list in a result kept for Data Docs (unexpected values, indices, value sets)
_LOCK = threading.Lock()


@dataclass(frozen=True)
class Failure:
    rule: str
    severity: str  # "error" | "warning"
    expectation: str  # GE expectation type, e.g. "expect_column_values_to_be_between"
    columns: tuple[str, ...]
    row_indices: tuple[int, ...]  # positions in the validated frame; empty for table-level failures
    unexpected_values: tuple[Any, ...]
    message_vi: str
    message_en: str


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


def expectation_columns(expectation: dict[str, Any]) -> tuple[str, ...]:
    """The columns an expectation checks."""
    kwargs = expectation["kwargs"]
    return tuple(kwargs[k] for k in COLUMN_KWARGS if k in kwargs) + tuple(kwargs.get("column_list", ()))


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


def suite_parameters(expectation: dict[str, Any]) -> set[str]:
    """Names of the ``{"$PARAMETER": name}`` values an expectation uses."""
    return {v["$PARAMETER"] for v in expectation["kwargs"].values() if isinstance(v, dict) and "$PARAMETER" in v}


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
    """Validate ``frame`` (pandas, or polars: converted where the suite runs) against suite ``name``; an empty list
    means it passed. With ``results``, GE's own validation result (``to_json_dict``, long value lists cut to
    ``RESULT_VALUES_KEPT``) is appended to it: what ``expectations.docs`` renders as Data Docs. The suite runs in
    the command's expectations process when it started one (``expectations.service``), else here."""
    from expectations import service

    try:
        failures, result = service.call("run_suite", name, frame, parameters, results is not None)
    except service.Unavailable:
        failures, result = suite_here(name, frame, parameters, results is not None)
    if results is not None and result is not None:
        results.append(result)
    return failures


def suite_here(
    name: str, frame: pd.DataFrame | pl.DataFrame, parameters: dict[str, Any] | None, keep_result: bool
) -> tuple[list[Failure], dict[str, Any] | None]:
    """``run_suite`` in this process: the failures, and GE's trimmed result when ``keep_result``."""
    suite = load_suite(name)
    expectations = applicable_expectations(suite, set(frame.columns))
    parameters = {k: _jsonable(v) for k, v in (parameters or {}).items()}
    needed = set().union(*(suite_parameters(e) for e in expectations)) if expectations else set()
    if missing := sorted(needed - set(parameters)):
        raise ValueError(f"expectation suite {name!r} needs the parameter(s) {', '.join(missing)}")
    if not expectations:
        return [], None
    frame = _positional(frame.to_pandas() if isinstance(frame, pl.DataFrame) else frame)
    parameters = _narrow_value_sets(expectations, parameters, frame)
    gx = _gx()
    # Each expectation carries its position in meta so its result can be matched back (metas may repeat).
    tagged = [{**copy.deepcopy(e), "meta": {**e["meta"], POSITION_KEY: i}} for i, e in enumerate(expectations)]
    gx_suite = gx.ExpectationSuite(name=name, expectations=tagged)
    with _LOCK:
        batch = _batch_definition().get_batch(batch_parameters={"dataframe": frame})
        result = batch.validate(gx_suite, expectation_parameters=parameters or None, result_format=RESULT_FORMAT)
    kept = _trimmed(result.to_json_dict()) if keep_result else None
    failed = sorted((r for r in result.results if not r.success), key=lambda r: r.expectation_config.meta[POSITION_KEY])
    return [_failure(r, expectations[r.expectation_config.meta[POSITION_KEY]]) for r in failed], kept


def warm_up() -> None:
    """Import Great Expectations and make this process's context: what the expectations process does first."""
    _batch_definition()


def _narrow_value_sets(
    expectations: list[dict[str, Any]], parameters: dict[str, Any], frame: pd.DataFrame
) -> dict[str, Any]:
    """Cut a value-set parameter used only by ``expect_column_values_to_be_in_set`` down to the values the frame
    holds: the outcome is the same, and GE 1.24 re-serialises the whole value set about a hundred times per
    expectation (1.6 s for the ~11k national commune codes, 19 s for 100k)."""
    narrowed = dict(parameters)
    for name in set().union(*(suite_parameters(e) for e in expectations)):
        users = [e for e in expectations if name in suite_parameters(e)]
        if not all(
            e["type"] == "expect_column_values_to_be_in_set" and isinstance(parameters[name], list) for e in users
        ):
            continue
        columns = [e["kwargs"]["column"] for e in users if e["kwargs"]["column"] in frame.columns]
        present: set[Any] = set().union(*(set(frame[c].dropna().unique()) for c in columns))
        narrowed[name] = [v for v in parameters[name] if v in present]
    return narrowed


# --- Great Expectations, lazily ------------------------------------------------------------------------------


def _gx() -> Any:
    return import_great_expectations()


# Modules Great Expectations imports when it is imported, for expectations the suites do not use (distribution
# tests, KL divergence charts): loaded on first use instead (issue #24: about 0.7 s of the 3–5 s import).
LAZY_MODULES = ("scipy", "scipy.stats", "altair")


class _Lazily(importlib.abc.MetaPathFinder):
    """Finds ``LAZY_MODULES`` as the import system would, with a loader that executes a module on its first
    attribute access (``importlib.util.LazyLoader``)."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if name not in LAZY_MODULES:
            return None
        sys.meta_path.remove(self)
        try:
            spec = importlib.util.find_spec(name)
        finally:
            sys.meta_path.insert(0, self)
        if spec is None or spec.loader is None:
            return None
        spec.loader = importlib.util.LazyLoader(spec.loader)
        return spec


def import_great_expectations() -> Any:
    """``great_expectations``, imported once per process with analytics off and ``LAZY_MODULES`` loaded only if
    an expectation uses them."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    if "great_expectations" not in sys.modules:
        finder = _Lazily()
        sys.meta_path.insert(0, finder)
        try:
            import great_expectations  # noqa: F401 (imported for sys.modules)
        finally:
            sys.meta_path.remove(finder)
    return sys.modules["great_expectations"]


@cache
def _batch_definition() -> Any:
    """One ephemeral context per process, with a pandas data source whose batch is a whole frame."""
    gx = _gx()
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    asset = context.data_sources.add_pandas("xhs_frames").add_dataframe_asset("frame")
    return asset.add_batch_definition_whole_dataframe("whole_frame")


def _positional(frame: pd.DataFrame) -> pd.DataFrame:
    """Unexpected indices are index labels: make them positions."""
    import pandas as pd

    index = frame.index
    if isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1:
        return frame
    return frame.reset_index(drop=True)


def _jsonable(value: Any) -> Any:
    if isinstance(value, set | frozenset | tuple):
        return sorted(value) if isinstance(value, set | frozenset) else list(value)
    return value


def _trimmed(value: Any) -> Any:
    """A validation result's JSON with every list cut to ``RESULT_VALUES_KEPT`` items (a national table's unexpected
    indices or value sets would make the Data Docs pages megabytes long)."""
    if isinstance(value, dict):
        return {k: _trimmed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_trimmed(v) for v in value[:RESULT_VALUES_KEPT]]
    return value


# --- results -> failures -------------------------------------------------------------------------------------


def _failure(result: Any, expectation: dict[str, Any]) -> Failure:
    meta = expectation["meta"]
    columns = expectation_columns(expectation)
    res = result.result or {}
    error = _exception_message(result.exception_info)
    values = tuple(_plain(v) for v in res.get("unexpected_list") or ())
    fields = {
        **{k: expectation["kwargs"][k] for k in COLUMN_KWARGS if k in expectation["kwargs"]},
        "columns": ", ".join(columns),
        "count": res.get("unexpected_count", len(values)),
        "values": ", ".join(_show(v) for v in values[:MAX_VALUES_IN_MESSAGE])
        + (", …" if len(values) > MAX_VALUES_IN_MESSAGE else ""),
    }
    vi, en = _render(meta["message_vi"], fields), _render(meta["message_en"], fields)
    if error:  # e.g. text in a numeric column: reported as a finding, not raised, so other files go on
        where = fields["columns"]
        vi = f"Không chạy được kiểm tra {meta['rule']} trên cột {where}: {error}"
        en = f"The check {meta['rule']} on column(s) {where} could not run: {error}"
    return Failure(
        rule="expectation_error" if error else meta["rule"],
        severity=meta.get("severity", "error"),
        expectation=expectation["type"],
        columns=columns,
        row_indices=tuple(int(i) for i in res.get("unexpected_index_list") or ()),
        unexpected_values=values,
        message_vi=vi,
        message_en=en,
    )


def _exception_message(info: Any) -> str | None:
    """GE 1.x reports exceptions either flat or keyed by metric id: find a message in either shape."""
    if not isinstance(info, dict):
        return None
    if info.get("raised_exception"):
        return str(info.get("exception_message") or "unknown error")
    for value in info.values():
        if isinstance(value, dict) and (value.get("raised_exception") or value.get("exception_message")):
            return str(value.get("exception_message") or "unknown error")
    return None


def _plain(value: Any) -> Any:
    """numpy scalars -> Python, NaN/NA -> None, pair tuples and compound-key dicts -> tuples."""
    if isinstance(value, dict):
        return tuple(_plain(v) for v in value.values())
    if isinstance(value, tuple | list):
        return tuple(_plain(v) for v in value)
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if value is None or (isinstance(value, float) and math.isnan(value)) or type(value).__name__ == "NAType":
        return None
    return value


def _show(value: Any) -> str:
    if isinstance(value, tuple):
        return "(" + ", ".join(_show(v) for v in value) + ")"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "∅" if value is None else str(value)


class _Fields(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _render(template: str, fields: dict[str, Any]) -> str:
    return template.format_map(_Fields(fields))
