"""The lake: every publication of the warehouse also written as Apache Iceberg tables (DESIGN §9b, issue #15),
for engines other than DuckDB (Spark, Trino, Polars, PyArrow) and for time travel by publication.

- Tables ``xhs.fact_indicator`` (with the area's ``province_code`` beside ``area_key``), ``xhs.dim_area``,
  ``xhs.dim_period``, ``xhs.dim_indicator``; each publication is one commit to each table (the first appends,
  later ones delete and append, snapshots committed together; rows are appended 250,000 at a time), every
  snapshot tagged ``xhs.publication`` with the publication's version name: "as published on D" is the snapshot
  current at D, and the state of a publication is the last snapshot tagged with it.
- The snapshots kept are those of the publications the warehouse keeps (``warehouse/versions/``, ``KEEP_VERSIONS``):
  once ``EXPIRE_AFTER`` snapshots of publications no longer kept have gathered in a table, the next commit expires
  them. pyiceberg copies a table's whole metadata, every snapshot listed, several times per commit: with the 415
  snapshots of a day of trials at size XL the lake step took 1.15–1.3 s, and 0.57–0.7 s once they were expired
  (issue #28).
  Expiring removes them from the metadata; their data files stay where they are.
- Partitioned by province and period: ``fact_indicator`` by ``province_code`` and ``period_year`` (the year
  of the period's end, from ``dim_period``), ``dim_area`` by ``province_code``; the two small dimensions are not
  partitioned. Not by ``period_code`` itself: pyiceberg 0.12 splits a write into partitions one filter at a
  time, and 34 provinces × 12 months took 121 s for the 1.25 M facts of size L against 6 s by province alone
  (the ``truncate`` transform would need the ``pyiceberg-core`` extension). A query on a period prunes to its
  year's files, and Iceberg's column statistics skip the other periods inside them.
- Codes are text in the table schema (``06`` stays ``06``), and the data files' paths carry no ``key=value``
  folders (Iceberg's object-store layout without partition paths), so no reader that guesses types from a path
  can turn a province code into the number 6.
- Where: ``lake/`` under the working directory (``XHS_LAKE`` moves it), with a SQL catalog in
  ``lake/catalog.db`` (SQLite); on a PostgreSQL instance (``XHS_INSTANCE=postgres``) the catalog is that database,
  unless ``XHS_LAKE_CATALOG=sqlite`` keeps it in ``lake/catalog.db`` (``make scale`` does: its server is thrown away).
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pyarrow as pa

from warehouse.publish import list_versions

if TYPE_CHECKING:
    from pyiceberg.expressions import BooleanExpression

NAMESPACE = "xhs"
CATALOG_ENV = "XHS_LAKE_CATALOG"
PUBLICATION_PROPERTY = "xhs.publication"
LAKE_TABLES = {
    "fact_indicator": (
        "SELECT f.*, a.province_code, p.year AS period_year FROM fact_indicator f "
        "LEFT JOIN dim_area a USING (area_key) LEFT JOIN dim_period p USING (period_code) "
        "ORDER BY a.province_code, f.period_code, f.indicator_code, f.area_key",
        ("province_code", "period_year"),
    ),
    "dim_area": ("SELECT * FROM dim_area ORDER BY province_code, area_key", ("province_code",)),
    "dim_period": ("SELECT * FROM dim_period ORDER BY period_code", ()),
    "dim_indicator": ("SELECT * FROM dim_indicator ORDER BY indicator_code", ()),
}
CHUNK_ROWS = 250_000  # rows appended at a time (the 2.7 M facts of size XL in one table took 1.6 GB)
# snapshots of publications no longer kept, expired together once this many have gathered: every snapshot listed
# slows each commit (``python -m bench.lake_snapshots``: 65-69 ms on average with 10, 92-93 ms with 50)
EXPIRE_AFTER = 10
LAKE_MEMORY_LIMIT = "256MB"
TABLE_PROPERTIES = {
    "write.object-storage.enabled": "true",
    "write.object-storage.partitioned-paths": "false",
    "format-version": "2",
}


def lake_dir() -> Path:
    return Path(os.environ.get("XHS_LAKE") or "lake").expanduser().resolve()


def catalog_uri(lake: Path, instance_url: str | None = None) -> str:
    """The Postgres instance's database (``instance_url``, given when the Dagster instance is on PostgreSQL),
    else ``lake/catalog.db``."""
    kind = (os.environ.get(CATALOG_ENV) or "").strip().lower()
    if kind not in {"", "sqlite", "postgres"}:
        raise ValueError(
            f"{CATALOG_ENV}={kind!r}: use 'sqlite' or 'postgres' / {CATALOG_ENV} chỉ nhận 'sqlite' hoặc 'postgres'"
        )
    if kind == "postgres" and not instance_url:
        raise ValueError(
            f"{CATALOG_ENV}=postgres needs XHS_INSTANCE=postgres and XHS_POSTGRES_URL / "
            f"{CATALOG_ENV}=postgres cần XHS_INSTANCE=postgres và XHS_POSTGRES_URL"
        )
    if instance_url and kind != "sqlite":
        return instance_url
    return f"sqlite:///{lake / 'catalog.db'}"


def open_catalog(lake: Path | None = None, instance_url: str | None = None):
    """The lake's pyiceberg SQL catalog (created on first use)."""
    from pyiceberg.catalog.sql import SqlCatalog

    lake = lake or lake_dir()
    lake.mkdir(parents=True, exist_ok=True)
    catalog = SqlCatalog(NAMESPACE, uri=catalog_uri(lake, instance_url), warehouse=lake.as_uri())
    catalog.create_namespace_if_not_exists(NAMESPACE)
    return catalog


