"""``xhs publish`` on the sample warehouse: the release passes ``frictionless validate``, has every table in
CSV (UTF-8 with BOM), Parquet and Excel, honest metadata, no cell that breaks the disclosure rule, exact
province totals, and a CHANGELOG against the previous release. A refused release writes nothing."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import openpyxl
import polars as pl
import pytest
from frictionless import validate

from tests.pipeline_helpers import run_xhs
from warehouse.release import ReleaseError, build_release, disclosure
from warehouse.release.site import NO_VALUES_EN, NO_VALUES_VI, indicator_page
from warehouse.release.tables import read_release


def warehouse_file(root: Path) -> Path:
    return root / "warehouse" / "xhs.duckdb"


def test_release_passes_frictionless_validate(sample_release: Path) -> None:
    report = validate(str(sample_release / "datapackage.json"))
    assert report.valid, report.flatten(["type", "note"])[:10]


def test_frictionless_command_line_validates_the_release(sample_release: Path) -> None:
    frictionless = Path(sys.executable).with_name("frictionless")
    result = subprocess.run(
        [str(frictionless), "validate", "datapackage.json"],
        cwd=sample_release,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "INVALID" not in result.stdout


def test_release_layout_and_name(sample_release: Path) -> None:
    assert sample_release.name == f"{datetime.now(UTC).date().isoformat()}-1"
    codes = pl.read_csv(sample_release / "data" / "indicators.csv")["indicator_code"].to_list()
    assert len(codes) > 30
    for code in [*codes, "all-indicators", "indicators"]:
        assert (sample_release / "data" / f"{code}.csv").read_bytes().startswith(b"\xef\xbb\xbf")
        assert (sample_release / "data" / f"{code}.parquet").exists()
        if code not in ("all-indicators", "indicators"):
            assert (sample_release / "site" / f"{code}.html").exists()
    for name in ("datapackage.json", "dcat.json", "CHANGELOG.md", "xhs-indicators.xlsx", "site/index.html"):
        assert (sample_release / name).exists(), name
    assert not list(sample_release.parent.glob(".tmp-*"))


def test_datapackage_metadata(sample_release: Path, sample_warehouse: Path) -> None:
    package = json.loads((sample_release / "datapackage.json").read_text(encoding="utf-8"))
    assert package["licenses"][0]["name"] == "CC-BY-4.0"
    assert package["disclosure_control"] == {"vi": disclosure.RULE_VI, "en": disclosure.RULE_EN}
    # the earliest sample period: the country's telephone subscribers of 2015 (sources/samples/families.py)
    assert package["temporal_coverage"]["start"] == "2015" and package["spatial_coverage"]
    resources = {r["name"]: r for r in package["resources"]}
    for r in [*resources.values(), *package["downloads"]]:
        data = (sample_release / r["path"]).read_bytes()
        assert r["hash"] == "sha256:" + hashlib.sha256(data).hexdigest() and r["bytes"] == len(data)
    assert {d["path"] for d in package["downloads"]} >= {"xhs-indicators.xlsx", "data/all-indicators.parquet"}
    ehr = resources["hlt_ehr_pct"]
    assert ehr["schema"]["primaryKey"] == ["indicator_code", "area_key", "period_code"]
    with duckdb.connect(str(warehouse_file(sample_warehouse)), read_only=True) as con:
        name_vi, name_en, unit, definition_en, target = con.execute(
            "SELECT name_vi, name_en, unit, definition_en, target_2025 FROM dim_indicator "
            "WHERE indicator_code = 'hlt_ehr_pct'"
        ).fetchone()
        [(comment,)] = con.execute(
            "SELECT comment FROM duckdb_columns() WHERE table_name = 'v_indicator' AND column_name = 'value'"
        ).fetchall()
    assert ehr["title"] == f"{name_vi} / {name_en}" and ehr["unit"] == unit and definition_en in ehr["description"]
    assert ehr["target_2025"] == target and ehr["disclosure_controlled"] is True
    assert {f["name"]: f.get("description") for f in ehr["schema"]["fields"]}["value"] == comment
    dcat = json.loads((sample_release / "dcat.json").read_text(encoding="utf-8"))
    for key in (
        "dct:title",
        "dct:description",
        "dcat:keyword",
        "dct:publisher",
        "dcat:contactPoint",
        "dct:temporal",
        "dct:spatial",
        "dct:modified",
        "dct:license",
        "dcat:distribution",
    ):
        assert dcat[key], key


def test_no_released_cell_breaks_the_disclosure_rule(sample_release: Path, sample_warehouse: Path) -> None:
    release = read_release(warehouse_file(sample_warehouse))
    released = pl.read_parquet(sample_release / "data" / "all-indicators.parquet")
    frame = released.join(
        release.facts.select("indicator_code", "area_key", "period_code", "kind", "denominator_is_person"),
        on=["indicator_code", "area_key", "period_code"],
    )
    assert frame.height == released.height
    assert disclosure.check(frame, release.person_codes) == []
    below = frame.filter(
        pl.col("indicator_code").is_in(list(release.person_codes)) & (pl.col("area_level") != "province")
    )
    assert below.height > 0 and set(below["flag"]) <= {"", "suppressed", "rounded"}
    assert below.filter(pl.col("flag") == "suppressed").height > 0  # the samples have small facility counts
    counts = below.filter((pl.col("kind") == "count") & pl.col("value").is_not_null() & (pl.col("value") != 0))
    assert ((counts["value"] % 5 == 0) & (counts["value"] >= 10)).all()


def test_province_totals_stay_exact(sample_release: Path, sample_warehouse: Path) -> None:
    released = pl.read_parquet(sample_release / "data" / "all-indicators.parquet").filter(
        pl.col("area_level") == "province"
    )
    with duckdb.connect(str(warehouse_file(sample_warehouse)), read_only=True) as con:
        exact = con.sql(
            "SELECT indicator_code, area_key, period_code, value AS exact FROM v_indicator "
            "WHERE area_level = 'province'"
        ).pl()
    both = released.join(exact, on=["indicator_code", "area_key", "period_code"])
    assert both.height == released.height == exact.height
    assert both.filter(pl.col("value").ne_missing(pl.col("exact"))).is_empty()
    assert set(both["flag"]) == {""}


def test_workbook_has_a_readme_sheet_and_the_data(sample_release: Path) -> None:
    wb = openpyxl.load_workbook(sample_release / "xhs-indicators.xlsx", read_only=True)
    assert wb.sheetnames == ["README", "indicators", "data"]
    readme = {r[0]: r[1] for r in wb["README"].iter_rows(values_only=True)}
    assert readme["Disclosure control"] == disclosure.RULE_EN and readme["Kiểm soát công bố"] == disclosure.RULE_VI
    assert "Creative Commons Attribution 4.0" in readme["Giấy phép / Licence"]
    rows = sum(1 for _ in wb["data"].iter_rows()) - 1
    assert rows == pl.read_parquet(sample_release / "data" / "all-indicators.parquet").height


def test_second_release_numbers_on_and_logs_changes(
    sample_release: Path, sample_warehouse: Path, tmp_path: Path
) -> None:
    out = tmp_path / "releases"
    shutil.copytree(sample_release, out / sample_release.name)
    # the run's record in a Dagster home of its own: the shared sample deployment is only read
    result = run_xhs(sample_warehouse, "publish", "--out", str(out), DAGSTER_HOME=str(tmp_path / ".dagster"))
    assert result.returncode == 0, result.stderr
    second = out / f"{datetime.now(UTC).date().isoformat()}-2"
    log = (second / "CHANGELOG.md").read_text(encoding="utf-8")
    assert sample_release.name in log and "Dòng mới / New rows: 0" in log
    # Same warehouse, same tables: only the release name and timestamps differ.
    for path in ("data/all-indicators.csv", "data/hlt_ehr_pct.parquet", "data/indicators.csv"):
        assert (second / path).read_bytes() == (sample_release / path).read_bytes(), path


def test_a_release_that_breaks_the_rule_is_refused_and_writes_nothing(
    sample_warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(disclosure, "apply", lambda frame, codes: frame.with_columns(flag=pl.lit("")))
    out = tmp_path / "releases"
    with pytest.raises(ReleaseError, match="disclosure rule"):
        build_release(warehouse_file(sample_warehouse), out)
    assert not out.exists() or not any(out.iterdir())


def test_publish_without_a_warehouse_exits_2(tmp_path: Path) -> None:
    result = run_xhs(tmp_path, "publish", "--out", str(tmp_path / "releases"))
    assert result.returncode == 2
    assert "no warehouse" in result.stderr and "không có kho dữ liệu" in result.stderr
    assert not (tmp_path / "releases").exists() or not any((tmp_path / "releases").iterdir())


def test_site_links_resolve_inside_the_release_and_nothing_loads_from_the_network(sample_release: Path) -> None:
    pages = sorted((sample_release / "site").glob("*.html"))
    assert len(pages) == 1 + pl.read_csv(sample_release / "data" / "indicators.csv").height
    with_values = set(pl.read_parquet(sample_release / "data" / "all-indicators.parquet")["indicator_code"])
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert html.startswith('<!DOCTYPE html>\n<html lang="vi">') and 'lang="en"' in html
        assert "<script" not in html and "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
        assert "https://" not in html
        for link in re.findall(r'(?:href|src)="([^"]+)"', html):
            assert (page.parent / link).resolve().is_file(), f"{page.name}: broken link {link}"
        if page.stem in with_values:  # a value, or a range or bound (a bar or an arrow: issue #25)
            assert "<svg" in html and any(mark in html for mark in ("<polyline", "<circle", 'class="point range"'))
        elif page.name != "index.html":  # an indicator no file has brought a value of yet
            assert "<svg" not in html and NO_VALUES_EN in html and NO_VALUES_VI in html


def test_csv_and_parquet_hold_the_same_table(sample_release: Path) -> None:
    package = json.loads((sample_release / "datapackage.json").read_text(encoding="utf-8"))
    parquet_files = {d["path"] for d in package["downloads"] if d["path"].endswith(".parquet")}
    assert parquet_files == {
        p.relative_to(sample_release).as_posix() for p in (sample_release / "data").glob("*.parquet")
    }
    for code in ("all-indicators", "hlt_ehr_pct", "indicators"):
        parquet = pl.read_parquet(sample_release / "data" / f"{code}.parquet")
        csv = pl.read_csv(sample_release / "data" / f"{code}.csv", schema=parquet.schema, encoding="utf8")
        assert csv.equals(parquet), code


def test_the_same_warehouse_gives_the_same_bytes(sample_warehouse: Path, tmp_path: Path) -> None:
    now = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    first = build_release(warehouse_file(sample_warehouse), tmp_path / "a", now=now)
    second = build_release(warehouse_file(sample_warehouse), tmp_path / "b", now=now)
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    assert [f for f in files if (first / f).read_bytes() != (second / f).read_bytes()] == []


def test_indicator_page_shows_definition_source_target_and_downloads(
    sample_release: Path, sample_warehouse: Path
) -> None:
    html = (sample_release / "site" / "hlt_ehr_pct.html").read_text(encoding="utf-8")
    with duckdb.connect(str(warehouse_file(sample_warehouse)), read_only=True) as con:
        definition_vi, target = con.execute(
            "SELECT definition_vi, target_2025 FROM dim_indicator WHERE indicator_code = 'hlt_ehr_pct'"
        ).fetchone()
        [(latest,)] = con.execute(
            "SELECT value FROM v_target_progress WHERE indicator_code = 'hlt_ehr_pct' AND province_code = '06'"
        ).fetchall()
    assert definition_vi in html and "Sở Y tế / Department of Health" in html
    assert f"{target:.1f}".replace(".", ",") in html and f"{latest:.1f}".replace(".", ",") in html
    assert 'href="../data/hlt_ehr_pct.csv"' in html and 'href="../data/hlt_ehr_pct.parquet"' in html
    assert disclosure.RULE_EN in html.replace("&lt;", "<").replace("&gt;", ">")


def test_an_empty_warehouse_is_refused(tmp_path: Path) -> None:
    empty = tmp_path / "warehouse" / "xhs.duckdb"
    empty.parent.mkdir()
    with duckdb.connect(str(empty)) as con:
        for sql in sorted((Path(__file__).parent.parent / "warehouse" / "sql").glob("*.sql")):
            con.execute(sql.read_text(encoding="utf-8"))
    result = run_xhs(tmp_path, "publish", "--quiet", "--out", str(tmp_path / "releases"))  # no progress lines
    assert result.returncode == 2
    assert "no indicator values" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "releases").exists()


def test_an_indicator_without_values_gets_a_page_that_says_so(sample_warehouse: Path) -> None:
    """A department just added (or a field nobody has reported yet) has indicators with no value: their page says
    so in both languages instead of drawing an empty chart."""
    release = read_release(sample_warehouse / "warehouse" / "xhs.duckdb")
    ind = next(r for r in release.indicators.iter_rows(named=True) if r["indicator_code"] == "tel_mobile_subscribers")
    empty = indicator_page(ind, release.facts.clear(), "test")
    assert NO_VALUES_VI in empty and NO_VALUES_EN in empty and "<svg" not in empty
    facts = release.facts.filter(pl.col("indicator_code") == "tel_mobile_subscribers")
    full = indicator_page(ind, facts, "test")
    assert "<svg" in full and NO_VALUES_EN not in full
