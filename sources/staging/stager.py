"""Staging: each archived file read once per (bytes, department spec and suite, reader code) into a cached long
table, its outcome recorded in the state store, then one table per source (``stg_<source>``) of the values of
every file that passed."""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Callable, Collection
from concurrent.futures import Future, ThreadPoolExecutor
from functools import cached_property
from pathlib import Path

import polars as pl

from runtime import progress
from runtime.disk import writing
from runtime.files import atomic_write, file_state
from runtime.stopping import check_stop
from sources.archive.integrity import parquet_footer_ok
from sources.archive.raw import ArchivedObject, RawArchive, now_iso, sha256_of
from sources.archive.state import StagedFile, StateStore
from sources.areas.units import registry
from sources.intake import REFUSAL_RULES
from sources.reading.reader import VALUE_SCHEMA, ReadResult, read_file
from sources.specs.model import load_specs
from sources.staging.digests import department_digest, reader_code_digest
from sources.staging.threads import automatic_read_threads

STAGING_SCHEMA = {"file_sha256": pl.String, **VALUE_SCHEMA}
PREFETCH_BATCH = 200  # files read and validated together by Stager.prefetch
UNREADABLE_RULES = {"unreadable", "empty_file"} | REFUSAL_RULES  # refused at intake: see sources/intake
# Runs the expectation suites on fresh reads (results paired with their file's sha256), adding the findings to
# each result: ``expectations.files.check_together``, handed in by the caller so the reader does not depend on
# the suites.
Checker = Callable[[list[tuple[ReadResult, str]]], None]


def read_key(obj: ArchivedObject) -> str:
    """What a cached read of ``obj`` depends on besides its bytes: its department's spec and suite, and the
    reader code."""
    return source_read_key(obj.source)


def source_read_key(source: str | None) -> str:
    """``read_key`` of a file delivered in ``source``'s landing folder."""
    return f"{reader_code_digest()}-{department_digest(source)}"


def file_checks_memo(source: str) -> str:
    """The state store's memo of the files of ``source`` whose values its suite validated on their own since the
    ``stg_<source>`` table was last checked: sha256 → read key, Great Expectations' result, findings added."""
    return f"stg_{source}.file_checks"


