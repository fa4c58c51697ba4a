"""What analysts query most, stored instead of joined on every query (issue #18).

``v_indicator`` joins ``fact_indicator`` with four dimensions; at national scale (2.4 M facts) that join is most of
an analyst's query time. At the end of every build its rows are stored once in ``fact_indicator_wide``, sorted by
indicator, level, province and period, so DuckDB's zone maps skip the row groups a query does not need. Likewise
the few hundred rows of ``v_target_progress`` are stored in ``fact_target_progress``. The views stay, and now read
the tables: every query written against them keeps working, with the same columns and comments.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import duckdb

from warehouse.history import FACT_KEY
from warehouse.scope import IN_SCOPE

VIEWS_SQL = Path(__file__).parent / "sql" / "040_views.sql"
# view → (table, sort order, by area: refreshed for the areas in scope; else recomputed whole, a few hundred rows)
MATERIALISED = {
    "v_indicator": ("fact_indicator_wide", "indicator_code, area_level, province_code, period_code, area_code", True),
    "v_target_progress": ("fact_target_progress", "indicator_code, province_code", False),
}


@cache
def view_query(view: str) -> str:
    """The query of one of the views of ``040_views.sql`` (its ``CREATE VIEW <view> AS`` statement, to the
    semicolon that ends it): once the view reads its stored table, the stored table is refreshed from this."""
    found = re.search(rf"CREATE VIEW {view} AS\n(.*?);\n", VIEWS_SQL.read_text(encoding="utf-8"), re.S)
    if not found:
        raise ValueError(f"no CREATE VIEW {view} in {VIEWS_SQL}")
    return found.group(1)


def refresh_stored_views(con: duckdb.DuckDBPyConnection) -> None:
    """An incremental build: the stored rows of the facts it changed (``changed_fact``, ``warehouse.difference``)
    replaced by the views' queries; the target table recomputed. Only those rows: at size M one province is over half
    of the facts, and writing all of its wide rows again for one new month took 0.5 s, most of it their WAL and
    checkpoint (issue #28). The other columns of a wide row come from the dimensions, which an incremental build
    does not change (a new catalogue, unit list or code is a full build). Rows come in at the end (a full rebuild
    sorts them again)."""
    for view, (table, order, by_area) in MATERIALISED.items():
        if not by_area:
            con.execute(f"DELETE FROM {table}")
            con.execute(f"INSERT INTO {table} SELECT * FROM ({view_query(view)}) ORDER BY {order}")
            continue
        same = " AND ".join(f"t.{c} = c.{c}" for c in FACT_KEY)
        con.execute(f"DELETE FROM {table} t USING changed_fact c WHERE {same}")
        con.execute(
            f"INSERT INTO {table} SELECT v.* FROM ({view_query(view)}) v "
            f"SEMI JOIN changed_fact c USING ({', '.join(FACT_KEY)}) WHERE v.area_key {IN_SCOPE} ORDER BY {order}"
        )


def materialise_views(con: duckdb.DuckDBPyConnection) -> None:
    for view, (table, order, _) in MATERIALISED.items():
        comments = _column_comments(con, view)
        described = _view_comment(con, view)
        con.execute(f"CREATE TABLE {table} AS SELECT * FROM ({view_query(view)}) ORDER BY {order}")
        con.execute(f"CREATE OR REPLACE VIEW {view} AS SELECT * FROM {table}")
        # CREATE OR REPLACE drops COMMENT ON text: the view gets its own back, the table the same words
        con.execute(f"COMMENT ON VIEW {view} IS '{_sql(described)}'")
        con.execute(f"COMMENT ON TABLE {table} IS '{_sql(_table_comment(view))}'")
        for column, text in comments.items():
            for target in (view, table):
                con.execute(f"COMMENT ON COLUMN {target}.\"{column}\" IS '{_sql(text)}'")


def _column_comments(con: duckdb.DuckDBPyConnection, view: str) -> dict[str, str]:
    return dict(
        con.execute(
            "SELECT column_name, comment FROM duckdb_columns() WHERE database_name = current_database() "
            "AND table_name = ? AND comment IS NOT NULL",
            [view],
        ).fetchall()
    )


def _view_comment(con: duckdb.DuckDBPyConnection, view: str) -> str:
    [(text,)] = con.execute(
        "SELECT comment FROM duckdb_views() WHERE database_name = current_database() AND view_name = ?", [view]
    ).fetchall()
    return text or ""


def _table_comment(view: str) -> str:
    return (
        f"Bảng lưu sẵn của {view} (sắp xếp để truy vấn nhanh, tạo lại mỗi lần dựng kho). / "
        f"Stored copy of {view} (sorted for fast queries, rebuilt with the warehouse)."
    )


def _sql(text: str) -> str:
    return text.replace("'", "''")
