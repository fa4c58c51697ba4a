"""Unattended runs: a nightly schedule and a sensor on the landing folder (DESIGN §2, §8), and the release
schedule (monthly by default; ``XHS_RELEASE_CRON`` sets another cron expression)."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import dagster as dg

from assets.settings import XhsSettings
from sources.archive.raw import ACCEPTED_SUFFIXES

NIGHTLY_CRON = "0 2 * * *"
RELEASE_CRON = "0 4 1 * *"  # the first of every month, 04:00
TIMEZONE = "Asia/Ho_Chi_Minh"


def landing_state(landing: Path) -> dict[str, list[float]]:
    """Every acceptable file in the landing folder with its (size, mtime): what the sensor compares."""
    if not landing.exists():
        return {}
    return {
        p.relative_to(landing).as_posix(): [p.stat().st_size, p.stat().st_mtime]
        for p in sorted(landing.rglob("*"))
        if p.is_file() and p.suffix.lower() in ACCEPTED_SUFFIXES and not p.name.startswith((".", "~$"))
    }


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
        description="Requests a run when files in the landing folder are new or changed. The cursor holds "
        "the folder's state; the run key is derived from it, so a state is processed once.",
    )
    def landing_sensor(context: dg.SensorEvaluationContext, settings: XhsSettings) -> dg.SensorResult | dg.SkipReason:
        state = landing_state(Path(settings.landing))
        previous = json.loads(context.cursor) if context.cursor else {}
        changed = sorted(k for k, v in state.items() if previous.get(k) != v)
        if not changed:
            return dg.SkipReason("no new or changed files in the landing folder")
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
