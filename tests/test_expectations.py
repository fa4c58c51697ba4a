"""The expectation suites (``expectations/*.json``) agree with the departmental specs and catch what they claim to
catch, with positional row indices and bilingual messages."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from expectations import runner
from expectations.runner import Failure, run_suite
from sources.samples.departments import rows_of, samples_of
from sources.samples.figures import area_values, fields_of, province_totals, sample_keys
from sources.specs.model import load_specs

SOURCES = list(load_specs())
ID_COLUMNS = ["file_sha256", "period_code", "area_code", "province_code"]
AREAS = ["058", "060", "061"]
KNOWN = {"known_area_codes": {*AREAS, "062"}}
PLACEHOLDERS = {"column", "column_A", "column_B", "columns", "count", "values"}


def _richest_sample(source: str) -> tuple[str, str, str]:
    """The department's sample file (province, source, period) with the most fields."""
    keys = [k for k in sample_keys() if k[1] == source]
    return max(keys, key=lambda k: (len(fields_of(*k)), k))


def _three_rows(source: str) -> list[dict]:
    """Three rows of real sample figures: three areas of the richest file of a department by area; the figures of
    three provinces (a national table by province), or one province's row three times (a provincial report)."""
    if rows_of(source) == "areas":
        province, _, period = _richest_sample(source)
        return list(area_values(province, source, period).values())
    totals = province_totals()
    year = max(samples_of(source).years, key=lambda y: sum(1 for k in totals if k[1] == source and k[2] == str(y)))
    provinces = sorted({k[0] for k in totals if k[1] == source and k[2] == str(year)})
    picked = (provinces * 3)[:3]
    return [{f: totals[(p, source, str(year), f)] for f in fields_of(p, source, str(year))} for p in picked]


def _required(source: str) -> list[str]:
    """The fields the department always sends (else its first field)."""
    fields = load_specs()[source].fields
    return [f.name for f in fields if f.required] or [fields[0].name]


def _optional(source: str) -> list[str]:
    return [f.name for f in load_specs()[source].fields if f.name not in _required(source)]


def valid_frame(source: str) -> pd.DataFrame:
    """Three area rows of a real sample file (the figures the sample generator writes, every part within its
    whole), under three known area codes; fields the file lacks are null."""
    values = _three_rows(source)
    fields = [f.name for f in load_specs()[source].fields]
    rows = [
        {
            "file_sha256": "ab" * 32,
            "period_code": "2024",
            "area_code": code,
            "province_code": "06",
            **{f: float(v) if isinstance(v := values[i].get(f), int | float) else None for f in fields},
        }
        for i, code in enumerate(AREAS)
    ]
    return pd.DataFrame(rows)


def _rules(failures: list[Failure]) -> list[str]:
    return [f.rule for f in failures]


def _one(failures: list[Failure], rule: str) -> Failure:
    found = [f for f in failures if f.rule == rule]
    assert len(found) == 1, failures
    return found[0]


# --- the suites on frames ------------------------------------------------------------------------------------


@pytest.mark.parametrize("source", SOURCES)
def test_valid_frame_passes(source: str) -> None:
    assert run_suite(source, valid_frame(source), KNOWN) == []


@pytest.mark.parametrize("source", SOURCES)
def test_nulls_are_no_data(source: str) -> None:
    frame = valid_frame(source)
    frame.loc[1, _optional(source)] = None
    assert run_suite(source, frame, KNOWN) == []


@pytest.mark.parametrize("source", SOURCES)
def test_negative_count(source: str) -> None:
    frame = valid_frame(source)
    field = _required(source)[0]
    frame.loc[1, field] = -5.0
    failure = _one(run_suite(source, frame, KNOWN), "negative_count")
    assert failure.severity == "error"
    assert failure.columns == (field,)
    assert failure.row_indices == (1,)
    assert failure.unexpected_values == (-5.0,)
    assert field in failure.message_vi and "-5" in failure.message_vi
    assert field in failure.message_en and "-5" in failure.message_en


def _pairs() -> list[tuple[str, str, str]]:
    return [
        (source, e["kwargs"]["column_A"], e["kwargs"]["column_B"])
        for source in SOURCES
        for e in runner.load_suite(source)["expectations"]
        if e["type"] == "expect_column_pair_values_a_to_be_greater_than_b"
    ]


