"""What changed since the previous release: new indicators and periods, corrected values (old → new), rows
withdrawn. Compares released (disclosure-controlled) values only, so the log never reveals a suppressed cell."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from warehouse.release.tables import PRIMARY_KEY

MAX_LINES = 200
_KEYS = list(PRIMARY_KEY)


def read_previous(release_dir: Path | None, table: str) -> pl.DataFrame | None:
    if release_dir is None or not (release_dir / table).exists():
        return None
    frame = pl.read_csv(release_dir / table, infer_schema=False, encoding="utf8")
    return frame.rename({c: c.lstrip("\ufeff") for c in frame.columns})


def _text(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(
        *[pl.col(k).cast(pl.String) for k in _KEYS],
        pl.col("value").cast(pl.Float64),
        pl.col("flag").cast(pl.String).fill_null(""),
    )


def _number(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:,.0f}" if value.is_integer() else f"{value:,.2f}"


def changes(previous: pl.DataFrame, current: pl.DataFrame) -> dict[str, list[str]]:
    old, new = _text(previous), _text(current)
    added = new.join(old, on=_KEYS, how="anti")
    removed = old.join(new, on=_KEYS, how="anti")
    both = new.join(old, on=_KEYS, suffix="_old")
    corrected = both.filter(pl.col("value").ne_missing(pl.col("value_old")) | (pl.col("flag") != pl.col("flag_old")))
    old_periods = old.select("indicator_code", "period_code").unique()
    new_periods = (
        added.select("indicator_code", "period_code")
        .unique()
        .join(old_periods, on=["indicator_code", "period_code"], how="anti")
        .group_by("period_code")
        .agg(pl.col("indicator_code").sort())
        .sort("period_code")
    )
    new_indicators = sorted(set(new["indicator_code"]) - set(old["indicator_code"]))
    return {
        "new_indicators": new_indicators,
        "new_periods": [
            f"{r['period_code']}: {', '.join(r['indicator_code'])}" for r in new_periods.iter_rows(named=True)
        ],
        "corrected": [
            f"{r['indicator_code']} {r['area_key']} {r['period_code']}: "
            f"{_number(r['value_old'])} → {_number(r['value'])}"
            + (f" ({r['flag_old'] or '–'} → {r['flag'] or '–'})" if r["flag"] != r["flag_old"] else "")
            for r in corrected.sort(_KEYS).iter_rows(named=True)
        ],
        "added_rows": [str(added.height)],
        "removed": [
            f"{r['indicator_code']} {r['area_key']} {r['period_code']}"
            for r in removed.sort(_KEYS).iter_rows(named=True)
        ],
    }


def _section(title: str, lines: list[str]) -> list[str]:
    out = [f"## {title}", ""]
    if not lines:
        return [*out, "Không có. / None.", ""]
    shown = lines[:MAX_LINES]
    out += [f"- {line}" for line in shown]
    if len(lines) > MAX_LINES:
        out.append(f"- … và {len(lines) - MAX_LINES} thay đổi khác / and {len(lines) - MAX_LINES} more")
    return [*out, ""]


def render(name: str, previous_name: str | None, previous: pl.DataFrame | None, current: pl.DataFrame) -> str:
    head = [f"# CHANGELOG — {name}", ""]
    if previous is None:
        return "\n".join(
            [
                *head,
                "Bản phát hành đầu tiên. / First release.",
                "",
                f"{current.height} dòng, {current['indicator_code'].n_unique()} chỉ tiêu. / "
                f"{current.height} rows, {current['indicator_code'].n_unique()} indicators.",
                "",
            ]
        )
    c = changes(previous, current)
    lines = [
        *head,
        f"So với bản trước / Compared with the previous release: {previous_name}",
        "",
        f"Dòng mới / New rows: {c['added_rows'][0]}",
        "",
    ]
    lines += _section("Chỉ tiêu mới / New indicators", c["new_indicators"])
    lines += _section("Kỳ mới / New periods", c["new_periods"])
    lines += _section("Giá trị đính chính (cũ → mới) / Corrected values (old → new)", c["corrected"])
    lines += _section("Dòng bị rút / Rows withdrawn", c["removed"])
    return "\n".join(lines)
