"""The kept versions of the published warehouse (issue #28): a second name of the file that was published, not a
copy of it, and still what was published after the next publication and after a rollback."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import duckdb
import pytest

from runtime.disk import DiskError
from warehouse.publish import current_version, list_versions, publish, rollback


def work_file(folder: Path, value: int) -> Path:
    """A closed DuckDB file holding ``value``, as a build leaves its work file."""
    path = folder / "work" / "xhs-work.duckdb"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE t AS SELECT ? AS v", [value])
    return path


def value_in(path: Path) -> int:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("SELECT v FROM t").fetchall()[0][0]


def test_a_kept_version_is_the_published_file_and_stays_what_was_published(tmp_path: Path) -> None:
    published = tmp_path / "warehouse" / "xhs.duckdb"
    first = publish(work_file(tmp_path, 1), published)
    assert first.stat().st_ino == published.stat().st_ino and published.stat().st_nlink == 2  # no copy made
    second = publish(work_file(tmp_path, 2), published)
    assert value_in(published) == 2 and value_in(second) == 2
    assert value_in(first) == 1 and first.stat().st_nlink == 1  # the new publication is a new file
    assert [v.name for v in list_versions(published)] == [first.name, second.name]

    rollback(published)  # a copy of the kept version, which stays as it was
    assert value_in(published) == 1 and current_version(published) == first.name
    assert published.stat().st_ino != first.stat().st_ino and value_in(first) == 1


def test_without_hard_links_the_version_is_a_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_links(src, dst, *args, **kwargs):
        raise OSError(errno.EPERM, "Operation not permitted", str(dst))

    monkeypatch.setattr("warehouse.publish.os.link", no_links)
    published = tmp_path / "warehouse" / "xhs.duckdb"
    version = publish(work_file(tmp_path, 7), published)
    assert version.stat().st_ino != published.stat().st_ino
    assert version.read_bytes() == published.read_bytes() and value_in(version) == 7


def test_a_full_disk_while_keeping_the_version_names_it_and_publishes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    published = tmp_path / "warehouse" / "xhs.duckdb"
    publish(work_file(tmp_path, 1), published)
    before = published.stat().st_ino

    def full(src, dst, *args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(dst))

    monkeypatch.setattr("warehouse.publish.os.link", full)
    with pytest.raises(DiskError) as raised:
        publish(work_file(tmp_path, 2), published)
    assert str(published.parent / "versions") in str(raised.value)
    assert published.stat().st_ino == before and value_in(published) == 1
