"""The pipeline end to end on small workbooks: archive, quarantine, duplicates, corrections with history."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bench.workbooks import write
from tests.pipeline_helpers import query, run_xhs

pytestmark = pytest.mark.deployment  # make check leaves it out (tests/README.md)

HEADER = [["Năm 2022"], ["STT", "Đơn vị hành chính", "Thuê bao di động", "Thuê bao cố định"]]
NAMES = ["TP. Bắc Kạn", "Pác Nặm", "Ba Bể", "Ngân Sơn", "Bạch Thông", "Chợ Đồn", "Chợ Mới", "Na Rì"]


def telecom(path: Path, mobile: list[object], total: object | None = None) -> Path:
    rows = [[i + 1, n, mobile[i], 100] for i, n in enumerate(NAMES)]
    if total is not None:
        rows.append([None, "Tổng cộng", total, 800])
    return write(path, [*HEADER, *rows])


def test_good_and_bad_files_duplicates_and_corrections(tmp_path: Path) -> None:
    landing = tmp_path / "landing" / "telecom"
    telecom(landing / "vt_2022.xlsx", [1000] * 8, total=8000)
    telecom(landing / "vt_2022_loi.xlsx", [1000] * 7 + ["mười"])
    first = run_xhs(tmp_path, "run")
    assert first.returncode == 1, first.stderr  # finished, one file quarantined
    assert "vt_2022_loi.xlsx" in first.stdout and "C10" in first.stdout
    [report] = (tmp_path / "data" / "reports").glob("run-*.md")
    text = report.read_text(encoding="utf-8")
    assert "| telecom/vt_2022_loi.xlsx | quarantined |" in text and "| telecom/vt_2022.xlsx | loaded |" in text
    assert "| Biểu 01 | C10 | not_a_number | error |" in text and "phải là số" in text and "must be a number" in text

    province = (
        "SELECT value, file_sha256 FROM fact_indicator WHERE indicator_code = 'tel_mobile_subscribers' "
        "AND area_key = '2025-03-01/06' AND period_code = '2022'"
    )
    [(value, sha_v1)] = query(tmp_path, province)
    assert value == 8000
    statuses = dict(query(tmp_path, "SELECT original_name, status FROM meta_file"))
    assert statuses == {"vt_2022.xlsx": "loaded", "vt_2022_loi.xlsx": "quarantined"}
    from bench.harness import rejected_files  # what the benchmark counts, and fails on (issue #18)

    assert rejected_files(tmp_path / "warehouse" / "xhs.duckdb") == {"not_a_number": 1}
    [(cell, rule)] = query(tmp_path, "SELECT cell, rule FROM meta_finding WHERE severity = 'error'")
    assert (cell, rule) == ("C10", "not_a_number")

    # The same bytes under another name: recorded as a duplicate delivery, nothing loaded twice.
    shutil.copy(landing / "vt_2022.xlsx", tmp_path / "landing" / "ban_sao.xlsx")
    second = run_xhs(tmp_path, "run")
    assert second.returncode == 0, second.stderr
    assert query(tmp_path, "SELECT status FROM meta_file WHERE original_name = 'ban_sao.xlsx'") == [("duplicate",)]
    assert query(
        tmp_path,
        "SELECT count(*) FROM fact_indicator_history WHERE indicator_code = "
        "'tel_mobile_subscribers' AND area_key = '2025-03-01/06'",
    ) == [(1,)]

    # A corrected file for the same period supersedes; the old figure stays in the history.
    telecom(landing / "vt_2022_dinh_chinh.xlsx", [1000] * 7 + [1500])
    third = run_xhs(tmp_path, "run")
    assert third.returncode == 0, third.stderr
    [(value, sha_v2)] = query(tmp_path, province)
    assert value == 8500 and sha_v2 != sha_v1
    history = query(
        tmp_path,
        "SELECT value, valid_to IS NULL FROM fact_indicator_history WHERE indicator_code = "
        "'tel_mobile_subscribers' AND area_key = '2025-03-01/06' ORDER BY valid_from",
    )
    assert history == [(8000, False), (8500, True)]
    restated = query(tmp_path, "SELECT file_name, cell, expected, found FROM meta_finding WHERE rule = 'restatement'")
    assert restated == [("vt_2022_dinh_chinh.xlsx", "C10", "1000.0", "1500.0")]

    # Nothing delivered is lost: every file is in the archive, read-only.
    objects = sorted(p for p in (tmp_path / "data" / "raw" / "objects").rglob("*.xlsx"))
    assert len(objects) == 3
    assert all(oct(p.stat().st_mode)[-3:] == "440" for p in objects)  # and not world-readable (issue #19)


def test_run_is_idempotent(tmp_path: Path) -> None:
    telecom(tmp_path / "landing" / "telecom" / "vt_2022.xlsx", [1000] * 8)
    assert run_xhs(tmp_path, "run").returncode == 0
    sql = "SELECT * FROM fact_indicator ORDER BY ALL"
    before = query(tmp_path, sql)
    assert run_xhs(tmp_path, "run").returncode == 0
    assert query(tmp_path, sql) == before


def test_validate_json_shape(tmp_path: Path) -> None:
    import json

    bad = telecom(tmp_path / "bad.xlsx", [1000] * 7 + ["2OO"])
    result = run_xhs(tmp_path, "validate", str(bad), "--json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["status"] == "invalid" and report["source"] == "telecom" and report["period"] == "2022"
    [finding] = report["findings"]
    assert set(finding) == {"sheet", "cell", "rule", "severity", "message_vi", "message_en"}
    assert (finding["cell"], finding["rule"], finding["severity"]) == ("C10", "not_a_number", "error")

    good = telecom(tmp_path / "good.xlsx", [1000] * 8)
    assert run_xhs(tmp_path, "validate", str(good)).returncode == 0
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"not a workbook")
    assert run_xhs(tmp_path, "validate", str(junk), "--json").returncode == 2


def test_expectation_failure_names_the_cells(tmp_path: Path) -> None:
    import json

    rows = [[i + 1, n, 1000, 100, 900 if n != "Na Rì" else 1200] for i, n in enumerate(NAMES)]
    grid = [HEADER[0], [*HEADER[1], "Trong đó: smartphone"], *rows]
    result = run_xhs(tmp_path, "validate", str(write(tmp_path / "sp.xlsx", grid)), "--json")
    assert result.returncode == 1
    [finding] = json.loads(result.stdout)["findings"]
    assert finding["rule"] == "subset_exceeds_total"
    assert finding["cell"] == "C10, E10"
    assert "smartphone_subscribers" in finding["message_en"] and "Na Rì" not in finding["message_en"]


def test_cross_period_warnings(tmp_path: Path) -> None:
    """A cumulative counter that falls and a count that jumps between years are warnings, with the cell."""
    head = ["STT", "Đơn vị hành chính", "Số tài khoản định danh điện tử đã kích hoạt"]
    for year, last, ba_be in ((2022, 5000, 5000), (2023, 4000, 150000)):  # e-ID may grow 20x a year, not 30x
        values = {"Na Rì": last, "Ba Bể": ba_be}
        rows = [[i + 1, n, values.get(n, 5000)] for i, n in enumerate(NAMES)]
        write(tmp_path / "landing" / "civil_id" / f"eid_{year}.xlsx", [[f"Năm {year}"], head, *rows])
    result = run_xhs(tmp_path, "run")
    assert result.returncode == 0, result.stdout + result.stderr
    findings = query(tmp_path, "SELECT file_name, cell, rule, severity FROM meta_finding ORDER BY rule")
    assert findings == [
        ("eid_2023.xlsx", "C10", "cumulative_decrease", "warning"),
        ("eid_2023.xlsx", "C5", "year_on_year_jump", "warning"),
    ]


def test_a_file_missing_some_areas_is_loaded_with_a_warning_naming_them(tmp_path: Path) -> None:
    rows = [[i + 1, n, 1000, 100] for i, n in enumerate(NAMES[:-1])]  # Na Rì left out
    write(tmp_path / "landing" / "telecom" / "vt_2022.xlsx", [*HEADER, *rows])
    result = run_xhs(tmp_path, "run")
    assert result.returncode == 0, result.stderr
    [(rule, severity, en, expected, found)] = query(
        tmp_path, "SELECT rule, severity, message_en, expected, found FROM meta_finding"
    )
    assert (rule, severity, expected, found) == ("missing_areas", "warning", "8", "7")
    assert "7 of 8 district units of province 06; missing: Huyện Na Rì" in en
    assert query(tmp_path, "SELECT count(*) FROM fact_indicator WHERE area_key = '2025-03-01/06'") == [(0,)]
    assert query(tmp_path, "SELECT count(*) FROM fact_indicator WHERE indicator_code = 'tel_mobile_subscribers'") == [
        (7,)
    ]


def test_reported_province_value_wins_over_the_district_sum_with_a_warning(tmp_path: Path) -> None:
    """A national table by province (thousands, years across) and a district file of the same source and year:
    the province value the table reports is kept, and the disagreement names both figures (issue #12)."""
    landing = tmp_path / "landing" / "population"
    districts = [[i + 1, n, 10000] for i, n in enumerate(NAMES)]  # sum 80,000
    write(
        landing / "dan_so_bac_kan_2022.xlsx",
        [["Năm 2022"], ["STT", "Đơn vị hành chính", "Dân số trung bình"], *districts],
    )
    write(
        landing / "NGTK_dan_so.xlsx",
        [
            ["Dân số trung bình phân theo địa phương"],
            ["Đơn vị tính: Nghìn người"],
            [None, "2022"],
            ["CẢ NƯỚC", 99.0],
            ["Bắc Kạn", 81.5],
            ["Sơn La", 1288.0],
        ],
    )
    done = run_xhs(tmp_path, "run")
    assert done.returncode == 0, done.stdout + done.stderr
    rows = query(
        tmp_path,
        "SELECT area_key, value, derivation FROM fact_indicator WHERE indicator_code = 'pop_total' "
        "AND area_key IN ('2025-03-01/06', '2025-03-01/14') ORDER BY 1",
    )
    assert rows == [("2025-03-01/06", 81500.0, "reported"), ("2025-03-01/14", 1288000.0, "reported")]
    [(file_name, cell, found, expected, message)] = query(
        tmp_path,
        "SELECT file_name, cell, found, expected, message_en FROM meta_finding WHERE rule = 'province_sum_mismatch'",
    )
    assert (file_name, cell, found, expected) == ("NGTK_dan_so.xlsx", "B5", "81500.0", "80000.0")
    assert "dan_so_bac_kan_2022.xlsx" in message and "81500" in message and "80000" in message
    assert "The province value Bắc Kạn" in message  # as the national table writes it, read from its cell


def test_a_province_marked_no_data_keeps_its_district_sum_and_rounding_is_no_disagreement(tmp_path: Path) -> None:
    landing = tmp_path / "landing" / "population"
    for year, value in (("2022", 10001), ("2023", 10000)):
        write(
            landing / f"dan_so_bac_kan_{year}.xlsx",
            [
                [f"Năm {year}"],
                ["STT", "Đơn vị hành chính", "Dân số"],
                *[[i + 1, n, value] for i, n in enumerate(NAMES)],
            ],
        )
    # 80,008 persons published as 80.0 thousand is rounding, not a disagreement; ".." is no figure for 2023
    write(
        landing / "NGTK_dan_so.xlsx",
        [
            ["Dân số trung bình phân theo địa phương"],
            ["Đơn vị tính: Nghìn người"],
            [None, "2022", "2023"],
            ["Bắc Kạn", 80.0, ".."],
            ["Sơn La", 1288.0, 1301.0],
        ],
    )
    done = run_xhs(tmp_path, "run")
    assert done.returncode == 0, done.stdout + done.stderr
    rows = query(
        tmp_path,
        "SELECT period_code, value, derivation FROM fact_indicator WHERE indicator_code = "
        "'pop_total' AND area_key = '2025-03-01/06' ORDER BY 1",
    )
    assert rows == [("2022", 80000.0, "reported"), ("2023", 80000.0, "sum_of_areas")]
    assert query(tmp_path, "SELECT count(*) FROM meta_finding WHERE rule = 'province_sum_mismatch'") == [(0,)]
