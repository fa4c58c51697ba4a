"""Progress of ``xhs run`` and ``xhs publish`` (issue #14): timestamped lines when stderr is a log, one line
rewritten in place on a terminal (a pseudo-terminal here), nothing with ``--quiet``; real runs on sample files."""

from __future__ import annotations

import logging
import os
import pty
import re
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest

from runtime import progress

FIRST = ("digital_skills", "public_services")  # two departments of the samples, nine files each


def xhs_env(root: Path, **extra: str) -> dict[str, str]:
    """The environment of a command run on ``root``, with no progress setting of the caller's."""
    env = {k: v for k, v in os.environ.items() if k not in (progress.PROGRESS_ENV, progress.STARTED_ENV)}
    return {
        **env,
        "XHS_DATA": str(root / "data"),
        "DAGSTER_HOME": str(root / ".dagster"),
        "XHS_LANDING": str(root / "landing"),
        "XHS_WAREHOUSE": str(root / "warehouse" / "xhs.duckdb"),
        "XHS_LAKE": str(root / "lake"),
        **extra,
    }


def run(root: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    """``xhs`` with stderr a pipe, as under cron."""
    return subprocess.run(
        [sys.executable, "-m", "pipelines.cli", *args],
        env=xhs_env(root, **extra),
        cwd=root,
        capture_output=True,
        text=True,
        timeout=900,
    )


def run_in_terminal(root: Path, *args: str, **extra: str) -> tuple[int, str]:
    """``xhs`` on a pseudo-terminal (stdout and stderr both), as an operator runs it; its exit code and output."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: becomes xhs
        os.chdir(root)
        os.execve(sys.executable, [sys.executable, "-m", "pipelines.cli", *args], xhs_env(root, **extra))
    output = bytearray()
    deadline = time.monotonic() + 900
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 5)
            if not ready:
                continue
            try:
                data = os.read(fd, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            output.extend(data)
    finally:
        os.close(fd)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), output.decode("utf-8", errors="replace")


def progress_texts(stderr: str) -> list[str]:
    texts = [progress.stage_of_line(line) for line in stderr.splitlines()]
    return [t for t in texts if t is not None]


def files_in(folder: Path) -> int:
    return sum(1 for p in folder.rglob("*") if p.is_file())


def test_a_log_gets_timestamped_lines_and_quiet_gets_none(sample_warehouse: Path, tmp_path: Path) -> None:
    samples = sample_warehouse / "landing"
    for folder in FIRST:
        shutil.copytree(samples / folder, tmp_path / "landing" / folder)
    counts = {folder: files_in(samples / folder) for folder in FIRST}
    stray = next((samples / "telecom").glob("*.xlsx"))  # a file at the top: its department comes from its headers
    shutil.copy(stray, tmp_path / "landing" / stray.name)

    done = run(tmp_path, "run")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "\r" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert lines and all(progress.LINE_PATTERN.match(line) for line in lines), done.stderr  # nothing else
    assert all(" xhs run +" in line for line in lines)
    seconds = [float(line.split(" +", 1)[1].split("s ", 1)[0]) for line in lines]
    assert seconds == sorted(seconds)  # the time since the command started, as it goes on
    texts = progress_texts(done.stderr)
    for folder, n in counts.items():
        assert f"reading {folder} 0/{n}" in texts and f"reading {folder} {n}/{n}" in texts, texts
        assert f"validating {folder} ({n} files)" in texts and f"checking {folder}" in texts
    assert "reading files of no department folder 1/1" in texts
    assert "reading telecom 0/0 (1 already read)" in texts  # read while archiving, to find its department
    stages = [
        "starting",
        "archiving",
        "reading digital_skills 9/9",
        "reading public_services 9/9",
        "building the warehouse",
        "checking the warehouse",
        "publishing the warehouse",
        "lake and data docs",
        "report",
        "finished",
    ]
    assert [t for t in texts if t in stages] == stages
    assert "Files received this run" in done.stdout  # the summary is on stdout, as before

    shutil.copytree(samples / "health", tmp_path / "landing" / "health")  # something to read, quietly
    quiet = run(tmp_path, "run", "--quiet")
    assert quiet.returncode == 0, quiet.stdout + quiet.stderr
    assert not progress_texts(quiet.stderr) and "reading" not in quiet.stderr, quiet.stderr
    assert "Files received this run / Tệp nhận lần này: " + str(files_in(samples / "health")) in quiet.stdout

    published = run(tmp_path, "publish", "--out", str(tmp_path / "releases"))
    assert published.returncode == 0, published.stderr
    texts = progress_texts(published.stderr)
    assert texts[0] == "starting" and texts[-1] == "finished", texts
    assert {"release", "release: tables", "release: site", "release: checking the data package"} <= set(texts)
    assert all(" xhs publish +" in line for line in published.stderr.strip().splitlines())
    again = run(tmp_path, "publish", "-q", "--out", str(tmp_path / "releases"))
    assert again.returncode == 0 and again.stderr == "", again.stderr

    # The setting for runs the daemon launches: in the run's log (Dagster's managed Python loggers), not on stderr.
    shutil.copytree(samples / "einvoice", tmp_path / "landing" / "einvoice")
    logged = run(tmp_path, "run", XHS_PROGRESS="log")
    assert logged.returncode == 0 and not progress_texts(logged.stderr), logged.stderr
    instance = dg.DagsterInstance.from_config(str(tmp_path / ".dagster"))
    [last] = instance.get_runs(limit=1)
    messages = [e.user_message for e in instance.all_logs(last.run_id)]
    n = files_in(samples / "einvoice")
    assert any(m.startswith("xhs run +") and m.endswith(f"reading einvoice {n}/{n}") for m in messages), messages
    assert any(m.endswith(" report") for m in messages), messages

    nothing_new = run(tmp_path, "run")  # no Dagster run at all: said so, with the first and last progress lines
    assert nothing_new.returncode == 0, nothing_new.stderr
    assert progress_texts(nothing_new.stderr) == ["starting", "nothing new"], nothing_new.stderr


def test_a_terminal_gets_one_line_rewritten(sample_warehouse: Path, tmp_path: Path) -> None:
    samples = sample_warehouse / "landing"
    shutil.copytree(samples / "digital_skills", tmp_path / "landing" / "digital_skills")
    n = files_in(samples / "digital_skills")

    code, shown = run_in_terminal(tmp_path, "run")
    assert code == 0, shown
    progress_part, _, summary = shown.rpartition("\r\x1b[K")  # the live line is cleared before the summary
    assert "Files received this run" in summary and "\r" not in summary.replace("\r\n", "\n"), shown
    updates = [u.removesuffix("\x1b[K") for u in progress_part.split("\r") if u]
    assert len(updates) > 5 and all(u.startswith("xhs run ") and "\n" not in u for u in updates), updates
    assert not any(progress.LINE_PATTERN.match(u) for u in updates)  # no timestamps on a terminal
    assert any(u.endswith(f"· reading digital_skills 0/{n}") for u in updates), updates
    assert any(u.endswith(f"· reading digital_skills {n}/{n}") for u in updates), updates
    for stage in ("archiving", "building the warehouse", "publishing the warehouse", "report"):
        assert any(u.endswith(f"· {stage}") for u in updates), (stage, updates)

    # The multiprocess executor: the steps print from their own processes, so the line becomes plain lines.
    shutil.copytree(samples / "public_services", tmp_path / "landing" / "public_services")
    m = files_in(samples / "public_services")
    code, shown = run_in_terminal(tmp_path, "run", XHS_EXECUTOR="multiprocess")
    assert code == 0, shown
    texts = progress_texts(shown.replace("\r\n", "\n").replace("\r\x1b[K", "\n"))
    assert any(t.endswith("(steps in separate processes: plain lines)") for t in texts), shown
    assert f"reading public_services 0/{m}" in texts and f"reading public_services {m}/{m}" in texts, texts


@pytest.mark.parametrize("setting", ["lines", "log", "quiet", "live"])
def test_the_steps_report_only_when_a_command_asked(
    setting: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A process the command did not start as ``live`` (a step process) writes lines; ``log`` goes to the
    ``xhs.progress`` logger (Dagster's managed loggers); unset means quiet."""
    caplog.set_level(logging.INFO, logger=progress.LOGGER.name)
    monkeypatch.setenv(progress.PROGRESS_ENV, setting)
    monkeypatch.setenv(progress.STARTED_ENV, f"{time.time()} {os.getpid() + 1} xhs run")  # another process's
    progress.reading("health", 2)
    progress.file_read()
    progress.file_read()
    err = capsys.readouterr().err
    if setting in ("lines", "live"):
        assert progress_texts(err) == ["reading health 0/2", "reading health 2/2"], err
    else:
        assert err == ""
    logged = [re.sub(r"^.*? \+\d+\.\ds ", "", r.getMessage()) for r in caplog.records if r.name == "xhs.progress"]
    assert logged == (["reading health 0/2", "reading health 2/2"] if setting == "log" else [])
    monkeypatch.delenv(progress.PROGRESS_ENV)
    progress.stage("archiving")
    assert capsys.readouterr().err == ""
