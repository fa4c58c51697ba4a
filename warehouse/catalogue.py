"""The indicator catalogue (DESIGN.md §6), loaded into typed, validated ``Indicator`` records. It is the content of
``dim_indicator`` and tells the loader how to compute each rate:
``min(sum(numerator), denominator) if cap_at_denominator else sum(numerator)``, divided by ``denominator``,
times ``scale``.

The counts are derived from the departmental specs (one per field, coded ``<indicator_prefix>_<field>``, with the
field's names, definitions and unit and the spec's pillar): they are never written twice. ``catalogue.yaml`` holds
the rates with their targets, and optional overrides of a count (an entry with the count's ``code`` and only the
keys it changes: names, definitions, targets)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from sources.specs.model import load_specs

CATALOGUE_PATH = Path(__file__).with_name("catalogue.yaml")
KINDS = frozenset({"count", "rate"})


@dataclass(frozen=True)
class Indicator:
    code: str
    name_vi: str
    name_en: str
    unit: str
    pillar: str
    source: str
    kind: str  # count (a field of a departmental spec) or rate (computed from counts)
    numerator: tuple[str, ...]  # codes summed into the numerator; () for counts
    denominator: str | None
    scale: float | None  # 100 for rates
    cap_at_denominator: bool  # numerator := min(numerator, denominator) before dividing
    definition_vi: str
    definition_en: str
    target_2025: float | None
    target_2030: float | None
    target_source: str | None

    @property
    def is_rate(self) -> bool:
        return self.kind == "rate"


_KEYS = tuple(f.name for f in fields(Indicator))
OVERRIDE_KEYS = ("name_vi", "name_en", "definition_vi", "definition_en", "target_2025", "target_2030", "target_source")
_TEXT_KEYS = ("code", "name_vi", "name_en", "unit", "pillar", "source", "definition_vi", "definition_en")


def _number(entry: str, key: str, value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"catalogue entry {entry!r}: {key} must be a number or null, got {value!r}")
    return value


def _indicator(raw: Any, index: int) -> Indicator:
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
    )
    if ind.is_rate:
        if not ind.numerator or ind.denominator is None or ind.scale is None:
            raise ValueError(f"catalogue entry {entry!r}: a rate needs numerator, denominator and scale")
    elif ind.numerator or ind.denominator is not None or ind.scale is not None or ind.cap_at_denominator:
        raise ValueError(
            f"catalogue entry {entry!r}: a count has no numerator, denominator, scale or cap_at_denominator"
        )
    if (ind.target_2025 is not None or ind.target_2030 is not None) and not ind.target_source:
        raise ValueError(f"catalogue entry {entry!r}: a target needs a target_source")
    return ind


def _validate(indicators: list[Indicator]) -> None:
    seen: set[str] = set()
    for ind in indicators:
        if ind.code in seen:
            raise ValueError(f"catalogue entry {ind.code!r}: duplicate code")
        seen.add(ind.code)
    kinds = {ind.code: ind.kind for ind in indicators}
    for ind in indicators:
        refs = [*ind.numerator, *([ind.denominator] if ind.denominator is not None else [])]
        for ref in refs:
            if ref not in kinds:
                raise ValueError(f"catalogue entry {ind.code!r}: unknown indicator {ref!r} in its formula")
            if kinds[ref] != "count":
                raise ValueError(f"catalogue entry {ind.code!r}: {ref!r} in its formula is not a count")


def spec_counts() -> dict[str, dict[str, Any]]:
    """The count entries the specs imply, by code, as catalogue entries (in spec order, fields in file order)."""
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
                "kind": "count",
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
        elif isinstance(raw, dict) and raw.get("kind") == "count":
            raise ValueError(
                f"{path}: catalogue entry {code!r} is a count that no spec field defines: a count is "
                f"derived from its spec (sources/specs/<source>.yaml), not written here"
            )
        else:
            own.append(raw)
    order = list(dict.fromkeys(c["source"] for c in counts_by_code.values()))
    rank = {source: n for n, source in enumerate(order)}
    entries = [*counts_by_code.values(), *own]
    return sorted(entries, key=lambda e: (rank.get(e.get("source"), len(order)), e.get("kind") != "count"))


@cache
def load_catalogue(path: Path = CATALOGUE_PATH) -> list[Indicator]:
    """Every indicator: the counts of the specs, then (source by source) the rates of ``path``, validated
    (``ValueError`` names the bad entry).

    Cached per path: treat the returned list as read-only."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, list):
        raise ValueError(f"{path}: the catalogue must be a list of indicator entries")
    indicators = [_indicator(raw, i) for i, raw in enumerate(_merged(data, Path(path)), start=1)]
    _validate(indicators)
    return indicators


def by_code(path: Path = CATALOGUE_PATH) -> dict[str, Indicator]:
    return {ind.code: ind for ind in load_catalogue(path)}


def rates(path: Path = CATALOGUE_PATH) -> list[Indicator]:
    return [ind for ind in load_catalogue(path) if ind.kind == "rate"]


def counts(path: Path = CATALOGUE_PATH) -> list[Indicator]:
    return [ind for ind in load_catalogue(path) if ind.kind == "count"]
