"""Headless Chromium driven through the DevTools protocol over a pipe (``--remote-debugging-pipe``: no port, no
package beyond the standard library), with the network cut: every request a page makes is recorded, and
expressions are evaluated in the page once it has loaded (computed styles, loaded fonts and images)."""

from __future__ import annotations

import fcntl
import json
import os
import select
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.test_release_browser import FLAGS, chromium

# No request can leave the machine: every host name resolves to nothing, and any connection goes to a closed port.
NETWORK_CUT = ("--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>")


@dataclass
class PageLoad:
    """What loading one page did: every request (url, resource type), every failed one (url, error)."""

    requests: list[tuple[str, str]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)


class Browser:
    """One headless Chromium; ``load(url)`` opens a page in a new tab and records its requests until it has loaded
    and the network has been quiet for a moment; ``evaluate`` runs an expression in that page."""

    def __init__(self, profile: Path) -> None:
        to_chrome_r, to_chrome_w = os.pipe()
        from_chrome_r, from_chrome_w = os.pipe()
        # Chromium's ends moved above 9, so that putting them on 3 and 4 overwrites neither
        chrome_r, chrome_w = (fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (to_chrome_r, from_chrome_w))
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        # Chromium reads commands on fd 3 and writes answers on fd 4: bash puts the pipes there
        self._proc = subprocess.Popen(
            [
                "/bin/bash",  # dash takes no fd above 9 in a redirection
                "-c",
                f'exec "$0" "$@" 3<&{chrome_r} 4>&{chrome_w} {chrome_r}<&- {chrome_w}>&-',
                chromium(),
                *FLAGS,
                *NETWORK_CUT,
                "--remote-debugging-pipe",
                f"--user-data-dir={profile}",
                "about:blank",
            ],
            pass_fds=(chrome_r, chrome_w),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(chrome_r)
        os.close(chrome_w)
        self._out, self._in = to_chrome_w, from_chrome_r
        self._buffer = b""
        self._next_id = 0
        self._events: list[dict[str, Any]] = []
        self._session: str | None = None

    def close(self) -> None:
        try:
            self._send("Browser.close", session=False)
        except (OSError, TimeoutError):
            pass  # already gone: it is killed below either way
        finally:
            os.close(self._out)
            os.close(self._in)
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(timeout=10)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def load(self, url: str, quiet_s: float = 1.0, timeout_s: float = 60) -> PageLoad:
        target = self._send("Target.createTarget", {"url": "about:blank"}, session=False)["targetId"]
        self._session = self._send("Target.attachToTarget", {"targetId": target, "flatten": True}, session=False)[
            "sessionId"
        ]
        for domain in ("Network", "Page", "Runtime"):
            self._send(f"{domain}.enable")
        self._events.clear()
        self._send("Page.navigate", {"url": url})
        deadline = time.monotonic() + timeout_s
        loaded = False
        last = time.monotonic()
        while time.monotonic() < deadline:
            seen = len(self._events)
            self._read(until=lambda: False, timeout=0.2)
            if len(self._events) != seen:
                last = time.monotonic()
            loaded = loaded or any(e["method"] == "Page.loadEventFired" for e in self._events)
            if loaded and time.monotonic() - last > quiet_s:
                break
        assert loaded, f"{url} did not load within {timeout_s} s"
        self.evaluate("document.fonts.ready.then(() => true)")
        self._read(until=lambda: False, timeout=0.3)
        page = PageLoad()
        urls: dict[str, str] = {}
        for event in self._events:
            params = event.get("params", {})
            if event["method"] == "Network.requestWillBeSent":
                urls[params["requestId"]] = params["request"]["url"]
                page.requests.append((params["request"]["url"], params.get("type", "")))
            elif event["method"] == "Network.loadingFailed":
                page.failed.append((urls.get(params["requestId"], "?"), params.get("errorText", "")))
        return page

    def evaluate(self, expression: str) -> Any:
        """The value of ``expression`` in the page (a promise is awaited), as JSON."""
        answer = self._send("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        assert "exceptionDetails" not in answer, answer["exceptionDetails"]
        return answer["result"].get("value")

    def _send(self, method: str, params: dict | None = None, session: bool = True) -> dict[str, Any]:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session and self._session:
            message["sessionId"] = self._session
        os.write(self._out, json.dumps(message).encode() + b"\0")
        wanted = self._next_id
        answer: dict[str, Any] = {}

        def answered() -> bool:
            return bool(answer)

        def keep(message: dict[str, Any]) -> None:
            if message.get("id") == wanted:
                answer.update(message)

        self._read(until=answered, timeout=60, on_answer=keep)
        if not answer:
            raise TimeoutError(f"no answer to {method}")
        assert "error" not in answer, (method, answer["error"])
        return answer.get("result", {})

    def _read(self, until, timeout: float, on_answer=None) -> None:
        deadline = time.monotonic() + timeout
        while not until() and time.monotonic() < deadline:
            ready, _, _ = select.select([self._in], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                break
            chunk = os.read(self._in, 1 << 20)
            if not chunk:
                raise OSError("Chromium closed the DevTools pipe")
            self._buffer += chunk
            while b"\0" in self._buffer:
                raw, self._buffer = self._buffer.split(b"\0", 1)
                message = json.loads(raw)
                if "id" in message:
                    if on_answer:
                        on_answer(message)
                elif message.get("sessionId") == self._session:
                    self._events.append(message)
