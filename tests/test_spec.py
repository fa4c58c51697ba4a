"""The departmental specs (``sources/specs/*.yaml``), ``_common.yaml`` and the sample files beside them are
validated on load: a misspelt or unknown key is an error naming the file and the key path, in Vietnamese and
English, instead of a silent default."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sources.samples import departments
from sources.specs.model import KINDS, SPEC_DIR, SpecError, load_layout, load_spec, load_specs

SPEC_FILES = sorted(p for p in SPEC_DIR.glob("*.yaml") if not p.name.startswith("_"))


@pytest.fixture
def spec_dir(tmp_path: Path) -> Path:
    """A copy of the real spec folder (specs, _common.yaml, samples/) to break."""
    out = tmp_path / "specs"
    shutil.copytree(SPEC_DIR, out)
    return out


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _error(spec_dir: Path) -> str:
    load_specs.cache_clear()
    try:
        with pytest.raises(SpecError) as caught:
            load_specs(spec_dir)
    finally:
        load_specs.cache_clear()
    return str(caught.value)


@pytest.mark.parametrize("path", SPEC_FILES, ids=lambda p: p.stem)
def test_every_spec_loads(path: Path) -> None:
    spec = load_spec(path)
    assert spec.source == path.stem and spec.path == path
    for f in spec.fields:
        assert f.name_vi and f.name_en and f.definition_vi and f.definition_en and f.unit and f.aliases, f.name
        assert f.kind in KINDS


def test_every_department_has_a_sample_file() -> None:
    assert set(departments.department_samples()) == set(load_specs())


def test_the_loader_skips_the_samples_folder() -> None:
    assert (SPEC_DIR / "samples").is_dir()
    assert set(load_specs()) == {p.stem for p in SPEC_FILES}


def test_a_misspelt_required_is_an_error_naming_file_and_key(spec_dir: Path) -> None:
    _edit(spec_dir / "telecom.yaml", "    required: true\n", "    requried: true\n")
    message = _error(spec_dir)
    assert str(spec_dir / "telecom.yaml") in message
    assert "fields[1] (mobile_subscribers).requried" in message
    assert "khóa không có trong đặc tả" in message and "unknown key" in message  # Vietnamese and English
    assert "'required'" in message  # the key it resembles


def test_a_misspelt_cadence_is_an_error_naming_file_and_key(spec_dir: Path) -> None:
    _edit(spec_dir / "health.yaml", "cadence: year", "cadense: year")
    message = _error(spec_dir)
    assert str(spec_dir / "health.yaml") in message
    assert "- cadense: " in message and "'cadence'" in message
    assert "sửa hoặc xóa khóa này" in message and "correct or remove it" in message


def test_the_old_cumulative_key_points_to_kind(spec_dir: Path) -> None:
    _edit(spec_dir / "health.yaml", "    kind: cumulative\n", "    kind: stock\n    cumulative: true\n")
    message = _error(spec_dir)
    assert "fields[0] (ehr_records).cumulative" in message and "kind: cumulative" in message


def test_a_missing_key_and_a_wrong_value(spec_dir: Path) -> None:
    _edit(spec_dir / "einvoice.yaml", '    name_en: "Active enterprises"\n', "")
    _edit(spec_dir / "einvoice.yaml", "cadence: year", "cadence: yearly")
    message = _error(spec_dir)
    assert "2 lỗi / error(s)" in message
    assert "fields[0] (active_enterprises).name_en: thiếu khóa bắt buộc" in message
    assert "required key missing" in message
    assert "cadence: giá trị không hợp lệ ('yearly')" in message


def test_part_of_must_name_a_field_of_the_same_unit(spec_dir: Path) -> None:
    _edit(spec_dir / "telecom.yaml", "part_of: mobile_subscribers", "part_of: mobile_subscriber")
    assert "'mobile_subscriber' (part_of/sum_of) không phải trường" in _error(spec_dir)
    _edit(spec_dir / "telecom.yaml", "part_of: mobile_subscriber", "part_of: bts_stations")
    assert "part_of 'bts_stations' có đơn vị khác / has another unit" in _error(spec_dir)


def test_a_part_of_cycle_is_refused(spec_dir: Path) -> None:
    cycle = "    required: true\n    part_of: [smartphone_subscribers]\n"  # mobile ⊂ smartphone ⊂ mobile
    _edit(spec_dir / "telecom.yaml", "    required: true\n", cycle)
    assert "cycle" in _error(spec_dir)


def test_source_must_be_the_file_name(spec_dir: Path) -> None:
    _edit(spec_dir / "telecom.yaml", "source: telecom", "source: telecoms")
    message = _error(spec_dir)
    assert "'telecoms'" in message and "must be the file's name ('telecom')" in message


def test_yaml_syntax_error_names_the_file(spec_dir: Path) -> None:
    _edit(spec_dir / "telecom.yaml", "fields:\n", "fields: [\n")
    message = _error(spec_dir)
    assert str(spec_dir / "telecom.yaml") in message and "YAML" in message


def test_common_yaml_is_validated(spec_dir: Path) -> None:
    _edit(spec_dir / "_common.yaml", "total_row:\n  labels:", "total_row:\n  lables:")
    load_layout.cache_clear()
    try:
        with pytest.raises(SpecError) as caught:
            load_layout(spec_dir)
    finally:
        load_layout.cache_clear()
    message = str(caught.value)
    assert "_common.yaml" in message and "total_row.lables" in message and "'labels'" in message


def test_a_sample_file_is_validated(spec_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _edit(spec_dir / "samples" / "telecom.yaml", "urban_factor:", "urban_factr:")
    monkeypatch.setattr(departments, "SAMPLES_DIR", spec_dir / "samples")
    departments.department_samples.cache_clear()
    try:
        with pytest.raises(SpecError) as caught:
            departments.department_samples()
    finally:
        departments.department_samples.cache_clear()
    message = str(caught.value)
    assert "samples/telecom.yaml" in message and "urban_factr" in message and "'urban_factor'" in message


def test_a_sample_file_naming_an_unknown_field_is_an_error(spec_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _edit(spec_dir / "samples" / "health.yaml", "    ehr_records: [", "    ehr_record: [")
    monkeypatch.setattr(departments, "SAMPLES_DIR", spec_dir / "samples")
    departments.department_samples.cache_clear()
    try:
        with pytest.raises(SpecError, match=r"figures\.06\.ehr_record: 'ehr_record'"):
            departments.department_samples()
    finally:
        departments.department_samples.cache_clear()
