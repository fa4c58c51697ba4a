"""Warehouse layer, in three steps: build the DuckDB tables in a private work file, check them (a blocking
asset check: a failure stops the run before anything is published), then publish by an atomic rename."""

import uuid
from pathlib import Path

import dagster as dg

from assets.faults import step_faults
from assets.settings import TRANSIENT_RETRY, XhsSettings
from assets.staging import staging_assets
from expectations.files import check_together
from runtime import progress
from runtime.disk import writing
from runtime.files import file_state
from runtime.stopping import check_stop, critical_section, interrupted_by_stop
from sources.archive.raw import RawArchive
from sources.archive.state import StateStore
from sources.areas.units import registry
from sources.specs.model import load_specs
from sources.staging.stager import Stager, staging_parts
from warehouse import lake_process
from warehouse.build import WORK_ALIAS, BuildInputs, build, open_work_database
from warehouse.history import FACT_KEY
from warehouse.inputs import code_key, file_digests, inputs_key, refusals_digest
from warehouse.lake import NAMESPACE, Changes
from warehouse.publish import close_work, current_version, publish

FACT_COLUMNS = (
    "SELECT indicator_code, area_key, period_code, value, value_lower, value_upper, numerator_value, "
    "denominator_value, derivation FROM fact_indicator"
)
WAREHOUSE_TABLES = {
    "dim_area": "Administrative units by unit list (vintage, code), before and after the 2025 reform.",
    "area_crosswalk": "Pre-reform communes and the post-reform communes they went into.",
    "dim_period": "Reporting periods.",
    "dim_indicator": "Indicator catalogue with national targets (warehouse/catalogue.yaml).",
    "fact_indicator": "Current value of every indicator by area and period; province sums and rates computed.",
    "fact_indicator_history": "Every count value ever loaded, with validity intervals.",
    "meta_file": "One row per delivered file with its status.",
    "meta_finding": "Every validation finding, bilingual, with sheet and cell.",
}
BUILD_MEMO = "warehouse.build"  # the state-store record of the last build: its inputs key, counts, check
PUBLISHED_MEMO = "warehouse.published"  # ... and of the last publication
# the digest of every file the last build and the last publication are of, kept apart from the records above, which
# every step reads (17,000 files at size XL: 1.6 MB of JSON, parsed six times a run: issue #28); written in the same
# transaction as its record
BUILD_FILES_MEMO, PUBLISHED_FILES_MEMO = "warehouse.build.files", "warehouse.published.files"
LAKE_MEMO = "warehouse.lake"  # the publication the lake holds, and where
FACT_RESULTS_MEMO = "warehouse.fact_results"  # GE's results of the fact suite on the last build (Data Docs)
FAILING_ROWS_SHOWN = 20


@dg.asset(
    group_name="warehouse",
    kinds={"duckdb"},
    deps=[a.key for a in staging_assets],
    pool="duckdb_writer",
    retry_policy=TRANSIENT_RETRY,
    check_specs=[
        dg.AssetCheckSpec(
            "fact_expectations",
            asset="warehouse_work",
            blocking=True,
            description="expectations/fact_indicator.json on the work database's fact_indicator, before it is "
            "published: a failure stops the run and leaves the published warehouse as it was.",
        )
    ],
    description="The warehouse built in a private work file (data/work/xhs-work.duckdb) from the staging tables, "
    "the archive and the state store. Not rebuilt when its inputs have not changed since the publication in place.",
)
def warehouse_work(context: dg.AssetExecutionContext, settings: XhsSettings):
    progress.stage("building the warehouse")
    with step_faults("warehouse_work", settings.paths().data):
        yield from _build_work(context, settings)


