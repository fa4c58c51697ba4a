"""The pipeline a team would write first, to measure xhs against: for each file, pandas ``read_excel`` with
openpyxl, the same table-finding and casting rules as the real reader (so the same values come out), the
same Great Expectations suite run on that one file, then one ``INSERT`` per value into DuckDB.

    python -m bench.naive LANDING_DIR WAREHOUSE.duckdb      # prints files, rows, seconds

Only the I/O and the per-row work are naive; the reading rules are ours (a fair comparison: the naive
version must produce the same rows). Merged-cell ranges are not passed on (pandas does not expose them),
which the sample layouts do not need to be read.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import duckdb


def pandas_sheets(path: Path):
    """Every sheet through pandas + openpyxl, as the reader's ``Sheet`` grids (NaN → empty, numbers float)."""
    import math

    import pandas as pd

    from sources.intake.grid import Sheet

    frames = pd.read_excel(path, sheet_name=None, header=None, engine="openpyxl", dtype=object)
    sheets = []
    for name, df in frames.items():
        rows = []
        for row in df.itertuples(index=False):
            out = []
            for v in row:
                if v is None or (isinstance(v, float) and math.isnan(v)):
                    out.append(None)
                elif isinstance(v, int | float) and not isinstance(v, bool):
                    out.append(float(v))
                else:
                    out.append(str(v))
            rows.append(out)
        sheets.append(Sheet(str(name), rows))
    return sheets


def run(landing: Path, warehouse: Path, files: list[Path] | None = None) -> dict[str, float]:
    from expectations.files import read_checked
    from sources.reading import reader
    from sources.specs.model import load_specs

    reader.read_sheets = pandas_sheets  # the naive I/O: pandas + openpyxl instead of calamine
    specs = load_specs()
    warehouse.unlink(missing_ok=True)
    con = duckdb.connect(str(warehouse))
    con.execute(
        "CREATE TABLE fact (source VARCHAR, period_code VARCHAR, area_code VARCHAR, field VARCHAR, "
        "value DOUBLE, file VARCHAR, cell VARCHAR)"
    )
    files = files if files is not None else sorted(p for p in landing.rglob("*") if p.suffix == ".xlsx")
    t0 = time.perf_counter()
    rows = loaded = 0
    for path in files:
        source = path.relative_to(landing).parts[0]
        result = read_checked(path, specs.get(source))  # read + the same GE suite, one file at a time
        if not result.ok:
            continue
        loaded += 1
        for r in result.values.iter_rows(named=True):  # row by row, as a first version does
            con.execute(
                "INSERT INTO fact VALUES (?, ?, ?, ?, ?, ?, ?)",
                [r["source"], r["period_code"], r["area_code"], r["field"], r["value"], path.name, r["cell"]],
            )
            rows += 1
    con.close()
    return {"files": len(files), "loaded": loaded, "rows": rows, "seconds": time.perf_counter() - t0}


if __name__ == "__main__":
    landing, warehouse = Path(sys.argv[1]), Path(sys.argv[2])
    start = time.perf_counter()
    out = run(landing, warehouse)
    print({**out, "seconds_with_startup": time.perf_counter() - start})
