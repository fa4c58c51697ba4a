"""The ``xhs`` program as a process (issue #28): ``pipelines.cli.command`` runs ``main`` with the collector tuned
for one command and freezes what is alive before the interpreter's final collection; ``main`` itself, which the
tests call many times in one process, leaves the collector alone."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

from pipelines import cli

PROBE = """
import gc, json, sys
from pipelines import cli
sys.argv = ["xhs", "samples", "--out", sys.argv[1]]
code = cli.command()
print(json.dumps({"code": code, "threshold": gc.get_threshold(), "frozen": gc.get_freeze_count()}))
"""


def test_the_program_is_command() -> None:
    [script] = [e for e in entry_points(group="console_scripts") if e.name == "xhs"]
    assert script.value == "pipelines.cli:command"


def test_command_tunes_the_collector_and_freezes_at_its_end(tmp_path: Path) -> None:
    out = tmp_path / "landing"
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(out)],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(cli.__file__).resolve().parent.parent,
    )
    probe = json.loads(done.stdout.strip().splitlines()[-1])
    assert probe["code"] == 0  # main's own exit status comes through
    assert tuple(probe["threshold"]) == cli.COMMAND_GC_THRESHOLDS
    assert probe["frozen"] > 10_000  # everything alive at the end: the modules and their objects
    assert any(out.rglob("*.xlsx"))  # the command ran


def test_main_leaves_the_collector_alone(tmp_path: Path) -> None:
    before, frozen = gc.get_threshold(), gc.get_freeze_count()
    assert cli.main(["samples", "--out", str(tmp_path / "landing")]) == 0
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == frozen
