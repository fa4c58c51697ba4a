"""One current value per indicator, area and period (issue #28): the build checks it instead of a PRIMARY KEY on
``fact_indicator``, whose index made a one-province update of a national table cost seconds."""

from __future__ import annotations

import duckdb
import pytest

from warehouse.build import SQL_DIR
from warehouse.history import DuplicateFacts, check_one_value_per_key

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
