"""The parsing process: every byte of a delivered file is looked at here, never in the pipeline's process.

    python -m sources.intake.worker MEMORY_BYTES CPU_SECONDS

The worker limits its own address space (``RLIMIT_AS``) and, before each file, its CPU time (``RLIMIT_CPU``:
SIGXCPU past the budget), disables core dumps, then serves requests on stdin/stdout: an 8-byte big-endian length,
then JSON. For each file it identifies the format by magic bytes, bounds the zip or OLE2 container
(``zipguard``, ``ole``), parses it with calamine only when nothing was refused, and answers with the findings and
the grid (cells are str / float / None — JSON, never pickle, so a compromised worker cannot run code in the
parent). A crafted file that makes calamine abort kills only this process; the parent reports it and starts a
new worker.
"""

from __future__ import annotations

import json
import os
import re
import resource
import struct
import sys
from pathlib import Path
from typing import Any

from python_calamine import CalamineError

from sources.common.findings import Finding, cell_address, error, warning
from sources.intake import limits as L
from sources.intake.extent import TooLarge
from sources.intake.grid import Sheet, decode_text, read_sheets
from sources.intake.legacy import _LEGACY_MARKS as LEGACY_MARKS
from sources.intake.ole import inspect_ole
from sources.intake.refusals import sheet_too_large
from sources.intake.sniff import EXPECTED, KIND_NAMES, describe, sniff
from sources.intake.zipguard import inspect_zip

FORMAT_OF = {"zip": "xlsx", "ole2": "xls", "text": "csv"}


def check_and_read(path: Path, name: str, guard: bool = True) -> tuple[list[Finding], list[Sheet] | None]:
    """Identify, bound and parse one file: (findings, sheets); ``sheets`` is None when the file is refused.
    ``guard=False`` skips identification and bounds (tests and benchmarks of the sandbox alone)."""
    if not guard:
        return _parse(path, name, None, [])
    try:
        size = path.stat().st_size
    except OSError as exc:
        return [unreadable(name, exc)], None
    if size > L.MAX_FILE_BYTES:
        return [
            error(
                "file_too_large",
                f"Tệp {name} nặng {size} byte (tối đa {L.MAX_FILE_BYTES}).",
                f"File {name} is {size} bytes (at most {L.MAX_FILE_BYTES}).",
                file=name,
                expected=f"≤ {L.MAX_FILE_BYTES}",
                found=str(size),
            )
        ], None
    kind, head = sniff(path)
    findings = _identify(kind, head, Path(name).suffix.lower(), name)
    data = None  # what calamine reads instead of the file: an .xls whose DIMENSIONS records were rewritten
    if kind == "zip":
        container = inspect_zip(path, name)
    elif kind == "ole2":
        ole = inspect_ole(path, name)
        container, data = ole.findings, ole.data
    else:
        container = _csv_checks(path, name) if kind == "text" else []
    if refusals := [f for f in [*findings, *container] if f.severity == "error"]:
        return refusals, None  # the reason alone: an encrypted .xlsx is OLE2, no "extension mismatch" noise
    findings += container
    return _parse(path, name, FORMAT_OF[kind], findings, data)


def _parse(
    path: Path, name: str, fmt: str | None, findings: list[Finding], data: bytes | None = None
) -> tuple[list[Finding], list[Sheet] | None]:
    try:
        sheets = read_sheets(path, fmt, data)
    except TooLarge as too_large:  # a CSV, counted as it is parsed
        return [*findings, sheet_too_large(name, Path(name).stem, too_large.extent)], None
    except (CalamineError, UnicodeDecodeError, OSError, ValueError) as exc:
        return [*findings, unreadable(name, exc)], None
    except MemoryError:
        return [*findings, crashed(name, f"MemoryError (limit {L.WORKER_MEMORY_BYTES // L.MiB} MiB)")], None
    too_long = _long_cell(sheets, name)
    return ([*findings, too_long], None) if too_long else (findings, sheets)


