"""The benchmark's targets (issue #14), the machine it ran on, and its figures as a Markdown table."""

from __future__ import annotations

import os
import platform
from pathlib import Path

import psutil

ORDER = ["XS", "S", "M", "L", "XL"]

TARGETS = {  # issue #14, at M on 2 cores
    "ratio_vs_raw_read": "<= 100",
    "ratio_vs_naive": ">= 10",
    "noop_overhead_s": "<= 3",
    "one_new_file_over_noop_s": "<= 2",
    "query_p95_ms": "<= 100",
    "peak_rss_mb": "<= 2048",
}


def machine() -> dict:
    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "ram_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "load_avg": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
    }


def table(results: dict[str, dict]) -> str:
    rows = [
        ("files", "files", "{:.0f}", None),
        ("files rejected (must be 0)", "files_rejected", "{:.0f}", None),
        ("raw read floor (fastexcel) s", "raw_read_s", "{:.2f}", None),
        ("xhs run end-to-end s", "end_to_end_s", "{:.1f}", None),
        ("ratio vs raw read (target <= 100)", "ratio_vs_raw_read", "{:.1f}x", "ratio_vs_raw_read"),
        ("  same, start-up excluded", "ratio_vs_raw_read_excl_startup", "{:.1f}x", None),
        ("naive pipeline s", "naive_s", "{:.1f}", None),
        ("ratio vs naive (target >= 10)", "ratio_vs_naive", "{:.1f}x", "ratio_vs_naive"),
        ("no-op run s", "noop_s", "{:.2f}", None),
        ("no-op over xhs --help s (target <= 3)", "noop_overhead_s", "{:.2f}", "noop_overhead_s"),
        ("one new file run s", "one_new_file_s", "{:.2f}", None),
        ("  over no-op s (target <= 2)", "one_new_file_over_noop_s", "{:.2f}", "one_new_file_over_noop_s"),
        ("  per-file cost in full run s", "per_file_s", "{:.3f}", None),
        ("query p50 ms", "query_p50_ms", "{:.1f}", None),
        ("query p95 ms (target <= 100)", "query_p95_ms", "{:.1f}", "query_p95_ms"),
        ("peak RSS MB (target <= 2048)", "peak_rss_mb", "{:.0f}", "peak_rss_mb"),
    ]
    sizes = [s for s in ORDER if s in results]
    lines = ["| figure | " + " | ".join(sizes) + " |", "| --- |" + " --- |" * len(sizes)]
    for label, key, fmt, target in rows:
        cells = []
        for s in sizes:
            v = results[s].get(key)
            cell = "–" if v is None else fmt.format(v)
            if target and v is not None:
                cell += " ✓" if met(target, v) else " ✗"
            cells.append(cell)
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def met(key: str, value: float) -> bool:
    op, limit = TARGETS[key].split()
    return {"<=": value <= float(limit), ">=": value >= float(limit), "<": value < float(limit)}[op]
