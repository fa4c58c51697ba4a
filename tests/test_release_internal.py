"""Internal stays internal (issue #19): nothing of the staging tables, the findings or the raw archive reaches
an open-data release. Every file of a release built by ``xhs publish`` is read the way a user could read it
(text, the members of the .xlsx zip, the values of each Parquet table, JSON and HTML unescaped) and searched."""

from __future__ import annotations

import hashlib
import html
import io
import json
import zipfile
from pathlib import Path

import duckdb
import polars as pl
import pytest

from bench.hostile_corpus import PERSONAL_VALUES
from tests.conftest import PERSON_LIST_NAME, QUARANTINED_NAME

pytestmark = pytest.mark.deployment  # make check leaves it out (tests/README.md)


def readable_text(path: Path) -> str:
    """Everything a reader of ``path`` could see, as text."""
    data = path.read_bytes()
    parts = [data.decode("utf-8", errors="replace")]
    if zipfile.is_zipfile(io.BytesIO(data)):
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            parts += [zf.read(name).decode("utf-8", errors="replace") for name in zf.namelist()]
    if path.suffix == ".parquet":
        parts.append(pl.read_parquet(path).write_csv())
    if path.suffix == ".json":
        parts.append(json.dumps(json.loads(data), ensure_ascii=False))
    text = "\n".join(parts)
    return text + "\n" + html.unescape(text)


@pytest.fixture(scope="module")
def release_text(guarded_deployment: Path) -> dict[str, str]:
    [release] = [p for p in (guarded_deployment / "releases").iterdir() if p.is_dir()]
    files = {str(p.relative_to(release)): readable_text(p) for p in sorted(release.rglob("*")) if p.is_file()}
    assert len(files) > 20
    return files


def internal(root: Path, sql: str) -> set[str]:
    with duckdb.connect(str(root / "warehouse" / "xhs.duckdb"), read_only=True) as con:
        return {str(v) for (v,) in con.execute(sql).fetchall() if v is not None}


def leaks(release_text: dict[str, str], needles: set[str]) -> dict[str, list[str]]:
    found = {name: sorted(n for n in needles if n in text) for name, text in release_text.items()}
    return {name: hits[:5] for name, hits in found.items() if hits}


def test_the_scan_reads_every_kind_of_release_file(release_text: dict[str, str]) -> None:
    # the search below is only worth something if it sees inside the zip and the Parquet tables
    assert "tel_mobile_subscribers" in release_text["xhs-indicators.xlsx"].split("[Content_Types].xml", 1)[1]
    parquet = release_text["data/tel_mobile_subscribers.parquet"]
    assert "Bắc Kạn" in parquet and "tel_mobile_subscribers" in parquet


def test_no_staging_table_or_finding_reaches_the_release(
    guarded_deployment: Path, release_text: dict[str, str]
) -> None:
    staging = internal(
        guarded_deployment, "SELECT table_name FROM duckdb_tables() WHERE table_name LIKE 'stg\\_%' ESCAPE '\\'"
    )
    assert {"stg_telecom", "stg_health", "stg_civil_id"} <= staging
    assert leaks(release_text, {"stg_", "meta_finding", "meta_file", "file_sha256"}) == {}

    messages = internal(
        guarded_deployment, "SELECT message_vi FROM meta_finding UNION SELECT message_en FROM meta_finding"
    )
    assert any("mười" in m for m in messages)  # the quarantined file's finding, with the text of its bad cell
    assert leaks(release_text, messages) == {}
    cells = internal(guarded_deployment, "SELECT DISTINCT sheet || '!' || cell FROM meta_finding WHERE cell <> ''")
    assert leaks(release_text, cells) == {}


def test_nothing_of_the_raw_archive_reaches_the_release(guarded_deployment: Path, release_text: dict[str, str]) -> None:
    raw = guarded_deployment / "data" / "raw"
    objects = [p for folder in ("objects", "restricted") for p in (raw / folder).rglob("*") if p.is_file()]
    shas = {p.stem for p in objects}
    assert len(shas) > 20 and shas == internal(guarded_deployment, "SELECT sha256 FROM meta_file")
    assert leaks(release_text, shas | {s[:16] for s in shas}) == {}  # no object name, not even shortened

    [release] = [p for p in (guarded_deployment / "releases").iterdir() if p.is_dir()]
    copied = {hashlib.sha256(p.read_bytes()).hexdigest() for p in release.rglob("*") if p.is_file()} & shas
    assert copied == set()  # no delivered file is republished as it came

    names = internal(guarded_deployment, "SELECT original_name FROM meta_file WHERE status <> 'loaded'")
    assert {QUARANTINED_NAME, PERSON_LIST_NAME} <= names
    paths = internal(guarded_deployment, "SELECT landing_path FROM meta_file")
    assert leaks(release_text, names | {Path(n).stem for n in names} | paths) == {}
    assert leaks(release_text, set(PERSONAL_VALUES)) == {}
