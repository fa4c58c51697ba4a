"""Whether ``xhs run`` has anything to do, decided before anything heavy is imported or opened.

A run that completed records what it started from: the landing folder's listing (names, sizes, modification
times), the code key (reader, specs, suites, unit lists, warehouse code: ``warehouse.inputs.code_key``) and what
it left: the manifest of the raw archive, the published warehouse and its version. When all of them are still
the same, a new run would archive nothing, read nothing and publish nothing: ``xhs run`` says so and launches no
Dagster run (the nightly schedule's runs are launched as always). A re-run (``--period``) or ``--rebuild`` always
runs."""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assets.paths import Paths
from runtime.files import file_state
from sources.archive.integrity import CorruptStore
from sources.archive.landing import Listing, list_landing, settle_seconds_from_env, shown
from sources.archive.state import StateStore

RUN_MEMO = "run.completed"


def landing_files(listing: Listing) -> dict[str, list[int]]:
    """Every file ``xhs run`` would archive now (settled deliveries, listed as the archive lists them:
    ``sources.archive.landing``), by path under the landing folder: [size, mtime in ns]."""
    return {f.path: [f.size, f.mtime_ns] for f in listing.files}


def landing_listing(landing: Path, settle_seconds: float | None = None) -> Listing:
    """The landing folder as a run would archive it; ``settle_seconds``: default ``XHS_SETTLE_SECONDS``."""
    return list_landing(landing, settle_seconds_from_env() if settle_seconds is None else settle_seconds)


def settled_listing(landing: Path, settle_seconds: float) -> Listing:
    """``xhs run`` waits for the files still being uploaded (changed within the last ``settle_seconds``), up to
    ``settle_seconds`` in all; those still changing after that are the listing's ``unsettled``: this run skips them
    (a later run reads them). Says so once on stdout when it waits. Returns the landing folder's last listing: what
    the run starts from (``last_run_if_nothing_new``, ``pipelines.run.run_pipeline``), so that it is listed once
    (17,160 files at size XL: 0.1 s a listing, issue #28)."""
    deadline = time.monotonic() + settle_seconds
    told = False
    while True:
        listing = list_landing(landing, settle_seconds)
        unsettled = listing.unsettled
        left = deadline - time.monotonic()
        if not unsettled or left <= 0:
            return listing
        if not told:
            print(
                f"Waiting up to {settle_seconds:g} s for {len(unsettled)} file(s) still being uploaded / Đang chờ "
                f"tối đa {settle_seconds:g} giây cho {len(unsettled)} tệp đang được tải lên: "
                + ", ".join(shown(f.path) for f in unsettled[:5]),
                flush=True,
            )
            told = True
        settles_in = min(f.ctime_ns for f in unsettled) / 1e9 + settle_seconds - time.time()
        time.sleep(min(left, max(settles_in, 0.0) + 0.01, 1.0))


def say_still_uploading(paths: list[str], settle_seconds: float) -> None:
    print(
        f"Still being uploaded, not read by this run / Vẫn đang được tải lên, lần chạy này không đọc "
        f"({len(paths)}; read once unchanged for {settle_seconds:g} s / đọc khi không đổi trong "
        f"{settle_seconds:g} giây): " + ", ".join(shown(p) for p in paths[:10]),
        flush=True,
    )


def _digest(listing: Listing) -> str:
    h = hashlib.sha256()
    for f in listing.files:
        h.update(f"{f.path}\0{f.size}\0{f.mtime_ns}\n".encode())
    for r in listing.refused:  # a new link or special file is something a run reports
        h.update(f"{r.path}\0{r.rule}\0{r.identity}\n".encode())
    return h.hexdigest()


def starting_point(paths: Paths, listing: Listing | None = None) -> dict[str, Any]:
    """What a run starts from: the landing listing (settled deliveries, and what is not opened; listed now unless
    given) and the code key."""
    from warehouse.inputs import code_key

    return {"landing": _digest(listing if listing is not None else landing_listing(paths.landing)), "code": code_key()}


def code_digests() -> dict[str, Any]:
    """What a cached read depends on besides the file: the reader's code and unit lists, and each department's spec
    and suite (``sources.staging.digests``)."""
    from sources.specs.model import load_specs
    from sources.staging.digests import department_digest, reader_code_digest

    return {"reader": reader_code_digest(), "departments": {s: department_digest(s) for s in sorted(load_specs())}}


