"""The ``stg_<source>`` table's blocking check does not validate again the rows of a file its suite validated on its
own as it was staged (issue #28): it takes that file's Great Expectations result, and only when the file was checked
under the spec, suite and reader the table is checked with."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from expectations.files import check_staging_table, staging_validation_results
from sources.archive.state import StateStore
from sources.staging.stager import file_checks_memo, source_read_key
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
    table = root / "data" / "staging" / "stg_telecom.parquet"
    deliver(samples, root, FIRST)
    run(root)
    before = state.memo("stg_telecom.check")
    assert before is not None and before["outcome"]["checked_with_files"] == 0  # the first check: the whole table
    assert before["outcome"]["rows_checked"] == before["outcome"]["rows"] > 0

    deliver(samples, root, [THEN])
    run(root)
    [(sha,)] = query(root, "SELECT sha256 FROM meta_file WHERE original_name = ?", [Path(THEN).name])
    new_rows = pl.read_parquet(table).filter(pl.col("file_sha256") == sha).height
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

    # a check that did not pass last time validates the whole table, whatever the files' own checks said
    state.remember("stg_telecom.check", {**before, "outcome": {**before["outcome"], "errors": 1}})
    current = {sha: {"key": source_read_key("telecom"), "results": [], "findings": 0}}
    state.remember(file_checks_memo("telecom"), current)
    whole = check_staging_table("telecom", table, state)
    assert whole["checked_with_files"] == 0 and whole["rows_checked"] == whole["rows"] == outcome["rows"]
