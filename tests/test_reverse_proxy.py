"""The operator UI behind an authenticating reverse proxy (issue #19): Debian's nginx runs
``deploy/nginx/xhs-ui.conf`` itself (only the ports, certificate and password-file paths are changed) on
loopback, as the current user, in front of a running ``xhs ui`` and ``xhs ui --read-only``. No or wrong
credentials get 401, the right ones reach Dagster, a viewer's password does not open the operator UI, and the
live-log WebSocket passes. Without nginx these tests skip loudly; under ``CI=true`` they fail (``make test``
installs it through ``make nginx``)."""

from __future__ import annotations

import base64
import grp
import json
import os
import pwd
import shutil
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.ui_helpers import free_port, running_ui

pytestmark = pytest.mark.deployment  # make check leaves it out (tests/README.md)

DEPLOY = Path(__file__).resolve().parent.parent / "deploy" / "nginx"
OPERATOR, VIEWER = ("operator", "mat-khau-van-hanh-1"), ("viewer", "mat-khau-xem-2")


def nginx() -> str:
    found = next((p for p in (shutil.which("nginx"), "/usr/sbin/nginx") if p and os.access(p, os.X_OK)), None)
    if found:
        return found
    message = (
        "NGINX IS NOT INSTALLED: the reverse-proxy tests of the operator UI did not run "
        "(apt-get install nginx, or `make nginx`)"
    )
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message + " — required under CI=true")
    pytest.skip("!!! " + message + " !!!")


def htpasswd(path: Path, user: str, password: str) -> None:
    """One ``user:$apr1$…`` line, as docs/reverse_proxy.md makes it (``openssl passwd -apr1``)."""
    hashed = subprocess.run(
        ["openssl", "passwd", "-apr1", "-stdin"], input=password, capture_output=True, text=True, check=True
    ).stdout.strip()
    path.write_text(f"{user}:{hashed}\n", encoding="utf-8")


