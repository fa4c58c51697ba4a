"""The indicator catalogue (DESIGN.md §6), loaded into typed, validated ``Indicator`` records. It is the content of
``dim_indicator`` and tells the loader how to compute each rate:
``min(sum(numerator), denominator) if cap_at_denominator else sum(numerator)``, divided by ``denominator``,
times ``scale``; and each sum (``kind: sum``, issue #25): ``sum(numerator)``, a count made of counts (telephone
subscribers = fixed + mobile).

The reported indicators are derived from the departmental specs (one per field, coded ``<indicator_prefix>_<field>``,
with the field's names, definitions and unit and the spec's pillar): they are never written twice. A field's kind
gives the indicator's: ``count`` (stock, flow, cumulative), or ``rate``, ``index``, ``rank`` as they are, with the
field's ``aggregate``, ``scale_max`` and ``out_of``. ``catalogue.yaml`` holds the computed rates and sums with their
targets, and optional overrides of a reported indicator (an entry with its ``code`` and only the keys it changes:
names, definitions, targets)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from sources.specs.model import load_specs

CATALOGUE_PATH = Path(__file__).with_name("catalogue.yaml")
KINDS = frozenset({"count", "rate", "sum", "index", "rank"})
COMPUTED_KINDS = frozenset({"rate", "sum"})  # the kinds a catalogue entry computes (a spec field reports the others)


@dataclass(frozen=True)
class Indicator:
    code: str
    name_vi: str
    name_en: str
    unit: str
    pillar: str
    source: str
    # count, index, rank (a field of a departmental spec), rate (computed from counts, or a field reporting a
    # share), sum (computed: counts added up)
    kind: str
    numerator: tuple[str, ...]  # codes summed into the numerator (a rate) or the sum; () for reported indicators
    denominator: str | None
    scale: float | None  # 100 for rates
    cap_at_denominator: bool  # numerator := min(numerator, denominator) before dividing
    definition_vi: str
    definition_en: str
    target_2025: float | None
    target_2030: float | None
    target_source: str | None
    # sum: its province value is the sum of its areas' (counts, sums); none: only the reported value (issue #25)
    aggregate: str = "sum"
    scale_max: float | None = None  # an index's top of scale
    out_of: str | None = None  # a rank's number ranked: a number, or "provinces" (of the unit list in force)

    @property
    def is_rate(self) -> bool:
        """A rate computed from numerator and denominator (a rate a department reports has no formula)."""
        return self.kind == "rate" and bool(self.numerator)

    @property
    def is_sum(self) -> bool:
        return self.kind == "sum"

    @property
    def is_count(self) -> bool:
        """A count of things: reported (``count``) or added up from counts (``sum``)."""
        return self.kind in ("count", "sum")


_EXTRA = ("aggregate", "scale_max", "out_of")  # from the spec field; never written in catalogue.yaml
_KEYS = tuple(f.name for f in fields(Indicator) if f.name not in _EXTRA)
OVERRIDE_KEYS = ("name_vi", "name_en", "definition_vi", "definition_en", "target_2025", "target_2030", "target_source")
_TEXT_KEYS = ("code", "name_vi", "name_en", "unit", "pillar", "source", "definition_vi", "definition_en")


def _number(entry: str, key: str, value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"catalogue entry {entry!r}: {key} must be a number or null, got {value!r}")
    return value


def _indicator(raw: Any, index: int, reported: dict[str, Any] | None = None) -> Indicator:
    """One entry validated; ``reported``: the spec field's aggregate, scale_max and out_of when the entry is a
    field's indicator (it computes nothing)."""
    if not isinstance(raw, dict):
        raise ValueError(f"catalogue entry #{index}: expected a mapping, got {type(raw).__name__}")
    entry = str(raw.get("code") or f"#{index}")
    missing = [k for k in _KEYS if k not in raw]
    extra = sorted(set(raw) - set(_KEYS))
    if missing or extra:
        raise ValueError(f"catalogue entry {entry!r}: missing keys {missing}, unknown keys {extra}")
    for k in _TEXT_KEYS:
        if not isinstance(raw[k], str) or not raw[k].strip():
            raise ValueError(f"catalogue entry {entry!r}: {k} must be non-empty text")
    if raw["kind"] not in KINDS:
        raise ValueError(f"catalogue entry {entry!r}: kind {raw['kind']!r} is not one of {sorted(KINDS)}")
    numerator = raw["numerator"]
    if numerator is None:
        numerator = ()
    elif isinstance(numerator, str):
        numerator = (numerator,)
    elif isinstance(numerator, list) and all(isinstance(c, str) for c in numerator):
        numerator = tuple(numerator)
    else:
        raise ValueError(f"catalogue entry {entry!r}: numerator must be a list of codes or null")
    denominator = raw["denominator"]
    if denominator is not None and not isinstance(denominator, str):
        raise ValueError(f"catalogue entry {entry!r}: denominator must be a code or null")
    if not isinstance(raw["cap_at_denominator"], bool):
        raise ValueError(f"catalogue entry {entry!r}: cap_at_denominator must be true or false")
    target_source = raw["target_source"]
    if target_source is not None and not isinstance(target_source, str):
        raise ValueError(f"catalogue entry {entry!r}: target_source must be text or null")
    field = reported or {"aggregate": "sum" if raw["kind"] == "sum" else "none"}
    ind = Indicator(
        code=raw["code"],
        name_vi=raw["name_vi"],
        name_en=raw["name_en"],
        unit=raw["unit"],
        pillar=raw["pillar"],
        source=raw["source"],
        kind=raw["kind"],
        numerator=numerator,
        denominator=denominator,
        scale=_number(entry, "scale", raw["scale"]),
        cap_at_denominator=raw["cap_at_denominator"],
        definition_vi=raw["definition_vi"],
        definition_en=raw["definition_en"],
        target_2025=_number(entry, "target_2025", raw["target_2025"]),
        target_2030=_number(entry, "target_2030", raw["target_2030"]),
        target_source=target_source,
        aggregate=field.get("aggregate", "sum"),
        scale_max=field.get("scale_max"),
        out_of=None if field.get("out_of") is None else str(field["out_of"]),
    )
    _check_formula(ind, entry, reported is not None)
    if (ind.target_2025 is not None or ind.target_2030 is not None) and not ind.target_source:
        raise ValueError(f"catalogue entry {entry!r}: a target needs a target_source")
    return ind


