"""Derive the small built-in unit lists (the sample provinces, and every province row) from the full national
reference lists.

    python -m sources.areas.curate /path/to/reference

The full lists are not kept in the repository: a deployment points ``XHS_REFERENCE`` at them.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

# The post-reform provinces of the samples (Thái Nguyên absorbed Bắc Kạn; Vĩnh Long absorbed Bến Tre and
# Trà Vinh; Sơn La kept its boundary) and every pre-reform province that went into them, so that roll-ups
# to today's provinces know all their predecessors.
POST_REFORM_PROVINCES = {"19", "14", "86"}
PRE_REFORM_PROVINCES = {"06", "19", "14", "83", "84", "86"}
HERE = Path(__file__).parent / "builtin"


def _filter(src: Path, dst: Path, keep) -> int:
    with src.open(encoding="utf-8", newline="") as fin, dst.open("w", encoding="utf-8", newline="") as fout:
        reader = csv.DictReader(fin)
        if reader.fieldnames is None:
            raise ValueError(f"tệp {src} trống, không có dòng tiêu đề / {src} is empty: it has no header row")
        writer = csv.DictWriter(fout, fieldnames=reader.fieldnames, lineterminator="\n")
        writer.writeheader()
        rows = [row for row in reader if keep(row)]
        writer.writerows(rows)
    return len(rows)


def main(reference: str) -> None:
    ref = Path(reference)
    # Every province row is kept (97 rows in all), so national tables by province read without XHS_REFERENCE.
    n = _filter(
        ref / "admin_units_2025-03-01.csv",
        HERE / "admin_units_2025-03-01.csv",
        lambda r: r["province_code"] in PRE_REFORM_PROVINCES or r["level"] == "province",
    )
    m = _filter(
        ref / "admin_units_2025-07-01.csv",
        HERE / "admin_units_2025-07-01.csv",
        lambda r: r["province_code"] in POST_REFORM_PROVINCES or r["level"] == "province",
    )
    k = _filter(
        ref / "admin_crosswalk_2025-07-01.csv",
        HERE / "admin_crosswalk_2025-07-01.csv",
        lambda r: r["old_province_code"] in PRE_REFORM_PROVINCES,
    )
    print(f"pre-reform units {n}, post-reform units {m}, crosswalk rows {k}")


if __name__ == "__main__":
    main(sys.argv[1])