def _identify(kind: str, head: bytes, suffix: str, name: str) -> list[Finding]:
    expected = EXPECTED.get(suffix)
    where = {"file": name, "expected": KIND_NAMES.get(expected or "", suffix or "?"), "found": KIND_NAMES[kind]}
    if kind == "empty":
        return [error("empty_file", f"Tệp {name} rỗng (0 byte).", f"File {name} is empty (0 bytes).", **where)]
    if kind == "html":
        return [
            error(
                "html_not_workbook",
                f"Tệp {name} là trang web (HTML) mang đuôi {suffix}, không phải sổ tính "
                "Excel: hãy mở bằng Excel, lưu thành .xlsx rồi gửi lại.",
                f"File {name} is a web page (HTML) "
                f"named {suffix}, not an Excel workbook: open it in Excel, save it as .xlsx and send it again.",
                **where,
            )
        ]
    if kind == "spreadsheetml":
        return [
            error(
                "unsupported_format",
                f"Tệp {name} là định dạng Excel 2003 XML: hãy lưu thành .xlsx.",
                f"File {name} is in the Excel 2003 XML format: save it as .xlsx.",
                **where,
            )
        ]
    # An .xlsx is always a zip: text named .xlsx is refused. Text named .xls (the tab- or comma-separated
    # "Excel" exports of many government systems) is read as CSV, with a warning.
    if kind == "binary" or (kind == "text" and expected == "zip"):
        return [
            error(
                "unreadable",
                f"Tệp {name} không phải sổ tính (cần {where['expected']}, thấy "
                f"{where['found']}; các byte đầu: {describe(head)}).",
                f"File {name} is not a workbook (expected "
                f"{where['expected']}, found {where['found']}; first bytes: {describe(head)}).",
                **where,
            )
        ]
    if expected and kind != expected:
        return [
            warning(
                "extension_mismatch",
                f"Tệp {name} mang đuôi {suffix} nhưng nội dung là {KIND_NAMES[kind]}: đọc theo nội dung thật.",
                f"File {name} is named {suffix} but holds {KIND_NAMES[kind]}: read as what it really is.",
                **where,
            )
        ]
    return []


def _csv_checks(path: Path, name: str) -> list[Finding]:
    """Text in a Windows code page or with stray NUL bytes is read with a warning saying so, text typed in a legacy
    Vietnamese font encoding (TCVN3, VNI) is refused: read as a code page it is gibberish. (A CSV's size is held
    to the budget by its cells with a value, counted as it is parsed: ``grid.read_csv``.)"""
    try:
        decoded = decode_text(path.read_bytes())
    except (UnicodeDecodeError, ValueError) as exc:
        return [unreadable(name, exc)]
    if decoded.code_page and (legacy := _legacy_font(decoded.text)):
        font, word = legacy[0], legacy[1][:40]
        return [
            error(
                "unreadable",
                f"Tệp {name} không phải văn bản Unicode (UTF-8): chữ được gõ bằng bảng mã {font} "
                f'(ví dụ "{word}"). Hãy chuyển mã sang Unicode (ví dụ Unikey: Công cụ chuyển mã) rồi gửi lại.',
                f"File {name} is not UTF-8 (Unicode) text: it is typed in the legacy {font} encoding (e.g. "
                f'"{word}"). Convert it to Unicode (e.g. Unikey\'s converter) and send it again.',
                file=name,
                expected="Unicode (UTF-8)",
                found=font,
            )
        ]
    if not (decoded.code_page or decoded.nuls):
        return []
    read_vi = f"đọc theo bảng mã {decoded.code_page}" if decoded.code_page else "đọc theo UTF-8"
    read_en = f"decoded as code page {decoded.code_page}" if decoded.code_page else "decoded as UTF-8"
    nul_vi = f"; bỏ qua {decoded.nuls} byte NUL lạc" if decoded.nuls else ""
    nul_en = f"; {decoded.nuls} stray NUL byte{'s' if decoded.nuls > 1 else ''} ignored" if decoded.nuls else ""
    return [
        warning(
            "text_encoding",
            f"Tệp {name} không phải UTF-8 chuẩn: {read_vi}{nul_vi}. Nên lưu lại thành CSV UTF-8.",
            f"File {name} is not plain UTF-8: {read_en}{nul_en}. Saving it as CSV UTF-8 is better.",
            file=name,
            expected="UTF-8",
            found=f"{decoded.code_page or 'UTF-8'}, {decoded.nuls} NUL",
        )
    ]


_WORD = re.compile(r"[^\s,;\"'()\[\]0-9.:/-]+")