def _check_formula(ind: Indicator, entry: str, reported: bool) -> None:
    """A computed entry has its formula (a rate: numerator, denominator, scale; a sum: numerator alone); a reported
    indicator has none."""
    if reported:
        if ind.numerator or ind.denominator is not None or ind.scale is not None or ind.cap_at_denominator:
            raise ValueError(
                f"catalogue entry {entry!r}: a reported indicator has no numerator, denominator, scale or "
                "cap_at_denominator"
            )
        return
    if ind.kind == "rate":
        if not ind.numerator or ind.denominator is None or ind.scale is None:
            raise ValueError(f"catalogue entry {entry!r}: a rate needs numerator, denominator and scale")
    elif ind.kind == "sum":
        if len(ind.numerator) < 2 or ind.denominator is not None or ind.scale is not None or ind.cap_at_denominator:
            raise ValueError(
                f"catalogue entry {entry!r}: a sum needs a numerator of two or more codes, and no denominator, "
                "scale or cap_at_denominator"
            )
    else:
        raise ValueError(
            f"catalogue entry {entry!r}: kind {ind.kind!r} is reported by a spec field; catalogue.yaml computes "
            f"only {sorted(COMPUTED_KINDS)}"
        )


def _validate(indicators: list[Indicator]) -> None:
    seen: set[str] = set()
    for ind in indicators:
        if ind.code in seen:
            raise ValueError(f"catalogue entry {ind.code!r}: duplicate code")
        seen.add(ind.code)
    by_code = {ind.code: ind for ind in indicators}
    for ind in indicators:
        refs = [*ind.numerator, *([ind.denominator] if ind.denominator is not None else [])]
        for ref in refs:
            if ref not in by_code:
                raise ValueError(f"catalogue entry {ind.code!r}: unknown indicator {ref!r} in its formula")
            if by_code[ref].kind != "count":
                raise ValueError(
                    f"catalogue entry {ind.code!r}: {ref!r} in its formula is not a count (it is a "
                    f"{by_code[ref].kind}): rates and sums are made of counts"
                )
        if ind.is_sum:
            units = {by_code[ref].unit for ref in ind.numerator}
            if units != {ind.unit} or any(by_code[ref].aggregate != "sum" for ref in ind.numerator):
                raise ValueError(
                    f"catalogue entry {ind.code!r}: a sum adds counts that add up over areas, in its own unit "
                    f"({ind.unit!r}); its parts are in {sorted(units)}"
                )


