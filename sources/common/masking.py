"""Citizen ID and mobile numbers: how they are recognised and how they are shown (masked, never whole).

Intake refuses a sheet that is a list of people (``sources/intake/personal.py``); a single number that gets past
it (a contact phone in a stray row, an ID typed into a value cell) is still never repeated by a finding: every
finding's text is masked here, so no message, cache, report, log line or warehouse row carries the number."""

from __future__ import annotations

import re

CCCD = re.compile(r"^0\d{11}$")  # 12-digit citizen ID (căn cước công dân)
MOBILE = re.compile(r"^(?:\+?84|0)[35789]\d{8}$")  # Vietnamese mobile number
SEPARATORS = re.compile(r"[\s.\-()]")
# A run of 9-14 digits, possibly written with single spaces, dots or hyphens between them (0912 345 678).
_DIGIT_RUN = re.compile(r"(?<!\d)\+?\d(?:[ .\-]?\d){8,13}(?!\d)")


def number_kind(text: str) -> str | None:
    """``id`` / ``phone`` when ``text`` (separators ignored) is a citizen ID / a mobile number."""
    compact = SEPARATORS.sub("", text.strip())
    if CCCD.match(compact):
        return "id"
    if MOBILE.match(compact):
        return "phone"
    return None


def mask(value: str) -> str:
    """``006012345234`` → ``0060•••••234``: the first 4 and last 3 characters, never more."""
    digits = SEPARATORS.sub("", value)
    if len(digits) < 9:
        return "•" * len(digits)
    return digits[:4] + "•" * (len(digits) - 7) + digits[-3:]


def mask_personal_numbers(text: str | None) -> str | None:
    """``text`` with every citizen ID and mobile number in it masked; other numbers untouched."""
    if not text:
        return text
    return _DIGIT_RUN.sub(lambda m: mask(m.group()) if number_kind(m.group()) else m.group(), text)
