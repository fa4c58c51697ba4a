"""What the fault tests check after each fault (issue #17): the published file, the archive, the values."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import duckdb


def xhs_env(root: Path) -> dict[str, str]:
    """The environment of ``xhs`` with every path inside ``root`` (as ``tests.pipeline_helpers.run_xhs``)."""
    return {
        **os.environ,
        "XHS_DATA": str(root / "data"),
        "DAGSTER_HOME": str(root / ".dagster"),
        "XHS_LANDING": str(root / "landing"),
        "XHS_WAREHOUSE": str(root / "warehouse" / "xhs.duckdb"),
        "XHS_LAKE": str(root / "lake"),
    }


def fact_values(warehouse: Path) -> list[tuple]:
    """Every current value (indicator, area, period, value, numerator, denominator), sorted. Which file a value
    came from, and whether a province total was reported or summed when two files give the same number, depend
    on the order files were loaded in, so they are not compared; the numbers are."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        # rounded: a province sum adds its areas in the order they come, so its last digits may differ
        return con.execute(
            "SELECT indicator_code, area_key, period_code, round(value, 6), "
            "round(numerator_value, 6), round(denominator_value, 6) FROM fact_indicator "
            "ORDER BY ALL"
        ).fetchall()


def file_statuses(warehouse: Path) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute("SELECT sha256, landing_path, status, period_code FROM meta_file ORDER BY ALL").fetchall()


def misnamed_objects(data: Path) -> list[Path]:
    """Archived objects whose bytes do not hash to their name (none, ever)."""
    wrong = []
    for path in sorted((data / "raw" / "objects").glob("*/*")):
        if path.name.startswith(".tmp-"):  # a copy that never completed
            wrong.append(path)
            continue
        if ".json" in path.name:  # an imported sidecar of the earlier layout
            continue
        if hashlib.sha256(path.read_bytes()).hexdigest() != path.name.split(".")[0]:
            wrong.append(path)
    return wrong


def file_digest(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None
