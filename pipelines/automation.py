"""Unattended runs: a nightly schedule and a sensor on the landing folder (DESIGN §2, §8), and the release
schedule (monthly by default; ``XHS_RELEASE_CRON`` sets another cron expression)."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import dagster as dg

from assets.settings import XhsSettings
from pipelines.executor import IN_PROCESS_RUN, selected_assets
from pipelines.up_to_date import code_digests, departments_changed
from sources.archive.landing import list_landing

# A delivery of up to this many new or changed landing entries runs in the run's own process (``IN_PROCESS_RUN``):
# forking a process per step costs more than it wins for a few files (one new file at size M: 23.8-24.4 s with a
# process per step, 10.8-11.1 s in one process, both with every department's step; BENCHMARKS.md, issue #28)
SMALL_DELIVERY = 200
CURSOR_VERSION = 2  # {"landing": landing_state, "code": fresh_code_digests}
NIGHTLY_CRON = "0 2 * * *"
RELEASE_CRON = "0 4 1 * *"  # the first of every month, 04:00
TIMEZONE = "Asia/Ho_Chi_Minh"


def landing_state(landing: Path, settle_seconds: float = 0.0) -> tuple[dict[str, list], list[str]]:
    """What the sensor compares: every settled delivery in the landing folder with its [size, mtime in ns], and
    every entry that is not opened (a link, a special file, a refused name) with [rule, identity], so that a new
    one is reported by a run; and, apart, the deliveries still being uploaded (``sources.archive.landing``)."""
    listing = list_landing(landing, settle_seconds)
    state: dict[str, list] = {f.path: [f.size, f.mtime_ns] for f in listing.files}
    state.update({r.path: [r.rule, r.identity] for r in listing.refused})
    return state, [f.path for f in listing.unsettled]


def fresh_code_digests() -> dict[str, Any]:
    """``code_digests``, hashed afresh (0.03 s): the code location lives for days, and a spec or a unit list edited
    meanwhile is data, not code, so nothing reloads it (a run's processes keep theirs for the run's life)."""
    from sources.staging.digests import department_digest, reader_code_digest

    reader_code_digest.cache_clear()
    department_digest.cache_clear()
    return code_digests()


def build_automation(
    job: dg.UnresolvedAssetJobDefinition,
    release_job: dg.UnresolvedAssetJobDefinition,
) -> tuple[dg.ScheduleDefinition, dg.SensorDefinition, dg.ScheduleDefinition]:
    nightly = dg.ScheduleDefinition(
        name="nightly",
        job=job,
        cron_schedule=NIGHTLY_CRON,
        execution_timezone=TIMEZONE,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description="Every night at 02:00 (Asia/Ho_Chi_Minh): archive, validate and load whatever has landed.",
    )

    @dg.sensor(
        job=job,
        minimum_interval_seconds=60,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Requests a run when files in the landing folder are new or changed, once their upload has "
        "settled (unchanged for XHS_SETTLE_SECONDS, default 60). The cursor holds the folder's state and the "
        "reader's and specs' digests; the run key is derived from it, so a state is processed once. As xhs run "
        "does, the run stages only the departments whose folders changed (or whose spec did; every department "
        "for a file at the top of the folder or an edited reader), and a delivery of up to 200 files runs in the "
        "run's own process.",
    )
    def landing_sensor(context: dg.SensorEvaluationContext, settings: XhsSettings) -> dg.SensorResult | dg.SkipReason:
        state, uploading = landing_state(Path(settings.landing), settings.settle_seconds)
        saved = json.loads(context.cursor) if context.cursor else {}
        if saved.get("version") != CURSOR_VERSION:  # a cursor of the landing state alone (before issue #28)
            saved = {"landing": saved, "code": None}
        previous = saved["landing"]
        changed = sorted(k for k, v in state.items() if previous.get(k) != v)
        if not changed:
            waiting = (
                f"; {len(uploading)} still being uploaded (read once unchanged for {settings.settle_seconds:g} s): "
                + ", ".join(uploading[:5])
                if uploading
                else ""
            )
            return dg.SkipReason(f"no new or changed files in the landing folder{waiting}")
        code = fresh_code_digests()
        cursor = json.dumps({"version": CURSOR_VERSION, "landing": state, "code": code}, sort_keys=True)
        run_key = f"landing-{hashlib.sha256(cursor.encode()).hexdigest()[:16]}"
        # only the departments with something to read, as ``xhs run`` does, and a small delivery in one process
        departments = departments_changed(changed, saved["code"], code)
        small = len(changed) <= SMALL_DELIVERY
        tags = {"xhs/changed_files": str(len(changed)), "xhs/departments": _shown(departments)}
        request = dg.RunRequest(
            run_key=run_key,
            tags=tags,
            asset_selection=None if departments is None else selected_assets(departments),
            run_config=IN_PROCESS_RUN if small else {},
        )
        return dg.SensorResult(run_requests=[request], cursor=cursor)

    cron = os.environ.get("XHS_RELEASE_CRON") or RELEASE_CRON
    release = dg.ScheduleDefinition(
        name="release",
        job=release_job,
        cron_schedule=cron,
        execution_timezone=TIMEZONE,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description=f"Cuts an open-data release from the published warehouse ({cron}, Asia/Ho_Chi_Minh; "
        "XHS_RELEASE_CRON changes it). `xhs publish` cuts one on demand.",
    )
    return nightly, landing_sensor, release


def _shown(departments: set[str] | None) -> str:
    return "all" if departments is None else ", ".join(sorted(departments)) or "none"
