"""The Vietnamese wording around the sample tables: agencies, report titles, footnotes, instructions (each
department's own in ``sources/specs/samples/<source>.yaml``), and the ways an area's name is written."""

from __future__ import annotations

from sources.samples.departments import samples_of
from sources.samples.figures import Area, is_post_reform, province_name


def _p(province: str, period: str | None = None) -> str:
    return province_name(province, period)


def agency(source: str, province: str, period: str) -> tuple[str, str, str]:
    """(upper line, lower line, reporting unit) of the title block, before or after the 2025 reform."""
    lines = samples_of(source).agency
    chosen = (lines.after_reform or lines.before_reform) if is_post_reform(period) else lines.before_reform
    name = _p(province, period)
    upper, lower, unit = (s.format(P=name.upper(), p=name) for s in chosen)
    return upper, lower, unit


def _level(period: str) -> str:
    return "XÃ, PHƯỜNG" if is_post_reform(period) else "HUYỆN, THÀNH PHỐ"


def report_title(source: str, period: str) -> str:
    return samples_of(source).title.format(level=_level(period))


def unit_line(source: str) -> str:
    return samples_of(source).unit_line


def footnote(source: str) -> str:
    return samples_of(source).footnote


_COMMON_INSTRUCTIONS = [
    "HƯỚNG DẪN GHI BIỂU",
    "1. Mỗi dòng là một đơn vị hành chính; dòng Tổng cộng bằng tổng các đơn vị.",
    "2. Số liệu ghi bằng số, không ghi chữ; đơn vị không phát sinh số liệu ghi dấu gạch ngang (-).",
    "3. Không đổi tên, không chèn hoặc xóa cột của biểu mẫu.",
]


def instructions(source: str) -> list[str]:
    return [*_COMMON_INSTRUCTIONS, samples_of(source).instruction]


_ABBREVIATIONS = {"Huyện ": "H. ", "Thành phố ": "TP. ", "Thị xã ": "TX. ", "Xã ": "X. ", "Phường ": "P. "}
# The unit lists use the old tone placement in a few names; departments often type the new one.
_NEW_TONE = {
    "oà": "òa",
    "oá": "óa",
    "oả": "ỏa",
    "oã": "õa",
    "oạ": "ọa",
    "uỳ": "ùy",
    "uý": "úy",
    "uỷ": "ủy",
    "uỹ": "ũy",
    "uỵ": "ụy",
}


def new_tone(name: str) -> str:
    words = []
    for w in name.split(" "):
        for old, new in _NEW_TONE.items():
            if w.endswith(old):
                w = w[: -len(old)] + new
        words.append(w)
    return " ".join(words)


def area_label(area: Area, mode: str, *, new_tone_marks: bool = False) -> str:
    """An area's name as a file writes it: ``full`` (Huyện Ba Bể), ``bare`` (Ba Bể), ``abbr`` (H. Ba Bể,
    TP. Bắc Kạn, TX. Mộc Châu), ``upper`` (HUYỆN BA BỂ)."""
    if mode == "bare":
        text = area.name
    elif mode == "abbr":
        text = area.full_name
        for word, short in _ABBREVIATIONS.items():
            if text.startswith(word):
                text = short + text[len(word) :]
                break
    elif mode == "upper":
        text = area.full_name.upper()
    else:
        text = area.full_name
    return new_tone(text) if new_tone_marks else text
