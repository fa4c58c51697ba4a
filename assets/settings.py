"""Where things are: flags override environment variables, which override the defaults (DESIGN §10)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import dagster as dg
from pydantic import Field

from assets.paths import Paths, SettingError, env_path, folders_from_env
from sources.archive.landing import DEFAULT_SETTLE_SECONDS, SETTLE_ENV, settle_seconds_from_env
from sources.staging.threads import READ_THREADS_ENV, read_threads_from_env

if TYPE_CHECKING:
    from warehouse.publish import WarehouseAccess

__all__ = ["TRANSIENT_RETRY", "Paths", "SettingError", "XhsSettings"]


# Transient failures (a network share that drops, a file still being copied) are retried with backoff; a
# bad file never raises (it is quarantined), so a retry never repeats a data error.
TRANSIENT_RETRY = dg.RetryPolicy(max_retries=2, delay=30, backoff=dg.Backoff.EXPONENTIAL)


class XhsSettings(dg.ConfigurableResource):
    """Folders and files of one deployment, the one place every step, sensor and command takes them from.
    Defaults: ``landing/``, ``data/``, ``warehouse/xhs.duckdb``, ``releases/`` and ``lake/`` under the current
    directory, or ``XHS_LANDING``, ``XHS_DATA``, ``XHS_WAREHOUSE``, ``XHS_PUBLISH_DIR``, ``XHS_LAKE``; a command's
    flags override them.
    The published warehouse's mode and group: ``XHS_WAREHOUSE_MODE`` (octal, default 0640) and
    ``XHS_WAREHOUSE_GROUP`` (default: the group of the account running xhs).
    ``settle_seconds`` (``XHS_SETTLE_SECONDS``, default 60): a landing file is read once it has not changed for
    that long (``sources/archive/landing.py``).
    ``read_threads`` (``XHS_READ_THREADS``, default 0: one more than the CPUs, at most 4): how many files a staging
    step reads at once (``docs/deploy.md`` §4)."""

    landing: str
    data: str
    warehouse: str
    releases: str
    lake: str = ""  # "" = lake/ under the current directory (XHS_LAKE)
    warehouse_mode: str = "0640"
    warehouse_group: str = ""
    # build the warehouse from nothing instead of bringing the published one up to date (``xhs run --rebuild``)
    rebuild: bool = False
    settle_seconds: float = DEFAULT_SETTLE_SECONDS
    read_threads: int = Field(default=0, ge=0)

    @classmethod
    def from_env(cls, *, rebuild: bool = False, **overrides: str | None) -> XhsSettings:
        """The settings from the environment, with the non-empty ``overrides`` (a command's flags) on top; a
        ``SettingError`` for a setting that cannot be used."""
        try:
            settle, threads = settle_seconds_from_env(), read_threads_from_env()
        except ValueError as exc:
            raise SettingError(str(exc)) from None
        return cls(
            rebuild=rebuild,
            **folders_from_env(**overrides),
            warehouse_mode=os.environ.get("XHS_WAREHOUSE_MODE") or "0640",
            warehouse_group=os.environ.get("XHS_WAREHOUSE_GROUP") or "",
            settle_seconds=settle,
            read_threads=threads,
        )

    def paths(self) -> Paths:
        lake = Path(self.lake) if self.lake else Path(env_path("XHS_LAKE", "lake"))
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
            SETTLE_ENV: repr(self.settle_seconds),
            READ_THREADS_ENV: str(self.read_threads) if self.read_threads else "",
        }

    def warehouse_access(self) -> WarehouseAccess:
        """Mode and group of the published warehouse; a ``ValueError`` (bilingual) for an invalid mode."""
        from warehouse.publish import WarehouseAccess

        return WarehouseAccess.parse(self.warehouse_mode, self.warehouse_group)
