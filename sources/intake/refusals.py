"""The findings that refuse a file at intake: bilingual, naming the file, what was expected and what was found."""

from __future__ import annotations

import zipfile

from sources.common.findings import Finding, error
from sources.intake import limits as L
from sources.intake.extent import Extent, SharedStrings


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


def sheet_too_large(name: str, part: str, extent: Extent, sheet: str | None = None) -> Finding:
    """A sheet whose cells with a value do not fit: too many of them, or out too far (``extent.over()``)."""
    why = extent.over() or ""
    budget_vi = f"vượt giới hạn {L.MAX_ROWS} dòng, {L.MAX_COLS} cột, {L.MAX_CELLS} ô có giá trị"
    budget_en = f"over the budget of {L.MAX_ROWS} rows, {L.MAX_COLS} columns, {L.MAX_CELLS} cells with values"
    if extent.cells > L.MAX_CELLS:
        vi = f"Tệp {name}: trang tính {part} có hơn {L.MAX_CELLS} ô chứa giá trị: {budget_vi}."
        en = f"File {name}: sheet {part} holds more than {L.MAX_CELLS} cells with values: {budget_en}."
        found = f"> {L.MAX_CELLS} cells with values"
    else:
        at_vi, at_en = (f", có ô {extent.far}", f", one in {extent.far}") if extent.far else ("", "")
        vi = (
            f"Tệp {name}: trang tính {part} có ô chứa giá trị trải tới {extent.rows} dòng × {extent.cols} cột "
            f"(ít nhất {extent.cells} ô có giá trị{at_vi}; {why}): {budget_vi}."
        )
        en = (
            f"File {name}: sheet {part} has cells with values out to {extent.rows} rows × {extent.cols} columns "
            f"(at least {extent.cells} cells with values{at_en}; {why}): {budget_en}."
        )
        found = f"{extent.rows} × {extent.cols}"
    return error(
        "sheet_too_large",
        vi,
        en,
        file=name,
        sheet=sheet,
        cell=extent.far or None,
        expected=f"≤ {L.MAX_ROWS} × {L.MAX_COLS}, ≤ {L.MAX_CELLS} cells with values",
        found=found,
    )


def too_many_strings(name: str, part: str, strings: SharedStrings) -> Finding:
    """A shared strings table holding, or declaring, more strings than ``MAX_SHARED_STRINGS``: calamine reads
    every one, and first reserves room for as many as ``uniqueCount`` declares."""
    if strings.count > L.MAX_SHARED_STRINGS:
        vi = f"Tệp {name}: bảng chuỗi dùng chung {part} có hơn {L.MAX_SHARED_STRINGS} chuỗi: vượt giới hạn."
        en = (
            f"File {name}: the shared strings table {part} holds more than {L.MAX_SHARED_STRINGS} strings: "
            "over the budget."
        )
        found = f"> {L.MAX_SHARED_STRINGS}"
    else:
        vi = (
            f'Tệp {name}: bảng chuỗi dùng chung {part} khai báo uniqueCount="{strings.declared}" nhưng chỉ có '
            f"{strings.count} chuỗi (tối đa {L.MAX_SHARED_STRINGS}): tệp bị sửa hoặc hỏng, bị từ chối."
        )
        en = (
            f'File {name}: the shared strings table {part} declares uniqueCount="{strings.declared}" but holds '
            f"{strings.count} string{'' if strings.count == 1 else 's'} (at most {L.MAX_SHARED_STRINGS}; the reader "
            "would reserve memory for every declared one): crafted or damaged, refused."
        )
        found = f'uniqueCount="{strings.declared}", {strings.count} strings'
    return error("too_many_strings", vi, en, file=name, expected=f"≤ {L.MAX_SHARED_STRINGS} strings", found=found)


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
