"""Age-band columns (``0 - 04`` … ``85+``): the groups that partition the population (the total group, else every
group of one breakdown such as urban + rural) are summed into each field whose age range they exactly cover (the
spec's ``age_band``: working_age 15–64); when they do not fit, nothing is loaded for that field and a note says so.
"""

from __future__ import annotations

from sources.common.text import key
from sources.reading.columns import Binding, ColumnPlan, _Column, breakdown_kind
from sources.reading.measure import Stated
from sources.specs.model import Spec


def plan_bands(
    spec: Spec,
    bands: list[tuple[_Column, tuple[int, int | None], tuple[str, ...]]],
    table_unit: Stated | None,
    plan: ColumnPlan,
) -> None:
    """Age-band columns: the groups that partition the population (the total group, else every group of one
    breakdown such as urban + rural) are summed into each field whose age range they exactly cover."""
    groups: dict[tuple[str, ...], list[tuple[_Column, tuple[int, int | None]]]] = {}
    raw: dict[tuple[str, ...], tuple[str, ...]] = {}
    for col, band, group in bands:
        k = tuple(key(g) for g in group)
        groups.setdefault(k, []).append((col, band))
        raw.setdefault(k, group)
    totals = [g for g in groups if not any(breakdown_kind(p) for p in raw[g])]
    if totals:
        chosen = [totals[0]]
    else:
        kinds: dict[str, list[tuple[str, ...]]] = {}
        for g in groups:
            kind = next((breakdown_kind(p) for p in raw[g] if breakdown_kind(p)), None)
            if kind in ("residence", "sex"):
                kinds.setdefault(kind, []).append(g)
        chosen = next((gs for gs in kinds.values() if len(gs) >= 2), [])
    if not chosen:
        for col, _, _ in bands:
            plan.breakdowns[col.col] = col.label
        return
    used_cols: set[int] = set()
    for f in spec.fields:
        if not f.age_band or f.name in plan.fields:
            continue
        lo, hi = f.age_band
        parts: list[str] = []
        fits = True
        for gi, g in enumerate(chosen):
            ranges = [(c, b) for c, b in groups[g]]
            inside = [
                (c, b)
                for c, b in ranges
                if b[0] >= lo and ((hi is not None and b[1] is not None and b[1] <= hi) or hi is None)
            ]
            straddle = [
                b
                for _, b in ranges
                if b[0] < lo <= (b[1] if b[1] is not None else 999)
                or (hi is not None and b[0] <= hi < (b[1] if b[1] is not None else 999))
            ]
            covered = sorted({b for _, b in inside})
            edge: int | None = lo
            for b in covered:
                if b[0] != edge:
                    fits = False
                    break
                edge = (b[1] + 1) if b[1] is not None else None
                if edge is None:
                    break
            end_ok = (edge is None and hi is None) or (hi is not None and edge == hi + 1)
            if straddle or not covered or not end_ok:
                fits = False
            if not fits:
                break
            for c, b in inside:
                name = f"_band:{b[0]}-{b[1] if b[1] is not None else ''}:{gi}"
                if c.col not in used_cols:
                    unit = c.unit or table_unit
                    scale = unit.scale if unit else 1.0
                    plan.bindings.append(Binding(c.col, name, c.period, c.preliminary, scale, c.label))
                    used_cols.add(c.col)
                parts.append(name)
        span = f"{lo}–{hi}" if hi is not None else f"{lo}+"
        if fits:
            plan.derived[f.name] = sorted(set(parts))
        else:
            seen = ", ".join(
                sorted(
                    {f"{b[0]}–{b[1]}" if b[1] is not None else f"{b[0]}+" for g in chosen for _, b in groups[g]},
                    key=lambda s: int(s.split("–")[0].rstrip("+")),
                )
            )
            plan.notes.append(
                (
                    f"Các nhóm tuổi trong bảng ({seen}) không khớp đúng độ tuổi {span} của trường {f.name}: "
                    "không nạp giá trị này.",
                    f"The table's age bands ({seen}) do not exactly cover ages {span} of field {f.name}: no value is "
                    "loaded for it.",
                )
            )
    for col, _, _ in bands:
        if col.col not in used_cols:
            plan.breakdowns[col.col] = col.label
