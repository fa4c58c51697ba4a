"""Normalising Vietnamese text for matching: headers, area names, labels.

Two forms are used everywhere a spreadsheet's text is compared with a spec or a unit list:
``norm`` (NFC, one tone-placement convention, case-folded, whitespace collapsed) and
``fold`` (``norm`` without diacritics, đ → d), the fallback when wording matches but accents don't.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_SPACE = re.compile(r"\s+")

# Old ("hoà") versus new ("hòa") tone placement: the tone mark moves from the second vowel of the
# glide cluster to the first. Both occur in official lists and departmental files; map old → new.
_TONES = "\u0300\u0301\u0303\u0309\u0323"  # grave, acute, tilde, hook above, dot below
_OLD_TONE = re.compile(
    r"(?<![gq])([oO])([aAeE])([" + _TONES + r"])(?![a-zA-Z])|"
    r"(?<![gq])([uU])([yY])([" + _TONES + r"])(?![a-zA-Z])"
)


def _new_tone_placement(decomposed: str) -> str:
    def move(m: re.Match[str]) -> str:
        if m.group(1):
            return m.group(1) + m.group(3) + m.group(2)
        return m.group(4) + m.group(6) + m.group(5)

    return _OLD_TONE.sub(move, decomposed)


def norm(value: object) -> str:
    """NFC, new tone placement, case-folded, whitespace collapsed. ``None`` → ``""``."""
    if value is None:
        return ""
    return _norm(str(value))


# The reader compares every label of every row with every alias: the same few thousand strings, normalised
# hundreds of thousands of times per run. These are pure functions of a string, so they are memoised.
@lru_cache(maxsize=1 << 16)
def _norm(value: str) -> str:
    text = unicodedata.normalize("NFD", value)
    text = _new_tone_placement(text)
    # Ð/ð (U+00D0/U+00F0, Icelandic eth) stand in for Đ/đ in some statistics-office exports.
    text = unicodedata.normalize("NFC", text).replace("\u00a0", " ").replace("\u00d0", "Đ").replace("\u00f0", "đ")
    return _SPACE.sub(" ", text).strip().casefold()


def fold(value: object) -> str:
    """``norm`` without diacritics: ``Đắk Lắk`` → ``dak lak``."""
    if type(value) is str:  # the reader's hot path: one memoised look-up, not three
        return _fold_text(value)
    return _fold(norm(value))


@lru_cache(maxsize=1 << 16)
def _fold_text(value: str) -> str:
    return _fold(_norm(value))


@lru_cache(maxsize=1 << 16)
def _fold(normed: str) -> str:
    text = unicodedata.normalize("NFD", normed)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text.replace("đ", "d")


_PUNCT = re.compile(r"[\s.,:;()\[\]/\\\-–—_*\"'’“”]+")


def key(value: object) -> str:
    """``fold`` with punctuation removed: the loosest comparison used for headers and labels."""
    if type(value) is str:
        return _key_text(value)
    return _key(fold(value))


@lru_cache(maxsize=1 << 16)
def _key_text(value: str) -> str:
    return _key(_fold(_norm(value)))


@lru_cache(maxsize=1 << 16)
def _key(folded: str) -> str:
    return _PUNCT.sub(" ", folded).strip()
