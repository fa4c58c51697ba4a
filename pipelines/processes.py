"""How ``xhs run`` and ``xhs ui`` stop on SIGTERM (systemd, Kubernetes, a CI timeout) and SIGINT (Ctrl-C).

``xhs run``: the Dagster job runs in a worker thread and the main thread takes the signals. Dagster's in-process
interrupt handling (``dagster._utils.interrupts``) is for the main thread only: there it maps SIGTERM to SIGINT
and raises ``DagsterExecutionInterruptedError`` inside a step, which a step's retry policy turns into a retry 30 s
later, so the run went on. Here a signal asks the run to stop (``runtime.stopping``): the steps stop at their next
safe point (between files, before each phase; a DuckDB query is interrupted), never inside the publication. If
no safe point comes within ``STOP_GRACE_S``, the process ends once no publication is under way: what is left is
what a killed run leaves (the next run picks it up). Exit status 128 + the signal: 143 SIGTERM, 130 SIGINT.

``xhs ui``: ``dagster dev`` runs in its own session; a signal is passed on to it (SIGINT, its own graceful
shutdown of the webserver, daemon and code servers), and whatever of its process tree is still alive after
``UI_GRACE_S`` is killed, so the whole tree is gone within 10 s.
"""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

import psutil

from runtime.stopping import STOP, request_stop, wait_outside_critical_section

STOP_GRACE_S = 4.0  # a stop asked for: how long the run may take to reach a safe point
UI_GRACE_S = 5.0  # a stop asked for: how long dagster dev may take to stop its children
T = TypeVar("T")


@dataclass
class Finished(Generic[T]):
    value: T | None = None
    error: BaseException | None = None
    signal: int | None = None  # the stop signal received, if any
    forced: bool = False  # the run had not reached a safe point: the process must end now (os._exit)

    @property
    def exit_code(self) -> int:
        return 128 + (self.signal or 0)


def signal_name(signum: int) -> str:
    return signal.Signals(signum).name


def run_stoppable(work: Callable[[], T]) -> Finished[T]:
    """Run ``work`` in a worker thread until it returns, or until SIGTERM/SIGINT and then its next safe point."""
    finished: Finished[T] = Finished()
    received: list[int] = []

    def on_signal(signum: int, _frame: object) -> None:
        if not received:
            received.append(signum)
            request_stop()

    def target() -> None:
        try:
            finished.value = work()
        except BaseException as exc:  # handed to the main thread, which re-raises or reports it
            finished.error = exc

    STOP.clear()
    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    worker = threading.Thread(target=target, name="xhs-run", daemon=True)
    try:
        worker.start()
        while worker.is_alive() and not received:
            worker.join(0.2)
        if received:
            finished.signal = received[0]
            worker.join(STOP_GRACE_S)
            if worker.is_alive():  # no safe point yet: end the process, but never inside the publication
                wait_outside_critical_section(timeout=120)
                finished.forced = True
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    return finished


def supervise(argv: list[str], env: dict[str, str]) -> int:
    """Run ``argv`` (``dagster dev``) in its own session until it ends, or until SIGTERM/SIGINT: then pass SIGINT
    on, and kill whatever of its process tree is still alive ``UI_GRACE_S`` later. Returns its exit status, or
    128 + the signal."""
    received: list[int] = []
    child = subprocess.Popen(argv, env=env, start_new_session=True)

    def on_signal(signum: int, _frame: object) -> None:
        received.append(signum)

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)}
    try:
        while child.poll() is None and not received:
            time.sleep(0.2)
        if not received:
            return child.returncode
        stop_tree(child.pid, UI_GRACE_S)
        return 128 + received[0]
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def stop_tree(pid: int, grace: float) -> None:
    """SIGINT to ``pid`` (Dagster's graceful shutdown), SIGTERM to its descendants if still there half-way, then
    SIGKILL to every process of the tree still alive after ``grace`` seconds."""
    try:
        root = psutil.Process(pid)
        tree = [root, *root.children(recursive=True)]  # taken now: orphans leave the tree when their parent ends
    except psutil.NoSuchProcess:
        return
    _send(tree[:1], signal.SIGINT)
    _, alive = psutil.wait_procs(tree, timeout=grace / 2)
    _send(alive, signal.SIGTERM)
    _, alive = psutil.wait_procs(alive, timeout=grace / 2)
    if alive:
        names = ", ".join(f"{p.pid}" for p in alive)
        print(
            f"xhs ui: killing what did not stop in {grace:.0f} s / buộc dừng các tiến trình: {names}", file=sys.stderr
        )
        _send(alive, signal.SIGKILL)
        psutil.wait_procs(alive, timeout=3)


def _send(processes: list[psutil.Process], signum: int) -> None:
    for p in processes:
        with contextlib.suppress(psutil.NoSuchProcess):
            p.send_signal(signum)
