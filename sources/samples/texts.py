"""The Vietnamese wording around the sample tables: agencies, report titles, footnotes, instructions, and the
ways an area's name is written."""

from __future__ import annotations

from collections.abc import Callable

from sources.samples.figures import Area, is_post_reform, province_name


def _p(province: str) -> str:
    return province_name(province)


Lines = tuple[str, str, str]


def _agency(pre: Lines, post: Lines) -> Callable[[str, str], Lines]:
    """(upper line, lower line, reporting unit) before and after the 2025 reform; ``{P}`` = province upper."""

    def build(province: str, period: str) -> tuple[str, str, str]:
        lines = post if is_post_reform(period) else pre
        name = _p(province)
        return tuple(s.format(P=name.upper(), p=name) for s in lines)  # type: ignore[return-value]

    return build


AGENCIES: dict[str, Callable[[str, str], tuple[str, str, str]]] = {
    "telecom": _agency(("UBND TỈNH {P}", "SỞ THÔNG TIN VÀ TRUYỀN THÔNG",
                        "Sở Thông tin và Truyền thông tỉnh {p}"),
                       ("UBND TỈNH {P}", "SỞ KHOA HỌC VÀ CÔNG NGHỆ", "Sở Khoa học và Công nghệ tỉnh {p}")),
    "health": _agency(("UBND TỈNH {P}", "SỞ Y TẾ", "Sở Y tế tỉnh {p}"),
                      ("UBND TỈNH {P}", "SỞ Y TẾ", "Sở Y tế tỉnh {p}")),
    "civil_id": _agency(("CÔNG AN TỈNH {P}", "PHÒNG CẢNH SÁT QLHC VỀ TTXH",
                         "Phòng Cảnh sát quản lý hành chính về trật tự xã hội - Công an tỉnh {p}"),
                        ("CÔNG AN TỈNH {P}", "PHÒNG CẢNH SÁT QLHC VỀ TTXH",
                         "Phòng Cảnh sát quản lý hành chính về trật tự xã hội - Công an tỉnh {p}")),
    "einvoice": _agency(("TỔNG CỤC THUẾ", "CỤC THUẾ TỈNH {P}", "Cục Thuế tỉnh {p}"),
                        ("CỤC THUẾ", "THUẾ TỈNH {P}", "Thuế tỉnh {p}")),
    "population": _agency(("TỔNG CỤC THỐNG KÊ", "CỤC THỐNG KÊ TỈNH {P}", "Cục Thống kê tỉnh {p}"),
                          ("CỤC THỐNG KÊ", "THỐNG KÊ TỈNH {P}", "Thống kê tỉnh {p}")),
}


def _level(period: str) -> str:
    return "XÃ, PHƯỜNG" if is_post_reform(period) else "HUYỆN, THÀNH PHỐ"


REPORT_TITLES: dict[str, Callable[[str, str], str]] = {
    "telecom": lambda pr, pe: "BÁO CÁO SỐ LIỆU THUÊ BAO VÀ HẠ TẦNG VIỄN THÔNG",
    "health": lambda pr, pe: "BÁO CÁO KẾT QUẢ TRIỂN KHAI HỒ SƠ SỨC KHỎE ĐIỆN TỬ VÀ CHUYỂN ĐỔI SỐ Y TẾ",
    "civil_id": lambda pr, pe: "BÁO CÁO KẾT QUẢ CẤP CĂN CƯỚC CÔNG DÂN VÀ ĐỊNH DANH ĐIỆN TỬ (ĐỀ ÁN 06)",
    "einvoice": lambda pr, pe: "BÁO CÁO TÌNH HÌNH SỬ DỤNG HÓA ĐƠN ĐIỆN TỬ VÀ KHAI THUẾ ĐIỆN TỬ",
    "population": lambda pr, pe: f"DÂN SỐ VÀ SỐ HỘ GIA ĐÌNH PHÂN THEO {_level(pe)}",
}

UNIT_LINES = {
    "telecom": "Đơn vị tính: thuê bao",
    "health": "Đơn vị tính: hồ sơ, cơ sở",
    "civil_id": "Đơn vị tính: hồ sơ, thẻ, tài khoản",
    "einvoice": "Đơn vị tính: doanh nghiệp, hóa đơn",
    "population": "Đơn vị tính: người, hộ",
}

FOOTNOTES = {
    "telecom": "Ghi chú: Số liệu do các doanh nghiệp viễn thông trên địa bàn (VNPT, Viettel, MobiFone) "
               "cung cấp; chiều dài cáp quang tính bằng km.",
    "health": "Ghi chú: Số hồ sơ sức khỏe điện tử tổng hợp từ Hệ thống hồ sơ sức khỏe điện tử của tỉnh.",
    "civil_id": "Ghi chú: Số liệu trích xuất từ Hệ thống cấp, quản lý căn cước và Hệ thống định danh và "
                "xác thực điện tử.",
    "einvoice": "Ghi chú: Số liệu tổng hợp từ Hệ thống hóa đơn điện tử và Hệ thống thuế điện tử "
                "của ngành Thuế.",
    "population": "Ghi chú: Dân số trung bình theo kết quả điều tra biến động dân số, nguồn lao động.",
}

_COMMON_INSTRUCTIONS = [
    "HƯỚNG DẪN GHI BIỂU",
    "1. Mỗi dòng là một đơn vị hành chính; dòng Tổng cộng bằng tổng các đơn vị.",
    "2. Số liệu ghi bằng số, không ghi chữ; đơn vị không phát sinh số liệu ghi dấu gạch ngang (-).",
    "3. Không đổi tên, không chèn hoặc xóa cột của biểu mẫu.",
]
INSTRUCTIONS = {
    "telecom": [*_COMMON_INSTRUCTIONS,
                "4. Số thuê bao là số thuê bao đang hoạt động tại thời điểm cuối kỳ báo cáo."],
    "health": [*_COMMON_INSTRUCTIONS, "4. Hồ sơ sức khỏe điện tử tính lũy kế từ khi triển khai."],
    "civil_id": [*_COMMON_INSTRUCTIONS, "4. Tài khoản định danh điện tử ghi riêng mức độ 1 và mức độ 2."],
    "einvoice": [*_COMMON_INSTRUCTIONS, "4. Số hóa đơn điện tử là số phát hành trong kỳ báo cáo."],
    "population": [*_COMMON_INSTRUCTIONS, "4. Số hộ gia đình theo danh sách hộ của thôn, tổ dân phố."],
}

_ABBREVIATIONS = {"Huyện ": "H. ", "Thành phố ": "TP. ", "Thị xã ": "TX. ", "Xã ": "X. ", "Phường ": "P. "}
# The unit lists use the old tone placement in a few names; departments often type the new one.
_NEW_TONE = {"oà": "òa", "oá": "óa", "oả": "ỏa", "oã": "õa", "oạ": "ọa",
             "uỳ": "ùy", "uý": "úy", "uỷ": "ủy", "uỹ": "ũy", "uỵ": "ụy"}


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
                text = short + text[len(word):]
                break
    elif mode == "upper":
        text = area.full_name.upper()
    else:
        text = area.full_name
    return new_tone(text) if new_tone_marks else text
