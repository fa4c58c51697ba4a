"""What a lake commit costs as snapshots gather (issue #28): ``warehouse.lake`` expires the snapshots of publications
no longer kept once ``EXPIRE_AFTER`` of them have gathered, and pyiceberg copies a table's whole metadata, every
snapshot listed, several times per commit.

    python -m bench.lake_snapshots --runs 120 --expire-after 10 50

One pyiceberg table partitioned as ``fact_indicator`` is (province, year), 34 provinces; each "run" replaces one
province's year as an incremental publication does (a delete and an append in one transaction, tagged with the
publication), five publications kept, and expires the snapshots of older ones as ``warehouse.lake`` does. Prints,
for each threshold, the mean, median and largest commit after the first 20 runs. Writes under a temporary folder.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import warnings
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

PROVINCES = [f"{i:02d}" for i in range(1, 35)]
KEPT = 5  # warehouse.publish.KEEP_VERSIONS


def _rows(provinces: list[str], per_province: int) -> pa.Table:
    return pa.table(
        {
            "province_code": [p for p in provinces for _ in range(per_province)],
            "period_year": pa.array([2024 + i % 3 for _ in provinces for i in range(per_province)], pa.int32()),
            "value": pa.array([float(i) for _ in provinces for i in range(per_province)]),
        }
    )


def commits(folder: Path, expire_after: int, runs: int) -> list[float]:
    from pyiceberg.catalog.sql import SqlCatalog
    from pyiceberg.table.update.snapshot import ExpireSnapshots

    catalog = SqlCatalog("bench", uri=f"sqlite:///{folder}/catalog.db", warehouse=folder.as_uri())
    catalog.create_namespace("xhs")
    table = catalog.create_table(("xhs", "facts"), schema=_rows(PROVINCES[:1], 1).schema)
    with table.update_spec() as spec:
        spec.add_identity("province_code")
        spec.add_identity("period_year")
    table = catalog.load_table(("xhs", "facts"))
    with table.transaction() as tx:
        tx.append(_rows(PROVINCES, 3000), snapshot_properties={"xhs.publication": "0"})
    seconds = []
    for run in range(1, runs + 1):
        province = PROVINCES[run % len(PROVINCES)]
        kept = {str(i) for i in range(run - KEPT + 1, run + 1)}
        old = [s.snapshot_id for s in table.metadata.snapshots if s.summary.get("xhs.publication") not in kept]
        expire = old if len(old) >= expire_after else []
        new = _rows([province], 1000)
        new = new.filter(pc.equal(new["period_year"], 2025))
        tag = {"xhs.publication": str(run)}
        start = time.perf_counter()
        with warnings.catch_warnings(), table.transaction() as tx:
            warnings.simplefilter("ignore", UserWarning)
            tx.delete(f"province_code = '{province}' AND period_year = 2025", snapshot_properties=tag)
            tx.append(new, snapshot_properties=tag)
            if expire:
                ExpireSnapshots(tx).by_ids(expire).commit()
        seconds.append(time.perf_counter() - start)
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=120)
    parser.add_argument("--expire-after", type=int, nargs="+", default=[10, 50])
    args = parser.parse_args(argv)
    for threshold in args.expire_after:
        with tempfile.TemporaryDirectory(prefix="xhs-lake-bench-") as folder:
            spent = commits(Path(folder), threshold, args.runs)[20:]
        print(
            f"EXPIRE_AFTER {threshold}: a commit {statistics.mean(spent) * 1000:.0f} ms on average, median "
            f"{statistics.median(spent) * 1000:.0f} ms, at most {max(spent) * 1000:.0f} ms ({args.runs} runs)",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
