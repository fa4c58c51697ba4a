"""One new file, two code trees alternated on the same deployment (issue #28): how a change to the fixed cost of a
run is measured when the machine's own speed drifts by more than the change within minutes.

    python -m bench.alternate --size M --before ../xhs-before --after . --rounds 4

``--before`` and ``--after`` are checkouts (a ``git worktree`` of the commit before the change, say) that share the
reader's digest: a change to the reader reads every file again in the other tree, and the figures measure that.
Where they do not (a change to the reader's, the suites' or the warehouse's code), ``--own-deployments`` gives each
tree a deployment of its own, made by its own first run, so each run is one new file on a deployment its tree made.
A deployment of the size is made once (its first run with ``--before``), then kept as a snapshot; before each run
the snapshot is copied back in place, with the published warehouse hard-linked to the snapshot's (the same file,
so the build stays incremental: a copy would be another file, and the build would start again in full), and the
same new telecom file is added. Each run is ``xhs run`` timed as ``make bench`` times it (``run_measured``),
started in the deployment with its tree's modules first (``PYTHONPATH``) and every folder of the deployment given,
the lake included (by default the lake is ``lake/`` under the current directory: started from the two trees, each
would keep one, written again in full by every run).

Printed for each run: its wall time, the machine's load, what the build did, and the seconds from the end of the
staging step to the start of the build and from the run's first event to its last (Dagster's own event times, which
the machine's drift moves less than the wall time).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

from bench.harness import WORK, extra_file, fresh_run, last_build, last_run_events
from bench.measure import run_measured, xhs, xhs_env
from bench.scale import write_landing


def deployment_env(root: Path, tree: Path) -> dict[str, str]:
    return {**xhs_env(root, root / "landing"), "PYTHONPATH": str(tree), "XHS_LAKE": str(root / "lake")}


def restore(snapshot: Path, root: Path) -> None:
    """``root`` as ``snapshot`` was, the published warehouse (and its kept version) the snapshot's own file."""
    shutil.rmtree(root, ignore_errors=True)
    subprocess.run(["cp", "-a", str(snapshot), str(root)], check=True)
    published = snapshot / "warehouse" / "xhs.duckdb"
    inode = published.stat().st_ino
    for p in (snapshot / "warehouse").rglob("*"):
        if p.is_file() and p.stat().st_ino == inode:
            copy = root / p.relative_to(snapshot)
            copy.unlink()
            os.link(p, copy)
    note = root / "data" / "work" / "xhs-work.duckdb.next.json"  # the next build's copy, made ahead: now a copy
    if note.exists():
        saved = json.loads(note.read_text(encoding="utf-8"))
        st = (root / "data" / "work" / "xhs-work.duckdb.next").stat()
        saved["copy"] = [st.st_ino, st.st_size, st.st_mtime_ns]
        note.write_text(json.dumps(saved), encoding="utf-8")


def event_times(root: Path) -> dict[str, float]:
    """Of the deployment's last run, from Dagster's event log: from the staging step's end to the build's start,
    and from the first event to the last."""
    at = last_run_events(root)
    checks = ("_checks", "_expectations", "_timely")  # the check steps of a staging table, before and after #28
    staged = max(
        t
        for t, kind, step in at
        if kind == "STEP_SUCCESS" and str(step).startswith("stg_") and not step.endswith(checks)
    )
    built = min(t for t, kind, step in at if kind == "STEP_START" and step == "warehouse_work")
    return {"staging_to_build_s": built - staged, "events_s": at[-1][0] - at[0][0]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="M", choices=["XS", "S", "M"])
    parser.add_argument("--before", type=Path, required=True)
    parser.add_argument("--after", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument(
        "--own-deployments",
        action="store_true",
        help="a deployment made by each tree's own first run (trees whose reader or warehouse code differ)",
    )
    args = parser.parse_args(argv)
    trees = [args.before.resolve(), args.after.resolve()]
    base = WORK / args.size
    root, new = base / "alternate", base / "alternate-new"
    write_landing(args.size, base / "landing")
    snapshots = {tree: base / "alternate-snapshot" for tree in trees}
    if args.own_deployments:
        snapshots = {tree: base / f"alternate-snapshot-{i}" for i, tree in enumerate(trees)}
    for tree in trees if args.own_deployments else trees[:1]:
        snapshot = snapshots[tree]
        shutil.rmtree(snapshot, ignore_errors=True)
        fresh_run(base / "landing", root)
        first = run_measured(xhs("run"), deployment_env(root, tree), root)
        if first["exit"] not in (0, 1):
            raise SystemExit(f"the first run failed ({first['exit']}): {first['stderr']}")
        print(f"first run with {tree}: {first['seconds']:.2f} s", flush=True)
        os.rename(root, snapshot)
    shutil.rmtree(new, ignore_errors=True)
    added = extra_file(args.size, new)
    results: dict[Path, list[float]] = {t: [] for t in trees}
    cpu: dict[Path, list[float]] = {t: [] for t in trees}
    for i in range(args.rounds):
        for tree in trees if i % 2 == 0 else trees[::-1]:
            restore(snapshots[tree], root)
            target = root / "landing" / added.relative_to(new)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(added, target)
            load = os.getloadavg()[0]
            done = run_measured(xhs("run"), deployment_env(root, tree), root)
            seconds = done["seconds"]
            if done["exit"] not in (0, 1):
                raise SystemExit(f"{tree}: xhs run failed ({done['exit']}): {done['stderr']}")
            build, times = last_build(root), event_times(root)
            results[tree].append(seconds)
            cpu[tree].append(done["cpu_s"])
            if build.get("build") != "incremental":  # the trees differ in the reader's or the warehouse's code
                print(f"!! {tree.name}: a {build.get('build')} build, not one new file: compare trees that share them")
            print(
                f"{tree.name}: {seconds:.2f} s, CPU {done['cpu_s']:.2f} s (load {load:.2f}), "
                f"{build.get('build')} build, staging to build {times['staging_to_build_s']:.3f} s, "
                f"events {times['events_s']:.2f} s",
                flush=True,
            )
    for tree, values in results.items():
        print(
            f"{tree}: median {statistics.median(values):.2f} s of {', '.join(f'{v:.2f}' for v in values)}; "
            f"CPU median {statistics.median(cpu[tree]):.2f} s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
