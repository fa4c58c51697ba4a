"""One current value per indicator, area and period (issue #28): the build checks it instead of a PRIMARY KEY on
``fact_indicator``, whose index made a one-province update of a national table cost seconds."""

from __future__ import annotations

import duckdb
import pytest

from warehouse.build import SQL_DIR
from warehouse.difference import replace_in_scope
from warehouse.history import DuplicateFacts, check_one_value_per_key

ROW = "INSERT INTO fact_indicator VALUES (?, ?, '2024', 1, NULL, NULL, NULL, NULL, NULL, 'reported', 'x', NULL)"


def warehouse() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for sql in sorted(SQL_DIR.glob("*.sql")):
        con.execute(sql.read_text(encoding="utf-8"))
    con.execute("CREATE TEMP TABLE scope_area AS SELECT 'a1' AS area_key")
    con.execute("CREATE TEMP TABLE scope_fact AS SELECT * FROM fact_indicator LIMIT 0")  # what a build made
    return con


def test_the_table_takes_a_second_row_and_the_build_check_refuses_it() -> None:
    con = warehouse()
    con.execute(ROW, ["tel_mobile", "a1"])
    con.execute(ROW, ["tel_mobile", "a1"])  # no index refuses it any more: the check must, on what a build makes
    made = ROW.replace("INTO fact_indicator", "INTO scope_fact")
    con.execute(made, ["tel_mobile", "a1"])
    con.execute(made, ["tel_mobile", "a2"])
    check_one_value_per_key(con)  # one value each: nothing to say

    con.execute(made, ["tel_mobile", "a1"])
    with pytest.raises(DuplicateFacts, match=r"tel_mobile a1 2024 ×2") as raised:
        check_one_value_per_key(con)
    assert "không được công bố" in str(raised.value) and "not published" in str(raised.value)


FACT = "INSERT INTO {} VALUES (?, ?, '2024', ?, NULL, NULL, NULL, NULL, NULL, 'reported', ?, ?)"


def test_the_facts_made_replace_those_in_scope_by_difference() -> None:
    """``replace_in_scope`` writes only the rows that differ (issue #28): a row equal in every column (NULLs
    included) stays where it is, a row that changed in any column is written again, a row gone is deleted, equal
    rows count one by one; the areas out of scope are not touched; ``changed_fact`` holds the keys written."""
    con = warehouse()
    before = [
        ("tel_mobile", "a1", 1.0, "f1", "2026-01-01"),  # made again, the same in every column
        ("tel_fixed", "a1", 2.0, "f1", "2026-01-01"),  # another value
        ("tel_internet", "a1", 3.0, "f1", "2026-01-01"),  # the same value from another file
        ("tel_broadband", "a1", 4.0, "f1", "2026-01-01"),  # the same value, loaded again later
        ("tel_landline", "a1", 5.0, "f1", "2026-01-01"),  # gone
        ("tel_twice", "a1", 8.0, "f1", "2026-01-01"),  # twice before, once after
        ("tel_twice", "a1", 8.0, "f1", "2026-01-01"),
        ("tel_mobile", "a3", 6.0, "f1", "2026-01-01"),  # outside the scope: not made again, not touched
    ]
    for row in before:
        con.execute(FACT.format("fact_indicator"), list(row))
    [(kept,)] = con.execute(
        "SELECT rowid FROM fact_indicator WHERE indicator_code = 'tel_mobile' AND area_key = 'a1'"
    ).fetchall()
    after = [
        ("tel_mobile", "a1", 1.0, "f1", "2026-01-01"),
        ("tel_fixed", "a1", 2.5, "f1", "2026-01-01"),
        ("tel_internet", "a1", 3.0, "f2", "2026-01-01"),
        ("tel_broadband", "a1", 4.0, "f1", "2026-02-01"),
        ("tel_twice", "a1", 8.0, "f1", "2026-01-01"),
        ("tel_new", "a1", 7.0, "f2", "2026-02-01"),  # new
    ]
    for row in after:
        con.execute(FACT.format("scope_fact"), list(row))

    inserted = replace_in_scope(
        con, "fact_indicator", "scope_fact", changed="changed_fact", keys=("indicator_code", "area_key", "period_code")
    )

    assert inserted == 4  # fixed, internet, broadband, new
    rows = "SELECT * FROM fact_indicator WHERE area_key = 'a1' ORDER BY ALL"
    assert con.execute(rows).fetchall() == con.execute("SELECT * FROM scope_fact ORDER BY ALL").fetchall()
    assert con.execute(
        "SELECT rowid FROM fact_indicator WHERE indicator_code = 'tel_mobile' AND area_key = 'a1'"
    ).fetchall() == [(kept,)]
    assert con.execute("SELECT value FROM fact_indicator WHERE area_key = 'a3'").fetchall() == [(6.0,)]
    changed = {i for (i,) in con.execute("SELECT indicator_code FROM changed_fact").fetchall()}
    assert changed == {"tel_fixed", "tel_internet", "tel_broadband", "tel_landline", "tel_twice", "tel_new"}


