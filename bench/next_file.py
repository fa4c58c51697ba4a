"""One new file at a time on a deployment that is kept (issue #28): how one new file is measured at size XL, whose
deployment (2.9 GB) is too big to copy back before every run as ``bench.alternate`` does.

    python -m bench --size XL --no-naive                          # once: the deployment (XL/run in harness.WORK)
    python -m bench.next_file --size XL --start 0 --count 3       # then new files 0, 1, 2; later --start 3, ...

The ``k``-th new file is the next telecom month of one of the size's provinces after the reform, in turn
(``bench.harness.extra_file``): each file is new to the deployment, and a sequence never repeats one (a file that
is there already is refused). Each is added to the deployment's landing folder, then ``xhs run`` is timed as
``make bench`` times it (``run_measured``), with the modules of ``--tree`` first. Printed for each: its wall time,
the machine's load, what the build did, and each step's seconds from Dagster's event log. The code's digests are
the deployment's: a tree whose reader differs reads every file again on its first run, and a tree whose warehouse
code differs builds the warehouse in full once.
"""

from __future__ import annotations

import argparse
import os
import shutil
from pathlib import Path

from bench.harness import ROOT, WORK, extra_file, last_build, last_run_events
from bench.measure import run_measured, xhs, xhs_env


def step_seconds(root: Path) -> dict[str, float]:
    """Each step of the deployment's last run and its seconds, from Dagster's event log; ``events`` from the run's
    first event to its last."""
    at = last_run_events(root)
    started = {step: t for t, kind, step in at if kind == "STEP_START"}
    seconds = {step: round(t - started[step], 2) for t, kind, step in at if kind == "STEP_SUCCESS" and step in started}
    return {**seconds, "events": round(at[-1][0] - at[0][0], 2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="XL")
    parser.add_argument("--deployment", type=Path, help=f"default: {WORK.relative_to(ROOT)}/<size>/run")
    parser.add_argument("--tree", type=Path, default=Path("."), help="the checkout whose code runs")
    parser.add_argument("--start", type=int, default=0, help="the first new file's number in the sequence")
    parser.add_argument("--count", type=int, default=3)
    args = parser.parse_args(argv)
    root = (args.deployment or WORK / args.size / "run").resolve()
    if not (root / "warehouse" / "xhs.duckdb").exists():
        parser.error(f"no deployment in {root}: make it first with python -m bench --size {args.size} --no-naive")
    env = {**xhs_env(root, root / "landing"), "PYTHONPATH": str(args.tree.resolve()), "XHS_LAKE": str(root / "lake")}
    for k in range(args.start, args.start + args.count):
        made = WORK / args.size / "next-file"
        shutil.rmtree(made, ignore_errors=True)
        path = extra_file(args.size, made, k)
        target = root / "landing" / path.relative_to(made)
        if target.exists():
            parser.error(f"new file {k} ({target.name}) is in the deployment already: start after it")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        load = os.getloadavg()[0]
        done = run_measured(xhs("run"), env, root, label=f"{args.size}: new file {k}")
        steps = step_seconds(root)
        shown = ", ".join(f"{step} {s}" for step, s in steps.items())
        print(
            f"new file {k} ({target.name}): {done['seconds']:.2f} s, exit {done['exit']}, load {load:.2f}, "
            f"{last_build(root).get('build')} build; {shown}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
