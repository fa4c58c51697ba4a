"""Legacy Vietnamese font encodings (TCVN3/ABC, VNI): text typed with them is refused with the cell, never
loaded as gibberish."""

from __future__ import annotations

from sources.common.findings import Finding, cell_address, error
from sources.intake.grid import Sheet

# Legacy Vietnamese font encodings as their text shows when read as Unicode. None of these symbols occurs in
# Vietnamese Unicode text, and they are dense in legacy text.
# TCVN3 (ABC, .VnTime): ă â ê ô ơ ư đ à ả ã á ạ Đ → ¨ © ª « ¬ (soft hyphen) ® µ ¶ · ¸ ¹ §
# VNI (VNI-Times): đ Đ ơ ư and the tone keys → ñ Ñ ô/ö ø ï û (ø, ï, û, ñ, ö are not Vietnamese letters)
_LEGACY_MARKS = {"TCVN3 (ABC, .VnTime)": set("¨©ª«¬\xad®µ¶·¸¹§"), "VNI (VNI-Times)": set("øïûñÑöÖØÏÛ")}
LEGACY_SCAN_ROWS = 60


def legacy_encoding(sheets: list[Sheet], name: str) -> Finding | None:
    """Text typed with a legacy Vietnamese font encoding is refused, never loaded as gibberish."""
    for sheet in sheets:
        texts = [
            (r, c, t)
            for r in range(min(LEGACY_SCAN_ROWS, len(sheet.rows)))
            for c, t in enumerate(sheet.row_texts(r))
            if t
        ]
        for encoding, marks in _LEGACY_MARKS.items():
            hits = [(r, c, t) for r, c, t in texts if not marks.isdisjoint(t)]
            if len(hits) < 3:
                continue
            r, c, text = hits[0]
            return error(
                "legacy_encoding",
                f'Ô {cell_address(r, c)} ("{text[:40]}") và {len(hits) - 1} ô khác được gõ bằng bảng mã {encoding}. '
                "Hãy chuyển mã sang Unicode (ví dụ Unikey: Công cụ chuyển mã) rồi gửi lại.",
                f'Cell {cell_address(r, c)} ("{text[:40]}") and {len(hits) - 1} other cells are typed in the legacy '
                f"{encoding} encoding. Convert the file to Unicode (e.g. Unikey's converter) and send it again.",
                file=name,
                sheet=sheet.name,
                cell=cell_address(r, c),
                expected="Unicode",
                found=encoding,
            )
    return None