def _legacy_font(text: str, scan_chars: int = 256 * 1024) -> tuple[str, str] | None:
    """(font encoding, a word) when at least 2 words of ``text`` carry the marks that legacy font encodings leave
    when read as a code page (``sources.intake.legacy``) among other letters: ``§¬n``, ``®éng``, ``haønh``."""
    for font, marks in LEGACY_MARKS.items():
        words = [
            w
            for w in _WORD.findall(text[:scan_chars])
            if any(c in marks for c in w) and any(c.isalpha() and c not in marks for c in w)
        ]
        if len(words) >= 2:
            return font, words[0]
    return None


def _long_cell(sheets: list[Sheet], name: str) -> Finding | None:
    for sheet in sheets:
        for r, row in enumerate(sheet.rows):
            for c, v in enumerate(row):
                if isinstance(v, str) and len(v) > L.MAX_CELL_CHARS:
                    return error(
                        "cell_too_long",
                        f"Ô {cell_address(r, c)} dài {len(v)} ký tự (tối đa {L.MAX_CELL_CHARS}, giới hạn của Excel).",
                        f"Cell {cell_address(r, c)} holds "
                        f"{len(v)} characters (at most {L.MAX_CELL_CHARS}, Excel's own limit).",
                        file=name,
                        sheet=sheet.name,
                        cell=cell_address(r, c),
                        expected=f"≤ {L.MAX_CELL_CHARS}",
                        found=str(len(v)),
                    )
    return None


def unreadable(name: str, exc: Exception) -> Finding:
    if isinstance(exc, UnicodeDecodeError):
        return error(
            "unreadable",
            f"Tệp {name} không phải văn bản UTF-8, Windows-1258 hay Windows-1252 (có thể là mã TCVN3/VNI).",
            f"File {name} is not text in UTF-8, Windows-1258 or Windows-1252 (possibly TCVN3/VNI encoded).",
            file=name,
        )
    return error("unreadable", f"Không đọc được tệp {name}: {exc}", f"Cannot read file {name}: {exc}", file=name)


def crashed(name: str, reason: str) -> Finding:
    return error(
        "reader_crashed",
        f"Trình đọc bị lỗi khi đọc tệp {name} ({reason}): tệp bị hỏng hoặc được tạo ra để tấn công; bị từ chối.",
        f"The reader crashed on file {name} ({reason}): the file is damaged or crafted; refused.",
        file=name,
        found=reason,
    )


def handle(request: dict[str, Any]) -> dict[str, Any]:
    if request.get("op") == "ping":
        return {"pong": os.getpid()}
    path, name = Path(request["path"]), request["name"]
    findings, sheets = check_and_read(path, name, bool(request.get("guard", True)))
    return {
        "findings": [f.as_dict() for f in findings],
        "sheets": None
        if sheets is None
        else [{"name": s.name, "rows": s.rows, "merges": s.merges, "visible": s.visible} for s in sheets],
    }


def _limit_self(memory_bytes: int) -> None:
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = memory_bytes if hard == resource.RLIM_INFINITY else min(memory_bytes, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


def _cpu_budget(seconds: int) -> None:
    """RLIMIT_CPU counts the process's whole life: allow ``seconds`` more from now."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    soft = int(usage.ru_utime + usage.ru_stime) + 1 + seconds
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def _read_exact(stream: Any, n: int) -> bytes | None:
    data = stream.read(n)
    return data if data is not None and len(data) == n else None


def main(argv: list[str]) -> int:
    import defusedxml

    defusedxml.defuse_stdlib()  # any stdlib XML parsing in this process refuses DTDs and entities
    memory, cpu = int(argv[1]), int(argv[2])
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # a stray print must never corrupt the protocol
    _limit_self(memory)
    stdin = sys.stdin.buffer
    while (header := _read_exact(stdin, 8)) is not None:
        body = _read_exact(stdin, struct.unpack(">Q", header)[0])
        if body is None:
            return 0
        _cpu_budget(cpu)
        try:
            response = handle(json.loads(body))
        except MemoryError:
            response = {"crash": f"MemoryError (limit {memory // L.MiB} MiB)"}
        except Exception as exc:  # a reader bug must not take the worker down: report it
            response = {"crash": f"{type(exc).__name__}"}
        data = json.dumps(response).encode("ascii")  # ASCII escapes: even a lone surrogate cannot break it
        out.write(struct.pack(">Q", len(data)))
        out.write(data)
        out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
