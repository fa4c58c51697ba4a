"""Disclosure control (DESIGN §8): small counts derived from person records are never published below
province level.

Rule, for indicators from a person-record source (health records, civil ID) at any level below the province:
counts of 0 are published, 1–9 are suppressed (value empty, flag ``suppressed``), others are rounded to the
nearest 5 (flag ``rounded``: the row holds rounded counts); a rate is published only where its numerator is
≥ 10 and its denominator ≥ 50, and is then computed from its person-record counts rounded to 5 like any other.
Province totals stay exact. ``check`` is the blocking test run on the final tables right before anything is written.

Only counts of people's records are controlled (``kind`` count, and sums of them): a rate a department reports, an
index or a rank is not a count of people and is published as it is (issue #25). A controlled count known only by its
bounds ("hơn 1.000") is published by bounds rounded outward to 5 (the lower down, the upper up); a bound below 10
is withheld."""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from warehouse.release.meta import release_meta

# Sources whose figures are counts of people's records (catalogue ``source``): health records, civil ID.
PERSON_RECORD_SOURCES = frozenset(release_meta()["person_record_sources"])
ROUND_TO = 5
MIN_COUNT = 10
MIN_NUMERATOR = 10
MIN_DENOMINATOR = 50
SUPPRESSED = "suppressed"
ROUNDED = "rounded"
PROVINCE = "province"
ABOVE_PROVINCE = ("province", "country")  # levels whose counts are never small

RULE_VI = (
    "Kiểm soát công bố: với số liệu đếm từ hồ sơ cá nhân (y tế, căn cước/định danh) ở cấp dưới tỉnh, giá trị 0 "
    "được công bố, giá trị từ 1 đến 9 bị ẩn (cột flag = suppressed), các giá trị khác được làm tròn đến bội số "
    "gần nhất của 5 (flag = rounded); tỷ lệ chỉ được công bố khi tử số ≥ 10 và mẫu số ≥ 50, và được tính từ "
    "các số đã làm tròn. Số liệu toàn tỉnh giữ nguyên giá trị chính xác."
)
RULE_EN = (
    "Disclosure control: for counts derived from person records (health, civil ID) below province level, 0 is "
    "published, 1 to 9 are suppressed (flag = suppressed), other values are rounded to the nearest multiple of "
    "5 (flag = rounded); rates are published only where the numerator is ≥ 10 and the denominator ≥ 50, and "
    "are computed from the rounded counts. Province totals are exact."
)


class DisclosureError(ValueError):
    """A table about to be released contains a cell that breaks the disclosure rule."""


COUNT_KINDS = ("count", "sum")  # counts of things (reported, or added up): the kinds controlled as counts


def person_record_codes(indicators: Iterable[dict]) -> frozenset[str]:
    """Codes of the counts from person-record sources, of every sum of them, and of every rate built from one of
    them. A rate, an index or a rank a department reports (no formula) is not a count of people."""
    rows = list(indicators)
    counts = {r["indicator_code"] for r in rows if r["kind"] == "count" and r["source"] in PERSON_RECORD_SOURCES}
    sums = {r["indicator_code"] for r in rows if r["kind"] == "sum" and set(_codes(r["numerator"])) & counts}
    rates = {
        r["indicator_code"]
        for r in rows
        if r["kind"] == "rate"
        and r["numerator"]
        and (set(_codes(r["numerator"])) & (counts | sums) or r["denominator"] in counts)
    }
    return frozenset(counts | sums | rates)


def _codes(numerator: str | None) -> list[str]:
    return [c.strip() for c in (numerator or "").split("+") if c.strip()]


def _round5(col: pl.Expr) -> pl.Expr:
    return (col / ROUND_TO).round(0) * ROUND_TO


def _small_count(col: pl.Expr) -> pl.Expr:
    return (col > 0) & (col < MIN_COUNT)


