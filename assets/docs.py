"""Great Expectations Data Docs of each publication: the staging suites and the fact suite (``expectations.docs``)."""

import dagster as dg

from assets.settings import XhsSettings
from assets.warehouse import FACT_RESULTS_MEMO, PUBLISHED_MEMO
from expectations.docs import build_site, prune_results, record_results
from expectations.files import staging_validation_results
from sources.archive.state import StateStore
from sources.specs.model import load_specs
from warehouse.publish import current_version, list_versions


def render_data_docs(settings: XhsSettings, run_id: str) -> dict[str, dg.MetadataValue]:
    """The ``data_docs`` asset (``assets/published.py``): the validation results of the publication in place
    recorded (once), those of publications no longer kept removed, and the site rendered again if either changed;
    returns the asset's metadata. Logs nothing and touches no progress line: it runs beside the lake's write, in
    a thread of the same step."""
    paths = settings.paths()
    state = StateStore(paths.state)
    version = current_version(paths.warehouse)
    recorded = False
    if version and not (paths.validations / version).exists():
        results = [(s, f"stg_{s}", r) for s in sorted(load_specs()) for r in staging_validation_results(s, state)]
        published, facts = state.memo(PUBLISHED_MEMO), state.memo(FACT_RESULTS_MEMO)
        if published and facts and published.get("version") == version and facts.get("key") == published.get("key"):
            results += [("fact_indicator", "fact_indicator", r) for r in facts["results"]]
        record_results(paths.validations, version, results, run_id)
        recorded = True
    removed = prune_results(paths.validations, {v.name for v in list_versions(paths.warehouse)})
    if recorded or removed or not paths.docs_index.exists():
        build_site(paths.validations, paths.docs)
    kept = sorted(p.name for p in paths.validations.glob("*") if p.is_dir()) if paths.validations.exists() else []
    return {
        "index": dg.MetadataValue.path(str(paths.docs_index.resolve())),
        "publications": dg.MetadataValue.text(", ".join(kept) or "none"),
        "rebuilt": dg.MetadataValue.bool(recorded or bool(removed)),
    }
