"""The landing folder is a trust boundary (DESIGN §8, issue #26): departments write into it, xhs reads it with its
own rights. This module is the one way xhs lists it and opens a file in it.

- **No link is followed.** A symbolic link (to a file or a folder) is refused (``link_refused``) and never opened
  or descended into; so is a regular file with more names (hard links) than it has in the landing folder, since
  one of its names is elsewhere (a file a department could not otherwise make xhs read). Folders are walked
  from the landing root's descriptor, each one opened with ``O_NOFOLLOW`` relative to its parent, so no path
  resolves outside the root. Only the root itself is taken as configured (``XHS_LANDING`` may be a link).
- **No special file is read.** A FIFO, socket or device is refused (``not_a_file``).
- **A file is opened as it was listed.** ``open_file`` opens with ``O_NOFOLLOW | O_NONBLOCK`` and checks the
  descriptor's ``fstat``: a link or special file swapped in after the listing is refused; another file put in
  its place (a new upload renamed over it) is left for the next run.
- **Names.** A name with a control character (newline, tab, …), a bidirectional-text control, a ``\\`` or
  bytes that are not UTF-8, or longer than 255 bytes, is refused (``name_refused``); no path under ``data/`` is
  built from it. Findings show a name with such characters escaped (``\\n``), never a link's target or content.
- **Uploads settle.** A file whose inode changed (written, truncated, renamed, touched: its ``ctime``, which an
  uploader cannot set) within the last ``XHS_SETTLE_SECONDS`` is still being uploaded: listed apart, not read.
  Upload temporaries (``*.part``, ``*.filepart``, ``*.tmp``, ``.~lock.*``, ``~$*``) and hidden names are ignored
  (a hidden folder is not descended into).
- **What xhs may not read** (a file or folder its account has no permission for) is a finding too
  (``unreadable``), not an error that stops the run; so is a folder nested deeper than ``MAX_DEPTH`` levels.
- **Copied whole or not at all.** ``OpenedFile.copy_to`` copies while hashing the bytes it copies and compares
  them with the hash taken before (hash, copy, hash again), and checks the file's ``fstat`` did not change: a
  file changing while it is archived is not archived half."""

from __future__ import annotations

import errno
import fnmatch
import hashlib
import os
import re
import stat
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from runtime.files import atomic_write

SETTLE_ENV = "XHS_SETTLE_SECONDS"
DEFAULT_SETTLE_SECONDS = 60.0
TEMPORARY = ("*.part", "*.filepart", "*.tmp", ".~lock.*", "~$*")
NAME_MAX_BYTES = 255
MAX_DEPTH = 16  # folders below the landing root: telecom/2024/quy_2 is 3
LINK_REFUSED, NOT_A_FILE, NAME_REFUSED, UNREADABLE = "link_refused", "not_a_file", "name_refused", "unreadable"
REFUSAL_RULES = (LINK_REFUSED, NOT_A_FILE, NAME_REFUSED, UNREADABLE)
ACCEPTED_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".csv"}
_BIDI_CONTROLS = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C)}
_NOT_INSIDE = ("không phải đường dẫn trong thư mục tiếp nhận", "not a path inside the landing folder")
_TOO_DEEP = (f"thư mục lồng quá {MAX_DEPTH} cấp", f"folders nested deeper than {MAX_DEPTH} levels")
_CHUNK = 1 << 20
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC


@dataclass(frozen=True)
class LandingFile:
    """A regular file in the landing folder as listed (``lstat``): what ``open_file`` expects to find there."""

    path: str  # relative to the landing folder, "/"-separated
    size: int
    mtime_ns: int
    ctime_ns: int
    dev: int
    ino: int
    nlink: int

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Refusal:
    """Something in the landing folder xhs will not open, as one finding: where it is (``path``, escaped), the
    rule, what it is (``kind``), and ``identity``: a new link or file under the same name is a new refusal."""

    path: str
    rule: str
    kind: str
    identity: str
    message_vi: str
    message_en: str


@dataclass
class Listing:
    files: list[LandingFile] = field(default_factory=list)  # settled deliveries: these are read
    unsettled: list[LandingFile] = field(default_factory=list)  # deliveries still changing: read later
    refused: list[Refusal] = field(default_factory=list)


