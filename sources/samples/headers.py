"""Header wordings of the sample workbooks: several variants per source, as departments word them.

A header is a tree: a ``Node`` with a ``field`` is a data column (its label is one of the spec's aliases or a
group label above it); a node with ``children`` is a merged group header over them. Depth 1–3 rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field


@dataclass(frozen=True)
class Node:
    label: str
    field: str | None = None
    children: tuple[Node, ...] = dc_field(default=())

    def depth(self) -> int:
        return 1 + max((c.depth() for c in self.children), default=0)

    def leaves(self) -> list[Node]:
        return [self] if not self.children else [x for c in self.children for x in c.leaves()]


def leaf(label: str, fname: str) -> Node:
    return Node(label, fname)


def group(label: str, *children: Node) -> Node:
    return Node(label, None, tuple(children))


HEADERS: dict[str, list[tuple[Node, ...]]] = {
    "telecom": [
        (
            group("Thuê bao điện thoại", leaf("Cố định", "fixed_subscribers"),
                  leaf("Di động", "mobile_subscribers"),
                  leaf("Trong đó: smartphone", "smartphone_subscribers")),
            leaf("Thuê bao Internet", "internet_subscribers"),
            leaf("Số hộ gia đình có kết nối cáp quang", "ftth_households"),
            leaf("Số trạm BTS", "bts_stations"),
            leaf("Chiều dài cáp quang (km)", "fibre_km"),
        ),
        (
            leaf("Thuê bao điện thoại cố định", "fixed_subscribers"),
            leaf("Thuê bao điện thoại di động", "mobile_subscribers"),
            leaf("Thuê bao điện thoại thông minh", "smartphone_subscribers"),
            leaf("Tổng thuê bao Internet", "internet_subscribers"),
            leaf("Hộ gia đình có Internet cáp quang", "ftth_households"),
            leaf("Trạm BTS", "bts_stations"),
            leaf("Cáp quang (km)", "fibre_km"),
        ),
        (
            group("Thuê bao viễn thông",
                  group("Thuê bao điện thoại", leaf("Cố định", "fixed_subscribers"),
                        leaf("Di động", "mobile_subscribers"),
                        leaf("Trong đó: điện thoại thông minh", "smartphone_subscribers")),
                  leaf("Thuê bao Internet", "internet_subscribers")),
            group("Hạ tầng viễn thông", leaf("Trạm phát sóng BTS", "bts_stations"),
                  leaf("Tuyến cáp quang (km)", "fibre_km")),
            leaf("Hộ gia đình có kết nối Internet cáp quang", "ftth_households"),
        ),
        (
            group("Số thuê bao (thuê bao)", leaf("TB cố định", "fixed_subscribers"),
                  leaf("TB di động", "mobile_subscribers"), leaf("TB smartphone", "smartphone_subscribers"),
                  leaf("TB Internet", "internet_subscribers")),
            leaf("Số hộ có cáp quang", "ftth_households"),
            leaf("Số trạm phát sóng BTS", "bts_stations"),
            leaf("Chiều dài cáp quang", "fibre_km"),
        ),
    ],
    "health": [
        (
            group("Hồ sơ sức khỏe điện tử (HSSKĐT)", leaf("Số hồ sơ SKĐT đã tạo lập", "ehr_records"),
                  leaf("Số hồ sơ đã chuẩn hóa thông tin hành chính", "ehr_standardised")),
            group("Số cơ sở y tế (cơ sở)", leaf("Tổng số cơ sở KCB", "facilities"),
                  leaf("Triển khai HIS", "facilities_his"),
                  leaf("Tiếp nhận KCB bằng CCCD gắn chip", "facilities_chip_id"),
                  leaf("Thanh toán không dùng tiền mặt", "facilities_cashless")),
        ),
        (
            leaf("Số hồ sơ sức khỏe điện tử đã tạo lập", "ehr_records"),
            leaf("Đã chuẩn hóa thông tin", "ehr_standardised"),
            leaf("Tổng số cơ sở khám chữa bệnh", "facilities"),
            leaf("Số cơ sở triển khai phần mềm HIS", "facilities_his"),
            leaf("Số cơ sở tiếp nhận KCB bằng CCCD gắn chip/VNeID", "facilities_chip_id"),
            leaf("Số cơ sở thanh toán không dùng tiền mặt", "facilities_cashless"),
        ),
        (
            leaf("Số người có HSSKĐT", "ehr_records"),
            leaf("Số hồ sơ đã chuẩn hóa", "ehr_standardised"),
            leaf("Số cơ sở KCB", "facilities"),
            leaf("Cơ sở có HIS", "facilities_his"),
            leaf("Tiếp nhận bằng CCCD/VNeID", "facilities_chip_id"),
            leaf("Cơ sở thanh toán không dùng tiền mặt", "facilities_cashless"),
        ),
    ],
    "civil_id": [
        (
            leaf("Số hồ sơ CCCD đã thu nhận", "cccd_applications"),
            leaf("Số thẻ CCCD đã trả", "cccd_issued"),
            leaf("Số hồ sơ định danh điện tử", "eid_applications"),
            group("Số tài khoản định danh điện tử đã kích hoạt", leaf("Mức độ 1", "eid_activated_level1"),
                  leaf("Mức độ 2", "eid_activated_level2")),
        ),
        (
            leaf("Hồ sơ cấp CCCD", "cccd_applications"),
            leaf("Thẻ CCCD đã cấp", "cccd_issued"),
            leaf("Hồ sơ ĐDĐT", "eid_applications"),
            leaf("Tài khoản ĐDĐT đã kích hoạt", "eid_activated"),
        ),
        (
            group("Căn cước công dân", leaf("Thu nhận hồ sơ CCCD", "cccd_applications"),
                  leaf("Đã trả thẻ CCCD", "cccd_issued")),
            group("Định danh điện tử (VNeID)", leaf("Số hồ sơ ĐDĐT", "eid_applications"),
                  group("Số tài khoản ĐDĐT đã kích hoạt", leaf("Mức độ 1", "eid_activated_level1"),
                        leaf("Mức độ 2", "eid_activated_level2"))),
        ),
        (
            group("Căn cước công dân gắn chip", leaf("Số hồ sơ CCCD", "cccd_applications"),
                  leaf("Số thẻ CCCD đã cấp", "cccd_issued")),
            group("Tài khoản định danh điện tử", leaf("Hồ sơ định danh điện tử", "eid_applications"),
                  leaf("Đã kích hoạt", "eid_activated")),
        ),
        (
            leaf("Số hồ sơ CCCD đã thu nhận", "cccd_applications"),
            leaf("Số thẻ CCCD đã cấp", "cccd_issued"),
            leaf("Số hồ sơ ĐDĐT", "eid_applications"),
            leaf("Số tài khoản ĐDĐT đã kích hoạt", "eid_activated"),
        ),
    ],
    "einvoice": [
        (
            leaf("Số doanh nghiệp đang hoạt động", "active_enterprises"),
            leaf("Số doanh nghiệp sử dụng hóa đơn điện tử", "einvoice_enterprises"),
            leaf("Số hóa đơn điện tử đã phát hành", "einvoices_issued"),
            leaf("Số cơ sở sử dụng HĐĐT khởi tạo từ máy tính tiền", "cash_register_businesses"),
            leaf("Số doanh nghiệp khai thuế điện tử", "etax_enterprises"),
        ),
        (
            leaf("DN đang hoạt động", "active_enterprises"),
            group("Hóa đơn điện tử", leaf("DN sử dụng HĐĐT", "einvoice_enterprises"),
                  leaf("Số HĐĐT đã phát hành", "einvoices_issued"),
                  leaf("HĐĐT từ máy tính tiền", "cash_register_businesses")),
            leaf("Kê khai thuế điện tử", "etax_enterprises"),
        ),
        (
            leaf("Doanh nghiệp đang hoạt động", "active_enterprises"),
            leaf("Doanh nghiệp sử dụng HĐĐT", "einvoice_enterprises"),
            leaf("Số HĐĐT", "einvoices_issued"),
            leaf("HĐĐT khởi tạo từ máy tính tiền", "cash_register_businesses"),
            leaf("DN khai thuế điện tử", "etax_enterprises"),
        ),
    ],
    "population": [
        (
            leaf("Dân số trung bình (người)", "total"),
            leaf("Dân số từ 14 tuổi trở lên", "age_14_plus"),
            leaf("Dân số từ 18 tuổi trở lên", "adult"),
            leaf("Dân số trong độ tuổi lao động", "working_age"),
            leaf("Số hộ gia đình", "households"),
        ),
        (
            leaf("Dân số trung bình", "total"),
            group("Trong đó", leaf("Từ 14 tuổi trở lên", "age_14_plus"), leaf("Từ 18 tuổi trở lên", "adult"),
                  leaf("Trong độ tuổi lao động", "working_age")),
            leaf("Tổng số hộ", "households"),
        ),
        (
            leaf("Tổng dân số", "total"),
            leaf("Dân số từ 14 tuổi", "age_14_plus"),
            leaf("Dân số trưởng thành", "adult"),
            leaf("Trong độ tuổi lao động", "working_age"),
            leaf("Số hộ", "households"),
        ),
    ],
}

# A column no spec has (the reader warns and skips it): source → (label, what it holds).
EXTRA_COLUMNS: dict[str, tuple[str, str]] = {
    "telecom": ("Tỷ lệ thuê bao smartphone (%)", "ratio:smartphone_subscribers/mobile_subscribers"),
    "health": ("Tỷ lệ hồ sơ đã chuẩn hóa (%)", "ratio:ehr_standardised/ehr_records"),
    "civil_id": ("Ghi chú", "blank"),
    "einvoice": ("Ghi chú", "blank"),
    "population": ("Ghi chú", "blank"),
}

AREA_HEADERS_PRE = ["Đơn vị hành chính", "Huyện/Thành phố", "Tên đơn vị", "Địa bàn", "Huyện, thành phố",
                    "Đơn vị", "Huyện/thị xã/thành phố", "Địa phương"]
AREA_HEADERS_POST = ["Xã/Phường", "Xã, phường", "Tên xã, phường", "Đơn vị hành chính cấp xã", "Đơn vị"]
CODE_HEADERS = ["Mã ĐVHC", "Mã đơn vị", "Mã", "Mã đơn vị hành chính"]


def prune(nodes: tuple[Node, ...], keep: set[str]) -> tuple[Node, ...]:
    """The header without the data columns whose field is not in ``keep`` (empty groups disappear)."""
    out = []
    for n in nodes:
        if n.children:
            kids = prune(n.children, keep)
            if kids:
                out.append(Node(n.label, None, kids))
        elif n.field in keep:
            out.append(n)
    return tuple(out)


def covered(nodes: tuple[Node, ...]) -> set[str]:
    return {x.field for n in nodes for x in n.leaves() if x.field}
