"""Staging: each archived file read once per reader version into a cached long table, then one table per
source (``stg_<source>``) of the values of every file that passed."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import polars as pl

from sources.archive import ArchivedFile, RawArchive, now_iso, sha256_of
from sources.areas import reference_folder, registry
from sources.files import atomic_write_text, file_state
from sources.findings import Finding, errors_in
from sources.intake import REFUSAL_RULES
from sources.reader import VALUE_SCHEMA, ReadResult, read_file
from sources.spec import SPEC_DIR, Spec, load_specs

STAGING_SCHEMA = {"file_sha256": pl.String, **VALUE_SCHEMA}
PREFETCH_BATCH = 200  # files read and validated together by Stager.prefetch
UNREADABLE_RULES = {"unreadable", "empty_file"} | REFUSAL_RULES  # refused at intake: see sources/intake


def read_checked(path: Path, spec: Spec | None = None, period: str | None = None, *, name: str | None = None,
                 sha256: str = "") -> ReadResult:
    """Read a file and, when the reader accepts it, run its source's expectation suite on the values:
    exactly what the pipeline does to a delivered file, and what ``xhs validate`` reports."""
    from expectations.checks import check_values

    result = read_file(path, spec, period, name=name)
    if result.ok and result.source and result.vintage:
        known = [u.code for u in registry().units[result.vintage]]
        values = result.values.with_columns(file_sha256=pl.lit(sha256))
        result.findings.extend(check_values(result.source, values, known, file=result.name, sheet=result.sheet))
    return result


def check_together(results: list[tuple[ReadResult, str]]) -> None:
    """``read_checked``'s expectation step for many files at once (results paired with their sha256): one
    suite run per source, unit list and set of fields instead of one per file. Every expectation of the
    suites is row-level (``tests/test_bench.py`` checks it) and the pivot has the same columns for files
    with the same fields, so a file none of whose rows fails would pass alone; a file with a failing row, or
    every file after a table-level failure, is checked again on its own, so its findings are exactly
    ``read_checked``'s."""
    from expectations.checks import check_values, failing_files

    groups: dict[tuple[str, str, tuple[str, ...]], list[tuple[ReadResult, str]]] = {}
    for result, sha in results:
        if result.ok and result.source and result.vintage and not result.values.is_empty():
            fields = tuple(sorted(set(result.values["field"].to_list())))
            groups.setdefault((result.source, result.vintage, fields), []).append((result, sha))
    for (source, vintage, _), members in groups.items():
        known = [u.code for u in registry().units[vintage]]
        frames = {sha: r.values.with_columns(file_sha256=pl.lit(sha)) for r, sha in members}
        flagged = failing_files(source, pl.concat(list(frames.values())), known) if len(members) > 1 else None
        for result, sha in members:
            if flagged is None or sha in flagged:
                result.findings.extend(check_values(source, frames[sha], known, file=result.name, sheet=result.sheet))


@cache
def reader_fingerprint() -> str:
    """Changes whenever the reader, a spec, a suite or the unit lists change: cached reads are then redone."""
    h = hashlib.sha256()
    here = Path(__file__).parent
    suites = (here.parent / "expectations").glob("*.*")
    code = [*here.glob("*.py"), *here.glob("intake/*.py")]
    for p in sorted([*code, *SPEC_DIR.glob("*.yaml"), *reference_folder().glob("*.csv"), *suites]):
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


@dataclass
class StagedFile:
    sha256: str
    name: str
    source: str | None
    status: str  # loaded | quarantined | unreadable
    period: str | None
    province_code: str | None
    sheet: str | None
    findings: list[Finding] = field(default_factory=list)
    values_path: Path | None = None

    @property
    def ok(self) -> bool:
        return self.status == "loaded"

    @property
    def errors(self) -> list[Finding]:
        return errors_in(self.findings)


