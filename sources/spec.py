"""Departmental specs: YAML files in ``sources/specs/`` are the single source of truth for what a
department's spreadsheet holds. The reader, the checks and the data dictionary are driven from them."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from sources.text import key, norm

SPEC_DIR = Path(__file__).parent / "specs"


@dataclass(frozen=True)
class Field:
    name: str
    unit: str
    aliases: tuple[str, ...]
    kind: str = "stock"  # stock (as of the end of the period) or flow (total over it)
    required: bool = False
    integer: bool = True
    cumulative: bool = False
    sum_of: tuple[str, ...] = ()
    max_yearly_change: float = 0.5  # a larger relative move between consecutive years is a warning
    age_band: tuple[int, int | None] | None = None  # ages the field counts (lo, hi; None = and over)

    def matches(self, label: str) -> int:
        """0 = no match, 2 = exact (normalised) match, 1 = diacritics/punctuation-insensitive match."""
        normed, keyed = _alias_forms(self.aliases)
        if norm(label) in normed:
            return 2
        k = key(label)
        return 1 if k and k in keyed else 0


@cache
def _alias_forms(aliases: tuple[str, ...]) -> tuple[frozenset[str], frozenset[str]]:
    """The aliases normalised and keyed once (the reader compares every header with every alias)."""
    return frozenset(norm(a) for a in aliases), frozenset(k for a in aliases if (k := key(a)))


@dataclass(frozen=True)
class ReportedRate:
    """A percentage some departments type beside the counts; checked against the counts, never loaded."""

    name: str
    numerator: str
    denominator: str
    aliases: tuple[str, ...]
    tolerance: float = 0.5  # percentage points

    def matches(self, label: str) -> bool:
        return _in(label, self.aliases)


@dataclass(frozen=True)
class Layout:
    """Vocabulary shared by every spec (``specs/_common.yaml``)."""

    area_aliases: tuple[str, ...]
    code_aliases: tuple[str, ...]
    row_number_aliases: tuple[str, ...]
    total_labels: tuple[str, ...]
    end_prefixes: tuple[str, ...]
    ignored_aliases: tuple[str, ...] = ()
    region_rows: tuple[str, ...] = ()
    province_aliases: tuple[tuple[str, str], ...] = ()  # (written name, unit name in the list)

    def is_area_header(self, label: str) -> bool:
        return _in(label, self.area_aliases)

    def is_code_header(self, label: str) -> bool:
        return _in(label, self.code_aliases)

    def is_ignored(self, label: str) -> bool:
        return _in(label, self.ignored_aliases)

    def is_total(self, label: str) -> bool:
        return _in(label, self.total_labels)

    def is_region(self, label: str) -> bool:
        return _in(label, self.region_rows)

    def is_table_end(self, label: str) -> bool:
        k = key(label)
        n = norm(label)
        return any(n.startswith(norm(p)) or (key(p) and k.startswith(key(p))) for p in self.end_prefixes)


def _in(label: str, options: tuple[str, ...]) -> bool:
    k = key(label)
    return bool(k) and k in _keyed(options)


@cache
def _keyed(options: tuple[str, ...]) -> frozenset[str]:
    return frozenset(key(o) for o in options)


@dataclass(frozen=True)
class Spec:
    source: str
    name_vi: str
    name_en: str
    department_vi: str
    department_en: str
    indicator_prefix: str
    fields: tuple[Field, ...]
    sheet_patterns: tuple[str, ...] = ()
    total_tolerance: float = 0.0
    reported_rates: tuple[ReportedRate, ...] = ()
    cadence: str = "year"  # year | half | quarter | month: how often the department reports
    grace_days: int = 45  # a period's file is due this many days after the period ends
    path: Path = field(default=Path(), compare=False)

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    def indicator_code(self, field_name: str) -> str:
        return f"{self.indicator_prefix}_{field_name}"


def _load_spec(path: Path) -> Spec:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    fields = tuple(
        Field(
            name=f["name"],
            unit=f["unit"],
            aliases=tuple(f["aliases"]),
            kind=f.get("kind", "stock"),
            required=bool(f.get("required", False)),
            integer=bool(f.get("integer", True)),
            cumulative=bool(f.get("cumulative", False)),
            sum_of=tuple(f.get("sum_of", ())),
            max_yearly_change=float(f.get("max_yearly_change", 0.5)),
            age_band=(int(f["age_band"][0]), None if f["age_band"][1] is None else int(f["age_band"][1]))
            if f.get("age_band") else None,
        )
        for f in data["fields"]
    )
    return Spec(
        source=data["source"],
        name_vi=data["name_vi"],
        name_en=data["name_en"],
        department_vi=data["department_vi"],
        department_en=data["department_en"],
        indicator_prefix=data["indicator_prefix"],
        fields=fields,
        sheet_patterns=tuple(data.get("sheet_patterns", ())),
        total_tolerance=float(data.get("total_tolerance", 0)),
        reported_rates=tuple(
            ReportedRate(r["name"], r["numerator"], r["denominator"], tuple(r["aliases"]),
                         float(r.get("tolerance", 0.5)))
            for r in data.get("reported_rates", ())),
        cadence=data.get("cadence", "year"),
        grace_days=int(data.get("grace_days", 45)),
        path=path,
    )


@cache
def load_specs(spec_dir: Path = SPEC_DIR) -> dict[str, Spec]:
    """Every spec in ``spec_dir``, by source name (files starting with ``_`` are shared vocabulary)."""
    specs = [_load_spec(p) for p in sorted(spec_dir.glob("*.yaml")) if not p.name.startswith("_")]
    return {s.source: s for s in specs}


@cache
def load_layout(spec_dir: Path = SPEC_DIR) -> Layout:
    data = yaml.safe_load((spec_dir / "_common.yaml").read_text(encoding="utf-8"))
    return Layout(
        area_aliases=tuple(data["area_column"]["aliases"]),
        code_aliases=tuple(data["code_column"]["aliases"]),
        row_number_aliases=tuple(data["row_number_column"]["aliases"]),
        total_labels=tuple(data["total_row"]["labels"]),
        end_prefixes=tuple(data["table_end"]["prefixes"]),
        ignored_aliases=tuple(data.get("ignored_columns", {}).get("aliases", ())),
        region_rows=tuple(data.get("region_rows", ())),
        province_aliases=tuple((k, v) for k, v in data.get("province_aliases", {}).items()),
    )
