"""Which Dagster instance a run records into (DESIGN §9b): the embedded default, SQLite in ``DAGSTER_HOME``
(``.dagster/``), or, with ``XHS_INSTANCE=postgres``, PostgreSQL storage shared by every host and process.

Settings: ``XHS_INSTANCE`` (``sqlite`` default, or ``postgres``); ``XHS_POSTGRES_URL``
(``postgresql+psycopg2://USER@HOST:PORT/DATABASE``, no password in it); the password from ``PGPASSWORD`` or
``XHS_POSTGRES_PASSWORD_FILE`` (a file holding only the password) or libpq's own ``PGPASSFILE``. The password is
handed to libpq through the environment of this process and its children; it never enters the instance's
configuration, a run's tags or config, a log, a report or a summary."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

INSTANCE_ENV = "XHS_INSTANCE"
URL_ENV = "XHS_POSTGRES_URL"
PASSWORD_FILE_ENV = "XHS_POSTGRES_PASSWORD_FILE"
PASSWORD_ENV = "PGPASSWORD"  # libpq's own variable: psycopg2 (Dagster's storage, the lake's catalog) reads it
EMBEDDED, POSTGRES = "sqlite", "postgres"
POSTGRES_TEMPLATE = Path(__file__).resolve().parent.parent / "deploy" / "dagster-postgres.yaml"

SQLITE_YAML = """\
# Written by xhs on first use. Runs, event logs and schedules are kept in this folder (git-ignored).
telemetry:
  enabled: false
python_logs:
  python_log_level: INFO  # step workers print no DEBUG lines of their own
  managed_python_loggers:
    - xhs.progress  # with XHS_PROGRESS=log, a run's progress (stage, files read n/N) is in its log in the UI
concurrency:
  pools:
    # Every asset that writes DuckDB is in the pool "duckdb_writer": one writer at a time.
    default_limit: 1
