"""Writing files so that a reader (or a killed run) only ever sees the old file or the complete new one:
write beside the target, then rename over it."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path


def atomic_write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def atomic_copy(src: Path, dst: Path, *, overwrite: bool = False, read_only: bool = False) -> None:
    """Copy ``src`` to ``dst``; an existing ``dst`` is kept unless ``overwrite``."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    if dst.exists() and not overwrite:
        return
    fd, tmp = tempfile.mkstemp(dir=dst.parent, prefix=".tmp-")
    os.close(fd)
    shutil.copyfile(src, tmp)
    if read_only:
        os.chmod(tmp, 0o444)
    os.replace(tmp, dst)


def file_state(path: Path) -> list[int]:
    """(size, mtime in ns, inode): changes whenever the file is rewritten or replaced, without reading it."""
    st = path.stat()
    return [st.st_size, st.st_mtime_ns, st.st_ino]
