"""Where a deployment's folders and files are (DESIGN §10), without Dagster: the settings resource
(``assets.settings.XhsSettings``) holds them for the steps, and ``xhs run`` reads them before it imports anything
heavy to tell whether there is anything to do."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


class SettingError(ValueError):
    """An environment variable of the settings that cannot be used (the message names it, in both languages):
    ``xhs`` refuses it before doing anything, and Dagster's code location does not load with it."""


@dataclass(frozen=True)
class Paths:
    landing: Path
    data: Path
    warehouse: Path
    releases: Path
    lake: Path

    @property
    def raw(self) -> Path:
        return self.data / "raw"

    @property
    def staging(self) -> Path:
        return self.data / "staging"

    @property
    def state(self) -> Path:
        """The state store: what happened to each delivered file (sources/archive/state.py)."""
        return self.data / "state.sqlite"

    @property
    def reports(self) -> Path:
        return self.data / "reports"

    @property
    def work_database(self) -> Path:
        return self.data / "work" / "xhs-work.duckdb"

    def staging_table(self, source: str) -> Path:
        """The folder of ``stg_<source>``'s parts, one Parquet file per province (``sources.staging.stager``)."""
        return self.staging / f"stg_{source}"

    @property
    def feedback(self) -> Path:
        """Reply workbooks to departments (``warehouse.replies``)."""
        return self.data / "feedback"

    @property
    def docs(self) -> Path:
        """Great Expectations Data Docs, a static site (``expectations.docs``)."""
        return self.data / "docs"

    @property
    def docs_index(self) -> Path:
        return self.docs / "index.html"

    @property
    def validations(self) -> Path:
        """The validation results Data Docs are built from, one folder per kept publication."""
        return self.data / "validations"


def env_path(name: str, default: str) -> str:
    return str(Path(os.environ.get(name) or default).expanduser().resolve())


def folders_from_env(**overrides: str | None) -> dict[str, str]:
    """``landing``, ``data``, ``warehouse``, ``releases`` and ``lake`` from ``XHS_LANDING``, ``XHS_DATA``,
    ``XHS_WAREHOUSE``, ``XHS_PUBLISH_DIR`` and ``XHS_LAKE`` (defaults under the current directory), with the
    non-empty ``overrides`` (a command's flags) on top."""
    chosen = {k: str(Path(v).expanduser().resolve()) for k, v in overrides.items() if v}
    return {
        "landing": env_path("XHS_LANDING", "landing"),
        "data": env_path("XHS_DATA", "data"),
        "warehouse": env_path("XHS_WAREHOUSE", "warehouse/xhs.duckdb"),
        "releases": env_path("XHS_PUBLISH_DIR", "releases"),
        "lake": env_path("XHS_LAKE", "lake"),
        **chosen,
    }


def paths_from_env(**overrides: str | None) -> Paths:
    f = folders_from_env(**overrides)
    return Paths(Path(f["landing"]), Path(f["data"]), Path(f["warehouse"]), Path(f["releases"]), Path(f["lake"]))
