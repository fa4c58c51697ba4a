-- Facts: the current value of every indicator, and every value ever loaded.

CREATE TABLE fact_indicator (
    indicator_code          VARCHAR NOT NULL,
    area_key                VARCHAR NOT NULL,
    period_code             VARCHAR NOT NULL,
    value                   DOUBLE,
    value_lower             DOUBLE,
    value_upper             DOUBLE,
    numerator_value         DOUBLE,
    denominator_value       DOUBLE,
    denominator_period_code VARCHAR,
    derivation              VARCHAR NOT NULL,
    file_sha256             VARCHAR,
    loaded_at               TIMESTAMP
    -- one row per (indicator_code, area_key, period_code): checked by the build (warehouse.history
    -- .check_one_value_per_key), not by a PRIMARY KEY, whose index made a one-province update of a national
    -- table cost seconds (issue #28)
);
COMMENT ON TABLE fact_indicator IS 'Giá trị hiện hành của mỗi chỉ tiêu theo đơn vị và kỳ. Giá trị tỉnh được cộng từ các đơn vị, trừ khi một tệp (bảng toàn quốc theo tỉnh) báo cáo trực tiếp; tỷ lệ được tính từ tử số và mẫu số. / Current value of every indicator by area and period. Province values are summed from area rows unless a file (a national table by province) reports them; rates are computed from numerator and denominator.';
COMMENT ON COLUMN fact_indicator.indicator_code IS 'Mã chỉ tiêu (dim_indicator). / Indicator code (dim_indicator).';
COMMENT ON COLUMN fact_indicator.area_key IS 'Khóa đơn vị (dim_area). / Area key (dim_area).';
COMMENT ON COLUMN fact_indicator.period_code IS 'Mã kỳ (dim_period). / Period code (dim_period).';
COMMENT ON COLUMN fact_indicator.value IS 'Giá trị; NULL = không có số liệu (không phải 0), hoặc giá trị chỉ biết theo khoảng/cận (value_lower, value_upper). / Value; NULL = no data (never 0), or a value known only by its bounds (value_lower, value_upper).';
COMMENT ON COLUMN fact_indicator.value_lower IS 'Cận dưới khi giá trị được báo cáo là một khoảng hoặc một cận ("20–25 %", "trên 80 %", "hơn 1 triệu"); NULL với giá trị chính xác. / Lower bound when the value was delivered as a range or a bound ("20–25 %", "over 80 %", "more than 1 million"); NULL for an exact value.';
COMMENT ON COLUMN fact_indicator.value_upper IS 'Cận trên khi giá trị được báo cáo là một khoảng hoặc một cận ("20–25 %", "gần 60 %"); NULL với giá trị chính xác hoặc khi không có cận trên. / Upper bound when the value was delivered as a range or a bound ("20–25 %", "nearly 60 %"); NULL for an exact value or when there is no upper bound.';
COMMENT ON COLUMN fact_indicator.numerator_value IS 'Tử số đã dùng (chỉ với tỷ lệ). / Numerator used (rates only).';
COMMENT ON COLUMN fact_indicator.denominator_value IS 'Mẫu số đã dùng (chỉ với tỷ lệ). / Denominator used (rates only).';
COMMENT ON COLUMN fact_indicator.denominator_period_code IS 'Kỳ của mẫu số: dân số cùng năm, hoặc năm gần nhất trước đó. / Period of the denominator: population of the same year, else the latest earlier year.';
COMMENT ON COLUMN fact_indicator.derivation IS 'reported: số liệu báo cáo; sum_of_areas: cộng từ các đơn vị (chỉ với chỉ tiêu aggregate = sum); sum: cộng các chỉ tiêu số hạng; rate: tính từ tử số/mẫu số. / reported; sum_of_areas (indicators with aggregate = sum only); sum: the terms added up; rate: computed from numerator and denominator.';
COMMENT ON COLUMN fact_indicator.file_sha256 IS 'SHA-256 của tệp nguồn (meta_file); với tỷ lệ là tệp của tử số. / SHA-256 of the source file (meta_file); for rates, the numerator''s file.';
COMMENT ON COLUMN fact_indicator.loaded_at IS 'Thời điểm giá trị được nạp (UTC). / When the value was loaded (UTC).';

CREATE TABLE fact_indicator_history (
    indicator_code VARCHAR NOT NULL,
    area_key       VARCHAR NOT NULL,
    period_code    VARCHAR NOT NULL,
    value          DOUBLE,
    value_lower    DOUBLE,
    value_upper    DOUBLE,
    derivation     VARCHAR NOT NULL,
    file_sha256    VARCHAR NOT NULL,
    valid_from     TIMESTAMP NOT NULL,
    valid_to       TIMESTAMP
);
COMMENT ON TABLE fact_indicator_history IS 'Mọi giá trị số đếm từng được nạp; tệp đính chính thay thế giá trị cũ mà không xóa. Giá trị "đã biết vào ngày D": valid_from <= D AND (valid_to IS NULL OR valid_to > D). / Every count value ever loaded; a corrected file supersedes without losing the old figure. As known on date D: valid_from <= D AND (valid_to IS NULL OR valid_to > D).';
COMMENT ON COLUMN fact_indicator_history.indicator_code IS 'Mã chỉ tiêu. / Indicator code.';
COMMENT ON COLUMN fact_indicator_history.area_key IS 'Khóa đơn vị. / Area key.';
COMMENT ON COLUMN fact_indicator_history.period_code IS 'Mã kỳ. / Period code.';
COMMENT ON COLUMN fact_indicator_history.value IS 'Giá trị trong khoảng hiệu lực. / Value during the validity interval.';
COMMENT ON COLUMN fact_indicator_history.value_lower IS 'Cận dưới (giá trị báo cáo là khoảng hoặc cận). / Lower bound (a value delivered as a range or a bound).';
COMMENT ON COLUMN fact_indicator_history.value_upper IS 'Cận trên (giá trị báo cáo là khoảng hoặc cận). / Upper bound (a value delivered as a range or a bound).';
COMMENT ON COLUMN fact_indicator_history.derivation IS 'reported hoặc sum_of_areas. / reported or sum_of_areas.';
COMMENT ON COLUMN fact_indicator_history.file_sha256 IS 'Tệp đã cung cấp giá trị. / File that delivered the value.';
COMMENT ON COLUMN fact_indicator_history.valid_from IS 'Bắt đầu hiệu lực: lần đầu tệp được nạp (UTC). / Valid from: when the file was first loaded (UTC).';
COMMENT ON COLUMN fact_indicator_history.valid_to IS 'Hết hiệu lực: khi tệp đính chính được nạp; NULL = hiện hành. / Valid to: when a correcting file was loaded; NULL = current.';