@dataclass(frozen=True)
class LakeWrite:
    table: str
    rows: int
    snapshot_id: int | None
    written: bool  # False when the lake already held this publication


@dataclass(frozen=True)
class Changes:
    """What an incremental build changed: the publication it started from, the provinces it recomputed and the
    (province, year) partitions of the facts that changed (``changed_fact``, ``warehouse.difference``; a year is None
    for a period with no year). When the lake holds that publication, only those partitions of the facts and the
    provinces' areas are replaced; otherwise all of them. ``partitions`` None: every year of the provinces (a build
    memo written before the partitions were recorded)."""

    base: str
    provinces: tuple[str, ...]
    partitions: tuple[tuple[str, int | None], ...] | None = None


def write_lake(
    published: Path,
    publication: str,
    lake: Path | None = None,
    instance_url: str | None = None,
    changes: Changes | None = None,
) -> list[LakeWrite]:
    """Write the four tables of the published DuckDB file as a new snapshot each, unless their current
    snapshot is already of ``publication`` (a run that published nothing new). With ``changes`` (an incremental
    build) and a lake at its base publication, only the facts of the provinces it recomputed are replaced (one
    overwrite with a filter on the partition column: Iceberg drops their files and appends the new rows). The
    snapshots of publications the warehouse no longer keeps are expired once ``EXPIRE_AFTER`` have gathered."""
    from pyiceberg.expressions import AlwaysTrue

    lake_folder = lake or lake_dir()
    catalog = open_catalog(lake_folder, instance_url)
    kept = {publication, *(v.name for v in list_versions(published))}
    done = []
    with duckdb.connect(str(published), read_only=True) as con:
        con.execute("SET enable_progress_bar = false")
        # the rows are streamed in chunks: DuckDB sorts them within this bound, spilling beside the lake
        con.execute(f"SET memory_limit = '{LAKE_MEMORY_LIMIT}'")
        con.execute(f"SET temp_directory = '{lake_folder / '.spill'}'")
        for name, (sql, partition_by) in LAKE_TABLES.items():
            schema = con.sql(sql).limit(0).to_arrow_table().schema
            table = _table(catalog, name, partition_by, schema)
            current = table.current_snapshot()
            if current is not None and current.summary.get(PUBLICATION_PROPERTY) == publication:
                done.append(LakeWrite(name, int(current.summary.get("total-records", 0)), current.snapshot_id, False))
                continue
            partial = (
                changes is not None
                and "province_code" in partition_by
                and current is not None
                and current.summary.get(PUBLICATION_PROPERTY) == changes.base
            )
            where = ""
            replaced: str | BooleanExpression | None = None if current is None else AlwaysTrue()
            if partial and changes is not None:
                # nothing changed there (only rejected files, or the same values again): an empty commit, tagged
                where, replaced = _changed_part(changes, by_year="period_year" in partition_by)
            table = _evolve(table, schema)
            _replace(
                table,
                con.sql(f"SELECT * FROM ({sql}){where}").to_arrow_reader(CHUNK_ROWS),
                schema,
                replaced,
                {PUBLICATION_PROPERTY: publication},
                expire=_no_longer_kept(table, kept),
            )
            snapshot = table.current_snapshot()  # the commit updated ``table`` (re-reading it took 0.2 s at XL)
            rows = int(snapshot.summary.get("total-records", 0)) if snapshot else 0
            done.append(LakeWrite(name, rows, snapshot.snapshot_id if snapshot else None, True))
    return done


