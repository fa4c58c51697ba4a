"""A persistent ``DAGSTER_HOME`` inside the project so ``xhs ui`` shows the history of ``xhs run``; its
dagster.yaml is the embedded SQLite instance or, with ``XHS_INSTANCE=postgres``, PostgreSQL
(``assets/instance.py``, ``deploy/dagster-postgres.yaml``)."""

from __future__ import annotations

import os
from pathlib import Path

from assets.instance import check_home_matches, default_home, export_password, instance_choice, instance_yaml


def ensure_dagster_home(home: Path | None = None) -> Path:
    """The Dagster home (``DAGSTER_HOME``, default ``.dagster/``, or ``.dagster/postgres/`` for PostgreSQL, in the
    current directory), with its dagster.yaml written on first use. The environment is left as it is, but for
    the PostgreSQL password of ``XHS_POSTGRES_PASSWORD_FILE``, which libpq only takes from the environment:
    commands open the instance from this folder (``open_instance``) and hand it to the processes they start."""
    choice = instance_choice()
    home = Path(home or os.environ.get("DAGSTER_HOME") or default_home(choice)).expanduser().resolve()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text(instance_yaml(choice), encoding="utf-8")
    check_home_matches(home, choice)
    export_password()
    return home


def open_instance(home: Path):
    """The Dagster instance kept in ``home``. Opening it creates its SQLite storage on first use; two ``xhs run``
    started at the same moment on a new home both tried to create the tables ("table secondary_indexes already
    exists"), so the opening is serialised by a lock file in the home."""
    import fcntl

    import dagster as dg

    with (home / ".open.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            instance = dg.DagsterInstance.from_config(str(home))
            instance.get_runs(limit=1)  # the run and event storages are created now, under the lock
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return instance
