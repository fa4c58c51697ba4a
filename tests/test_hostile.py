"""Hostile and personal files (bench/hostile_corpus.py): each gets its verdict and rule from ``xhs validate``; the
sandbox survives a reader that aborts; ``xhs run`` quarantines every one, loads the good file, and no personal
value is written anywhere but the restricted quarantine."""

from __future__ import annotations

import json
import os
import shutil
import stat
import struct
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import polars as pl
import pytest

from bench.corpus import rows
from bench.crafted import sheet_xml as xml_of
from bench.crafted import workbook_parts, write_zip
from bench.hostile_corpus import CASES, PERSONAL_VALUES, Hostile, person_grid, write_corpus
from bench.workbooks import write
from pipelines.validate import validate, validate_command
from sources.common.masking import mask_personal_numbers
from sources.intake import Sandbox, mask, read_untrusted
from sources.intake.grid import read_sheets
from sources.intake.ole import _walk_biff
from sources.intake.personal import person_list_findings
from sources.intake.sandbox import read_in_sandbox
from sources.intake.sniff import sniff_bytes
from tests.pipeline_helpers import query, run_xhs


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_corpus(tmp_path_factory.mktemp("hostile"))


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_hostile_case_verdict(corpus: dict[str, Path], case: Hostile, capsys: pytest.CaptureFixture[str]) -> None:
    code = validate_command(corpus[case.name], None, None, as_json=True)
    out = json.loads(capsys.readouterr().out)
    assert out["status"] == case.status, out["findings"]
    assert code == {"valid": 0, "unreadable": 2}[case.status]
    errors = [f for f in out["findings"] if f["severity"] == "error"]
    if case.status == "valid":
        assert errors == []
        if case.rule:
            assert case.rule in [f["rule"] for f in out["findings"]]
        return
    assert errors[0]["rule"] == case.rule, errors[0]["message_en"]
    assert errors[0]["message_vi"] and errors[0]["message_en"] and errors[0]["message_vi"] != errors[0]["message_en"]


