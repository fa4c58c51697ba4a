"""Tables brought up to date by difference (issue #28).

An incremental build recomputes everything of the provinces in scope, but a new month of one province changes only
that month's rows and the few derived from it. Deleting all the province's rows and inserting them again wrote them
all to DuckDB's WAL: at size XL, 8 MB of history and 5 MB of facts for one new file, enough for a checkpoint in the
middle of the build (0.5–0.7 s). ``replace_in_scope`` writes only the rows that differ; the table ends exactly
as a delete and insert would leave it (``tests/test_incremental.py`` compares every table with a rebuild).
"""

from __future__ import annotations

import duckdb

from warehouse.scope import IN_SCOPE


def replace_in_scope(
    con: duckdb.DuckDBPyConnection,
    table: str,
    fresh: str,
    *,
    changed: str | None = None,
    keys: tuple[str, ...] = (),
) -> int:
    """Make the rows of ``table`` in the areas in scope (``scope_area``) those of ``fresh`` (a table with the same
    columns): a row in both stays where it is, a row only in ``table`` is deleted, a row only in ``fresh`` is
    inserted. Rows are compared in every column, NULL equal to NULL, and as multisets (two equal rows are two).
    ``changed``: the name of a temp table to hold the ``keys`` of the rows deleted or inserted. Returns the number
    of rows inserted. (A full build writes its empty tables directly.)"""
    columns = [d[0] for d in con.execute(f"SELECT * FROM {table} LIMIT 0").description]
    listed = ", ".join(f'"{c}"' for c in columns)
    copy = f"row_number() OVER (PARTITION BY {listed}) AS copy_number"  # the n-th of equal rows meets the n-th
    same = " AND ".join([*(f'o."{c}" IS NOT DISTINCT FROM f."{c}"' for c in columns), "o.copy_number = f.copy_number"])
    # one transaction: the row ids read first are those deleted (no checkpoint can come in between)
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE old_rows AS "
            f"SELECT rowid AS row_id, {listed}, {copy} FROM {table} WHERE area_key {IN_SCOPE}"
        )
        con.execute(f"CREATE OR REPLACE TEMP TABLE fresh_rows AS SELECT {listed}, {copy} FROM {fresh}")
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE stale_rows AS SELECT o.* FROM old_rows o ANTI JOIN fresh_rows f ON {same}"
        )
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE new_rows AS SELECT f.* FROM fresh_rows f ANTI JOIN old_rows o ON {same}"
        )
        con.execute(f"DELETE FROM {table} WHERE rowid IN (SELECT row_id FROM stale_rows)")
        con.execute(f"INSERT INTO {table} SELECT {listed} FROM new_rows")
        if changed:
            key = ", ".join(keys)
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE {changed} AS SELECT DISTINCT {key} FROM "
                f"(SELECT {key} FROM stale_rows UNION ALL SELECT {key} FROM new_rows)"
            )
        inserted = con.execute("SELECT count(*) FROM new_rows").fetchall()[0][0]
        for temporary in ("old_rows", "fresh_rows", "stale_rows", "new_rows"):
            con.execute(f"DROP TABLE {temporary}")
        con.execute("COMMIT")
    except BaseException:
        _roll_back(con)
        raise
    return inserted


def _roll_back(con: duckdb.DuckDBPyConnection) -> None:
    """Undo the transaction after a failure (an interrupted query may have ended it already: nothing to undo)."""
    try:
        con.execute("ROLLBACK")
    except duckdb.TransactionException:
        return