def _build_work(context: dg.AssetExecutionContext, settings: XhsSettings):
    paths = settings.paths()
    archive, state = RawArchive(paths.raw), StateStore(paths.state)
    stager = Stager(archive, state, paths.staging, check_together)
    files = archive.all()
    tables = {s: parts for s in load_specs() if (parts := staging_parts(paths.staging_table(s)))}
    code = code_key()
    digests = file_digests(files, state.outcome_digests())
    refused = state.refusals()  # entries of the landing folder not opened: findings with no file (meta_finding)
    key = inputs_key(code, {**digests, "landing_refusals": refusals_digest(refused)})
    last = state.memo(BUILD_MEMO)
    if not settings.rebuild and last and last["key"] == key and published_unchanged(paths.warehouse, state, key):
        context.log.info(f"inputs unchanged since {paths.warehouse} was published: not rebuilt")
        yield dg.MaterializeResult(metadata={**last["counts_shown"], "rebuilt": False})
        yield _check_result(last["check"], paths.docs_index)
        return
    changed = None if settings.rebuild else changed_since_publication(paths.warehouse, state, code, digests)
    base = current_version(paths.warehouse) if changed is not None else None
    # The lake's helper (``xhs run`` only) imports on the other core while an incremental build runs. A full build
    # starts it once DuckDB has let go of its memory: beside the build's 1 GB its 170 MB made a first run at XL peak at
    # 2,050-2,143 MB for the command and its processes (issue #28, target 2,048 MB).
    if changed is not None:
        lake_process.start()
    # what the build reads of each file: every file for a full build, the changed ones for an incremental build
    wanted = None if changed is None else set(changed)
    staged = stager.current_of([o for o in files if wanted is None or o.sha256 in wanted])
    check_stop("building the warehouse")
    fact_results: list[dict] = []
    with writing(paths.work_database):
        con, started = open_work_database(paths.work_database, start_from=None if changed is None else paths.warehouse)
        try:
            with interrupted_by_stop(con.interrupt):  # a stop interrupts the build's query at once
                counts = build(con, BuildInputs(files, staged, tables, registry(), changed, refused))
            provinces = [
                r[0] for r in con.execute("SELECT DISTINCT province_code FROM scope_province ORDER BY 1").fetchall()
            ]
            partitions = [] if changed is None else changed_partitions(con)
            check_stop("checking the warehouse")
            check = validate_facts(con, fact_results, in_scope=changed is not None)
            close_work(con, WORK_ALIAS)
        finally:
            con.close()  # after a failure too: a process that runs again (the daemon) must attach the file anew
    if changed is None:
        lake_process.start()
    state.remember(FACT_RESULTS_MEMO, {"key": key, "results": fact_results})
    mode = "full" if changed is None else "incremental"
    shown: dict[str, str | int | bool] = {
        "rebuilt": True,
        "build": mode,
        "files_changed": len(digests) if changed is None else len(changed),
        "provinces_recomputed": counts.get("provinces_in_scope", 0),
        "work_file": started,
        **{f"rows_{t}": counts.get(t, 0) for t in WAREHOUSE_TABLES},
    }
    context.log.info(
        f"warehouse built ({mode}): {shown['files_changed']} files changed, "
        f"{shown['provinces_recomputed']} provinces recomputed"
    )
    built = {
        "key": key,
        "build": uuid.uuid4().hex,  # which build the publish step publishes (a rebuild has the same key)
        "code": code,
        "counts": counts,
        "counts_shown": shown,
        "check": check,
        # what the lake needs to replace only the provinces recomputed (warehouse.lake.Changes)
        "base": None if changed is None else base,
        "provinces": provinces,
        "partitions": partitions,
    }
    state.remember_all({BUILD_MEMO: built, BUILD_FILES_MEMO: digests})
    yield dg.MaterializeResult(metadata={**shown, "work_database": dg.MetadataValue.path(str(paths.work_database))})
    yield _check_result(check, paths.docs_index)


def changed_partitions(con) -> list[list] | None:
    """The lake's (province, year) partitions of the facts an incremental build changed (``changed_fact``), as the
    lake's query makes them (``warehouse.lake.LAKE_TABLES``: the area's province, the period's year); None (every
    year of the provinces recomputed) if a changed fact's area has no province."""
    rows = con.execute(
        "SELECT DISTINCT a.province_code, p.year FROM changed_fact c LEFT JOIN dim_area a USING (area_key) "
        "LEFT JOIN dim_period p USING (period_code) ORDER BY ALL"
    ).fetchall()
    return None if any(province is None for province, _ in rows) else [list(row) for row in rows]


def _check_result(check: dict, docs_index: Path) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        asset_key="warehouse_work",
        check_name="fact_expectations",
        passed=not check["errors"],
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={
            "rows": check["rows"],
            "errors": len(check["errors"]),
            "warnings": check["warnings"],
            "failures": dg.MetadataValue.md("\n".join(f"- {m}" for m in check["errors"]) or "none"),
            "failing_rows": dg.MetadataValue.md(check["failing_rows"] or "none"),
            # the data_docs asset renders this result there once the warehouse is published
            "data_docs": dg.MetadataValue.path(str(docs_index.resolve())),
        },
    )


