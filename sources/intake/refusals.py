"""The findings that refuse a file at intake: bilingual, naming the file, what was expected and what was found."""

from __future__ import annotations

import zipfile

from sources.common.findings import Finding, error
from sources.intake import limits as L


def mb(n: int) -> str:
    return f"{n / L.MiB:.0f} MiB"


def damaged(name: str, why: str) -> Finding:
    return error(
        "unreadable",
        f"Tệp {name} bị cắt cụt hoặc hỏng (không phải tệp zip hợp lệ: {why}). Hãy lưu lại và gửi lại.",
        f"File {name} is truncated or damaged (not a valid zip: {why}). Save it again and resend it.",
        file=name,
        expected="xlsx (zip)",
        found=why,
    )


def too_many(name: str, n: int) -> Finding:
    return error(
        "zip_too_many_entries",
        f"Tệp {name} chứa {n} phần (tối đa {L.MAX_ZIP_ENTRIES}).",
        f"File {name} holds {n} zip entries (at most {L.MAX_ZIP_ENTRIES}).",
        file=name,
        expected=f"≤ {L.MAX_ZIP_ENTRIES}",
        found=str(n),
    )


def bomb(name: str, info: zipfile.ZipInfo, inflated: int, why: str) -> Finding:
    return error(
        "zip_bomb",
        f"Tệp {name}: phần {info.filename} ({info.compress_size} byte nén) giải nén ra hơn "
        f"{inflated} byte ({why}): tệp nén độc hại (zip bomb), bị từ chối.",
        f"File {name}: entry {info.filename} ({info.compress_size} compressed bytes) inflates past "
        f"{inflated} bytes ({why}): a zip bomb, refused.",
        file=name,
        expected=why,
        found=str(inflated),
    )


def entry_too_large(name: str, info: zipfile.ZipInfo, inflated: int) -> Finding:
    return error(
        "zip_entry_too_large",
        f"Tệp {name}: phần {info.filename} lớn hơn {mb(L.MAX_ENTRY_BYTES)} khi giải "
        f"nén (khai báo {info.file_size} byte).",
        f"File {name}: entry {info.filename} inflates past "
        f"{mb(L.MAX_ENTRY_BYTES)} (it declares {info.file_size} bytes).",
        file=name,
        expected=f"≤ {L.MAX_ENTRY_BYTES}",
        found=f"> {inflated - 1}",
    )


def entities(name: str, info: zipfile.ZipInfo) -> Finding:
    return error(
        "xml_entities",
        f"Tệp {name}: phần {info.filename} khai báo DOCTYPE/ENTITY XML (có thể là tấn công "
        "“billion laughs” hoặc XXE): bị từ chối. Excel không bao giờ ghi các khai báo này.",
        f"File {name}: entry {info.filename} declares an XML DOCTYPE/ENTITY (billion laughs or XXE): "
        "refused. Excel never writes them.",
        file=name,
        expected="no DOCTYPE",
        found="<!DOCTYPE/<!ENTITY",
    )


def sheet_too_large(name: str, part: str, rows: int, cols: int, why: str, seen: str) -> Finding:
    return error(
        "sheet_too_large",
        f"Tệp {name}: trang tính {part} trải tới {rows} dòng × {cols} cột ({seen}; {why}):"
        f" vượt giới hạn {L.MAX_ROWS} dòng, {L.MAX_COLS} cột, {L.MAX_CELLS} ô.",
        f"File {name}: sheet {part} extends to {rows} rows × {cols} columns ({seen}; {why}): over the "
        f"budget of {L.MAX_ROWS} rows, {L.MAX_COLS} columns, {L.MAX_CELLS} cells.",
        file=name,
        expected=f"≤ {L.MAX_ROWS} × {L.MAX_COLS}, ≤ {L.MAX_CELLS} cells",
        found=f"{rows} × {cols}",
    )


def cell_too_long(name: str, part: str, found: str) -> Finding:
    return error(
        "cell_too_long",
        f"Tệp {name}: một ô trong {part} dài hơn {L.MAX_CELL_CHARS} ký tự (giới hạn của Excel): bị từ chối.",
        f"File {name}: a cell in {part} is longer than {L.MAX_CELL_CHARS} characters (Excel's own limit): refused.",
        file=name,
        expected=f"≤ {L.MAX_CELL_CHARS}",
        found=found,
    )


def macro(name: str) -> Finding:
    return error(
        "macro_enabled",
        f"Tệp {name} là sổ tính có macro (VBA): bị từ chối. Hãy lưu thành “Excel Workbook (.xlsx)” rồi gửi lại.",
        f"File {name} is a macro-enabled workbook (VBA): refused. Save it as "
        '"Excel Workbook (.xlsx)" and send it again.',
        file=name,
        expected=".xlsx without macros",
        found="vbaProject",
    )


def not_excel(name: str, kind: str) -> Finding:
    return error(
        "unsupported_format",
        f"Tệp {name} là tệp {kind}, không phải sổ tính Excel (.xlsx).",
        f"File {name} is a {kind} file, not an Excel workbook (.xlsx).",
        file=name,
        expected="xlsx",
        found=kind,
    )


def password_protected(name: str, found: str) -> Finding:
    return error(
        "password_protected",
        f"Tệp {name} được bảo vệ bằng mật khẩu: hãy gỡ mật khẩu rồi gửi lại.",
        f"File {name} is a password-protected workbook: remove the password and send it again.",
        file=name,
        expected="a workbook without a password",
        found=found,
    )
