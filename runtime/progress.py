"""Progress of the long commands (``xhs run``, ``xhs publish``, ``make bench``) on stderr: the stage (archiving,
reading <department> n/N, validating, building the warehouse, checking, publishing, lake, report, release...), the
files read so far of each department, and the time since the command started.

``XHS_PROGRESS`` says how:

- ``live``: one line rewritten in place (``\\r``), for a terminal;
- ``lines``: plain lines with a UTC timestamp, for a log (the nightly cron);
- ``log``: the same lines as INFO records of the ``xhs.progress`` Python logger (list it under
  ``python_logs: managed_python_loggers`` in dagster.yaml to see them in the run's logs in the Dagster UI);
- ``quiet``, or unset: nothing. Runs that the Dagster daemon launches (schedule, sensor) stay quiet unless their
  environment sets it.

The commands choose with ``start``: ``quiet`` with ``--quiet``, ``live`` when stderr is a terminal, else ``lines``;
the choice (with the start time) goes into the environment, so that the step processes of the multiprocess
executor inherit it. Only the process that chose ``live`` rewrites the line: in a step process ``live`` becomes
``lines`` (several processes cannot share one line), so a multiprocess run prints plain lines.

The steps only call ``stage``, ``reading``, ``file_read`` and ``validating``: without ``start`` (a test, the
daemon) these cost a look-up of the environment and print nothing. File names are never printed (they may name
a person)."""

from __future__ import annotations

import atexit
import logging
import os
import re
import shutil
import sys
import threading
import time
from datetime import UTC, datetime
from typing import TextIO

PROGRESS_ENV = "XHS_PROGRESS"
STARTED_ENV = "XHS_PROGRESS_STARTED"  # "<epoch seconds> <pid of the process that shows the live line> <command>"
LIVE, LINES, LOG, QUIET = "live", "lines", "log", "quiet"
MODES = (LIVE, LINES, LOG, QUIET)
LINE_EVERY_S = 10.0  # in a log, a department's n/N at most this often between its first and its last file
LIVE_EVERY_S = 0.1  # a terminal line is redrawn at most this often (the elapsed time ticks every second)
LOGGER = logging.getLogger("xhs.progress")
LINE_PATTERN = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ (?P<command>.+?) \+\d+\.\ds (?P<text>.*)$")


def mode() -> str:
    """How this process shows progress (``XHS_PROGRESS``; ``live`` only in the process that started it)."""
    chosen = (os.environ.get(PROGRESS_ENV) or QUIET).strip().lower()
    if chosen not in MODES:
        return QUIET  # not an error worth stopping a nightly run for; ``start`` names a wrong value
    if chosen == LIVE and _started()[1] != os.getpid():
        return LINES
    return chosen


def _started() -> tuple[float, int, str]:
    parts = (os.environ.get(STARTED_ENV) or "").split(" ", 2)
    try:
        return float(parts[0]), int(parts[1]), parts[2] if len(parts) > 2 else "xhs"
    except (ValueError, IndexError):
        return _IMPORTED, -1, "xhs"


def start(command: str, *, quiet: bool = False, stream: TextIO | None = None) -> str:
    """Choose how ``command`` shows progress and tell its step processes; returns the mode. ``XHS_PROGRESS`` set
    by the operator wins over the terminal test (``lines`` in a terminal, ``quiet`` in cron), ``--quiet`` over
    both."""
    chosen = (os.environ.get(PROGRESS_ENV) or "").strip().lower()
    if chosen and chosen not in MODES:
        print(
            f"{PROGRESS_ENV}={chosen!r}: use {', '.join(MODES)}; progress not shown / "
            f"{PROGRESS_ENV} chỉ nhận {', '.join(MODES)}: không hiện tiến độ",
            file=stream or sys.stderr,
        )
        chosen = QUIET
    if quiet:
        chosen = QUIET
    elif not chosen:
        chosen = LIVE if (stream or sys.stderr).isatty() else LINES
    os.environ[PROGRESS_ENV] = chosen
    os.environ[STARTED_ENV] = f"{time.time():.3f} {os.getpid()} {command}"
    _SHOWN.reset(stream)
    if chosen == LIVE:
        _SHOWN.tick()
    stage("starting")
    return chosen


def in_step_processes() -> None:
    """The steps are about to run in other processes (the multiprocess executor): a live line would be torn by
    their lines, so this process prints plain lines from now on too."""
    if mode() != LIVE:
        return
    with _SHOWN.lock:
        _SHOWN.closed.set()
        _SHOWN.clear_live()
        os.environ[PROGRESS_ENV] = LINES
        _SHOWN.line(LINES, f"{_SHOWN.text()} (steps in separate processes: plain lines)")


def stage(label: str) -> None:
    """A new stage of the command: "archiving", "building the warehouse", "release: site"..."""
    _SHOWN.set(label, None)


def reading(department: str, total: int, already_read: int = 0) -> None:
    """The files of ``department`` to read now: ``total`` of them (``already_read`` more are taken from the
    cache). Each ``file_read`` then counts one."""
    suffix = f" ({already_read} already read)" if already_read else ""
    _SHOWN.set(f"reading {department}", (0, total, suffix))