@dg.multi_asset(
    specs=[
        dg.AssetSpec(name, group_name="warehouse", kinds={"duckdb"}, description=text, deps=["warehouse_work"])
        for name, text in WAREHOUSE_TABLES.items()
    ],
    pool="duckdb_writer",
    retry_policy=TRANSIENT_RETRY,
    can_subset=False,
)
def warehouse_tables(context: dg.AssetExecutionContext, settings: XhsSettings):
    """The checked work database published onto the file analysts open (one atomic rename)."""
    progress.stage("publishing the warehouse")
    with step_faults("warehouse_tables", settings.paths().data):
        yield from _publish_work(context, settings)


def _publish_work(context: dg.AssetExecutionContext, settings: XhsSettings):
    paths = settings.paths()
    try:
        access = settings.warehouse_access()  # an invalid XHS_WAREHOUSE_MODE: nothing is published
    except ValueError as exc:  # a setting, not a passing fault: retried, it would only fail again minutes later
        raise dg.Failure(description=str(exc), allow_retries=False) from exc
    state = StateStore(paths.state)
    built = state.memo(BUILD_MEMO)
    if built is None:
        raise dg.Failure("no warehouse has been built yet / chưa xây dựng kho dữ liệu")
    saved = state.memo(PUBLISHED_MEMO) or {}
    if _is_publication(paths.warehouse, saved, built["key"]) and saved.get("build") == built.get("build"):
        context.log.info(f"{paths.warehouse} is already this build: not published again")
    elif not paths.work_database.exists():
        raise dg.Failure(
            f"the work database {paths.work_database} is missing: run the whole job again / "
            "thiếu cơ sở dữ liệu tạm: hãy chạy lại toàn bộ"
        )
    else:
        with critical_section("publishing the warehouse"):  # a stop waits for the rename and its record
            version = publish(paths.work_database, paths.warehouse, access=access)
            state.remember_all(
                {
                    PUBLISHED_MEMO: {
                        "key": built["key"],
                        "build": built.get("build"),
                        "code": built.get("code"),
                        "published": str(paths.warehouse),
                        "file": file_state(paths.warehouse),
                        "version": current_version(paths.warehouse),
                    }
                },
                copies={PUBLISHED_FILES_MEMO: BUILD_FILES_MEMO},
            )
        context.log.info(f"published {paths.warehouse} (kept as {version.name})")
    for name in WAREHOUSE_TABLES:
        yield dg.MaterializeResult(
            asset_key=name,
            metadata={"rows": built["counts"].get(name, 0), "warehouse": dg.MetadataValue.path(str(paths.warehouse))},
        )


def publish_lake(context: dg.AssetExecutionContext, published: Path, lake: Path, state: StateStore) -> None:
    """The publication in place, also as Iceberg tables in the lake (warehouse/lake.py): a new commit per
    publication; nothing when the lake already holds it (recorded in the state store: not even opened). After an
    incremental build, only what it changed is replaced (``warehouse.lake.Changes``, from the build's record)."""
    from assets.instance import POSTGRES, instance_choice

    built = state.memo(BUILD_MEMO) or {}
    changes = None
    if built.get("base"):
        partitions = built.get("partitions")
        changes = Changes(
            built["base"],
            tuple(built["provinces"]),
            None if partitions is None else tuple((p, y) for p, y in partitions),
        )
    choice = instance_choice()
    url = str(choice.url) if choice.kind == POSTGRES and choice.url else None  # its catalog in the same database
    publication = current_version(published) or published.name
    catalog = lake / "catalog.db"
    where = {"publication": publication, "lake": str(lake), "catalog": url or _state_of(catalog)}
    if state.memo(LAKE_MEMO) == where:
        context.log.info(f"lake {lake}: already this publication ({publication})")
        return
    written = lake_process.run("write_lake", published, publication, lake, url, changes)
    # one log line for the four tables: each line is an event the run's Dagster storage commits (issue #28)
    context.log.info(
        f"lake {lake}: "
        + "; ".join(
            f"{NAMESPACE}.{w.table} {w.rows} rows{', new snapshot' if w.written else ', already this publication'}"
            for w in written
        )
    )
    state.remember(LAKE_MEMO, {**where, "catalog": url or _state_of(catalog)})