def test_the_cli_exits_2_on_a_zip_bomb(corpus: dict[str, Path]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "validate", str(corpus["zip_bomb"]), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert json.loads(done.stdout)["findings"][0]["rule"] == "zip_bomb"


def test_formulas_and_external_links_give_their_cached_values(corpus: dict[str, Path]) -> None:
    _, result = validate(corpus["formula_cached_value"], "telecom")
    assert result.totals["mobile_subscribers"] == 8000  # C11 = SUM(C3:C10), cached 8000: read, not evaluated
    _, linked = validate(corpus["external_link_cached_value"], "telecom")
    values = linked.values.filter(pl.col("cell") == "C3")["value"].to_list()
    assert values == [1000.0]  # C3 = [1]Sheet1!A1: the cached value; the linked workbook is never opened


def test_an_unguarded_crafted_file_kills_only_the_worker(corpus: dict[str, Path], tmp_path: Path) -> None:
    """calamine aborts the interpreter on the sparse corner cell (a 512 GiB allocation): without the zip guard
    the worker dies with SIGABRT, the file gets a reason, and the next file is read by a new worker."""
    sandbox = Sandbox()
    try:
        findings, sheets = read_in_sandbox(corpus["sparse_corner_cell"], "o_goc.xlsx", sandbox, guard=False)
        assert sheets is None and findings[0].rule == "reader_crashed"
        assert "SIGABRT" in findings[0].message_en or "SIGKILL" in findings[0].message_en
        good = write(tmp_path / "ok.xlsx", [["Năm 2022"], ["Đơn vị hành chính", "Di động"], ["Ba Bể", 5]])
        findings, sheets = read_in_sandbox(good, "ok.xlsx", sandbox)
        assert findings == [] and sheets and sheets[0].rows[2] == ["Ba Bể", 5.0]
        assert sandbox.starts == 2
    finally:
        sandbox.close()


def test_a_worker_past_its_wall_time_is_killed_and_replaced(tmp_path: Path) -> None:
    good = write(tmp_path / "ok.xlsx", [["Năm 2022"], ["Đơn vị hành chính", "Di động"], ["Ba Bể", 5]])
    slow = Sandbox(wall_seconds=0.0001)
    try:
        findings, sheets = read_in_sandbox(good, "ok.xlsx", slow)
        assert sheets is None and findings[0].rule == "reader_timeout"
        slow.wall_seconds = 30
        assert read_in_sandbox(good, "ok.xlsx", slow)[1] is not None and slow.starts == 2
    finally:
        slow.close()


def test_the_worker_is_reused_across_files(tmp_path: Path) -> None:
    sandbox = Sandbox()
    try:
        for i in range(3):
            good = write(tmp_path / f"ok{i}.xlsx", [["Năm 2022"], ["Đơn vị", "Di động"], ["Ba Bể", i]])
            assert read_untrusted(good, good.name, sandbox)[1] is not None
        assert sandbox.starts == 1
    finally:
        sandbox.close()


def test_a_worker_killed_between_files_is_replaced(tmp_path: Path) -> None:
    import signal

    good = write(tmp_path / "ok.xlsx", [["Năm 2022"], ["Đơn vị", "Di động"], ["Ba Bể", 1]])
    sandbox = Sandbox()
    try:
        assert read_untrusted(good, good.name, sandbox)[1] is not None
        assert sandbox.pid
        os.kill(sandbox.pid, signal.SIGKILL)
        assert read_untrusted(good, good.name, sandbox)[1] is not None and sandbox.starts == 2
    finally:
        sandbox.close()


def test_a_crafted_file_read_beside_others_is_blamed_alone(corpus: dict[str, Path], tmp_path: Path) -> None:
    """Threads share the process's intake worker: the file that kills it gets ``reader_crashed``, and every other
    file, sent before or after it by the other threads, is read (by the worker it was sent to, or a new one)."""
    good = [
        write(tmp_path / f"ok{i}.xlsx", [["Năm 2022"], ["Đơn vị hành chính", "Di động"], ["Ba Bể", i]])
        for i in range(12)
    ]
    crafted = corpus["sparse_corner_cell"]
    sandbox = Sandbox()

    def read(path: Path):
        return read_in_sandbox(path, path.name, sandbox, guard=path != crafted)

    try:
        with ThreadPoolExecutor(3) as pool:
            results = list(pool.map(read, [*good[:6], crafted, *good[6:]]))
    finally:
        sandbox.close()
    crashed = [i for i, (findings, sheets) in enumerate(results) if sheets is None]
    assert crashed == [6], [r[0] for r in results]
    assert results[6][0][0].rule == "reader_crashed"
    for i, (findings, sheets) in enumerate(results):
        if i != 6:
            assert findings == [] and sheets is not None and sheets[0].rows[2][1] == (i if i < 6 else i - 1)
    # the worker it killed had served other files, so it was sent once more to a new one, which it killed too; a
    # third worker is started only when a good file is sent after that (the threads' timing decides)
    assert sandbox.starts in (2, 3)


def test_the_worker_runs_under_its_limits() -> None:
    sandbox = Sandbox(memory_bytes=700 << 20)
    try:
        pid = sandbox.call({"op": "ping"})["pong"]
        limits = Path(f"/proc/{pid}/limits").read_text()
        line = next(x for x in limits.splitlines() if x.startswith("Max address space"))
        assert str(700 << 20) in line
        assert "Max core file size        0" in limits
        cpu = next(x for x in limits.splitlines() if x.startswith("Max cpu time")).split()
        assert cpu[3] != "unlimited" and int(cpu[3]) <= 20 + 2  # this file's CPU budget from now
    finally:
        sandbox.close()


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"PK\x03\x04rest", "zip"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole2"),
        (b"  <HTML><body>", "html"),
        (b"\xef\xbb\xbf<table><tr>", "html"),
        (b"STT,\xc4\x90\xc6\xa1n v\xe1\xbb\x8b\n1,Ba B\xe1\xbb\x83\n", "text"),
        (b"\x00\x01\x02\x03", "binary"),
        (b"", "empty"),
        (b'<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">', "spreadsheetml"),
    ],
)
def test_magic_bytes_decide_the_format(head: bytes, kind: str) -> None:
    assert sniff_bytes(head) == kind


