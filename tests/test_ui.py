"""`xhs ui` starts the Dagster webserver (and daemon) on this code location, with the venv not activated; it
binds loopback unless told otherwise, and says loudly that the UI has no login when told otherwise."""

from __future__ import annotations

import contextlib
import os
import stat
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.ui_helpers import free_port, running_ui, ui_env, wait_until_served

pytestmark = pytest.mark.deployment  # make check leaves it out (tests/README.md)


def test_xhs_ui_serves_the_code_location(tmp_path: Path) -> None:
    with (
        running_ui(tmp_path) as (port, _),
        urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=5) as r,
    ):
        assert "dagster_webserver_version" in r.read().decode()
    # what the webserver and the daemon wrote in DAGSTER_HOME is private too (issue #19)
    written = [tmp_path / ".dagster", *(tmp_path / ".dagster").rglob("*")]
    assert len(written) > 2
    assert {str(p): oct(stat.S_IMODE(p.stat().st_mode)) for p in written if p.stat().st_mode & 0o027} == {}


def _first_lines(tmp_path: Path, *args: str) -> str:
    """What `xhs ui *args` prints before it hands over to Dagster (the line naming DAGSTER_HOME ends it)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", "ui", "--port", str(free_port()), *args],
        env=ui_env(tmp_path),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines = []
    try:
        for line in proc.stdout:
            lines.append(line)
            if "DAGSTER_HOME=" in line:
                break
    finally:
        os.killpg(proc.pid, 9)
        proc.wait(timeout=30)
        _stop_left_behind(tmp_path)
    return "".join(lines)


def _stop_left_behind(folder: Path) -> None:
    """``xhs ui`` starts ``dagster dev`` in a session of its own: if it had done so before it was killed, that tree
    (webserver, daemon, code servers) would run on, so every process working in ``folder`` is killed too."""
    import psutil

    left = []
    for p in psutil.process_iter(["cwd"]):
        if p.info["cwd"] == str(folder) and p.pid != os.getpid():
            with contextlib.suppress(psutil.NoSuchProcess):
                p.kill()
                left.append(p)
    psutil.wait_procs(left, timeout=30)


def test_binding_beyond_loopback_warns_that_the_ui_has_no_login(tmp_path: Path) -> None:
    # 192.0.2.1 (TEST-NET-1) is on no interface: nothing is ever exposed by this test
    said = _first_lines(tmp_path, "--host", "192.0.2.1")
    assert "WARNING: the Dagster UI has NO LOGIN" in said and "KHÔNG CÓ ĐĂNG NHẬP" in said
    assert "Bound to 192.0.2.1" in said and "docs/reverse_proxy.md" in said
    for quiet in (
        ["--host", "127.0.0.1"],
        ["--host", "::1"],
        ["--host", "localhost"],
        ["--host", "192.0.2.1", "--read-only"],
    ):
        assert "NO LOGIN" not in _first_lines(tmp_path, *quiet), quiet


def test_xhs_ui_stops_with_all_its_processes_within_10_s_of_sigterm(tmp_path: Path) -> None:
    """What a service manager does (issue #17): SIGTERM to the process group; dagster dev, the webserver, the
    daemon and the code servers are all gone within 10 s, and `xhs ui` exits 143."""
    import signal
    import time

    import psutil

    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", "ui", "--port", str(port)],
        env=ui_env(tmp_path),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_until_served(port, proc)
    finally:
        tree = psutil.Process(proc.pid).children(recursive=True)  # dagster dev, webserver, daemon, code servers
        os.killpg(proc.pid, signal.SIGTERM)
        stopped_at = time.monotonic()
        rc = proc.wait(timeout=20)
        _, alive = psutil.wait_procs(tree, timeout=max(0.1, 10 - (time.monotonic() - stopped_at)))
        for p in alive:  # never leave a process behind, even when the assertion below fails
            p.kill()
    assert rc == 128 + signal.SIGTERM, rc
    assert len(tree) >= 3, [p.name() for p in tree]
    assert not alive, f"still running 10 s after SIGTERM: {[p.pid for p in alive]}"
