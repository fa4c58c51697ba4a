"""``xhs validate FILE``: check one spreadsheet as the pipeline would, load nothing (DESIGN §10).

Exit 0 valid (warnings allowed), 1 invalid, 2 unreadable or refused (also a link or a special file, which is
not opened: the file is read from a private copy of what was opened, ``private_copy``)."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from expectations.files import read_checked
from sources.archive.landing import LandingRefused, open_file
from sources.common.findings import error
from sources.reading.reader import ReadResult
from sources.specs.model import load_specs
from sources.staging.stager import UNREADABLE_RULES

VERDICT_EXITS = {"valid": 0, "invalid": 1}  # the exit of a verdict; 2: no verdict (unreadable, refused)


def validate(path: Path, source: str | None = None, period: str | None = None) -> tuple[str, ReadResult]:
    return _check(path, source, period, None)


def _check(path: Path, source: str | None, period: str | None, feedback: Path | None) -> tuple[str, ReadResult]:
    """Check ``path`` (and write the reply workbook to ``feedback``) from a private copy of the bytes opened
    without following a link: a link or a special file (FIFO, device) is refused, not read (issue #26)."""
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
    else:
        opened = ExitStack()
        try:
            copy = opened.enter_context(private_copy(path))
        except LandingRefused as exc:
            r = exc.refusal
            result.findings.append(error(r.rule, r.message_vi, r.message_en, file=path.name))
        except (FileNotFoundError, NotADirectoryError):
            result.findings.append(
                error("unreadable", f"Không có tệp {path}.", f"No such file: {path}.", file=path.name)
            )
        else:
            with opened:
                result = read_checked(copy, specs[source] if source else None, period)
                result.path = path
                unreadable = any(f.rule in UNREADABLE_RULES for f in result.errors)
                status = "unreadable" if unreadable else ("valid" if result.ok else "invalid")
                if feedback is not None:
                    from sources.feedback.reply import write_reply

                    write_reply(feedback, path.name, result.findings, status, copy, default_sheet=result.sheet)
                return status, result
    if feedback is not None:
        from sources.feedback.reply import write_reply

        write_reply(feedback, path.name, result.findings, "unreadable", None)
    return "unreadable", result


@contextmanager
def private_copy(path: Path) -> Iterator[Path]:
    """The bytes of ``path`` in a private temporary folder, under the same name; opened with ``O_NOFOLLOW`` and
    checked to be a regular file (``sources.archive.landing.open_file``): what is read is what was opened."""
    with tempfile.TemporaryDirectory(prefix="xhs-validate-") as tmp, open_file(path.parent, path.name) as opened:
        copy = Path(tmp) / path.name
        with copy.open("wb") as out:
            for chunk in opened.chunks():
                out.write(chunk)
        yield copy


def validate_command(
    path: Path, source: str | None, period: str | None, as_json: bool, feedback: Path | None = None
) -> int:
    status, result = _check(path, source, period, feedback)
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
    return VERDICT_EXITS.get(status, 2)
