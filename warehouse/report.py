"""The validation report of a run: Markdown, Vietnamese and English, one that the data centre can send back
to a department as it is."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import duckdb

from runtime.files import atomic_write_text
from sources.archive.landing import Refusal
from sources.archive.state import ReportedDelivery


@dataclass
class Landing:
    """What the report says of the landing folder besides the deliveries: what was not opened (a finding each)
    and the files still being uploaded (read by a later run)."""

    refused: list[Refusal] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)


def _cell(text: object) -> str:
    return "" if text is None else str(text).replace("|", "\\|").replace("\n", " ")


def _link(target: Path, reports: Path) -> str:
    """A Markdown link relative to the report's folder (the data folder can move; two deployments write the
    same report)."""
    rel = Path(os.path.relpath(target.resolve(), reports.resolve())).as_posix()
    return f"[{rel}]({quote(rel)})"


def write_report(
    warehouse: Path,
    reports: Path,
    received: list[ReportedDelivery],
    feedback: Path | None = None,
    docs: Path | None = None,
    landing: Landing | None = None,
) -> Path:
    """Write ``reports/run-<UTC time>.md`` for the deliveries of this run; return its path. ``feedback`` is the
    folder of reply workbooks, ``docs`` the Great Expectations Data Docs index: both linked when they exist.
    ``landing``: what in the landing folder was not opened, and what is still being uploaded."""
    from warehouse.replies import reply_path

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = [f"# Báo cáo kiểm tra dữ liệu / Validation report — {stamp}", ""]
    if docs is not None and docs.exists():
        lines += [
            f"Kết quả kiểm tra Great Expectations (Data Docs) / Great Expectations validation results: "
            f"{_link(docs, reports)}",
            "",
        ]
    lines += ["| tệp / file | trạng thái / status |", "| --- | --- |"]
    # by landing path: deliveries archived within the same second are otherwise in sha256 order, which made two
    # deployments given the same files write their reports in different orders
    received = sorted(received, key=lambda d: d.landing_path)
    lines += [f"| {_cell(d.landing_path)} | {d.status} |" for d in received]
    landing = landing or Landing()
    lines += [f"| {_cell(r.path)} | {r.rule} |" for r in landing.refused]
    lines += _landing_sections(landing)
    rejected = [d.landing_path for d in received if d.rejected]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for landing_path in rejected:
            rows = con.execute(
                """
                SELECT f.sheet, f.cell, f.rule, f.severity, f.message_vi, f.message_en
                FROM meta_finding f JOIN meta_file m ON m.sha256 = f.file_sha256
                WHERE m.landing_path = ? ORDER BY f.severity, f.sheet, f.cell""",
                [landing_path],
            ).fetchall()
            lines += [
                "",
                f"## {landing_path}",
                "",
                "Tệp không được nạp; hãy sửa các lỗi dưới đây và gửi lại. / The file was not loaded; "
                "correct the errors below and send it again.",
                "",
            ]
            reply = reply_path(feedback, landing_path) if feedback is not None else None
            if reply is not None and reply.exists():
                lines += [f"Tệp phản hồi gửi đơn vị / Reply workbook for the department: {_link(reply, reports)}", ""]
            lines += [
                "| sheet | ô / cell | quy tắc / rule | mức / severity | nội dung | message |",
                "| --- | --- | --- | --- | --- | --- |",
            ]
            lines += [f"| {' | '.join(_cell(v) for v in row)} |" for row in rows]
    reports.mkdir(parents=True, exist_ok=True)
    path = reports / f"run-{stamp}.md"
    atomic_write_text(path, "\n".join(lines) + "\n")
    return path


def _landing_sections(landing: Landing) -> list[str]:
    lines: list[str] = []
    if landing.refused:
        lines += [
            "",
            "## Không mở / Not opened",
            "",
            "Các mục sau trong thư mục tiếp nhận không được mở (liên kết, tệp đặc biệt, tên không hợp lệ); hãy gửi "
            "chính tệp bảng tính. / These entries of the landing folder were not opened (links, special files, "
            "refused names); send the spreadsheet file itself.",
            "",
            "| tệp / file | quy tắc / rule | nội dung | message |",
            "| --- | --- | --- | --- |",
        ]
        lines += [
            f"| {_cell(r.path)} | {r.rule} | {_cell(r.message_vi)} | {_cell(r.message_en)} |" for r in landing.refused
        ]
    if landing.waiting:
        lines += [
            "",
            "Đang tải lên, sẽ đọc ở lần chạy sau / Still being uploaded, read by a later run: "
            + ", ".join(_cell(p) for p in landing.waiting),
        ]
    return lines