@pytest.mark.parametrize(("source", "total", "part"), _pairs())
def test_subset_exceeds_total(source: str, total: str, part: str) -> None:
    frame = valid_frame(source)
    frame.loc[2, total] = 100.0
    frame.loc[2, part] = 101.0
    failures = [f for f in run_suite(source, frame, KNOWN) if f.columns == (total, part)]
    assert len(failures) == 1, failures
    failure = failures[0]
    assert failure.row_indices == (2,)
    for message in (failure.message_vi, failure.message_en):
        assert total in message and part in message


def test_smartphone_above_mobile() -> None:
    frame = valid_frame("telecom")
    frame.loc[0, "mobile_subscribers"] = 1000.0
    frame.loc[0, "smartphone_subscribers"] = 1500.0
    failures = run_suite("telecom", frame, KNOWN)
    assert _rules(failures) == ["subset_exceeds_total"]
    failure = failures[0]
    assert failure.expectation == "expect_column_pair_values_a_to_be_greater_than_b"
    assert failure.columns == ("mobile_subscribers", "smartphone_subscribers")
    assert failure.row_indices == (0,)
    assert failure.unexpected_values == ((1000.0, 1500.0),)
    assert "(1000, 1500)" in failure.message_en and "smartphone_subscribers" in failure.message_vi


def test_part_equal_to_total_or_missing_is_fine() -> None:
    frame = valid_frame("telecom")
    frame.loc[0, "smartphone_subscribers"] = frame.loc[0, "mobile_subscribers"]
    frame.loc[1, "mobile_subscribers"] = None
    assert run_suite("telecom", frame, KNOWN) == []


@pytest.mark.parametrize("source", SOURCES)
def test_duplicate_area_period(source: str) -> None:
    frame = valid_frame(source)
    frame = pd.concat([frame, frame.iloc[[0]]], ignore_index=True)
    failure = _one(run_suite(source, frame, KNOWN), "duplicate_area_period")
    assert failure.row_indices == (0, 3)
    assert set(failure.columns) == {"file_sha256", "area_code", "period_code"}


def test_same_area_in_another_period_or_file_is_not_a_duplicate() -> None:
    frame = valid_frame("telecom")
    other_period = frame.assign(period_code="2023")
    other_file = frame.assign(file_sha256="cd" * 32)
    assert run_suite("telecom", pd.concat([frame, other_period, other_file], ignore_index=True), KNOWN) == []


@pytest.mark.parametrize("source", SOURCES)
def test_unknown_area_code(source: str) -> None:
    frame = valid_frame(source)
    frame.loc[1, "area_code"] = "99999"
    failure = _one(run_suite(source, frame, KNOWN), "unknown_area_code")
    assert failure.row_indices == (1,)
    assert failure.unexpected_values == ("99999",)
    assert "99999" in failure.message_vi and "99999" in failure.message_en


def test_known_area_codes_is_required() -> None:
    with pytest.raises(ValueError, match="known_area_codes"):
        run_suite("telecom", valid_frame("telecom"))


def test_empty_area_code_is_reported() -> None:
    frame = valid_frame("telecom")
    frame.loc[2, "area_code"] = None
    failure = _one(run_suite("telecom", frame, KNOWN), "missing_identifier")
    assert failure.columns == ("area_code",) and failure.row_indices == (2,)


@pytest.mark.parametrize("source", SOURCES)
def test_a_partial_file_without_its_usual_field_passes(source: str) -> None:
    """The reader warns when a field the department always sends is absent; the suite checks what is there."""
    field = _required(source)[0]
    assert run_suite(source, valid_frame(source).drop(columns=[field]), KNOWN) == []


@pytest.mark.parametrize("column", ID_COLUMNS)
def test_missing_id_column_is_reported_once(column: str) -> None:
    failures = run_suite("telecom", valid_frame("telecom").drop(columns=[column]), KNOWN)
    assert _rules(failures) == ["missing_column"]  # reported once, the checks that need the column are skipped
    failure = failures[0]
    assert failure.columns == (column,)
    assert failure.row_indices == () and failure.unexpected_values == ()
    assert column in failure.message_vi and column in failure.message_en


