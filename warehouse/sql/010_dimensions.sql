-- Dimensions: administrative units (keyed by vintage and code), the 2025 crosswalk, periods, indicators.

CREATE TABLE dim_area (
    area_key      VARCHAR PRIMARY KEY,
    vintage       VARCHAR NOT NULL,
    code          VARCHAR NOT NULL,
    level         VARCHAR NOT NULL,
    name          VARCHAR NOT NULL,
    full_name     VARCHAR NOT NULL,
    name_en       VARCHAR,
    parent_key    VARCHAR,
    province_code VARCHAR NOT NULL,
    valid_from    DATE,
    valid_to      DATE,
    UNIQUE (vintage, code)
);
COMMENT ON TABLE dim_area IS 'Đơn vị hành chính theo từng danh mục (trước/sau sắp xếp 1/7/2025), khóa (vintage, code) vì mã được dùng lại. / Administrative units per unit list (before/after the 1 July 2025 reform), keyed by (vintage, code) because codes are reused.';
COMMENT ON COLUMN dim_area.area_key IS 'Khóa đơn vị: "<vintage>/<code>", ví dụ 2025-03-01/058. / Unit key "<vintage>/<code>", e.g. 2025-03-01/058.';
COMMENT ON COLUMN dim_area.vintage IS 'Danh mục đơn vị: 2025-03-01 (trước sắp xếp, 3 cấp) hoặc 2025-07-01 (sau sắp xếp, 2 cấp). / Unit list: 2025-03-01 (pre-reform, 3 levels) or 2025-07-01 (post-reform, 2 levels).';
COMMENT ON COLUMN dim_area.code IS 'Mã đơn vị hành chính (tỉnh 2 số, huyện 3 số, xã 5 số; cả nước VN). / Official unit code (province 2 digits, district 3, commune 5; the whole country VN).';
COMMENT ON COLUMN dim_area.level IS 'Cấp: country (cả nước, từ bảng toàn quốc; không cộng từ các tỉnh) / province / district / commune. / Level: country (the whole country, from national tables; never the sum of the provinces), province, district or commune.';
COMMENT ON COLUMN dim_area.name IS 'Tên ngắn, không có loại đơn vị (Ba Bể). / Short name without the unit type (Ba Bể).';
COMMENT ON COLUMN dim_area.full_name IS 'Tên đầy đủ (Huyện Ba Bể). / Full name with the unit type (Huyện Ba Bể).';
COMMENT ON COLUMN dim_area.name_en IS 'Tên không dấu / tiếng Anh. / Name without diacritics / English name.';
COMMENT ON COLUMN dim_area.parent_key IS 'Khóa đơn vị cấp trên cùng danh mục. / Key of the parent unit in the same list.';
COMMENT ON COLUMN dim_area.province_code IS 'Mã tỉnh chứa đơn vị. / Code of the province the unit is in.';
COMMENT ON COLUMN dim_area.valid_from IS 'Ngày danh mục bắt đầu có hiệu lực (NULL: trước đó). / First day the unit list is in force (NULL: earlier).';
COMMENT ON COLUMN dim_area.valid_to IS 'Ngày cuối danh mục còn hiệu lực (NULL: hiện hành). / Last day the unit list is in force (NULL: current).';

CREATE TABLE area_crosswalk (
    old_area_key      VARCHAR NOT NULL,
    new_area_key      VARCHAR NOT NULL,
    old_province_code VARCHAR NOT NULL,
    new_province_code VARCHAR NOT NULL,
    split             VARCHAR NOT NULL
);
COMMENT ON TABLE area_crosswalk IS 'Bảng chuyển đổi xã trước sắp xếp sang xã sau 1/7/2025. / Pre-reform communes and the post-reform commune(s) they went into on 1 July 2025.';
COMMENT ON COLUMN area_crosswalk.old_area_key IS 'Khóa xã cũ (danh mục 2025-03-01). / Pre-reform commune key (list 2025-03-01).';
COMMENT ON COLUMN area_crosswalk.new_area_key IS 'Khóa xã mới (danh mục 2025-07-01). / Post-reform commune key (list 2025-07-01).';
COMMENT ON COLUMN area_crosswalk.old_province_code IS 'Mã tỉnh cũ. / Pre-reform province code.';
COMMENT ON COLUMN area_crosswalk.new_province_code IS 'Mã tỉnh mới. / Post-reform province code.';
COMMENT ON COLUMN area_crosswalk.split IS 'full: nhập toàn bộ vào một xã mới; partial: bị chia. / full: went wholly into one new commune; partial: was divided.';

CREATE TABLE dim_period (
    period_code VARCHAR PRIMARY KEY,
    period_type VARCHAR NOT NULL,
    start_date  DATE NOT NULL,
    end_date    DATE NOT NULL,
    year        INTEGER NOT NULL
);
COMMENT ON TABLE dim_period IS 'Kỳ báo cáo: năm, 6 tháng, quý, tháng, hoặc thời điểm (tính đến ngày). / Reporting periods: year, half-year, quarter, month or an as-of date.';
COMMENT ON COLUMN dim_period.period_code IS 'Mã kỳ: 2024, 2024-H1, 2024-Q2, 2024-06, 2024-06-13. / Period code: 2024, 2024-H1, 2024-Q2, 2024-06, 2024-06-13.';
COMMENT ON COLUMN dim_period.period_type IS 'Loại kỳ: year (năm), half (6 tháng), quarter (quý), month (tháng), date (thời điểm). / Period type: year, half, quarter, month or date (as of).';
COMMENT ON COLUMN dim_period.start_date IS 'Ngày đầu kỳ. / First day of the period.';
COMMENT ON COLUMN dim_period.end_date IS 'Ngày cuối kỳ (số liệu tích lũy tính đến ngày này). / Last day of the period (stocks are as of this day).';
COMMENT ON COLUMN dim_period.year IS 'Năm của ngày cuối kỳ. / Year of the period end.';

