"""The ``xhs`` program as a process (issue #28): ``pipelines.cli.command`` runs ``main`` with the collector tuned
for one command, then ends the process without the interpreter's teardown, after the ``atexit`` functions and with
its output flushed; ``main`` itself, which the tests call many times in one process, leaves the collector alone."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

from pipelines import cli

ROOT = Path(cli.__file__).resolve().parent.parent
PROBE = """
import atexit, gc, sys
from pathlib import Path
from pipelines import cli
marker = Path(sys.argv[2])
atexit.register(lambda: marker.write_text(repr(gc.get_threshold())))
sys.argv = ["xhs", *sys.argv[3:]]
cli.command()
print("not reached")
"""


def probe(tmp_path: Path, *argv: str) -> tuple[subprocess.CompletedProcess, str]:
    marker = tmp_path / "atexit.txt"
    done = subprocess.run(
        [sys.executable, "-c", PROBE, "-", str(marker), *argv], capture_output=True, text=True, cwd=ROOT
    )
    return done, marker.read_text() if marker.exists() else ""


def test_the_program_is_command() -> None:
    [script] = [e for e in entry_points(group="console_scripts") if e.name == "xhs"]
    assert script.value == "pipelines.cli:command"


def test_command_ends_with_atexit_run_output_flushed_and_mains_status(tmp_path: Path) -> None:
    out = tmp_path / "landing"
    done, at_exit = probe(tmp_path, "samples", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("wrote ") and "not reached" not in done.stdout  # flushed, and the end is the end
    assert at_exit == repr(cli.COMMAND_GC_THRESHOLDS)  # atexit functions ran, under the command's thresholds
    assert "leaked" not in done.stderr  # no teardown: nothing for DuckDB's nanobind to report
    assert any(out.rglob("*.xlsx"))


def test_command_passes_on_a_failing_status(tmp_path: Path) -> None:
    done, at_exit = probe(tmp_path, "validate", str(tmp_path / "missing.xlsx"))
    assert done.returncode == 2, done.stderr  # DESIGN §10: 2, unreadable (no such file)
    assert at_exit


def test_output_that_cannot_be_flushed_gives_120() -> None:
    """``xhs run | head -0``: the reader went away before the buffered output was written."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # stdout buffered, as in a pipe
    script = "import sys; from pipelines.cli import end; sys.stdout.write('a line'); end(0)"
    with subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=ROOT, env=env
    ) as proc:
        assert proc.stdout is not None
        proc.stdout.close()
        assert proc.wait(60) == 120


def test_main_leaves_the_collector_alone(tmp_path: Path) -> None:
    before, frozen = gc.get_threshold(), gc.get_freeze_count()
    assert cli.main(["samples", "--out", str(tmp_path / "landing")]) == 0
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == frozen