def test_missing_id_column() -> None:
    failures = run_suite("telecom", valid_frame("telecom").drop(columns=["province_code"]), KNOWN)
    assert [(f.rule, f.columns) for f in failures] == [("missing_column", ("province_code",))]


@pytest.mark.parametrize("source", SOURCES)
def test_absent_optional_columns_are_fine(source: str) -> None:
    frame = valid_frame(source).drop(columns=_optional(source))
    assert run_suite(source, frame, KNOWN) == []


def test_row_indices_are_positions() -> None:
    frame = valid_frame("telecom")
    frame.index = pd.Index([10, 7, 3])
    frame.loc[3, "bts_stations"] = -1.0  # label 3 is the third row
    failure = _one(run_suite("telecom", frame, KNOWN), "negative_count")
    assert failure.row_indices == (2,)


def test_message_shows_at_most_five_values() -> None:
    frame = pd.concat([valid_frame("telecom")] * 3, ignore_index=True)
    frame["period_code"] = [f"20{i:02d}" for i in range(len(frame))]
    frame["fixed_subscribers"] = [-float(i + 1) for i in range(len(frame))]
    failure = _one(run_suite("telecom", frame, KNOWN), "negative_count")
    assert failure.row_indices == tuple(range(9))
    assert len(failure.unexpected_values) == 9
    assert "-1, -2, -3, -4, -5, …" in failure.message_en and "-6" not in failure.message_en


def test_text_in_a_numeric_column_is_a_failure_not_a_crash() -> None:
    frame = valid_frame("telecom").astype({"fibre_km": object})
    frame.loc[1, "fibre_km"] = "abc"
    failure = _one(run_suite("telecom", frame, KNOWN), "expectation_error")
    assert failure.columns == ("fibre_km",) and "fibre_km" in failure.message_en


def test_a_verdict_without_a_kept_result_has_the_same_failures() -> None:
    """Without a kept result the suite runs twice (``engine.VERDICT_FORMAT``, then the failed expectations with
    their rows and values): the failures are those of one complete run."""
    frame = valid_frame("telecom").astype({"fibre_km": object})
    frame.loc[0, "mobile_subscribers"] = -5.0
    frame.loc[1, "mobile_subscribers"] = 1000.0
    frame.loc[1, "smartphone_subscribers"] = 1500.0
    frame.loc[2, "area_code"] = "999"
    frame.loc[2, "fibre_km"] = "abc"
    verdict, kept = runner.suite_here("telecom", frame, KNOWN, False)
    complete, result = runner.suite_here("telecom", frame, KNOWN, True)
    assert kept is None and result is not None and result["success"] is False
    assert verdict == complete
    rules = _rules(verdict)
    assert {"negative_count", "subset_exceeds_total", "unknown_area_code", "expectation_error"} <= set(rules), rules
    assert _one(verdict, "negative_count").row_indices == (0,)


def test_unknown_suite_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="unknown expectation suite 'nope'"):
        run_suite("nope", valid_frame("telecom"))


def test_warning_severity_comes_from_meta(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    suite = {
        "name": "trial",
        "meta": {"optional_columns": []},
        "expectations": [
            {
                "type": "expect_column_values_to_be_between",
                "kwargs": {"column": "x", "min_value": 0},
                "meta": {
                    "rule": "negative_x",
                    "severity": "warning",
                    "message_vi": "{column} âm: {values}",
                    "message_en": "{column} negative: {values}",
                },
            }
        ],
    }
    (tmp_path / "trial.json").write_text(json.dumps(suite), encoding="utf-8")
    monkeypatch.setattr(runner, "SUITE_DIR", tmp_path)
    runner.load_suite.cache_clear()
    try:
        failures = run_suite("trial", pd.DataFrame({"x": [1.0, -2.5]}))
    finally:
        runner.load_suite.cache_clear()
    assert [(f.rule, f.severity, f.row_indices, f.message_en) for f in failures] == [
        ("negative_x", "warning", (1,), "x negative: -2.5")
    ]


# --- fact_indicator ------------------------------------------------------------------------------------------
