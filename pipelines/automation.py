"""Unattended runs: a nightly schedule and a sensor on the landing folder (DESIGN §2, §8), and the release
schedule (monthly by default; ``XHS_RELEASE_CRON`` sets another cron expression)."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import dagster as dg

from assets.settings import XhsSettings
from sources.archive.landing import list_landing

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
        "settled (unchanged for XHS_SETTLE_SECONDS, default 60). The cursor holds the folder's state; the run key "
        "is derived from it, so a state is processed once.",
    )
    def landing_sensor(context: dg.SensorEvaluationContext, settings: XhsSettings) -> dg.SensorResult | dg.SkipReason:
        state, uploading = landing_state(Path(settings.landing), settings.settle_seconds)
        previous = json.loads(context.cursor) if context.cursor else {}
        changed = sorted(k for k, v in state.items() if previous.get(k) != v)
        if not changed:
            waiting = (
                f"; {len(uploading)} still being uploaded (read once unchanged for {settings.settle_seconds:g} s): "
                + ", ".join(uploading[:5])
                if uploading
                else ""
            )
            return dg.SkipReason(f"no new or changed files in the landing folder{waiting}")
        cursor = json.dumps(state, sort_keys=True)
        run_key = f"landing-{hashlib.sha256(cursor.encode()).hexdigest()[:16]}"
        return dg.SensorResult(
            run_requests=[dg.RunRequest(run_key=run_key, tags={"xhs/changed_files": str(len(changed))})],
            cursor=cursor,
        )

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
