"""``stg_<source>`` kept as one Parquet part per province (issue #28): a new file rewrites its province's part and
no other, the parts together are exactly the values of the files loaded, and the table's digest follows them."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest

from expectations.files import check_together
from sources.archive.raw import RawArchive
from sources.archive.state import StagedFile, StateStore
from sources.staging.stager import (
    NO_PROVINCE_PART,
    Stager,
    build_staging_table,
    staging_part,
    staging_parts,
    staging_table_digest,
)

BAC_KAN = ["civil_id/CA_BacKan_ket_qua_cap_CCCD_2022.xlsx", "civil_id/CCCD_DDDT_BacKan_2023.xlsx"]
BEN_TRE = ["civil_id/CA_BenTre_ket_qua_cap_CCCD_2020.xlsx"]
LATER_BAC_KAN = "civil_id/CCCD_DDDT_BacKan_2020.xlsx"


@pytest.fixture
def deployment(sample_files: Path, tmp_path: Path) -> tuple[Path, RawArchive, StateStore]:
    return tmp_path, RawArchive(tmp_path / "raw"), StateStore(tmp_path / "state.sqlite")


def stage(samples: Path, root: Path, archive: RawArchive, state: StateStore, names: list[str]) -> list[StagedFile]:
    """Deliver ``names`` (added to what was delivered before) and stage every archived file."""
    for name in names:
        (root / "landing" / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(samples / name, root / "landing" / name)
    archive.ingest(root / "landing")
    stager = Stager(archive, state, root / "staging", check_together)
    return [stager.stage(o) for o in archive.all()]


def values_of(staged: list[StagedFile]) -> pl.DataFrame:
    return pl.concat([pl.read_parquet(s.values_path) for s in staged if s.ok and s.values_path])


def same_rows(a: pl.DataFrame, b: pl.DataFrame) -> bool:
    return a.sort(a.columns).equals(b.sort(b.columns))


def inodes(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_ino for p in staging_parts(folder)}


def test_a_new_file_rewrites_its_provinces_part_only(
    sample_files: Path, deployment: tuple[Path, RawArchive, StateStore]
) -> None:
    root, archive, state = deployment
    table = root / "staging" / "stg_civil_id"
    earlier = table.with_suffix(".parquet")  # the one-file table of earlier versions
    earlier.parent.mkdir(parents=True)
    earlier.write_bytes(b"PAR1")

    staged = stage(sample_files, root, archive, state, [*BAC_KAN, *BEN_TRE])
    assert all(s.ok for s in staged), [(s.name, s.status) for s in staged]
    provinces = {s.name: s.province_code for s in staged}
    assert len(set(provinces.values())) == 2 and None not in provinces.values()
    build_staging_table(staged, "civil_id", table, state)
    assert not earlier.exists()
    assert set(inodes(table)) == {f"province_{p}.parquet" for p in provinces.values()}
    assert same_rows(pl.read_parquet(staging_parts(table)), values_of(staged))
    # each part holds the rows of its province's files
    for part in staging_parts(table):
        files = set(pl.read_parquet(part)["file_sha256"])
        assert files == {s.sha256 for s in staged if staging_part(s) == part.stem}
    digest = staging_table_digest(table, state)

    before = inodes(table)
    more = stage(sample_files, root, archive, state, [LATER_BAC_KAN])
    build_staging_table(more, "civil_id", table, state)
    after = inodes(table)
    bac_kan = f"province_{provinces[Path(BAC_KAN[0]).name]}.parquet"
    assert after.keys() == before.keys()
    assert {name for name in after if after[name] != before[name]} == {bac_kan}  # Bến Tre's part not written
    assert same_rows(pl.read_parquet(staging_parts(table)), values_of(more))
    assert staging_table_digest(table, state) != digest

    # nothing changed: nothing written, the same digest from the state store
    digest = staging_table_digest(table, state)
    build_staging_table(more, "civil_id", table, state)
    assert inodes(table) == after and staging_table_digest(table, state) == digest

    # a file gone from the source (read again as another department's, say): its rows leave its part, and a part
    # left with no file is removed
    ben_tre = [s for s in more if s.name == Path(BEN_TRE[0]).name]
    build_staging_table([s for s in more if s not in ben_tre], "civil_id", table, state)
    assert set(inodes(table)) == {bac_kan}
    assert same_rows(pl.read_parquet(staging_parts(table)), values_of([s for s in more if s not in ben_tre]))


def test_a_part_changed_outside_the_stager_is_hashed_again_and_rewritten(
    sample_files: Path, deployment: tuple[Path, RawArchive, StateStore]
) -> None:
    root, archive, state = deployment
    table = root / "staging" / "stg_civil_id"
    staged = stage(sample_files, root, archive, state, [*BAC_KAN, *BEN_TRE])
    build_staging_table(staged, "civil_id", table, state)
    digest = staging_table_digest(table, state)
    part = staging_parts(table)[0]
    kept = part.read_bytes()
    part.write_bytes(kept[: len(kept) // 2])  # truncated in place
    assert staging_table_digest(table, state) != digest  # not the digest the state store remembers
    build_staging_table(staged, "civil_id", table, state)  # every part trusted no more: written again
    assert same_rows(pl.read_parquet(staging_parts(table)), values_of(staged))
    assert staging_table_digest(table, state) == digest


def test_a_file_of_no_single_province_goes_to_the_national_part(
    sample_files: Path, deployment: tuple[Path, RawArchive, StateStore]
) -> None:
    root, archive, state = deployment
    table = root / "staging" / "stg_dti"
    staged = stage(sample_files, root, archive, state, ["dti/Bang_xep_hang_DTI_cap_tinh_2021.xlsx"])
    assert [(s.status, s.province_code) for s in staged] == [("loaded", None)]
    build_staging_table(staged, "dti", table, state)
    assert [p.stem for p in staging_parts(table)] == [NO_PROVINCE_PART]
    assert same_rows(pl.read_parquet(staging_parts(table)), values_of(staged))
    # no file loaded: no part, and an empty table of the staging schema
    empty = build_staging_table([], "dti", table, state)
    assert staging_parts(table) == [] and empty.collect().height == 0


def test_a_stager_given_its_files_reads_their_outcomes_alone_and_stages_no_other(
    sample_files: Path, deployment: tuple[Path, RawArchive, StateStore]
) -> None:
    root, archive, state = deployment
    staged = stage(sample_files, root, archive, state, [*BAC_KAN, *BEN_TRE])
    mine, other = archive.all()[:2], archive.all()[2]
    stager = Stager(archive, state, root / "staging", check_together, files=[o.sha256 for o in mine])
    assert set(stager.outcomes) == {o.sha256 for o in mine}
    assert [stager.stage(o) for o in mine] == [s for s in staged if s.sha256 in stager.files]
    assert stager.reads == 0  # taken from the cache
    with pytest.raises(ValueError, match="not one of the files"):
        stager.stage(other)
    with pytest.raises(ValueError, match="not one of the files"):
        stager.prefetch([other, *mine])