def spec_fields() -> dict[str, dict[str, Any]]:
    """Each spec field's aggregate, scale_max and out_of, by indicator code."""
    return {
        spec.indicator_code(f.name): {"aggregate": f.aggregate, "scale_max": f.scale_max, "out_of": f.out_of}
        for spec in load_specs().values()
        for f in spec.fields
    }


def spec_counts() -> dict[str, dict[str, Any]]:
    """The entries the specs imply (counts, and reported rates, indices and ranks), by code, as catalogue entries
    (in spec order, fields in file order)."""
    out: dict[str, dict[str, Any]] = {}
    for spec in load_specs().values():
        for f in spec.fields:
            code = spec.indicator_code(f.name)
            out[code] = {
                "code": code,
                "name_vi": f.name_vi,
                "name_en": f.name_en,
                "unit": f.unit,
                "pillar": spec.pillar,
                "source": spec.source,
                "kind": "count" if f.is_count else f.kind,
                "numerator": None,
                "denominator": None,
                "scale": None,
                "cap_at_denominator": False,
                "definition_vi": " ".join(f.definition_vi.split()),
                "definition_en": " ".join(f.definition_en.split()),
                "target_2025": None,
                "target_2030": None,
                "target_source": None,
            }
    return out


def _merged(data: list[Any], path: Path) -> list[dict[str, Any]]:
    """The spec counts with their overrides applied, and the rates of the file: each source's counts, then its
    rates, source by source in spec order (rates of other sources last)."""
    counts_by_code = spec_counts()
    own: list[Any] = []
    for i, raw in enumerate(data, start=1):
        if not isinstance(raw, dict):
            raise ValueError(f"catalogue entry #{i}: expected a mapping, got {type(raw).__name__}")
        code = raw.get("code")
        if code in counts_by_code:
            if unknown := sorted(set(raw) - {"code", *OVERRIDE_KEYS}):
                raise ValueError(
                    f"{path}: catalogue entry {code!r} overrides a count derived from its spec; it may "
                    f"only set {list(OVERRIDE_KEYS)}, not {unknown}"
                )
            counts_by_code[code] = {**counts_by_code[code], **raw}
        elif isinstance(raw, dict) and raw.get("kind") in KINDS - COMPUTED_KINDS:
            raise ValueError(
                f"{path}: catalogue entry {code!r} is a {raw.get('kind')} that no spec field defines: a reported "
                f"indicator is derived from its spec (sources/specs/<source>.yaml), not written here"
            )
        else:
            own.append(raw)
    order = list(dict.fromkeys(c["source"] for c in counts_by_code.values()))
    rank = {source: n for n, source in enumerate(order)}
    entries = [*counts_by_code.values(), *own]
    reported = set(counts_by_code)
    return sorted(entries, key=lambda e: (rank.get(e.get("source"), len(order)), e.get("code") not in reported))


@cache
def load_catalogue(path: Path = CATALOGUE_PATH) -> list[Indicator]:
    """Every indicator: the counts of the specs, then (source by source) the rates of ``path``, validated
    (``ValueError`` names the bad entry).

    Cached per path: treat the returned list as read-only."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, list):
        raise ValueError(f"{path}: the catalogue must be a list of indicator entries")
    fields_by_code = spec_fields()
    indicators = [
        _indicator(raw, i, fields_by_code.get(str(raw.get("code"))) if isinstance(raw, dict) else None)
        for i, raw in enumerate(_merged(data, Path(path)), start=1)
    ]
    _validate(indicators)
    return indicators


def by_code(path: Path = CATALOGUE_PATH) -> dict[str, Indicator]:
    return {ind.code: ind for ind in load_catalogue(path)}


def rates(path: Path = CATALOGUE_PATH) -> list[Indicator]:
    """The rates computed from numerator and denominator."""
    return [ind for ind in load_catalogue(path) if ind.is_rate]


def sums(path: Path = CATALOGUE_PATH) -> list[Indicator]:
    """The counts computed as sums of counts."""
    return [ind for ind in load_catalogue(path) if ind.is_sum]


def counts(path: Path = CATALOGUE_PATH) -> list[Indicator]:
    return [ind for ind in load_catalogue(path) if ind.kind == "count"]