class LandingRefused(Exception):
    """A file turned into a link or a special file between the listing and the open."""

    def __init__(self, refusal: Refusal):
        super().__init__(refusal.message_en)
        self.refusal = refusal


class ChangedSinceListing(Exception):
    """The file was replaced or changed since it was listed (or while it was being copied): read it next time."""


def settle_seconds_from_env(default: float = DEFAULT_SETTLE_SECONDS) -> float:
    """``XHS_SETTLE_SECONDS`` (a number of seconds, 0 or more), else ``default``; a ``ValueError`` (bilingual)
    for anything else."""
    raw = os.environ.get(SETTLE_ENV, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value >= 0 or value == float("inf"):
        raise ValueError(
            f"{SETTLE_ENV}={raw!r}: give a number of seconds, 0 or more / {SETTLE_ENV} phải là số giây (0 trở lên)"
        )
    return value


# Compiled once: a landing folder of 17,000 files is listed several times per run (issue #28: the per-name
# pattern and character loops were 1.4 s of one new file at XL)
_TEMPORARY = re.compile("|".join(fnmatch.translate(pattern) for pattern in TEMPORARY))
_UNDECODABLE = re.compile("[\udc80-\udcff]")  # the bytes of a name that is not UTF-8 (surrogateescape)
# category Cc (U+0000–U+001F, U+007F–U+009F) and the bidirectional controls
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f" + "".join(sorted(_BIDI_CONTROLS)) + "]")


def is_temporary(name: str) -> bool:
    """An upload still in progress under a temporary name (WinSCP, browsers, office lock files)."""
    return _TEMPORARY.match(name.lower()) is not None


def is_delivery(name: str) -> bool:
    """Whether a regular file of this name is a delivery: not hidden, not an upload temporary, of an accepted
    type."""
    return (
        not name.startswith(".") and not is_temporary(name) and os.path.splitext(name)[1].lower() in ACCEPTED_SUFFIXES
    )


def name_problem(name: str) -> tuple[str, str] | None:
    """Why a landing name is refused, (Vietnamese, English), or None when it is fine."""
    if _UNDECODABLE.search(name):
        return "tên không phải UTF-8", "the name is not UTF-8"
    if _CONTROL.search(name):
        return "tên có ký tự điều khiển (xuống dòng, tab…)", "the name holds a control character (newline, tab…)"
    if "\\" in name:
        return "tên có dấu \\ (dấu phân cách thư mục của Windows)", "the name holds a \\ (Windows' folder separator)"
    if len(name.encode("utf-8", "surrogateescape")) > NAME_MAX_BYTES:
        return f"tên dài quá {NAME_MAX_BYTES} byte", f"the name is longer than {NAME_MAX_BYTES} bytes"
    return None


