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
    coalesce(f.value_lower, f.value) AS value_lower,
    coalesce(f.value_upper, f.value) AS value_upper,
    CASE WHEN f.value IS NOT NULL THEN 'exact'
         WHEN f.value_lower IS NOT NULL AND f.value_upper IS NOT NULL THEN 'range'
         WHEN f.value_lower IS NOT NULL THEN 'lower'
         WHEN f.value_upper IS NOT NULL THEN 'upper' END AS value_bound,
    i.unit,
    i.kind              AS indicator_kind,
    i.scale_max,
    CASE WHEN i.out_of = 'provinces' THEN n.n_provinces ELSE TRY_CAST(i.out_of AS INTEGER) END AS out_of,
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
LEFT JOIN dim_area p_unit ON p_unit.vintage = a.vintage AND p_unit.code = a.province_code
LEFT JOIN (SELECT vintage, count(*) AS n_provinces FROM dim_area WHERE level = 'province' GROUP BY vintage) n
       ON n.vintage = a.vintage;
COMMENT ON VIEW v_indicator IS 'Chỉ tiêu dạng dễ đọc: tên chỉ tiêu, đơn vị hành chính, kỳ, giá trị (và các cận khi giá trị là một khoảng), đơn vị tính, loại chỉ tiêu và thang của nó. / Readable indicators: names, area, period, value (and its bounds when it is a range), unit, the kind of indicator and its scale.';

CREATE VIEW v_target_progress AS
WITH latest AS (
    SELECT f.indicator_code, f.area_key, f.period_code, f.value,
           row_number() OVER (PARTITION BY f.indicator_code, f.area_key ORDER BY d.end_date DESC) AS recency
    FROM fact_indicator f
    JOIN dim_area a USING (area_key)
    JOIN dim_period d USING (period_code)
    JOIN dim_indicator i USING (indicator_code)
    WHERE a.level = 'province' AND f.value IS NOT NULL
      AND (i.target_2025 IS NOT NULL OR i.target_2030 IS NOT NULL)
)
SELECT
    l.indicator_code,
    i.name_vi          AS indicator_name_vi,
    i.name_en          AS indicator_name_en,
    a.code             AS province_code,
    a.full_name        AS province_name,
    a.vintage,
    l.period_code      AS latest_period,
    round(l.value, 2)  AS value,
    i.unit,
    i.target_2025,
    round(l.value - i.target_2025, 2) AS gap_2025,
    l.value >= i.target_2025          AS met_2025,
    i.target_2030,
    round(l.value - i.target_2030, 2) AS gap_2030,
    l.value >= i.target_2030          AS met_2030,
    i.target_source
FROM latest l
JOIN dim_indicator i USING (indicator_code)
JOIN dim_area a USING (area_key)
WHERE l.recency = 1;
COMMENT ON VIEW v_target_progress IS 'Giá trị mới nhất của mỗi tỉnh so với mục tiêu quốc gia 2025/2030 và khoảng cách (giá trị − mục tiêu). / Latest value per province against the 2025/2030 national targets, and the gap (value − target).';

CREATE VIEW v_province_rollup AS
WITH successor AS (
    SELECT DISTINCT old_province_code, new_province_code FROM area_crosswalk
),
new_vintage AS (
    SELECT max(vintage) AS vintage FROM dim_area
),
predecessors AS (
    SELECT new_province_code, count(*) AS n_predecessors,
           string_agg(old_province_code, ', ' ORDER BY old_province_code) AS predecessor_codes
    FROM successor GROUP BY new_province_code
),
old_values AS (
    SELECT f.indicator_code, f.period_code, s.new_province_code, a.code AS old_province_code, f.value
    FROM fact_indicator f
    JOIN dim_area a USING (area_key)
    JOIN dim_indicator i USING (indicator_code)
    JOIN successor s ON s.old_province_code = a.code
    WHERE a.level = 'province' AND a.vintage < (SELECT vintage FROM new_vintage)
      AND i.kind IN ('count', 'sum') AND i.aggregate = 'sum' AND f.value IS NOT NULL
)
SELECT
    o.indicator_code,
    o.new_province_code                                   AS province_code,
    n.full_name                                           AS province_name,
    o.period_code,
    sum(o.value)                                          AS value,
    count(*)                                              AS predecessors_with_data,
    p.n_predecessors,
    count(*) = p.n_predecessors                           AS complete,
    string_agg(o.old_province_code, ', ' ORDER BY o.old_province_code) AS predecessors_reporting,
    p.predecessor_codes                                   AS predecessors_all
FROM old_values o
JOIN predecessors p USING (new_province_code)
JOIN dim_area n ON n.vintage = (SELECT vintage FROM new_vintage) AND n.code = o.new_province_code
GROUP BY o.indicator_code, o.new_province_code, n.full_name, o.period_code, p.n_predecessors, p.predecessor_codes;
COMMENT ON VIEW v_province_rollup IS 'Chuỗi số liệu (số đếm) của các tỉnh trước sắp xếp cộng dồn vào tỉnh hiện nay (ví dụ Bắc Kạn → Thái Nguyên), kèm mức độ đầy đủ: bao nhiêu tỉnh tiền thân có số liệu. Tỷ lệ, chỉ số, thứ hạng và số đếm không cộng được (aggregate = none) không có ở đây. / Pre-reform province series (counts) rolled up to today''s provinces (e.g. Bắc Kạn → Thái Nguyên), with completeness: how many predecessor provinces have data. Rates, indices, ranks and non-additive counts (aggregate = none) cannot be summed and are not rolled up.';
