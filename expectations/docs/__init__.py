"""Great Expectations Data Docs of the runs (issue #16): GE's own site builder renders the validation results of
every staging suite and of the fact suite into ``data/docs/`` (``index.html``, one page per validation, one per
suite).

The results are kept as GE's JSON, one folder per publication of the warehouse (``data/validations/<version>/``),
and the folders follow the publications that are kept (``warehouse.publish.KEEP_VERSIONS``): a publication
rolled off takes its Data Docs with it. The site is rebuilt from the kept results in a fresh ephemeral context
into a temporary folder, then put in place.

Offline: GE's page templates link Bootstrap, jQuery, bootstrap-table and Font Awesome from CDNs. ``offline.localise``
serves Bootstrap, jQuery and Font Awesome from the site's ``static/vendor/`` (installed from their XStatic
packages) and rewrites every page to load them, and GE's logo, from there (issue #27). GE's index lists the
results with bootstrap-table, from a script: offline it would be empty. ``OfflineIndexPageRenderer`` (a GE
renderer plug-in, named in the site's ``site_index_builder``) renders the same links as plain tables instead.

(A sub-package: ``sources.staging.stager.reader_fingerprint`` hashes ``expectations/*.*``, and rendering is no reason to
read every delivered file again.)"""

from __future__ import annotations

import copy
import fcntl
import hashlib
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from expectations.docs.offline import localise
from expectations.runner import import_great_expectations, load_suite

SITE_NAME = "xhs"
RESULTS_FILE = "results.json"
BUILT = ".built.json"  # what the site was rendered from (issue #24: a run renders only what is new)


def record_results(
    validations: Path, version: str, results: list[tuple[str, str, dict[str, Any]]], run_id: str | None = None
) -> Path:
    """Keep the results of one publication: ``(suite, batch name, GE result JSON)`` triples."""
    folder = validations / version
    folder.mkdir(parents=True, exist_ok=True)
    payload = {
        "version": version,
        "run_id": run_id,
        "recorded_at": datetime.now(UTC).isoformat(),
        "results": [{"suite": s, "batch": b, "result": r} for s, b, r in results],
    }
    tmp = folder / (RESULTS_FILE + ".tmp")
    tmp.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
    tmp.replace(folder / RESULTS_FILE)
    return folder


def prune_results(validations: Path, keep: set[str]) -> list[str]:
    """Remove the results of publications no longer kept; returns the versions removed."""
    removed = []
    for folder in sorted(validations.glob("*")) if validations.exists() else []:
        if folder.is_dir() and folder.name not in keep:
            shutil.rmtree(folder)
            removed.append(folder.name)
    return removed


def build_site(validations: Path, site: Path) -> Path:
    """Render every kept result with GE's site builder into ``site``; returns ``site/index.html``. In the command's
    expectations process when it started one (``expectations.service``), else here (``build_site_here``)."""
    from expectations import service

    return service.run("build_site", validations, site)