CREATE TABLE dim_indicator (
    indicator_code VARCHAR PRIMARY KEY,
    name_vi        VARCHAR NOT NULL,
    name_en        VARCHAR NOT NULL,
    unit           VARCHAR NOT NULL,
    pillar         VARCHAR NOT NULL,
    source         VARCHAR NOT NULL,
    kind           VARCHAR NOT NULL,
    numerator      VARCHAR,
    denominator    VARCHAR,
    aggregate      VARCHAR NOT NULL,
    scale_max      DOUBLE,
    out_of         VARCHAR,
    definition_vi  VARCHAR NOT NULL,
    definition_en  VARCHAR NOT NULL,
    target_2025    DOUBLE,
    target_2030    DOUBLE,
    target_source  VARCHAR
);
COMMENT ON TABLE dim_indicator IS 'Danh mục chỉ tiêu xã hội số: số đếm từ báo cáo và tỷ lệ tính từ tử số, mẫu số; mục tiêu quốc gia. / Catalogue of digital-society indicators: reported counts and rates computed from numerator and denominator; national targets.';
COMMENT ON COLUMN dim_indicator.indicator_code IS 'Mã chỉ tiêu, ví dụ tel_mobile_subscribers. / Indicator code, e.g. tel_mobile_subscribers.';
COMMENT ON COLUMN dim_indicator.name_vi IS 'Tên chỉ tiêu (tiếng Việt). / Indicator name in Vietnamese.';
COMMENT ON COLUMN dim_indicator.name_en IS 'Tên chỉ tiêu (tiếng Anh). / Indicator name in English.';
COMMENT ON COLUMN dim_indicator.unit IS 'Đơn vị tính. / Unit of measure.';
COMMENT ON COLUMN dim_indicator.pillar IS 'Trụ cột chuyển đổi số. / Digital-transformation pillar.';
COMMENT ON COLUMN dim_indicator.source IS 'Nguồn (sở, ngành) báo cáo. / Reporting source (department).';
COMMENT ON COLUMN dim_indicator.kind IS 'count: số đếm báo cáo; sum: số đếm cộng từ các số đếm khác; rate: tỷ lệ (tính từ tử số/mẫu số, hoặc do đơn vị báo cáo khi không có công thức); index: chỉ số theo thang điểm (scale_max); rank: thứ hạng, 1 là cao nhất (out_of). / count: a reported count; sum: a count added up from other counts; rate: a share or ratio (computed from numerator and denominator, or reported as such when it has no formula); index: a score on a scale (scale_max); rank: a position, 1 = first (out_of).';
COMMENT ON COLUMN dim_indicator.numerator IS 'Tử số của tỷ lệ, hoặc các số hạng của tổng (mã chỉ tiêu cộng lại, cách nhau bởi +). / Numerator of a rate, or the terms of a sum (indicator codes added up, joined by +).';
COMMENT ON COLUMN dim_indicator.denominator IS 'Mẫu số (mã chỉ tiêu). / Denominator (indicator code).';
COMMENT ON COLUMN dim_indicator.aggregate IS 'sum: giá trị tỉnh là tổng các đơn vị (trừ khi tỉnh được báo cáo trực tiếp); none: không bao giờ cộng, giá trị tỉnh chỉ là giá trị được báo cáo (tỷ lệ, chỉ số, thứ hạng, danh mục dùng chung). / sum: the province value is the sum of its areas (unless the province is reported itself); none: never summed, the province value is only the reported one (rates, indices, ranks, a catalogue every district shares).';
COMMENT ON COLUMN dim_indicator.scale_max IS 'Chỉ số: điểm tối đa của thang (ví dụ 1000). / Index: the top of its scale (e.g. 1000).';
COMMENT ON COLUMN dim_indicator.out_of IS 'Thứ hạng: số đơn vị được xếp hạng, hoặc provinces = số tỉnh của danh mục đơn vị đang áp dụng (63 trước 1/7/2025, 34 sau đó). Thứ hạng chỉ so sánh được trong cùng một danh mục; so sánh qua thời gian dùng điểm của chỉ số. / Rank: how many units are ranked, or provinces = the provinces of the unit list in force (63 before 1 July 2025, 34 after). A rank compares only within one unit list; over time, compare the index score.';
COMMENT ON COLUMN dim_indicator.definition_vi IS 'Định nghĩa (tiếng Việt). / Definition in Vietnamese.';
COMMENT ON COLUMN dim_indicator.definition_en IS 'Định nghĩa (tiếng Anh). / Definition in English.';
COMMENT ON COLUMN dim_indicator.target_2025 IS 'Mục tiêu quốc gia năm 2025. / National target for 2025.';
COMMENT ON COLUMN dim_indicator.target_2030 IS 'Mục tiêu quốc gia năm 2030. / National target for 2030.';
COMMENT ON COLUMN dim_indicator.target_source IS 'Văn bản quy định mục tiêu. / Document the targets come from.';
