"""Area paths (the names a hierarchy carries down: province, district, commune) resolved within their parents, and
provinces by name as statistics tables write them (``Tỉnh Bắc Kạn``, ``TP. Hồ Chí Minh``, ``Thừa Thiên Huế``)."""

from __future__ import annotations

from sources.areas.units import DISTRICT_RANK, AreaMatch, Unit, UnitRegistry, _bound, split_type
from sources.common.text import key, norm


class PathResolver:
    """Resolves area paths (names carried down a hierarchy: province, district, commune) within their parents,
    memoising each prefix: a ward list of 10,000 rows resolves each district once."""

    def __init__(self, units: UnitRegistry, vintage: str, province_aliases: dict[str, str]):
        self.units, self.vintage = units, vintage
        self.aliases = {key(k): v for k, v in province_aliases.items()}
        self._alias_items = tuple(sorted(self.aliases.items()))
        self._memo: dict[tuple[str, ...], AreaMatch] = {}

    def province(self, written: str) -> Unit | None:
        """A province by name: ``Tỉnh Bắc Kạn``, ``TP. Hồ Chí Minh``, ``Ha Noi``, ``Thừa Thiên Huế`` (an alias)."""
        memo = (self.vintage, self._alias_items, written)
        # one look-up: the registry is shared by the threads that read files (Stager.prefetch), and another thread
        # may empty a full memo between a check and a second look-up
        try:
            return self.units.province_memo[memo]
        except KeyError:  # not looked up yet, or the memo was emptied when full
            _bound(self.units.province_memo)
            found = self.units.province_memo[memo] = self._province(written)
            return found

    def _province(self, written: str) -> Unit | None:
        unit_type, bare = split_type(written)
        text = self.aliases.get(key(written)) or self.aliases.get(key(bare))
        if text:
            unit_type, bare = None, norm(text)
        if unit_type not in (None, "tỉnh", "thành phố"):
            return None
        found = self.units.province_by_key(self.vintage, key(bare))
        # "Thành phố Bắc Kạn" is a district: a written type must be the province's own (Tỉnh / Thành phố Hà Nội)
        if found is not None and unit_type is not None and found.unit_type != unit_type:
            return None
        return found

    def resolve(self, path: tuple[str, ...], province: str | None = None, *, provinces_only: bool = False) -> AreaMatch:
        """The unit a path names, within the nearest ancestor that resolves; ``provinces_only`` for the rows
        of a national table (``Hà Tây`` is a former province, not a commune of that name)."""
        if path in self._memo:
            return self._memo[path]
        if provinces_only and len(path) == 1:
            p = self.province(path[0])
            match = AreaMatch(p) if p else AreaMatch(None, scope="")
        elif len(path) > 1:
            ancestors = [self.resolve(path[:k], province).unit for k in range(len(path) - 1, 0, -1)]
            parent = next((u for u in ancestors if u is not None), None)
            if parent is None:
                match = AreaMatch(None, scope=province or "")
            elif parent is ancestors[0]:
                match = self._resolve_in(path[-1], parent, province, top=False)
            else:  # the parent is gone (merged since): look within the province above it
                match = self._resolve_in(path[-1], None, parent.province_code, top=False)
        else:
            match = self._resolve_in(path[-1], None, province, top=True)
        self._memo[path] = match
        return match

    def resolve_under(self, path: tuple[str, ...], province: str | None) -> AreaMatch:
        """A hierarchy whose top level is below the province (district | commune): the top names are resolved
        within the province most of them belong to, each lower name within the one above it."""
        m = self._resolve_in(path[0], None, province, top=False)
        for name in path[1:]:
            if m.unit is None:
                return m
            m = self._resolve_in(name, m.unit, province, top=False)
        return m

    def _resolve_in(self, written: str, parent: Unit | None, province: str | None, *, top: bool) -> AreaMatch:
        if top and parent is None and (p := self.province(written)):
            return AreaMatch(p)
        found = self.units.candidates(self.vintage, written)
        unit_type = split_type(written)[0]
        if unit_type:  # in a formal hierarchy "Thị trấn Phố Lu" is not "Xã Phố Lu", nor "Huyện X" "Phường X"
            exact = [u for u in found if u.unit_type == unit_type]
            # districts are upgraded in place (Thị xã Phổ Yên is now Thành phố Phổ Yên, the same unit and code)
            upgraded = [
                u
                for u in found
                if unit_type in DISTRICT_RANK and DISTRICT_RANK.get(u.unit_type or "", -1) >= DISTRICT_RANK[unit_type]
            ]
            found = exact or upgraded
        if parent is not None:
            inside = [u for u in found if u.parent_code == parent.code] or [
                u for u in found if u.province_code == parent.province_code and parent.level == "province"
            ]
            if not inside and not found:
                inside = self._type_only(written, parent)
            found = inside
        elif province:
            found = [u for u in found if u.province_code == province]
        if len(found) == 1:
            return AreaMatch(found[0])
        if len(found) > 1:
            found = sorted(found, key=lambda u: u.code)
            names = "; ".join(f"{u.code} {u.full_name}" for u in found[:6])
            return AreaMatch(
                None, tuple(u.full_name for u in found[:6]), note=f"ambiguous: {names}", candidates=tuple(found)
            )
        return AreaMatch(None, scope=(parent.province_code if parent else province) or "")

    def _type_only(self, written: str, parent: Unit) -> list[Unit]:
        """``Thị trấn`` alone inside a district that has exactly one thị trấn."""
        unit_type, rest = split_type(written + " x")
        if unit_type is None or rest != "x":
            return []
        kids = [u for u in self.units._children.get((self.vintage, parent.code), []) if u.unit_type == unit_type]
        return kids if len(kids) == 1 else []
