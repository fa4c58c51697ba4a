"""``meta_file`` and ``meta_finding``: one row per delivery with its status, and every finding of the reader
and the suites, for the given files (all of them on a full build, the changed ones on an incremental one)."""

from __future__ import annotations

import duckdb
import polars as pl

from sources.archive.landing import REFUSAL_RULES, Refusal
from sources.archive.raw import ArchivedObject
from sources.archive.state import StagedFile
from warehouse.dimensions import insert_frame

# Findings the build derives across files (province sums, restatements, series, missing areas): recomputed for
# the provinces a build touches, unlike the reader's and the suites' findings, which come with each file.
DERIVED_RULES = (
    "province_sum_mismatch",
    "simultaneous_conflict",
    "restatement",
    "cumulative_decrease",
    "year_on_year_jump",
    "missing_areas",
)


def delete_meta(con: duckdb.DuckDBPyConnection, shas: list[str]) -> None:
    """Forget every row of these files in ``meta_file`` and ``meta_finding`` (before they are loaded again)."""
    for table, column in (("meta_file", "sha256"), ("meta_finding", "file_sha256")):
        con.execute(f"DELETE FROM {table} WHERE list_contains(?, {column})", [shas])


def load_meta(con: duckdb.DuckDBPyConnection, objects: list[ArchivedObject], outcomes: dict[str, StagedFile]) -> None:
    """Insert the rows of ``objects`` (their outcomes in ``outcomes``, by sha256)."""
    files, findings = [], []
    for obj in objects:
        staged = outcomes.get(obj.sha256)
        n_err = len(staged.errors) if staged else None
        n_warn = len(staged.findings) - n_err if staged and n_err is not None else None
        n_values = None
        if staged and staged.values_path:
            n_values = pl.scan_parquet(staged.values_path).select(pl.len()).collect().item()
        for k, d in enumerate(obj.deliveries):
            status = (staged.status if staged else "received") if k == 0 else "duplicate"
            files.append(
                (
                    obj.sha256,
                    d.name,
                    d.landing_path,
                    staged.source if staged else obj.source,
                    staged.period if staged else None,
                    staged.province_code if staged else None,
                    status,
                    obj.size_bytes,
                    d.received_at,
                    staged.loaded_at if staged and k == 0 else None,
                    n_values,
                    n_err,
                    n_warn,
                )
            )
        for f in staged.findings if staged else []:
            findings.append(
                (
                    obj.sha256,
                    obj.name,
                    f.sheet,
                    f.cell,
                    f.rule,
                    f.severity,
                    f.message_vi,
                    f.message_en,
                    f.expected,
                    f.found,
                    None,
                )
            )
    insert_frame(
        con,
        "meta_file",
        pl.DataFrame(
            files,
            orient="row",
            schema={
                "sha256": pl.String,
                "original_name": pl.String,
                "landing_path": pl.String,
                "source": pl.String,
                "period_code": pl.String,
                "province_code": pl.String,
                "status": pl.String,
                "size_bytes": pl.Int64,
                "received_at": pl.String,
                "loaded_at": pl.String,
                "n_values": pl.Int64,
                "n_errors": pl.Int64,
                "n_warnings": pl.Int64,
            },
        ).with_columns(pl.col("received_at", "loaded_at").str.to_datetime(time_zone="UTC").dt.replace_time_zone(None)),
    )
    insert_frame(
        con,
        "meta_finding",
        pl.DataFrame(
            findings,
            orient="row",
            schema=[
                "file_sha256",
                "file_name",
                "sheet",
                "cell",
                "rule",
                "severity",
                "message_vi",
                "message_en",
                "expected",
                "found",
                "area_key",
            ],
        ),
    )


def load_refusals(con: duckdb.DuckDBPyConnection, refused: list[Refusal]) -> None:
    """One ``meta_finding`` row (an error with no file sha256: nothing was read) for every entry of the landing
    folder that was not opened (``sources.archive.landing``): its landing path, the rule, the messages, and what it
    was in ``found`` (a symbolic link, a FIFO…), never a link's target. Replaces the rows of the last build."""
    con.execute("DELETE FROM meta_finding WHERE file_sha256 IS NULL AND list_contains(?, rule)", [list(REFUSAL_RULES)])
    rows = [
        (None, r.path, None, None, r.rule, "error", r.message_vi, r.message_en, None, r.kind, None) for r in refused
    ]
    if rows:
        con.executemany("INSERT INTO meta_finding VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
