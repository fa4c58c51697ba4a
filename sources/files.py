"""Writing files so that a reader (or a killed run) only ever sees the old file or the complete new one:
write beside the target, then rename over it. A write that fails (a full disk) removes its temporary file, and
a full or failing disk is reported as a ``DiskError`` naming the path (``sources/disk.py``)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from sources.disk import writing


def atomic_write(path: Path, write: Callable[[Path], object]) -> None:
    """``write(tmp)`` into a temporary file beside ``path``, then rename it onto ``path``; on any failure the
    temporary file is removed and ``path`` is left as it was."""
    with writing(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        os.close(fd)
        tmp = Path(name)
        try:
            write(tmp)
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def atomic_copy(src: Path, dst: Path, *, overwrite: bool = False, read_only: bool = False) -> None:
    """Copy ``src`` to ``dst``; an existing ``dst`` is kept unless ``overwrite``. The bytes are flushed to the
    disk before the rename, so ``dst`` never names half of them."""
    if dst.exists() and not overwrite:
        return

    def copy(tmp: Path) -> None:
        shutil.copyfile(src, tmp)
        with tmp.open("rb+") as f:
            os.fsync(f.fileno())
        if read_only:
            os.chmod(tmp, 0o444)

    atomic_write(dst, copy)


def file_state(path: Path) -> list[int]:
    """(size, mtime in ns, inode): changes whenever the file is rewritten or replaced, without reading it."""
    st = path.stat()
    return [st.st_size, st.st_mtime_ns, st.st_ino]