class Stager:
    """Reads archived files (or takes their cached reads) and records each outcome in the state store, which
    it reads once."""

    def __init__(
        self,
        archive: RawArchive,
        state: StateStore,
        staging_root: Path,
        check: Checker,
        threads: int = 0,
        files: Collection[str] | None = None,
    ):
        if threads < 0:
            raise ValueError(
                f"read threads: {threads}, expected 0 (automatic) or more / số luồng đọc phải từ 0 trở lên"
            )
        self.archive = archive
        self.state = state
        self.check = check  # the expectation suites on fresh reads (expectations.files.check_together)
        self.threads = threads  # files ``prefetch`` reads at once; 0: ``automatic_read_threads``
        self.cache = staging_root / "files"
        # the files (sha256) this stager stages, when it is given them: only their outcomes are read (a staging step
        # stages one department's files: 3,467 of 17,195 outcomes at size XL, 0.03 s instead of 0.12 s, issue #28)
        self.files = None if files is None else frozenset(files)
        self.reads = 0  # files actually read by this stager (the rest came from the cache)
        self._found_cached: set[str] = set()  # files ``is_cached`` found read by the current reader (sha256)
        # One load time for every file this stager loads first: the files of one department loaded by one run are
        # loaded at the same moment (which of them wins over another, such as a reported province value over a
        # sum of districts, must not depend on how many seconds reading took).
        self.loaded_at = now_iso()

    @cached_property
    def outcomes(self) -> dict[str, StagedFile]:
        """Every file's recorded outcome (of ``files`` alone, when given), by sha256, read from the state store when
        first asked for: the archive step asks only when a file was dropped outside a department folder (17,160
        files took 0.1 s at XL)."""
        return self.state.outcomes(only=self.files)

    def _values_path(self, sha: str, key: str) -> Path:
        return self.cache / f"{sha}.{key}.parquet"

    def is_cached(self, obj: ArchivedObject) -> bool:
        """Whether the current reader, spec and suite have read the file already. A step asks this of every file of
        its department up to three times (which are new, ``prefetch``, ``stage``): a file found cached is not
        looked at again by this stager (issue #28: 3,440 files at size XL, their cached reads opened three times)."""
        self._given(obj)
        if obj.sha256 in self._found_cached:
            return True
        known = self.outcomes.get(obj.sha256)
        key = read_key(obj)
        # a cached read that is missing or truncated (no footer) is read again from the archive
        cached = bool(
            known and known.read_key == key and (not known.ok or parquet_footer_ok(self._values_path(obj.sha256, key)))
        )
        if cached:
            self._found_cached.add(obj.sha256)
        return cached

    def _given(self, obj: ArchivedObject) -> None:
        """A stager given its files never stages another: that file's outcome was not read, so it would be taken
        for a file never read."""
        if self.files is not None and obj.sha256 not in self.files:
            raise ValueError(f"{obj.name} ({obj.sha256[:12]}) is not one of the files this stager was given")

    def stage(self, obj: ArchivedObject, *, refresh: bool = False) -> StagedFile:
        """Read an archived file (or take the cached read, unless ``refresh``) and record the outcome.
        ``refresh`` is what re-running a period does: the file is read again from the archive."""
        self._given(obj)
        if refresh or not self.is_cached(obj):
            check_stop(f"reading {obj.name}")
            spec = load_specs().get(obj.source) if obj.source else None
            result = read_file(self.archive.stored_path(obj), spec, name=obj.name)
            progress.file_read()
            self.check([(result, obj.sha256)])
            staged = self._store(obj, result)
            self._remember_suite_check(obj, result)
            return staged
        staged = self.outcomes[obj.sha256]
        staged.values_path = self._values_path(obj.sha256, staged.read_key) if staged.ok else None
        return staged

    def current_of(self, objs: list[ArchivedObject]) -> dict[str, StagedFile]:
        """The recorded outcome of each of ``objs`` read by the current reader, spec and suite (its cached read is
        not opened: the staging steps have checked it this run), else the file read now (``stage``), by sha256.
        Only their outcomes are read from the state store, unless this stager holds every outcome already: an
        incremental build asks for the few files that changed, and parsing the findings of all 17,160 outcomes at
        size XL took 0.3 s (issue #28)."""
        if "outcomes" in self.__dict__ or not objs:
            known = self.outcomes
        else:
            known = self.state.outcomes(only=[o.sha256 for o in objs])
        return {o.sha256: self._current(o, known.get(o.sha256)) for o in objs}

    def _current(self, obj: ArchivedObject, known: StagedFile | None) -> StagedFile:
        if known is None or known.read_key != read_key(obj):
            return self.stage(obj)
        known.values_path = self._values_path(obj.sha256, known.read_key) if known.ok else None
        return known

    def prefetch(self, objs: list[ArchivedObject], refresh: frozenset[str] = frozenset()) -> set[str]:
        """Read the files of ``objs`` not read yet (and those whose sha256 is in ``refresh``) and validate them
        together (``check_together``), so that ``stage`` then finds them in the cache: the suites run once per
        source, not once per file. Returns the sha256 of the files it read."""
        todo = [o for o in objs if o.sha256 in refresh or not self.is_cached(o)]
        if len(todo) < 2:
            return set()
        for start in range(0, len(todo), PREFETCH_BATCH):  # bounded memory; each batch cached as it is done
            reads = self._read_many(todo[start : start + PREFETCH_BATCH])
            progress.validating(len(reads))
            self.check([(result, o.sha256) for o, result in reads])
            staged = [self._store(o, result, record=False) for o, result in reads]
            for s in self.state.record_many(staged, self.loaded_at):  # one transaction per batch
                self.outcomes[s.sha256] = s
        return {o.sha256 for o in todo}

    def _read_many(self, objs: list[ArchivedObject]) -> list[tuple[ArchivedObject, ReadResult]]:
        """Read ``objs`` from the archive, ``self.threads`` files at a time, in their order. The reader's own
        work is Python and Polars, and its parsing waits on the intake worker; Polars and that wait release the
        GIL, so a second thread reads while the first waits (540 files at size M: 5.2 s in one thread, 3.5 s in
        two). A stop asked for is seen before each file is started; the files being read finish first."""
        specs, units = load_specs(), registry()  # built here once, not by two threads at once
        threads = self.threads or automatic_read_threads()

        def read(o: ArchivedObject) -> ReadResult:
            spec = specs.get(o.source) if o.source else None
            return read_file(self.archive.stored_path(o), spec, name=o.name, units=units)

        reads: list[tuple[ArchivedObject, ReadResult]] = []
        pending: deque[tuple[ArchivedObject, Future[ReadResult]]] = deque()

        def take_oldest() -> None:  # the reads are kept in the files' order
            done, future = pending.popleft()
            reads.append((done, future.result()))
            progress.file_read()

        with ThreadPoolExecutor(threads, thread_name_prefix="xhs-read") as pool:
            try:
                for o in objs:
                    check_stop(f"reading {o.name}")
                    pending.append((o, pool.submit(read, o)))
                    if len(pending) > threads:
                        take_oldest()
                while pending:
                    take_oldest()
            finally:  # a stop, or a read that raised: the files not started yet are not read
                for _, future in pending:
                    future.cancel()
        return reads

    def _remember_suite_check(self, obj: ArchivedObject, result: ReadResult) -> None:
        """Keep the suite's result of a file read on its own that loaded (``file_checks_memo``): the staging table's
        check takes it for the file's rows instead of validating them again. Files read in a batch (``prefetch``)
        and files whose department was detected from their headers are not kept: the table's check validates their
        rows, and the memo stays a few files' results."""
        if not (result.ok and result.source and result.suite_check is not None):
            return
        key = read_key(obj)
        if key != source_read_key(result.source):  # detected, not delivered in its folder: never taken
            return
        name = file_checks_memo(result.source)
        entry = {"key": key, "results": result.suite_check.results, "findings": result.suite_check.findings}
        self.state.remember(name, {**(self.state.memo(name) or {}), obj.sha256: entry})

    def _store(self, obj: ArchivedObject, result: ReadResult, *, record: bool = True) -> StagedFile:
        self.reads += 1
        if any(f.rule == "personal_data" for f in result.errors):
            self.archive.restrict(obj)  # the bytes leave the ordinary archive; nothing of them is cached
        if not result.ok:
            status = "unreadable" if any(f.rule in UNREADABLE_RULES for f in result.errors) else "quarantined"
        else:
            status = "loaded"
        key = read_key(obj)
        values_path = None
        if result.ok:
            values_path = self._values_path(obj.sha256, key)
            values = result.values.with_columns(file_sha256=pl.lit(obj.sha256)).select(list(STAGING_SCHEMA))
            atomic_write(values_path, values.write_parquet)
        previous = self.outcomes.get(obj.sha256)
        staged = StagedFile(
            obj.sha256,
            obj.name,
            result.source,
            status,
            result.period.code if result.period else None,
            result.province_code,
            result.sheet,
            result.findings,
            values_path,
            key,
        )
        if record:
            self.outcomes[obj.sha256] = self.state.record(staged, self.loaded_at)
        if previous and previous.read_key != key:  # the read it replaces is no longer current
            self._values_path(obj.sha256, previous.read_key).unlink(missing_ok=True)
        return staged


