"""How many files a staging step reads at once (``Stager.prefetch``): the setting and its default. Kept apart from
the stager so that reading the setting imports nothing heavy."""

from __future__ import annotations

import os

READ_THREADS_ENV = "XHS_READ_THREADS"


def read_threads_from_env() -> int:
    """``XHS_READ_THREADS``: how many files ``Stager.prefetch`` reads at once, a whole number, 1 or more; 0 when it is
    not set (``automatic_read_threads``). A ``ValueError`` (bilingual) for anything else."""
    configured = os.environ.get(READ_THREADS_ENV, "").strip()
    if not configured:
        return 0
    if not configured.isdigit() or int(configured) < 1:
        raise ValueError(
            f"{READ_THREADS_ENV}={configured!r}: expected a whole number of threads, 1 or more / "
            f"{READ_THREADS_ENV} phải là số luồng nguyên, từ 1 trở lên"
        )
    return int(configured)


def automatic_read_threads() -> int:
    """One more than the CPUs this process may use, at most 4. The reader waits on its parsing process part of the
    time: on 2 CPUs a third thread read the 540 files of size M in 4.06-4.20 s against 4.29-5.27 s, and 400 XL
    telecom files in 3.30-3.48 s against 3.68-3.75 s; a fourth won nothing more."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return min(4, cpus + 1)
