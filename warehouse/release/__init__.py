"""Open-data releases (DESIGN §1, §8): versioned tables (CSV, Parquet, Excel), a Frictionless data package,
DCAT-style catalogue metadata, a CHANGELOG and a static bilingual site, all after disclosure control."""

from warehouse.release.build import ReleaseError, build_release

__all__ = ["ReleaseError", "build_release"]
