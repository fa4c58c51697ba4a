"""Build the warehouse in a private work file from the staged values, the archive metadata and the
catalogue. Everything is derived: running the build twice on the same inputs gives the same tables.

A full build creates every table from nothing. An incremental build (``BuildInputs.changed``) starts from a
copy of the published warehouse and recomputes only what the changed files touch: their rows in the staging
and meta tables, and the history, facts, sums, rates, findings and stored views of the provinces their rows are
in (``warehouse.scope``). Both end with the same tables (``tests/test_incremental.py``)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from sources.archive.landing import Refusal
from sources.archive.raw import ArchivedObject
from sources.archive.state import StagedFile
from sources.areas.units import UnitRegistry
from warehouse.catalogue import load_catalogue
from warehouse.consistency import record_consistency_findings
from warehouse.difference import replace_in_scope
from warehouse.dimensions import load_areas, load_indicators, load_periods
from warehouse.history import (
    FACT_KEY,
    check_one_value_per_key,
    load_current_facts,
    load_history,
    record_province_disagreements,
    record_simultaneous_conflicts,
)
from warehouse.materialise import materialise_views, refresh_stored_views
from warehouse.meta import DERIVED_RULES, delete_meta, load_meta, load_refusals
from warehouse.next_copy import discard_next_copy, take_next_copy
from warehouse.rates import insert_rates, insert_sums
from warehouse.scope import (
    STAGING_COLUMN_COMMENTS,
    add_changed_rows,
    changed_provinces,
    load_staging,
    replace_staging_rows,
    scope_everything,
    scope_of_changes,
)

__all__ = ["STAGING_COLUMN_COMMENTS", "BuildInputs", "build", "open_work_database"]

SQL_DIR = Path(__file__).parent / "sql"
STORAGE_VERSION = "v1.2.0"  # the published file must open in DuckDB 1.x tools (CLI 1.5, ODBC drivers)
WORK_ALIAS = "wh"
BUILD_MEMORY_LIMIT = "1GB"
# how a build's work file started: empty (a full build), the copy of the publication made after it was published,
# or a copy made by the build
EMPTY, MADE_AHEAD, COPIED = "empty", "copy made ahead", "copied"


@dataclass
class BuildInputs:
    files: list[ArchivedObject]
    staged: dict[str, StagedFile]  # by sha256
    staging_tables: dict[str, list[Path]]  # source → the parts of stg_<source> (sources.staging.stager)
    units: UnitRegistry
    # sha256 of the files whose delivery or outcome changed since the warehouse the work file was copied from;
    # None: a full build
    changed: list[str] | None = None
    # what the landing folder held that was not opened (links, special files, refused names): meta_finding rows
    refused: list[Refusal] = field(default_factory=list)


def open_work_database(path: Path, start_from: Path | None = None) -> tuple[duckdb.DuckDBPyConnection, str]:
    """A fresh work database in the storage format DuckDB 1.x can read; with ``start_from``, a copy of that
    (published) warehouse, for an incremental build: the one made after it was published
    (``warehouse.next_copy``), else one made now. Returns the connection and how the work file started
    (``EMPTY``, ``MADE_AHEAD`` or ``COPIED``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in (path, path.with_name(path.name + ".wal")):
        stale.unlink(missing_ok=True)
    if start_from is None:
        discard_next_copy(path)
        started = EMPTY
    elif take_next_copy(start_from, path):
        started = MADE_AHEAD
    else:
        shutil.copyfile(start_from, path)
        started = COPIED
    # DuckDB takes 80 % of the machine by default; bounded, its sorts and joins spill to disk instead, so a
    # national build stays under the 2 GiB the pipeline is held to (BENCHMARKS.md)
    spill = path.with_name(path.name + ".tmp")
    con = duckdb.connect(config={"memory_limit": BUILD_MEMORY_LIMIT, "temp_directory": str(spill)})
    storage = "" if start_from is not None else f" (STORAGE_VERSION '{STORAGE_VERSION}')"
    con.execute(f"ATTACH '{path}' AS {WORK_ALIAS}{storage}")
    con.execute(f"USE {WORK_ALIAS}")
    return con, started


def build(con: duckdb.DuckDBPyConnection, inputs: BuildInputs) -> dict[str, int]:
    """Create (or, incrementally, bring up to date) every table and view; return row counts by table and, under
    ``provinces_in_scope`` and ``facts_changed``, how many provinces were recomputed and how many facts that changed
    (added, removed or changed: every fact after a full build)."""
    if inputs.changed is None:
        for sql in sorted(SQL_DIR.glob("*.sql")):
            con.execute(sql.read_text(encoding="utf-8"))
        load_areas(con, inputs.units)
        load_indicators(con, load_catalogue())
        load_meta(con, inputs.files, inputs.staged)
        load_staging(con, inputs.staging_tables)
        scope_everything(con)
    else:
        changed = inputs.changed
        delete_meta(con, changed)
        changed_set = set(changed)
        load_meta(con, [o for o in inputs.files if o.sha256 in changed_set], inputs.staged)
        before = changed_provinces(con, changed)
        values: dict[str, list[Path]] = {}
        for sha in changed:
            staged = inputs.staged.get(sha)
            if staged and staged.ok and staged.source and staged.values_path:
                values.setdefault(staged.source, []).append(staged.values_path)
        replace_staging_rows(con, inputs.staging_tables, changed, values)
        add_changed_rows(con, changed)
        scope_of_changes(con, before)
        # the findings made across files are made again for the areas in scope
        con.execute(
            "DELETE FROM meta_finding WHERE list_contains(?, rule) AND area_key IN (SELECT area_key FROM scope_area)",
            [list(DERIVED_RULES)],
        )
    load_refusals(con, inputs.refused)
    # how many units each province has at each level: a province value is summed only from all of them
    con.execute(
        "CREATE OR REPLACE TEMP TABLE unit_count AS "
        "SELECT vintage, province_code, level, count(*) AS n_units FROM dim_area GROUP BY ALL"
    )
    load_history(con, everything=inputs.changed is None)
    load_periods(con)
    # a full build writes the facts into the empty fact_indicator; an incremental one makes those of its scope in
    # scope_fact, which replace the facts in place by difference (warehouse.difference)
    facts = "fact_indicator" if inputs.changed is None else "scope_fact"
    load_current_facts(con, facts)
    record_province_disagreements(con, facts)
    record_simultaneous_conflicts(con)
    insert_sums(con, [i for i in load_catalogue() if i.is_sum], facts)
    insert_rates(con, [i for i in load_catalogue() if i.is_rate], facts)
    record_consistency_findings(con, facts)
    check_one_value_per_key(con, facts)
    if inputs.changed is None:
        materialise_views(con)
    else:
        # only the rows that differ are written; their keys (changed_fact) are what the wide table, the fact suite
        # and the lake follow
        replace_in_scope(con, "fact_indicator", "scope_fact", changed="changed_fact", keys=FACT_KEY, unique=True)
        refresh_stored_views(con)
    tables = [
        r[0]
        for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() ORDER BY 1"
        ).fetchall()
    ]
    counts = {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchall()[0][0] for t in tables}
    counts["provinces_in_scope"] = con.execute("SELECT count(*) FROM scope_province").fetchall()[0][0]
    # every fact is new after a full build; the changed ones after an incremental build
    counts["facts_changed"] = (
        counts["fact_indicator"]
        if inputs.changed is None
        else con.execute("SELECT count(*) FROM changed_fact").fetchall()[0][0]
    )
    return counts
