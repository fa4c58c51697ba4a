"""The parent side of the parsing process: one persistent worker (``python -m sources.intake.worker``),
started on first use and reused for every file, restarted after a crash or a timeout.

    findings, sheets = read_in_sandbox(path, name)   # sheets is None when the file was refused

A worker that dies (calamine aborting on a crafted file, SIGXCPU past the CPU budget, the kernel killing it)
or does not answer within the wall timeout gives the file an ``unreadable`` finding with the reason; the
pipeline's process never parses a byte of a delivered file and never dies with it.
"""

from __future__ import annotations

import atexit
import json
import os
import re
import select
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import fields
from pathlib import Path
from typing import Any

from sources.common.findings import Finding, error
from sources.intake import limits as L
from sources.intake.grid import Sheet
from sources.intake.worker import crashed

_FINDING_FIELDS = {f.name for f in fields(Finding)}
_REQUIRED_FINDING_FIELDS = ("rule", "severity", "message_vi", "message_en")
_ALLOC = re.compile(rb"memory allocation of \d+ bytes failed|MemoryError|out of memory", re.IGNORECASE)


class WorkerFailed(Exception):
    def __init__(self, rule: str, reason: str, died: bool = False, fresh: bool = False):
        super().__init__(reason)
        # died: the worker was gone when the file was sent or answered; fresh: it was started for this file
        self.rule, self.reason, self.died, self.fresh = rule, reason, died, fresh


class Sandbox:
    """One worker process and the limits it runs under."""

    def __init__(
        self,
        memory_bytes: int = L.WORKER_MEMORY_BYTES,
        cpu_seconds: int = L.WORKER_CPU_SECONDS,
        wall_seconds: float = L.WORKER_WALL_SECONDS,
    ):
        self.memory_bytes, self.cpu_seconds, self.wall_seconds = memory_bytes, cpu_seconds, wall_seconds
        self.starts = 0  # how many workers were started (1 + restarts)
        self._proc: subprocess.Popen[bytes] | None = None
        self._stderr: Any = None
        self._lock = threading.Lock()

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def call(self, request: dict[str, Any]) -> dict[str, Any]:
        """Send one request and return the answer. A worker that had already served files and dies on this one
        may have died before it (killed from outside, or by the previous file): the request is tried once more on
        a fresh worker, so a crash is only blamed on a file that crashes a worker of its own."""
        try:
            return self._call(request)
        except WorkerFailed as failed:
            if not failed.died or failed.fresh:  # the file's own worker died: the file did it
                raise
        return self._call(request)

    def _call(self, request: dict[str, Any]) -> dict[str, Any]:
        with self._lock:  # one request at a time (files are read by several threads: Stager.prefetch)
            starts = self.starts
            proc = self._ensure()
            body = json.dumps(request).encode("utf-8")
            deadline = time.monotonic() + self.wall_seconds
            try:
                assert proc.stdin is not None
                proc.stdin.write(struct.pack(">Q", len(body)) + body)
                proc.stdin.flush()
                (size,) = struct.unpack(">Q", self._read(8, deadline))
                if size > L.MAX_RESPONSE_BYTES:
                    self._kill()
                    raise WorkerFailed("reader_crashed", f"answer of {size} bytes > {L.MAX_RESPONSE_BYTES}")
                response = json.loads(self._read(size, deadline))
            except TimeoutError:
                self._kill()
                raise WorkerFailed("reader_timeout", f"no answer within {self.wall_seconds:g} s") from None
            except (BrokenPipeError, EOFError, ConnectionResetError):
                raise WorkerFailed("reader_crashed", self._death(), died=True, fresh=self.starts != starts) from None
            except (OSError, ValueError, struct.error) as exc:  # a garbled answer: never trust that worker again
                self._kill()
                raise WorkerFailed(
                    "reader_crashed", f"unreadable answer from the worker ({type(exc).__name__})"
                ) from None
        if "crash" in response:
            raise WorkerFailed("reader_crashed", str(response["crash"]))
        return response

    def close(self) -> None:
        with self._lock:
            self._kill()

    def _ensure(self) -> subprocess.Popen[bytes]:
        if self._proc is not None and self._proc.poll() is None:
            return self._proc
        if self._stderr is not None:
            self._stderr.close()
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the worker
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "sources.intake.worker", str(self.memory_bytes), str(self.cpu_seconds)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            bufsize=0,
            close_fds=True,
            cwd=Path(__file__).resolve().parents[2],
        )
        self.starts += 1
        return self._proc

    def _read(self, n: int, deadline: float) -> bytes:
        assert self._proc is not None and self._proc.stdout is not None
        fd, buf = self._proc.stdout.fileno(), bytearray()
        while len(buf) < n:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                raise TimeoutError
            chunk = os.read(fd, min(n - len(buf), 1 << 20))
            if not chunk:
                raise EOFError
            buf += chunk
        return bytes(buf)

    def _death(self) -> str:
        """Why the worker died: the signal (or exit status) and Rust's/Python's last word on memory."""
        assert self._proc is not None
        try:
            code = self._proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._kill()
            code = -signal.SIGKILL
        self._proc = None
        reason = f"signal {signal.Signals(-code).name}" if code < 0 else f"exit status {code}"
        if self._stderr is not None:
            self._stderr.seek(max(0, os.fstat(self._stderr.fileno()).st_size - 4096))
            if m := _ALLOC.search(self._stderr.read()):
                reason += f": {m.group(0).decode()}"
        return reason

    def _kill(self) -> None:
        if self._proc is not None:
            if self._proc.poll() is None:
                self._proc.kill()
            self._proc.wait()
            for pipe in (self._proc.stdin, self._proc.stdout):
                if pipe:
                    pipe.close()
            self._proc = None