def test_a_password_protected_xls_is_found_by_its_filepass_record() -> None:
    def records(*pairs: tuple[int, bytes]) -> bytes:
        return b"".join(struct.pack("<HH", kind, len(body)) + body for kind, body in pairs)

    bof, filepass, eof = (0x0809, struct.pack("<HHHH", 0x0600, 5, 0, 0)), (0x002F, b"\0\0"), (0x000A, b"")
    assert [f.rule for f in _walk_biff(records(bof, filepass), "x.xls")[0]] == ["password_protected"]
    # A DIMENSIONS record is a hint (tests/test_sheet_extent.py); a value out in column 1,501 is refused.
    dims = (0x0200, struct.pack("<IIHHH", 0, 70_000, 0, 255, 0))
    number = (0x0203, struct.pack("<HHHd", 0, 1500, 0, 1.0))

    def workbook(*sheet: tuple[int, bytes]) -> bytes:
        def globals_(at: int) -> bytes:
            return records(bof, (0x0085, struct.pack("<IBBBB", at, 0, 0, 2, 0) + b"S1"), eof)

        return globals_(len(globals_(0))) + records(bof, *sheet, eof)

    assert _walk_biff(workbook(dims), "x.xls")[0] == []
    [finding] = _walk_biff(workbook(dims, number), "x.xls")[0]
    assert (finding.rule, finding.sheet, finding.cell) == ("sheet_too_large", "S1", "BES1")


def test_masking_shows_four_and_three_characters() -> None:
    assert mask("006012345234") == "0060•••••234"
    assert mask("0912 345 678") == "0912•••678"


def test_aggregate_headers_and_a_contact_number_are_not_a_person_list() -> None:
    from sources.intake.grid import Sheet

    grid = [
        ["BÁO CÁO SỐ LIỆU THUÊ BAO NĂM 2022"],
        ["STT", "Đơn vị hành chính", "Thuê bao điện thoại di động", "Số hồ sơ CCCD đã thu nhận", "Điện thoại"],
        *rows(),
        ["Người lập biểu: Nguyễn Văn A, ĐT: 0912345678"],
        ["0912345678"],
    ]
    assert person_list_findings([Sheet("Biểu 01", grid)], "x.xlsx") == []
    assert person_list_findings([Sheet("DS", person_grid())], "x.xlsx")[0].rule == "personal_data"