def _changed_part(changes: Changes, by_year: bool) -> tuple[str, str | BooleanExpression]:
    """The rows to write again (a ``WHERE`` on the table's query) and the Iceberg filter of the rows they replace,
    the same condition in both (pyiceberg parses it): the changed (province, year) partitions of a table
    partitioned by both, else the provinces recomputed."""
    from pyiceberg.expressions import AlwaysFalse

    if by_year and changes.partitions is not None:
        parts = sorted(set(changes.partitions), key=repr)
        condition = " OR ".join(
            f"(province_code = {_text(p)} AND "
            + ("period_year IS NULL" if y is None else f"period_year = {int(y)}")
            + ")"
            for p, y in parts
        )
    else:
        condition = " OR ".join(f"province_code = {_text(p)}" for p in sorted(set(changes.provinces)))
    if not condition:
        return " WHERE false", AlwaysFalse()
    return f" WHERE {condition}", condition


def _text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _no_longer_kept(table, kept: set[str]) -> list[int]:
    """The snapshots of ``table`` tagged with a publication not in ``kept`` (or with none), when there are at least
    ``EXPIRE_AFTER`` of them; else none (expired together, not one commit's worth at a time)."""
    old = [
        s.snapshot_id
        for s in table.metadata.snapshots
        if (s.summary.get(PUBLICATION_PROPERTY) if s.summary else None) not in kept
    ]
    return old if len(old) >= EXPIRE_AFTER else []


def _replace(table, batches, schema: pa.Schema, replaced, tag: dict[str, str], expire: list[int]) -> None:
    """One commit: the rows matching ``replaced`` deleted (none for a new table), then ``batches`` appended a
    chunk at a time (memory stays bounded by a chunk, not the table), every snapshot tagged with the publication,
    and the snapshots ``expire`` removed from the table's metadata. An empty set of rows still makes a tagged
    snapshot, so the lake says which publication it holds."""
    from pyiceberg.table.update.snapshot import ExpireSnapshots

    with table.transaction() as tx:
        if replaced is not None:
            with warnings.catch_warnings():  # "Delete operation did not match any records" (a new province)
                warnings.simplefilter("ignore", UserWarning)
                tx.delete(replaced, snapshot_properties=tag)
        appended = 0
        for batch in batches:
            if batch.num_rows:
                tx.append(pa.Table.from_batches([batch]), snapshot_properties=tag)
                appended += batch.num_rows
        if not appended:
            tx.append(schema.empty_table(), snapshot_properties=tag)
        if expire:  # after the appends: the snapshot current before them is no branch head any more
            ExpireSnapshots(tx).by_ids(expire).commit()


def _table(catalog, name: str, partition_by: tuple[str, ...], schema: pa.Schema):
    identifier = (NAMESPACE, name)
    if catalog.table_exists(identifier):
        return catalog.load_table(identifier)
    table = catalog.create_table(identifier, schema=schema, properties=TABLE_PROPERTIES)
    if partition_by:
        with table.update_spec() as spec:
            for column in partition_by:
                spec.add_identity(column)
    return catalog.load_table(identifier)


def _evolve(table, schema: pa.Schema):
    """A column the warehouse gained is added to the Iceberg table (schema evolution), never dropped."""
    known = {f.name for f in table.schema().fields}
    if any(f.name not in known for f in schema):
        with table.update_schema() as update:
            update.union_by_name(schema)
        return table.refresh()
    return table


def lake_row_counts(lake: Path | None = None, instance_url: str | None = None) -> dict[str, int]:
    """Rows of each lake table in its current snapshot (from the snapshot summary Iceberg keeps)."""
    catalog = open_catalog(lake, instance_url)
    counts = {}
    for name in LAKE_TABLES:
        snapshot = catalog.load_table((NAMESPACE, name)).current_snapshot()
        counts[name] = int(snapshot.summary.get("total-records", 0)) if snapshot else 0
    return counts
