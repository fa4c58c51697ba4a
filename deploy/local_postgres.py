"""A throwaway PostgreSQL server on loopback, for the tests and ``make scale``: Debian's ``initdb`` and
``pg_ctl`` in a temporary folder, password authentication (scram-sha-256) over TCP on 127.0.0.1, stopped and
removed afterwards. PostgreSQL refuses to run as root: as root it runs as the ``postgres`` user the Debian
package creates (else ``nobody``), in a folder that user owns."""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

INSTALL_HINT = (
    "install Debian's PostgreSQL: apt-get install postgresql (make test does it as root) / "
    "cài PostgreSQL của Debian: apt-get install postgresql"
)


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server binaries on this machine."""


def server_bin_dir() -> Path:
    """The newest ``/usr/lib/postgresql/<version>/bin`` with ``initdb`` and ``pg_ctl`` (Debian's layout)."""
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if found:
        return found[-1].parent
    on_path = shutil.which("pg_ctl")
    if on_path and shutil.which("initdb"):
        return Path(on_path).parent
    raise PostgresUnavailable(
        f"no PostgreSQL server (initdb, pg_ctl) found in /usr/lib/postgresql or on PATH: {INSTALL_HINT}"
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server_user() -> str | None:
    """Who runs the server: ourselves, unless we are root (then ``postgres`` or ``nobody``)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise PostgresUnavailable(
        "running as root and neither the 'postgres' nor the 'nobody' user exists to run "
        "the server / chạy bằng root mà không có người dùng 'postgres' hay 'nobody'"
    )


@dataclass
class LocalPostgres:
    """A running server: ``url`` has no password (it is in ``password``, passed by the environment)."""

    folder: Path
    port: int
    user: str
    password: str
    database: str
    run_as: str | None

    @property
    def url(self) -> str:
        return self.url_for(self.database)

    def url_for(self, database: str) -> str:
        return f"postgresql+psycopg2://{self.user}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """A new empty database on this server (one per test keeps tests apart); returns its URL."""
        import psycopg2

        con = psycopg2.connect(
            host="127.0.0.1", port=self.port, user=self.user, password=self.password, dbname="postgres"
        )
        try:
            con.autocommit = True
            with con.cursor() as cur:
                cur.execute(f'CREATE DATABASE "{name}"')
        finally:
            con.close()
        return self.url_for(name)

    @property
    def data_dir(self) -> Path:
        return self.folder / "data"

    def _cmd(self, *argv: str) -> list[str]:
        return ["runuser", "-u", self.run_as, "--", *argv] if self.run_as else list(argv)

    def stop(self) -> None:
        """Stop the server (fast shutdown) and remove its folder."""
        if (self.data_dir / "postmaster.pid").exists():
            subprocess.run(
                self._cmd(str(server_bin_dir() / "pg_ctl"), "stop", "-D", str(self.data_dir), "-m", "fast", "-w"),
                capture_output=True,
                text=True,
                timeout=60,
            )
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> LocalPostgres:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_local_postgres(user: str = "xhs", database: str = "xhs", password: str | None = None) -> LocalPostgres:
    """initdb a fresh cluster in a temporary folder, start it on a free loopback port, create ``database``."""
    bin_dir = server_bin_dir()
    run_as = _server_user()
    folder = Path(tempfile.mkdtemp(prefix="xhs-postgres-"))
    server = LocalPostgres(folder, _free_port(), user, password or secrets.token_urlsafe(18), database, run_as)
    try:
        pwfile = folder / "pwfile"
        pwfile.write_text(server.password + "\n", encoding="utf-8")
        pwfile.chmod(0o600)
        if run_as:
            entry = pwd.getpwnam(run_as)
            for path in (folder, pwfile):
                os.chown(path, entry.pw_uid, entry.pw_gid)
        _check(
            server._cmd(
                str(bin_dir / "initdb"),
                "-D",
                str(server.data_dir),
                "-U",
                user,
                "--pwfile",
                str(pwfile),
                "--auth-local=scram-sha-256",
                "--auth-host=scram-sha-256",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ),
            "initdb",
        )
        pwfile.unlink()
        options = f"-c listen_addresses=127.0.0.1 -c port={server.port} -c unix_socket_directories={folder}"
        _check(
            server._cmd(
                str(bin_dir / "pg_ctl"),
                "start",
                "-D",
                str(server.data_dir),
                "-w",
                "-t",
                "60",
                "-l",
                str(folder / "server.log"),
                "-o",
                options,
            ),
            "pg_ctl start",
        )
        server.create_database(database)
    except BaseException:
        server.stop()
        raise
    return server


def _check(argv: list[str], what: str) -> None:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise PostgresUnavailable(
            f"{what} failed / {what} thất bại (exit {done.returncode}): {(done.stderr or done.stdout).strip()[-800:]}"
        )
