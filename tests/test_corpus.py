"""Every corpus case gets its verdict, rule and cell from `xhs validate` (in process)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.corpus import CASES, Case
from pipelines.validate import validate


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_corpus_case(tmp_path: Path, case: Case) -> None:
    status, result = validate(case.make(tmp_path), "telecom" if case.name != "csv_not_utf8" else None)
    errors = result.errors
    assert status == case.status, [f.message_en for f in result.findings]
    if case.rule is None:
        assert errors == []
        return
    assert errors, f"expected {case.rule}"
    first = errors[0]
    assert first.rule == case.rule, first.message_en
    if case.cell:
        assert first.cell == case.cell, first.message_en
    assert first.message_vi and first.message_en and first.message_vi != first.message_en
