"""The expectation suites as data (``expectations/*.json`` and the suites derived from the specs): well formed,
loadable by Great Expectations, in agreement with the departmental specs (every part_of checked), hand-written
expectations appended. What the suites catch on frames is in ``tests/test_expectations.py``."""

from __future__ import annotations

import json
import string
from pathlib import Path

import pytest

from expectations import runner
from expectations.derived import derived_expectations
from expectations.runner import referenced_columns, suite_names
from sources.specs.model import load_specs
from tests.test_expectations import ID_COLUMNS

SOURCES = list(load_specs())
PLACEHOLDERS = {"column", "column_A", "column_B", "columns", "count", "values"}


def test_suite_names() -> None:
    assert suite_names() == sorted([*SOURCES, "fact_indicator"])


def test_json_files_are_hand_written_suites_only() -> None:
    """A department's JSON holds only what its spec cannot say; the rest is derived, never written twice."""
    for path in runner.SUITE_DIR.glob("*.json"):
        suite = json.loads(path.read_text(encoding="utf-8"))
        assert suite["name"] == path.stem
        if path.stem not in SOURCES:
            continue
        derived = derived_expectations(load_specs()[path.stem])
        assert suite["expectations"], path
        for e in suite["expectations"]:
            assert e not in derived, (path, e)


@pytest.mark.parametrize("name", suite_names())
def test_suite_is_well_formed(name: str) -> None:
    suite = runner.load_suite(name)
    assert suite["name"] == name
    assert suite["expectations"]
    used = set().union(*(runner.suite_parameters(e) for e in suite["expectations"]))
    assert set(suite["meta"]["parameters"]) == used
    for e in suite["expectations"]:
        meta = e["meta"]
        assert meta["rule"] and meta["rule"] == meta["rule"].lower() and meta["rule"].isidentifier(), e
        assert meta.get("severity", "error") in {"error", "warning"}
        for key in ("message_vi", "message_en"):
            used = {f for _, f, _, _ in string.Formatter().parse(meta[key]) if f}
            assert used <= PLACEHOLDERS, (e, used)
            columns_named = {"column", "column_A", "column_B", "columns"} & used
            assert columns_named, f"{name}: message does not name its column(s): {meta[key]}"
            row_level = e["type"] not in {"expect_column_to_exist", "expect_column_values_to_not_be_null"}
            assert not row_level or "values" in used, f"{name}: message does not show the values: {meta[key]}"


@pytest.mark.parametrize("name", suite_names())
def test_suite_loads_into_great_expectations(name: str) -> None:
    gx = runner.import_great_expectations()
    suite = gx.ExpectationSuite(**runner.load_suite(name))
    assert len(suite.expectations) == len(runner.load_suite(name)["expectations"])


@pytest.mark.parametrize("source", SOURCES)
def test_source_suite_matches_spec(source: str) -> None:
    suite = runner.load_suite(source)
    fields = [f.name for f in load_specs()[source].fields]
    by_type: dict[str, list[dict]] = {}
    for e in suite["expectations"]:
        by_type.setdefault(e["type"], []).append(e)
    existing = {e["kwargs"]["column"] for e in by_type["expect_column_to_exist"]}
    assert existing == set(ID_COLUMNS)  # a partial file loads what it has (issue #12): every field is optional
    assert set(suite["meta"]["optional_columns"]) == set(fields)
    non_negative = {
        e["kwargs"]["column"]
        for e in by_type["expect_column_values_to_be_between"]
        if e["meta"]["rule"] == "negative_count"
    }
    assert non_negative == set(fields)
    referenced = set().union(*(referenced_columns(e) for e in suite["expectations"]))
    assert referenced <= {*ID_COLUMNS, *fields}
    unique = by_type["expect_compound_columns_to_be_unique"]
    assert [set(e["kwargs"]["column_list"]) for e in unique] == [{"file_sha256", "area_code", "period_code"}]
    assert suite["meta"]["parameters"] == ["known_area_codes"]


def test_subset_pairs() -> None:
    pairs = {
        name: {
            (e["kwargs"]["column_A"], e["kwargs"]["column_B"])
            for e in runner.load_suite(name)["expectations"]
            if e["meta"]["rule"] == "subset_exceeds_total"
        }
        for name in SOURCES
    }
    assert pairs["telecom"] == {
        ("mobile_subscribers", "smartphone_subscribers"),
        ("communes", "communes_mobile_coverage"),  # coverage counts: the covered within the total (issue #25)
        ("communes", "communes_fibre"),
        ("villages", "villages_fibre"),
    }
    assert ("eid_applications", "eid_activated") not in pairs["civil_id"]  # not a sure rule: see the suite's notes
    assert ("eid_activated", "eid_activated_level2") in pairs["civil_id"]  # a part of a sum_of
    assert ("cccd_applications", "cccd_issued") in pairs["civil_id"]  # written by hand (other units)
    assert ("age_14_plus", "adult") in pairs["population"]
    assert ("total", "adult") in pairs["population"]  # part_of is transitive: adult ⊂ 14+ ⊂ total
    for e in (
        e
        for name in SOURCES
        for e in runner.load_suite(name)["expectations"]
        if e["type"] == "expect_column_pair_values_a_to_be_greater_than_b"
    ):
        assert e["kwargs"]["or_equal"] is True
        assert e["kwargs"]["ignore_row_if"] == "either_value_is_missing"


@pytest.mark.parametrize("source", SOURCES)
def test_every_part_of_is_checked(source: str) -> None:
    spec = load_specs()[source]
    pairs = {
        (e["kwargs"]["column_A"], e["kwargs"]["column_B"])
        for e in runner.load_suite(source)["expectations"]
        if e["meta"]["rule"] == "subset_exceeds_total"
    }
    for f in spec.fields:
        assert {(w, f.name) for w in f.part_of} <= pairs, f.name
        assert {(f.name, p) for p in f.sum_of} <= pairs, f.name


def test_hand_written_expectations_are_appended(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Removing a department's JSON leaves the derived suite; the JSON adds its expectations and notes."""
    with_hand = runner.load_suite("population")
    rules = [e["meta"]["rule"] for e in with_hand["expectations"]]
    assert rules[-1] == "households_exceed_population" and "notes" in with_hand["meta"]
    monkeypatch.setattr(runner, "SUITE_DIR", tmp_path)
    runner.load_suite.cache_clear()
    try:
        derived = runner.load_suite("population")
    finally:
        runner.load_suite.cache_clear()
    assert derived["expectations"] == with_hand["expectations"][:-1]
    assert "households_exceed_population" not in {e["meta"]["rule"] for e in derived["expectations"]}
