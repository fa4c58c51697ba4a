"""The reply to a department (DESIGN §1, issue #16): their own workbook back, with the wrong cells marked.

``<delivered name> - kiem tra.xlsx`` holds a first sheet "Kết quả kiểm tra" (every finding, a link to its cell,
the verdict and what to do next), then a copy of the delivered sheets, values only, at the same addresses (a
finding's ``Biểu 01!D12`` is ``D12`` of the copy). Cells named by an error are filled red, by a warning amber,
each with an Excel comment holding the Vietnamese and English message. The copy is read the way the reader reads
the file (``sources.intake``: identified, bounded, parsed in the sandbox), so ``.xls`` and ``.csv`` come back as
``.xlsx``. A file refused at intake (a list of people, a hostile or unreadable file) gets the findings sheet only:
nothing of its contents is copied. Text that a spreadsheet could run as a formula is written as text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import openpyxl
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils.cell import get_column_letter, range_boundaries
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet

from sources.common.findings import Finding
from sources.intake import REFUSAL_RULES, read_untrusted
from sources.intake.grid import Cell, Sheet

FINDINGS_SHEET = "Kết quả kiểm tra"
SUFFIX = " - kiem tra.xlsx"
ERROR_RGB, WARNING_RGB = "FFC7CE", "FFEB9C"  # Excel's own "Bad" and "Neutral" fills
FILL = {"error": PatternFill("solid", fgColor=ERROR_RGB), "warning": PatternFill("solid", fgColor=WARNING_RGB)}
NO_COPY_RULES = REFUSAL_RULES | {"unreadable", "empty_file"}
MAX_MARKED_CELLS = 5000  # a whole column of a large sheet is marked up to here
FORMULA_START = ("=", "+", "-", "@")
_TOKEN = re.compile(r"\$?[A-Z]{1,3}\$?\d*(?::\$?[A-Z]{1,3}\$?\d*)?")
_BAD_TITLE = re.compile(r"[\[\]:*?/\\]")

VERDICT = {
    "valid": ("Hợp lệ: tệp được nạp.", "Valid: the file is loaded."),
    "loaded": ("Hợp lệ: tệp được nạp.", "Valid: the file is loaded."),
    "invalid": ("Không hợp lệ: tệp chưa được nạp.", "Invalid: the file is not loaded."),
    "quarantined": ("Không hợp lệ: tệp chưa được nạp.", "Invalid: the file is not loaded."),
    "unreadable": ("Bị từ chối / không đọc được: tệp chưa được nạp.", "Refused or unreadable: the file is not loaded."),
}
NEXT_STEP = {
    "valid": (
        "Không cần gửi lại. Hãy xem các ô màu vàng (cảnh báo); nếu số liệu sai, sửa trong tệp gốc và gửi lại.",
        "Nothing to resend. Check the amber cells (warnings); if a figure is wrong, correct your own file and "
        "send it again.",
    ),
    "invalid": (
        "Sửa các ô màu đỏ (lỗi) trong tệp gốc của đơn vị — không sửa trong tệp phản hồi này — rồi gửi lại "
        "cả tệp. Các ô màu vàng là cảnh báo.",
        "Correct the red cells (errors) in your own file — not in this reply — and send the whole file "
        "again. Amber cells are warnings.",
    ),
    "unreadable": (
        "Đọc lý do dưới đây, sửa tệp (ví dụ lưu thành .xlsx, gỡ mật khẩu) rồi gửi lại. Tệp này không "
        "chứa bản sao nội dung tệp đã gửi.",
        "Read the reason below, fix the file (e.g. save it as .xlsx, remove the password) and send it "
        "again. This reply holds no copy of the file's contents.",
    ),
    "personal_data": (
        "Không gửi danh sách cá nhân. Hãy xóa tệp đã gửi và gửi số liệu tổng hợp theo đơn vị hành "
        "chính. Tệp này không chứa bản sao nội dung tệp đã gửi.",
        "Do not send lists of people. Delete the file you sent and send counts per area instead. This "
        "reply holds no copy of the file's contents.",
    ),
}


@dataclass(frozen=True)
class Mark:
    sheet: str
    cells: list[tuple[int, int]]  # (row, col), 1-based; the first is where the comment goes
    anchor: str  # the address the findings sheet links to


def reply_name(delivered: str) -> str:
    """``bao_cao_2024.xls`` → ``bao_cao_2024.xls - kiem tra.xlsx``."""
    return Path(delivered).name + SUFFIX


def write_reply(
    out: Path,
    name: str,
    findings: list[Finding],
    status: str,
    path: Path | None = None,
    default_sheet: str | None = None,
) -> Path:
    """Write the reply workbook for delivered file ``name`` (its bytes at ``path``; None: findings only).
    ``status`` is the verdict: valid/loaded, invalid/quarantined or unreadable. Returns ``out``."""
    verdict = {"loaded": "valid", "quarantined": "invalid"}.get(status, status)
    sheets = None
    if path is not None and path.is_file() and not any(f.rule in NO_COPY_RULES for f in findings):
        _, sheets = read_untrusted(path, name)
        if sheets and len(sheets) == 1 and sheets[0].name == path.stem:  # a CSV's sheet: as the reader names it
            sheets[0].name = Path(name).stem
    wb = openpyxl.Workbook()
    summary = wb.active
    summary.title = FINDINGS_SHEET
    titles = _copy_sheets(wb, sheets or [])
    marks = [_mark(f, titles, default_sheet, wb) for f in findings]
    _summary(summary, name, findings, marks, verdict)
    for finding, mark in zip(findings, marks, strict=True):
        if mark is not None:
            _annotate(wb[mark.sheet], mark, finding)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    wb.save(tmp)
    tmp.replace(out)
    return out


def set_text_safe(ws: Worksheet, row: int, col: int, value: Cell | int | str) -> None:
    """A value as a cell: numbers stay numbers; text is always text, never a formula (``=cmd|…``)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        value = int(value)
    if isinstance(value, str):  # control characters a .csv or .xls may hold cannot be stored in .xlsx
        value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    cell = ws.cell(row=row, column=col, value=value)
    if isinstance(value, str):
        cell.data_type = "s"


