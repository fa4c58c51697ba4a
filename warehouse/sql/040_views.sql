-- Views for analysts.

CREATE VIEW v_indicator AS
SELECT
    f.indicator_code,
    i.name_vi           AS indicator_name_vi,
    i.name_en           AS indicator_name_en,
    a.province_code,
    p_unit.name         AS province_name,
    a.level             AS area_level,
    a.code              AS area_code,
    a.full_name         AS area_name,
    a.name_en           AS area_name_en,
    f.period_code,
    d.period_type,
    d.end_date          AS period_end,
    f.value,
    i.unit,
    f.derivation,
    f.numerator_value,
    f.denominator_value,
    f.denominator_period_code,
    a.vintage,
    f.area_key,
    f.file_sha256
FROM fact_indicator f
JOIN dim_indicator i USING (indicator_code)
JOIN dim_area a USING (area_key)
JOIN dim_period d USING (period_code)
LEFT JOIN dim_area p_unit ON p_unit.vintage = a.vintage AND p_unit.code = a.province_code;
COMMENT ON VIEW v_indicator IS 'Chỉ tiêu dạng dễ đọc: tên chỉ tiêu, đơn vị hành chính, kỳ, giá trị, đơn vị tính. / Readable indicators: names, area, period, value, unit.';
