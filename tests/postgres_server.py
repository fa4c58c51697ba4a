"""The throwaway PostgreSQL server of the tests that need one (issue #15): started once per session on
loopback, stopped at the end. Without Debian's PostgreSQL those tests skip loudly, except under ``CI=true``,
where a missing server fails them (``make test`` installs it, like chromium)."""

from __future__ import annotations

import os

import pytest

from deploy.local_postgres import LocalPostgres, PostgresUnavailable, start_local_postgres

# Characters a careless log would keep, and none that libpq or a URL would have to escape.
PASSWORD = "xhs-Secret-7f3a9c1e5d"


@pytest.fixture(scope="session")
def postgres() -> LocalPostgres:
    try:
        server = start_local_postgres(password=PASSWORD)
    except PostgresUnavailable as exc:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"PostgreSQL is required under CI=true: {exc}")
        pytest.skip(f"!!! PostgreSQL tests skipped: {exc} !!!")
    yield server
    server.stop()


def postgres_env(server: LocalPostgres, password_file: str) -> dict[str, str]:
    """The settings of a Postgres-backed ``xhs``: the URL without password, the password in a file."""
    env = {k: v for k, v in os.environ.items() if k not in {"PGPASSWORD", "XHS_POSTGRES_PASSWORD_FILE"}}
    return {
        **env,
        "XHS_INSTANCE": "postgres",
        "XHS_POSTGRES_URL": server.url,
        "XHS_POSTGRES_PASSWORD_FILE": password_file,
    }
