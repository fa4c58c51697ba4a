"""Deterministic sample workbooks: what the provincial departments e-mail, for Bắc Kạn, Sơn La and Bến Tre
(2020–2024, district rows) and post-reform Thái Nguyên (2025-H2, commune rows).

    from sources.samples import write_samples
    paths = write_samples(Path("landing"))   # landing/<source>/<file>, same bytes on every run

The numbers are in ``figures`` (province totals reproduce ``shared/reference/seed_facts.csv``, see
``seed_mapping.yaml``); the look of each file is in ``plan`` (styles), ``layouts`` and ``headers`` (grids),
``writers`` (bytes).
"""

from __future__ import annotations

from pathlib import Path

from sources.samples.layouts import build_sheets
from sources.samples.national import national_files
from sources.samples.plan import plan
from sources.samples.real_layouts import real_layout_files
from sources.samples.writers import to_bytes

MAY_IMPORT: tuple[str, ...] = ("common", "specs")  # the rooms of sources/ this one may import (tests/test_imports.py)
__all__ = ["sample_files", "write_samples"]


def sample_files() -> dict[str, bytes]:
    """Every sample file as ``<source>/<filename>`` → bytes."""
    out: dict[str, bytes] = {}
    for key, style in plan().items():
        name = f"{key[1]}/{style.filename}"
        if name in out:
            raise ValueError(f"two sample files would be written as {name}")
        out[name] = to_bytes(build_sheets(key, style), style)
    # the same figures as real files lay them out; national tables by province (one file per period)
    for name, data in {**real_layout_files(), **national_files()}.items():
        if name in out:
            raise ValueError(f"two sample files would be written as {name}")
        out[name] = data
    return out


def write_samples(out: Path) -> list[Path]:
    """Write every sample file as ``out/<source>/<filename>``; returns the paths, sorted."""
    paths = []
    for name, data in sample_files().items():
        path = Path(out) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        paths.append(path)
    return sorted(paths)