class Stager:
    def __init__(self, archive: RawArchive, staging_root: Path):
        self.archive = archive
        self.cache = staging_root / "files" / reader_fingerprint()

    def stage(self, meta: ArchivedFile, *, refresh: bool = False) -> StagedFile:
        """Read an archived file (or take the cached read, unless ``refresh``) and record the outcome in its
        metadata. ``refresh`` is what re-running a period does: the file is read again from the archive."""
        info, values = self.cache / f"{meta.sha256}.json", self.cache / f"{meta.sha256}.parquet"
        if info.exists() and not refresh:
            data = json.loads(info.read_text(encoding="utf-8"))
            staged = StagedFile(**{**data, "findings": [Finding(**f) for f in data["findings"]],
                                   "values_path": values if values.exists() else None})
        else:
            staged = self._read(meta, info, values)
        self._record(meta, staged)
        return staged

    def is_cached(self, meta: ArchivedFile) -> bool:
        """Whether this reader version has read the file already."""
        return (self.cache / f"{meta.sha256}.json").exists()

    def prefetch(self, metas: list[ArchivedFile], refresh: frozenset[str] = frozenset()) -> set[str]:
        """Read the files of ``metas`` not read yet (and those whose sha256 is in ``refresh``) and validate them
        together (``check_together``), so that ``stage`` then finds them in the cache: the suites run once per
        source, not once per file. Returns the sha256 of the files it read."""
        todo = [m for m in metas if m.sha256 in refresh or not self.is_cached(m)]
        if len(todo) < 2:
            return set()
        specs = load_specs()
        for start in range(0, len(todo), PREFETCH_BATCH):  # bounded memory; each batch cached as it is done
            reads = [(m, read_file(self.archive.stored_path(m), specs.get(m.source) if m.source else None,
                                   name=m.name)) for m in todo[start:start + PREFETCH_BATCH]]
            check_together([(result, m.sha256) for m, result in reads])
            for m, result in reads:
                self._store(m, result, self.cache / f"{m.sha256}.json", self.cache / f"{m.sha256}.parquet")
        return {m.sha256 for m in todo}

    def _read(self, meta: ArchivedFile, info: Path, values: Path) -> StagedFile:
        specs = load_specs()
        spec = specs.get(meta.source) if meta.source else None
        result = read_checked(self.archive.stored_path(meta), spec, name=meta.name, sha256=meta.sha256)
        return self._store(meta, result, info, values)

    def _store(self, meta: ArchivedFile, result: ReadResult, info: Path, values: Path) -> StagedFile:
        if any(f.rule == "personal_data" for f in result.errors):
            self.archive.restrict(meta)  # the bytes leave the ordinary archive; nothing of them is cached
        if not result.ok:
            status = "unreadable" if any(f.rule in UNREADABLE_RULES for f in result.errors) else "quarantined"
        else:
            status = "loaded"
        self.cache.mkdir(parents=True, exist_ok=True)
        values_path = None
        if result.ok:
            tmp = values.with_suffix(".tmp")
            result.values.with_columns(file_sha256=pl.lit(meta.sha256)).select(list(STAGING_SCHEMA)).write_parquet(tmp)
            tmp.replace(values)
            values_path = values
        staged = StagedFile(meta.sha256, meta.name, result.source, status,
                            result.period.code if result.period else None, result.province_code, result.sheet,
                            result.findings, values_path)
        payload = {k: v for k, v in staged.__dict__.items() if k not in {"findings", "values_path"}}
        payload["findings"] = [f.as_dict() for f in staged.findings]
        atomic_write_text(info, json.dumps(payload, ensure_ascii=False, indent=1))
        return staged

    def _record(self, meta: ArchivedFile, staged: StagedFile) -> None:
        changed = (meta.status, meta.period, meta.detected_source) != (staged.status, staged.period, staged.source)
        meta.status, meta.period, meta.detected_source = staged.status, staged.period, staged.source
        if staged.ok and meta.loaded_at is None:
            meta.loaded_at, changed = now_iso(), True
        if changed or meta.reader_fingerprint != reader_fingerprint():
            meta.reader_fingerprint = reader_fingerprint()
            self.archive.save(meta)


def source_of(meta: ArchivedFile) -> str | None:
    return meta.source if meta.source in load_specs() else meta.detected_source


def build_staging_table(staged: list[StagedFile], source: str, out: Path) -> pl.DataFrame:
    """``stg_<source>``: the values of every file of the source that passed, with their provenance."""
    paths = [s.values_path for s in staged if s.ok and s.source == source and s.values_path]
    # The same cached reads as last time (each named by its file's sha256 and the reader fingerprint) make
    # the same table: a nightly run with nothing new reads it back instead of concatenating every file again.
    memo = out.with_suffix(".inputs.json")
    inputs = [[str(p), *file_state(p)] for p in paths]  # a re-read rewrites a cached file: the table is redone
    if out.exists() and memo.exists():
        saved = json.loads(memo.read_text(encoding="utf-8"))
        if {k: saved.get(k) for k in ("inputs", "table")} == {"inputs": inputs, "table": file_state(out)}:
            return pl.read_parquet(out)
    frame = pl.concat([pl.read_parquet(p) for p in paths]) if paths else pl.DataFrame(schema=STAGING_SCHEMA)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    frame.write_parquet(tmp)
    tmp.replace(out)
    atomic_write_text(memo, json.dumps({"inputs": inputs, "table": file_state(out), "sha256": sha256_of(out)}))
    return frame


def staging_table_digest(path: Path) -> str:
    """sha256 of ``stg_<source>.parquet``, hashed once when it was written (kept in its ``.inputs.json``) and
    hashed again only if the file has changed since: what the staging check and the warehouse key compare."""
    memo = path.with_suffix(".inputs.json")
    if memo.exists():
        saved = json.loads(memo.read_text(encoding="utf-8"))
        if saved.get("sha256") and saved.get("table") == file_state(path):
            return saved["sha256"]
    return sha256_of(path)


def check_staging_table(source: str, path: Path) -> dict:
    """The source's suite on the whole ``stg_<source>`` table: rows, errors, warnings, the first error
    messages. Cached beside the table, keyed by its bytes and the reader fingerprint (suites, specs, unit
    lists): a nightly run with nothing new does not validate (nor import Great Expectations) again."""
    from expectations.checks import check_values

    memo = path.with_suffix(".check.json")
    key = staging_table_digest(path) + reader_fingerprint() if path.exists() else None
    if key and memo.exists():
        saved = json.loads(memo.read_text(encoding="utf-8"))
        if saved.get("key") == key:
            return saved["outcome"]
    frame = pl.read_parquet(path) if path.exists() else pl.DataFrame()
    known = sorted({u.code for us in registry().units.values() for u in us})
    findings = check_values(source, frame, known) if frame.height else []
    errors = errors_in(findings)
    outcome = {"rows": frame.height, "errors": len(errors), "warnings": len(findings) - len(errors),
               "first_errors": [f.message_en for f in errors[:10]]}
    if key:
        atomic_write_text(memo, json.dumps({"key": key, "outcome": outcome}, ensure_ascii=False))
    return outcome