def build_site_here(validations: Path, site: Path) -> Path:
    """``build_site`` in this process. Two runs at once (a cron run and an operator's) build one after the other:
    each builds in the same temporary folder and swaps it in, so the second waits for the first (a lock file beside
    the site)."""
    site.parent.mkdir(parents=True, exist_ok=True)
    with (site.parent / f".{site.name}.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            return _build_site(validations, site)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _build_site(validations: Path, site: Path) -> Path:
    gx = import_great_expectations()
    from great_expectations.core.expectation_validation_result import ExpectationSuiteValidationResult
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    tmp = site.with_name(site.name + ".building")
    shutil.rmtree(tmp, ignore_errors=True)
    built = _built(site)  # what the site in place was rendered from: only what is new is rendered again
    if built is not None:
        shutil.copytree(site, tmp)
    context = gx.get_context(mode="ephemeral")
    compiled = str(template_cache(site))
    view = {"module_name": "expectations.docs.views", "class_name": "CompiledPageView", "template_cache": compiled}
    context.add_data_docs_site(
        SITE_NAME,
        {
            "class_name": "SiteBuilder",
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(tmp.resolve())},
            # GE's sections, each with GE's page view whose templates are compiled once (``expectations.docs.views``)
            "site_section_builders": {s: {"view": view} for s in ("expectations", "validations", "profiling")},
            "site_index_builder": {
                "class_name": "DefaultSiteIndexBuilder",
                "show_cta_footer": False,
                "renderer": {"module_name": "expectations.docs.index_page", "class_name": "OfflineIndexPageRenderer"},
                "view": {**view, "class_name": "CompiledIndexPageView"},
            },
        },
    )
    suites: set[str] = set()
    keys: dict[str, Any] = {}  # "suite|run|batch" → its identifier
    rendered = set(built["results"]) if built is not None else set()
    for path in sorted(validations.glob(f"*/{RESULTS_FILE}")):
        kept = json.loads(path.read_text(encoding="utf-8"))
        run_time, run_name = _version_time(kept["version"]), kept["version"].removesuffix(".duckdb")
        for entry in kept["results"]:
            recorded = entry["result"]
            if f"{entry['suite']}|{run_name}|{entry['batch']}" in rendered:
                # its page is in place and is not rendered again: the index reads only the result's success,
                # statistics and meta, so each expectation's result is left out of the store (storing every kept
                # result in full took 0.2 s of each run at size M, issue #28)
                recorded = {**recorded, "results": []}
            result = ExpectationSuiteValidationResult(**recorded)
            result.meta = {
                **(result.meta or {}),
                "run_id": {"run_name": run_name, "run_time": run_time.isoformat()},
                "dagster_run_id": kept.get("run_id"),
                "batch": entry["batch"],
            }
            key = ValidationResultIdentifier(
                ExpectationSuiteIdentifier(entry["suite"]), RunIdentifier(run_name, run_time), entry["batch"]
            )
            context.validation_results_store.set(key, result)
            suites.add(entry["suite"])
            keys[f"{entry['suite']}|{run_name}|{entry['batch']}"] = key
    digests: dict[str, str] = {}
    for name in sorted(suites):
        document = load_suite(name)
        digests[name] = hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()
        context.suites.add(  # copies: GE adds its version to the meta it is given, and load_suite's are cached
            gx.ExpectationSuite(
                name=name,
                expectations=copy.deepcopy(document["expectations"]),
                meta=copy.deepcopy(document.get("meta", {})),
            )
        )
    if built is None:
        context.build_data_docs(site_names=[SITE_NAME])
    else:  # the pages of results and suites already rendered stay; the index lists every page there is
        for run in {k.split("|")[1] for k in built["results"]} - {k.split("|")[1] for k in keys}:
            for folder in (tmp / "validations").glob(f"*/{run}"):
                shutil.rmtree(folder)  # a publication rolled off
        for name in set(built["suites"]) - suites:
            (tmp / "expectations" / f"{name}.html").unlink(missing_ok=True)
        todo = [key for k, key in keys.items() if k not in built["results"]]
        todo += [ExpectationSuiteIdentifier(n) for n, d in digests.items() if built["suites"].get(n) != d]
        context.build_data_docs(site_names=[SITE_NAME], resource_identifiers=todo)
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / BUILT).write_text(json.dumps({"results": sorted(keys), "suites": digests}), encoding="utf-8")
    if not (tmp / "index.html").exists():  # no result kept yet: GE writes no index; say so
        tmp.mkdir(parents=True, exist_ok=True)
        (tmp / "index.html").write_text(EMPTY_INDEX, encoding="utf-8")
    localise(tmp)  # Bootstrap, jQuery, Font Awesome and GE's logo from data/docs/static/, not from CDNs
    old = site.with_name(site.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if site.exists():
        site.replace(old)
    tmp.replace(site)
    shutil.rmtree(old, ignore_errors=True)
    return site / "index.html"


def template_cache(site: Path) -> Path:
    """Where the Data Docs' Jinja templates are kept compiled (``expectations.docs.views``): beside the site, as its
    lock is, and not inside it (the site is replaced by every rendering)."""
    return site.with_name(f".{site.name}-templates")


def _built(site: Path) -> dict[str, Any] | None:
    """The results and suites the site in place was rendered from (``BUILT``), or None: rendered by an older
    version, damaged, or no site yet; then every page is rendered."""
    try:
        built = json.loads((site / BUILT).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    ok = isinstance(built, dict) and isinstance(built.get("results"), list) and isinstance(built.get("suites"), dict)
    return built if ok and (site / "index.html").exists() else None


def _version_time(version: str) -> datetime:
    """``xhs-20261130T141015123456Z.duckdb`` (a publication) → its UTC time; now for another name."""
    stem = version.removeprefix("xhs-").removesuffix(".duckdb")
    try:
        return datetime.strptime(stem, "%Y%m%dT%H%M%S%fZ").replace(tzinfo=UTC)
    except ValueError:
        return datetime.now(UTC)


EMPTY_INDEX = (
    '<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>Data Docs</title></head><body>'
    "<h1>Data Docs</h1><p>Chưa có kết quả kiểm tra nào của một bản công bố. / No validation results of a "
    "publication yet.</p></body></html>\n"
)
