"""Each department's sample data, from ``sources/specs/samples/<source>.yaml`` beside its spec: the province
totals its sample files hold and how those files look (agency, title, file and sheet names, header variants,
pinned looks). Validated like the specs (``extra="forbid"``: a misspelt key is an error naming file and key).

The sample generator is generic over these files: a department with a spec and a sample file gets sample
workbooks, and none is named in Python.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, model_validator

from sources.specs.model import SPEC_DIR, SpecError, load_specs, read_yaml, validated

SAMPLES_DIR = SPEC_DIR / "samples"
Number = int | float
# A figure as the sample file writes it: a number, or the text of a range or a bound ("20 - 25", "Hơn 116.000")
Figure = Number | str
SplitRule = Literal["free", "part", "headroom", "increment", "rest"]
# How a department's tables are laid out: one row per district or commune and a total row (``areas``); the
# province's own row alone (``province``: a provincial report); or a national table, one row per province, one file
# per period (``provinces``: the ministry's table by province).
Rows = Literal["areas", "province", "provinces"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Agency(_Strict):
    """(upper line, lower line, reporting unit) of the title block; ``{P}`` = province in capitals, ``{p}`` as
    written."""

    before_reform: tuple[str, str, str]
    after_reform: tuple[str, str, str] | None = None  # the same as before when absent


class ExtraColumn(_Strict):
    """A column no spec field names: ``blank``, or ``ratio:<numerator>/<denominator>`` shown in %."""

    label: str
    holds: str = "blank"


class DepartmentSamples(_Strict):
    form_number: int  # "Biểu số 0N/<form_code>"; also offsets the rotation of looks
    form_code: str
    agency: Agency
    title: str  # {level}: HUYỆN, THÀNH PHỐ before the 2025 reform, XÃ, PHƯỜNG after
    unit_line: str
    footnote: str
    instruction: str  # the department's own line of the instructions sheet
    file_names: tuple[str, ...]  # {s} province slug, {S} CamelCase, {y} year
    sheet_names: tuple[str, ...]
    urban_factor: float = 1.0
    field_factors: dict[str, float] = {}
    extra_column: ExtraColumn = ExtraColumn(label="Ghi chú")
    splits: dict[str, tuple[SplitRule, str]] = {}
    rows: Rows = "areas"
    order_by: str | None = None  # rows: provinces: the field the national table is sorted by (a rank)
    # A field that does not add up over areas (aggregate: none, rates, indices, ranks): what its area rows show.
    # same: the province's figure in every row (a catalogue every district shares); blank (default): no data ("-"),
    # the province's figure in the total row only.
    area_cells: dict[str, Literal["same", "blank"]] = {}
    headers: tuple[tuple[Any, ...], ...]  # variants; a node is {label: field} or {label: [nodes]}
    overrides: dict[str, dict[str, dict[str, Any]]] = {}  # province → period → Style options
    years: tuple[int, ...] = ()
    figures: dict[str, dict[str, tuple[Figure | None, ...]]] = {}  # province → field → value per year
    periods: dict[str, dict[str, dict[str, Figure | None]]] = {}  # province → period code → field → value
    scale_cadence: Literal["month", "quarter"] = "month"  # how often it reports in bench/scale.py

    @model_validator(mode="after")
    def _series_match_years(self) -> DepartmentSamples:
        for province, fields in self.figures.items():
            for name, values in fields.items():
                if len(values) != len(self.years):
                    raise ValueError(
                        f"figures.{province}.{name}: {len(values)} giá trị cho {len(self.years)} năm / "
                        f"values for {len(self.years)} years"
                    )
        return self


def _check_fields(samples: DepartmentSamples, source: str, path: Path) -> None:
    """Every field a sample file names is a field of the department's spec; a figure written as text (a range or a
    bound) is a non-additive field's, or in a table of provinces' own rows (an additive count cannot be split over
    districts from its bounds)."""
    spec = load_specs()[source]
    known = {f.name for f in spec.fields}
    additive = {f.name for f in spec.fields if f.additive}
    texts = [(f"figures.{p}.{f}", f) for p, fs in samples.figures.items() for f, vs in fs.items() if _any_text(vs)]
    texts += [
        (f"periods.{p}.{k}.{f}", f)
        for p, per in samples.periods.items()
        for k, v in per.items()
        for f, x in v.items()
        if isinstance(x, str)
    ]
    for where, name in texts:
        if name in additive and samples.rows == "areas":
            raise SpecError(
                f"{path}: {where}: một số đếm cộng được chỉ ghi bằng chữ (khoảng, cận) khi bảng là dòng của tỉnh "
                "(rows: province) / an additive count is written as text (a range, a bound) only in a table of the "
                "province's own row (rows: province): it cannot be split over districts"
            )
    for name in samples.area_cells:
        if name in additive:
            raise SpecError(
                f"{path}: area_cells.{name}: chỉ dùng cho trường không cộng được / is for non-additive fields only"
            )
    named: list[tuple[str, str]] = []
    named += [(f"field_factors.{f}", f) for f in samples.field_factors]
    named += [(f"splits.{f}", x) for f, (_, whole) in samples.splits.items() for x in (f, whole)]
    named += [(f"figures.{p}.{f}", f) for p, fields in samples.figures.items() for f in fields]
    named += [(f"periods.{p}.{k}.{f}", f) for p, per in samples.periods.items() for k, v in per.items() for f in v]
    named += [("headers", f) for variant in samples.headers for f in _leaf_fields(variant)]
    named += [(f"area_cells.{f}", f) for f in samples.area_cells]
    named += [("order_by", samples.order_by)] if samples.order_by else []
    for where, name in named:
        if name not in known:
            raise SpecError(
                f"{path}: {where}: {name!r} không phải trường của sources/specs/{source}.yaml / is not a "
                f"field of sources/specs/{source}.yaml"
            )


def _any_text(values: tuple[Figure | None, ...]) -> bool:
    return any(isinstance(v, str) for v in values)


def _leaf_fields(nodes: Any) -> list[str]:
    out: list[str] = []
    for node in nodes:
        for value in node.values():
            out += _leaf_fields(value) if isinstance(value, list) else [value]
    return out


@cache
def department_samples() -> dict[str, DepartmentSamples]:
    """The sample data of every department that has a spec and a sample file, by source."""
    out = {}
    for source in load_specs():
        path = SAMPLES_DIR / f"{source}.yaml"
        if path.exists():
            samples: DepartmentSamples = validated(DepartmentSamples, read_yaml(path), path)
            _check_fields(samples, source, path)
            out[source] = samples
    numbers = [s.form_number for s in out.values()]
    if len(set(numbers)) != len(numbers):
        raise SpecError(f"{SAMPLES_DIR}: form_number trùng nhau / is not unique: {sorted(numbers)}")
    return dict(sorted(out.items(), key=lambda item: item[1].form_number))


def sources() -> tuple[str, ...]:
    """The departments with sample files, by form number."""
    return tuple(department_samples())


def samples_of(source: str) -> DepartmentSamples:
    return department_samples()[source]


def rows_of(source: str) -> Rows:
    """How the department's sample tables are laid out (``rows`` of its sample file)."""
    return samples_of(source).rows