def test_a_number_that_gets_past_intake_is_masked_in_every_finding(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A contact phone in a stray row and an ID typed into a value cell are not a person list, but the
    findings that quote them (row not an area, not a number) show them masked."""
    grid = [["Năm 2022"], ["STT", "Đơn vị hành chính", "Thuê bao di động"], *[r[:3] for r in rows()]]
    grid.insert(4, [None, "Liên hệ: Nguyễn Văn A, ĐT 0912 345 678", None])
    grid[6][2] = "CCCD 006012345234"
    assert validate_command(write(tmp_path / "vt_2022.xlsx", grid), None, None, as_json=True) == 1
    out = capsys.readouterr().out
    rules = {f["rule"] for f in json.loads(out)["findings"]}
    assert "not_a_number" in rules
    assert "0912•••678" in out and "0060•••••234" in out
    for raw in ("0912 345 678", "0912345678", "006012345234"):
        assert raw not in out
    assert (
        mask_personal_numbers("279.568 thuê bao, 1.234.567 hồ sơ, năm 2024, mã 06")
        == "279.568 thuê bao, 1.234.567 hồ sơ, năm 2024, mã 06"
    )


def test_ids_typed_as_numbers_under_an_id_header_are_personal() -> None:
    from sources.intake.grid import Sheet

    grid = [["Danh sách"], ["STT", "Đơn vị hành chính", "Số CCCD"], [1, "Ba Bể", 60012345234.0]]
    [finding] = person_list_findings([Sheet("DS", grid)], "x.xlsx")
    assert finding.rule == "personal_data" and "6001••••234" in finding.message_en
    assert "60012345234" not in finding.message_en + finding.message_vi + (finding.found or "")


def test_sample_workbooks_are_not_refused(tmp_path: Path) -> None:
    from sources.samples import write_samples

    for path in write_samples(tmp_path)[::6]:
        findings, sheets = read_untrusted(path, path.name)
        assert sheets is not None, [f.message_en for f in findings]
        assert [f.rule for f in findings if f.severity == "error"] == []


def test_a_real_xlsx_named_csv_is_read_as_xlsx(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "vt_2022.csv", workbook_parts(xml_of([["Năm 2022"], ["Đơn vị", "Di động"]])))
    findings, sheets = read_untrusted(path, path.name)
    assert [f.rule for f in findings] == ["extension_mismatch"] and sheets and sheets[0].name == "Biểu 01"
    assert read_sheets(path, "xlsx")[0].rows[0][0] == "Năm 2022"


def _text_everywhere(root: Path) -> bytes:
    """Every byte the pipeline wrote outside the landing folder and the restricted quarantine, with the
    warehouse's and the staging files' text columns dumped (their storage is compressed)."""
    out = []
    for p in root.rglob("*"):
        if p.is_file() and "landing" not in p.parts and "restricted" not in p.parts:
            out.append(p.read_bytes())
    for parquet in root.rglob("*.parquet"):
        out.append(pl.read_parquet(parquet).write_csv().encode())
    with duckdb.connect(str(root / "warehouse" / "xhs.duckdb"), read_only=True) as con:
        tables = con.execute("SELECT table_name FROM duckdb_tables()").fetchall()
        for (table,) in tables:
            out.append(str(con.execute(f'SELECT * FROM "{table}"').fetchall()).encode())
    return b"\n".join(out)


@pytest.mark.deployment
def test_xhs_run_quarantines_every_hostile_file_and_leaks_no_personal_value(
    corpus: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    landing = tmp_path / "landing" / "telecom"
    landing.mkdir(parents=True)
    corpus = {name: Path(shutil.copy(path, landing / path.name)) for name, path in corpus.items()}
    write(
        landing / "vt_tot_2022.xlsx",
        [["Năm 2022"], ["STT", "Đơn vị hành chính", "Thuê bao di động", "Trong đó: smartphone"], *rows()],
    )
    monkeypatch.setenv("XHS_LOG_LEVEL", "DEBUG")  # Dagster's own log lines are searched too
    done = run_xhs(tmp_path, "run", process=True)  # the run's own process survives every file
    assert done.returncode == 1, done.stderr[-3000:]
    statuses = dict(query(tmp_path, "SELECT original_name, status FROM meta_file"))
    for name, status in ((corpus[c.name].name, c.status) for c in CASES):
        assert statuses[name] == ("loaded" if status == "valid" else "unreadable"), name
    assert statuses["vt_tot_2022.xlsx"] == "loaded"
    rules = {r for (r,) in query(tmp_path, "SELECT DISTINCT rule FROM meta_finding WHERE severity = 'error'")}
    assert {c.rule for c in CASES if c.status == "unreadable"} <= rules

    restricted = tmp_path / "data" / "raw" / "restricted"
    kept = sorted(restricted.iterdir())
    assert len(kept) == 2 and stat.S_IMODE(restricted.stat().st_mode) == 0o700
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o400 for p in kept)
    assert not list((tmp_path / "data" / "raw" / "objects").rglob(kept[0].name))
    assert PERSONAL_VALUES[0].encode() in (restricted / next(p.name for p in kept if p.suffix == ".csv")).read_bytes()

    written = _text_everywhere(tmp_path) + done.stdout.encode() + done.stderr.encode()
    leaked = [v for v in PERSONAL_VALUES if v.encode() in written]
    assert leaked == [], f"personal values written outside the restricted quarantine: {leaked[:3]}"
    assert "0060•••••234".encode() in written  # the masked form is what the findings show
    assert os.getpid()  # and this process (and the run's) is alive
