"""The state store's record of each file's outcome (``StateStore.outcomes``): its findings are parsed once per
process and shared (issue #28), so what one caller does with its ``StagedFile`` must not reach another's."""

from __future__ import annotations

from pathlib import Path

import pytest

from sources.archive.state import StagedFile, StateStore
from sources.common.findings import error, warning


def test_each_call_gives_its_own_findings_with_the_recorded_content(tmp_path: Path) -> None:
    state = StateStore(tmp_path / "state.sqlite")
    findings = [
        error("text_in_numeric_cell", "Ô C5 có chữ", "Cell C5 holds text", sheet="Sheet1", cell="C5"),
        warning("early_rows", "Có dòng trước bảng", "Rows before the table", sheet="Sheet1"),
    ]
    state.record_many(
        [
            StagedFile("a" * 64, "a.xlsx", "telecom", "quarantined", "2024", "06", "Sheet1", findings, None, "k"),
            StagedFile("b" * 64, "b.xlsx", "telecom", "quarantined", "2024", "06", "Sheet1", list(findings), None, "k"),
        ]
    )
    first, second = state.outcomes(), state.outcomes()
    assert first["a" * 64].findings == findings and first["b" * 64].findings == findings
    assert first["a" * 64].errors == [findings[0]]
    first["a" * 64].findings.append(warning("late", "muộn", "late"))  # one caller adds a finding of its own
    first["b" * 64].findings.clear()
    assert second["a" * 64].findings == findings and second["b" * 64].findings == findings
    assert state.outcomes()["a" * 64].findings == findings


def test_the_outcomes_of_some_files_are_those_of_every_file_for_them(tmp_path: Path) -> None:
    state = StateStore(tmp_path / "state.sqlite")
    shas = [f"{i:064x}" for i in range(1200)]  # more than SQLite's parameters in one query before 3.32 (999)
    state.record_many([StagedFile(s, f"{s[-4:]}.xlsx", "telecom", "loaded", "2024", "06", "Sheet1") for s in shas])
    every = state.outcomes()
    for only in (set(shas[:3]) | {"f" * 64}, set(shas), set()):  # a few, one never recorded; many
        some = state.outcomes(only=only)
        assert sorted(some) == sorted(only & set(shas))
        assert all(some[s] == every[s] for s in some)


def test_records_kept_together_are_written_in_one_transaction(tmp_path: Path) -> None:
    """The last build's record and its files' digests (``assets.warehouse``) are written together, and the
    publication's digests are a copy of the build's: never one without the other (issue #28)."""
    state = StateStore(tmp_path / "state.sqlite")
    state.remember_all({"build": {"key": "k1"}, "build.files": {"a": "1", "b": "2"}})
    state.remember_all({"published": {"key": "k1"}}, copies={"published.files": "build.files"})
    assert state.memo("published.files") == {"a": "1", "b": "2"} and state.memo("published") == {"key": "k1"}
    with pytest.raises(TypeError):  # the second record cannot be written: the first is not written either
        state.remember_all({"build": {"key": "k2"}, "build.files": {"a": object()}})
    assert state.memo("build") == {"key": "k1"} and state.memo("build.files") == {"a": "1", "b": "2"}
    state.remember_all({}, copies={"published.files": "missing"})  # nothing to copy: nothing kept under the name
    assert state.memo("published.files") is None
