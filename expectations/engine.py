"""Great Expectations itself: imported once per process, lazily (the import takes more than a second), with one
ephemeral context; a pandas frame validated against a list of expectations in GE's JSON shape, and GE's results
turned into plain, bilingual ``Failure`` records.

This module imports nothing heavy at its top, and nothing of xhs but ``runtime``: the expectations process
(``expectations.service``) imports it, Great Expectations and pandas, and nothing else. Which expectations apply to a
frame, and with which parameters, is decided where the suite is (``expectations.runner``)."""

from __future__ import annotations

import copy
import importlib.abc
import importlib.util
import io
import math
import os
import sys
import threading
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from runtime.collection import collection_paused

if TYPE_CHECKING:
    import pandas as pd
    import polars as pl

RESULT_FORMAT = {"result_format": "COMPLETE"}
# A first pass that only says which expectations failed, when no result is kept (``xhs validate``, a batch of
# files): GE then skips the metrics of unexpected values and rows, half of a small frame's validation. The
# expectations that failed are validated again with ``RESULT_FORMAT`` for their rows and values (issue #28).
VERDICT_FORMAT = {"result_format": "BOOLEAN_ONLY"}
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


@dataclass(frozen=True)
class ArrowFrame:
    """A polars frame as an Arrow IPC stream: how the command sends a frame to the expectations process
    (``expectations.service``). Writing it needs polars alone, and reading it back pyarrow alone, which pandas and
    Great Expectations import anyway: the command never imports pandas for it (0.35 s, on the critical path of
    ``xhs validate``), and the expectations process never imports polars (0.2 s). The pandas frame it gives is the one
    ``polars.DataFrame.to_pandas`` gives: the stream is written at polars' oldest compatibility level, the Arrow
    types polars itself converts to pandas from, and read with the same ``date_as_object=False``
    (``tests/test_expectations_service.py`` compares the two, dtypes included)."""

    ipc: bytes

    @classmethod
    def of(cls, frame: pl.DataFrame) -> ArrowFrame:
        import polars as pl

        stream = io.BytesIO()
        frame.write_ipc_stream(stream, compat_level=pl.CompatLevel.oldest())
        return cls(stream.getvalue())

    def to_pandas(self) -> pd.DataFrame:
        import pandas as pd
        import pyarrow as pa

        table = pa.ipc.open_stream(self.ipc).read_all()
        if not table.num_columns:  # as polars gives a frame of no columns: no rows, and its columns' index a range
            return pd.DataFrame()
        return table.to_pandas(date_as_object=False)


def expectation_columns(expectation: dict[str, Any]) -> tuple[str, ...]:
    """The columns an expectation checks."""
    kwargs = expectation["kwargs"]
    return tuple(kwargs[k] for k in COLUMN_KWARGS if k in kwargs) + tuple(kwargs.get("column_list", ()))


def suite_parameters(expectation: dict[str, Any]) -> set[str]:
    """Names of the ``{"$PARAMETER": name}`` values an expectation uses."""
    return {v["$PARAMETER"] for v in expectation["kwargs"].values() if isinstance(v, dict) and "$PARAMETER" in v}


