"""Hostile-input benchmark: every case of bench/hostile_corpus.py through ``xhs validate``, in a fresh process each,
with its verdict, wall time and peak memory (the validating process and its parsing worker); then the same
file parsed by calamine *without* the intake guard (in the sandbox, so an abort kills only the worker); then
the cost of the worker on the 82 sample workbooks (in-process read vs read through the worker).

    .venv/bin/python bench/hostile.py            # prints tables, writes bench/hostile_results.json
    .venv/bin/python bench/hostile.py --quick    # skip the unguarded parse

Targets (issue #7): every hostile file refused, peak memory < 1 GiB and < 30 s each, the process alive.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.hostile_corpus import CASES  # noqa: E402

# One case in a fresh interpreter: validate (the CLI's code path), close the worker so it is reaped, then report
# the peak RSS of this process and of its children (the worker) from getrusage (ru_maxrss is in KiB on Linux).
PROBE = """
import json, resource, sys, time
from pathlib import Path
from pipelines.validate import validate
from sources.intake import shared_sandbox
from sources.intake.sandbox import read_in_sandbox
path, guard = Path(sys.argv[1]), sys.argv[2] == "guard"
t = time.perf_counter()
if guard:
    status, result = validate(path)
    errors = result.errors
    rule = errors[0].rule if errors else None
else:
    findings, sheets = read_in_sandbox(path, path.name, guard=False)
    status = "parsed" if sheets is not None else "refused"
    rule = findings[0].rule if findings and sheets is None else None
    if findings and sheets is None:
        status += ": " + findings[0].message_en[:160]
seconds = time.perf_counter() - t
shared_sandbox().close()
print(json.dumps({"status": status, "rule": rule, "seconds": seconds,
                  "parent_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "worker_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""


def probe(path: Path, guard: bool) -> dict:
    t = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(path), "guard" if guard else "raw"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    wall = time.perf_counter() - t
    if done.returncode != 0:
        return {
            "status": f"probe died ({done.returncode})",
            "rule": None,
            "seconds": wall,
            "process_alive": False,
            "parent_mib": None,
            "worker_mib": None,
            "wall_with_startup": wall,
        }
    out = json.loads(done.stdout.strip().splitlines()[-1])
    return {**out, "process_alive": True, "wall_with_startup": wall}


def write_corpus(folder: Path) -> dict[str, Path]:
    """The corpus, written by a child process: writing it (two million shared strings, a million empty cells)
    grows a process by some 300 MiB that Python keeps, and Linux counts a process's size before it forks and
    execs in the peak (``ru_maxrss``) of the probe started from it."""
    code = (
        "import json, sys; from pathlib import Path; from bench.hostile_corpus import write_corpus; "
        "print(json.dumps({k: str(v) for k, v in write_corpus(Path(sys.argv[1])).items()}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(folder)], cwd=ROOT, check=True, capture_output=True, text=True, timeout=600
    )
    return {name: Path(path) for name, path in json.loads(done.stdout.strip().splitlines()[-1]).items()}


def overhead(folder: Path) -> dict:
    """Per-file cost of the worker on the sample workbooks: in-process calamine vs through the worker."""
    from sources.intake import Sandbox
    from sources.intake.grid import read_sheets
    from sources.intake.sandbox import read_in_sandbox
    from sources.samples import write_samples

    paths = write_samples(folder)
    t = time.perf_counter()
    sandbox = Sandbox()
    sandbox.call({"op": "ping"})
    startup = time.perf_counter() - t
    timings: dict[str, list[float]] = {"in_process": [], "worker_unguarded": [], "worker_guarded": []}
    for _ in range(3):
        for p in paths:
            t = time.perf_counter()
            read_sheets(p)
            timings["in_process"].append(time.perf_counter() - t)
            t = time.perf_counter()
            read_in_sandbox(p, p.name, sandbox, guard=False)
            timings["worker_unguarded"].append(time.perf_counter() - t)
            t = time.perf_counter()
            read_in_sandbox(p, p.name, sandbox)
            timings["worker_guarded"].append(time.perf_counter() - t)
    sandbox.close()
    ms = {k: round(statistics.mean(v) * 1000, 2) for k, v in timings.items()}
    return {
        "files": len(paths),
        "rounds": 3,
        "worker_startup_ms": round(startup * 1000, 1),
        "mean_ms_per_file": ms,
        "overhead_ms_per_file": round(ms["worker_guarded"] - ms["in_process"], 2),
        "transport_ms_per_file": round(ms["worker_unguarded"] - ms["in_process"], 2),
        "total_s": {k: round(sum(v) / 3, 3) for k, v in timings.items()},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the unguarded parse of each case")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        corpus = write_corpus(Path(tmp) / "corpus")
        print(f"{'case':30} {'size':>9} {'verdict':11} {'rule':20} {'time s':>7} {'peak MiB':>9}   unguarded calamine")
        for case in CASES:
            path = corpus[case.name]
            guarded = probe(path, guard=True)
            raw = None if args.quick else probe(path, guard=False)
            peak = (guarded["parent_mib"] or 0) + (guarded["worker_mib"] or 0)
            ok = guarded["status"] == case.status and (case.status == "valid" or guarded["rule"] == case.rule)
            results.append(
                {
                    "case": case.name,
                    "file": path.name,
                    "bytes": path.stat().st_size,
                    "expected": [case.status, case.rule],
                    "verdict": guarded["status"],
                    "rule": guarded["rule"],
                    "as_expected": ok,
                    "seconds": round(guarded["seconds"], 3),
                    "seconds_with_interpreter_start": round(guarded["wall_with_startup"], 3),
                    "parent_peak_mib": round(guarded["parent_mib"] or 0, 1),
                    "worker_peak_mib": round(guarded["worker_mib"] or 0, 1),
                    "peak_mib": round(peak, 1),
                    "process_alive": guarded["process_alive"],
                    "unguarded": None
                    if raw is None
                    else {
                        "status": raw["status"],
                        "seconds": round(raw["seconds"], 3),
                        "worker_peak_mib": round(raw["worker_mib"] or 0, 1),
                    },
                }
            )
            r = results[-1]
            un = (
                ""
                if raw is None
                else (f"{raw['status'][:70]} ({raw['seconds']:.2f} s, {raw['worker_mib'] or 0:.0f} MiB)")
            )
            print(
                f"{case.name:30} {r['bytes']:>9} {r['verdict']:11} {r['rule'] or '-':20} {r['seconds']:>7.2f} "
                f"{r['peak_mib']:>9.0f}   {un}{'' if ok else '   <-- NOT AS EXPECTED'}"
            )
        print("\nworker overhead on the sample workbooks …")
        over = overhead(Path(tmp) / "samples")
    print(json.dumps(over, indent=1))
    worst_mib = max(r["peak_mib"] for r in results)
    worst_s = max(r["seconds_with_interpreter_start"] for r in results)
    summary = {
        "all_as_expected": all(r["as_expected"] for r in results),
        "max_peak_mib": worst_mib,
        "max_seconds_with_interpreter_start": worst_s,
        "targets": {"peak_mib": 1024, "seconds": 30},
    }
    print(json.dumps(summary))
    out = Path(__file__).with_name("hostile_results.json")
    out.write_text(
        json.dumps({"cases": results, "overhead": over, "summary": summary}, indent=1, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    print(f"wrote {out}")
    return 0 if summary["all_as_expected"] and worst_mib < 1024 and worst_s < 30 else 1


if __name__ == "__main__":
    sys.exit(main())