def _state_of(path: Path) -> list[int] | None:
    return file_state(path) if path.exists() else None


FACT_CHUNK_ROWS = 250_000


def validate_facts(con, results: list[dict] | None = None, *, in_scope: bool = False) -> dict:
    """``expectations/fact_indicator.json`` on the fact table, a group of indicators at a time, so a national
    table is never one pandas frame (1.25M rows took ~1 GB at size L). The suite's only multi-row expectation
    is uniqueness over (indicator_code, area_key, period_code), so groups split on indicator_code give the same
    outcome; when a group has any failure the whole table is validated again, for the exact messages and rows.
    Returns the rows checked, the error messages, the number of warnings and the first failing rows (Markdown);
    ``results`` collects GE's validation results (one per group, or the whole table's) for Data Docs.
    ``in_scope``: an incremental build checks only the facts it changed (``changed_fact``: added or changed in
    any column, ``warehouse.difference.replace_in_scope``); the rest are the rows checked when they were built, and the
    build checks one value per (indicator, area, period) itself (``check_one_value_per_key``)."""
    from expectations.runner import run_suite

    progress.stage("checking the warehouse")
    # the facts of fact_indicator, or only those the incremental build changed: a relation named fact_indicator
    scope = f" SEMI JOIN changed_fact USING ({', '.join(FACT_KEY)})" if in_scope else ""
    counts = con.execute(f"SELECT indicator_code, count(*) FROM fact_indicator{scope} GROUP BY 1 ORDER BY 1").fetchall()
    total = sum(n for _, n in counts)
    groups: list[list[str]] = []
    size = 0
    for code, n in counts:
        if not groups or size + n > FACT_CHUNK_ROWS:
            groups.append([])
            size = 0
        groups[-1].append(code)
        size += n
    if len(groups) > 1:
        parts: list[dict] = []
        for group in groups:
            query = f"{FACT_COLUMNS}{scope} WHERE list_contains(?, indicator_code)"
            frame = con.sql(query, params=[group]).pl()  # DuckDB 2.0: .pl() on a relation
            if run_suite("fact_indicator", frame, results=parts):
                break
        else:
            if results is not None:
                results.extend(parts)
            return {"rows": total, "errors": [], "warnings": 0, "failing_rows": ""}
    frame = con.sql(FACT_COLUMNS + scope).pl()
    failures = run_suite("fact_indicator", frame, results=results)
    errors = [f for f in failures if f.severity == "error"]
    rows = sorted({i for f in errors for i in f.row_indices})[:FAILING_ROWS_SHOWN]
    table = ""
    if rows:
        shown = frame[rows]
        table = (
            "| "
            + " | ".join(shown.columns)
            + " |\n|"
            + " --- |" * len(shown.columns)
            + "\n"
            + "\n".join("| " + " | ".join(str(v) for v in row) + " |" for row in shown.iter_rows())
        )
    return {
        "rows": total,
        "errors": [f.message_en for f in errors[:FAILING_ROWS_SHOWN]],
        "warnings": len(failures) - len(errors),
        "failing_rows": table,
    }


def changed_since_publication(
    published: Path, state: StateStore, code: str, digests: dict[str, str]
) -> list[str] | None:
    """The files (sha256) whose deliveries or outcome differ from those of the warehouse in place, when an
    incremental build can start from it; None when it cannot (nothing published yet, the published file is not
    the last publication (rolled back or replaced), or the code, specs, unit lists or catalogue changed)."""
    saved = state.memo(PUBLISHED_MEMO)
    if not saved or saved.get("code") != code or not _is_publication(published, saved, saved["key"]):
        return None
    before: dict[str, str] | None = state.memo(PUBLISHED_FILES_MEMO)
    if before is None:  # a publication recorded before the digests were kept apart: built again in full
        return None
    return sorted(sha for sha in set(before) | set(digests) if before.get(sha) != digests.get(sha))


def published_unchanged(published: Path, state: StateStore, key: str) -> bool:
    """Whether the published file is the publication of ``key`` (not rolled back, moved or replaced since)."""
    return _is_publication(published, state.memo(PUBLISHED_MEMO), key)


def _is_publication(published: Path, saved: dict | None, key: str) -> bool:
    return bool(
        saved
        and published.exists()
        and saved.get("key") == key
        and saved.get("published") == str(published)
        and saved.get("file") == file_state(published)
        and saved.get("version") == current_version(published)
    )