"""


class InstanceSettingError(ValueError):
    """The instance settings are incomplete or unsafe; the message says which and what to do."""


@dataclass(frozen=True)
class InstanceChoice:
    kind: str  # EMBEDDED or POSTGRES
    url: str | None = None  # without password
    password_from: str | None = None  # where libpq gets the password (a variable or file name, never the value)

    @property
    def shared(self) -> bool:
        """Runs of other hosts are recorded here: a process id means nothing across them."""
        return self.kind == POSTGRES


def instance_choice() -> InstanceChoice:
    """The instance chosen by the environment, checked; raises ``InstanceSettingError`` with what to fix."""
    kind = (os.environ.get(INSTANCE_ENV) or EMBEDDED).strip().lower()
    if kind in {"", EMBEDDED, "embedded"}:
        return InstanceChoice(EMBEDDED)
    if kind != POSTGRES:
        raise InstanceSettingError(
            f"{INSTANCE_ENV}={kind!r} is not an instance kind: use 'sqlite' (default) or "
            f"'postgres' / {INSTANCE_ENV} chỉ nhận 'sqlite' (mặc định) hoặc 'postgres'"
        )
    return InstanceChoice(POSTGRES, _checked_url(os.environ.get(URL_ENV, "")), _password_source())


def _checked_url(url: str) -> str:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    if not url:
        raise InstanceSettingError(
            f"{INSTANCE_ENV}=postgres needs {URL_ENV}, e.g. postgresql+psycopg2://xhs@127.0.0.1:5432/xhs / "
            f"{INSTANCE_ENV}=postgres cần {URL_ENV}, ví dụ postgresql+psycopg2://xhs@127.0.0.1:5432/xhs"
        )
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise InstanceSettingError(
            f"{URL_ENV} is not a database URL: write postgresql+psycopg2://USER@HOST:PORT/DB "
            f"/ {URL_ENV} không phải URL cơ sở dữ liệu"
        ) from None
    if parsed.password is not None:
        raise InstanceSettingError(
            f"{URL_ENV} contains a password: remove it from the URL and put it in {PASSWORD_ENV} or in a file named "
            f"by {PASSWORD_FILE_ENV} / {URL_ENV} chứa mật khẩu: bỏ mật khẩu khỏi URL, đặt vào {PASSWORD_ENV} hoặc tệp "
            f"do {PASSWORD_FILE_ENV} chỉ ra"
        )
    if parsed.drivername != "postgresql+psycopg2":
        raise InstanceSettingError(
            f"{URL_ENV} must start with postgresql+psycopg2:// (found {parsed.drivername}://): the installed driver is "
            f"psycopg2 / {URL_ENV} phải bắt đầu bằng postgresql+psycopg2:// (đang là {parsed.drivername}://)"
        )
    return url


def _password_source() -> str | None:
    path = os.environ.get(PASSWORD_FILE_ENV)
    if path:
        file = Path(path).expanduser()
        if not file.is_file():
            raise InstanceSettingError(
                f"{PASSWORD_FILE_ENV}={path}: no such file; write the PostgreSQL password into "
                f"it (mode 0600) / không có tệp {path}: ghi mật khẩu PostgreSQL vào tệp này"
            )
        return f"file {PASSWORD_FILE_ENV}"
    if os.environ.get(PASSWORD_ENV):
        return f"environment {PASSWORD_ENV}"
    if os.environ.get("PGPASSFILE") or (Path.home() / ".pgpass").is_file():
        return "libpq password file (PGPASSFILE or ~/.pgpass)"
    return None


def export_password() -> None:
    """Hand the password of ``XHS_POSTGRES_PASSWORD_FILE`` to libpq (``PGPASSWORD``) for this process and the
    processes it starts (step workers, the UI's daemon)."""
    path = os.environ.get(PASSWORD_FILE_ENV)
    if path:
        os.environ[PASSWORD_ENV] = Path(path).expanduser().read_text(encoding="utf-8").strip("\r\n")


def default_home(choice: InstanceChoice) -> Path:
    """``.dagster/`` for the embedded instance, ``.dagster/postgres/`` for PostgreSQL: both git-ignored, and an
    instance never finds the other's dagster.yaml."""
    return Path(".dagster") / "postgres" if choice.kind == POSTGRES else Path(".dagster")


def instance_yaml(choice: InstanceChoice) -> str:
    return POSTGRES_TEMPLATE.read_text(encoding="utf-8") if choice.kind == POSTGRES else SQLITE_YAML


def check_home_matches(home: Path, choice: InstanceChoice) -> None:
    """A ``DAGSTER_HOME`` whose dagster.yaml stores elsewhere than the chosen kind is an error, not a surprise."""
    text = (home / "dagster.yaml").read_text(encoding="utf-8")
    on_postgres = "postgres:" in text
    if on_postgres != (choice.kind == POSTGRES):
        raise InstanceSettingError(
            f"{home / 'dagster.yaml'} is a {'PostgreSQL' if on_postgres else 'SQLite'} instance but {INSTANCE_ENV} "
            f"chooses {choice.kind}: set DAGSTER_HOME to another folder or change {INSTANCE_ENV} / "
            f"DAGSTER_HOME đang là instance {'PostgreSQL' if on_postgres else 'SQLite'} nhưng {INSTANCE_ENV} chọn "
            f"{choice.kind}: đổi DAGSTER_HOME hoặc {INSTANCE_ENV}"
        )


def instance_summary(choice: InstanceChoice, home: Path) -> str:
    """One line for people and logs; the password is never in it, only where it comes from."""
    if choice.kind == EMBEDDED:
        return f"Dagster instance / Instance Dagster: SQLite in {home}"
    password = f"password ******** from {choice.password_from}" if choice.password_from else "no password set"
    return f"Dagster instance / Instance Dagster: PostgreSQL {choice.url} ({password}); DAGSTER_HOME {home}"
