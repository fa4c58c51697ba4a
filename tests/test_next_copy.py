"""The copy of the publication made ahead for the next incremental build (issue #28, ``warehouse.next_copy``): taken
only when it is a copy of the file published now, on this boot; otherwise the build copies the file itself."""

from __future__ import annotations

import errno
import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import pytest

from runtime.stopping import STOP
from warehouse import next_copy
from warehouse.build import COPIED, EMPTY, MADE_AHEAD, open_work_database
from warehouse.next_copy import (
    copy_in_background,
    made_while_the_run_ends,
    note_of,
    prepare_next_copy,
    take_next_copy,
)
from warehouse.publish import publish, rollback


@pytest.fixture(autouse=True)
def this_boot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The boot id Linux gives (``/proc/sys/kernel/random/boot_id``), here a file of the test's own."""
    boot = tmp_path / "this_boot_id"
    boot.write_text("7b3c1f52-0000-4000-8000-000000000001\n", encoding="ascii")
    monkeypatch.setattr(next_copy, "BOOT_ID", boot)


def published_with(folder: Path, value: int) -> Path:
    """Publish a one-row warehouse holding ``value``; the published path."""
    work, published = folder / "work" / "xhs-work.duckdb", folder / "warehouse" / "xhs.duckdb"
    work.parent.mkdir(parents=True, exist_ok=True)
    published.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(work)) as con:
        con.execute("CREATE TABLE t AS SELECT ? AS v", [value])
    publish(work, published)
    return published


def value_in(path: Path) -> int:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("SELECT v FROM t").fetchone()[0]


def test_the_copy_made_ahead_is_taken_once_for_the_publication_it_copies(tmp_path: Path) -> None:
    published = published_with(tmp_path, 1)
    work = tmp_path / "work" / "xhs-work.duckdb"
    made = prepare_next_copy(published, work)
    assert made is not None and made.read_bytes() == published.read_bytes()
    assert take_next_copy(published, work) and value_in(work) == 1
    assert not made.exists() and not note_of(work).exists()
    work.unlink()
    assert not take_next_copy(published, work) and not work.exists()  # taken already


def test_a_copy_of_another_publication_is_not_taken(tmp_path: Path) -> None:
    published = published_with(tmp_path, 1)
    work = tmp_path / "work" / "xhs-work.duckdb"
    prepare_next_copy(published, work)
    published_with(tmp_path, 2)  # published since: the copy is of the one before
    assert not take_next_copy(published, work) and not work.exists()
    con, started = open_work_database(work, start_from=published)
    assert started == COPIED and con.execute("SELECT v FROM t").fetchone()[0] == 2
    con.close()

    prepare_next_copy(published, work)
    rollback(published)  # the publication before put back: a copy of it, another file
    assert not take_next_copy(published, work)
    con, started = open_work_database(work, start_from=published)
    assert started == COPIED and con.execute("SELECT v FROM t").fetchone()[0] == 1
    con.close()


def test_a_copy_made_before_a_restart_of_the_machine_is_not_taken(tmp_path: Path, monkeypatch) -> None:
    published = published_with(tmp_path, 1)
    work = tmp_path / "work" / "xhs-work.duckdb"
    prepare_next_copy(published, work)
    boot = tmp_path / "boot_id"
    boot.write_text("another-boot\n", encoding="ascii")
    monkeypatch.setattr(next_copy, "BOOT_ID", boot)  # its bytes may never have reached the disk
    assert not take_next_copy(published, work)


def test_a_copy_replaced_after_its_note_is_not_taken(tmp_path: Path) -> None:
    published = published_with(tmp_path, 1)
    work = tmp_path / "work" / "xhs-work.duckdb"
    made = prepare_next_copy(published, work)
    assert made is not None
    other = made.with_name("other")
    other.write_bytes(made.read_bytes())
    os.replace(other, made)  # same bytes, another file than the note describes
    assert not take_next_copy(published, work) and not work.exists()


def test_no_copy_without_a_publication_or_a_boot_id(tmp_path: Path, monkeypatch) -> None:
    work = tmp_path / "work" / "xhs-work.duckdb"
    assert prepare_next_copy(tmp_path / "warehouse" / "xhs.duckdb", work) is None
    published = published_with(tmp_path, 1)
    monkeypatch.setattr(next_copy, "BOOT_ID", tmp_path / "missing")  # not Linux
    assert prepare_next_copy(published, work) is None and not next_copy.next_copy(work).exists()


def test_a_full_build_removes_the_copy_made_ahead(tmp_path: Path) -> None:
    published = published_with(tmp_path, 1)
    work = tmp_path / "work" / "xhs-work.duckdb"
    made = prepare_next_copy(published, work)
    assert made is not None
    con, started = open_work_database(work)
    con.close()
    assert started == EMPTY and not made.exists() and not note_of(work).exists()
    prepare_next_copy(published, work)
    con, started = open_work_database(work, start_from=published)
    assert started == MADE_AHEAD and con.execute("SELECT v FROM t").fetchone()[0] == 1
    con.close()


