"""Hostile and personal input (DESIGN §2 "untrusted files are parsed at arm's length", §8).

Every delivered file passes through here before the reader sees a cell (``sources.reading.reader.read_file``):

1. **Identify** by magic bytes (``sniff``): ``PK\\3\\4`` xlsx, ``D0CF11E0`` OLE2 (xls, or an encrypted xlsx),
   else text/CSV; HTML saved as ``.xls`` is refused with that reason; a suffix that disagrees with the bytes is a
   warning and the file is read as what it really is.
2. **Bound** the container (``zipguard``, ``ole``): entry count, the real inflated bytes of each entry (streamed
   with a cap), compression ratio, XML ``DOCTYPE``/``ENTITY`` declarations (billion laughs, XXE), each sheet's
   cells with a value against a rows × columns budget (``extent``: counted as they stream past, never taken from
   the ``<dimension>`` or ``DIMENSIONS`` a sheet declares), the shared strings table, text runs longer than one
   cell can hold.
3. **Refuse what must not be read**: password-protected workbooks; **macro-enabled workbooks** (``.xlsm``, a
   ``vbaProject.bin``, an .xls with VBA storage) are refused with "save as .xlsx": calamine would never run the
   macros, but a macro may be what computes the figures, and a department re-saves in seconds. Formulas and
   links to other workbooks: only the values cached in the file are read (calamine never evaluates a formula
   nor opens a linked file); a workbook with external links gets a warning saying so.
4. **Parse in a child process** (``sandbox``/``worker``) under ``RLIMIT_AS``, ``RLIMIT_CPU`` and a wall timeout;
   a crash or an abort becomes an ``unreadable`` finding (``reader_crashed``/``reader_timeout``), never a dead run.
5. **Personal data** (``personal``): a sheet that looks like a list of people is refused (``personal_data``);
   the pipeline then moves the archived file to the restricted quarantine (``RawArchive.restrict``) and stores
   nothing of its values; messages show masked values only.

Limits are in ``limits``; every refusal rule is in ``limits.REFUSAL_RULES`` (status ``unreadable``).
"""

from __future__ import annotations

from pathlib import Path

try:  # asserted at start-up: the XML this package parses itself goes through defusedxml
    import defusedxml
    from defusedxml import ElementTree as _SafeET  # noqa: F401
except ImportError as exc:  # pragma: no cover - the lock pins it
    raise ImportError("defusedxml is required to read untrusted workbooks (pip install defusedxml)") from exc

from sources.common.findings import Finding
from sources.intake.grid import Sheet
from sources.intake.limits import REFUSAL_RULES
from sources.intake.personal import mask, person_list_findings
from sources.intake.sandbox import Sandbox, read_in_sandbox, shared_sandbox

MAY_IMPORT: tuple[str, ...] = ("common",)  # the rooms of sources/ this one may import (tests/test_imports.py)
DEFUSEDXML_VERSION = defusedxml.__version__


def read_untrusted(path: Path, name: str, sandbox: Sandbox | None = None) -> tuple[list[Finding], list[Sheet] | None]:
    """Identify, bound and parse a delivered file at arm's length, then refuse it if it lists people.
    Returns (findings, sheets); ``sheets`` is None when the file is refused."""
    findings, sheets = read_in_sandbox(path, name, sandbox)
    if sheets is not None and (personal := person_list_findings(sheets, name)):
        return [*findings, *personal], None
    return findings, sheets


__all__ = ["REFUSAL_RULES", "Sandbox", "mask", "read_untrusted", "shared_sandbox"]
