"""Departmental specs: YAML files in ``sources/specs/`` are the one definition of what a department's
spreadsheet holds. The reader, the expectation suites, the count indicators of the catalogue, the data dictionary
and the sample workbooks are all derived from them.

Each file is validated on load by the pydantic models below (``extra="forbid"``, as PUDL's metadata classes): an
unknown or misspelt key (``requried: true``, ``cadense: year``) or a missing one is a ``SpecError`` naming the file
and the key path, in Vietnamese and English. docs/adding_a_department.md lists every key; the field kinds
(rate, index, rank, ``aggregate``, ``scale_max``, ``out_of``: ``sources/specs/fields.py``) are in docs/field_kinds.md.
"""

from __future__ import annotations

import difflib
from functools import cache
from pathlib import Path
from typing import Any, Literal, TypeVar, get_args

import yaml
from pydantic import BaseModel, ConfigDict, PrivateAttr, ValidationError, model_validator

from sources.common.text import key, norm
from sources.specs.fields import KINDS, Field, ReportedRate, in_aliases

__all__ = ["KINDS", "Field", "Layout", "ReportedRate", "Spec", "SpecError", "load_layout", "load_specs"]

SPEC_DIR = Path(__file__).parent  # the YAML specs sit beside their model


class SpecError(ValueError):
    """A spec file (or ``_common.yaml``) that does not validate: the message names the file and each key path."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Spec(_Strict):
    """A department: what it reports (``fields``), who it is, and how often it reports."""

    source: str
    name_vi: str
    name_en: str
    department_vi: str
    department_en: str
    indicator_prefix: str
    pillar: str = "digital_society"  # the catalogue pillar of its count indicators
    fields: tuple[Field, ...]
    sheet_patterns: tuple[str, ...] = ()
    total_tolerance: float = 0.0
    reported_rates: tuple[ReportedRate, ...] = ()
    cadence: Literal["year", "half", "quarter", "month"] = "year"  # how often the department reports
    grace_days: int = 45  # a period's file is due this many days after the period ends
    _path: Path = PrivateAttr(default=Path())

    @property
    def path(self) -> Path:
        """The spec file it was loaded from."""
        return self._path

    @model_validator(mode="after")
    def _consistent(self) -> Spec:
        names = [f.name for f in self.fields]
        if dupes := sorted({n for n in names if names.count(n) > 1}):
            raise ValueError(f"fields: trùng tên trường / duplicate field name(s) {dupes}")
        if not self.indicator_prefix.isidentifier() or self.indicator_prefix != self.indicator_prefix.lower():
            raise ValueError(
                f"indicator_prefix {self.indicator_prefix!r}: chỉ chữ thường, số, _ / only lower-case "
                "letters, digits, _"
            )
        units = {f.name: f.unit for f in self.fields}
        counts = {f.name for f in self.fields if f.is_count}
        for f in self.fields:
            for ref in (*f.part_of, *f.sum_of):
                if ref not in units:
                    raise ValueError(
                        f"fields ({f.name}): {ref!r} (part_of/sum_of) không phải trường của đặc tả "
                        "này / is not a field of this spec"
                    )
                if ref not in counts:
                    raise ValueError(
                        f"fields ({f.name}): {ref!r} (part_of/sum_of) không phải số đếm / is not a count "
                        f"(kind {self.field(ref).kind})"
                    )
            for whole in f.part_of:
                if units[whole] != f.unit:
                    raise ValueError(
                        f"fields ({f.name}): part_of {whole!r} có đơn vị khác / has another unit "
                        f"({units[whole]!r}, not {f.unit!r})"
                    )
        for r in self.reported_rates:
            for ref in (r.numerator, r.denominator):
                if ref not in counts:
                    raise ValueError(
                        f"reported_rates ({r.name}): {ref!r} không phải trường số đếm của đặc tả này / is not a "
                        "count field of this spec"
                    )
        for f in self.fields:
            self.wholes_of(f.name)  # raises on a part_of cycle
        return self

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    def indicator_code(self, field_name: str) -> str:
        return f"{self.indicator_prefix}_{field_name}"

    def wholes_of(self, name: str) -> list[str]:
        """Every field ``name`` is a part of, directly or through other parts (``adult`` → ``age_14_plus``,
        ``total``), and the fields whose ``sum_of`` lists it."""
        direct = {f.name: [*f.part_of] for f in self.fields}
        for f in self.fields:
            for part in f.sum_of:
                if f.name not in direct.get(part, []):
                    direct.setdefault(part, []).append(f.name)
        out: list[str] = []
        todo, seen = list(direct.get(name, [])), {name}
        while todo:
            whole = todo.pop(0)
            if whole in seen:
                raise ValueError(f"fields ({name}): part_of tạo vòng lặp qua / forms a cycle through {whole!r}")
            seen.add(whole)
            out.append(whole)
            todo.extend(w for w in direct.get(whole, []) if w not in out)
        return out

    def part_pairs(self) -> list[tuple[str, str]]:
        """(whole, part) for every part-of relation, transitive ones included, in field order."""
        return [(whole, f.name) for f in self.fields for whole in self.wholes_of(f.name)]


# --- the shared layout vocabulary (_common.yaml) ----------------------------------------------------------------


class _Aliases(_Strict):
    aliases: tuple[str, ...]


class _Labels(_Strict):
    labels: tuple[str, ...]


class _Prefixes(_Strict):
    prefixes: tuple[str, ...]


class CommonFile(_Strict):
    """``specs/_common.yaml``: how the area and code columns, total rows and table ends are recognised."""

    area_column: _Aliases
    code_column: _Aliases
    row_number_column: _Aliases
    total_row: _Labels
    table_end: _Prefixes
    ignored_columns: _Aliases = _Aliases(aliases=())
    country_rows: tuple[str, ...] = ()
    region_rows: tuple[str, ...] = ()
    province_aliases: dict[str, str] = {}


class Layout(_Strict):
    """Vocabulary shared by every spec (``specs/_common.yaml``), as the reader uses it."""

    area_aliases: tuple[str, ...]
    code_aliases: tuple[str, ...]
    row_number_aliases: tuple[str, ...]
    total_labels: tuple[str, ...]
    end_prefixes: tuple[str, ...]
    ignored_aliases: tuple[str, ...] = ()
    country_rows: tuple[str, ...] = ()
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
        """A regional row, or the national one: not an area of the unit list."""
        return _in(label, self.region_rows) or self.is_country(label)

    def is_country(self, label: str) -> bool:
        return _in(label, self.country_rows)

    def is_table_end(self, label: str) -> bool:
        normed, keyed = _prefixes(self.end_prefixes)
        return norm(label).startswith(normed) or key(label).startswith(keyed)


def _in(label: str, options: tuple[str, ...]) -> bool:
    return in_aliases(label, options)


@cache
def _prefixes(prefixes: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The table-end prefixes normalised (``norm``) and keyed (``key``, the empty ones left out), once."""
    return tuple(norm(p) for p in prefixes), tuple(k for p in prefixes if (k := key(p)))


