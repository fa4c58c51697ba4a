"""What happened to each delivered file, in one place: ``data/state.sqlite``.

    file_outcome     per file (sha256): department, period, status, province, sheet, findings, the key of the
                     read that produced them, when its values first entered the warehouse
    delivery_report  which deliveries a completed run has reported (the run report, ``xhs run``'s summary)
    memo             small records steps keep between runs: the inputs of each ``stg_<source>`` table and the
                     outcome of its check, the last publication
    landing_refusal  what in the landing folder was not opened (a link, a special file, a refused name: issue
                     #26), once per name, rule and file (a new link under the same name is a new row), and which
                     completed run reported it

The raw archive (``sources/archive/raw.py``) holds bytes and deliveries only; cached reads (``data/staging/files``)
hold values. Every step reads this store once per run (``StateStore.outcomes``). SQLite gives each write a
transaction: a killed run leaves the previous record or the new one, never half of one, and two processes
writing at once wait for each other.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Collection
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from sources.archive.landing import Refusal
from sources.archive.raw import now_iso, open_store
from sources.common.findings import Finding, errors_in

STATE_SCHEMA = """
CREATE TABLE IF NOT EXISTS file_outcome (
    sha256 TEXT PRIMARY KEY, name TEXT NOT NULL, source TEXT, status TEXT NOT NULL, period TEXT,
    province_code TEXT, sheet TEXT, findings TEXT NOT NULL, read_key TEXT NOT NULL, loaded_at TEXT,
    updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS delivery_report (
    sha256 TEXT NOT NULL, landing_path TEXT NOT NULL, status TEXT NOT NULL, first_error TEXT NOT NULL,
    reported_at TEXT NOT NULL, run_id TEXT, PRIMARY KEY (sha256, landing_path));
CREATE TABLE IF NOT EXISTS memo (name TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS landing_refusal (
    landing_path TEXT NOT NULL, rule TEXT NOT NULL, identity TEXT NOT NULL, kind TEXT NOT NULL,
    message_vi TEXT NOT NULL, message_en TEXT NOT NULL, first_seen TEXT NOT NULL, run_id TEXT, reported_at TEXT,
    PRIMARY KEY (landing_path, rule, identity));
"""


@dataclass
class StagedFile:
    """The outcome of reading one file: what the state store keeps for it, and where its values are."""

    sha256: str
    name: str
    source: str | None
    status: str  # loaded | quarantined | unreadable
    period: str | None
    province_code: str | None
    sheet: str | None
    findings: list[Finding] = field(default_factory=list)
    values_path: Path | None = None
    read_key: str = ""
    loaded_at: str | None = None  # the first time its values entered the warehouse

    @property
    def ok(self) -> bool:
        return self.status == "loaded"

    @property
    def errors(self) -> list[Finding]:
        return errors_in(self.findings)


OUTCOME_COLUMNS = "sha256, name, source, status, period, province_code, sheet, findings, read_key, loaded_at"


@lru_cache(maxsize=65_536)
def _findings(text: str) -> tuple[Finding, ...]:
    """A file's findings from their stored JSON, parsed once per process: a run reads every file's outcome in four
    steps (17,000 files at size XL: 0.4 s of parsing in all, issue #28). ``Finding`` is frozen, so the parsed
    findings are shared; each ``StagedFile`` gets its own list."""
    return tuple(Finding(**f) for f in json.loads(text))


@dataclass(frozen=True)
class ReportedDelivery:
    sha256: str
    landing_path: str
    status: str  # loaded | quarantined | unreadable | duplicate
    first_error: str  # the first error's cell and English message, for the summary line

    @property
    def rejected(self) -> bool:
        return self.status in {"quarantined", "unreadable"}


class StateStore:
    def __init__(self, path: Path):
        self.path = path

    def _connect(self) -> AbstractContextManager[sqlite3.Connection]:
        return open_store(self.path, STATE_SCHEMA)

    def outcomes(self, only: Collection[str] | None = None) -> dict[str, StagedFile]:
        """Every file's recorded outcome, by sha256 (values_path is left for the caller, who knows the cache);
        with ``only``, the outcomes of those files (sha256) alone."""
        if not self.path.exists():
            return {}
        with self._connect() as con:
            if only is None:
                rows = con.execute(f"SELECT {OUTCOME_COLUMNS} FROM file_outcome").fetchall()
            else:  # the list as one JSON parameter: any number of files, one query (3,467 of 17,195 at XL: 0.01 s)
                query = f"SELECT {OUTCOME_COLUMNS} FROM file_outcome WHERE sha256 IN (SELECT value FROM json_each(?))"
                rows = con.execute(query, [json.dumps(sorted(only))]).fetchall()
        return {
            r[0]: StagedFile(r[0], r[1], r[2], r[3], r[4], r[5], r[6], list(_findings(r[7])), None, r[8], r[9])
            for r in rows
        }

    def outcome_digests(self) -> dict[str, str]:
        """A digest of every file's recorded outcome (as stored: the findings' JSON is not parsed), by sha256:
        what the warehouse build compares to find the files whose outcome changed."""
        if not self.path.exists():
            return {}
        with self._connect() as con:
            rows = con.execute(f"SELECT {OUTCOME_COLUMNS} FROM file_outcome").fetchall()
        return {r[0]: hashlib.sha256(repr(r).encode()).hexdigest()[:20] for r in rows}

    def record(self, staged: StagedFile, loaded_at: str | None = None) -> StagedFile:
        """Write (or replace) a file's outcome. ``loaded_at`` keeps the first time the file loaded."""
        return self.record_many([staged], loaded_at)[0]

    def record_many(self, outcomes: list[StagedFile], loaded_at: str | None = None) -> list[StagedFile]:
        """``record`` for many files in one transaction (a batch of files read together)."""
        with self._connect() as con:
            con.execute("BEGIN IMMEDIATE")
            for staged in outcomes:
                row = con.execute("SELECT loaded_at FROM file_outcome WHERE sha256 = ?", [staged.sha256]).fetchone()
                first = row[0] if row and row[0] else None
                staged.loaded_at = first or ((loaded_at or now_iso()) if staged.ok else None)
                con.execute(
                    "INSERT OR REPLACE INTO file_outcome VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        staged.sha256,
                        staged.name,
                        staged.source,
                        staged.status,
                        staged.period,
                        staged.province_code,
                        staged.sheet,
                        json.dumps([f.as_dict() for f in staged.findings], ensure_ascii=False),
                        staged.read_key,
                        staged.loaded_at,
                        now_iso(),
                    ],
                )
            con.execute("COMMIT")
        return outcomes

    def reported(self) -> set[tuple[str, str]]:
        """(sha256, landing path) of every delivery a completed run has reported."""
        if not self.path.exists():
            return set()
        with self._connect() as con:
            return {(s, p) for s, p in con.execute("SELECT sha256, landing_path FROM delivery_report")}

    def mark_reported(self, deliveries: list[ReportedDelivery], run_id: str | None) -> None:
        with self._connect() as con:
            con.executemany(
                "INSERT OR IGNORE INTO delivery_report VALUES (?, ?, ?, ?, ?, ?)",
                [(d.sha256, d.landing_path, d.status, d.first_error, now_iso(), run_id) for d in deliveries],
            )

    def reported_by(self, run_id: str) -> list[ReportedDelivery]:
        """The deliveries the run ``run_id`` reported, in the order it reported them."""
        if not self.path.exists():
            return []
        with self._connect() as con:
            rows = con.execute(
                "SELECT sha256, landing_path, status, first_error FROM delivery_report WHERE run_id = ? ORDER BY rowid",
                [run_id],
            ).fetchall()
        return [ReportedDelivery(*r) for r in rows]

    def record_refusals(self, refusals: list[Refusal]) -> int:
        """Remember what the landing folder holds that was not opened; returns how many were not known yet."""
        if not refusals:
            return 0
        with self._connect() as con:
            con.execute("BEGIN IMMEDIATE")
            before = con.total_changes
            con.executemany(
                "INSERT OR IGNORE INTO landing_refusal VALUES (?, ?, ?, ?, ?, ?, ?, NULL, NULL)",
                [(r.path, r.rule, r.identity, r.kind, r.message_vi, r.message_en, now_iso()) for r in refusals],
            )
            added = con.total_changes - before
            con.execute("COMMIT")
        return added

    def refusals(self, unreported: bool = False, run_id: str | None = None) -> list[Refusal]:
        """Every refusal recorded (by landing path), or those no completed run has reported yet, or those the
        run ``run_id`` reported."""
        if not self.path.exists():
            return []
        where, args = "", []
        if unreported:
            where = "WHERE reported_at IS NULL"
        elif run_id is not None:
            where, args = "WHERE run_id = ?", [run_id]
        with self._connect() as con:
            rows = con.execute(
                "SELECT landing_path, rule, kind, identity, message_vi, message_en FROM landing_refusal "
                f"{where} ORDER BY landing_path, first_seen, rule, identity",
                args,
            ).fetchall()
        return [Refusal(path, rule, kind, identity, vi, en) for path, rule, kind, identity, vi, en in rows]

    def mark_refusals_reported(self, refusals: list[Refusal], run_id: str | None) -> None:
        with self._connect() as con:
            con.executemany(
                "UPDATE landing_refusal SET run_id = ?, reported_at = ? "
                "WHERE landing_path = ? AND rule = ? AND identity = ? AND reported_at IS NULL",
                [(run_id, now_iso(), r.path, r.rule, r.identity) for r in refusals],
            )

    def memo(self, name: str) -> Any:
        """A record kept under ``name`` (JSON), or None."""
        if not self.path.exists():
            return None
        with self._connect() as con:
            row = con.execute("SELECT value FROM memo WHERE name = ?", [name]).fetchone()
        return json.loads(row[0]) if row else None

    def remember(self, name: str, value: Any) -> None:
        self.remember_all({name: value})

    def remember_all(self, values: dict[str, Any], copies: dict[str, str] | None = None) -> None:
        """Several records in one transaction: each of ``values`` under its name, and under each name of ``copies``
        the record now kept under the name it maps to (copied as stored, not parsed: a large record costs no JSON
        work; a missing one is removed)."""
        at = now_iso()
        with self._connect() as con:
            con.execute("BEGIN IMMEDIATE")
            for name, value in values.items():
                con.execute(
                    "INSERT OR REPLACE INTO memo VALUES (?, ?, ?)", [name, json.dumps(value, ensure_ascii=False), at]
                )
            for name, source in (copies or {}).items():
                con.execute("DELETE FROM memo WHERE name = ?", [name])
                con.execute("INSERT INTO memo SELECT ?, value, ? FROM memo WHERE name = ?", [name, at, source])
            con.execute("COMMIT")
