"""The benchmark harness (issue #8): for each size, on the same generated files, side by side in one run:

- raw read floor: fastexcel alone reading every sheet of every file (in this process, median of 3 passes);
- end-to-end: ``xhs run`` as a subprocess on a fresh data/warehouse/Dagster home (files landed → archived →
  read → validated → facts in the published warehouse), wall time and peak RSS of the process tree;
- no-op: a second ``xhs run`` with nothing new, minus bare ``xhs --help`` start-up;
- one new file among the others: a next-period file added, ``xhs run`` again;
- naive: ``bench/naive.py`` (pandas + openpyxl, the same GE suite per file, row-by-row INSERT) as a subprocess;
- analyst queries: the README's three questions (adapted to communes), p50/p95 over repetitions, read-only.

    python -m bench --size S --size M          # make bench
    python -m bench --size L                   # manual

Writes ``bench/results.json``: the figures of the largest size run at the top level, every size under
``sizes``.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path

from bench.measure import raw_read_floor, run_measured, xhs, xhs_env
from bench.queries import query_latency
from bench.report import ORDER, TARGETS, machine, met, table
from bench.scale import SIZES, files_for, is_post_reform, reference_folder, write_landing
from runtime import progress

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / "work"
RESULTS = ROOT / "bench" / "results.json"

# ---- one size ----------------------------------------------------------------------------------------


def rejected_files(warehouse: Path) -> dict[str, int]:
    """Files the run did not load (quarantined or unreadable), counted by the rule of their first error."""
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute("""
            SELECT coalesce(f.rule, '?') AS rule, count(*) FROM meta_file m
            LEFT JOIN (SELECT file_sha256, min(rule) AS rule FROM meta_finding WHERE severity = 'error' GROUP BY 1) f
                   ON f.file_sha256 = m.sha256
            WHERE m.status NOT IN ('loaded', 'duplicate') GROUP BY 1 ORDER BY 2 DESC""").fetchall()
    return dict(rows)


def extra_file(size: str, target: Path, k: int = 0) -> Path:
    """One new file: the month after the last of telecom for the size's first province (July 2026). ``k``: the
    ``k``-th new file of a sequence (``bench.next_file``): the provinces after the reform take turns, each one
    month further on every round (the next month of each province, then the month after, ...)."""
    from bench import scale
    from sources.samples import figures
    from sources.samples.layouts import build_sheets
    from sources.samples.writers import to_bytes

    folder = reference_folder()
    keys = files_for(SIZES[size], folder)
    provinces = list(dict.fromkeys(key[0] for key in keys if is_post_reform(key[2])))
    province = provinces[k % len(provinces)]
    last = max(key[2] for key in keys if key[0] == province and key[1] == "telecom")
    y, m = int(last[:4]), int(last[5:])
    months = []
    for _ in range(k // len(provinces) + 1):
        y, m = y + m // 12, m % 12 + 1
        months.append((province, "telecom", f"{y}-{m:02d}"))
    # the whole series of the province, so cumulative counters carry on from the last month
    scale._configure(folder, [key for key in keys if key[0] == province] + months)
    style = scale.style_of(months[-1], figures.province_name(province, months[-1][2]))
    path = target / "telecom" / style.filename
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(to_bytes(build_sheets(months[-1], style), style))
    figures.configure()
    return path


def latest_telecom(size: str) -> tuple[str, str]:
    """(first province, its last telecom month): post-reform, for the ranked-communes query."""
    keys = files_for(SIZES[size], reference_folder())
    province = next(k[0] for k in keys if is_post_reform(k[2]))
    return province, max(k[2] for k in keys if k[0] == province and k[1] == "telecom")


def link_tree(src: Path, dst: Path) -> None:
    """A copy of the generated landing folder (not hard links: xhs refuses a file whose other name is outside the
    landing folder, issue #26)."""
    shutil.rmtree(dst, ignore_errors=True)
    for p in src.rglob("*"):
        if p.is_file():
            q = dst / p.relative_to(src)
            q.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(p, q)


def fresh_run(gen_landing: Path, root: Path) -> tuple[Path, dict[str, str]]:
    """An empty deployment in ``root`` whose landing folder holds the generated files: (landing, environment)."""
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    landing = root / "landing"
    link_tree(gen_landing, landing)
    return landing, xhs_env(root, landing)


def bench_size(size: str, *, naive: bool = True, naive_fraction: float = 1.0, log=print) -> dict:
    base = WORK / size
    gen_landing = base / "landing"
    t0 = time.perf_counter()
    progress.stage(f"{size}: generating the files")
    files = write_landing(size, gen_landing)
    gen_s = time.perf_counter() - t0
    log(f"[{size}] {len(files)} files generated/checked in {gen_s:.1f}s ({gen_landing})")

    root = base / "run"
    landing, env = fresh_run(gen_landing, root)

    progress.stage(f"{size}: raw read floor (fastexcel)")
    floor = raw_read_floor(files)
    log(f"[{size}] raw read floor (fastexcel): {floor:.2f}s")
    help_runs = [run_measured(xhs("--help"), env, root, label=f"{size}: xhs --help")["seconds"] for _ in range(3)]
    startup = min(help_runs)

    full = run_measured(xhs("run"), env, root, label=f"{size}: end-to-end xhs run")
    if full["exit"] not in (0, 1):
        raise RuntimeError(f"xhs run failed ({full['exit']}): {full['stderr']}")
    log(f"[{size}] xhs run: {full['seconds']:.1f}s, peak {full['peak_rss_mb']:.0f} MB, exit {full['exit']}")
    rejected = rejected_files(root / "warehouse" / "xhs.duckdb")
    log(f"[{size}] files quarantined or unreadable: {sum(rejected.values())}")
    if rejected:  # generated files are valid: a benchmark of a pipeline that rejects them measures nothing
        raise RuntimeError(
            f"[{size}] the pipeline rejected {sum(rejected.values())} generated files, which are "
            f"all valid (first error rules: {rejected}); fix the generator or the reader first"
        )
    floor_after = raw_read_floor(files, passes=1)
    noop = run_measured(xhs("run"), env, root, label=f"{size}: no-op xhs run")
    log(f"[{size}] no-op xhs run: {noop['seconds']:.2f}s (xhs --help {startup:.2f}s)")

    new = extra_file(size, landing)
    one = run_measured(xhs("run"), env, root, label=f"{size}: one new file xhs run")
    built = last_build(root)
    log(
        f"[{size}] one new file ({new.name}): {one['seconds']:.2f}s (CPU {one['cpu_s']:.2f}s), "
        f"{built.get('build')} build, {built.get('provinces_recomputed')} provinces recomputed"
    )

    warehouse = root / "warehouse" / "xhs.duckdb"
    progress.stage(f"{size}: analyst queries")
    queries = query_latency(warehouse, *latest_telecom(size))
    log(f"[{size}] queries p95: {queries['all']['p95_ms']:.1f} ms")
    facts = _count(warehouse, "SELECT count(*) FROM fact_indicator")
    loaded = _count(warehouse, "SELECT count(*) FROM meta_file WHERE status = 'loaded'")

    result = {
        "size": size,
        "files": len(files),
        "files_loaded": loaded,
        "files_rejected": sum(rejected.values()),
        "fact_rows": facts,
        "generate_s": gen_s,
        "raw_read_s": floor,
        "raw_read_s_after": floor_after,
        "xhs_help_s": startup,
        "end_to_end_s": full["seconds"],
        "peak_rss_mb": full["peak_rss_mb"],
        "ratio_vs_raw_read": full["seconds"] / floor,
        "ratio_vs_raw_read_excl_startup": (full["seconds"] - noop["seconds"]) / floor,
        "noop_s": noop["seconds"],
        "noop_overhead_s": noop["seconds"] - startup,
        "one_new_file_s": one["seconds"],
        "one_new_file_cpu_s": one["cpu_s"],
        "one_new_file_over_noop_s": one["seconds"] - noop["seconds"],
        "one_new_file_build": built.get("build"),
        "one_new_file_provinces_recomputed": built.get("provinces_recomputed"),
        "per_file_s": (full["seconds"] - noop["seconds"]) / len(files),
        "query_p50_ms": queries["all"]["p50_ms"],
        "query_p95_ms": queries["all"]["p95_ms"],
        "queries": queries,
    }
    if naive:
        sample = files if naive_fraction >= 1 else files[:: max(1, round(1 / naive_fraction))]
        result.update(run_naive(size, root, landing, sample, len(files), full["seconds"], log))
    return result


def run_naive(size: str, root: Path, landing: Path, sample: list[Path], total: int, e2e: float, log) -> dict:
    wd = root / "naive"
    wd.mkdir(exist_ok=True)
    listing = wd / "files.txt"
    listing.write_text("\n".join(str(landing / p.relative_to(WORK / size / "landing")) for p in sample))
    code = (
        "import sys, json; from pathlib import Path; from bench.naive import run; "
        "files=[Path(p) for p in Path(sys.argv[3]).read_text().splitlines()]; "
        "print(json.dumps(run(Path(sys.argv[1]), Path(sys.argv[2]), files)))"
    )
    env = {
        **os.environ,
        "XHS_REFERENCE": str(reference_folder()),
        "GX_ANALYTICS_ENABLED": "false",
        "PYTHONPATH": str(ROOT),
    }
    argv = [sys.executable, "-c", code, str(landing), str(wd / "naive.duckdb"), str(listing)]
    m = run_measured(argv, env, wd, label=f"{size}: naive pipeline ({len(sample)} files)")
    if m["exit"] != 0:
        raise RuntimeError(f"naive pipeline failed: {m['stderr']}")
    inner = json.loads(m["stdout"].strip().splitlines()[-1])
    startup = m["seconds"] - inner["seconds"]
    scaled = startup + inner["seconds"] * total / len(sample)  # the whole set at the measured per-file cost
    log(
        f"[{size}] naive: {m['seconds']:.1f}s for {len(sample)} of {total} files "
        f"({inner['rows']} rows inserted, {inner['loaded']} loaded) → {scaled:.1f}s for all"
    )
    return {
        "naive_s": scaled,
        "naive_measured_s": m["seconds"],
        "naive_files_measured": len(sample),
        "naive_rows": inner["rows"],
        "naive_peak_rss_mb": m["peak_rss_mb"],
        "ratio_vs_naive": scaled / e2e,
    }


def last_build(root: Path) -> dict:
    """What the last warehouse build of a bench run did (full or incremental, provinces recomputed)."""
    from sources.archive.state import StateStore

    memo = StateStore(root / "data" / "state.sqlite").memo("warehouse.build")
    return (memo or {}).get("counts_shown", {})


def last_run_events(root: Path) -> list[tuple[float, str, str | None]]:
    """(time, event type, step) of every event of the deployment's last run, from Dagster's SQLite event log."""
    import datetime as dt
    import sqlite3

    home = root / ".dagster"
    with sqlite3.connect(home / "history" / "runs.db") as runs:
        (run_id,) = runs.execute("SELECT run_id FROM runs ORDER BY create_timestamp DESC LIMIT 1").fetchone()
    with sqlite3.connect(home / "history" / "runs" / f"{run_id}.db") as log:
        events = log.execute("SELECT timestamp, dagster_event_type, step_key FROM event_logs ORDER BY id").fetchall()
    return [(dt.datetime.fromisoformat(str(t)).timestamp(), kind, step) for t, kind, step in events]


def _count(warehouse: Path, sql: str) -> int:
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()[0][0]


# ---- report ------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(description="xhs benchmarks (issue #8)")
    ap.add_argument("--size", action="append", choices=list(SIZES), help="S, M, L, XL (repeatable)")
    ap.add_argument("--no-naive", action="store_true", help="skip the naive pipeline")
    ap.add_argument(
        "--naive-fraction",
        type=float,
        default=None,
        help="run the naive pipeline on this share of the files and scale (default: all of S, half "
        "of M, a tenth of L and XL)",
    )
    ap.add_argument("--out", type=Path, default=RESULTS)
    ap.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    args = ap.parse_args(argv)
    progress.start("make bench", quiet=args.quiet)
    sizes = sorted(args.size or ["S", "M"], key=ORDER.index)
    started = time.perf_counter()
    results = {}
    for size in sizes:
        fraction = args.naive_fraction or {"XS": 1.0, "S": 1.0, "M": 0.5}.get(size, 0.1)
        results[size] = bench_size(size, naive=not args.no_naive, naive_fraction=fraction, log=progress.echo)
    progress.finish("finished")
    largest = results[sizes[-1]]
    out = {
        k: largest.get(k)
        for k in (
            "size",
            "files",
            *TARGETS,
            "ratio_vs_raw_read_excl_startup",
            "end_to_end_s",
            "raw_read_s",
            "naive_s",
            "noop_s",
            "one_new_file_s",
            "query_p50_ms",
        )
    }
    out["targets"] = TARGETS
    out["met"] = {k: met(k, largest[k]) for k in TARGETS if largest.get(k) is not None}
    out["machine"] = machine()
    out["command"] = "python -m bench " + " ".join(f"--size {s}" for s in sizes)
    out["total_s"] = time.perf_counter() - started
    out["sizes"] = results
    args.out.write_text(json.dumps(out, indent=1, ensure_ascii=False))
    print()
    print(table(results))
    print(f"\nmachine: {out['machine']}; total {out['total_s']:.0f}s; written {args.out}")
    return 0
