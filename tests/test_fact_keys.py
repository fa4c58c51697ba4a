"""One current value per indicator, area and period (issue #28): the build checks it instead of a PRIMARY KEY on
``fact_indicator``, whose index made a one-province update of a national table cost seconds."""

from __future__ import annotations

import duckdb
import pytest

from warehouse.build import SQL_DIR
from warehouse.history import DuplicateFacts, check_one_value_per_key
from warehouse.scope import keep_previous_facts, mark_changed_facts

ROW = "INSERT INTO fact_indicator VALUES (?, ?, '2024', 1, NULL, NULL, NULL, NULL, NULL, 'reported', 'x', NULL)"


def warehouse() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for sql in sorted(SQL_DIR.glob("*.sql")):
        con.execute(sql.read_text(encoding="utf-8"))
    con.execute("CREATE TEMP TABLE scope_area AS SELECT 'a1' AS area_key")
    return con


def test_the_table_takes_a_second_row_and_the_build_check_refuses_it() -> None:
    con = warehouse()
    con.execute(ROW, ["tel_mobile", "a1"])
    con.execute(ROW, ["tel_mobile", "a2"])
    check_one_value_per_key(con, everything=True)  # one value each: nothing to say

    con.execute(ROW, ["tel_mobile", "a1"])  # no index refuses it any more: the check must
    with pytest.raises(DuplicateFacts, match=r"tel_mobile a1 2024 ×2") as raised:
        check_one_value_per_key(con, everything=False)
    assert "không được công bố" in str(raised.value) and "not published" in str(raised.value)


def test_an_incremental_build_checks_the_areas_it_wrote() -> None:
    con = warehouse()
    con.execute(ROW, ["tel_mobile", "a2"])
    con.execute(ROW, ["tel_mobile", "a2"])  # outside the scope of this build
    check_one_value_per_key(con, everything=False)
    with pytest.raises(DuplicateFacts, match="a2"):
        check_one_value_per_key(con, everything=True)


def test_the_facts_an_incremental_build_changed_are_told_from_those_it_wrote_again() -> None:
    """What is stored beside the facts (the wide table, the lake) and checked again follows ``changed_fact``: the
    facts of the areas in scope that were added, removed or changed in any column, not every fact recomputed."""
    con = warehouse()
    row = "INSERT INTO fact_indicator VALUES (?, ?, '2024', ?, NULL, NULL, NULL, NULL, NULL, 'reported', ?, ?)"
    before = [
        ("tel_mobile", "a1", 1.0, "f1", "2026-01-01"),  # written again, the same in every column
        ("tel_fixed", "a1", 2.0, "f1", "2026-01-01"),  # another value
        ("tel_internet", "a1", 3.0, "f1", "2026-01-01"),  # the same value from another file
        ("tel_broadband", "a1", 4.0, "f1", "2026-01-01"),  # the same value, loaded again later
        ("tel_landline", "a1", 5.0, "f1", "2026-01-01"),  # gone
        ("tel_mobile", "a3", 6.0, "f1", "2026-01-01"),  # outside the scope: not recomputed
    ]
    for r in before:
        con.execute(row, list(r))
    keep_previous_facts(con)
    con.execute("DELETE FROM fact_indicator WHERE area_key IN (SELECT area_key FROM scope_area)")
    after = [
        ("tel_mobile", "a1", 1.0, "f1", "2026-01-01"),
        ("tel_fixed", "a1", 2.5, "f1", "2026-01-01"),
        ("tel_internet", "a1", 3.0, "f2", "2026-01-01"),
        ("tel_broadband", "a1", 4.0, "f1", "2026-02-01"),
        ("tel_new", "a1", 7.0, "f2", "2026-02-01"),  # new
    ]
    for r in after:
        con.execute(row, list(r))
    assert mark_changed_facts(con) == 5
    changed = {i for (i,) in con.execute("SELECT indicator_code FROM changed_fact WHERE area_key = 'a1'").fetchall()}
    assert changed == {"tel_fixed", "tel_internet", "tel_broadband", "tel_landline", "tel_new"}
    assert con.execute("SELECT count(*) FROM changed_fact WHERE area_key <> 'a1'").fetchall() == [(0,)]