def source_of(obj: ArchivedObject, staged: StagedFile | None) -> str | None:
    """The department of a file: its landing folder's, else the one the reader detected from its headers."""
    if obj.source in load_specs():
        return obj.source
    return staged.source if staged else None


NO_PROVINCE_PART = "national"  # the part of the files of no single province (national tables by province)


def staging_part(staged: StagedFile) -> str:
    """The part of ``stg_<source>`` a loaded file's rows are kept in: its province's (``province_01``), else
    ``national``. Only where the rows lie: every reader takes the parts together."""
    code = staged.province_code
    return f"province_{code}" if code and code.isascii() and code.isalnum() else NO_PROVINCE_PART


def staging_parts(folder: Path) -> list[Path]:
    """The parts of a ``stg_<source>`` folder, in name order (none: no folder, or no file of it loaded)."""
    return sorted(folder.glob("*.parquet")) if folder.is_dir() else []


def scan_staging_table(folder: Path) -> pl.LazyFrame | None:
    """``stg_<source>``: its parts as one table; None when it has none."""
    parts = staging_parts(folder)
    return pl.scan_parquet(parts) if parts else None


def _table_state(folder: Path) -> list[list]:
    """Each part's name and ``file_state``: changes whenever a part is written, replaced, added or removed."""
    return [[p.name, *file_state(p)] for p in staging_parts(folder)]


