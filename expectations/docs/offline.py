"""Data Docs that look like Data Docs offline (issue #27): a provincial data centre has no internet access, and GE's
page templates take Bootstrap, jQuery and Font Awesome (and bootstrap-table, its filter control, a date picker, a
dark theme, Popper and Vega) from CDNs, and GE's logo from a web bucket.

``localise`` copies Bootstrap 4, jQuery and Font Awesome 6 into ``<site>/static/vendor/`` from their XStatic
packages (PyPI, pinned in pyproject.toml and requirements.lock: installed by ``make install`` with the rest,
as any account, never kept in this repository), then rewrites every page so that it loads them, and GE's own
logo (copied into ``static/images/`` by GE's site builder), by relative paths. Every address GE's templates load
is in ``CDN``; one that serves nothing our pages use is dropped with its tag:

- Popper: ``bootstrap.bundle.min.js`` contains it;
- bootstrap-table (and its filter control, and the date picker only that uses): it only adds sorting and paging
  to the tables of a validation page, which show every row as a Bootstrap table without it; our index is
  rendered as plain tables anyway (``index_page.py``). No registry package a Python install can use ships it;
- the dark theme (``bootstrap-prefers-dark``): the pages show in the light theme;
- Vega: it draws the charts of profiling results; no page of ours has one.

``tests/test_data_docs.py`` holds every address of GE's templates to this table, and loads the pages in headless
Chromium with the network cut: every stylesheet, script, font and image comes from ``data/docs/``."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

VENDOR = "static/vendor"

# What is served, from which XStatic package (its ``BASE_DIR``): files and folders copied into static/vendor/<name>/
SERVED: dict[str, tuple[str, tuple[str, ...]]] = {
    "bootstrap": ("xstatic.pkg.bootstrap", ("css/bootstrap.min.css", "js/bootstrap.bundle.min.js")),
    "jquery": ("xstatic.pkg.jquery", ("jquery.min.js",)),
    "font-awesome": ("xstatic.pkg.font_awesome", ("css/all.min.css", "webfonts", "LICENSE.txt")),
}

_S3 = "https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/"
_TABLE = "https://unpkg.com/bootstrap-table@"
# Every address that great_expectations 1.24's page templates and default styles load → the file under the site's
# static/ that stands in for it, or None: the tag that loads it is dropped (see the module's docstring).
CDN: dict[str, str | None] = {
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": "vendor/bootstrap/css/bootstrap.min.css",
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": (
        "vendor/bootstrap/js/bootstrap.bundle.min.js"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": None,
    "https://code.jquery.com/jquery-3.7.1.min.js": "vendor/jquery/jquery.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": "vendor/font-awesome/css/all.min.css",
    _TABLE + "1.19.1/dist/bootstrap-table.min.css": None,
    _TABLE + "1.19.1/dist/bootstrap-table.min.js": None,
    _TABLE + "1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css": None,
    _TABLE + "1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css": None,
    _TABLE + "1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js": None,
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css": None,
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js": None,
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css": None,
    "https://cdn.jsdelivr.net/npm/vega@5": None,
    "https://cdn.jsdelivr.net/npm/vega-lite@5": None,
    "https://cdn.jsdelivr.net/npm/vega-embed@6": None,
    _S3 + "logo-long.png": "images/logo-long.png",
    _S3 + "full_logo_dark.png": "images/logo-long.png",  # the dark theme's logo: there is no dark theme offline
}

_TAG = re.compile(r"<(link|script)\b[^>]*?\b(?:href|src)=\"(https?://[^\"]+)\"[^>]*>(?:\s*</script>)?", re.I)
_URL = re.compile(r"(?P<quote>[\"'(])(?P<url>https://great-expectations-web-assets\.s3\.[^\"')?]+)(?:\?[^\"')]*)?")
_FAVICON = re.compile(r'href="(?:\.\./|\./)*static/images/favicon\.ico"')
_INTEGRITY = re.compile(r"\s+(?:integrity|crossorigin)=\"[^\"]*\"")


def localise(site: Path) -> None:
    """Serve the stylesheets, scripts, fonts and images of every page of ``site`` from ``site/static/``."""
    for name, (package, paths) in SERVED.items():
        base = Path(importlib.import_module(package).BASE_DIR)
        for relative in paths:
            _copy(base / relative, site / VENDOR / name / relative)
    for page in site.rglob("*.html"):
        depth = len(page.relative_to(site).parts) - 1
        html = page.read_text(encoding="utf-8")
        localised = localise_html(html, "../" * depth + "static/")
        if localised != html:
            page.write_text(localised, encoding="utf-8")


def localise_html(html: str, static: str) -> str:
    """``html`` with each address of ``CDN`` loaded from ``static`` (the site's static/ folder relative to the page),
    or its tag dropped; a subresource-integrity hash of the CDN's file goes with it. Other addresses are kept."""

    def tag(match: re.Match[str]) -> str:
        url = match.group(2)
        if url not in CDN:
            return match.group(0)
        local = CDN[url]
        if local is None:
            return ""
        return _INTEGRITY.sub("", match.group(0)).replace(url, static + local)

    def url(match: re.Match[str]) -> str:
        local = CDN.get(match.group("url"))
        return match.group(0) if local is None else match.group("quote") + static + local

    # GE's favicon link on a validation page climbs one folder too few (validations/static/...): from the root
    return _FAVICON.sub(f'href="{static}images/favicon.ico"', _URL.sub(url, _TAG.sub(tag, html)))


def _copy(source: Path, target: Path) -> None:
    """Copy a file or a folder's files, each written anew: with the umask of the run (0640 under xhs), never the
    mode it has in the package."""
    files = [source] if source.is_file() else sorted(p for p in source.rglob("*") if p.is_file())
    for path in files:
        destination = target if path == source else target / path.relative_to(source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes(path.read_bytes())
