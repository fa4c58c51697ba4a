"""What a process that outlives a run would give (issue #28): one new file at a time, each run in the same Python
process, against ``xhs run`` started afresh for each, on the same deployment.

    python -m bench.long_lived --size M --rounds 5
    python -m bench.long_lived --size XL --start 200 --count 3    # the deployment bench.next_file uses
    python -m bench.long_lived --validate landing/telecom/BC_vien_thong_BacKan_2022.xlsx --rounds 4

Not a feature of xhs: a measurement of the one design left to decide. ``xhs run`` starts a new interpreter, which
imports Dagster and the definitions, opens the instance and starts its expectations process before the first step;
Dagster's own launchers do the same for every run (the code server starts each run in a fresh interpreter). Here a
child process runs ``xhs run``'s own code (``pipelines.cli``) once per new file, keeping its imports, its modules'
caches and its expectations process between runs, as a process that lived for many runs would.

Size M uses ``bench.alternate``'s snapshot, copied back before each run of either kind, with the ``k``-th new file
added (``bench.harness.extra_file``); the warm runs start from the snapshot too, one new file each, the process's
first run (which pays the imports) reported apart; at most as many rounds as months are left before the current one
(5 in December 2026). Size XL uses a kept deployment, as ``bench.next_file`` does: each round adds one new file by
``xhs run`` afresh, then two in one new process, whose second run is the one measured. Any exit but 0 (a file not
loaded) stops the bench.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.alternate import deployment_env, restore
from bench.harness import ROOT, WORK, extra_file, last_build
from bench.measure import run_measured, xhs
from pipelines.validate import VERDICT_EXITS

CHILD, VALIDATE_CHILD = "--child", "--validate-child"


def child(requests: list[dict[str, str]]) -> None:
    """In the long-lived process: for each request, copy its new file into the landing folder (after restoring the
    deployment when it names a snapshot) and run ``xhs run``'s code; print one JSON line per run."""
    import pipelines.cli as cli
    from expectations import service

    args = cli.build_parser().parse_args(["run", "--quiet"])
    gc.set_threshold(*cli.COMMAND_GC_THRESHOLDS)  # as the xhs program sets them
    with service.running():
        for request in requests:
            if request.get("snapshot"):
                restore(Path(request["snapshot"]), Path(request["root"]))
            _land(request)
            load = os.getloadavg()[0]
            started = time.perf_counter()
            code = cli._run(args)
            seconds = time.perf_counter() - started
            print(json.dumps({"seconds": seconds, "exit": code, "load": load}), flush=True)


def validate_child(path: str, times: int) -> None:
    """In the long-lived process: ``xhs validate``'s check of ``path``, ``times`` times; one JSON line each."""
    from pipelines.validate import validate

    for _ in range(times):
        started = time.perf_counter()
        verdict, _read = validate(Path(path))
        print(json.dumps({"seconds": time.perf_counter() - started, "verdict": verdict}), flush=True)