def _copy_sheets(wb: openpyxl.Workbook, sheets: list[Sheet]) -> dict[str, str]:
    """Copy every delivered sheet's values at the same addresses; returns delivered name → sheet title."""
    titles: dict[str, str] = {}
    for sheet in sheets:
        title = _title(sheet.name, set(wb.sheetnames))
        ws = wb.create_sheet(title)
        titles[sheet.name] = title
        if not sheet.visible:
            ws.sheet_state = "hidden"
        for r, row in enumerate(sheet.rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is not None:
                    set_text_safe(ws, r, c, value)
    return titles


def _title(name: str, taken: set[str]) -> str:
    base = ILLEGAL_CHARACTERS_RE.sub("_", _BAD_TITLE.sub("_", name)).strip("'")[:31] or "Sheet"
    title, n = base, 1
    while title.lower() in {t.lower() for t in taken}:
        n += 1
        title = f"{base[:28]} ({n})"
    return title


def cell_refs(text: str | None) -> list[str]:
    """The addresses a finding names: ``D12``, ``C10, D10``, ``D12+E12``, ``C5:C20``, ``D:D`` or ``D``."""
    return [t.replace("$", "") for t in _TOKEN.findall(text or "")]


def _bounds(ref: str, ws: Worksheet) -> tuple[int, int, int, int] | None:
    """(min_col, min_row, max_col, max_row) of an address; a whole column spans the sheet's rows."""
    if ref.isalpha():
        ref = f"{ref}:{ref}"
    try:
        c0, r0, c1, r1 = range_boundaries(ref)
    except ValueError:
        return None
    if c0 is None or c1 is None:
        return None
    last = max(ws.max_row, 1)
    return c0, r0 or 1, c1, r1 or last


def _mark(finding: Finding, titles: dict[str, str], default_sheet: str | None, wb: openpyxl.Workbook) -> Mark | None:
    """Where a finding goes in the copy; None when it is about the file as a whole (first sheet only)."""
    sheet = titles.get(finding.sheet or default_sheet or "")
    refs = cell_refs(finding.cell)
    if sheet is None or not refs:
        return None
    ws = wb[sheet]
    cells: list[tuple[int, int]] = []
    for ref in refs:
        box = _bounds(ref, ws)
        if box is None:
            continue
        c0, r0, c1, r1 = box
        cells += [(r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)][:MAX_MARKED_CELLS]
    if not cells:
        return None
    r, c = cells[0]
    return Mark(sheet, cells, f"{get_column_letter(c)}{r}")


def _annotate(ws: Worksheet, mark: Mark, finding: Finding) -> None:
    text = ILLEGAL_CHARACTERS_RE.sub(
        "\ufffd", f"[{finding.severity}] {finding.rule}\nVI: {finding.message_vi}\nEN: {finding.message_en}"
    )
    comment_cells = {mark.cells[0]} | {first for ref in cell_refs(finding.cell) if (first := _first_cell(ref, ws))}
    for r, c in mark.cells:
        cell = ws.cell(row=r, column=c)
        if finding.severity == "error" or not str(cell.fill.fgColor.rgb).endswith(ERROR_RGB):
            cell.fill = FILL[finding.severity if finding.severity in FILL else "error"]
    for r, c in comment_cells:
        cell = ws.cell(row=r, column=c)
        old = cell.comment.text + "\n\n" if cell.comment else ""
        comment = Comment(old + text, "xhs")
        comment.width, comment.height = 420, 160
        cell.comment = comment


def _first_cell(ref: str, ws: Worksheet) -> tuple[int, int] | None:
    box = _bounds(ref, ws)
    return (box[1], box[0]) if box else None


def _summary(ws: Worksheet, name: str, findings: list[Finding], marks: list[Mark | None], verdict: str) -> None:
    step = "personal_data" if any(f.rule == "personal_data" for f in findings) else verdict
    if verdict == "valid" and not findings:
        step = "valid"
    lines: list[tuple[str, str]] = [
        ("Tệp / File", name),
        ("Kết luận / Verdict", " / ".join(VERDICT.get(verdict, (verdict, verdict)))),
        ("Việc cần làm / What to do next", "\n".join(NEXT_STEP.get(step, NEXT_STEP["invalid"]))),
        ("Số lỗi / Errors", str(sum(f.severity == "error" for f in findings))),
        ("Số cảnh báo / Warnings", str(sum(f.severity != "error" for f in findings))),
    ]
    for r, (label, value) in enumerate(lines, start=1):
        set_text_safe(ws, r, 1, label)
        set_text_safe(ws, r, 2, value)
        ws.cell(row=r, column=1).font = Font(bold=True)
        ws.cell(row=r, column=2).alignment = Alignment(wrap_text=True, vertical="top")
        ws.merge_cells(start_row=r, start_column=2, end_row=r, end_column=7)
    ws.row_dimensions[3].height = 48
    head = len(lines) + 2
    headers = (
        "#",
        "Mức / Severity",
        "Sheet",
        "Ô / Cell",
        "Quy tắc / Rule",
        "Nội dung (tiếng Việt)",
        "Message (English)",
        "Mong đợi / Expected",
        "Thấy / Found",
    )
    for c, label in enumerate(headers, start=1):
        set_text_safe(ws, head, c, label)
        ws.cell(row=head, column=c).font = Font(bold=True)
    for i, (f, mark) in enumerate(zip(findings, marks, strict=True), start=1):
        row = head + i
        values: tuple[int | str, ...] = (
            i,
            f.severity,
            mark.sheet if mark else (f.sheet or ""),
            f.cell or "",
            f.rule,
            f.message_vi,
            f.message_en,
            f.expected or "",
            f.found or "",
        )
        for c, cell_value in enumerate(values, start=1):
            set_text_safe(ws, row, c, cell_value)
        ws.cell(row=row, column=2).fill = FILL.get(f.severity, FILL["error"])
        if mark is not None:
            link = ws.cell(row=row, column=4)
            link.hyperlink = Hyperlink(ref=link.coordinate, location=f"'{mark.sheet}'!{mark.anchor}", display=f.cell)
            link.font = Font(color="0563C1", underline="single")
    for c, width in enumerate((26, 14, 16, 14, 24, 60, 60, 18, 18), start=1):
        ws.column_dimensions[get_column_letter(c)].width = width
    ws.freeze_panes = ws.cell(row=head + 1, column=1)
