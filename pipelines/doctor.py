"""``xhs doctor``: check every archived object and every state record, say what is wrong in Vietnamese and
English, and with ``--repair`` mend what can be mended (issue #17).

Exit status: 0 all is well (with ``--repair``: all that was found has been mended); 1 something is wrong."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

from assets.settings import XhsSettings
from runtime.files import READ_ONLY_FILE
from sources.archive.integrity import parquet_problem, store_problem
from sources.archive.landing import ChangedSinceListing, LandingRefused, open_file
from sources.archive.raw import RawArchive, sha256_of
from sources.archive.repair import Mended, archived_objects, mend_stores, set_aside_object
from sources.archive.state import StateStore


def find_problems(settings: XhsSettings) -> list[Mended]:
    """Everything wrong with the archive, the state store, the cached reads and the published warehouse."""
    paths = settings.paths()
    archive = RawArchive(paths.raw)
    found = []
    for path in (archive.manifest, paths.state):
        problem = store_problem(path)
        if problem:
            found.append(Mended(path, f"damaged database: {problem}", f"cơ sở dữ liệu bị hỏng: {problem}"))
    for sha, path in sorted(archived_objects(archive).items()):
        if sha256_of(path) != sha:
            found.append(
                Mended(
                    path,
                    "bytes do not hash to their name (damaged on disk)",
                    "nội dung không khớp mã băm trong tên (hỏng trên đĩa)",
                )
            )
    if not store_problem(archive.manifest):
        stored = archived_objects(archive)
        for obj in archive.all():
            if obj.sha256 not in stored:
                found.append(
                    Mended(
                        archive.object_path(obj.sha256, obj.suffix),
                        f"archived bytes missing ({obj.name}): deliver the file again",
                        f"thiếu tệp lưu trữ ({obj.name}): hãy nộp lại tệp",
                    )
                )
    for path in sorted([*(paths.staging / "files").glob("*.parquet"), *paths.staging.glob("stg_*/*.parquet")]):
        problem = parquet_problem(path)
        if problem:
            found.append(
                Mended(
                    path,
                    f"cached read damaged ({problem}): it is read again from the archive",
                    f"bản đọc lưu tạm bị hỏng ({problem}): sẽ đọc lại từ kho lưu trữ",
                )
            )
    for path in sorted(p for folder in (paths.data, paths.warehouse.parent) for p in folder.rglob(".tmp-*")):
        found.append(Mended(path, "left by a write that did not complete", "còn sót lại từ một lần ghi không xong"))
    if paths.warehouse.exists():
        try:
            with duckdb.connect(str(paths.warehouse), read_only=True) as con:
                con.execute("SELECT count(*) FROM meta_file").fetchall()
        except duckdb.Error as exc:
            found.append(
                Mended(
                    paths.warehouse,
                    f"the published warehouse does not open: {exc}; `xhs rollback`",
                    f"không mở được kho dữ liệu đã công bố: {exc}; hãy chạy `xhs rollback`",
                )
            )
    return found


def repair(settings: XhsSettings, found: list[Mended]) -> list[Mended]:
    """Mend what can be: damaged stores set aside and rebuilt, damaged objects set aside (copied again from the
    landing folder by the next run), damaged cached reads and temporary files removed (they are derived)."""
    paths = settings.paths()
    archive = RawArchive(paths.raw)
    done = [m for m in found if m.path in (archive.manifest, paths.state)]
    done = mend_stores(archive, StateStore(paths.state), paths.warehouse) if done else []
    for m in found:
        if not m.path.exists():
            continue
        if m.path.parent.parent == archive.objects or m.path.parent == paths.raw / "restricted":
            aside = set_aside_object(archive, m.path)
            done.append(Mended(m.path, f"moved to {aside}", f"đã chuyển sang {aside}"))
            if copy_again_from_landing(archive, paths.landing, m.path):
                done.append(
                    Mended(m.path, "copied again from the landing folder", "đã sao chép lại từ thư mục tiếp nhận")
                )
        elif m.path.suffix == ".parquet" or m.path.name.startswith(".tmp-"):
            m.path.unlink()
            done.append(
                Mended(
                    m.path,
                    "removed (derived: made again by the next run)",
                    "đã xoá (dữ liệu dẫn xuất: lần chạy sau tạo lại)",
                )
            )
    return done


def copy_again_from_landing(archive: RawArchive, landing: Path, damaged: Path) -> bool:
    """Put the bytes of a damaged object back from a delivery still in the landing folder, if one hashes right.
    The delivery is opened as the archive opens it (no link followed, no special file read: ``open_file``), and
    copied only if its bytes hash right before and while they are copied."""
    sha = damaged.name.split(".")[0]
    if store_problem(archive.manifest):
        return False
    for obj in archive.all():
        if obj.sha256 != sha:
            continue
        for d in obj.deliveries:
            try:
                with open_file(landing, d.landing_path) as opened:
                    if opened.sha256() != sha:
                        continue
                    opened.copy_to(archive.object_path(sha, obj.suffix), sha, READ_ONLY_FILE)
                    return True
            except (LandingRefused, ChangedSinceListing, FileNotFoundError, NotADirectoryError):
                continue
    return False


def doctor_command(settings: XhsSettings, mend: bool) -> int:
    from pipelines.up_to_date import forget_last_run

    found = find_problems(settings)
    for m in found:
        print(f"problem / vấn đề: {m.line()}")
    if not found:
        print("xhs doctor: all is well / mọi thứ đều ổn")
        return 0
    forget_last_run(settings.paths())  # the next xhs run must not take "nothing new" for granted
    if not mend:
        print(
            f"xhs doctor: {len(found)} problem(s) found / phát hiện {len(found)} vấn đề; "
            "`xhs doctor --repair` mends them / sửa bằng `xhs doctor --repair`",
            file=sys.stderr,
        )
        return 1
    for m in repair(settings, found):
        print(f"mended / đã sửa: {m.line()}")
    left = find_problems(settings)
    for m in left:
        print(f"still wrong / vẫn còn lỗi: {m.line()}", file=sys.stderr)
    return 1 if left else 0
