"""Writing files so that a reader (or a killed run) only ever sees the old file or the complete new one:
write beside the target, then rename over it. A write that fails (a full disk) removes its temporary file, and
a full or failing disk is reported as a ``DiskError`` naming the path (``runtime/disk.py``).

File modes (issue #19). Everything xhs writes is private to its account and group: the process umask is
``PRIVATE_UMASK`` (set once, at every entry point: the ``xhs`` command and the Dagster code location), so
folders are 0750 and files 0640. ``tempfile`` ignores the umask (0600 files, 0700 folders) and a copy does not
inherit the umask either, so the writers here set the mode explicitly before the rename. Exceptions: archived
objects are read-only (0440), the restricted quarantine is 0700/0400 (``sources.archive.raw``), the published
warehouse has its own documented mode (``XHS_WAREHOUSE_MODE``), and open-data releases are public
(0755/0644, ``warehouse.release``)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from runtime.disk import writing

PRIVATE_UMASK = 0o027  # group may read, others nothing
PRIVATE_DIR, PRIVATE_FILE, READ_ONLY_FILE = 0o750, 0o640, 0o440
PUBLIC_DIR, PUBLIC_FILE = 0o755, 0o644


def restrict_umask() -> None:
    """Files and folders created from now on, by this process and its children, are not world-readable."""
    os.umask(PRIVATE_UMASK)


def atomic_write(path: Path, write: Callable[[Path], object], mode: int | None = PRIVATE_FILE) -> None:
    """``write(tmp)`` into a temporary file beside ``path``, give it ``mode`` (None: ``write`` did), then rename it
    onto ``path``; on any failure the temporary file is removed and ``path`` is left as it was."""
    with writing(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        os.close(fd)
        tmp = Path(name)
        try:
            write(tmp)
            if mode is not None:
                os.chmod(tmp, mode)
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise


def atomic_write_text(path: Path, text: str, mode: int = PRIVATE_FILE) -> None:
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"), mode)


def atomic_copy(
    src: Path,
    dst: Path,
    *,
    overwrite: bool = False,
    mode: int = PRIVATE_FILE,
    prepare: Callable[[Path], None] | None = None,
) -> None:
    """Copy ``src`` to ``dst`` with ``mode`` (or what ``prepare`` does to the copy before it is renamed into
    place: a mode and group); an existing ``dst`` is kept unless ``overwrite``. The bytes are flushed to the
    disk before the rename, so ``dst`` never names half of them."""
    if dst.exists() and not overwrite:
        return

    def copy(tmp: Path) -> None:
        shutil.copyfile(src, tmp)
        with tmp.open("rb+") as f:
            os.fsync(f.fileno())

    def copy_and_prepare(tmp: Path) -> None:
        copy(tmp)
        if prepare:
            prepare(tmp)

    atomic_write(dst, copy_and_prepare, None if prepare else mode)  # ``prepare`` sets the mode (and group)


def set_tree_mode(root: Path, dir_mode: int, file_mode: int) -> None:
    """``root`` and everything under it: folders ``dir_mode``, files ``file_mode``."""
    root.chmod(dir_mode)
    for folder, dirs, files in os.walk(root):
        for name in dirs:
            os.chmod(os.path.join(folder, name), dir_mode)
        for name in files:
            os.chmod(os.path.join(folder, name), file_mode)


def file_state(path: Path) -> list[int]:
    """(size, mtime in ns, inode): changes whenever the file is rewritten or replaced, without reading it."""
    st = path.stat()
    return [st.st_size, st.st_mtime_ns, st.st_ino]