def departments_changed(changed: Iterable[str], before: dict[str, Any] | None, now: dict[str, Any]) -> set[str] | None:
    """The departments with something to read for the ``changed`` landing entries (paths under the landing folder):
    the department folders they are in, and the departments whose spec or suite changed from ``before`` to ``now``
    (``code_digests``); None (every department) for an entry at the top of the landing folder or in a folder of no
    department, an edited reader, or no ``before`` to compare with. ``xhs run`` and the landing sensor both choose
    so."""
    if not before or before.get("reader") != now["reader"]:
        return None
    chosen = {s for s, digest in now["departments"].items() if before.get("departments", {}).get(s) != digest}
    for path in changed:
        folder = path.split("/", 1)[0] if "/" in path else None
        if folder not in now["departments"]:
            return None
        chosen.add(folder)
    return chosen


def departments_to_read(paths: Paths, listing: Listing) -> tuple[set[str] | None, dict[str, Any]]:
    """The departments a run has files to read for, by what changed since the last completed run: a file added
    to or changed in a department's landing folder, or its spec or suite edited; None (every department) for a
    file at the top of the landing folder or in a folder of no department, an edited reader, or no completed run
    to compare with (``departments_changed``). Also returns what to remember of this start (``remember_completed``)."""
    files = landing_files(listing)
    detail: dict[str, Any] = {"files": files, **code_digests()}
    try:
        saved = StateStore(paths.state).memo(RUN_MEMO) if paths.state.exists() else None
    except (CorruptStore, sqlite3.DatabaseError):  # a damaged store: the run sets it aside, every department runs
        saved = None
    before = (saved or {}).get("detail")
    changed = [rel for rel, state in files.items() if (before or {}).get("files", {}).get(rel) != state]
    return departments_changed(changed, before, detail), detail


def _left(paths: Paths) -> dict[str, Any]:
    """What a run leaves: the raw archive's manifest, the published warehouse and its version."""
    from warehouse.publish import current_version

    manifest = paths.raw / "manifest.sqlite"
    return {
        "manifest": file_state(manifest) if manifest.exists() else None,
        "published": str(paths.warehouse),
        "warehouse": file_state(paths.warehouse) if paths.warehouse.exists() else None,
        "version": current_version(paths.warehouse) if paths.warehouse.exists() else None,
    }


def remember_completed(
    paths: Paths, start: dict[str, Any], detail: dict[str, Any], run_id: str, summary: dict[str, int]
) -> None:
    """After a run of everything succeeded: what it started from and left, and its summary."""
    StateStore(paths.state).remember(
        RUN_MEMO,
        {
            "state": {**start, **_left(paths)},
            "detail": detail,
            "run_id": run_id,
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "summary": summary,
        },
    )


def last_run_if_nothing_new(paths: Paths, listing: Listing | None = None) -> dict[str, Any] | None:
    """The last completed run's record when nothing has changed since it (landing, code, archive, warehouse);
    None when a run has something to do. ``listing``: the landing folder as listed now (else listed here)."""
    if not paths.state.exists():
        return None
    try:
        saved = StateStore(paths.state).memo(RUN_MEMO)
    except (CorruptStore, sqlite3.DatabaseError):  # a damaged store: the run sets it aside and rebuilds it
        return None
    if not saved or saved.get("state", {}).get("published") != str(paths.warehouse):
        return None
    if saved["state"] != {**starting_point(paths, listing), **_left(paths)}:
        return None
    return saved


def forget_last_run(paths: Paths) -> None:
    """The next ``xhs run`` runs whatever the landing folder says (``xhs doctor`` found something damaged: a
    cached read, the manifest, an object, which the run's steps mend)."""
    try:
        if paths.state.exists():
            StateStore(paths.state).remember(RUN_MEMO, None)
    except (CorruptStore, sqlite3.DatabaseError):  # damaged itself: its record is unreadable, so forgotten already
        pass


def say_nothing_new(saved: dict[str, Any], paths: Paths) -> None:
    s = saved.get("summary") or {}
    print(
        f"Nothing new since the run of {saved['finished_at']} ({saved['run_id'][:8]}): no file was added to or "
        f"changed in {paths.landing}, and the warehouse is that run's publication. No run launched. / "
        f"Không có gì mới kể từ lần chạy lúc {saved['finished_at']}: thư mục tiếp nhận không có tệp mới hay tệp "
        "thay đổi, kho dữ liệu là bản công bố của lần chạy đó. Không khởi chạy."
    )
    print(
        f"Files in the warehouse / Tệp trong kho: {s.get('files_loaded', 0)} loaded, "
        f"{s.get('files_quarantined', 0)} quarantined, {s.get('files_duplicate', 0)} duplicate deliveries"
    )
    print(f"Warehouse / Kho dữ liệu: {paths.warehouse}")
    print("  (xhs run --rebuild builds the warehouse again from nothing / xây dựng lại kho từ đầu)")