def shown(path: str, limit: int = 160) -> str:
    """A landing path as findings and reports show it: control characters and bytes that are not UTF-8 escaped
    (``\\n``, ``\\x1b``), cut at ``limit`` characters."""
    out = []
    for ch in path:
        if "\udc80" <= ch <= "\udcff":
            out.append(f"\\x{ord(ch) - 0xDC00:02x}")
        elif ch in "\n\r\t":
            out.append({"\n": "\\n", "\r": "\\r", "\t": "\\t"}[ch])
        elif _CONTROL.match(ch):
            out.append(f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    text = "".join(out)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "symbolic link"
    if stat.S_ISFIFO(mode):
        return "FIFO"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    if stat.S_ISDIR(mode):
        return "folder"
    return "special file"


def _identity(st: os.stat_result | None) -> str:
    return f"{st.st_ino}:{st.st_mtime_ns}" if st is not None else ""


def refusal(path: str, rule: str, kind: str, identity: str = "", why: tuple[str, str] = ("", "")) -> Refusal:
    """The finding for ``path``: never a link's target, never a byte of content."""
    where = shown(path)
    if rule == NAME_REFUSED and why == _TOO_DEEP:
        vi = f"{where}: {why[0]}; xhs không đọc bên trong. Hãy đặt tệp ở thư mục gần gốc hơn."
        en = f"{where}: {why[1]}; xhs does not read inside. Put the files in a folder nearer the top."
    elif rule == NAME_REFUSED:
        vi = f"{where}: {why[0]}; xhs không đọc tệp này. Hãy đổi tên (chữ, số, dấu cách, - _ .) và gửi lại."
        en = f"{where}: {why[1]}; xhs does not read it. Rename it (letters, digits, spaces, - _ .) and send it again."
    elif rule == LINK_REFUSED and kind == "hard link":
        vi = (
            f"{where}: tệp có thêm tên (liên kết cứng) ở ngoài thư mục tiếp nhận; xhs không đọc. "
            "Hãy gửi một bản sao của tệp."
        )
        en = (
            f"{where}: the file has another name (a hard link) outside the landing folder; xhs does not read it. "
            "Send a copy of the file."
        )
    elif rule == LINK_REFUSED:
        vi = f"{where}: đây là liên kết, không phải tệp; xhs không đi theo liên kết. Hãy gửi chính tệp."
        en = f"{where}: this is a link, not a file; xhs does not follow links. Send the file itself."
    elif rule == NOT_A_FILE:
        vi = f"{where}: đây không phải tệp thông thường ({kind}); xhs không đọc. Hãy gửi tệp bảng tính."
        en = f"{where}: this is not a regular file ({kind}); xhs does not read it. Send the spreadsheet file."
    else:
        vi = f"{where}: tài khoản chạy xhs không có quyền đọc ({kind}). Quản trị viên cần cho nhóm của xhs quyền đọc."
        en = (
            f"{where}: the account running xhs may not read it ({kind}). The administrator gives xhs's group "
            "read access."
        )
    return Refusal(where, rule, kind, identity, vi, en)


def list_landing(landing: Path, settle_seconds: float = 0.0, now: float | None = None) -> Listing:
    """Everything in ``landing``: the deliveries to read (settled), those still being uploaded, and what is
    refused. Nothing is opened but folders, and those without following a link. ``now``: the time the settling
    is measured at (default: the current time)."""
    listing = Listing()
    try:
        root = os.open(landing, _DIR_FLAGS)
    except (FileNotFoundError, NotADirectoryError):
        return listing
    regular: list[tuple[LandingFile, bool]] = []
    try:
        _walk(root, "", regular, listing.refused)
    finally:
        os.close(root)
    names = Counter((f.dev, f.ino) for f, _ in regular)
    now_ns = time.time_ns() if now is None else int(now * 1e9)
    settle_ns = int(settle_seconds * 1e9)
    for f, delivery in regular:
        if not delivery:
            continue
        if f.nlink > names[(f.dev, f.ino)]:  # another name of these bytes is outside what xhs reads
            listing.refused.append(refusal(f.path, LINK_REFUSED, "hard link", f"{f.ino}:{f.mtime_ns}"))
        elif now_ns - f.ctime_ns < settle_ns:
            listing.unsettled.append(f)
        else:
            listing.files.append(f)
    listing.refused.sort(key=lambda r: r.path)
    return listing


def _walk(folder: int, prefix: str, regular: list[tuple[LandingFile, bool]], refused: list[Refusal]) -> None:
    with os.scandir(folder) as it:
        entries = sorted(it, key=lambda e: e.name)
    for entry in entries:
        name = entry.name
        if name.startswith(".") or is_temporary(name):  # hidden, or an upload in progress: not looked at
            continue
        path = prefix + name
        try:
            st = entry.stat(follow_symlinks=False)
        except FileNotFoundError:  # gone since the folder was read
            continue
        problem = name_problem(name)
        if problem is not None:
            refused.append(refusal(path, NAME_REFUSED, "name", _identity(st), problem))
        elif stat.S_ISLNK(st.st_mode):
            refused.append(refusal(path, LINK_REFUSED, "symbolic link", _identity(st)))
        elif stat.S_ISDIR(st.st_mode):
            _descend(folder, name, path, st, regular, refused)
        elif stat.S_ISREG(st.st_mode):
            f = LandingFile(path, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_dev, st.st_ino, st.st_nlink)
            regular.append((f, is_delivery(name)))
        else:
            refused.append(refusal(path, NOT_A_FILE, _kind(st.st_mode), _identity(st)))


def _descend(
    folder: int,
    name: str,
    path: str,
    st: os.stat_result,
    regular: list[tuple[LandingFile, bool]],
    refused: list[Refusal],
) -> None:
    if path.count("/") + 1 > MAX_DEPTH:  # bounded: a department cannot make the walk run out of stack or files
        refused.append(refusal(path, NAME_REFUSED, "folder", _identity(st), _TOO_DEEP))
        return
    try:
        sub = os.open(name, _DIR_FLAGS | os.O_NOFOLLOW, dir_fd=folder)
    except FileNotFoundError:
        return
    except PermissionError:
        refused.append(refusal(path, UNREADABLE, "folder", _identity(st)))
        return
    except OSError as exc:
        if exc.errno not in (errno.ELOOP, errno.ENOTDIR):
            raise
        refused.append(refusal(path, LINK_REFUSED, "symbolic link", _identity(st)))  # swapped for a link
        return
    try:
        _walk(sub, path + "/", regular, refused)
    except PermissionError:  # opened, but may not be listed (mode --x)
        refused.append(refusal(path, UNREADABLE, "folder", _identity(st)))
    finally:
        os.close(sub)


class OpenedFile:
    """A landing file opened by ``open_file``: its bytes read from the descriptor, never by name again."""

    def __init__(self, fd: int, path: str, st: os.stat_result):
        self.fd, self.path, self.stat = fd, path, st

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    def chunks(self) -> Iterator[bytes]:
        offset = 0
        while chunk := os.pread(self.fd, _CHUNK, offset):
            offset += len(chunk)
            yield chunk

    def sha256(self) -> str:
        h = hashlib.sha256()
        for chunk in self.chunks():
            h.update(chunk)
        return h.hexdigest()

    def unchanged(self) -> bool:
        """The file is as it was opened: same size, modification and change times."""
        now = os.fstat(self.fd)
        return (now.st_size, now.st_mtime_ns, now.st_ctime_ns) == (
            self.stat.st_size,
            self.stat.st_mtime_ns,
            self.stat.st_ctime_ns,
        )

    def copy_to(self, target: Path, sha256: str, mode: int) -> None:
        """Copy the bytes to ``target`` (atomically, flushed to disk) if they still hash to ``sha256`` and the
        file did not change meanwhile; else ``ChangedSinceListing`` and ``target`` is left as it was."""

        def write(tmp: Path) -> None:
            h = hashlib.sha256()
            with tmp.open("wb") as out:
                for chunk in self.chunks():
                    h.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            if h.hexdigest() != sha256 or not self.unchanged():
                raise ChangedSinceListing(f"{shown(self.path)} changed while it was being copied")

        atomic_write(target, write, mode)


@contextmanager
def open_file(landing: Path, path: str, expected: LandingFile | None = None) -> Iterator[OpenedFile]:
    """Open ``landing/path`` for reading without following a link anywhere below the root. Raises
    ``LandingRefused`` for a link, a special file, a refused name or a file xhs may not read,
    ``ChangedSinceListing`` when it is no longer the file ``expected`` (another inode, size or time), and
    ``FileNotFoundError`` when it is gone."""
    parts = path.split("/")
    for part in parts:
        if part in {"", ".", ".."}:
            raise LandingRefused(refusal(path, NAME_REFUSED, "name", "", _NOT_INSIDE))
        if (problem := name_problem(part)) is not None:
            raise LandingRefused(refusal(path, NAME_REFUSED, "name", "", problem))
    fds = [os.open(landing, _DIR_FLAGS)]
    try:
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            try:
                fds.append(os.open(part, _FILE_FLAGS if last else _DIR_FLAGS | os.O_NOFOLLOW, dir_fd=fds[-1]))
            except PermissionError:
                raise LandingRefused(refusal(path, UNREADABLE, "file" if last else "folder")) from None
            except OSError as exc:
                if exc.errno not in (errno.ELOOP, errno.ENOTDIR):
                    raise
                raise LandingRefused(refusal("/".join(parts[: i + 1]), LINK_REFUSED, "symbolic link")) from None
        st = os.fstat(fds[-1])
        if not stat.S_ISREG(st.st_mode):
            raise LandingRefused(refusal(path, NOT_A_FILE, _kind(st.st_mode), _identity(st)))
        if expected is not None:
            listed = (expected.dev, expected.ino, expected.nlink, expected.size, expected.mtime_ns)
            if (st.st_dev, st.st_ino, st.st_nlink, st.st_size, st.st_mtime_ns) != listed:
                raise ChangedSinceListing(f"{shown(path)} is not the file listed a moment ago")
        yield OpenedFile(fds[-1], path, st)
    finally:
        for fd in reversed(fds):
            os.close(fd)
