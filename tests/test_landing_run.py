"""The landing folder is a trust boundary (issue #26), end to end, in one shared scenario on a real folder: a link
to a host file holding a secret token, a hard link to it, a folder link, a FIFO, a name with a newline, a civil-ID
workbook dropped into ``telecom/``, a half workbook that has settled, and a workbook still being uploaded while the
sensor ticks. One ``xhs run`` (in-process) and one ``xhs publish`` while the upload goes on, then the run the sensor
requests once the upload has settled. The tests below read what they left."""

from __future__ import annotations

import contextlib
import io
import json
import os
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pytest

from assets.settings import XhsSettings
from pipelines.definitions import defs
from pipelines.executor import IN_PROCESS_RUN, settings_config
from pipelines.home import ensure_dagster_home, open_instance
from pipelines.run import RunOutcome, print_outcome, publish_release, run_pipeline
from sources.specs.model import load_specs

TOKEN = "XHS-SECRET-5be1d04c99"
SETTLE = 1.0  # seconds: XHS_SETTLE_SECONDS of this deployment
GOOD = "telecom/BC_vien_thong_BacKan_2022.xlsx"
CIVIL_ID = "civil_id/CCCD_DDDT_BacKan_2023.xlsx"  # delivered into telecom/: the wrong department
CIVIL_ID_IN_TELECOM = "telecom/CCCD_DDDT_BacKan_2023.xlsx"
HALF = "telecom/so_lieu_thue_bao_bac_kan_2023.xlsx"  # the first half of its bytes, settled
NEWLINE_SOURCE = "telecom/vien_thong_bac_kan_2024.xlsx"
NEWLINE = "telecom/vien_thong\nbac_kan_2024.xlsx"
GROWING = "telecom/Bieu01_VT_BenTre_nam_2024.xlsx"  # still being uploaded during the first run
REFUSED = {
    ("health", "link_refused"),
    ("telecom/passwd.csv", "link_refused"),
    ("telecom/hard_link.csv", "link_refused"),
    ("telecom/pipe.xlsx", "not_a_file"),
    ("telecom/vien_thong\\nbac_kan_2024.xlsx", "name_refused"),
}


@dataclass
class Scenario:
    root: Path
    outcome: RunOutcome
    output: str
    report: str
    release: Path
    ticks: dict[str, Any] = field(default_factory=dict)  # the sensor's evaluations, by moment
    after_first_run: dict[str, list[tuple]] = field(default_factory=dict)
    second_run: dg.ExecuteInProcessResult | None = None


def settings_for(root: Path) -> XhsSettings:
    return XhsSettings(
        landing=str(root / "landing"),
        data=str(root / "data"),
        warehouse=str(root / "warehouse" / "xhs.duckdb"),
        releases=str(root / "releases"),
        lake=str(root / "lake"),
        settle_seconds=SETTLE,
    )


