"""Where the seconds of one new file go (issue #24): a size's landing folder run once, one new file added, and that
second ``xhs run`` sampled by py-spy (every thread and the parsing sandbox); the samples are grouped into the
stages of a run and printed as a table, with the run's wall time.

    python -m bench.profile --size M [--py-spy /path/to/py-spy] [--out bench/profile_M.json]

py-spy is a tool of the person measuring, not a dependency of xhs: ``pip install py-spy`` into any environment and
pass its path (or have it on PATH). The stages are recognised by the modules on each sampled stack, most specific
first (``STAGES``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from bench.harness import WORK, extra_file, fresh_run
from bench.measure import run_measured, xhs
from bench.scale import write_landing

# (stage, any of these in a sampled stack), most specific first: a stack is counted in the first stage it matches
STAGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("importing Great Expectations", ("great_expectations/__init__", "import_great_expectations")),
    ("Data Docs", ("expectations/docs", "assets/docs.py")),
    (
        "validating (Great Expectations)",
        ("great_expectations", "expectations/engine.py", "expectations/runner.py", "expectations/checks.py"),
    ),
    ("lake (Iceberg)", ("warehouse/lake.py", "pyiceberg")),
    ("publishing (copy, checkpoint, rename)", ("warehouse/publish.py",)),
    ("building the warehouse", ("warehouse/",)),
    ("reading the new file (sandbox, reader)", ("sources/intake", "sources/reading", "python_calamine", "worker.py")),
    ("staging (cached reads, stg tables)", ("sources/staging",)),
    ("archive and state store", ("sources/archive",)),
    ("reply workbooks and report", ("sources/feedback", "warehouse/report.py", "warehouse/replies.py")),
    ("Dagster event log and storage", ("dagster/_core/storage", "dagster/_core/events", "sqlalchemy", "sqlite3")),
    ("Dagster run machinery", ("dagster/",)),
    ("other imports", ("<frozen importlib._bootstrap>",)),
)


def stage_of(stack: str) -> str:
    for stage, marks in STAGES:
        if any(m in stack for m in marks):
            return stage
    return "other"


RATE = 100  # samples per second (``py-spy record --rate``)


def summarise(folded: Path) -> list[dict]:
    """The folded py-spy samples (``stack count`` lines) by stage: samples, share, and seconds (samples / ``RATE``:
    the time a stage was seen running). Samples of another process (the parsing sandbox, the expectations process,
    issue #28) are a row each, by command: they ran beside the command, on the other core."""
    counts: Counter[str] = Counter()
    for line in folded.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, n = line.rpartition(" ")
        if not (stack and n.isdigit()):
            continue
        frames = stack.split(";")
        if len(frames) > 1 and frames[1].startswith("process "):  # a child of the command
            command = frames[1].partition(":")[2].strip('"').split()
            counts[f"in another process: {' '.join(command[1:3]) or '?'}"] += int(n)
        else:
            counts[stage_of(stack)] += int(n)
    total = sum(counts.values()) or 1
    return [{"stage": s, "samples": n, "share": n / total, "seconds": n / RATE} for s, n in counts.most_common()]


def profile(size: str, py_spy: str, out: Path | None) -> dict:
    base = WORK / f"profile-{size}"
    gen = WORK / size / "landing"
    files = write_landing(size, gen)
    root = base / "run"
    landing, env = fresh_run(gen, root)
    first = run_measured(xhs("run"), env, root, label=f"{size}: first run")
    if first["exit"] not in (0, 1):
        raise RuntimeError(first["stderr"][-2000:])
    extra_file(size, landing)
    folded = base / "one_new_file.folded"
    cmd = [py_spy, "record", "--format", "raw", "--rate", str(RATE), "--subprocesses", "-o", str(folded), "--"]
    started = time.perf_counter()
    done = subprocess.run(cmd + xhs("run"), env=env, cwd=root, capture_output=True, text=True, timeout=3600)
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise RuntimeError(done.stderr[-3000:])
    result = {
        "size": size,
        "files": len(files),
        "first_run_s": first["seconds"],
        "one_new_file_s_under_py_spy": seconds,
        "load": os.getloadavg(),
        "stages": summarise(folded),
    }
    if out:
        out.write_text(json.dumps(result, indent=1), encoding="utf-8")
    return result


def table(result: dict) -> str:
    lines = [
        f"one new file at {result['size']} ({result['files']} files): {result['one_new_file_s_under_py_spy']:.1f} s "
        f"under py-spy, load {' '.join(f'{x:.1f}' for x in result['load'])}",
        "",
        "| stage | share | seconds |",
        "| --- | --- | --- |",
    ]
    lines += [f"| {s['stage']} | {s['share']:.0%} | {s['seconds']:.1f} |" for s in result["stages"]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="M", choices=["XS", "S", "M", "L", "XL"])
    parser.add_argument("--py-spy", default=shutil.which("py-spy") or "py-spy")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    if not Path(args.py_spy).exists() and not shutil.which(args.py_spy):
        print("py-spy not found: pip install py-spy, then pass --py-spy PATH", file=sys.stderr)
        return 2
    print(table(profile(args.size, args.py_spy, args.out)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
