"""Where things are: flags override environment variables, which override the defaults (DESIGN §10)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import dagster as dg


@dataclass(frozen=True)
class Paths:
    landing: Path
    data: Path
    warehouse: Path

    @property
    def raw(self) -> Path:
        return self.data / "raw"

    @property
    def staging(self) -> Path:
        return self.data / "staging"

    @property
    def work_database(self) -> Path:
        return self.data / "work" / "xhs-work.duckdb"

    def staging_table(self, source: str) -> Path:
        return self.staging / f"stg_{source}.parquet"


# Transient failures (a network share that drops, a file still being copied) are retried with backoff; a
# bad file never raises (it is quarantined), so a retry never repeats a data error.
TRANSIENT_RETRY = dg.RetryPolicy(max_retries=2, delay=30, backoff=dg.Backoff.EXPONENTIAL)


def _env_path(name: str, default: str) -> str:
    return str(Path(os.environ.get(name) or default).expanduser().resolve())


class XhsSettings(dg.ConfigurableResource):
    """Folders and files of one deployment. Defaults: ``landing/``, ``data/`` and ``warehouse/xhs.duckdb``
    under the current directory, or ``XHS_LANDING``, ``XHS_DATA``, ``XHS_WAREHOUSE``."""

    landing: str
    data: str
    warehouse: str

    @classmethod
    def from_env(cls) -> XhsSettings:
        return cls(
            landing=_env_path("XHS_LANDING", "landing"),
            data=_env_path("XHS_DATA", "data"),
            warehouse=_env_path("XHS_WAREHOUSE", "warehouse/xhs.duckdb"),
        )

    def paths(self) -> Paths:
        return Paths(Path(self.landing), Path(self.data), Path(self.warehouse))