def query(root: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(root / "warehouse" / "xhs.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def tick(instance: dg.DagsterInstance, settings: XhsSettings, cursor: str | None = None):
    sensor = defs.resolve_sensor_def("landing_sensor")
    return sensor.evaluate_tick(
        dg.build_sensor_context(instance=instance, cursor=cursor, resources={"settings": settings})
    )


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    from sources.samples import sample_files

    samples = sample_files()
    root = tmp_path_factory.mktemp("landing-boundary")
    landing, host = root / "landing", root / "host"
    (landing / "telecom").mkdir(parents=True)
    (host / "department").mkdir(parents=True)
    secret = host / "passwd"
    secret.write_text(f"root:x:0:0:{TOKEN}:/root:/bin/bash\n", encoding="utf-8")
    (host / "department" / "bao_cao.csv").write_text(f"STT,Đơn vị,{TOKEN}\n1,Bắc Kạn,1\n", encoding="utf-8")

    (landing / GOOD).write_bytes(samples[GOOD])
    (landing / CIVIL_ID_IN_TELECOM).write_bytes(samples[CIVIL_ID])
    (landing / HALF).write_bytes(samples[HALF][: len(samples[HALF]) // 2])
    (landing / NEWLINE).write_bytes(samples[NEWLINE_SOURCE])
    os.symlink(secret, landing / "telecom" / "passwd.csv")
    os.link(secret, landing / "telecom" / "hard_link.csv")
    os.symlink(host / "department", landing / "health")
    os.mkfifo(landing / "telecom" / "pipe.xlsx")

    growing, data = landing / GROWING, samples[GROWING]
    growing.write_bytes(data[:3000])
    written = [3000]
    stop = threading.Event()

    def upload() -> None:  # a slow upload: a byte every 0.2 s, so the file never settles while it goes on
        with growing.open("ab") as f:
            while not stop.wait(0.2):
                f.write(data[written[0] : written[0] + 1])
                f.flush()
                written[0] += 1

    uploader = threading.Thread(target=upload)
    uploader.start()
    settings = settings_for(root)
    home = ensure_dagster_home(root / ".dagster")
    ticks: dict[str, Any] = {}
    try:
        time.sleep(SETTLE + 0.3)  # every other file has settled; the upload goes on
        with open_instance(home) as instance:
            ticks["while uploading"] = tick(instance, settings)
        outcome = run_pipeline(settings, home)  # xhs run, in this process
        output = io.StringIO()
        with contextlib.redirect_stdout(output):
            print_outcome(outcome, settings)
        release = publish_release(settings, home)
        with open_instance(home) as instance:
            ticks["after the first run"] = tick(instance, settings, ticks["while uploading"].cursor)
    finally:
        stop.set()
        uploader.join()
    after_first_run = {
        "refused": query(root, "SELECT file_name, rule, severity, found FROM meta_finding WHERE file_sha256 IS NULL"),
        "files": query(root, "SELECT landing_path, status FROM meta_file"),
    }
    assert outcome.report is not None
    report = outcome.report.read_text(encoding="utf-8")

    with growing.open("ab") as f:  # the rest of the upload arrives
        f.write(data[written[0] :])
    with open_instance(home) as instance:
        first_cursor = ticks["while uploading"].cursor
        ticks["just finished"] = tick(instance, settings, first_cursor)
        time.sleep(SETTLE + 0.3)
        ticks["settled"] = tick(instance, settings, first_cursor)
        ticks["settled, again"] = tick(instance, settings, ticks["settled"].cursor)
        [request] = ticks["settled"].run_requests
        second = defs.resolve_job_def("materialize_all").execute_in_process(  # what the daemon launches
            instance=instance,
            tags=request.tags,
            # the settings as run config, as the daemon's run gets them (a resource given here could not subset)
            run_config={**request.run_config, "resources": {"settings": {"config": settings_config(settings)}}},
            asset_selection=request.asset_selection,
            raise_on_error=False,
        )
    return Scenario(root, outcome, output.getvalue(), report, release, ticks, after_first_run, second)


def test_a_link_to_a_host_file_is_never_read_and_nothing_of_it_appears_anywhere(scenario: Scenario) -> None:
    root = scenario.root
    seen = 0
    for folder in ("data", "warehouse", "releases", "lake", ".dagster"):  # all xhs wrote, run logs included
        for top, _, files in os.walk(root / folder):
            for name in files:
                path = Path(top) / name
                assert not path.is_symlink()
                assert TOKEN.encode() not in path.read_bytes(), path
                seen += 1
    assert seen > 50 and scenario.release.is_relative_to(root / "releases")
    with duckdb.connect(str(root / "warehouse" / "xhs.duckdb"), read_only=True) as con:  # compressed or not
        tables = [t for (t,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
        for table in tables:
            assert TOKEN not in repr(con.execute(f'SELECT * FROM "{table}"').fetchall()), table
    assert TOKEN not in scenario.output and TOKEN not in scenario.report
    assert str(root / "host") not in scenario.output + scenario.report  # a link's target is never named
    with sqlite3.connect(root / "data" / "raw" / "manifest.sqlite") as con:
        archived = {p for (p,) in con.execute("SELECT landing_path FROM delivery")}
    assert archived == {GOOD, CIVIL_ID_IN_TELECOM, HALF, GROWING}  # nothing refused was archived


def test_what_is_not_opened_is_a_finding_of_the_run_report_and_meta_finding(scenario: Scenario) -> None:
    assert scenario.outcome.exit_code == 1  # some files rejected, some entries refused: 1, not 2
    assert {(r.path, r.rule) for r in scenario.outcome.refused} == REFUSED
    assert {(name, rule) for name, rule, _, _ in scenario.after_first_run["refused"]} == REFUSED
    assert {severity for _, _, severity, _ in scenario.after_first_run["refused"]} == {"error"}
    assert ("telecom/pipe.xlsx", "not_a_file", "error", "FIFO") in scenario.after_first_run["refused"]
    lines = scenario.report.splitlines()
    for path, rule in REFUSED:
        assert f"| {path} | {rule} |" in lines  # in the report's table, and with its messages below
        assert any(line.startswith(f"| {path} | {rule} | ") and "xhs" in line for line in lines)
    for path, rule in REFUSED:
        assert path in scenario.output and rule in scenario.output
    # recorded once: the second run does not report them again, and its warehouse keeps them
    assert scenario.second_run is not None and scenario.second_run.success
    refused_now = query(scenario.root, "SELECT file_name, rule FROM meta_finding WHERE file_sha256 IS NULL")
    assert set(refused_now) == REFUSED and len(refused_now) == len(REFUSED)


def test_no_path_under_data_is_built_from_a_refused_name(scenario: Scenario) -> None:
    for top, dirs, files in os.walk(scenario.root / "data"):
        for name in dirs + files:
            assert "\n" not in name and "passwd" not in name and "hard_link" not in name, Path(top) / name
    statuses = dict(query(scenario.root, "SELECT landing_path, status FROM meta_file"))
    assert not any("\n" in p for p in statuses)


def test_a_civil_id_workbook_in_the_telecom_folder_is_refused(scenario: Scenario) -> None:
    statuses = dict(scenario.after_first_run["files"])
    assert statuses[CIVIL_ID_IN_TELECOM] in {"quarantined", "unreadable"}
    assert statuses[GOOD] == "loaded"
    civil = query(
        scenario.root,
        "SELECT count(*) FROM fact_indicator f JOIN meta_file m ON m.sha256 = f.file_sha256 "
        f"WHERE m.landing_path = '{CIVIL_ID_IN_TELECOM}'",
    )
    assert civil == [(0,)]
    assert query(scenario.root, "SELECT count(*) FROM fact_indicator WHERE indicator_code LIKE 'cid_%'") == [(0,)]


def test_a_half_file_that_has_settled_is_quarantined(scenario: Scenario) -> None:
    assert dict(scenario.after_first_run["files"])[HALF] in {"quarantined", "unreadable"}
    assert (scenario.root / "data" / "feedback" / (HALF + " - kiem tra.xlsx")).exists()


def test_a_file_uploaded_slowly_is_read_once_settled_in_one_run(scenario: Scenario) -> None:
    ticks = scenario.ticks
    first = ticks["while uploading"]
    assert len(first.run_requests) == 1  # for the other files, settled
    assert GROWING not in json.loads(first.cursor or "{}")["landing"]
    for name in ("after the first run", "just finished"):  # no run while it is written, nor just after
        assert ticks[name].run_requests == [] and "still being uploaded" in ticks[name].skip_message, name
    # the first run neither read nor quarantined it, nor wrote a reply; its report says it is still uploading
    assert GROWING not in dict(scenario.after_first_run["files"])
    assert "Still being uploaded" in scenario.report and GROWING in scenario.report
    [request] = ticks["settled"].run_requests
    assert request.tags["xhs/changed_files"] == "1"
    # the run requested reads the telecom folder only, in one process, as ``xhs run`` would (issue #28)
    assert request.tags["xhs/departments"] == "telecom" and request.run_config == IN_PROCESS_RUN
    staged = {k.to_user_string() for k in request.asset_selection or []} & {f"stg_{s}" for s in load_specs()}
    assert staged == {"stg_telecom"}
    assert ticks["settled, again"].run_requests == []  # that state is processed once
    assert scenario.second_run is not None and scenario.second_run.success
    files = query(scenario.root, "SELECT landing_path, status FROM meta_file")
    assert [s for p, s in files if p == GROWING] == ["loaded"]
    errors = query(
        scenario.root,
        "SELECT count(*) FROM meta_finding g JOIN meta_file f ON f.sha256 = g.file_sha256 "
        f"WHERE f.landing_path = '{GROWING}' AND g.severity = 'error'",
    )
    assert errors == [(0,)]  # read whole: no "truncated or damaged", no resend asked
