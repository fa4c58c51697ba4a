"""Where things are: flags override environment variables, which override the defaults (DESIGN §10)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import dagster as dg

if TYPE_CHECKING:
    from warehouse.publish import WarehouseAccess


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
        """The state store: what happened to each delivered file (sources/state.py)."""
        return self.data / "state.sqlite"

    @property
    def reports(self) -> Path:
        return self.data / "reports"

    @property
    def work_database(self) -> Path:
        return self.data / "work" / "xhs-work.duckdb"

    def staging_table(self, source: str) -> Path:
        return self.staging / f"stg_{source}.parquet"

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


# Transient failures (a network share that drops, a file still being copied) are retried with backoff; a
# bad file never raises (it is quarantined), so a retry never repeats a data error.
TRANSIENT_RETRY = dg.RetryPolicy(max_retries=2, delay=30, backoff=dg.Backoff.EXPONENTIAL)


def _env_path(name: str, default: str) -> str:
    return str(Path(os.environ.get(name) or default).expanduser().resolve())


class XhsSettings(dg.ConfigurableResource):
    """Folders and files of one deployment, the one place every step, sensor and command takes them from.
    Defaults: ``landing/``, ``data/``, ``warehouse/xhs.duckdb``, ``releases/`` and ``lake/`` under the current
    directory, or ``XHS_LANDING``, ``XHS_DATA``, ``XHS_WAREHOUSE``, ``XHS_PUBLISH_DIR``, ``XHS_LAKE``; a command's
    flags override them.
    The published warehouse's mode and group: ``XHS_WAREHOUSE_MODE`` (octal, default 0640) and
    ``XHS_WAREHOUSE_GROUP`` (default: the group of the account running xhs)."""

    landing: str
    data: str
    warehouse: str
    releases: str
    lake: str = ""  # "" = lake/ under the current directory (XHS_LAKE)
    warehouse_mode: str = "0640"
    warehouse_group: str = ""
    # build the warehouse from nothing instead of bringing the published one up to date (``xhs run --rebuild``)
    rebuild: bool = False

    @classmethod
    def from_env(cls, *, rebuild: bool = False, **overrides: str | None) -> XhsSettings:
        """The settings from the environment, with the non-empty ``overrides`` (a command's flags) on top."""
        chosen = {k: str(Path(v).expanduser().resolve()) for k, v in overrides.items() if v}
        return cls(
            rebuild=rebuild,
            **{
                "landing": _env_path("XHS_LANDING", "landing"),
                "data": _env_path("XHS_DATA", "data"),
                "warehouse": _env_path("XHS_WAREHOUSE", "warehouse/xhs.duckdb"),
                "releases": _env_path("XHS_PUBLISH_DIR", "releases"),
                "lake": _env_path("XHS_LAKE", "lake"),
                **chosen,
                "warehouse_mode": os.environ.get("XHS_WAREHOUSE_MODE") or "0640",
                "warehouse_group": os.environ.get("XHS_WAREHOUSE_GROUP") or "",
            },
        )

    def paths(self) -> Paths:
        lake = Path(self.lake) if self.lake else Path(_env_path("XHS_LAKE", "lake"))
        return Paths(Path(self.landing), Path(self.data), Path(self.warehouse), Path(self.releases), lake)

    def as_env(self) -> dict[str, str]:
        """These settings as the environment variables a child process (``xhs ui``'s Dagster) reads."""
        return {
            "XHS_LANDING": self.landing,
            "XHS_DATA": self.data,
            "XHS_WAREHOUSE": self.warehouse,
            "XHS_PUBLISH_DIR": self.releases,
            "XHS_LAKE": str(self.paths().lake),
            "XHS_WAREHOUSE_MODE": self.warehouse_mode,
            "XHS_WAREHOUSE_GROUP": self.warehouse_group,
        }

    def warehouse_access(self) -> WarehouseAccess:
        """Mode and group of the published warehouse; a ``ValueError`` (bilingual) for an invalid mode."""
        from warehouse.publish import WarehouseAccess

        return WarehouseAccess.parse(self.warehouse_mode, self.warehouse_group)
