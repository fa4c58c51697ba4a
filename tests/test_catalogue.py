"""The indicator catalogue matches the departmental specs and DESIGN.md §6, and its loader rejects a broken
catalogue."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from sources.specs.model import load_specs
from warehouse.catalogue import (
    CATALOGUE_PATH,
    OVERRIDE_KEYS,
    Indicator,
    counts,
    load_catalogue,
    rates,
    spec_counts,
)

T411 = (
    "Quyết định 411/QĐ-TTg ngày 31/3/2022 (Chiến lược quốc gia phát triển kinh tế số và xã hội số đến năm 2025, "
    "định hướng đến năm 2030), as summarised in the press"
)
TINV = (
    "Kế hoạch quốc gia 2022 (Quyết định 411/QĐ-TTg và chỉ đạo triển khai hóa đơn điện tử), as summarised in the press"
)

# DESIGN.md §6: code -> (numerator, denominator, unit)
RATES = {
    "tel_phone_density": (("tel_fixed_subscribers", "tel_mobile_subscribers"), "pop_total", "per 100 inhabitants"),
    "tel_internet_density": (("tel_internet_subscribers",), "pop_total", "per 100 inhabitants"),
    "tel_smartphone_per_100": (("tel_smartphone_subscribers",), "pop_total", "per 100 inhabitants"),
    "tel_smartphone_adult_pct": (("tel_smartphone_subscribers",), "pop_adult", "%"),
    "tel_ftth_household_pct": (("tel_ftth_households",), "pop_households", "%"),
    "hlt_ehr_pct": (("hlt_ehr_records",), "pop_total", "%"),
    "hlt_ehr_standardised_pct": (("hlt_ehr_standardised",), "hlt_ehr_records", "%"),
    "hlt_his_facility_pct": (("hlt_facilities_his",), "hlt_facilities", "%"),
    "hlt_chip_id_facility_pct": (("hlt_facilities_chip_id",), "hlt_facilities", "%"),
    "hlt_cashless_facility_pct": (("hlt_facilities_cashless",), "hlt_facilities", "%"),
    "cid_eid_pct_14_plus": (("cid_eid_activated",), "pop_age_14_plus", "%"),
    "cid_cccd_issue_pct": (("cid_cccd_issued",), "cid_cccd_applications", "%"),
    "inv_einvoice_enterprise_pct": (("inv_einvoice_enterprises",), "inv_active_enterprises", "%"),
    "inv_etax_enterprise_pct": (("inv_etax_enterprises",), "inv_active_enterprises", "%"),
}

# code -> (target_2025, target_2030, target_source)
TARGETS = {
    "tel_smartphone_adult_pct": (80, 95, T411),
    "tel_ftth_household_pct": (80, None, T411),
    "hlt_ehr_pct": (90, 95, T411),
    "inv_einvoice_enterprise_pct": (100, None, TINV),
}

SOURCE_ORDER = list(load_specs())  # the specs' order (by file name)


@pytest.fixture(scope="module")
def catalogue() -> dict[str, Indicator]:
    return {ind.code: ind for ind in load_catalogue()}


def _spec_fields() -> dict[str, tuple[str, str]]:
    """indicator code -> (unit, source) for every field of every spec."""
    return {spec.indicator_code(f.name): (f.unit, spec.source) for spec in load_specs().values() for f in spec.fields}


def test_every_spec_field_has_a_count_indicator(catalogue):
    fields = _spec_fields()
    assert fields, "no spec fields found"
    for code, (unit, source) in fields.items():
        assert code in catalogue, f"spec field {code} has no indicator"
        ind = catalogue[code]
        assert ind.kind == "count", code
        assert ind.unit == unit, code
        assert ind.source == source, code
        assert ind.numerator == () and ind.denominator is None and ind.scale is None, code
        assert ind.cap_at_denominator is False, code


def test_every_count_indicator_has_a_spec_field():
    fields = _spec_fields()
    assert {ind.code for ind in counts()} == set(fields)


def test_examples_from_the_brief(catalogue):
    for code in (
        "tel_mobile_subscribers",
        "cid_eid_activated",
        "cid_eid_activated_level1",
        "pop_total",
        "pop_households",
    ):
        assert catalogue[code].kind == "count"
    assert catalogue["tel_mobile_subscribers"].name_vi == "Số thuê bao điện thoại di động"
    assert catalogue["tel_phone_density"].name_vi == "Mật độ thuê bao điện thoại trên 100 dân"
    assert catalogue["tel_smartphone_adult_pct"].name_vi == "Tỷ lệ dân số trưởng thành có điện thoại thông minh"


def test_pillars(catalogue):
    for ind in catalogue.values():
        expected = "population" if ind.code.startswith("pop_") else "digital_society"
        assert ind.pillar == expected, ind.code


def test_every_design_rate_has_its_formula(catalogue):
    assert set(RATES) <= {ind.code for ind in rates()}  # DESIGN §6; a department added as data may add rates
    specs = load_specs()
    for code, (numerator, denominator, unit) in RATES.items():
        ind = catalogue[code]
        assert ind.kind == "rate", code
        assert ind.numerator == numerator, code
        assert ind.denominator == denominator, code
        assert ind.unit == unit, code
        assert ind.scale == 100, code
        assert ind.cap_at_denominator is (code == "tel_smartphone_adult_pct"), code
        # The source of a rate is the source of its numerator.
        assert ind.source == catalogue[numerator[0]].source, code
        assert ind.source in specs, code


def test_every_rate_belongs_to_its_numerators_department(catalogue):
    specs = load_specs()
    for ind in rates():
        assert ind.source in specs and ind.scale == 100, ind.code
        assert {catalogue[n].source for n in ind.numerator} == {ind.source}, ind.code
        assert catalogue[ind.denominator].kind == "count", ind.code


def test_population_rates_say_which_population(catalogue):
    for ind in rates():
        if catalogue[ind.denominator].source == "population":
            assert "latest earlier year" in ind.definition_en, ind.code
            assert "năm gần nhất trước đó" in ind.definition_vi, ind.code


def test_targets(catalogue):
    for ind in catalogue.values():
        expected = TARGETS.get(ind.code, (None, None, None))
        assert (ind.target_2025, ind.target_2030, ind.target_source) == expected, ind.code


def test_names_and_definitions_in_both_languages(catalogue):
    for ind in catalogue.values():
        for text in (ind.name_vi, ind.name_en, ind.definition_vi, ind.definition_en):
            assert isinstance(text, str) and text.strip(), ind.code
        assert ind.name_vi != ind.name_en, ind.code
        assert ind.definition_vi != ind.definition_en, ind.code


def test_counts_say_stock_or_flow(catalogue):
    specs = load_specs()
    for spec in specs.values():
        for f in spec.fields:
            ind = catalogue[spec.indicator_code(f.name)]
            if f.kind == "flow":
                assert "flow" in ind.definition_en, ind.code
            elif ind.source != "population":
                assert "end of the period" in ind.definition_en, ind.code


def test_order_by_source_counts_then_rates():
    order = [(SOURCE_ORDER.index(ind.source), ind.kind != "count") for ind in load_catalogue()]
    assert order == sorted(order)


def test_yaml_entries_have_exactly_the_documented_keys():
    raw = yaml.safe_load(CATALOGUE_PATH.read_text(encoding="utf-8"))
    keys = [
        "code",
        "name_vi",
        "name_en",
        "unit",
        "pillar",
        "source",
        "kind",
        "numerator",
        "denominator",
        "scale",
        "cap_at_denominator",
        "definition_vi",
        "definition_en",
        "target_2025",
        "target_2030",
        "target_source",
    ]
    derived = set(spec_counts())
    for entry in raw:
        if entry["code"] in derived:  # an override of a count: only the keys it changes
            assert set(entry) - {"code"} <= set(OVERRIDE_KEYS), entry["code"]
        else:
            assert list(entry) == keys, entry.get("code")
            assert entry["kind"] == "rate", entry["code"]  # counts come from the specs, never written twice


def test_counts_are_the_spec_fields_names_and_definitions(catalogue):
    for spec in load_specs().values():
        for f in spec.fields:
            ind = catalogue[spec.indicator_code(f.name)]
            assert (ind.name_vi, ind.name_en, ind.unit, ind.pillar) == (f.name_vi, f.name_en, f.unit, spec.pillar)
            assert ind.definition_vi == " ".join(f.definition_vi.split())
            assert ind.definition_en == " ".join(f.definition_en.split())


def test_an_override_changes_a_derived_count(tmp_path):
    entries = [
        *_entries(),
        {
            "code": "tel_mobile_subscribers",
            "name_en": "Mobile subscriptions",
            "target_2025": 1000,
            "target_source": "a plan",
        },
    ]
    got = {i.code: i for i in load_catalogue(_write(tmp_path, entries))}
    mobile = got["tel_mobile_subscribers"]
    assert (mobile.name_en, mobile.target_2025, mobile.target_source) == ("Mobile subscriptions", 1000, "a plan")
    assert mobile.name_vi == load_specs()["telecom"].field("mobile_subscribers").name_vi  # the rest is the spec's
    assert mobile.kind == "count" and mobile.unit == "subscribers"


def test_an_override_may_not_change_what_a_count_is(tmp_path):
    entries = [*_entries(), {"code": "tel_mobile_subscribers", "unit": "persons"}]
    with pytest.raises(ValueError, match=r"tel_mobile_subscribers.*\['unit'\]"):
        load_catalogue(_write(tmp_path, entries))


def test_a_count_no_spec_defines_is_refused(tmp_path):
    entry = {
        **_entries()[0],
        "code": "tel_payphones",
        "kind": "count",
        "numerator": None,
        "denominator": None,
        "scale": None,
    }
    with pytest.raises(ValueError, match=r"tel_payphones.*no spec field"):
        load_catalogue(_write(tmp_path, [*_entries(), entry]))


def test_load_is_cached():
    assert load_catalogue() is load_catalogue()


def _write(tmp_path: Path, entries: list[dict]) -> Path:
    path = tmp_path / "catalogue.yaml"
    path.write_text(yaml.safe_dump(entries, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _entries() -> list[dict]:
    return yaml.safe_load(CATALOGUE_PATH.read_text(encoding="utf-8"))


def test_a_copy_of_the_catalogue_loads(tmp_path):
    assert load_catalogue(_write(tmp_path, _entries())) == load_catalogue()


def test_loader_rejects_an_unknown_denominator(tmp_path):
    entries = _entries()
    rate = next(e for e in entries if e["code"] == "hlt_ehr_pct")
    rate["denominator"] = "pop_nonexistent"
    with pytest.raises(ValueError, match="hlt_ehr_pct"):
        load_catalogue(_write(tmp_path, entries))


def test_loader_rejects_a_duplicate_code(tmp_path):
    entries = _entries()
    entries.append(dict(entries[0]))
    with pytest.raises(ValueError, match=f"{entries[0]['code']}.*duplicate"):
        load_catalogue(_write(tmp_path, entries))


def test_loader_rejects_a_rate_over_a_rate(tmp_path):
    entries = _entries()
    rate = next(e for e in entries if e["code"] == "cid_cccd_issue_pct")
    rate["numerator"] = ["hlt_ehr_pct"]
    with pytest.raises(ValueError, match="cid_cccd_issue_pct"):
        load_catalogue(_write(tmp_path, entries))


def test_loader_rejects_a_bad_kind_and_a_rate_without_scale(tmp_path):
    entries = _entries()
    entries[0]["kind"] = "ratio"
    with pytest.raises(ValueError, match=entries[0]["code"]):
        load_catalogue(_write(tmp_path, entries))
    entries = _entries()
    rate = next(e for e in entries if e["code"] == "tel_phone_density")
    rate["scale"] = None
    with pytest.raises(ValueError, match="tel_phone_density"):
        load_catalogue(_write(tmp_path, entries))
