"""A persistent ``DAGSTER_HOME`` inside the project so ``xhs ui`` shows the history of ``xhs run``."""

from __future__ import annotations

import os
from pathlib import Path

DAGSTER_YAML = """\
# Written by xhs on first use. Runs, event logs and schedules are kept in this folder (git-ignored).
telemetry:
  enabled: false
concurrency:
  pools:
    # Every asset that writes DuckDB is in the pool "duckdb_writer": one writer at a time.
    default_limit: 1
"""


def ensure_dagster_home() -> Path:
    """Set ``DAGSTER_HOME`` (default ``.dagster/`` in the current directory) and write its dagster.yaml."""
    home = Path(os.environ.get("DAGSTER_HOME") or ".dagster").expanduser().resolve()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text(DAGSTER_YAML, encoding="utf-8")
    os.environ["DAGSTER_HOME"] = str(home)
    os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "true")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    return home
