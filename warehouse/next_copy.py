"""The copy of the publication the next incremental build starts from, made ahead (issue #28).

An incremental build changes a copy of the published file, never the file itself (analysts read it). Copying
the 400 MB file of size XL in the build, and having the build's checkpoint wait for the disk to take those bytes,
was 0.5 s of one new file there. The copy is now made after a publication, while the run waits on its lake
(``lake_and_data_docs``), and the next build takes it instead of copying, when it is provably a copy of the
publication still in place:

- the publication is named in a note beside the copy (``<work>.next.json``), with the published file's device,
  inode, size and modification time: a publication is never written in place (``warehouse.publish``), so the
  same file means the same bytes; a rollback or a new publication is another file;
- the copy's own inode, size and modification time are in the note too, and are checked after the copy is moved
  to the work path: a copy made again meanwhile (another run) is another inode;
- the machine's boot id is in the note: the copy's way to the disk is started (``start_writeback``) but not
  waited for (that wait is the cost it saves), so after a crash or a power cut, which are a new boot, it is not
  trusted; a process that stops or is killed loses nothing that the kernel has not written yet.

Anything that does not match means the build copies the published file, as before. The copy costs disk space:
one more file of the warehouse's size beside the work database (``docs/operations.md``).

Under ``xhs run`` the copy is made in a thread of its own while the run's last steps go on, and the command waits
for it at its end (``made_while_the_run_ends``): the lake's step no longer waits for it. At size XL the 415 MB copy
took 0.2-2.9 s on the test machine's disk, by the disk's state; at 2.3 s it was longer than the lake (1.6 s) and the
Data Docs (1.4 s) it was made beside (BENCHMARKS.md, fifteenth round). A step run in a process of its own
(``XHS_EXECUTOR=multiprocess``), or a run launched by the UI's daemon, makes it and waits for it as before.
"""

from __future__ import annotations

import ctypes
import json
import os
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from runtime.disk import writing
from runtime.files import PRIVATE_FILE, atomic_write_text
from runtime.stopping import StopRequested, check_stop
from warehouse.publish import current_version

BOOT_ID = Path("/proc/sys/kernel/random/boot_id")
SYNC_FILE_RANGE_WRITE = 2  # <linux/fs.h>: start writing the dirty pages of the range, do not wait
COPY_CHUNK = 64 << 20  # bytes copied at a time: a stop asked for is seen between them


def next_copy(work: Path) -> Path:
    return work.with_name(work.name + ".next")


def note_of(work: Path) -> Path:
    return work.with_name(work.name + ".next.json")


def boot_id() -> str | None:
    """This boot of the machine (Linux); None elsewhere, where no copy is made ahead."""
    try:
        return BOOT_ID.read_text(encoding="ascii").strip() or None
    except OSError:
        return None


def prepare_next_copy(published: Path, work: Path) -> Path | None:
    """Copy the file published at ``published`` for the next build; the copy, or None where it cannot be made
    (no boot id, nothing published). A full or failing disk raises ``DiskError`` (the caller says it and goes
    on: the next build copies the file itself). Two copies for one work path are made one after the other, never
    into one file at once (two ``xhs run`` at once: the copy outlives the lake's step, which one run at a time
    holds): a lock file beside the copy (``.next.lock``, ``flock``), let go however the process ends."""
    boot = boot_id()
    if boot is None:
        return None
    import fcntl  # POSIX; a machine with a boot id is Linux

    lock = work.with_name(work.name + ".next.lock")
    with writing(lock):
        lock.parent.mkdir(parents=True, exist_ok=True)
        held = open(lock, "a")  # noqa: SIM115 (closed below, which lets go of the lock)
    with held:
        fcntl.flock(held, fcntl.LOCK_EX)
        return _copy(published, work, boot)


def _copy(published: Path, work: Path, boot: str) -> Path | None:
    version = current_version(published)
    target, note = next_copy(work), note_of(work)
    if _valid(note, published, target):  # already made for this publication (a run that published nothing new)
        return target
    tmp = target.with_name(target.name + ".tmp")
    note.unlink(missing_ok=True)  # first: the copy being replaced is never taken with the note of the old one
    try:
        with open(published, "rb") as src:
            origin = os.fstat(src.fileno())  # the file copied, whatever is renamed onto the path meanwhile
            with writing(tmp):
                tmp.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
                try:
                    offset = 0
                    while offset < origin.st_size:  # in the kernel, as shutil.copyfile does (Linux only here)
                        check_stop("copying the publication for the next build")  # a stopped run makes no copy
                        sent = os.sendfile(fd, src.fileno(), offset, min(COPY_CHUNK, origin.st_size - offset))
                        if not sent:
                            break
                        offset += sent
                    start_writeback(fd)
                finally:
                    os.close(fd)
    except FileNotFoundError:  # nothing published yet
        tmp.unlink(missing_ok=True)
        return None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    with writing(target):
        os.replace(tmp, target)
        copied = target.stat()
        atomic_write_text(
            note,
            json.dumps(
                {
                    "boot_id": boot,
                    "version": version,
                    "published": _identity(origin, with_device=True),
                    "copy": _identity(copied),
                }
            ),
        )
    return target