# --- loading ----------------------------------------------------------------------------------------------------


def _keys_of(model: Any) -> set[str]:
    """Every key ``model`` and the models nested in it accept (what a misspelt key is compared with)."""
    if isinstance(model, type) and issubclass(model, BaseModel):
        return {k for name, f in model.model_fields.items() for k in ({name} | _keys_of(f.annotation))}
    return {k for arg in get_args(model) for k in _keys_of(arg)}


_RENAMED = {"cumulative": "kind: cumulative"}  # keys of older specs


def read_yaml(path: Path) -> Any:
    """A YAML file's content; a syntax error is a ``SpecError`` naming the file and the line."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise SpecError(f"{path}: YAML không đọc được / is not valid YAML: {e}") from e


_Model = TypeVar("_Model", bound=BaseModel)


def validated(model: type[_Model], data: Any, path: Path) -> _Model:
    """``model`` validated from ``data`` (read from ``path``), or a bilingual ``SpecError`` listing every problem."""
    try:
        return model.model_validate(data)
    except ValidationError as e:
        known = _keys_of(model)
        problems = [_problem(err, data, known) for err in e.errors()]
        raise SpecError(f"{path}: {len(problems)} lỗi / error(s):\n" + "\n".join(problems)) from None


def _problem(err: Any, data: Any, known: set[str]) -> str:
    where = _where(err["loc"], data)
    last = str(err["loc"][-1]) if err["loc"] else ""
    if err["type"] == "extra_forbidden":
        near = [_RENAMED[last]] if last in _RENAMED else difflib.get_close_matches(last, sorted(known), n=1)
        hint_vi = f" (có phải là {near[0]!r}?)" if near else ""
        hint_en = f" (did you mean {near[0]!r}?)" if near else ""
        return (
            f"  - {where}: khóa không có trong đặc tả{hint_vi}; sửa hoặc xóa khóa này. / "
            f"unknown key{hint_en}; correct or remove it."
        )
    if err["type"] == "missing":
        return f"  - {where}: thiếu khóa bắt buộc; hãy thêm khóa này. / required key missing; add it."
    if err["type"] == "value_error":
        return f"  - {where}: {err['msg'].removeprefix('Value error, ')}"
    return f"  - {where}: giá trị không hợp lệ ({err.get('input')!r}) / invalid value: {err['msg']}."


def _where(loc: tuple[Any, ...], data: Any) -> str:
    """``fields[1] (mobile_subscribers).requried``: the key path, a list item named by its ``name``."""
    out, node = "", data
    for part in loc:
        if isinstance(part, int):
            item = node[part] if isinstance(node, list) and part < len(node) else None
            named = f" ({item['name']})" if isinstance(item, dict) and "name" in item else ""
            out += f"[{part}]{named}"
            node = item
        else:
            out += ("." if out else "") + str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return out or "(toàn tệp / whole file)"


def load_spec(path: Path) -> Spec:
    """One spec file, validated; its ``source`` must be the file's name."""
    data = read_yaml(path)
    spec: Spec = validated(Spec, data, path)
    if spec.source != path.stem:
        raise SpecError(
            f"{path}: source: {spec.source!r} phải trùng tên tệp / must be the file's name ({path.stem!r})."
        )
    spec._path = path
    return spec


