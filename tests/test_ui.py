"""`xhs ui` starts the Dagster webserver (and daemon) on this code location, with the venv not activated."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil


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
        tree = psutil.Process(proc.pid).children(recursive=True)  # dagster dev, webserver, daemon, code servers
        os.killpg(proc.pid, signal.SIGTERM)  # what a service manager sends
        stopped_at = time.monotonic()
        rc = proc.wait(timeout=20)
        _, alive = psutil.wait_procs(tree, timeout=max(0.1, 10 - (time.monotonic() - stopped_at)))
        for p in alive:  # never leave a process behind, even when the assertion below fails
            p.kill()
    assert rc == 128 + signal.SIGTERM, rc
    assert len(tree) >= 3, [p.name() for p in tree]
    assert not alive, f"still running 10 s after SIGTERM: {[p.pid for p in alive]}"
