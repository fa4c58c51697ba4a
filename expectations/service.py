"""Great Expectations in a process of its own, started as a command begins (issue #28).

Importing Great Expectations takes 1.5 s of CPU (with pandas), and a small run or ``xhs validate`` needs it only
after Dagster, the specs and the reader have started. ``xhs run`` and ``xhs validate`` therefore start this
service first: a second Python process imports Great Expectations on the other core while the command goes on,
then validates the frames it is sent (``expectations.engine.validate``) and renders Data Docs (``build_site``), one
request at a time. The command decides which expectations apply and sends them with the frame
(``expectations.runner.prepare``), so this process imports Great Expectations and nothing of the specs before its
first answer; ``xhs validate`` sends the frame in pandas, so it needs no polars either. The suites, the
expectations and the verdicts are the same: the service calls the same functions the command would call itself.

Where no service was started (the Dagster UI and daemon, a step worker process, a test that imports Great
Expectations itself) or it has died, the work is done in the calling process, as before. The service ends when
the command's end of its socket closes, whatever way the command ends (even ``os._exit`` or a kill).
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import os
import pickle
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from expectations.engine import validate, warm_up  # nothing heavy at its top

SERVICE_ENV = "XHS_EXPECTATIONS_PROCESS"  # "0": validate in the command's own process
PACKAGE_ROOT = Path(__file__).resolve().parent.parent


class Unavailable(Exception):
    """No service in this process (or it died): the caller does the work itself."""


class Service:
    """A running service: its process and this end of the socket. With ``pandas_frames``, the command converts the
    frames it sends to pandas itself (``wants_pandas``)."""

    def __init__(self, pandas_frames: bool = False) -> None:
        self.pandas_frames = pandas_frames
        mine, theirs = socket.socketpair()
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(PACKAGE_ROOT), os.environ.get("PYTHONPATH")])),
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "expectations.service", str(theirs.fileno())],
            pass_fds=[theirs.fileno()],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            env=env,
        )
        theirs.close()
        self.connection = Connection(mine.detach())
        self.owner = os.getpid()
        self._lock = threading.RLock()  # ``close`` takes it too, and ``call`` closes on a dead socket

    def call(self, function: str, *args: Any) -> Any:
        """``function(*args)`` (a name of ``FUNCTIONS``), in the service; its exception is raised here."""
        if os.getpid() != self.owner:  # a forked step worker: the socket is the parent's
            raise Unavailable
        with self._lock:
            try:
                self.connection.send((function, args))
                ok, value = self.connection.recv()
            except (EOFError, OSError) as exc:
                self.close()
                raise Unavailable(f"the expectations process ended: {exc}") from exc
        if not ok:
            raise value
        return value

    def close(self, timeout: float = 5.0) -> None:
        """End the service and reap it. It holds the lock, so no request is under way (a ``call`` in another thread
        finishes first); the service is then ended at once, with SIGTERM: it may still be importing Great
        Expectations (a run with nothing new), and a Python's normal end would traverse all of its objects. The
        socket is closed first: a service that misses the signal ends on it."""
        with self._lock:
            with contextlib.suppress(OSError):
                self.connection.close()
            with contextlib.suppress(ProcessLookupError):
                self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


_running: Service | None = None


def start(pandas_frames: bool = False) -> None:
    """Start the service for this command unless one runs, Great Expectations is imported here already (nothing to
    win), or ``XHS_EXPECTATIONS_PROCESS=0``.

    ``pandas_frames``: the command converts each polars frame to pandas before it sends it, so the service never
    imports polars. Worth it where the command waits for the service anyway (``xhs validate``: 0.1 s sooner);
    not in a run, whose command is the one that has the most to do."""
    global _running
    if _running is not None or "great_expectations" in sys.modules or os.environ.get(SERVICE_ENV) == "0":
        return
    _running = Service(pandas_frames)


@contextmanager
def running(pandas_frames: bool = False) -> Iterator[None]:
    """The service for the length of one command (``start``, then ``stop``)."""
    start(pandas_frames)
    try:
        yield
    finally:
        stop()


def stop() -> None:
    global _running
    if _running is not None:
        service, _running = _running, None
        service.close()


atexit.register(stop)  # a command that ends without leaving ``running``: once per process, not per start


def wants_pandas() -> bool:
    """Whether the running service was started to be sent pandas frames (``start``)."""
    return _running is not None and _running.pandas_frames


def call(function: str, *args: Any) -> Any:
    """``function(*args)`` in the running service; ``Unavailable`` when there is none."""
    if _running is None:
        raise Unavailable
    return _running.call(function, *args)


def _build_site(*args: Any) -> Any:
    from expectations.docs import build_site_here  # the suites and the specs: imported when a site is first built

    return build_site_here(*args)


FUNCTIONS = {"validate": validate, "build_site": _build_site}


def serve(connection: Connection) -> None:
    """Import Great Expectations, then answer requests until the command closes its end."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the command, which closes the socket
    warm_up()
    gc.freeze()  # what the imports made lives as long as the process: no collection traverses it again
    while True:
        try:
            function, args = connection.recv()
        except (EOFError, OSError):
            return
        try:
            answer: tuple[bool, Any] = (True, FUNCTIONS[function](*args))
        except Exception as exc:  # sent back and raised in the command, which reports it as its own
            answer = (False, portable(exc))
        try:
            connection.send(answer)
        except OSError:
            return


def portable(exc: Exception) -> Exception:
    """``exc`` when it comes out of pickle whole in the command; else a ``RuntimeError`` with its type and text (an
    exception whose constructor takes other arguments than it keeps would fail in the command's ``recv``)."""
    try:
        back = pickle.loads(pickle.dumps(exc))
    except Exception:  # any failure to pickle or unpickle: the text goes instead, nothing is lost
        back = None
    return exc if back is not None else RuntimeError(f"{type(exc).__name__}: {exc}")


if __name__ == "__main__":
    serve(Connection(int(sys.argv[1])))
    gc.freeze()  # ended by its socket (the command ended without ``close``): no final collection of GE's objects
