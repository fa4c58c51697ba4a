"""Person-level data at intake (DESIGN §8): a sheet that looks like a list of people is refused before
anything of it is stored beyond the raw archive, and no message ever repeats a personal value.

A sheet is a list of people when
- one row holds headers of two kinds of personal data, one of them a name or an ID number
  (``Họ và tên`` + ``Ngày sinh``, ``Số CCCD`` + ``Số điện thoại``, …), or
- a column headed as an ID or phone number (``Số CCCD``, ``Số điện thoại``) holds a value that looks like one
  (text, or a number of 9-12 digits: an ID typed as a number loses its leading 0), or
- a column holds at least 3 text values that look like a 12-digit citizen ID (``0XXXXXXXXXXX``) or a Vietnamese
  mobile number (``0912345678``, ``+84912345678``) — and they are at least 30 % of its non-empty cells, or
- whatever the headers say (``TÊN NVKT``, ``Tên``), a column of Vietnamese full names sits beside a column of staff
  codes, dates of birth or phone numbers (``content_finding``): at least 5 text cells and 60 % of the column's
  text are names (2-5 capitalised words, the first a common surname: ``Nguyễn Văn An``, ``TRẦN THỊ BÌNH``), and on
  those rows another column holds, in at least 3 cells and half of its cells there, mostly unique staff codes
  (``NV0123``; any unique values under a ``Mã NV`` header), dates of birth (1940-2010: a date cell, ``12/03/1985``;
  a bare year under a ``Năm sinh`` header) or mobile numbers (a 9-digit number under a phone header).
  A name column alone is not enough: streets and many communes are named after people (``Lê Lợi``, ``Trần Hưng
  Đạo``, ``Nguyễn Trãi``), so a table of them with counts, like a list of officials with counts, is read; units
  written with their type (``Phường Nguyễn Thị Minh Khai``, ``Xã Lê Lợi``, ``TP. Bắc Kạn``) are never names.
Headers are compared whole after normalisation (``sources.common.text.key``): ``Thuê bao điện thoại di động`` or
``Số hồ sơ CCCD đã thu nhận`` are aggregate indicators, not personal columns. One contact phone number in a
signature block is not a list of people.

Values are only ever shown masked: ``006012345234`` → ``0060•••••234``, ``Nguyễn Văn An`` → ``Nguy••••nAn``.
"""

from __future__ import annotations

from collections import defaultdict

from sources.common.findings import Finding, cell_address, error
from sources.common.masking import mask
from sources.intake.grid import Sheet, cell_text
from sources.intake.person_headers import HEADER_ROWS, LABELS, STRONG, header_kind, id_like_number, value_kind
from sources.intake.person_names import content_finding

MIN_MATCHES, MIN_SHARE = 3, 0.3


def person_list_findings(sheets: list[Sheet], name: str) -> list[Finding]:
    """One ``personal_data`` error per sheet that looks like a list of people; ``[]`` otherwise."""
    return [f for sheet in sheets if (f := _sheet_finding(sheet, name))]


def _sheet_finding(sheet: Sheet, name: str) -> Finding | None:
    headers: dict[int, dict[str, tuple[int, str]]] = defaultdict(dict)  # row → kind → (col, header)
    col_kind: dict[int, tuple[str, int]] = {}  # col → (kind, header row) of an ID/phone header
    matches: dict[int, list[tuple[int, str, str]]] = defaultdict(list)  # col → (row, kind, value)
    filled: dict[int, int] = defaultdict(int)
    for r, row in enumerate(sheet.rows):
        for c, v in enumerate(row):
            if v is None:
                continue
            filled[c] += 1
            if r < HEADER_ROWS and (kind := header_kind(v)):
                headers[r].setdefault(kind, (c, str(v)))
                if kind in LABELS:
                    col_kind.setdefault(c, (kind, r))
            elif isinstance(v, str) and (vk := value_kind(v)):
                matches[c].append((r, vk, v))
            elif c in col_kind and r > col_kind[c][1] and id_like_number(v):
                matches[c].append((r, col_kind[c][0], cell_text(v)))  # an ID typed as a number lost its 0
    for r, kinds in headers.items():
        if len(kinds) >= 2 and STRONG & kinds.keys():
            return _refuse(sheet, name, r, kinds, matches)
    for c, found in matches.items():
        headed = col_kind.get(c)
        if (headed and any(r > headed[1] for r, _, _ in found)) or (
            len(found) >= MIN_MATCHES and len(found) >= MIN_SHARE * filled[c]
        ):
            first_row = headed[1] if headed else found[0][0]
            return _refuse(sheet, name, first_row, headers.get(first_row, {}), matches)
    return content_finding(sheet, name)


def _refuse(
    sheet: Sheet, name: str, row: int, kinds: dict[str, tuple[int, str]], matches: dict[int, list[tuple[int, str, str]]]
) -> Finding:
    cols = ", ".join(f'"{h}" ({cell_address(row, c)})' for c, h in sorted(kinds.values()))
    sample = next((m for col in sorted(matches) for m in matches[col]), None)
    counts = {k: sum(1 for ms in matches.values() for _, vk, _ in ms if vk == k) for k in LABELS}
    seen_vi = seen_en = ""
    if sample:
        vi = ", ".join(f"{n} {LABELS[k].split(' / ')[0]}" for k, n in counts.items() if n)
        en = ", ".join(f"{n} × {LABELS[k].split(' / ')[1]}" for k, n in counts.items() if n)
        seen_vi, seen_en = f"; có {vi}, ví dụ {mask(sample[2])}", f"; holds {en}, e.g. {mask(sample[2])}"
    cols_vi = f"cột {cols}" if cols else "không có tiêu đề cá nhân"
    cols_en = f"columns {cols}" if cols else "no personal headers"
    cell = (
        cell_address(row, min(c for c, _ in kinds.values()))
        if kinds
        else (cell_address(sample[0], next(c for c in sorted(matches) if matches[c])) if sample else None)
    )
    return error(
        "personal_data",
        f'Sheet "{sheet.name}" của tệp {name} là danh sách cá nhân ({cols_vi}{seen_vi}): dữ liệu cá nhân không được '
        "gửi vào kho. Tệp bị từ chối, bản lưu trữ chỉ được giữ trong khu cách ly hạn chế; hãy gửi số liệu tổng hợp "
        "theo đơn vị.",
        f'Sheet "{sheet.name}" of file {name} is a list of people ({cols_en}{seen_en}): person-level data must not '
        "enter the warehouse. The file is refused and its archived copy kept only in the restricted quarantine; send "
        "counts per area.",
        file=name,
        sheet=sheet.name,
        cell=cell,
        expected="số liệu tổng hợp / aggregated counts",
        found=mask(sample[2]) if sample else cols[:200],
    )
