"""What a warehouse build depends on, as digests: the code key (reader, specs, suites, unit lists, warehouse
code and catalogue) and one digest per archived file (its deliveries and recorded outcome). The build step
compares them with the publication in place (nothing changed: no build; some files changed: an incremental
build; the code changed: a full one), and ``xhs run`` compares them before it launches anything."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sources.archive.landing import Refusal
from sources.archive.raw import ArchivedObject
from sources.specs.model import load_specs
from sources.staging.digests import department_digest, reader_code_digest

ROOT = Path(__file__).resolve().parent.parent


def code_key() -> str:
    """What every table depends on besides the files: the reader code, the specs and suites, the unit lists,
    and the warehouse code, SQL and catalogue. When it changes, the warehouse is built again in full."""
    h = hashlib.sha256(reader_code_digest().encode())
    for source in sorted(load_specs()):
        h.update(department_digest(source).encode())
    here = ROOT
    code = [
        *(here / "warehouse").glob("*.py"),
        *(here / "warehouse" / "sql").glob("*.sql"),  # not release/
        *(here / "warehouse").glob("*.yaml"),
        here / "expectations" / "fact_indicator.json",
        here / "assets" / "warehouse.py",
    ]
    for p in sorted(code):
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def file_digests(files: list[ArchivedObject], outcomes: dict[str, str]) -> dict[str, str]:
    """Per file (sha256): a digest of its deliveries and of its recorded outcome (``outcomes``:
    ``StateStore.outcome_digests``, the status, period, findings, read key): what the warehouse holds of it. A
    file whose digest differs from the published build's has changed."""
    return {
        obj.sha256: hashlib.sha256(repr((obj, outcomes.get(obj.sha256))).encode()).hexdigest()[:20] for obj in files
    }


def refusals_digest(refused: list[Refusal]) -> str:
    """A digest of the landing entries that were not opened (their ``meta_finding`` rows)."""
    return hashlib.sha256(repr(sorted(refused, key=repr)).encode()).hexdigest()[:20]


def inputs_key(code: str, digests: dict[str, str]) -> str:
    """Everything the build reads: the code key and every file's digest."""
    h = hashlib.sha256(code.encode())
    for sha, digest in sorted(digests.items()):
        h.update(f"{sha}:{digest};".encode())
    return h.hexdigest()
