"""Running the expectation suites on what the reader produced: a file as ``xhs validate`` and the pipeline check
it, many files at once (one suite run per source), and a whole ``stg_<source>`` table."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from expectations.checks import check_values, failing_files
from sources.archive.state import StateStore
from sources.areas.units import registry
from sources.common.findings import errors_in
from sources.reading.reader import ReadResult, read_file
from sources.specs.model import Spec
from sources.staging.stager import department_digest, reader_code_digest, staging_table_digest


def read_checked(
    path: Path, spec: Spec | None = None, period: str | None = None, *, name: str | None = None, sha256: str = ""
) -> ReadResult:
    """Read a file and, when the reader accepts it, run its source's expectation suite on the values:
    exactly what the pipeline does to a delivered file, and what ``xhs validate`` reports."""
    result = read_file(path, spec, period, name=name)
    if result.ok and result.source and result.vintage:
        known = registry().known_codes(result.vintage)
        values = result.values.with_columns(file_sha256=pl.lit(sha256))
        result.findings.extend(check_values(result.source, values, known, file=result.name, sheet=result.sheet))
    return result


def check_together(results: list[tuple[ReadResult, str]]) -> None:
    """``read_checked``'s expectation step for many files at once (results paired with their sha256): one
    suite run per source, unit list and set of fields instead of one per file. Every expectation of the
    suites is row-level (``tests/test_bench.py`` checks it) and the pivot has the same columns for files
    with the same fields, so a file none of whose rows fails would pass alone; a file with a failing row, or
    every file after a table-level failure, is checked again on its own, so its findings are exactly
    ``read_checked``'s."""
    groups: dict[tuple[str, str, tuple[str, ...]], list[tuple[ReadResult, str]]] = {}
    for result, sha in results:
        if result.ok and result.source and result.vintage and not result.values.is_empty():
            fields = tuple(sorted(set(result.values["field"].to_list())))
            groups.setdefault((result.source, result.vintage, fields), []).append((result, sha))
    for (source, vintage, _), members in groups.items():
        known = registry().known_codes(vintage)
        frames = {sha: r.values.with_columns(file_sha256=pl.lit(sha)) for r, sha in members}
        flagged = failing_files(source, pl.concat(list(frames.values())), known) if len(members) > 1 else None
        for result, sha in members:
            if flagged is None or sha in flagged:
                result.findings.extend(check_values(source, frames[sha], known, file=result.name, sheet=result.sheet))


def check_staging_table(source: str, path: Path, state: StateStore) -> dict:
    """The source's suite on the ``stg_<source>`` table: rows, errors, warnings, the first error messages.
    Every expectation of the suites is row-level (``tests/test_bench.py`` checks it), so rows that passed stay
    passed: when the last check passed with the same spec, suite and reader, only the rows of the files added to
    the table since are validated (``rows_checked``); otherwise the whole table. Kept in the state store, keyed
    by the table's bytes: a nightly run with nothing new does not validate (nor import Great Expectations)."""
    basis = reader_code_digest() + department_digest(source)
    key = staging_table_digest(path, state) + basis if path.exists() else None
    saved = state.memo(f"stg_{source}.check")
    if key and saved and saved.get("key") == key:
        return saved["outcome"]
    table = pl.scan_parquet(path) if path.exists() else None
    files = (
        sorted(table.select(pl.col("file_sha256").unique()).collect().to_series().to_list())
        if table is not None
        else []
    )
    since = set(saved.get("files") or []) if saved and saved.get("basis") == basis else set()
    if since and saved and saved["outcome"]["errors"] == 0 and table is not None:
        frame = table.filter(~pl.col("file_sha256").is_in(sorted(since))).collect()
    else:
        frame = table.collect() if table is not None else pl.DataFrame()
    known = sorted({c for v in registry().vintages for c in registry().known_codes(v)})
    results: list[dict] = []
    findings = check_values(source, frame, known, results=results) if frame.height else []
    errors = errors_in(findings)
    outcome = {
        "rows": table.select(pl.len()).collect().item() if table is not None else 0,
        "rows_checked": frame.height,
        "errors": len(errors),
        "warnings": len(findings) - len(errors),
        "first_errors": [f.message_en for f in errors[:10]],
    }
    if key:
        state.remember(f"stg_{source}.check", {"key": key, "basis": basis, "files": files, "outcome": outcome})
        state.remember(f"stg_{source}.check.results", {"key": key, "results": results})
    return outcome


def staging_validation_results(source: str, state: StateStore) -> list[dict]:
    """Great Expectations' validation result of the last check of ``stg_<source>`` (``check_staging_table``), as
    JSON; empty when the table has not been checked yet (or had no rows)."""
    check, saved = state.memo(f"stg_{source}.check"), state.memo(f"stg_{source}.check.results")
    if not check or not saved or saved.get("key") != check.get("key"):
        return []
    return saved.get("results") or []