def validate_figures(path: Path, rounds: int) -> tuple[list[float], list[float]]:
    """``xhs validate`` of ``path`` afresh ``rounds`` times, then ``rounds`` times in one process (after a first
    check that pays the imports, not counted): the seconds of each. Both give the same verdict, or the bench stops."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cold, exits = [], set()
    for _ in range(rounds):
        started = time.perf_counter()
        checked = subprocess.run(
            [sys.executable, "-m", "pipelines.cli", "validate", str(path)], env=env, capture_output=True
        )
        cold.append(time.perf_counter() - started)
        exits.add(checked.returncode)
    done = subprocess.run(
        [sys.executable, "-m", "bench.long_lived", VALIDATE_CHILD, str(path), str(rounds + 1)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    checks = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    verdicts = {VERDICT_EXITS.get(c["verdict"], 2) for c in checks}
    if len(exits | verdicts) != 1 or exits == {2}:
        raise SystemExit(f"xhs validate exits {sorted(exits)} afresh, verdicts {sorted(verdicts)} kept: no figure")
    return cold, [c["seconds"] for c in checks[1:]]


def warm_runs(root: Path, env: dict[str, str], requests: list[dict[str, str]]) -> list[dict]:
    """The runs of ``requests`` in one child process, started beside ``root`` (which a restore replaces)."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.long_lived", CHILD, json.dumps(requests)],
        env={**env, "PYTHONPATH": os.pathsep.join([env["PYTHONPATH"], str(ROOT)])},
        cwd=root.parent,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"the long-lived process failed ({done.returncode}): {done.stderr[-2000:]}")
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def new_file(size: str, k: int, root: Path) -> dict[str, str]:
    made = WORK / size / "long-lived-new" / str(k)
    shutil.rmtree(made, ignore_errors=True)
    path = extra_file(size, made, k)
    return {"file": str(path), "target": str(root / "landing" / path.relative_to(made)), "root": str(root)}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == [CHILD]:
        child(json.loads(argv[1]))
        return 0
    if argv[:1] == [VALIDATE_CHILD]:
        validate_child(argv[1], int(argv[2]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="M", choices=["XS", "S", "M", "XL"])
    parser.add_argument("--rounds", type=int, default=4, help="M: runs of each kind (at most the months left)")
    parser.add_argument("--deployment", type=Path, help="XL: a kept deployment (default: bench.next_file's)")
    parser.add_argument("--start", type=int, default=0, help="XL: the first new file's number")
    parser.add_argument("--count", type=int, default=4, help="XL: runs of each kind")
    parser.add_argument("--validate", type=Path, help="instead: xhs validate of this file, afresh and kept")
    args = parser.parse_args(argv)
    if args.validate:
        cold, warm = validate_figures(args.validate.resolve(), args.rounds)
        print(
            f"xhs validate afresh, median {statistics.median(cold):.2f} s of {_listed(cold)}; in a process kept "
            f"between checks, median {statistics.median(warm):.2f} s of {_listed(warm)}"
        )
        return 0
    tree = Path(".").resolve()
    if args.size == "XL":
        root = (args.deployment or WORK / "XL" / "run").resolve()
        if not (root / "warehouse" / "xhs.duckdb").exists():
            parser.error(f"no deployment in {root}: make it first with python -m bench --size XL --no-naive")
        env = deployment_env(root, tree)
        cold, warm = [], []
        # each round: one new file by ``xhs run`` afresh, then two in one process (the first warms it)
        requests = [new_file("XL", k, root) for k in range(args.start, args.start + 3 * args.count)]
        for r in requests:
            if Path(r["target"]).exists():
                parser.error(f"{r['target']} is in the deployment already: start after it")
        for i in range(args.count):
            r = requests[3 * i]
            _land(r)
            done = _loaded(run_measured(xhs("run"), env, root), r)
            cold.append(done["seconds"])
            print(f"cold: {done['seconds']:.2f} s, {last_build(root).get('build')} build", flush=True)
            kept = requests[3 * i + 1 : 3 * i + 3]
            pair = [_loaded(w, q) for w, q in zip(warm_runs(root, env, kept), kept, strict=True)]
            warm.append(pair[1]["seconds"])
            print(f"warm: {pair[1]['seconds']:.2f} s (its process's first run {pair[0]['seconds']:.2f} s)", flush=True)
    else:
        base = WORK / args.size
        root, snapshot = base / "alternate", base / "alternate-snapshot"
        if not snapshot.exists():
            parser.error(f"no snapshot in {snapshot}: make it with python -m bench.alternate --size {args.size}")
        env = deployment_env(root, tree)
        requests = [{**new_file(args.size, k, root), "snapshot": str(snapshot)} for k in range(args.rounds + 1)]
        cold = []
        for r in requests[1:]:
            restore(snapshot, root)
            _land(r)
            done = _loaded(run_measured(xhs("run"), env, root), r)
            cold.append(done["seconds"])
            print(f"cold: {done['seconds']:.2f} s (load {os.getloadavg()[0]:.2f})", flush=True)
        runs = [_loaded(w, q) for w, q in zip(warm_runs(root, env, requests), requests, strict=True)]
        print(f"warm process, first run (imports): {runs[0]['seconds']:.2f} s", flush=True)
        warm = [r["seconds"] for r in runs[1:]]
        for r in runs[1:]:
            print(f"warm: {r['seconds']:.2f} s (load {r['load']:.2f})", flush=True)
    print(
        f"{args.size}: xhs run afresh, median {statistics.median(cold):.2f} s of {_listed(cold)}; "
        f"in a process kept between runs, median {statistics.median(warm):.2f} s of {_listed(warm)}"
    )
    return 0


def _loaded(done: dict, request: dict[str, str]) -> dict:
    """``done``, a run that loaded its new file (exit 0); else the bench stops: a refused file (a month after the
    current one, say: at size M the new files are months of one province, so ``--rounds`` is at most 5 in December
    2026) is not one new file."""
    if done["exit"] != 0:
        raise SystemExit(f"{Path(request['file']).name} was not loaded (xhs run exit {done['exit']}): no figure")
    return done


def _listed(values: list[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values)


def _land(request: dict[str, str]) -> None:
    """The request's new file copied into the deployment's landing folder."""
    target = Path(request["target"])
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(request["file"], target)


if __name__ == "__main__":
    raise SystemExit(main())
