"""The reader's digest (``sources.staging.digests.reader_code_digest``) is part of every cached read's key: when it
changes, every file is read again (365 s at size XL). It must depend on the code, the vocabulary and the unit
lists, never on where the checkout and the reference folder lie on the disk."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from sources.areas.units import BUILTIN_UNITS

REPO = Path(__file__).resolve().parents[1]


def checkout_copy(target: Path) -> Path:
    """The parts of the repository the digest reads (and imports), copied to ``target``."""
    for room in ("sources", "expectations"):
        shutil.copytree(REPO / room, target / room, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def digest_in(checkout: Path, reference: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-c", "from sources.staging.digests import reader_code_digest as d; print(d())"],
        cwd=checkout,
        env={**os.environ, "PYTHONPATH": str(checkout), "XHS_REFERENCE": str(reference)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_the_digest_does_not_depend_on_where_the_checkout_lies(tmp_path: Path) -> None:
    # by absolute path, the first checkout's code sorts before the reference folder and the second's after it
    reference = tmp_path / "m_reference"
    shutil.copytree(BUILTIN_UNITS, reference)
    before, after = checkout_copy(tmp_path / "a_checkout"), checkout_copy(tmp_path / "z_checkout")
    assert digest_in(before, reference) == digest_in(after, reference)
    # and it still changes with the unit lists and with the reader's code
    first = digest_in(before, reference)
    unit_list = next(reference.glob("*.csv"))
    unit_list.write_bytes(unit_list.read_bytes() + b"\n")
    assert digest_in(before, reference) != first
    edited = before / "sources" / "reading" / "reader.py"
    changed = digest_in(before, reference)
    edited.write_text(edited.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert digest_in(before, reference) != changed
