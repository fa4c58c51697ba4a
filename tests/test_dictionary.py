"""The data dictionary in the repository is the one the metadata generates, and every object is documented."""

from pathlib import Path

import duckdb

from warehouse.build import SQL_DIR
from warehouse.dictionary import OUT, render


def test_data_dictionary_is_up_to_date() -> None:
    assert OUT.read_text(encoding="utf-8") == render(), "run: python -m warehouse.dictionary"


def test_every_table_view_and_column_is_commented_in_both_languages() -> None:
    con = duckdb.connect()
    for sql in sorted(Path(SQL_DIR).glob("*.sql")):
        con.execute(sql.read_text(encoding="utf-8"))
    objects = con.execute(
        "SELECT table_name, comment FROM duckdb_tables() UNION ALL "
        "SELECT view_name, comment FROM duckdb_views() WHERE NOT internal"
    ).fetchall()
    columns = con.execute(
        "SELECT table_name || '.' || column_name, comment FROM duckdb_columns() WHERE NOT internal"
    ).fetchall()
    missing = [name for name, comment in objects + columns if not comment or " / " not in comment]
    assert missing == []