KEYS = ("indicator_code", "area_key", "period_code")
NULLABLE = "INSERT INTO {} VALUES (?, ?, '2024', ?, ?, NULL, NULL, NULL, NULL, 'reported', ?, TIMESTAMP '2026-01-01')"


@pytest.mark.parametrize("unique", [False, True])
def test_facts_unique_by_key_are_paired_by_key_and_end_as_the_multiset_comparison_leaves_them(unique: bool) -> None:
    """``replace_in_scope(..., unique=True)``, the build's path for ``fact_indicator`` (one row per key on both
    sides): rows are paired by key instead of numbered and compared in every column, and the table, the rows kept in
    place, the count inserted and ``changed_fact`` are what the multiset comparison gives. A NULL equals a NULL; a
    value that becomes NULL, or a NULL that becomes a value, is a change."""
    con = warehouse()
    before = [
        ("tel_mobile", "a1", 1.0, None, "f1"),  # the same, with a NULL bound
        ("tel_fixed", "a1", 2.0, None, "f1"),  # another value
        ("tel_internet", "a1", 3.0, None, "f1"),  # the same value from another file
        ("tel_range", "a1", None, 10.0, "f1"),  # a bound that becomes a value
        ("tel_landline", "a1", 5.0, None, "f1"),  # gone
        ("tel_blank", "a1", None, None, "f1"),  # NULL in both, the same
        ("tel_mobile", "a3", 6.0, None, "f1"),  # outside the scope
    ]
    after = [
        ("tel_mobile", "a1", 1.0, None, "f1"),
        ("tel_fixed", "a1", 2.5, None, "f1"),
        ("tel_internet", "a1", 3.0, None, "f2"),
        ("tel_range", "a1", 12.0, None, "f1"),
        ("tel_blank", "a1", None, None, "f1"),
        ("tel_new", "a1", 7.0, None, "f2"),  # new
    ]
    for row in before:
        con.execute(NULLABLE.format("fact_indicator"), list(row))
    for row in after:
        con.execute(NULLABLE.format("scope_fact"), list(row))
    kept_before = con.execute(
        "SELECT rowid, indicator_code FROM fact_indicator WHERE indicator_code IN ('tel_mobile', 'tel_blank') "
        "ORDER BY ALL"
    ).fetchall()

    inserted = replace_in_scope(con, "fact_indicator", "scope_fact", changed="changed_fact", keys=KEYS, unique=unique)

    assert inserted == 4  # fixed, internet, range, new
    rows = "SELECT * FROM fact_indicator WHERE area_key = 'a1' ORDER BY ALL"
    assert con.execute(rows).fetchall() == con.execute("SELECT * FROM scope_fact ORDER BY ALL").fetchall()
    assert (
        con.execute(
            "SELECT rowid, indicator_code FROM fact_indicator WHERE indicator_code IN ('tel_mobile', 'tel_blank') "
            "ORDER BY ALL"
        ).fetchall()
        == kept_before
    )  # rows equal on both sides stay where they are (tel_mobile of a3 too)
    assert con.execute("SELECT value FROM fact_indicator WHERE area_key = 'a3'").fetchall() == [(6.0,)]
    changed = con.execute("SELECT * FROM changed_fact ORDER BY ALL").fetchall()
    assert changed == [
        (code, "a1", "2024") for code in sorted(["tel_fixed", "tel_internet", "tel_range", "tel_landline", "tel_new"])
    ]
    assert not con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'changed_pair'").fetchall()[0][0]


def test_pairing_by_key_needs_the_keys() -> None:
    with pytest.raises(ValueError, match="needs the keys"):
        replace_in_scope(warehouse(), "fact_indicator", "scope_fact", unique=True)
