"""The landing folder is a trust boundary (issue #26), on real folders: real symbolic and hard links, real FIFOs,
real files growing while they are listed. These call the listing, the archive, ``xhs validate``, ``xhs doctor``'s
copy and the reply paths directly; the one end-to-end run is in ``tests/test_landing_run.py``."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from sources.archive.landing import (
    LINK_REFUSED,
    NAME_REFUSED,
    NOT_A_FILE,
    ChangedSinceListing,
    LandingRefused,
    list_landing,
    name_problem,
    open_file,
    settle_seconds_from_env,
    shown,
)
from sources.archive.raw import RawArchive

TOKEN = "XHS-SECRET-7f3a9c0e5d"  # what a host file holds; it must never be read


@pytest.fixture()
def secret(tmp_path: Path) -> Path:
    """A file outside the landing folder that xhs's account can read (a password file, a private key)."""
    path = tmp_path / "host" / "passwd"
    path.parent.mkdir()
    path.write_text(f"root:x:0:0:{TOKEN}:/root:/bin/bash\n", encoding="utf-8")
    return path


def workbook(path: Path, data: bytes = b"PK\x03\x04 a workbook") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def everything_under(folder: Path) -> bytes:
    """Every byte of every file under ``folder``, never through a link."""
    out = b""
    for top, _, files in os.walk(folder):
        for name in files:
            p = Path(top) / name
            if p.is_file() and not p.is_symlink():
                out += p.read_bytes()
    return out


def test_links_special_files_and_bad_names_are_refused_one_finding_each(tmp_path: Path, secret: Path) -> None:
    landing = tmp_path / "landing"
    good = workbook(landing / "telecom" / "bao_cao_2024.xlsx")
    os.symlink(secret, landing / "telecom" / "passwd.csv")  # a link to a host file
    (tmp_path / "host" / "dept").mkdir()
    workbook(tmp_path / "host" / "dept" / "bao_cao.xlsx")
    os.symlink(tmp_path / "host" / "dept", landing / "health")  # a folder link: never descended into
    os.mkfifo(landing / "telecom" / "pipe.xlsx")
    os.link(secret, landing / "telecom" / "hard.csv")  # a hard link whose other name is outside
    os.link(good, landing / "telecom" / "same_bytes_again.xlsx")  # both names inside: read, as two deliveries
    workbook(landing / "telecom" / "bao\ncao.xlsx")
    workbook(landing / "telecom" / "a\x1bb.xlsx")
    workbook(landing / "telecom" / "bao\\..\\..\\x.xlsx")
    (landing / "bad\tfolder").mkdir()
    workbook(landing / "bad\tfolder" / "ok_name.xlsx")  # under a refused folder name: not descended
    for temporary in ("up.xlsx.part", "up.xlsx.filepart", "x.tmp", ".~lock.a.xlsx#", "~$bao_cao.xlsx", ".hidden.xlsx"):
        workbook(landing / "telecom" / temporary)

    listing = list_landing(landing)
    assert [f.path for f in listing.files] == ["telecom/bao_cao_2024.xlsx", "telecom/same_bytes_again.xlsx"]
    assert listing.unsettled == []
    assert {(r.path, r.rule, r.kind) for r in listing.refused} == {
        ("health", LINK_REFUSED, "symbolic link"),
        ("telecom/passwd.csv", LINK_REFUSED, "symbolic link"),
        ("telecom/hard.csv", LINK_REFUSED, "hard link"),
        ("telecom/pipe.xlsx", NOT_A_FILE, "FIFO"),
        ("telecom/bao\\ncao.xlsx", NAME_REFUSED, "name"),
        ("telecom/a\\x1bb.xlsx", NAME_REFUSED, "name"),
        ("telecom/bao\\..\\..\\x.xlsx", NAME_REFUSED, "name"),
        ("bad\\tfolder", NAME_REFUSED, "name"),
    }
    for r in listing.refused:  # bilingual, naming the entry, never its target or content
        assert r.message_vi and r.message_en and r.path in r.message_en and r.path in r.message_vi
        assert str(tmp_path / "host") not in r.message_en + r.message_vi + r.kind
        assert TOKEN not in r.message_en + r.message_vi

    archive = RawArchive(tmp_path / "data" / "raw")
    done = archive.take_in(landing, listing)
    assert len(done.new) == 1 and len(done.redelivered) == 1 and done.refused == [] and done.changed == []
    assert TOKEN.encode() not in everything_under(tmp_path / "data")


