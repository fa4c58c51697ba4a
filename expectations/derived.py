"""A department's expectation suite, derived from its spec (``sources/specs/<source>.yaml``) as PUDL derives its
asset checks from its table metadata: never written twice.

What every department's suite checks, from the spec alone:

- the identifier columns exist and are filled, and an area has one row per file and period;
- area codes are in the list of administrative units (run-time parameter ``known_area_codes``);
- every field is a non-negative number;
- every part is at most its whole in every row (``part_of``, transitively, and the parts of a ``sum_of``);
- an index lies within 0 and its ``scale_max``, a rank from 1 up (to its ``out_of`` when that is a number; ranks out
  of ``provinces`` are checked against the unit list by the reader).

Every field is optional in the suite (a partial file loads what it has, issue #12): a field the department always
sends (``required: true``) is reported missing by the reader, as a warning naming the file. Whole numbers
(``integer: true``) are checked by the reader too (``fractional_count``), where it still knows the table's unit.

Expectations no spec key can say are written by hand in ``expectations/<source>.json`` (optional; same GE JSON
shape, e.g. households ≤ population) and appended to the derived ones, with that file's ``meta`` (notes).
"""

from __future__ import annotations

from typing import Any

from sources.specs.model import Field, Spec

ID_COLUMNS = ("file_sha256", "period_code", "area_code", "province_code")
FILLED_COLUMNS = ("file_sha256", "period_code", "area_code")


def _expectation(kind: str, kwargs: dict[str, Any], rule: str, vi: str, en: str) -> dict[str, Any]:
    return {"type": kind, "kwargs": kwargs, "meta": {"rule": rule, "message_vi": vi, "message_en": en}}


def derived_expectations(spec: Spec) -> list[dict[str, Any]]:
    """The expectations a spec implies, in a fixed order (identifiers, areas, fields, parts)."""
    out = [
        _expectation(
            "expect_column_to_exist",
            {"column": c},
            "missing_column",
            "Thiếu cột bắt buộc {column}.",
            "Required column {column} is missing.",
        )
        for c in ID_COLUMNS
    ]
    out += [
        _expectation(
            "expect_column_values_to_not_be_null",
            {"column": c},
            "missing_identifier",
            "Cột {column} bị để trống ở {count} dòng.",
            "Column {column} is empty in {count} row(s).",
        )
        for c in FILLED_COLUMNS
    ]
    out.append(
        _expectation(
            "expect_compound_columns_to_be_unique",
            {"column_list": ["file_sha256", "area_code", "period_code"]},
            "duplicate_area_period",
            "Một đơn vị hành chính có nhiều dòng trong cùng tệp và kỳ báo cáo ({columns}), {count} dòng: {values}.",
            "An area has more than one row for the same file and period ({columns}), {count} row(s): {values}.",
        )
    )
    out.append(
        _expectation(
            "expect_column_values_to_be_in_set",
            {"column": "area_code", "value_set": {"$PARAMETER": "known_area_codes"}},
            "unknown_area_code",
            "Cột {column} có {count} mã đơn vị hành chính không có trong danh mục: {values}.",
            "Column {column} has {count} code(s) not in the list of administrative units: {values}.",
        )
    )
    out += [
        _expectation(
            "expect_column_values_to_be_between",
            {"column": f.name, "min_value": 0},
            "negative_count",
            "Cột {column} có {count} giá trị âm: {values}.",
            "Column {column} has {count} negative value(s): {values}.",
        )
        for f in spec.fields
    ]
    out += [
        _expectation(
            "expect_column_pair_values_a_to_be_greater_than_b",
            {"column_A": whole, "column_B": part, "or_equal": True, "ignore_row_if": "either_value_is_missing"},
            "subset_exceeds_total",
            "{column_B} lớn hơn {column_A} (phần lớn hơn tổng) ở {count} dòng; ({column_A}, {column_B}) = {values}.",
            "{column_B} exceeds {column_A} (a part above its total) in {count} row(s); ({column_A}, {column_B}) = "
            "{values}.",
        )
        for whole, part in spec.part_pairs()
    ]
    for f in spec.fields:
        if (scale := _scale(f)) is not None:
            out.append(_on_scale(f.name, *scale))
    return out


def _scale(f: Field) -> tuple[float, float | None] | None:
    """(lowest, highest) value of an index or a rank; None for other kinds."""
    if f.kind == "index":
        return 0.0, f.scale_max
    if f.kind == "rank":
        return 1.0, float(f.out_of) if isinstance(f.out_of, int) else None
    return None


def _on_scale(column: str, low: float, high: float | None) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"column": column, "min_value": low}
    if high is not None:
        kwargs["max_value"] = high
    return _expectation(
        "expect_column_values_to_be_between",
        kwargs,
        "value_off_scale",
        "Cột {column} có {count} giá trị ngoài thang của nó: {values}.",
        "Column {column} has {count} value(s) off its scale: {values}.",
    )


def spec_suite(spec: Spec, by_hand: dict[str, Any] | None) -> dict[str, Any]:
    """The suite of ``spec``'s department: the derived expectations, then those written by hand (if any)."""
    by_hand = by_hand or {}
    expectations = [*derived_expectations(spec), *by_hand.get("expectations", ())]
    hand_meta = by_hand.get("meta", {})
    optional = [f.name for f in spec.fields]
    optional += [c for c in hand_meta.get("optional_columns", ()) if c not in optional]
    parameters = sorted(
        {
            v["$PARAMETER"]
            for e in expectations
            for v in e["kwargs"].values()
            if isinstance(v, dict) and "$PARAMETER" in v
        }
    )
    meta = {
        "description": f"Staged values of {spec.source} ({spec.name_en}), one wide row per file, area and period. "
        f"Derived from sources/specs/{spec.source}.yaml"
        + (
            f", with {len(by_hand.get('expectations', ()))} expectation(s) written by hand in "
            f"expectations/{spec.source}.json."
            if by_hand
            else "."
        ),
        **{k: v for k, v in hand_meta.items() if k not in {"description", "optional_columns", "parameters"}},
        "optional_columns": optional,
        "parameters": parameters,
    }
    return {"name": spec.source, "meta": meta, "expectations": expectations}
