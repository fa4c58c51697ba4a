"""Data Docs that look like Data Docs offline (issue #27): every stylesheet, script, font and image a page of
``data/docs/`` loads comes from ``data/docs/`` (Bootstrap, jQuery and Font Awesome from their XStatic packages in
``static/vendor/``, GE's logo from ``static/images/``), in headless Chromium with the network cut; Bootstrap's
styles apply, its scripts run, the icons are drawn with Font Awesome's font and the logo is shown."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import great_expectations
import pytest

from expectations.docs.offline import CDN, SERVED, localise_html
from tests.cdp import Browser

TEMPLATES = Path(great_expectations.__file__).parent / "render" / "view"
# what the page itself says about what it loaded and how it looks
PROBE = """(() => {
  const icon = document.querySelector('.fas');
  const logo = document.querySelector('.navbar-brand img');
  return {
    navbar: getComputedStyle(document.querySelector('.navbar')).display,
    table_borders: getComputedStyle(document.querySelector('table')).borderCollapse,
    jquery: window.jQuery ? jQuery.fn.jquery : null,
    modal: window.jQuery ? typeof jQuery.fn.modal : null,
    logo: logo ? [logo.complete, logo.naturalWidth] : null,
    icon_font: icon ? getComputedStyle(icon).fontFamily : null,
    icon_font_loaded: document.fonts.check('900 16px "Font Awesome 6 Free"'),
    sheets: Array.from(document.styleSheets).map(s => s.href).filter(h => h),
    scripts: Array.from(document.scripts).map(s => s.src).filter(s => s),
  };
})()"""


def test_every_address_ge_loads_is_served_here_or_dropped() -> None:
    """The table of ``expectations/docs/offline.py`` covers every network address in GE's page templates and
    default styles (a GE upgrade that adds one fails here), and each file it serves is in its package."""
    loaded = set()
    for path in [*TEMPLATES.glob("templates/*.j2"), *TEMPLATES.glob("static/styles/*.css")]:
        text = path.read_text(encoding="utf-8")
        loaded |= set(re.findall(r'<(?:link|script)\b[^>]*?\b(?:href|src)="(https?://[^"]+)"', text))
        loaded |= set(re.findall(r"url\(['\"]?(https?://[^'\")]+)", text))
    assert 'static_images_dir = "https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/"' in (
        TEMPLATES / "templates" / "top_navbar.j2"
    ).read_text(encoding="utf-8")  # the logo's address, put together in the template: logo-long.png below
    loaded.add("https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/logo-long.png")
    assert len(loaded) > 10 and loaded <= set(CDN), sorted(loaded - set(CDN))
    served = {local for local in CDN.values() if local}
    for local in served:
        if local.startswith("vendor/"):
            _, name, relative = local.split("/", 2)
            package, paths = SERVED[name]
            assert any(relative == p or relative.startswith(p + "/") for p in paths), local
            assert (Path(importlib.import_module(package).BASE_DIR) / relative).is_file(), local
        else:
            assert (TEMPLATES / "static" / local).is_file(), local  # GE's own, copied by its site builder


def test_pages_are_rewritten_to_the_local_copies() -> None:
    page = (
        '<link rel="stylesheet" href="https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css"/>\n'
        '<script src="https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js" integrity="sha384-x" '
        'crossorigin="anonymous"></script>\n'
        '<script src="https://cdn.jsdelivr.net/npm/vega@5"></script>\n'
        '<img class="NO-CACHE" src="https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/logo-long.png'
        '?d=20261205T1" alt="Great Expectations"/>\n'
        "a { background: url('https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/full_logo_dark.png') }\n"
        '<link rel="shortcut icon" href="../../../static/images/favicon.ico" type="image/x-icon"/>\n'
        '<a href="https://greatexpectations.io">Great Expectations</a>\n'
    )
    assert localise_html(page, "../../static/").splitlines() == [
        '<link rel="stylesheet" href="../../static/vendor/bootstrap/css/bootstrap.min.css"/>',
        '<script src="../../static/vendor/bootstrap/js/bootstrap.bundle.min.js"></script>',
        "",  # Vega: no page of ours draws a chart
        '<img class="NO-CACHE" src="../../static/images/logo-long.png" alt="Great Expectations"/>',
        "a { background: url('../../static/images/logo-long.png') }",
        '<link rel="shortcut icon" href="../../static/images/favicon.ico" type="image/x-icon"/>',
        '<a href="https://greatexpectations.io">Great Expectations</a>',  # a link, not a load: kept
    ]


def test_the_recorder_sees_a_request_that_leaves_the_machine(tmp_path: Path) -> None:
    """What the test below relies on: a stylesheet from a CDN is recorded, and with the network cut it fails."""
    page = tmp_path / "cdn.html"
    url = "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css"
    page.write_text(f'<!DOCTYPE html><html><head><link rel="stylesheet" href="{url}"></head><body>x</body></html>')
    with Browser(tmp_path / "profile") as browser:
        load = browser.load(page.as_uri())
    assert (url, "Stylesheet") in load.requests
    assert [u for u, _ in load.failed] == [url]


PAGES = [("index", True), ("validation result", True), ("expectation suite", False)]  # (page, has status icons)


@pytest.mark.parametrize(("which", "icons"), PAGES)
def test_data_docs_load_everything_from_data_docs_with_the_network_cut(
    sample_warehouse: Path, tmp_path: Path, which: str, icons: bool
) -> None:
    docs = (sample_warehouse / "data" / "docs").resolve()
    page = {
        "index": docs / "index.html",
        "validation result": sorted(docs.glob("validations/telecom/*/*/stg_telecom.html"))[-1],
        "expectation suite": docs / "expectations" / "telecom.html",
    }[which]
    inside = docs.as_uri() + "/"
    with Browser(tmp_path / "profile") as browser:
        load = browser.load(page.as_uri())
        state = browser.evaluate(PROBE)
    assert [u for u, _ in load.requests if not u.startswith(inside)] == []  # nothing leaves data/docs/
    assert load.failed == []  # and everything it asks for is there
    kinds = {kind for _, kind in load.requests}
    assert {"Document", "Stylesheet", "Script", "Image"} <= kinds, load.requests
    assert state["sheets"] and all(h.startswith(inside + "static/vendor/") for h in state["sheets"]), state
    assert {h.rsplit("/", 1)[1] for h in state["sheets"]} == {"bootstrap.min.css", "all.min.css"}
    assert state["scripts"] and all(s.startswith(inside + "static/vendor/") for s in state["scripts"]), state
    # Bootstrap's styles apply (a browser's own: block, separate), its scripts run, GE's logo is drawn
    assert state["navbar"] == "flex" and state["table_borders"] == "collapse", state
    assert state["jquery"] == "3.7.1" and state["modal"] == "function", state
    assert state["logo"] is not None and state["logo"][0] and state["logo"][1] > 0, state
    if icons:  # the status icons are drawn with Font Awesome's own font, loaded from data/docs/
        assert "Font" in kinds and state["icon_font"] == '"Font Awesome 6 Free"' and state["icon_font_loaded"]
    else:
        assert state["icon_font"] is None, state
