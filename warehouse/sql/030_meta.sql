-- Operational metadata: every delivered file and every finding.

CREATE TABLE meta_file (
    sha256            VARCHAR NOT NULL,
    original_name     VARCHAR NOT NULL,
    landing_path      VARCHAR NOT NULL,
    source            VARCHAR,
    period_code       VARCHAR,
    province_code     VARCHAR,
    status            VARCHAR NOT NULL,
    size_bytes        BIGINT NOT NULL,
    received_at       TIMESTAMP NOT NULL,
    loaded_at         TIMESTAMP,
    n_values          BIGINT,
    n_errors          BIGINT,
    n_warnings        BIGINT
);
COMMENT ON TABLE meta_file IS 'Mỗi lần nộp tệp một dòng: tệp, nguồn, kỳ, trạng thái. Cùng nội dung nộp lại dưới tên khác có trạng thái duplicate. / One row per delivered file: file, source, period, status. The same bytes delivered again under another name have status duplicate.';
COMMENT ON COLUMN meta_file.sha256 IS 'SHA-256 nội dung tệp (khóa của bản lưu gốc). / SHA-256 of the bytes (the raw archive key).';
COMMENT ON COLUMN meta_file.original_name IS 'Tên tệp khi nộp. / File name as delivered.';
COMMENT ON COLUMN meta_file.landing_path IS 'Đường dẫn trong thư mục tiếp nhận. / Path inside the landing folder.';
COMMENT ON COLUMN meta_file.source IS 'Nguồn (telecom, health, civil_id, einvoice, population). / Source.';
COMMENT ON COLUMN meta_file.period_code IS 'Kỳ báo cáo đã xác định. / Reporting period detected.';
COMMENT ON COLUMN meta_file.province_code IS 'Mã tỉnh của các đơn vị trong tệp. / Province of the areas in the file.';
COMMENT ON COLUMN meta_file.status IS 'loaded / quarantined (có lỗi, không nạp) / unreadable / duplicate. / loaded, quarantined (has errors, not loaded), unreadable or duplicate.';
COMMENT ON COLUMN meta_file.size_bytes IS 'Kích thước (byte). / Size in bytes.';
COMMENT ON COLUMN meta_file.received_at IS 'Thời điểm tiếp nhận (UTC). / When the delivery was received (UTC).';
COMMENT ON COLUMN meta_file.loaded_at IS 'Thời điểm nạp lần đầu (UTC). / When its values were first loaded (UTC).';
COMMENT ON COLUMN meta_file.n_values IS 'Số giá trị đọc được. / Number of values read.';
COMMENT ON COLUMN meta_file.n_errors IS 'Số lỗi. / Number of error findings.';
COMMENT ON COLUMN meta_file.n_warnings IS 'Số cảnh báo. / Number of warning findings.';

CREATE TABLE meta_finding (
    file_sha256 VARCHAR,
    file_name   VARCHAR,
    sheet       VARCHAR,
    cell        VARCHAR,
    rule        VARCHAR NOT NULL,
    severity    VARCHAR NOT NULL,
    message_vi  VARCHAR NOT NULL,
    message_en  VARCHAR NOT NULL,
    expected    VARCHAR,
    found       VARCHAR,
    area_key    VARCHAR
);
COMMENT ON TABLE meta_finding IS 'Mọi phát hiện khi kiểm tra dữ liệu: tệp, sheet, ô, quy tắc, mức độ, nội dung song ngữ. / Every validation finding: file, sheet, cell, rule, severity, message in both languages.';
COMMENT ON COLUMN meta_finding.file_sha256 IS 'Tệp (meta_file.sha256); NULL với mục trong thư mục tiếp nhận không được mở (liên kết, tệp đặc biệt, tên không hợp lệ: link_refused, not_a_file, name_refused, unreadable). / File (meta_file.sha256); NULL for an entry of the landing folder that was not opened (a link, a special file, a refused name: link_refused, not_a_file, name_refused, unreadable).';
COMMENT ON COLUMN meta_finding.file_name IS 'Tên tệp; với mục không được mở, đường dẫn trong thư mục tiếp nhận. / File name; for an entry that was not opened, its path in the landing folder.';
COMMENT ON COLUMN meta_finding.sheet IS 'Tên sheet. / Sheet name.';
COMMENT ON COLUMN meta_finding.cell IS 'Ô, ví dụ D12. / Cell address, e.g. D12.';
COMMENT ON COLUMN meta_finding.rule IS 'Quy tắc bị vi phạm, ví dụ not_a_number. / Rule, e.g. not_a_number.';
COMMENT ON COLUMN meta_finding.severity IS 'error (tệp không được nạp) hoặc warning. / error (file not loaded) or warning.';
COMMENT ON COLUMN meta_finding.message_vi IS 'Nội dung (tiếng Việt). / Message in Vietnamese.';
COMMENT ON COLUMN meta_finding.message_en IS 'Nội dung (tiếng Anh). / Message in English.';
COMMENT ON COLUMN meta_finding.expected IS 'Giá trị mong đợi. / Expected.';
COMMENT ON COLUMN meta_finding.found IS 'Giá trị tìm thấy. / Found.';
COMMENT ON COLUMN meta_finding.area_key IS 'Đơn vị mà phát hiện liên quan (dim_area), với các phát hiện so sánh giữa các tệp (tổng tỉnh, đính chính, chuỗi số liệu, thiếu đơn vị); NULL với phát hiện của cả tệp. / Area the finding is about (dim_area), for the findings made across files (province sums, restatements, series, missing areas); NULL for a file''s own findings.';
