"""Running the real ``xhs`` command against a temporary landing folder and warehouse."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb


def run_xhs(root: Path, *args: str, umask: int = -1, **env_extra: str) -> subprocess.CompletedProcess[str]:
    """``xhs run`` (or another subcommand) with every path inside ``root``; nothing touches the repo's data.
    ``umask``: the one the command is started with (-1: this process's); ``env_extra``: more settings."""
    env = {
        **os.environ,
        "XHS_DATA": str(root / "data"),
        "DAGSTER_HOME": str(root / ".dagster"),
        "XHS_LANDING": str(root / "landing"),
        "XHS_WAREHOUSE": str(root / "warehouse" / "xhs.duckdb"),
        "XHS_LAKE": str(root / "lake"),
        **env_extra,
    }
    return subprocess.run(
        [sys.executable, "-m", "pipelines.cli", *args],
        env=env,
        cwd=root,
        capture_output=True,
        text=True,
        timeout=600,
        umask=umask,
    )


def query(root: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(root / "warehouse" / "xhs.duckdb"), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()