def test_a_published_file_replaced_by_hand_is_not_taken_for_the_copy(tmp_path: Path) -> None:
    published = published_with(tmp_path, 1)
    work = tmp_path / "work" / "xhs-work.duckdb"
    prepare_next_copy(published, work)
    other = tmp_path / "other.duckdb"
    with duckdb.connect(str(other)) as con:
        con.execute("CREATE TABLE t AS SELECT 3 AS v")
    os.replace(other, published)  # an operator's file in place, the publication pointer unchanged
    assert not take_next_copy(published, work)
    con, started = open_work_database(work, start_from=published)
    assert started == COPIED and con.execute("SELECT v FROM t").fetchone()[0] == 3
    con.close()


def slowed_copies(monkeypatch: pytest.MonkeyPatch) -> None:
    """Copies made 64 KiB at a time, 50 ms each: still under way when the test looks (a 400 MB file's copy, at
    size XL, took 1.8-2.9 s)."""
    real = os.sendfile
    monkeypatch.setattr(next_copy, "COPY_CHUNK", 64 << 10)

    def sendfile(*args: int) -> int:
        time.sleep(0.05)
        return real(*args)

    monkeypatch.setattr(next_copy.os, "sendfile", sendfile)


def raising(error: Exception) -> Callable[..., int]:
    """A ``sendfile`` that fails with ``error``."""

    def sendfile(*args: int) -> int:
        raise error

    return sendfile


def leftovers(work: Path) -> list[Path]:
    made = next_copy.next_copy(work)
    return [p for p in (made, made.with_name(made.name + ".tmp"), note_of(work)) if p.exists()]


def test_under_xhs_run_the_copy_is_made_in_the_background_and_finished_when_the_run_ends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    published = published_with(tmp_path, 1)
    work = tmp_path / "work" / "xhs-work.duckdb"
    slowed_copies(monkeypatch)
    assert not copy_in_background(published, work)  # no command waits for it: the step makes the copy itself
    assert not leftovers(work)
    with made_while_the_run_ends() as unmade:
        assert copy_in_background(published, work)
        assert not note_of(work).exists()  # returned while the copy is under way
    assert unmade == [] and next_copy.next_copy(work).read_bytes() == published.read_bytes()  # finished by then
    assert take_next_copy(published, work) and value_in(work) == 1


def test_a_build_started_while_the_copy_is_made_waits_for_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    published = published_with(tmp_path, 1)
    work = tmp_path / "work" / "xhs-work.duckdb"
    slowed_copies(monkeypatch)
    with made_while_the_run_ends():
        copy_in_background(published, work)
        con, started = open_work_database(work, start_from=published)
        assert started == MADE_AHEAD and con.execute("SELECT v FROM t").fetchone()[0] == 1
        con.close()


def test_a_full_disk_in_the_background_copy_is_said_by_the_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    published = published_with(tmp_path, 1)
    work = tmp_path / "work" / "xhs-work.duckdb"
    with monkeypatch.context() as patched, made_while_the_run_ends() as unmade:
        patched.setattr(next_copy.os, "sendfile", raising(OSError(errno.ENOSPC, "No space left on device")))
        assert copy_in_background(published, work)
    assert len(unmade) == 1 and "no copy of the publication made for the next build" in unmade[0]
    assert "bản sao" in unmade[0] and "xhs-work.duckdb.next.tmp" in unmade[0]  # the file the disk refused
    assert not leftovers(work)
    con, started = open_work_database(work, start_from=published)  # the next build copies the publication
    assert started == COPIED and con.execute("SELECT v FROM t").fetchone()[0] == 1
    con.close()


def test_a_stop_ends_the_background_copy_and_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    published = published_with(tmp_path, 1)
    work = tmp_path / "work" / "xhs-work.duckdb"
    slowed_copies(monkeypatch)
    try:
        with made_while_the_run_ends() as unmade:
            assert copy_in_background(published, work)
            STOP.set()  # SIGTERM to xhs run
    finally:
        STOP.clear()
    assert unmade == [] and not leftovers(work)  # the stop is what the command reports


def test_another_error_of_the_background_copy_is_raised_by_the_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    published = published_with(tmp_path, 1)
    work = tmp_path / "work" / "xhs-work.duckdb"
    monkeypatch.setattr(next_copy.os, "sendfile", raising(ValueError("a defect in the copy")))
    with pytest.raises(ValueError, match="a defect in the copy"), made_while_the_run_ends():
        copy_in_background(published, work)
    assert not leftovers(work)


def test_two_copies_at_once_are_made_one_after_the_other(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two ``xhs run`` at once: one run's copy, outliving its lake step, while the other's is made. Into one file at
    once, the first to finish renamed it from under the second, which then failed (FileNotFoundError)."""
    published = published_with(tmp_path, 1)
    work = tmp_path / "work" / "xhs-work.duckdb"
    slowed_copies(monkeypatch)
    with monkeypatch.context() as patched:
        patched.setattr(next_copy, "_valid", lambda *args: None)  # neither takes the other's copy as its own
        with ThreadPoolExecutor(2) as pool:
            made = [f.result() for f in [pool.submit(prepare_next_copy, published, work) for _ in range(2)]]
    assert made == [next_copy.next_copy(work)] * 2
    assert take_next_copy(published, work) and value_in(work) == 1
