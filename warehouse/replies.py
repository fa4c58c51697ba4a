"""The reply workbooks of a run: one ``data/feedback/<landing path> - kiem tra.xlsx`` per delivered file with
findings (``sources.feedback.reply``), read from the published ``meta_file`` / ``meta_finding`` so that the checks
across files (restatements, missing areas) are in it too.

Each landing path keeps one reply, for its latest delivery: a corrected file sent under the same name replaces
the reply, and a clean one removes it (the department has nothing left to fix). A reply is rewritten only when
its file or its findings changed (``.replies.json`` records what each was written from)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import unicodedata
from pathlib import Path

import duckdb

from runtime.files import atomic_write_text
from sources.archive.landing import NAME_MAX_BYTES
from sources.archive.raw import ArchivedObject, RawArchive
from sources.common.findings import Finding
from sources.feedback.reply import SUFFIX, write_reply

INDEX = ".replies.json"
FINDING_COLUMNS = ("sheet", "cell", "rule", "severity", "message_vi", "message_en", "expected", "found")


def reply_path(folder: Path, landing_path: str) -> Path:
    """``telecom/bao_cao_2024.xls`` → ``<folder>/telecom/bao_cao_2024.xls - kiem tra.xlsx``, always inside
    ``folder`` whatever the landing path holds (issue #26): it is split on ``/`` and ``\\``, and ``..``, ``.``,
    empty and absolute parts are dropped; control characters become ``_``; a name that would pass 255 bytes
    with the suffix is cut, with a digest of the whole path so that two long names never share a reply."""
    parts = [_safe_part(p) for p in re.split(r"[/\\]", landing_path) if p not in {"", ".", ".."}]
    parts = [p for p in parts if p]
    if not parts:
        parts = ["file"]
    name = parts[-1] + SUFFIX
    if len(name.encode()) > NAME_MAX_BYTES:
        digest = hashlib.sha256(landing_path.encode("utf-8", "surrogateescape")).hexdigest()[:12]
        keep = NAME_MAX_BYTES - len(f"~{digest}{SUFFIX}".encode())
        name = parts[-1].encode()[:keep].decode("utf-8", "ignore") + f"~{digest}{SUFFIX}"
    out = folder.joinpath(*[p.encode()[:NAME_MAX_BYTES].decode("utf-8", "ignore") for p in parts[:-1]], name)
    if os.path.commonpath([os.path.abspath(out), os.path.abspath(folder)]) != os.path.abspath(folder):
        raise ValueError(f"reply path outside {folder}: {landing_path!r}")  # cannot happen: parts hold no ..
    return out


def _safe_part(part: str) -> str:
    """A landing path's part as a file name: control characters, bytes that are not UTF-8 and NUL become ``_``."""
    return "".join("_" if unicodedata.category(ch) == "Cc" or "\udc80" <= ch <= "\udcff" else ch for ch in part)


def latest_deliveries(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str, str]]:
    """(landing path, original name, sha256, status) of the latest delivery of every landing path."""
    return con.execute("""
        WITH first AS (SELECT sha256, any_value(status) AS status FROM meta_file WHERE status <> 'duplicate'
                       GROUP BY 1)  -- a duplicate delivery gets the verdict of the same bytes' first delivery
        SELECT DISTINCT ON (m.landing_path) m.landing_path, m.original_name, m.sha256, coalesce(f.status, m.status)
        FROM meta_file m LEFT JOIN first f USING (sha256)
        ORDER BY m.landing_path, m.received_at DESC, m.sha256""").fetchall()


def finding_digests(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """A digest of each file's findings, by file (sha256): whether its reply must be written again is decided from
    it, and only the files whose reply is written have their findings read (``findings_by_file``; at size XL,
    reading all of them took 0.15 s of every run, issue #28)."""
    record = ", ".join(f"{c} := {c}" for c in (*FINDING_COLUMNS, "file_name"))
    return dict(
        con.execute(
            "SELECT file_sha256, md5(string_agg(finding, chr(10) ORDER BY finding)) FROM ("
            f"SELECT file_sha256, to_json(struct_pack({record}))::VARCHAR AS finding FROM meta_finding "
            "WHERE file_sha256 IS NOT NULL) GROUP BY 1"
        ).fetchall()
    )


def findings_by_file(con: duckdb.DuckDBPyConnection, files: list[str]) -> dict[str, list[Finding]]:
    """The findings of ``files`` (sha256) in ``meta_finding``, by file, errors first, then by sheet and cell."""
    rows = con.execute(
        f"SELECT file_sha256, {', '.join(FINDING_COLUMNS)}, file_name FROM meta_finding "
        "WHERE list_contains(?, file_sha256) ORDER BY file_sha256, severity, sheet, cell, rule",
        [files],
    ).fetchall()
    out: dict[str, list[Finding]] = {}
    for sha, *values in rows:
        out.setdefault(sha, []).append(Finding(**dict(zip((*FINDING_COLUMNS, "file"), values, strict=True))))
    return out


def write_replies(warehouse: Path, archive: RawArchive, folder: Path) -> dict[str, list[Path]]:
    """Bring ``folder`` in step with the warehouse: {"written": [...], "kept": [...], "removed": [...]}."""
    index_path = folder / INDEX
    index = json.loads(index_path.read_text(encoding="utf-8")) if index_path.exists() else {}
    done: dict[str, list[Path]] = {"written": [], "kept": [], "removed": []}
    new_index = {}
    todo: list[tuple[str, str, str, Path]] = []  # (name, sha256, status, reply) of the replies to write
    with duckdb.connect(str(warehouse), read_only=True) as con:
        deliveries, digests = latest_deliveries(con), finding_digests(con)
        for landing_path, name, sha, status in deliveries:
            digest = digests.get(sha)
            if digest is None:  # most files: nothing to write, and a reply to remove only if one was written before
                if landing_path in index and (out := reply_path(folder, landing_path)).exists():
                    out.unlink()
                    done["removed"].append(out)
                continue
            out = reply_path(folder, landing_path)
            key = hashlib.sha256(json.dumps([sha, status, digest]).encode()).hexdigest()
            new_index[landing_path] = key
            if index.get(landing_path) == key and out.exists():
                done["kept"].append(out)
                continue
            todo.append((name, sha, status, out))
        findings_of = findings_by_file(con, sorted({sha for _, sha, _, _ in todo}))
    objects: dict[str, ArchivedObject] | None = None  # the archive's manifest: read when a reply is written
    for name, sha, status, out in todo:
        findings = findings_of[sha]
        if objects is None:
            objects = {o.sha256: o for o in archive.all()}
        obj = objects.get(sha)
        write_reply(out, name, findings, status, archive.stored_path(obj) if obj else None)
        done["written"].append(out)
    for gone in set(index) - set(new_index):
        stale = reply_path(folder, gone)
        if stale.exists() and stale not in done["removed"]:
            stale.unlink()
            done["removed"].append(stale)
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_text(index_path, json.dumps(new_index, ensure_ascii=False, indent=1))
    return done
