"""What a cached read depends on besides the bytes, as digests of files: the reader's code, the shared vocabulary,
the suite code and the unit lists (``reader_code_digest``), and each department's spec and hand-written
expectations (``department_digest``). Kept apart from the reader so that ``xhs run`` can tell whether anything
changed without importing it."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from sources.areas.units import reference_folder
from sources.specs.model import SPEC_DIR, load_specs

# The rooms whose code decides what a cached read holds (the archive, the reply workbook and the run's
# machinery do not: editing them re-reads nothing).
READER_ROOMS = ("common", "specs", "areas", "intake", "reading", "staging")
SUITE_DIR = Path(__file__).parents[2] / "expectations"  # hand-written suites, beside their runner


@cache
def reader_code_digest() -> str:
    """The reader's code, the shared vocabulary (``specs/_common.yaml``), the suite code and the unit lists:
    when any of them changes, every file is read again."""
    h = hashlib.sha256()
    for _, p in reader_inputs():
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def reader_inputs() -> list[tuple[str, Path]]:
    """The files ``reader_code_digest`` hashes, in the order it hashes them: the code and the vocabulary by their
    path in the repository, then the unit lists by name. Never by absolute path: sorted so, the order (and every
    cached read's key) changed with where the checkout and the reference folder lie relative to each other, and a
    checkout moved beside them read every file again (365 s at size XL)."""
    root = Path(__file__).parents[2]
    sources = root / "sources"
    code = [*(p for room in READER_ROOMS for p in (sources / room).glob("*.py")), *SUITE_DIR.glob("*.py")]
    named = [(p.relative_to(root).as_posix(), p) for p in [*code, SPEC_DIR / "_common.yaml"]]
    units = [(f"reference/{p.name}", p) for p in reference_folder().glob("*.csv")]
    return sorted(named) + sorted(units)


@cache
def department_digest(source: str | None) -> str:
    """A department's spec and its hand-written expectations; for a file whose department is detected from
    its headers (``source`` None or not a spec), every spec: editing one spec re-reads only its files."""
    specs = load_specs()
    chosen = [source] if source in specs else sorted(specs)
    h = hashlib.sha256()
    for name in chosen:
        for p in (specs[name].path, SUITE_DIR / f"{name}.json"):
            if p.exists():
                h.update(p.name.encode())
                h.update(p.read_bytes())
    return h.hexdigest()[:16]
