"""Every run is the same Dagster job with everything a run produces, whoever launches it (issue #13 parts 3-4):
the schedule's run writes the report, meta rows and release `xhs run` and `xhs publish` write; what happened to
each file lives in the state store; cached reads are keyed by the file, its department's spec and the reader."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from assets.settings import XhsSettings
from bench.corpus import CASES
from pipelines.definitions import defs
from pipelines.home import ensure_dagster_home, open_instance
from tests.pipeline_helpers import run_xhs

pytestmark = pytest.mark.deployment  # make check leaves it out (tests/README.md)

# A small delivery: one province's telecom and population files of two years, and a file with a text in a
# numeric cell (quarantined).
SUBSET = ("telecom/BC_vien_thong_BacKan_2022.xlsx", "telecom/so_lieu_thue_bao_bac_kan_2023.xlsx")
BAD = "text_in_numeric_cell"


@pytest.fixture(scope="module")
def samples(sample_files: Path) -> Path:
    return sample_files  # written once per pytest run (tests/conftest.py); only copied from


def deliver(samples: Path, root: Path, names: tuple[str, ...] | None = None, bad: bool = True) -> None:
    landing = root / "landing"
    chosen = names or tuple(p.relative_to(samples).as_posix() for p in samples.rglob("*") if p.is_file())
    for name in chosen:
        (landing / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(samples / name, landing / name)
    if names:  # the population files the rates need
        for p in (samples / "population").iterdir():
            (landing / "population").mkdir(parents=True, exist_ok=True)
            shutil.copyfile(p, landing / "population" / p.name)
    if bad:
        [case] = [c for c in CASES if c.name == BAD]
        made = case.make(root / "made")
        (landing / "telecom").mkdir(parents=True, exist_ok=True)
        shutil.copyfile(made, landing / "telecom" / made.name)


def settings_for(root: Path) -> XhsSettings:
    return XhsSettings.from_env(
        lake=str(root / "lake"),
        landing=str(root / "landing"),
        data=str(root / "data"),
        warehouse=str(root / "warehouse" / "xhs.duckdb"),
        releases=str(root / "releases"),
    )


def launch(schedule: str, root: Path) -> dg.ExecuteInProcessResult:
    """What the daemon does on a tick: evaluate the schedule, then execute the job it requests on the instance."""
    with open_instance(ensure_dagster_home(root / ".dagster")) as instance:
        definition = defs.resolve_schedule_def(schedule)
        context = dg.build_schedule_context(instance=instance, repository_def=defs.get_repository_def())
        [request] = definition.evaluate_tick(context).run_requests
        return defs.resolve_job_def(definition.job_name).execute_in_process(
            instance=instance,
            resources={"settings": settings_for(root)},
            tags=request.tags,
            run_config=request.run_config or None,
            raise_on_error=False,
        )


def rows(root: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(root / "warehouse" / "xhs.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def report_body(root: Path) -> list[str]:
    [report] = sorted((root / "data" / "reports").glob("run-*.md"))
    return report.read_text(encoding="utf-8").splitlines()[1:]  # without the title line and its time


def test_a_scheduled_run_produces_what_xhs_run_and_xhs_publish_produce(samples: Path, tmp_path: Path) -> None:
    cli, scheduled = tmp_path / "cli", tmp_path / "scheduled"
    for root in (cli, scheduled):
        deliver(samples, root, SUBSET)
    assert run_xhs(cli, "run").returncode == 1  # one file quarantined, the rest loaded
    assert run_xhs(cli, "publish", "--out", str(cli / "releases")).returncode == 0

    nightly = launch("nightly", scheduled)
    assert nightly.success
    # The quarantined file shows as a check that did not pass (warning), not as a silent success.
    checks = {(e.asset_key.to_user_string(), e.check_name): e for e in nightly.get_asset_check_evaluations()}
    accepted = checks[("stg_telecom", "files_accepted")]
    assert not accepted.passed and accepted.severity == dg.AssetCheckSeverity.WARN
    assert accepted.metadata["rejected_this_run"].value == 1
    assert checks[("stg_population", "files_accepted")].passed
    assert launch("release", scheduled).success

    assert report_body(scheduled) == report_body(cli)
    assert any("text.xlsx" in line and "quarantined" in line for line in report_body(cli))
    meta = "SELECT * EXCLUDE (received_at, loaded_at) FROM meta_file ORDER BY ALL"
    assert rows(scheduled, meta) == rows(cli, meta)
    findings = "SELECT * FROM meta_finding ORDER BY ALL"
    assert rows(scheduled, findings) == rows(cli, findings)
    facts = "SELECT * EXCLUDE (loaded_at, file_sha256) FROM fact_indicator ORDER BY ALL"
    assert rows(scheduled, facts) == rows(cli, facts)
    for root in (cli, scheduled):  # every delivery reported once, with its outcome
        with sqlite3.connect(root / "data" / "state.sqlite") as con:
            statuses = sorted(con.execute("SELECT landing_path, status FROM delivery_report").fetchall())
        assert ("telecom/text.xlsx", "quarantined") in statuses
        assert len(statuses) == sum(p.is_file() for p in (root / "landing").rglob("*"))
    [cli_release] = [p for p in (cli / "releases").iterdir() if p.is_dir()]
    [scheduled_release] = [p for p in (scheduled / "releases").iterdir() if p.is_dir()]
    listing = sorted(p.relative_to(cli_release).as_posix() for p in cli_release.rglob("*") if p.is_file())
    assert (
        sorted(p.relative_to(scheduled_release).as_posix() for p in scheduled_release.rglob("*") if p.is_file())
        == listing
    )
    assert "data/all-indicators.csv" in listing
    for name in (n for n in listing if n.startswith("data/") and n.endswith(".csv")):
        assert (scheduled_release / name).read_bytes() == (cli_release / name).read_bytes(), name


def test_the_archive_holds_bytes_and_deliveries_only_and_never_changes(samples: Path, tmp_path: Path) -> None:
    deliver(samples, tmp_path, SUBSET, bad=False)
    again = tmp_path / "landing" / "telecom" / "same_bytes_again.xlsx"
    shutil.copyfile(tmp_path / "landing" / SUBSET[0], again)
    assert run_xhs(tmp_path, "run").returncode == 0
    raw = tmp_path / "data" / "raw"
    assert not list((raw / "objects").rglob("*.json"))  # no sidecar written beside the bytes
    with sqlite3.connect(raw / "manifest.sqlite") as con:
        [(objects,)] = con.execute("SELECT count(*) FROM object").fetchall()
        [(deliveries,)] = con.execute("SELECT count(*) FROM delivery").fetchall()
        assert deliveries == objects + 1  # the same bytes twice: one object, two deliveries
        for statement in ("UPDATE object SET source = 'health'", "DELETE FROM delivery"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                con.execute(statement)
    assert rows(tmp_path, "SELECT count(*) FROM meta_file WHERE status = 'duplicate'") == [(1,)]


def read_keys(root: Path) -> dict[str, tuple[str, str]]:
    with sqlite3.connect(root / "data" / "state.sqlite") as con:
        return {
            sha: (source, key) for sha, source, key in con.execute("SELECT sha256, source, read_key FROM file_outcome")
        }


def test_editing_one_department_spec_re_reads_only_its_files(
    samples: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sources.staging.digests as digests
    import sources.staging.stager as staging
    from pipelines.run import run_pipeline
    from sources.specs.model import load_spec, load_specs

    deliver(samples, tmp_path, bad=False)
    home = ensure_dagster_home(tmp_path / ".dagster")
    assert run_pipeline(settings_for(tmp_path), home).exit_code == 0
    before = read_keys(tmp_path)
    cached = {p.name: p.stat().st_ino for p in (tmp_path / "data" / "staging" / "files").iterdir()}

    # The telecom spec edited (one more alias for a field): a copy stands in for sources/specs/telecom.yaml.
    telecom = load_specs()["telecom"]
    edited = tmp_path / "telecom.yaml"
    edited.write_text(
        telecom.path.read_text(encoding="utf-8").replace(
            "Thuê bao di động, Di động", "Thuê bao di động, Thuê bao di động (đã sửa), Di động", 1
        ),
        encoding="utf-8",
    )
    specs = {**load_specs(), "telecom": load_spec(edited)}
    monkeypatch.setattr(staging, "load_specs", lambda: specs)
    monkeypatch.setattr(digests, "load_specs", lambda: specs)
    staging.department_digest.cache_clear()
    try:
        assert run_pipeline(settings_for(tmp_path), home).exit_code == 0
    finally:
        staging.department_digest.cache_clear()
    after = read_keys(tmp_path)
    changed = {sha for sha in before if before[sha][1] != after[sha][1]}
    telecom_files = {sha for sha, (source, _) in before.items() if source == "telecom"}
    assert changed == telecom_files and len(telecom_files) > 5
    kept = {p.name: p.stat().st_ino for p in (tmp_path / "data" / "staging" / "files").iterdir()}
    untouched = {n for n in cached if not any(n.startswith(sha) for sha in telecom_files)}
    assert {n: kept[n] for n in untouched} == {n: cached[n] for n in untouched}  # the other reads not redone
    with open_instance(home) as instance:
        [second, first] = instance.get_runs(limit=2)
        latest = {s: instance.get_latest_materialization_event(dg.AssetKey(f"stg_{s}")) for s in specs}
    telecom_event = latest.pop("telecom")
    assert telecom_event is not None and telecom_event.run_id == second.run_id
    assert telecom_event.asset_materialization.metadata["files_read"].value == len(telecom_files)
    # the other departments had nothing to read: their staging steps did not run at all (issue #14)
    assert all(e is not None and e.run_id == first.run_id for e in latest.values())


def test_a_failed_fact_check_is_recorded_and_nothing_is_published(
    samples: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import expectations.runner as runner

    deliver(samples, tmp_path, SUBSET, bad=False)
    assert launch("nightly", tmp_path).success
    published = tmp_path / "warehouse" / "xhs.duckdb"
    before = published.read_bytes()
    (tmp_path / "landing" / "telecom" / "later.xlsx").write_bytes(
        (samples / "telecom" / "Bieu01_VT_BenTre_nam_2024.xlsx").read_bytes()
    )
    # An operator adds a hand-written expectation to the fact suite that these values break.
    suites = tmp_path / "suites"
    shutil.copytree(runner.SUITE_DIR, suites, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    suite = json.loads((suites / "fact_indicator.json").read_text(encoding="utf-8"))
    suite["expectations"].append(
        {
            "type": "expect_column_values_to_be_between",
            "kwargs": {"column": "value", "max_value": 1_000_000},
            "meta": {
                "rule": "too_large",
                "message_vi": "{column} quá lớn ở {count} dòng.",
                "message_en": "{column} too large in {count} row(s).",
            },
        }
    )
    (suites / "fact_indicator.json").write_text(json.dumps(suite), encoding="utf-8")
    monkeypatch.setattr(runner, "SUITE_DIR", suites)
    runner.load_suite.cache_clear()
    try:
        result = launch("nightly", tmp_path)
    finally:
        runner.load_suite.cache_clear()
    assert not result.success
    [check] = [e for e in result.get_asset_check_evaluations() if e.check_name == "fact_expectations"]
    assert not check.passed
    assert "too large" in check.metadata["failures"].value
    assert "| indicator_code |" in check.metadata["failing_rows"].value
    assert result.asset_materializations_for_node("warehouse_tables") == []  # the publish step never ran
    assert published.read_bytes() == before  # nothing published


def test_a_failed_staging_check_stops_the_build_and_its_warning_check_still_reports(
    samples: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A department's two checks run in one step (``stg_<source>_checks``, issue #28): the blocking one failing
    still stops everything downstream of its asset, and the other (a warning) is still evaluated beside it."""
    import assets.staging as staging

    def failing(source: str, table: Path, state) -> dict:
        return {"rows": 1, "errors": 1, "warnings": 0, "first_errors": [f"{source}: a broken row"]}

    monkeypatch.setattr(staging, "check_staging_table", failing)
    deliver(samples, tmp_path, SUBSET, bad=False)
    result = launch("nightly", tmp_path)
    assert not result.success
    checks = {(e.asset_key.to_user_string(), e.check_name): e for e in result.get_asset_check_evaluations()}
    assert not checks[("stg_telecom", "expectations")].passed
    assert ("stg_telecom", "timely") in checks  # evaluated in the same step all the same
    failed = [e.step_key for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert "stg_telecom_checks" in failed
    assert result.asset_materializations_for_node("warehouse_work") == []  # the build never ran
    assert not (tmp_path / "warehouse" / "xhs.duckdb").exists()  # nothing published


def test_an_archive_of_the_earlier_layout_is_imported_without_losing_anything(samples: Path, tmp_path: Path) -> None:
    from sources.archive.raw import sha256_of

    source = samples / SUBSET[0]
    sha = sha256_of(source)
    objects = tmp_path / "data" / "raw" / "objects" / sha[:2]
    objects.mkdir(parents=True)
    shutil.copyfile(source, objects / f"{sha}.xlsx")
    delivery = {
        "name": source.name,
        "landing_path": SUBSET[0],
        "received_at": "2024-02-01T08:00:00+00:00",
        "reported_at": "2024-02-01T08:05:00+00:00",
    }
    (objects / f"{sha}.json").write_text(
        json.dumps(
            {  # the sidecar the archive wrote before the state store
                "sha256": sha,
                "size_bytes": source.stat().st_size,
                "suffix": ".xlsx",
                "source": "telecom",
                "first_received_at": delivery["received_at"],
                "deliveries": [delivery],
                "status": "loaded",
                "period": "2022",
                "detected_source": None,
                "loaded_at": "2024-02-01T08:01:00+00:00",
                "reader_fingerprint": "0123456789abcdef",
                "restricted": False,
            }
        ),
        encoding="utf-8",
    )
    (tmp_path / "landing").mkdir()
    result = run_xhs(tmp_path, "run")
    assert result.returncode == 0, result.stderr
    assert "Files received this run / Tệp nhận lần này: 0" in result.stdout  # reported before: not again
    assert rows(tmp_path, "SELECT landing_path, status, received_at, loaded_at FROM meta_file") == [
        (SUBSET[0], "loaded", *(dt.datetime(2024, 2, 1, 8, m) for m in (0, 1)))
    ]
    assert rows(tmp_path, "SELECT count(*) FROM fact_indicator WHERE file_sha256 = ?".replace("?", f"'{sha}'"))[0][0]
    assert (objects / f"{sha}.json.imported").exists() and not (objects / f"{sha}.json").exists()


def test_the_archive_step_takes_the_listing_the_run_was_launched_with(
    samples: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``xhs run`` lists the landing folder once (issue #28): its run's archive step, in the same process, takes
    that listing. A file that lands after it is archived by the next run, and a listing made with another settling
    time is not taken."""
    import assets.raw
    from pipelines.run import run_pipeline
    from pipelines.up_to_date import landing_listing
    from sources.archive.raw import RawArchive

    deliver(samples, tmp_path, SUBSET, bad=False)
    settings, home = settings_for(tmp_path), ensure_dagster_home(tmp_path / ".dagster")
    listed: list[Path] = []
    real = assets.raw.list_landing
    monkeypatch.setattr(assets.raw, "list_landing", lambda *a, **k: listed.append(a[0]) or real(*a, **k))
    listing = landing_listing(settings.paths().landing, settings.settle_seconds)
    late = tmp_path / "landing" / "telecom" / "late.xlsx"
    shutil.copyfile(samples / "telecom" / "BC_vien_thong_BenTre_2023.xlsx", late)  # lands after the listing
    assert run_pipeline(settings, home, listing=listing).exit_code == 0
    archived = {d.landing_path for o in RawArchive(settings.paths().raw).all() for d in o.deliveries}
    assert listed == [] and "telecom/late.xlsx" not in archived and "telecom/BC_vien_thong_BacKan_2022.xlsx" in archived
    assert assets.raw._OFFERED == {}  # withdrawn with the run

    assert run_pipeline(settings, home).exit_code == 0  # the next run: its own listing, taken by its archive step
    archived = {d.landing_path for o in RawArchive(settings.paths().raw).all() for d in o.deliveries}
    assert listed == [] and "telecom/late.xlsx" in archived

    # offered with another settling time: the step lists the folder itself
    with assets.raw.listing_offered(settings.paths().landing, settings.settle_seconds + 1, listing):
        assert assets.raw.landing_now(settings.paths().landing, settings.settle_seconds) is not listing
    assert listed == [settings.paths().landing]
