"""The ``stg_<source>`` table's blocking check does not validate again the rows of a file its suite validated on its
own as it was staged (issue #28): it takes that file's Great Expectations result, and only when the file was checked
under the spec, suite and reader the table is checked with."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from expectations.files import check_staging_table, check_together, staging_validation_results
from sources.archive.raw import ArchivedObject, RawArchive
from sources.archive.state import StateStore
from sources.reading.reader import ReadResult, SuiteCheck
from sources.staging.stager import Stager, file_checks_memo, source_read_key, staging_parts
from tests.pipeline_helpers import query
from tests.test_incremental import deliver, run

pytestmark = pytest.mark.deployment  # make check leaves it out (tests/README.md)

FIRST = ["telecom/BC_vien_thong_BacKan_2022.xlsx", "telecom/so_lieu_thue_bao_bac_kan_2023.xlsx"]
THEN = "telecom/vien_thong_son_la_2023.xlsx"


@pytest.fixture(scope="module")
def samples(sample_files: Path) -> Path:
    return sample_files


def test_rows_a_file_validated_alone_are_taken_as_checked_only_under_the_same_suite(
    samples: Path, tmp_path: Path
) -> None:
    root = tmp_path / "deployment"
    state = StateStore(root / "data" / "state.sqlite")
    table = root / "data" / "staging" / "stg_telecom"
    deliver(samples, root, FIRST)
    run(root)
    before = state.memo("stg_telecom.check")
    assert before is not None and before["outcome"]["checked_with_files"] == 0  # the first check: the whole table
    assert before["outcome"]["rows_checked"] == before["outcome"]["rows"] > 0

    deliver(samples, root, [THEN])
    run(root)
    [(sha,)] = query(root, "SELECT sha256 FROM meta_file WHERE original_name = ?", [Path(THEN).name])
    new_rows = pl.read_parquet(staging_parts(table)).filter(pl.col("file_sha256") == sha).height
    after = state.memo("stg_telecom.check")
    assert after is not None and after["files"] == sorted([*before["files"], sha])
    outcome = after["outcome"]
    assert outcome["checked_with_files"] == 1 and outcome["rows_checked"] == new_rows > 0
    assert outcome["errors"] == 0 and outcome["rows"] == before["outcome"]["rows"] + new_rows
    # the file's own Great Expectations result is the check's, for Data Docs; the memo was taken
    [result] = staging_validation_results("telecom", state)
    assert result["statistics"]["evaluated_expectations"] > 0
    assert state.memo(file_checks_memo("telecom")) == {}

    # the same table checked again from the state before the check: with the file's result recorded under another
    # suite or reader, its rows are validated here; under the current ones, they are not
    for recorded_key, validated_here in (("an-older-suite", True), (source_read_key("telecom"), False)):
        state.remember("stg_telecom.check", before)
        state.remember(file_checks_memo("telecom"), {sha: {"key": recorded_key, "results": [result], "findings": 0}})
        again = check_staging_table("telecom", table, state)
        assert again["errors"] == 0 and again["rows_checked"] == new_rows
        assert again["checked_with_files"] == (0 if validated_here else 1)
        assert staging_validation_results("telecom", state) != [] and state.memo(file_checks_memo("telecom")) == {}

    # two files added since the last check: validated here, in one result, whatever their own checks said
    [first, *rest] = before["files"]
    both = {f: {"key": source_read_key("telecom"), "results": [result], "findings": 0} for f in (first, sha)}
    state.remember("stg_telecom.check", {**before, "files": rest})
    state.remember(file_checks_memo("telecom"), both)
    two = check_staging_table("telecom", table, state)
    assert two["checked_with_files"] == 0 and two["errors"] == 0
    added = pl.read_parquet(staging_parts(table)).filter(pl.col("file_sha256").is_in([first, sha]))
    assert two["rows_checked"] == added.height
    assert len(staging_validation_results("telecom", state)) == 1

    # a check that did not pass last time validates the whole table, whatever the files' own checks said
    state.remember("stg_telecom.check", {**before, "outcome": {**before["outcome"], "errors": 1}})
    current = {sha: {"key": source_read_key("telecom"), "results": [], "findings": 0}}
    state.remember(file_checks_memo("telecom"), current)
    whole = check_staging_table("telecom", table, state)
    assert whole["checked_with_files"] == 0 and whole["rows_checked"] == whole["rows"] == outcome["rows"]


def test_only_a_file_delivered_in_its_departments_folder_keeps_its_own_result(tmp_path: Path) -> None:
    """A file at the top of the landing folder is read with its department detected: its read key is not the
    department's, so the table's check could never take its result; it is not kept."""
    state = StateStore(tmp_path / "state.sqlite")
    stager = Stager(RawArchive(tmp_path / "raw"), state, tmp_path / "staging", check_together)
    checked = SuiteCheck([{"success": True}], 0)
    for folder, sha in ((None, "a" * 64), ("telecom", "b" * 64)):
        obj = ArchivedObject(sha, 1, ".xlsx", folder, "2026-12-06T00:00:00Z")
        stager._remember_suite_check(obj, ReadResult(tmp_path / "f.xlsx", "f.xlsx", "telecom", suite_check=checked))
    kept = state.memo(file_checks_memo("telecom"))
    assert kept == {"b" * 64: {"key": source_read_key("telecom"), "results": [{"success": True}], "findings": 0}}