def test_a_name_too_long_or_not_utf8_is_refused_and_shown_escaped() -> None:
    assert name_problem("bao_cao_2024.xlsx") is None
    assert name_problem("Báo cáo viễn thông – Bắc Kạn 2024.xlsx") is None  # Vietnamese names are fine
    assert name_problem("ễ" * 83 + ".xlsx") is None  # 254 bytes (ễ is 3 bytes in UTF-8)
    assert name_problem("ễ" * 84 + ".xlsx") is not None  # 84 characters, but 257 bytes
    assert name_problem("a" * 251 + ".xls") is None  # 255 bytes
    assert name_problem("a" * 252 + ".xls") == ("tên dài quá 255 byte", "the name is longer than 255 bytes")
    undecodable = os.fsdecode(b"bad\xffname.xlsx")  # bytes a Linux file name may hold
    assert name_problem(undecodable) == ("tên không phải UTF-8", "the name is not UTF-8")
    assert name_problem("x\u202egpj.xlsx") is not None  # a right-to-left override hiding the real suffix
    assert shown(undecodable) == "bad\\xffname.xlsx"
    assert shown("a\nb\u202ec") == "a\\nb\\u202ec"
    assert len(shown("x" * 1000)) == 160


def test_folders_nested_too_deep_are_a_finding_not_a_crash(tmp_path: Path) -> None:
    from sources.archive.landing import MAX_DEPTH

    landing = tmp_path / "landing"
    deep = landing.joinpath(*(f"d{i}" for i in range(MAX_DEPTH + 5)))
    workbook(deep / "bao_cao.xlsx")
    workbook(landing.joinpath(*(f"d{i}" for i in range(MAX_DEPTH - 1))) / "deepest_read.xlsx")
    listing = list_landing(landing)
    assert [f.path.count("/") for f in listing.files] == [MAX_DEPTH - 1]
    [refused] = listing.refused
    assert refused.rule == NAME_REFUSED and refused.path.count("/") == MAX_DEPTH
    assert "nearer the top" in refused.message_en


def test_a_link_or_fifo_swapped_in_after_the_listing_is_refused(tmp_path: Path, secret: Path) -> None:
    landing = tmp_path / "landing"
    target = workbook(landing / "telecom" / "bao_cao_2024.xlsx")
    workbook(landing / "telecom" / "pipe.xlsx")
    workbook(landing / "health" / "bao_cao.xlsx")
    listing = list_landing(landing)
    assert len(listing.files) == 3 and listing.refused == []

    # after the listing: the file becomes a link to a host file, another becomes a FIFO, a folder becomes a link
    os.symlink(secret, landing / "telecom" / "swap")
    os.replace(landing / "telecom" / "swap", target)
    (landing / "telecom" / "pipe.xlsx").unlink()
    os.mkfifo(landing / "telecom" / "pipe.xlsx")  # a FIFO with no writer: opening must not hang
    (landing / "health").rename(tmp_path / "host" / "health")
    os.symlink(tmp_path / "host" / "health", landing / "health")

    archive = RawArchive(tmp_path / "data" / "raw")
    done = archive.take_in(landing, listing)
    assert {(r.path, r.rule) for r in done.refused} == {
        ("telecom/bao_cao_2024.xlsx", LINK_REFUSED),
        ("telecom/pipe.xlsx", NOT_A_FILE),
        ("health", LINK_REFUSED),
    }
    assert done.new == [] and archive.all() == []
    assert TOKEN.encode() not in everything_under(tmp_path / "data")
    with pytest.raises(LandingRefused), open_file(landing, "health/bao_cao.xlsx"):  # opened by name: refused too
        pass


