"""Running the real ``xhs`` command against a temporary landing folder and warehouse.

``run_xhs`` runs the command in this process by default: the same ``pipelines.cli.main`` with the same
environment, working directory, umask and arguments a started ``xhs`` would have, its stdout and stderr captured
at the file-descriptor level, and everything put back afterwards. It saves the start of a Python process with
Dagster and Great Expectations imported (about 5 s) on each of the suite's hundred-odd commands. A test that
tests the process itself (how it is started, signals, two processes at once, what a terminal shows) passes
``process=True`` and gets a real child process, as before."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import duckdb


def xhs_paths(root: Path) -> dict[str, str]:
    """Every path of a deployment inside ``root``: nothing touches the repository's data."""
    return {
        "XHS_DATA": str(root / "data"),
        "DAGSTER_HOME": str(root / ".dagster"),
        "XHS_LANDING": str(root / "landing"),
        "XHS_WAREHOUSE": str(root / "warehouse" / "xhs.duckdb"),
        "XHS_LAKE": str(root / "lake"),
    }


def run_xhs(
    root: Path, *args: str, umask: int = -1, process: bool = False, **env_extra: str
) -> subprocess.CompletedProcess[str]:
    """``xhs run`` (or another subcommand) with every path inside ``root``, started in ``root``.
    ``umask``: the one the command is started with (-1: this process's); ``env_extra``: more settings;
    ``process``: in a child process (for tests of the process itself) instead of in this one."""
    env = {**os.environ, **xhs_paths(root), **env_extra}
    if process:
        return subprocess.run(
            [sys.executable, "-m", "pipelines.cli", *args],
            env=env,
            cwd=root,
            capture_output=True,
            text=True,
            timeout=600,
            umask=umask,
        )
    return run_in_process(root, list(args), env, umask)


def run_in_process(root: Path, argv: list[str], env: dict[str, str], umask: int = -1) -> subprocess.CompletedProcess:
    """``pipelines.cli.main(argv)`` as a started process would run it: ``env`` as its whole environment,
    ``root`` as its working directory, ``umask`` (-1: this process's) as its umask; what it writes to file
    descriptors 1 and 2 (Python's ``sys.stdout``/``sys.stderr`` and anything below them) is returned as its
    stdout and stderr. The environment, working directory and umask are put back afterwards."""
    from pipelines.cli import main

    root.mkdir(parents=True, exist_ok=True)
    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    saved_umask = os.umask(0o022)
    os.umask(saved_umask if umask == -1 else umask)
    try:
        os.environ.clear()
        os.environ.update(env)
        os.chdir(root)
        with _captured() as (out, err):
            try:
                code = main(argv)
            except SystemExit as exc:  # argparse's usage errors, as the process would exit
                code = exc.code if isinstance(exc.code, int) else 2
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
        os.umask(saved_umask)
    return subprocess.CompletedProcess([sys.executable, "-m", "pipelines.cli", *argv], code, out.text, err.text)


class _Output:
    text = ""


@contextlib.contextmanager
def _captured() -> Iterator[tuple[_Output, _Output]]:
    """File descriptors 1 and 2 into temporary files (what C code writes too), ``sys.stdout``/``sys.stderr``
    onto them (not a terminal, as under ``capture_output``); the text of each afterwards."""
    out, err = _Output(), _Output()
    with tempfile.TemporaryFile() as out_file, tempfile.TemporaryFile() as err_file:
        sys.stdout.flush()
        sys.stderr.flush()
        saved_fds, saved_streams = (os.dup(1), os.dup(2)), (sys.stdout, sys.stderr)
        os.dup2(out_file.fileno(), 1)
        os.dup2(err_file.fileno(), 2)
        # never closed: a logging handler made during the command may keep one; after, it writes to fd 1 or 2
        sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding="utf-8", write_through=True)
        sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), encoding="utf-8", write_through=True)
        try:
            yield out, err
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            sys.stdout, sys.stderr = saved_streams
            os.dup2(saved_fds[0], 1)
            os.dup2(saved_fds[1], 2)
            for fd in saved_fds:
                os.close(fd)
            for output, file in ((out, out_file), (err, err_file)):
                file.seek(0)
                output.text = file.read().decode("utf-8", errors="replace")


def query(root: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(root / "warehouse" / "xhs.duckdb"), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()
