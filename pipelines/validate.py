"""``xhs validate FILE``: check one spreadsheet as the pipeline would, load nothing (DESIGN §10).

Exit 0 valid (warnings allowed), 1 invalid, 2 unreadable or refused."""

from __future__ import annotations

import json
from pathlib import Path

from expectations.files import read_checked
from sources.common.findings import error
from sources.reading.reader import ReadResult
from sources.specs.model import load_specs
from sources.staging.stager import UNREADABLE_RULES


def validate(path: Path, source: str | None = None, period: str | None = None) -> tuple[str, ReadResult]:
    result = ReadResult(path=path, name=path.name)
    specs = load_specs()
    if source and source not in specs:
        known = ", ".join(sorted(specs))
        result.findings.append(
            error(
                "unknown_source",
                f'Không có biểu mẫu "{source}" (có: {known}).',
                f'No spec named "{source}" (known: {known}).',
                file=path.name,
            )
        )
        return "unreadable", result
    if not path.is_file():
        result.findings.append(error("unreadable", f"Không có tệp {path}.", f"No such file: {path}.", file=path.name))
        return "unreadable", result
    result = read_checked(path, specs[source] if source else None, period)
    if any(f.rule in UNREADABLE_RULES for f in result.errors):
        return "unreadable", result
    return ("valid" if result.ok else "invalid"), result


def validate_command(
    path: Path, source: str | None, period: str | None, as_json: bool, feedback: Path | None = None
) -> int:
    status, result = validate(path, source, period)
    if feedback is not None:
        from sources.feedback.reply import write_reply

        write_reply(feedback, path.name, result.findings, status, path, default_sheet=result.sheet)
    if as_json:
        print(
            json.dumps(
                {
                    "file": str(path),
                    "status": status,
                    "source": result.source,
                    "period": result.period.code if result.period else None,
                    "periods": [p.code for p in result.periods],  # several when the periods are in the columns
                    "findings": [
                        {k: f.as_dict()[k] for k in ("sheet", "cell", "rule", "severity", "message_vi", "message_en")}
                        for f in result.findings
                    ],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        periods = ", ".join(p.code for p in result.periods) or "?"
        print(
            f"{path}: {status} (source {result.source or '?'}, period{'s' if len(result.periods) > 1 else ''} "
            f"{periods})"
        )
        for f in result.findings:
            where = "!".join(x for x in (f.sheet, f.cell) if x)
            print(f"  [{f.severity}] {where} {f.rule}\n    vi: {f.message_vi}\n    en: {f.message_en}")
        if feedback is not None:
            print(f"reply workbook / tệp phản hồi: {feedback}")
    return {"valid": 0, "invalid": 1}.get(status, 2)