_shared: Sandbox | None = None
_shared_pid = 0
_shared_lock = threading.Lock()


def shared_sandbox() -> Sandbox:
    """The process's worker, started once and closed at exit. A forked child (a multiprocess executor) gets
    its own: two processes must never talk to one worker through the same pipes."""
    global _shared, _shared_pid
    with _shared_lock:
        if _shared is None or _shared_pid != os.getpid():
            _shared, _shared_pid = Sandbox(), os.getpid()
            atexit.register(_shared.close)
        return _shared


def read_in_sandbox(
    path: Path, name: str, sandbox: Sandbox | None = None, *, guard: bool = True
) -> tuple[list[Finding], list[Sheet] | None]:
    """Identify, bound and parse ``path`` in the worker: (findings, sheets or None when refused).
    ``guard=False`` parses without identifying or bounding the file first (to test the sandbox alone)."""
    try:
        response = (sandbox or shared_sandbox()).call(
            {"op": "read", "path": str(Path(path).resolve()), "name": name, "guard": guard}
        )
    except WorkerFailed as failed:
        return [_failure(failed, name)], None
    try:
        findings = [_finding(d) for d in response.get("findings") or []]
        raw = response.get("sheets")
        if raw is None:
            return findings, None
        sheets = [Sheet(str(s["name"]), s["rows"], [tuple(m) for m in s["merges"]], bool(s["visible"])) for s in raw]
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        return [crashed(name, f"malformed answer from the worker ({type(exc).__name__})")], None
    return findings, sheets


def _finding(d: dict[str, Any]) -> Finding:
    clean = {k: (None if v is None else str(v)) for k, v in d.items() if k in _FINDING_FIELDS}
    rule, severity, message_vi, message_en = (clean.pop(k, None) for k in _REQUIRED_FINDING_FIELDS)
    if rule is None or severity is None or message_vi is None or message_en is None:
        raise TypeError(f"a finding lacks one of {', '.join(_REQUIRED_FINDING_FIELDS)}")
    return Finding(rule, severity, message_vi, message_en, **clean)


def _failure(failed: WorkerFailed, name: str) -> Finding:
    if failed.rule == "reader_timeout":
        return error(
            "reader_timeout",
            f"Đọc tệp {name} quá lâu ({failed.reason}): tệp bị từ chối.",
            f"Reading file {name} took too long ({failed.reason}): refused.",
            file=name,
            expected=f"≤ {L.WORKER_WALL_SECONDS:g} s",
            found=failed.reason,
        )
    return crashed(name, failed.reason)
