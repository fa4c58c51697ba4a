"""A helper process: a second Python that imports a heavy library while the command goes on, then does the work it is
sent, one request at a time (issue #28). Two commands' roles use it: Great Expectations (``expectations.service``)
and the lake's Iceberg write (``warehouse.lake_process``).

A role is a module with ``FUNCTIONS`` (the names the command may call) and, optionally, ``warm_up()`` (the imports
made before the first request) and ``idle_work(*options)`` (small tasks done one at a time while no request
waits: what a later request will need, such as the Data Docs' modules, prepared in the time the helper would be
idle; a request that comes waits for one task at most). ``options`` are the strings the command started it with.
Whatever fails in the helper is raised in the command as its own exception (``portable``). A command that forked
(a step worker) or whose helper died gets ``Unavailable`` and does the work itself. The helper ends when the
command's end of its socket closes, whatever way the command ends (even ``os._exit`` or a kill). A command holds its
helper of a role in a ``Slot``. Imports nothing of xhs.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import importlib
import os
import pickle
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

PACKAGE_ROOT = Path(__file__).resolve().parent.parent


class Unavailable(Exception):
    """No helper in this process (or it died): the caller does the work itself."""


class Helper:
    """A running helper of ``role`` (a module name), started with ``options``: its process and this end of the
    socket."""

    def __init__(self, role: str, *options: str) -> None:
        self.role = role
        mine, theirs = socket.socketpair()
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(PACKAGE_ROOT), os.environ.get("PYTHONPATH")])),
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "runtime.helper", str(theirs.fileno()), role, *options],
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
        """``function(*args)`` (a name of the role's ``FUNCTIONS``), in the helper; its exception is raised here."""
        if os.getpid() != self.owner:  # a forked step worker: the socket is the parent's
            raise Unavailable
        with self._lock:
            try:
                self.connection.send((function, args))
                ok, value = self.connection.recv()
            except (EOFError, OSError) as exc:
                self.close()
                raise Unavailable(f"the helper process {self.role} ended: {exc}") from exc
        if not ok:
            raise value
        return value

    def close(self, timeout: float = 5.0) -> None:
        """End the helper and reap it. It holds the lock, so no request is under way (a ``call`` in another thread
        finishes first); the helper is then ended at once, with SIGTERM: it may still be importing (a run with
        nothing new), and a Python's normal end would traverse all of its objects. The socket is closed first: a
        helper that misses the signal ends on it."""
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


class Slot:
    """The helper of one role a command may have: started once (``start``), ended with the command (``stop``, also at
    exit), and ``run``: a function of the role in the helper when one answers, else here. ``functions`` is the
    role's ``FUNCTIONS``, the same functions either way."""

    def __init__(self, functions: dict[str, Callable[..., Any]]) -> None:
        self.functions = functions
        self.helper: Helper | None = None
        atexit.register(self.stop)  # a command that ends without stopping it

    def start(self, make: Callable[[], Helper]) -> None:
        if self.helper is None:
            self.helper = make()

    def stop(self) -> None:
        if self.helper is not None:
            helper, self.helper = self.helper, None
            helper.close()

    def run(self, function: str, *args: Any) -> Any:
        """``function(*args)`` in the helper; here when none runs, it has died, or this process is a forked worker
        (``Unavailable``). An exception the function raised in the helper is raised here as it is."""
        if self.helper is not None:
            with contextlib.suppress(Unavailable):
                return self.helper.call(function, *args)
        return self.functions[function](*args)


def serve(connection: Connection, role: str, *options: str) -> None:
    """Import the role and what its ``warm_up`` imports, then answer requests until the command closes its end, doing
    the role's ``idle_work`` while no request waits."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the command, which closes the socket
    module = importlib.import_module(role)
    if hasattr(module, "warm_up"):
        module.warm_up()
    gc.freeze()  # what the imports made lives as long as the process: no collection traverses it again
    functions = module.FUNCTIONS
    idle = list(module.idle_work(*options)) if hasattr(module, "idle_work") else []
    while True:
        try:
            if idle and not connection.poll(0):
                task = idle.pop(0)
                # a task that fails is left to the request that needs it: it does the same and reports the failure
                with contextlib.suppress(Exception):
                    task()
                if not idle:
                    gc.freeze()
                continue
            function, args = connection.recv()
        except (EOFError, OSError):
            return
        try:
            answer: tuple[bool, Any] = (True, functions[function](*args))
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
    serve(Connection(int(sys.argv[1])), sys.argv[2], *sys.argv[3:])
    gc.freeze()  # ended by its socket (the command ended without ``close``): no final collection of its objects