def file_read() -> None:
    """One more file read (``Stager``)."""
    _SHOWN.advance()


def validating(files: int) -> None:
    """The expectation suites are running on the ``files`` just read (of the department being read)."""
    _SHOWN.validating(files)


def echo(text: str) -> None:
    """A line of the command's own output (stdout) that must not land in the middle of the live line."""
    with _SHOWN.lock:
        _SHOWN.clear_live()
        print(text, flush=True)
        _SHOWN.draw(force=True)


def finish(outcome: str = "") -> None:
    """The command is done: the live line is cleared; a log gets one last line with the total time."""
    _SHOWN.close(outcome)


def stage_of_line(line: str) -> str | None:
    """The stage a progress line of another command's log shows ("reading health 3/10"), or None for another
    line: how ``make bench`` passes on the progress of the ``xhs run`` it measures."""
    found = LINE_PATTERN.match(line.rstrip("\n"))
    return found.group("text") if found else None


def elapsed() -> float:
    return max(0.0, time.time() - _started()[0])


class _Shown:
    """What this process last showed, and when."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.closed = threading.Event()
        self.reset(None)

    def reset(self, stream: TextIO | None) -> None:
        self.closed.set()  # the ticker of an earlier start in this process stops
        self.stream = stream  # None: whatever sys.stderr is when a line is written
        self.label = ""
        self.count: tuple[int, int, str] | None = None
        self.live_text = ""  # what the terminal shows now
        self.live_body = ""  # ... without the command and the elapsed time
        self.last_draw = 0.0
        self.last_line: dict[str, float] = {}
        self.ticker: threading.Thread | None = None
        self.closed = threading.Event()

    def text(self) -> str:
        if self.count is None:
            return self.label
        n, total, suffix = self.count
        return f"{self.label} {n}/{total}{suffix}"

    def set(self, label: str, count: tuple[int, int, str] | None) -> None:
        current = mode()
        if current == QUIET:
            return
        with self.lock:
            self.label, self.count = label, count
            self.emit(current, force=True)

    def advance(self) -> None:
        current = mode()
        if current == QUIET:
            return
        with self.lock:
            if self.count is None:
                self.label, self.count = "reading", (0, 0, "")
            n, total, suffix = self.count
            n += 1
            self.count = (n, max(total, n), suffix)
            self.emit(current, force=n == self.count[1])

    def validating(self, files: int) -> None:
        current = mode()
        if current == QUIET:
            return
        with self.lock:
            department = self.label.removeprefix("reading ").strip() if self.label.startswith("reading") else ""
            text = f"validating {department} ({files} files)" if department else f"validating {files} files"
            if current == LIVE:
                self.live(f"{self.text()} · {text}")
            else:
                self.line(current, text)

    def emit(self, current: str, *, force: bool) -> None:
        if current == LIVE:
            self.draw(force=force)
            return
        now = time.monotonic()
        key = self.label
        first = key not in self.last_line
        if force or first or now - self.last_line[key] >= LINE_EVERY_S:
            self.last_line[key] = now
            self.line(current, self.text())

    def line(self, current: str, text: str) -> None:
        _, _, command = _started()
        if current == LOG:
            LOGGER.info("%s +%.1fs %s", command, elapsed(), text)
            return
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        self.write(f"{stamp} {command} +{elapsed():.1f}s {text}\n")

    def draw(self, *, force: bool = False) -> None:
        if mode() != LIVE or not self.label:
            return
        if force or time.monotonic() - self.last_draw >= LIVE_EVERY_S:
            self.live(self.text())

    def live(self, text: str) -> None:
        _, _, command = _started()
        seconds = int(elapsed())
        self.live_body = text
        shown = f"{command} {seconds // 60}:{seconds % 60:02d} · {text}"
        width = shutil.get_terminal_size((100, 24)).columns - 1
        self.live_text = shown[:width]
        self.last_draw = time.monotonic()
        self.write(f"\r{self.live_text}\x1b[K")

    def clear_live(self) -> None:
        if self.live_text:
            self.write("\r\x1b[K")
            self.live_text = ""

    def write(self, text: str) -> None:
        try:
            stream = self.stream or sys.stderr
            stream.write(text)
            stream.flush()
        except (OSError, ValueError):  # stderr closed or gone (a killed terminal): progress is not worth a failure
            pass

    def tick(self) -> None:
        """In a terminal, redraw every second so that the elapsed time moves during a long stage."""

        closed = self.closed

        def redraw() -> None:
            while not closed.wait(1.0):
                with self.lock:
                    if self.live_text:
                        self.live(self.live_body)

        self.ticker = threading.Thread(target=redraw, name="xhs-progress", daemon=True)
        self.ticker.start()

    def close(self, outcome: str) -> None:
        current = mode()
        with self.lock:
            self.closed.set()
            if current == LIVE:
                self.clear_live()
            elif current in (LINES, LOG) and outcome and _started()[1] == os.getpid():
                self.line(current, outcome)
            self.label, self.count = "", None


_IMPORTED = time.time()
_SHOWN = _Shown()
atexit.register(lambda: _SHOWN.clear_live() if mode() == LIVE else None)