def derive_config(prefix: Path, ui_ports: tuple[int, int], proxy_ports: tuple[int, int]) -> Path:
    """The repository's config with loopback ports and files in ``prefix``; every replaced line must exist."""
    text = (DEPLOY / "xhs-ui.conf").read_text(encoding="utf-8")
    shutil.copy(DEPLOY / "xhs-ui-proxy.conf", prefix / "xhs-ui-proxy.conf")
    for old, new in {
        "server 127.0.0.1:3000;": f"server 127.0.0.1:{ui_ports[0]};",
        "server 127.0.0.1:3001;": f"server 127.0.0.1:{ui_ports[1]};",
        "listen 443 ssl;": f"listen 127.0.0.1:{proxy_ports[0]} ssl;",
        "listen 8443 ssl;": f"listen 127.0.0.1:{proxy_ports[1]} ssl;",
        "/etc/ssl/certs/xhs.example.gov.vn.pem": str(prefix / "cert.pem"),
        "/etc/ssl/private/xhs.example.gov.vn.key": str(prefix / "key.pem"),
        "/etc/nginx/xhs-operators.htpasswd": str(prefix / "operators.htpasswd"),
        "/etc/nginx/xhs-viewers.htpasswd": str(prefix / "viewers.htpasswd"),
        "/etc/nginx/xhs-ui-proxy.conf": str(prefix / "xhs-ui-proxy.conf"),
    }.items():
        assert old in text, f"deploy/nginx/xhs-ui.conf no longer has {old!r}: update this test with it"
        text = text.replace(old, new)
    (prefix / "xhs-ui.conf").write_text(text, encoding="utf-8")
    # Debian's /etc/nginx/nginx.conf, reduced to what a prefix of our own needs
    user = (
        f"user {pwd.getpwuid(os.geteuid()).pw_name} {grp.getgrgid(os.getegid()).gr_name};\n"
        if os.geteuid() == 0
        else ""
    )  # as root the workers would otherwise drop to nobody
    temp = "".join(f"    {k}_temp_path {prefix / k};\n" for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    main = prefix / "nginx.conf"
    main.write_text(
        f"{user}worker_processes 1;\npid {prefix / 'nginx.pid'};\nerror_log {prefix / 'error.log'};\n"
        f"events {{ worker_connections 64; }}\nhttp {{\n    access_log {prefix / 'access.log'};\n{temp}"
        f"    include {prefix / 'xhs-ui.conf'};\n}}\n",
        encoding="utf-8",
    )
    return main


@contextmanager
def running_nginx(binary: str, prefix: Path, main: Path, ports: tuple[int, int]) -> Iterator[None]:
    argv = [binary, "-p", str(prefix), "-c", str(main), "-e", str(prefix / "error.log")]
    checked = subprocess.run([*argv, "-t"], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    proc = subprocess.Popen([*argv, "-g", "daemon off;"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                for port in ports:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        assert proc.poll() is None, proc.stdout.read().decode() + (prefix / "error.log").read_text()
        yield
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def get(
    tls: ssl.SSLContext, port: int, path: str, login: tuple[str, str] | None = None, body: bytes | None = None
) -> tuple[int, str, dict[str, str]]:
    headers = {"Content-Type": "application/json"} if body else {}
    if login:
        headers["Authorization"] = "Basic " + base64.b64encode(":".join(login).encode()).decode()
    request = urllib.request.Request(f"https://127.0.0.1:{port}{path}", data=body, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60, context=tls) as r:
            return r.status, r.read().decode(), dict(r.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace"), dict(exc.headers)


def websocket_upgrade(tls: ssl.SSLContext, port: int, login: tuple[str, str]) -> str:
    """The status line of a WebSocket handshake on ``/graphql`` (what the UI's live run logs open)."""
    key = base64.b64encode(os.urandom(16)).decode()
    auth = base64.b64encode(":".join(login).encode()).decode()
    with (
        socket.create_connection(("127.0.0.1", port), timeout=30) as raw,
        tls.wrap_socket(raw, server_hostname="127.0.0.1") as s,
    ):
        s.sendall(
            (
                f"GET /graphql HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: graphql-ws\r\n"
                f"Authorization: Basic {auth}\r\n\r\n"
            ).encode()
        )
        return s.recv(4096).decode(errors="replace").split("\r\n", 1)[0]


def test_the_ui_behind_nginx_asks_for_a_password(tmp_path: Path) -> None:
    binary = nginx()
    prefix = tmp_path / "nginx"
    prefix.mkdir()
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=xhs-test",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(prefix / "key.pem"),
            "-out",
            str(prefix / "cert.pem"),
        ],
        capture_output=True,
        check=True,
    )
    htpasswd(prefix / "operators.htpasswd", *OPERATOR)
    htpasswd(prefix / "viewers.htpasswd", *VIEWER)
    tls = ssl.create_default_context(cafile=str(prefix / "cert.pem"))
    proxy_ports = (free_port(), free_port())
    root = tmp_path / "deployment"
    root.mkdir()
    with running_ui(root) as (operator_port, _), running_ui(root, "--read-only") as (viewer_port, _):
        main = derive_config(prefix, (operator_port, viewer_port), proxy_ports)
        with running_nginx(binary, prefix, main, proxy_ports):
            for port, right, other in ((proxy_ports[0], OPERATOR, VIEWER), (proxy_ports[1], VIEWER, OPERATOR)):
                status, _, headers = get(tls, port, "/server_info")
                assert status == 401 and headers.get("WWW-Authenticate", "").startswith("Basic realm=")
                assert get(tls, port, "/server_info", (right[0], "wrong-password"))[0] == 401
                assert get(tls, port, "/server_info", other)[0] == 401  # the other UI's password
                status, text, _ = get(tls, port, "/server_info", right)
                assert status == 200 and "dagster_webserver_version" in text
                status, text, _ = get(tls, port, "/", right)
                assert status == 200 and "Dagster" in text
                assert websocket_upgrade(tls, port, right).startswith("HTTP/1.1 101")

            wipe = json.dumps(
                {
                    "query": "mutation { wipeAssets(assetPartitionRanges: "
                    '[{assetKey: {path: ["raw_files"]}}]) { __typename } }'
                }
            ).encode()
            status, text, _ = get(tls, proxy_ports[1], "/graphql", VIEWER, wipe)
            assert status == 200 and json.loads(text)["data"]["wipeAssets"]["__typename"] == "UnauthorizedError"
            assert get(tls, proxy_ports[1], "/graphql", None, wipe)[0] == 401


def test_without_nginx_the_tests_skip_loudly_but_fail_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "access", lambda *_: False)
    monkeypatch.setattr(shutil, "which", lambda *_: None)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="NGINX IS NOT INSTALLED"):
        nginx()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="NGINX IS NOT INSTALLED"):
        nginx()