@cache
def load_specs(spec_dir: Path = SPEC_DIR) -> dict[str, Spec]:
    """Every spec in ``spec_dir``, by source name (files starting with ``_`` are shared vocabulary; folders such
    as ``samples/`` hold data derived for other uses and are not specs)."""
    specs = [load_spec(p) for p in sorted(spec_dir.glob("*.yaml")) if not p.name.startswith("_")]
    prefixes: dict[str, str] = {}
    for s in specs:
        if s.indicator_prefix in prefixes:
            raise SpecError(
                f"{s.path}: indicator_prefix {s.indicator_prefix!r} đã dùng cho / is already used by "
                f"{prefixes[s.indicator_prefix]}."
            )
        prefixes[s.indicator_prefix] = s.source
    return {s.source: s for s in specs}


@cache
def load_layout(spec_dir: Path = SPEC_DIR) -> Layout:
    path = spec_dir / "_common.yaml"
    common: CommonFile = validated(CommonFile, read_yaml(path), path)
    return Layout(
        area_aliases=common.area_column.aliases,
        code_aliases=common.code_column.aliases,
        row_number_aliases=common.row_number_column.aliases,
        total_labels=common.total_row.labels,
        end_prefixes=common.table_end.prefixes,
        ignored_aliases=common.ignored_columns.aliases,
        country_rows=common.country_rows,
        region_rows=common.region_rows,
        province_aliases=tuple(common.province_aliases.items()),
    )
