"""Administrative units and the resolution of area names as departments write them.

Units come from ``admin_units_<vintage>.csv`` files (columns of ``shared/reference``): the built-in list in
``sources/areas/builtin/`` covers the sample provinces; ``XHS_REFERENCE`` points at a folder of full national lists.
A unit is keyed by (vintage, code): codes were reused after the 1 July 2025 reform.
"""

from __future__ import annotations

import csv
import difflib
import os
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from sources.common.periods import Period
from sources.common.text import fold, key, norm

BUILTIN_UNITS = Path(__file__).parent / "builtin"
# The whole country: a national table's values load on it (``dim_area`` level ``country``, one row per unit list).
COUNTRY_CODE = "VN"
COUNTRY_NAME = ("Việt Nam", "Việt Nam", "Viet Nam")  # name, full name, English name

# Written prefixes → the unit type they name (normalised). Longest first so "thành phố" wins over "tp".
_TYPE_PREFIXES: list[tuple[str, str]] = sorted(
    [
        ("thành phố", "thành phố"),
        ("tp.", "thành phố"),
        ("tp", "thành phố"),
        ("thị xã", "thị xã"),
        ("tx.", "thị xã"),
        ("tx", "thị xã"),
        ("huyện", "huyện"),
        ("h.", "huyện"),
        ("quận", "quận"),
        ("q.", "quận"),
        ("thị trấn", "thị trấn"),
        ("tt.", "thị trấn"),
        ("phường", "phường"),
        ("p.", "phường"),
        ("xã", "xã"),
        ("x.", "xã"),
        ("đặc khu", "đặc khu"),
        ("tỉnh", "tỉnh"),
    ],
    key=lambda p: -len(p[0]),
)


DISTRICT_RANK = {"huyện": 0, "thị xã": 1, "quận": 2, "thành phố": 2}  # a district is only ever upgraded
# The level a written unit type asks for (issue #25): "thành phố" is a province when it names a centrally governed
# city (``UnitRegistry.level_asked``), else a district.
TYPE_LEVEL = {
    "tỉnh": "province",
    "thành phố": "district",
    "thị xã": "district",
    "huyện": "district",
    "quận": "district",
    "xã": "commune",
    "phường": "commune",
    "thị trấn": "commune",
    "đặc khu": "commune",
}
# English exports write the type after the name: "Bac Kan province", "Bac Kan city", "Ba Be district".
_TYPE_SUFFIXES = {
    "province": "tỉnh",
    "city": "thành phố",
    "district": "huyện",
    "urban district": "quận",
    "rural district": "huyện",
    "town": "thị xã",
    "commune": "xã",
    "ward": "phường",
}
_CENTRAL = re.compile(r"\s*[\(,-]?\s*(?:trực thuộc (?:tw|trung ương)|tw)\s*\)?\s*$")


def split_type(name: str) -> tuple[str | None, str]:
    """``"TP. Bắc Kạn"`` → (``"thành phố"``, ``"bắc kạn"``); ``"Ba Be district"`` → (``"huyện"``, ``"ba be"``); a
    bare name has no type."""
    return _split_type(norm(name))


@lru_cache(maxsize=1 << 16)
def _split_type(n: str) -> tuple[str | None, str]:
    n = _CENTRAL.sub("", n)  # "TP. Hà Nội (trực thuộc TW)"
    for prefix, unit_type in _TYPE_PREFIXES:
        if n.startswith(prefix) and (prefix.endswith(".") or len(n) == len(prefix) or not n[len(prefix)].isalnum()):
            rest = n[len(prefix) :].strip(" .")
            if rest:
                return unit_type, rest
    for suffix in sorted(_TYPE_SUFFIXES, key=len, reverse=True):
        if n.endswith(" " + suffix) and (rest := n[: -len(suffix) - 1].strip(" .")):
            return _TYPE_SUFFIXES[suffix], rest
    return None, n