def apply(frame: pl.DataFrame, person_codes: frozenset[str]) -> pl.DataFrame:
    """The released values of ``frame`` (columns indicator_code, kind, area_level, value, numerator_value,
    denominator_value, and the bounds value_lower, value_upper) with a ``flag`` column: ``suppressed``, ``rounded``
    or empty."""
    if "value_lower" not in frame.columns:  # a frame without bounds: every value exact
        frame = frame.with_columns(value_lower=pl.col("value"), value_upper=pl.col("value"))
    controlled = pl.col("indicator_code").is_in(list(person_codes)) & ~pl.col("area_level").is_in(ABOVE_PROVINCE)
    count = controlled & pl.col("kind").is_in(COUNT_KINDS)
    rate = controlled & (pl.col("kind") == "rate")
    v, num, den = pl.col("value"), pl.col("numerator_value"), pl.col("denominator_value")
    rate_ok = (num >= MIN_NUMERATOR) & (den >= MIN_DENOMINATOR)
    lo, hi = pl.col("value_lower"), pl.col("value_upper")
    bound = v.is_null() & (lo.is_not_null() | hi.is_not_null())
    count_flag = (
        pl.when(bound & hi.is_not_null() & (hi < MIN_COUNT))
        .then(pl.lit(SUPPRESSED))
        .when(bound)
        .then(pl.lit(ROUNDED))
        .when(v.is_null() | (v == 0))
        .then(pl.lit(""))
        .when(_small_count(v))
        .then(pl.lit(SUPPRESSED))
        .otherwise(pl.lit(ROUNDED))
    )
    rate_flag = pl.when(v.is_null()).then(pl.lit("")).when(rate_ok).then(pl.lit(ROUNDED)).otherwise(pl.lit(SUPPRESSED))
    flag = pl.when(count).then(count_flag).when(rate).then(rate_flag).otherwise(pl.lit("")).alias("flag")
    out = frame.with_columns(flag)
    # A published rate is recomputed from the rounded counts, so rate × denominator never gives back the exact
    # count that was rounded; a withheld rate (or one without a value) publishes neither count.
    hidden_rate = rate & ((pl.col("flag") == SUPPRESSED) | v.is_null())
    num_r = _round5(num)
    den_r = pl.when(pl.col("denominator_is_person")).then(_round5(den)).otherwise(den)
    withheld = count & (pl.col("flag") == SUPPRESSED)
    out = out.with_columns(
        # a controlled count's bounds: those of its rounded value, or (known only by bounds) rounded outward to 5,
        # a lower bound below 10 withheld
        value_lower=pl.when(withheld)
        .then(None)
        .when(count & bound)
        .then(pl.when(lo >= MIN_COUNT).then((lo / ROUND_TO).floor() * ROUND_TO))
        .when(count)
        .then(_round5(v))
        .otherwise(lo),
        value_upper=pl.when(withheld)
        .then(None)
        .when(count & bound)
        .then((hi / ROUND_TO).ceil() * ROUND_TO)
        .when(count)
        .then(_round5(v))
        .otherwise(hi),
    )
    out = out.with_columns(
        value=pl.when(count & (pl.col("flag") == SUPPRESSED))
        .then(None)
        .when(count)
        .then(_round5(v))
        .when(hidden_rate)
        .then(None)
        .when(rate)
        .then(v * (num_r / num) * (den / den_r))
        .otherwise(v),
        numerator_value=pl.when(hidden_rate).then(None).when(rate).then(num_r).otherwise(num),
        denominator_value=pl.when(hidden_rate).then(None).when(rate).then(den_r).otherwise(den),
    ).with_columns(  # an exact rate's bounds are its (recomputed) value
        value_lower=pl.when(rate & v.is_not_null()).then(pl.col("value")).otherwise(pl.col("value_lower")),
        value_upper=pl.when(rate & v.is_not_null()).then(pl.col("value")).otherwise(pl.col("value_upper")),
    )
    if "value_bound" in out.columns:  # a withheld value has no bound to name
        gone = pl.all_horizontal(
            pl.col("value").is_null(), pl.col("value_lower").is_null(), pl.col("value_upper").is_null()
        )
        out = out.with_columns(value_bound=pl.when(gone).then(None).otherwise(pl.col("value_bound")))
    return out


def check(frame: pl.DataFrame, person_codes: frozenset[str]) -> list[str]:
    """Every cell of ``frame`` (released values) that breaks the rule, described; empty when it is safe."""
    controlled = frame.filter(
        pl.col("indicator_code").is_in(list(person_codes)) & ~pl.col("area_level").is_in(ABOVE_PROVINCE)
    )
    v, num, den = pl.col("value"), pl.col("numerator_value"), pl.col("denominator_value")
    not_multiple = (v % ROUND_TO) != 0
    # Without the helper column every denominator is treated as a person-record count (the stricter reading).
    den_is_person = pl.col("denominator_is_person") if "denominator_is_person" in frame.columns else pl.lit(True)
    bounds = [pl.col(c) for c in ("value_lower", "value_upper") if c in frame.columns]
    loose = [(b.is_not_null() & (b != 0) & (_small_count(b) | ((b % ROUND_TO) != 0))) for b in bounds]
    bad_counts = controlled.filter(
        pl.col("kind").is_in(COUNT_KINDS)
        & ((v.is_not_null() & (v != 0) & (_small_count(v) | not_multiple)) | pl.any_horizontal(pl.lit(False), *loose))
    )
    bad_rates = controlled.filter(
        (pl.col("kind") == "rate")
        & (
            (v.is_not_null() & (num.is_null() | den.is_null() | (num < MIN_NUMERATOR) | (den < MIN_DENOMINATOR)))
            | (num.is_not_null() & (_small_count(num) | ((num % ROUND_TO) != 0)))
            | (den_is_person & den.is_not_null() & (_small_count(den) | ((den % ROUND_TO) != 0)))
        )
    )
    problems = []
    for label, bad in (("count", bad_counts), ("rate", bad_rates)):
        for r in bad.head(20).iter_rows(named=True):
            problems.append(
                f"{label} {r['indicator_code']} {r['area_key']} {r['period_code']}: value={r['value']}"
                f" numerator={r.get('numerator_value')} denominator={r.get('denominator_value')}"
            )
    return problems


def assert_safe(frame: pl.DataFrame, person_codes: frozenset[str]) -> None:
    """Refuse (raise) when any cell of ``frame`` breaks the disclosure rule."""
    problems = check(frame, person_codes)
    if problems:
        raise DisclosureError("cells break the disclosure rule / ô vi phạm quy tắc công bố: " + "; ".join(problems))