def validate(
    name: str,
    expectations: list[dict[str, Any]],
    frame: pd.DataFrame | pl.DataFrame | ArrowFrame,
    parameters: dict[str, Any],
    keep_result: bool,
) -> tuple[list[Failure], dict[str, Any] | None]:
    """Validate ``frame`` (pandas; polars or ``ArrowFrame``: converted here) against ``expectations`` (suite
    ``name``'s, those that apply to it) with ``parameters``: the failures in the expectations' order, and GE's result
    (trimmed) when ``keep_result``."""
    import_great_expectations()  # pandas with it
    import pandas as pd

    frame = _positional(frame if isinstance(frame, pd.DataFrame) else frame.to_pandas())  # polars' or ArrowFrame's
    parameters = _narrow_value_sets(expectations, parameters, frame)
    # Each expectation carries its position in meta so its result can be matched back (metas may repeat).
    tagged = [{**copy.deepcopy(e), "meta": {**e["meta"], POSITION_KEY: i}} for i, e in enumerate(expectations)]
    with _LOCK:
        batch = _batch_definition().get_batch(batch_parameters={"dataframe": frame})
        if keep_result:
            result = _validated(batch, name, tagged, parameters, RESULT_FORMAT)
        else:
            verdict = _validated(batch, name, tagged, parameters, VERDICT_FORMAT)
            failed = {_position(r) for r in verdict.results if not r.success}
            if not failed:
                return [], None
            result = _validated(
                batch, name, [t for t in tagged if t["meta"][POSITION_KEY] in failed], parameters, RESULT_FORMAT
            )
            if (again := {_position(r) for r in result.results if not r.success}) != failed:
                raise RuntimeError(
                    f"Great Expectations gave two verdicts on suite {name!r}: expectations {sorted(failed)} failed "
                    f"without details, {sorted(again)} with them"
                )
    kept = _trimmed(result.to_json_dict()) if keep_result else None
    failed_results = sorted((r for r in result.results if not r.success), key=_position)
    return [_failure(r, expectations[_position(r)]) for r in failed_results], kept


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


def _validated(batch: Any, name: str, tagged: list[dict[str, Any]], parameters: dict[str, Any], form: dict) -> Any:
    suite = import_great_expectations().ExpectationSuite(name=name, expectations=tagged)
    return batch.validate(suite, expectation_parameters=parameters or None, result_format=form)


def _position(result: Any) -> int:
    return int(result.expectation_config.meta[POSITION_KEY])


def warm_up() -> None:
    """Import Great Expectations and make this process's context: what the expectations process does first."""
    _batch_definition()


# --- Great Expectations, lazily ------------------------------------------------------------------------------


# Modules Great Expectations imports when it is imported, for expectations the suites do not use (distribution
# tests, KL divergence charts): loaded on first use instead (issue #24: about 0.7 s of the 3–5 s import).
LAZY_MODULES = ("scipy", "scipy.stats", "altair")
# Optional dependencies of Great Expectations for SQL data sources. They are installed for Dagster's storage and the
# lake's catalog, but GE never uses them here: every suite runs on a pandas frame. In a process that has loaded none
# of them (the expectations process, ``expectations.service``) they are hidden while GE is imported, so GE takes its
# own "not installed" path instead of importing them and declaring its SQL data sources with them (issue #28: 0.25
# s of the 1.4 s import). In a process that has loaded any of them (the Dagster UI or daemon, a step worker, where
# other threads may be importing them meanwhile), nothing is hidden and GE sees them as before.
HIDDEN_MODULES = ("sqlalchemy", "psycopg2")


class _GreatExpectationsImport(importlib.abc.MetaPathFinder):
    """Finds ``LAZY_MODULES`` as the import system would, with a loader that executes a module on its first
    attribute access (``importlib.util.LazyLoader``); refuses ``hidden`` packages and their modules, as if they
    were not installed."""

    def __init__(self, hidden: tuple[str, ...]) -> None:
        self.hidden = hidden

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if name.partition(".")[0] in self.hidden:
            raise ModuleNotFoundError(f"No module named {name!r} (hidden from Great Expectations)", name=name)
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
    """``great_expectations``, imported once per process with analytics off, ``LAZY_MODULES`` loaded only if
    an expectation uses them, ``HIDDEN_MODULES`` unseen unless this process has loaded one of them already, and the
    garbage collector paused meanwhile."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    if "great_expectations" not in sys.modules:
        loaded = any(m in sys.modules for m in HIDDEN_MODULES)
        finder = _GreatExpectationsImport(() if loaded else HIDDEN_MODULES)
        sys.meta_path.insert(0, finder)
        try:
            with collection_paused():  # 0.2 s of the import (runtime.collection)
                import great_expectations  # noqa: F401 (imported for sys.modules)
        finally:
            sys.meta_path.remove(finder)
    return sys.modules["great_expectations"]


@cache
def _batch_definition() -> Any:
    """One ephemeral context per process, with a pandas data source whose batch is a whole frame."""
    gx = import_great_expectations()
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
