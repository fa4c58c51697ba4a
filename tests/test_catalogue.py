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


def _kinds() -> dict[str, str]:
    """indicator code -> the kind its spec field gives it: count for a stock, flow or cumulative; else its own."""
    return {
        spec.indicator_code(f.name): "count" if f.is_count else f.kind
        for spec in load_specs().values()
        for f in spec.fields
    }


def test_every_spec_field_has_an_indicator_of_its_kind(catalogue):
    fields = _spec_fields()
    assert fields, "no spec fields found"
    kinds = _kinds()
    for code, (unit, source) in fields.items():
        assert code in catalogue, f"spec field {code} has no indicator"
        ind = catalogue[code]
        assert ind.kind == kinds[code], code
        assert ind.unit == unit, code
        assert ind.source == source, code
        assert ind.numerator == () and ind.denominator is None and ind.scale is None, code
        assert ind.cap_at_denominator is False, code


def test_every_count_indicator_has_a_spec_field():
    assert {ind.code for ind in counts()} == {code for code, kind in _kinds().items() if kind == "count"}


def test_every_reported_indicator_has_a_spec_field():
    """Counts, and the rates, indices and ranks departments report: all from the specs, none written here."""
    reported = {ind.code for ind in load_catalogue() if not ind.numerator}
    assert reported == set(_spec_fields())


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
    """A reported indicator is in its spec's pillar (population for the denominators, digital_society for most; the
    DTI is a digital_transformation index, e-commerce the digital_economy); a computed one in its numerator's."""
    specs = load_specs()
    pillar = {spec.indicator_code(f.name): spec.pillar for spec in specs.values() for f in spec.fields}
    assert pillar["pop_total"] == "population" and pillar["tel_mobile_subscribers"] == "digital_society"
    for ind in catalogue.values():
        assert ind.pillar == (pillar[ind.code] if ind.code in pillar else pillar[ind.numerator[0]]), ind.code


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
            if not f.is_count:  # a rate, an index, a rank: says what it is instead
                assert f.kind in ind.definition_en or "share" in ind.definition_en.lower(), ind.code
            elif f.kind == "flow":
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
            # computed: rates and sums; counts and the rates, indices, ranks a department reports come from the specs
            assert entry["kind"] in ("rate", "sum"), entry["code"]


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
