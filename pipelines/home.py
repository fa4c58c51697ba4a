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


def ensure_dagster_home(home: Path | None = None) -> Path:
    """The Dagster home (``DAGSTER_HOME``, default ``.dagster/`` in the current directory), with its dagster.yaml
    written on first use. The environment is left as it is: commands open the instance from this folder
    (``open_instance``) and hand it to the processes they start."""
    home = Path(home or os.environ.get("DAGSTER_HOME") or ".dagster").expanduser().resolve()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text(DAGSTER_YAML, encoding="utf-8")
    return home


def open_instance(home: Path):
    """The Dagster instance kept in ``home``."""
    import dagster as dg

    return dg.DagsterInstance.from_config(str(home))
