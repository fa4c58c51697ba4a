"""Starting ``xhs ui`` (the real command, venv not activated) on a free loopback port, and stopping it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ui_env(root: Path) -> dict[str, str]:
    """The environment of a service: not activated, every path of the deployment inside ``root``."""
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    env["PATH"] = "/usr/bin:/bin"  # not activated: xhs must find dagster beside its own interpreter
    env.update(
        DAGSTER_HOME=str(root / ".dagster"),
        XHS_DATA=str(root / "data"),
        XHS_LANDING=str(root / "landing"),
        XHS_WAREHOUSE=str(root / "warehouse" / "xhs.duckdb"),
    )
    return env


def wait_until_served(port: int, proc: subprocess.Popen) -> None:
    """Until ``/server_info`` answers on ``port`` (at most 120 s), or fail with what the process printed."""
    deadline, body = time.monotonic() + 120, ""
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=2) as r:
                body = r.read().decode()
                break
        except OSError:
            time.sleep(1)
    assert "dagster_webserver_version" in body, proc.stdout.read().decode() if proc.poll() is not None else ""


@contextmanager
def running_ui(root: Path, *args: str) -> Iterator[tuple[int, subprocess.Popen]]:
    """``xhs ui --port <free> *args`` with its paths in ``root``; yields (port, process) once ``/server_info``
    answers (at most 120 s), and stops the process group afterwards. Started with umask 022, as a shell or a
    service manager would: xhs must make what it writes private itself."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", "ui", "--port", str(port), *args],
        env=ui_env(root),
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        umask=0o022,
    )
    try:
        wait_until_served(port, proc)
        yield port, proc
    finally:
        # How fast it stops is tested on its own (test_ui.py); a stuck teardown must not hide this test's result.
        os.killpg(proc.pid, 15)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait(timeout=30)


def graphql(port: int, query: str, variables: dict | None = None) -> dict:
    """POST a GraphQL document to the UI's ``/graphql``; the decoded answer."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query, "variables": variables or {}}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as r:
        return json.loads(r.read())
