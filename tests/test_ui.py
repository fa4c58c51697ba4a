"""`xhs ui` starts the Dagster webserver (and daemon) on this code location, with the venv not activated."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_xhs_ui_serves_the_code_location(tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    env["PATH"] = "/usr/bin:/bin"  # not activated: xhs must find dagster beside its own interpreter
    env.update(DAGSTER_HOME=str(tmp_path / ".dagster"), XHS_DATA=str(tmp_path / "data"),
               XHS_LANDING=str(tmp_path / "landing"))
    proc = subprocess.Popen([sys.executable, "-m", "pipelines.cli", "ui", "--port", str(port)], env=env,
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline, body = time.monotonic() + 120, ""
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=2) as r:
                    body = r.read().decode()
                    break
            except OSError:
                time.sleep(1)
        assert "dagster_webserver_version" in body, proc.stdout.read().decode() if proc.poll() is not None else ""
    finally:
        # Serving is what this test checks. Stopping within a service manager's time is issue #17's: `xhs ui`
        # does not always stop on SIGTERM yet, and a stuck teardown must not hide the result above.
        os.killpg(proc.pid, 15)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait(timeout=30)
