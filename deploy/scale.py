"""``make scale``: the grown set-up of DESIGN §9b on this one machine, start to finish (issue #15).

1. start a throwaway PostgreSQL on loopback (Debian's initdb + pg_ctl; password authentication);
2. ``xhs run --rebuild`` on the sample files in ``landing/`` through a Dagster instance on that PostgreSQL
   (``XHS_INSTANCE=postgres``, password given in a 0600 file), with the multiprocess executor, into its own
   folders (``data/scale/``, ``warehouse/scale/xhs.duckdb``) so it really builds: ``--rebuild`` launches the run
   even when a ``make scale`` before left nothing new (the point is to show a run on the fresh instance; without
   it the second ``make scale`` launched nothing and found no run to show, issue #26);
3. the publication goes to the DuckDB file and to the Iceberg lake ``lake/`` (catalog ``lake/catalog.db``:
   the server is thrown away at the end, so the catalog is kept in SQLite, ``XHS_LAKE_CATALOG=sqlite``);
4. reads the lake back with Polars and compares it with DuckDB;
5. prints what it did and stops the server. Exit 0 when everything matched."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from deploy.local_postgres import PostgresUnavailable, start_local_postgres
from sources.archive.landing import list_landing


def main() -> int:
    root = Path.cwd()
    landing = Path(os.environ.get("XHS_LANDING") or root / "landing")
    if not list_landing(landing).files:  # listed as xhs lists it: no link followed
        print(
            f"no sample files in {landing}: run `make run` first / chưa có tệp mẫu: chạy `make run` trước",
            file=sys.stderr,
        )
        return 2
    warehouse = root / "warehouse" / "scale" / "xhs.duckdb"
    lake = Path(os.environ.get("XHS_LAKE") or root / "lake")
    try:
        t0 = time.monotonic()
        server = start_local_postgres()
    except PostgresUnavailable as exc:
        print(f"make scale: {exc}", file=sys.stderr)
        return 2
    with server, tempfile.TemporaryDirectory(prefix="xhs-secret-") as secret_dir:
        print(
            f"1. PostgreSQL started on 127.0.0.1:{server.port} in {time.monotonic() - t0:.1f} s "
            f"(throwaway cluster {server.data_dir}{', run as ' + server.run_as if server.run_as else ''})"
        )
        secret = Path(secret_dir) / "pgpassword"
        secret.write_text(server.password, encoding="utf-8")
        secret.chmod(0o600)
        env = {
            **{k: v for k, v in os.environ.items() if k != "PGPASSWORD"},
            "XHS_INSTANCE": "postgres",
            "XHS_POSTGRES_URL": server.url,
            "XHS_POSTGRES_PASSWORD_FILE": str(secret),
            "XHS_EXECUTOR": "multiprocess",
            "XHS_LAKE_CATALOG": "sqlite",
            "XHS_LAKE": str(lake),
            "XHS_LANDING": str(landing),
            "XHS_DATA": str(root / "data" / "scale"),
            "XHS_WAREHOUSE": str(warehouse),
            "DAGSTER_HOME": str(root / ".dagster" / "scale"),
        }
        print(f"2. xhs run --rebuild: instance PostgreSQL {server.url}, multiprocess executor, landing {landing}")
        t1 = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "pipelines.cli", "run", "--rebuild"],
            env=env,
            cwd=root,
            text=True,
            capture_output=True,
        )
        print("   " + done.stdout.strip().replace("\n", "\n   "))
        if done.returncode not in (0, 1):
            print(done.stderr, file=sys.stderr)
            return 2
        print(f"   finished in {time.monotonic() - t1:.1f} s, exit {done.returncode}")
        ok = report_instance(env, server.password) & report_lake(warehouse, lake, env)
    print(
        f"5. PostgreSQL stopped and its cluster removed; DuckDB {warehouse}, lake {lake} (catalog "
        f"{lake / 'catalog.db'})"
    )
    return 0 if ok else 1


def report_instance(env: dict[str, str], password: str) -> bool:
    import dagster as dg

    os.environ.update({k: env[k] for k in ("XHS_INSTANCE", "XHS_POSTGRES_URL")})
    os.environ["PGPASSWORD"] = password
    with dg.DagsterInstance.from_config(env["DAGSTER_HOME"]) as instance:
        runs = instance.get_runs()
        if not runs:
            print("3. no run recorded in PostgreSQL / không có lần chạy nào được ghi", file=sys.stderr)
            return False
        run = runs[0]
        workers = instance.all_logs(run.run_id, of_type=dg.DagsterEventType.STEP_WORKER_STARTED)
        steps = instance.all_logs(run.run_id, of_type=dg.DagsterEventType.STEP_SUCCESS)
        print(
            f"3. recorded in PostgreSQL ({type(instance.run_storage).__name__}): run {run.run_id[:8]} "
            f"{run.status.value}, {len(steps)} steps in {len({e.get_dagster_event().pid for e in workers})} worker "
            f"processes, pool duckdb_writer limit "
            f"{instance.event_log_storage.get_concurrency_info('duckdb_writer').slot_count}"
        )
        return run.status == dg.DagsterRunStatus.SUCCESS


def report_lake(warehouse: Path, lake: Path, env: dict[str, str]) -> bool:
    import polars as pl

    from warehouse.lake import LAKE_TABLES, NAMESPACE, PUBLICATION_PROPERTY, open_catalog

    os.environ.update({"XHS_LAKE_CATALOG": env["XHS_LAKE_CATALOG"], "POLARS_ICEBERG_PLANNER": "pyiceberg"})
    catalog = open_catalog(lake)
    ok = True
    print(f"4. lake read back with Polars (pl.scan_iceberg), catalog {lake / 'catalog.db'}:")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for name in LAKE_TABLES:
            table = catalog.load_table((NAMESPACE, name))
            frame = pl.scan_iceberg(table).collect()
            in_duckdb = con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0]
            same = frame.height == in_duckdb
            ok &= same
            snapshots = table.snapshots()
            publications = len({s.summary.get(PUBLICATION_PROPERTY) for s in snapshots})
            print(
                f"   {NAMESPACE}.{name}: {frame.height} rows (DuckDB {in_duckdb}: "
                f"{'equal' if same else 'DIFFERENT'}), {len(snapshots)} snapshot(s) from {publications} "
                f"publication(s), partitioned by "
                f"{[f.name for f in table.spec().fields] or 'nothing'}"
            )
        facts = pl.scan_iceberg(catalog.load_table((NAMESPACE, "fact_indicator")))
        codes = facts.select(pl.col("province_code").unique().sort()).collect()["province_code"]
        text = codes.dtype == pl.String
        ok &= text
        print(f"   province codes read back as {codes.dtype}: {codes.to_list()}")
    return ok


if __name__ == "__main__":
    sys.exit(main())