def start_writeback(fd: int) -> None:
    """Ask Linux to start writing the file's pages to the disk now, without waiting for them
    (``sync_file_range(SYNC_FILE_RANGE_WRITE)``; glibc and musl have it, Python's ``os`` does not). Left to the
    kernel, the copy's 400 MB at size XL stayed in memory for up to 30 s, and a build that started within them
    waited for the disk to take them at its first checkpoint (0.2-0.3 s): the cost the copy made ahead is there
    to save. The copy stays in the page cache. Where the call is missing, nothing is asked."""
    call = getattr(_libc(), "sync_file_range", None)
    if call is not None:
        call.argtypes = [ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint]
        call(fd, 0, 0, SYNC_FILE_RANGE_WRITE)  # a hint: its result changes nothing the copy guarantees


@cache
def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


@dataclass
class _Waiting:
    """The copies a command in this process waits for at its end, made one after the other by its own thread, each
    with the work path it is for."""

    pid: int
    maker: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(1, "xhs-next-copy"))
    copies: list[tuple[Path, Future[Path | None]]] = field(default_factory=list)


_WAITING: list[_Waiting] = []


@contextmanager
def made_while_the_run_ends() -> Iterator[list[str]]:
    """Around ``xhs run``'s run in this process: inside, ``copy_in_background`` makes the next build's copy in a
    thread of its own and returns at once; leaving waits for every copy started, and the list yielded then holds one
    line, in English and Vietnamese, for each copy an ``OSError`` prevented, a full or failing disk say (the next
    build copies the publication itself, as before). A copy ended by a stop is not one: the stop is reported. Any
    other error of a copy is raised here."""
    waiting = _Waiting(os.getpid())
    _WAITING.append(waiting)
    unmade: list[str] = []
    try:
        yield unmade
    finally:
        _WAITING.remove(waiting)
        waiting.maker.shutdown(wait=True)
    for _, copy in waiting.copies:
        error = copy.exception()
        if isinstance(error, OSError):
            unmade.append(
                f"no copy of the publication made for the next build, which copies it itself / chưa tạo sẵn bản "
                f"sao cho lần xây dựng sau, lần đó sẽ tự sao chép: {error}"
            )
        elif error is not None and not isinstance(error, StopRequested):
            raise error


def copy_in_background(published: Path, work: Path) -> bool:
    """Start ``prepare_next_copy`` in a thread that the command waits for at its end (``made_while_the_run_ends``);
    False, with nothing started, where no command in this process waits (the caller then makes the copy itself)."""
    waiting = next((w for w in _WAITING if w.pid == os.getpid()), None)
    if waiting is None:
        return False
    waiting.copies.append((work.absolute(), waiting.maker.submit(prepare_next_copy, published, work)))
    return True


def _copy_under_way(work: Path) -> None:
    """A build that starts waits for a copy to its work path still being made in this process; an error of that
    copy stays for the command to say (``made_while_the_run_ends``)."""
    key = work.absolute()
    wait([copy for waiting in _WAITING for path, copy in waiting.copies if path == key])


def take_next_copy(published: Path, work: Path) -> bool:
    """Move the copy made ahead to ``work`` when it is a copy of the file now published at ``published``
    (see the module's notes); False, with nothing at ``work``, when there is none to take."""
    _copy_under_way(work)
    note, target = note_of(work), next_copy(work)
    saved = _valid(note, published)
    if saved is None:
        return False
    try:
        os.replace(target, work)
    except FileNotFoundError:  # taken by another build, or never made
        return False
    note.unlink(missing_ok=True)
    if _identity(work.stat()) != saved.get("copy"):  # made again after the note was read: not the one described
        work.unlink()
        return False
    return True


def _valid(note: Path, published: Path, copy: Path | None = None) -> dict | None:
    """The note, when it describes a copy of the file now published on this boot (and, given ``copy``, that file
    is the copy it describes); else None."""
    try:
        saved = json.loads(note.read_text(encoding="utf-8"))
        now = published.stat()
        copied = copy.stat() if copy is not None else None
    except (OSError, ValueError):
        return None
    if (
        not isinstance(saved, dict)
        or saved.get("boot_id") != boot_id()
        or saved.get("version") != current_version(published)
        or saved.get("published") != _identity(now, with_device=True)
        or (copied is not None and saved.get("copy") != _identity(copied))
    ):
        return None
    return saved


def discard_next_copy(work: Path) -> None:
    """Remove the copy made ahead (a full build does not start from the publication)."""
    _copy_under_way(work)
    note_of(work).unlink(missing_ok=True)
    next_copy(work).unlink(missing_ok=True)


def _identity(st: os.stat_result, with_device: bool = False) -> list[int]:
    return [*([st.st_dev] if with_device else []), st.st_ino, st.st_size, st.st_mtime_ns]
