"""Validation findings: precise (file, sheet, cell), bilingual, and the only way a reader reports a problem."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sources.common.masking import mask_personal_numbers


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str  # "error" | "warning"
    message_vi: str
    message_en: str
    sheet: str | None = None
    cell: str | None = None
    file: str | None = None
    expected: str | None = None
    found: str | None = None

    def __post_init__(self) -> None:
        # A citizen ID or phone number quoted from a file is never repeated whole (DESIGN §8).
        for name in ("message_vi", "message_en", "expected", "found"):
            object.__setattr__(self, name, mask_personal_numbers(getattr(self, name)))

    def as_dict(self) -> dict[str, str | None]:
        return asdict(self)


def error(rule: str, vi: str, en: str, **where: str | None) -> Finding:
    return Finding(rule=rule, severity="error", message_vi=vi, message_en=en, **where)


def warning(rule: str, vi: str, en: str, **where: str | None) -> Finding:
    return Finding(rule=rule, severity="warning", message_vi=vi, message_en=en, **where)


def errors_in(findings: list[Finding]) -> list[Finding]:
    """The findings that stop a file from loading."""
    return [f for f in findings if f.severity == "error"]


def cell_address(row: int, col: int) -> str:
    """Zero-based (row, col) → Excel address: (11, 3) → ``D12``."""
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{row + 1}"
