"""A cached read is read again when it is not whole (issue #17); issue #28 made the check three small reads of the
file's ends instead of parsing its footer with pyarrow."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from sources.archive.integrity import parquet_footer_ok


def cached_read(tmp_path: Path) -> Path:
    path = tmp_path / "read.parquet"
    pl.DataFrame({"area_code": [f"{i:05d}" for i in range(2000)], "value": range(2000)}).write_parquet(path)
    return path


def test_a_whole_cached_read_passes(tmp_path: Path) -> None:
    assert parquet_footer_ok(cached_read(tmp_path))


def test_a_truncated_missing_or_foreign_file_does_not(tmp_path: Path) -> None:
    whole = cached_read(tmp_path)
    size = whole.stat().st_size
    for cut in (size // 2, size - 1, size - 8, 11, 0):
        part = tmp_path / f"cut-{cut}.parquet"
        part.write_bytes(whole.read_bytes()[:cut])
        assert not parquet_footer_ok(part), cut
    assert not parquet_footer_ok(tmp_path / "absent.parquet")
    footer_too_long = tmp_path / "long.parquet"
    data = bytearray(whole.read_bytes())
    data[-8:-4] = (size).to_bytes(4, "little")  # a footer longer than the file: its start was lost
    footer_too_long.write_bytes(bytes(data))
    assert not parquet_footer_ok(footer_too_long)
    text = tmp_path / "text.parquet"
    text.write_text("PAR1 not a parquet file, though it ends like one PAR1")
    assert not parquet_footer_ok(text)
