"""Running the expectation suites on what the reader produced: a file as ``xhs validate`` and the pipeline check
it, many files at once (one suite run per source), and a whole ``stg_<source>`` table."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from expectations.checks import check_values, failing_files
from sources.archive.state import StateStore
from sources.areas.units import registry
from sources.common.findings import errors_in
from sources.reading.reader import ReadResult, SuiteCheck, read_file
from sources.specs.model import Spec
from sources.staging.stager import (
    file_checks_memo,
    scan_staging_table,
    source_read_key,
    staging_table_digest,
)


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
    ``read_checked``'s. A file checked by itself (``results`` holds it alone: ``Stager.stage``) keeps the suite's
    result (``ReadResult.suite_check``) for the staging table's check."""
    alone = len(results) == 1
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
                validation: list[dict] | None = [] if alone else None
                found = check_values(
                    source, frames[sha], known, file=result.name, sheet=result.sheet, results=validation
                )
                result.findings.extend(found)
                if validation is not None:
                    result.suite_check = SuiteCheck(validation, len(found))


def check_staging_table(source: str, path: Path, state: StateStore) -> dict:
    """The source's suite on the ``stg_<source>`` table: rows, errors, warnings, the first error messages.
    Every expectation of the suites is row-level (``tests/test_bench.py`` checks it), so rows that passed stay
    passed: when the last check passed with the same spec, suite and reader, only the rows of the files added to
    the table since are validated (``rows_checked``); otherwise the whole table. Kept in the state store, keyed
    by the table's bytes: a nightly run with nothing new does not validate (nor import Great Expectations).

    The one file added since is not validated a second time when it was validated on its own, under the same spec,
    suite and reader, as it was staged (``file_checks_memo``, issue #28): that check is this one on the same rows,
    with the area codes of the file's own unit list, which are among the codes the table accepts (the codes of
    every list), so a row it passed passes here. Its findings were warnings (a file with an error does not reach
    the table), as many as this check would find on those rows, and its Great Expectations result is this check's,
    for Data Docs (``checked_with_files``). Two or more files added: validated here, in one result."""
    basis = source_read_key(source)  # the spec, suite and reader the rows were read and checked with
    table = scan_staging_table(path)
    key = staging_table_digest(path, state) + basis if table is not None else None
    saved = state.memo(f"stg_{source}.check")
    if key and saved and saved.get("key") == key:
        return saved["outcome"]
    rows_of: dict[str, int] = (
        dict(table.group_by("file_sha256").len().collect().iter_rows()) if table is not None else {}
    )
    files = sorted(rows_of)
    since = set(saved.get("files") or []) if saved and saved.get("basis") == basis else set()
    clean = bool(since) and saved is not None and saved["outcome"]["errors"] == 0
    added = [f for f in files if f not in since]
    checked = state.memo(file_checks_memo(source)) or {}
    results: list[dict] = []
    rows = sum(rows_of.values())
    if clean and len(added) == 1 and checked.get(added[0], {}).get("key") == basis:
        (only,) = added
        results = list(checked[only]["results"])
        outcome = {
            "rows": rows,
            "rows_checked": rows_of[only],
            "checked_with_files": 1,
            "errors": 0,
            "warnings": checked[only]["findings"],
            "first_errors": [],
        }
    else:
        if clean and table is not None:
            frame = table.filter(~pl.col("file_sha256").is_in(sorted(since))).collect()
        else:
            frame = table.collect() if table is not None else pl.DataFrame()
        known = sorted({c for v in registry().vintages for c in registry().known_codes(v)})
        findings = check_values(source, frame, known, results=results) if frame.height else []
        errors = errors_in(findings)
        outcome = {
            "rows": rows,
            "rows_checked": frame.height,
            "checked_with_files": 0,
            "errors": len(errors),
            "warnings": len(findings) - len(errors),
            "first_errors": [f.message_en for f in errors[:10]],
        }
    if key:
        state.remember(f"stg_{source}.check", {"key": key, "basis": basis, "files": files, "outcome": outcome})
        state.remember(f"stg_{source}.check.results", {"key": key, "results": results})
        state.remember(file_checks_memo(source), {})  # taken: the next check starts from the files staged after it
    return outcome


def staging_validation_results(source: str, state: StateStore) -> list[dict]:
    """Great Expectations' validation result of the last check of ``stg_<source>`` (``check_staging_table``), as
    JSON; empty when the table has not been checked yet (or had no rows)."""
    check, saved = state.memo(f"stg_{source}.check"), state.memo(f"stg_{source}.check.results")
    if not check or not saved or saved.get("key") != check.get("key"):
        return []
    return saved.get("results") or []