def test_a_file_replaced_or_changed_while_archived_is_left_for_the_next_run(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    replaced = workbook(landing / "telecom" / "a.xlsx", b"first upload")
    growing = workbook(landing / "telecom" / "b.xlsx", b"the first half")
    listing = list_landing(landing)
    workbook(landing / "telecom" / "new.tmp", b"a new upload, renamed over the old one").replace(replaced)

    [b] = [f for f in listing.files if f.name == "b.xlsx"]
    with open_file(landing, b.path, expected=b) as opened:
        sha = opened.sha256()
        with growing.open("ab") as f:  # more bytes arrive between the hash and the copy
            f.write(b" and the second half")
        with pytest.raises(ChangedSinceListing):
            opened.copy_to(tmp_path / "copy", sha, 0o440)
    assert not (tmp_path / "copy").exists()  # never half a file

    archive = RawArchive(tmp_path / "data" / "raw")
    done = archive.take_in(landing, listing)
    assert sorted(done.changed) == ["telecom/a.xlsx", "telecom/b.xlsx"] and archive.all() == []
    done = archive.take_in(landing, list_landing(landing))  # the next run: both as they are now
    assert len(done.new) == 2 and done.changed == []
    stored = sorted(p.read_bytes() for p in (tmp_path / "data" / "raw" / "objects").rglob("*.xlsx"))
    assert stored == [b"a new upload, renamed over the old one", b"the first half and the second half"]


def test_uploads_settle_by_change_time_which_an_uploader_cannot_set(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    f = workbook(landing / "telecom" / "bao_cao_2024.xlsx")
    listing = list_landing(landing, settle_seconds=60)
    assert [u.path for u in listing.unsettled] == ["telecom/bao_cao_2024.xlsx"] and listing.files == []
    os.utime(f, (time.time() - 3600, time.time() - 3600))  # an old modification time does not make it settled
    assert [u.path for u in list_landing(landing, settle_seconds=60).unsettled] == ["telecom/bao_cao_2024.xlsx"]
    later = list_landing(landing, settle_seconds=60, now=time.time() + 61)
    assert [g.path for g in later.files] == ["telecom/bao_cao_2024.xlsx"] and later.unsettled == []


def test_the_settle_time_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XHS_SETTLE_SECONDS", raising=False)
    assert settle_seconds_from_env() == 60
    monkeypatch.setenv("XHS_SETTLE_SECONDS", "2.5")
    assert settle_seconds_from_env() == 2.5
    for bad in ("-1", "soon", "nan", "inf"):
        monkeypatch.setenv("XHS_SETTLE_SECONDS", bad)
        with pytest.raises(ValueError, match="XHS_SETTLE_SECONDS"):
            settle_seconds_from_env()


def test_xhs_run_waits_for_an_upload_to_settle_and_skips_one_still_changing(tmp_path: Path) -> None:
    from pipelines.up_to_date import settled_listing

    def wait_for_uploads(landing: Path, settle: float) -> list[str]:
        return [f.path for f in settled_listing(landing, settle).unsettled]

    landing = tmp_path / "landing"
    workbook(landing / "telecom" / "done_soon.xlsx")
    assert wait_for_uploads(landing, 0.5) == []  # it stopped changing: waited for, then read
    assert [f.path for f in list_landing(landing, 0.5).files] == ["telecom/done_soon.xlsx"]

    slow = workbook(landing / "telecom" / "slow.xlsx")
    stop = threading.Event()

    def upload() -> None:
        while not stop.wait(0.1):
            with slow.open("ab") as f:
                f.write(b"x")

    writer = threading.Thread(target=upload)
    writer.start()
    try:
        assert wait_for_uploads(landing, 0.5) == ["telecom/slow.xlsx"]  # still changing after 0.5 s: skipped
    finally:
        stop.set()
        writer.join()


def test_reply_paths_stay_inside_the_feedback_folder(tmp_path: Path) -> None:
    from warehouse.replies import reply_path

    folder = tmp_path / "feedback"
    for landing_path in (
        "../../etc/cron.d/x.xlsx",
        "/etc/passwd",
        "..\\..\\..\\x.xlsx",
        "telecom/../../../x.xlsx",
        "telecom/a\nb.xlsx",
        "..",
        "",
        "telecom/" + "ễ" * 90 + ".xlsx",
    ):
        out = reply_path(folder, landing_path)
        assert out.resolve().is_relative_to(folder.resolve()), landing_path
        assert all(len(part.encode()) <= 255 and "\n" not in part for part in out.relative_to(folder).parts)
    assert reply_path(folder, "telecom/bao_cao.xls") == folder / "telecom" / "bao_cao.xls - kiem tra.xlsx"
    long_a, long_b = (reply_path(folder, "t/" + "a" * 250 + s) for s in (".xlsx", ".xls"))
    assert long_a != long_b  # cut names keep a digest of the whole path


def test_xhs_validate_refuses_a_link_and_a_fifo(tmp_path: Path, secret: Path) -> None:
    from pipelines.validate import validate, validate_command

    link = tmp_path / "passwd.csv"
    os.symlink(secret, link)
    status, result = validate(link, "telecom")
    assert status == "unreadable" and [f.rule for f in result.findings] == [LINK_REFUSED]
    reply = tmp_path / "reply.xlsx"
    assert validate_command(link, "telecom", None, as_json=True, feedback=reply) == 2
    assert reply.exists() and TOKEN.encode() not in reply.read_bytes()

    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    status, result = validate(fifo, "telecom")  # returns at once: a FIFO is never read
    assert status == "unreadable" and [f.rule for f in result.findings] == [NOT_A_FILE]


def test_xhs_doctor_copies_a_damaged_object_back_only_from_a_regular_file(tmp_path: Path) -> None:
    from pipelines.doctor import copy_again_from_landing

    landing = tmp_path / "landing"
    original = workbook(landing / "telecom" / "a.xlsx", b"the delivered bytes")
    archive = RawArchive(tmp_path / "raw")
    [obj] = archive.ingest(landing)[0]
    damaged = archive.object_path(obj.sha256, obj.suffix)
    os.chmod(damaged, 0o640)
    damaged.unlink()  # set aside by xhs doctor --repair
    outside = tmp_path / "elsewhere.xlsx"
    outside.write_bytes(b"the delivered bytes")
    original.unlink()
    os.symlink(outside, original)  # the same bytes, behind a link
    assert not copy_again_from_landing(archive, landing, damaged) and not damaged.exists()
    original.unlink()
    original.write_bytes(b"the delivered bytes")
    assert copy_again_from_landing(archive, landing, damaged) and damaged.read_bytes() == b"the delivered bytes"


def test_an_unchanged_landing_file_whose_object_is_gone_is_copied_again(tmp_path: Path) -> None:
    """A landing file in the state it was archived in is not opened again (``landing_file``), unless its object is
    no longer held: set aside by ``xhs doctor --repair``, or moved away by hand. The archive lists its objects once
    per intake (issue #28) instead of a stat per file; this is what that listing must still catch."""
    landing = tmp_path / "landing"
    workbook(landing / "telecom" / "a.xlsx", b"the delivered bytes")
    workbook(landing / "telecom" / "b.xlsx", b"other bytes")
    archive = RawArchive(tmp_path / "raw")
    objects = {o.name: o for o in archive.ingest(landing)[0]}
    gone = archive.object_path(objects["a.xlsx"].sha256, ".xlsx")
    kept = archive.object_path(objects["b.xlsx"].sha256, ".xlsx")
    os.chmod(gone, 0o640)
    gone.unlink()
    before = kept.stat().st_mtime_ns
    archive.ingest(landing)
    assert gone.read_bytes() == b"the delivered bytes"
    assert kept.stat().st_mtime_ns == before  # held: not copied again
