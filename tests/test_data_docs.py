"""Great Expectations Data Docs of a run (issue #16): ``data/docs/index.html`` lists every staging suite and the
fact suite as plain links (no script needed), opens offline in headless Chromium, is linked from the run report
and the asset checks, and keeps the results of the publications that are kept, no more."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import dagster as dg
import jinja2
import pytest

from expectations.docs import RESULTS_FILE, build_site, build_site_here, prune_results, template_cache
from expectations.runner import load_suite
from sources.specs.model import load_specs
from tests.test_release_browser import FLAGS, chromium

pytestmark = pytest.mark.deployment  # make check leaves it out (tests/README.md)

SUITES = sorted([*load_specs(), "fact_indicator"])
LINK = re.compile(r'<a class="" href="(validations/[^"]+\.html)"\s*>\s*([\w]+)\s*</a>')


def _links(html: str) -> dict[str, str]:
    """Batch name → validation page, read from the static HTML with every script removed."""
    static = re.sub(r"<script\b.*?</script>", "", html, flags=re.S)
    return {name: href for href, name in LINK.findall(static)}


def test_the_run_renders_every_suite_into_data_docs(sample_warehouse: Path) -> None:
    docs = sample_warehouse / "data" / "docs"
    links = _links((docs / "index.html").read_text(encoding="utf-8"))
    assert set(links) == {f"stg_{s}" for s in load_specs()} | {"fact_indicator"}
    for href in links.values():
        page = (docs / href).read_text(encoding="utf-8")
        assert "Expectation Validation Result" in page and "Succeeded" in page
    assert {p.stem for p in (docs / "expectations").glob("*.html")} == set(SUITES)
    kept = {p.name for p in (sample_warehouse / "data" / "validations").iterdir()}
    assert kept == {p.name for p in (sample_warehouse / "warehouse" / "versions").glob("xhs-*.duckdb")}
    [report] = (sample_warehouse / "data" / "reports").glob("run-*.md")
    assert "(../docs/index.html)" in report.read_text(encoding="utf-8")  # relative to data/reports/


def test_the_asset_checks_link_the_data_docs(sample_warehouse: Path) -> None:
    os.environ["DAGSTER_HOME"], saved = str(sample_warehouse / ".dagster"), os.environ.get("DAGSTER_HOME")
    try:
        with dg.DagsterInstance.get() as instance:
            checks = [*((f"stg_{s}", "expectations") for s in load_specs()), ("warehouse_work", "fact_expectations")]
            for asset, check in checks:
                key = dg.AssetCheckKey(dg.AssetKey(asset), check)
                [record] = instance.event_log_storage.get_asset_check_execution_history(key, limit=1)
                link = record.event.dagster_event.event_specific_data.metadata["data_docs"]
                assert Path(link.path) == (sample_warehouse / "data" / "docs" / "index.html").resolve()
    finally:
        if saved is None:
            del os.environ["DAGSTER_HOME"]
        else:
            os.environ["DAGSTER_HOME"] = saved


def test_data_docs_open_offline_in_chromium(sample_warehouse: Path, tmp_path: Path) -> None:
    """Every request off the machine goes to a closed port (GE's templates name CDNs); the DOM still has the
    links to every suite's results."""
    index = sample_warehouse / "data" / "docs" / "index.html"
    result = subprocess.run(
        [chromium(), *FLAGS, "--proxy-server=127.0.0.1:9", f"--user-data-dir={tmp_path}", "--dump-dom", index.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert set(_links(result.stdout)) == {f"stg_{s}" for s in load_specs()} | {"fact_indicator"}


def test_data_docs_keep_the_kept_publications_only(sample_warehouse: Path, tmp_path: Path) -> None:
    [kept] = (sample_warehouse / "data" / "validations").glob(f"*/{RESULTS_FILE}")
    results = json.loads(kept.read_text(encoding="utf-8"))
    validations = tmp_path / "validations"
    versions = [f"xhs-2026010{i}T020000000000Z.duckdb" for i in range(1, 8)]
    failed = json.loads(json.dumps(results))  # one publication whose first result failed: the index says so
    failed["results"][0]["result"]["success"] = False
    for version in versions:
        (validations / version).mkdir(parents=True)
        recorded = failed if version == versions[4] else results
        (validations / version / RESULTS_FILE).write_text(json.dumps({**recorded, "version": version}))
    assert prune_results(validations, set(versions[-5:])) == versions[:2]
    index = build_site(validations, tmp_path / "docs")
    html = index.read_text(encoding="utf-8")
    assert [v.removesuffix(".duckdb") for v in versions if v.removesuffix(".duckdb") in html] == [
        v.removesuffix(".duckdb") for v in versions[-5:]
    ]
    assert len(_links_all(html)) == 5 * len(SUITES)
    # rebuilt in place: the pages of a publication rolled off go with it
    shutil.rmtree(validations / versions[2])
    html = build_site(validations, tmp_path / "docs").read_text(encoding="utf-8")
    assert versions[2].removesuffix(".duckdb") not in html
    assert not list((tmp_path / "docs" / "validations").glob(f"*/{versions[2].removesuffix('.duckdb')}"))
    # a new publication: only its pages are rendered (issue #24), and the site is the one a full build gives
    old_page = next((tmp_path / "docs" / "validations").glob(f"*/{versions[3].removesuffix('.duckdb')}/*/*.html"))
    before = old_page.stat().st_mtime_ns
    new = "xhs-20260108T020000000000Z.duckdb"
    (validations / new).mkdir()
    (validations / new / RESULTS_FILE).write_text(json.dumps({**results, "version": new}))
    html = build_site(validations, tmp_path / "docs").read_text(encoding="utf-8")
    assert new.removesuffix(".duckdb") in html and len(_links_all(html)) == 5 * len(SUITES)
    moved = tmp_path / "docs" / old_page.relative_to(tmp_path / "docs")
    assert moved.stat().st_mtime_ns == before  # copied with the site, not rendered again
    # the index of a site rendered in place (the results already rendered stored without each expectation's
    # result, issue #28) is the index of a full rendering, the failed result included
    full = build_site(validations, tmp_path / "full")
    assert full.read_text(encoding="utf-8") == html
    pages = {p.relative_to(tmp_path / "full") for p in (tmp_path / "full").rglob("*.html")}
    assert pages == {p.relative_to(tmp_path / "docs") for p in (tmp_path / "docs").rglob("*.html")}


def test_data_docs_templates_are_compiled_once(
    sample_warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rendering loads GE's templates as an earlier one compiled them (issue #28) and gives the same site, byte for
    byte but for GE's random element ids. Rendered twice in one process, the suites' digests (``.built.json``) do
    not change either (GE added its version to the cached suite's meta it was given, and the second rendering took
    every suite for edited)."""
    validations = sample_warehouse / "data" / "validations"
    first, second = tmp_path / "first" / "docs", tmp_path / "second" / "docs"
    load_suite.cache_clear()  # the suites as a new process reads them
    build_site_here(validations, first)
    compiled = sorted(p.name for p in template_cache(first).glob("*.jinja"))
    assert len(compiled) >= 10  # the page, section and index templates of GE's views
    shutil.copytree(template_cache(first), template_cache(second))

    def compile_again(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"a template was compiled again: {args[2] if len(args) > 2 else kwargs.get('name')}")

    monkeypatch.setattr(jinja2.Environment, "compile", compile_again)
    build_site_here(validations, second)
    assert _files(second) == _files(first)
    assert sorted(p.name for p in template_cache(second).glob("*.jinja")) == compiled


def test_data_docs_render_without_their_template_cache(sample_warehouse: Path, tmp_path: Path) -> None:
    """The compiled templates are a speed-up only: where their folder cannot be made (its name taken by a file),
    the site is rendered all the same, the same site."""
    validations = sample_warehouse / "data" / "validations"
    cached, blocked = tmp_path / "cached" / "docs", tmp_path / "blocked" / "docs"
    build_site_here(validations, cached)
    template_cache(blocked).parent.mkdir(parents=True)
    template_cache(blocked).write_text("not a folder")
    build_site_here(validations, blocked)
    assert _files(blocked) == _files(cached)
    assert template_cache(blocked).read_text() == "not a folder"


def _files(site: Path) -> dict[str, bytes]:
    """Every file of a site, the element ids GE draws at random for each rendering (``uuid4``) masked."""
    return {p.relative_to(site).as_posix(): UUID.sub(b"<uuid>", p.read_bytes()) for p in site.rglob("*") if p.is_file()}


UUID = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _links_all(html: str) -> list[str]:
    static = re.sub(r"<script\b.*?</script>", "", html, flags=re.S)
    return [href for href, _ in LINK.findall(static)]