def build_staging_table(staged: list[StagedFile], source: str, out: Path, state: StateStore) -> pl.LazyFrame:
    """``stg_<source>``: the values of every file of the source that passed, with their provenance, kept in the
    folder ``out`` as one Parquet part per province of the files (``staging_part``). Only the parts whose files
    changed are written again: a run with one new file rewrites its province's part, not the whole table (issue
    #28: the telecom table of 1.04 M rows at size XL took 0.28 s to write again for one new file)."""
    groups: dict[str, list[Path]] = {}
    for s in staged:
        if s.ok and s.source == source and s.values_path:
            groups.setdefault(staging_part(s), []).append(s.values_path)
    saved = state.memo(f"stg_{source}.inputs") or {}
    # the parts as they were written last time; none trusted if anything in the folder changed since
    kept = saved.get("parts", {}) if saved.get("table") == _table_state(out) else {}
    out.with_suffix(".parquet").unlink(missing_ok=True)  # the one-file table of earlier versions
    parts: dict[str, dict] = {}
    for name, paths in sorted(groups.items()):
        # Each cached read is named by its file's sha256 and read key: the same names and file states, the same part.
        inputs = [[str(p), *file_state(p)] for p in paths]
        target = out / f"{name}.parquet"
        if kept.get(name, {}).get("inputs") == inputs:
            parts[name] = kept[name]
            continue
        # one read of the list (Polars reads the files in parallel): 540 cached reads 0.44 s one by one, 0.07 s
        atomic_write(target, pl.read_parquet(paths).write_parquet)
        parts[name] = {"inputs": inputs, "sha256": sha256_of(target)}
    for stale in staging_parts(out):
        if stale.stem not in parts:
            with writing(stale):
                stale.unlink()
    state.remember(f"stg_{source}.inputs", {"parts": parts, "table": _table_state(out), "sha256": _table_digest(parts)})
    table = scan_staging_table(out)
    return pl.LazyFrame(schema=STAGING_SCHEMA) if table is None else table


def _table_digest(parts: dict[str, dict]) -> str:
    h = hashlib.sha256()
    for name, part in sorted(parts.items()):
        h.update(f"{name}:{part['sha256']};".encode())
    return h.hexdigest()


def staging_table_digest(folder: Path, state: StateStore) -> str:
    """A digest of ``stg_<source>``'s parts (their names and sha256), each hashed once when it was written (kept
    in the state store) and hashed again only if the folder has changed since: what the staging check and the
    warehouse key compare."""
    saved = state.memo(f"{folder.name}.inputs")
    if saved and saved.get("sha256") and saved.get("table") == _table_state(folder):
        return saved["sha256"]
    return _table_digest({p.stem: {"sha256": sha256_of(p)} for p in staging_parts(folder)})