@dataclass(frozen=True)
class Unit:
    vintage: str
    code: str
    level: str
    name: str
    full_name: str
    name_en: str
    parent_code: str
    province_code: str

    @property
    def key(self) -> str:
        return f"{self.vintage}/{self.code}"

    @property
    def unit_type(self) -> str | None:
        return split_type(self.full_name)[0]


@dataclass(frozen=True)
class AreaMatch:
    unit: Unit | None
    suggestions: tuple[str, ...] = ()
    note: str | None = None  # e.g. the code and the name disagree
    scope: str | None = None  # unresolved in a hierarchy: the province to suggest names from ("" = anywhere)
    candidates: tuple[Unit, ...] = ()  # an ambiguous name: every unit it could be, in code order

    def with_suggestions(self, units: UnitRegistry, vintage: str, written: str) -> AreaMatch:
        """Suggestions are looked up only for the names a message shows (difflib over a national list is slow)."""
        if self.unit is not None or self.scope is None:
            return self
        return AreaMatch(None, units._suggest(vintage, self.scope or None, written), self.note)


MAX_MEMO = 200_000  # names remembered per look-up: a run of files full of junk names does not grow without end


def _bound(memo: dict) -> None:
    if len(memo) >= MAX_MEMO:
        memo.clear()


class UnitRegistry:
    """All units of every vintage found in one folder, with name look-ups."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.units: dict[str, list[Unit]] = {}
        for path in sorted(folder.glob("admin_units_*.csv")):
            vintage = path.stem.removeprefix("admin_units_")
            with path.open(encoding="utf-8", newline="") as f:
                self.units[vintage] = [Unit(vintage=vintage, **row) for row in csv.DictReader(f)]
        if not self.units:
            raise FileNotFoundError(f"no admin_units_<vintage>.csv in {folder}")
        self._by_code = {(u.vintage, u.code): u for us in self.units.values() for u in us}
        # names as written (NFC, tone placement, case) and, apart, without diacritics: "Thanh An" finds Xã Thanh
        # An, not also Xã Thạnh An (two communes of Hồ Chí Minh City); "Thanh An" without the list's accents
        # falls back to the folded form
        self._by_norm: dict[tuple[str, str], list[Unit]] = {}
        self._by_fold: dict[tuple[str, str], list[Unit]] = {}
        self._children: dict[tuple[str, str], list[Unit]] = {}
        self._any_name: set[str] = set()
        # Each distinct name is looked up once per unit list, whatever the number of rows and files naming it (the
        # registry is shared by every file of a run, and never changes once built)
        self._candidates: dict[tuple[str, str], tuple[Unit, ...]] = {}
        self._suggestions: dict[tuple[str, str | None, str], tuple[str, ...]] = {}
        self.province_memo: dict[tuple[str, tuple[tuple[str, str], ...], str], Unit | None] = {}
        self._provinces: dict[tuple[str, str], Unit] = {}
        self._province_counts = {v: sum(1 for u in us if u.level == "province") for v, us in self.units.items()}
        for us in self.units.values():
            for u in us:
                self._by_norm.setdefault((u.vintage, norm(u.name)), []).append(u)
                self._by_fold.setdefault((u.vintage, fold(u.name)), []).append(u)
                self._any_name.add(key(u.name))
                if u.level == "province":
                    self._provinces[(u.vintage, key(u.name))] = u
                if u.parent_code:
                    self._children.setdefault((u.vintage, u.parent_code), []).append(u)

    @property
    def vintages(self) -> list[str]:
        return sorted(self.units)

    def vintage_for(self, period: Period) -> str:
        """The unit list in force at the end of the period (the earliest list for older periods)."""
        valid = [v for v in self.vintages if v <= period.end.isoformat()]
        return valid[-1] if valid else self.vintages[0]

    def province_by_key(self, vintage: str, keyed: str) -> Unit | None:
        """A province by its name compared loosely (``key``): ``ha noi``, ``ba ria vung tau``."""
        return self._provinces.get((vintage, keyed))

    def knows_name(self, written: str) -> bool:
        """Whether any unit of any list has this name (with or without its type): an area column's content."""
        k = key(split_type(written)[1])
        return bool(k) and (k in self._any_name or key(written) in self._any_name)

    def known_codes(self, vintage: str) -> list[str]:
        """Every area code a value of this unit list may carry: its units' and the country's."""
        return [*(u.code for u in self.units[vintage]), COUNTRY_CODE]

    def province_count(self, vintage: str) -> int:
        """How many provinces the unit list has (63 before 1 July 2025, 34 after): what a rank ``out_of:
        provinces`` is out of. Counted once, as the lists are loaded: every file read asks."""
        return self._province_counts[vintage]

    def get(self, vintage: str, code: str) -> Unit | None:
        return self._by_code.get((vintage, code))

    def province(self, vintage: str, province_code: str) -> Unit | None:
        return self.get(vintage, province_code)

    def children(self, vintage: str, province_code: str, level: str) -> list[Unit]:
        return [u for u in self.units[vintage] if u.province_code == province_code and u.level == level]

    def candidates(self, vintage: str, written: str) -> list[Unit]:
        """Sub-province units whose name matches the written name, narrowed by a written type prefix."""
        found = self._candidates.get((vintage, written))
        if found is None:
            _bound(self._candidates)
            found = self._candidates[(vintage, written)] = tuple(self._find_candidates(vintage, written))
        return list(found)

    def _find_candidates(self, vintage: str, written: str) -> list[Unit]:
        """A written level word decides the level (``Tỉnh Bắc Kạn`` is never the city of Bắc Kạn, ``Thành phố Bắc
        Kạn`` never the province); within it the written type first (``Huyện X`` before ``Thị xã X``)."""
        unit_type, bare = split_type(written)
        found = self._by_norm.get((vintage, bare)) or self._by_fold.get((vintage, fold(bare))) or []
        found = [u for u in found if u.level != "province"]
        if unit_type:
            level = self.level_asked(vintage, written)
            same_level = [u for u in found if u.level == level]
            typed = [u for u in same_level if u.unit_type == unit_type]
            found = typed or same_level
        return found

    def level_asked(self, vintage: str, written: str) -> str | None:
        """The level a name's level word asks for: ``Tỉnh X`` and ``Thành phố Hà Nội`` (a centrally governed
        city: a province whose full name is "Thành phố …") a province; ``Thành phố Bắc Kạn``, ``Huyện``,
        ``Quận``, ``Thị xã`` a district; ``Xã``, ``Phường``, ``Thị trấn``, ``Đặc khu`` a commune; None without
        one."""
        unit_type, bare = split_type(written)
        if unit_type is None:
            return None
        if unit_type == "thành phố":
            p = self.province_by_key(vintage, key(bare))
            if p is not None and p.unit_type == "thành phố":
                return "province"
        return TYPE_LEVEL[unit_type]

    def same_name_province(self, vintage: str, written: str) -> Unit | None:
        """The province a bare name (no level word) also names: ``Bắc Kạn``, ``Hoà Bình`` (tone placement aside)."""
        unit_type, bare = split_type(written)
        return None if unit_type else self.province_by_key(vintage, key(bare))

    def resolve_rows(
        self, vintage: str, names: list[str], codes: list[str | None]
    ) -> tuple[str | None, list[AreaMatch]]:
        """Resolve a table's area column: pick the province most rows belong to, then each row within it."""
        cands = [self.candidates(vintage, n) for n in names]
        coded = [self._by_code_text(vintage, c) for c in codes]
        votes = Counter(u.province_code for cs in cands for u in {x.province_code: x for x in cs}.values())
        votes.update(u.province_code for u in coded if u)
        if not votes:
            return None, [AreaMatch(None, self._suggest(vintage, None, n)) for n in names]
        province = votes.most_common(1)[0][0]
        # each row votes once for each level its name could be at: a district list's "1" (Quận 1) is not outvoted
        # by the many "Phường 1" of the province
        levels = Counter(level for cs in cands for level in {u.level for u in cs if u.province_code == province})
        matches = []
        for name, cs, code_unit in zip(names, cands, coded, strict=True):
            in_prov = [u for u in cs if u.province_code == province]
            if len(in_prov) > 1:  # the level most rows are at (a district list names districts)
                top = max(levels[u.level] for u in in_prov)
                in_prov = sorted((u for u in in_prov if levels[u.level] == top), key=lambda u: u.code)
                by_level = Counter(u.level for u in in_prov)
                unique = [u for u in in_prov if by_level[u.level] == 1]
                if len(by_level) > 1 and len(unique) == 1:  # levels tied: the one where the name is one unit
                    in_prov = unique
            if code_unit and code_unit.province_code == province:  # a code column decides
                note = None
                if in_prov and code_unit not in in_prov:
                    names_say = " / ".join(u.full_name for u in in_prov)
                    note = f"code {code_unit.code} is {code_unit.full_name}, name says {names_say}"
                matches.append(AreaMatch(code_unit, note=note))
            elif len(in_prov) > 1:  # Thị xã and Huyện Duyên Hải are both "Duyên Hải"
                matches.append(
                    AreaMatch(
                        None,
                        tuple(u.full_name for u in in_prov),
                        note="ambiguous: " + "; ".join(f"{u.code} {u.full_name}" for u in in_prov),
                        candidates=tuple(in_prov),
                    )
                )
            elif in_prov:
                matches.append(AreaMatch(in_prov[0]))
            else:
                matches.append(AreaMatch(None, self._suggest(vintage, province, name)))
        return province, matches

    def by_code_text(self, vintage: str, code: str | None) -> Unit | None:
        """The sub-province unit a code column names (``58``, ``"058"``, ``"00058"``), if any."""
        return self._by_code_text(vintage, code)

    def _by_code_text(self, vintage: str, code: str | None) -> Unit | None:
        """A code as written: ``058`` is a district, ``00058`` a commune; a number that lost its zeros (``58``) is
        looked for at the widest level first only when nothing says its width (the reader pads a code column's
        codes to its level's width first)."""
        if code is None:
            return None
        text = re.sub(r"\.0$", "", str(code).strip())
        if not text.isdigit():
            return None
        widths = (len(text),) if len(text) in (3, 5) else (5, 3)
        for width in widths:
            u = self.get(vintage, text.zfill(width))
            if u and u.level != "province":
                return u
        return None

    def _suggest(self, vintage: str, province: str | None, written: str) -> tuple[str, ...]:
        found = self._suggestions.get((vintage, province, written))
        if found is None:
            _bound(self._suggestions)
            found = self._suggestions[(vintage, province, written)] = self._closest_names(vintage, province, written)
        return found

    def _closest_names(self, vintage: str, province: str | None, written: str) -> tuple[str, ...]:
        pool = [u for u in self.units[vintage] if u.level != "province" and province in (None, u.province_code)]
        names = {fold(u.full_name): u.full_name for u in pool} | {fold(u.name): u.full_name for u in pool}
        close = difflib.get_close_matches(fold(written), list(names), n=3, cutoff=0.6)
        return tuple(dict.fromkeys(names[c] for c in close))


def reference_folder() -> Path:
    """``XHS_REFERENCE`` when set, else the built-in list of the sample provinces."""
    env = os.environ.get("XHS_REFERENCE")
    return Path(env) if env else BUILTIN_UNITS


@cache
def _registry(folder: Path) -> UnitRegistry:
    return UnitRegistry(folder)


def registry(folder: Path | None = None) -> UnitRegistry:
    return _registry((folder or reference_folder()).resolve())
