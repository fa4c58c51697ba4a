"""The ``xhs`` command (DESIGN §10)."""

from __future__ import annotations

import argparse
import atexit
import gc
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from assets.paths import SettingError
from pipelines.home import ensure_dagster_home
from runtime import progress
from runtime.files import restrict_umask

if TYPE_CHECKING:
    from sources.archive.landing import Listing

EXIT_UNREADABLE = 2


def _settings(args: argparse.Namespace):
    """The settings resource: the environment, with this command's flags on top (nothing is written back)."""
    from assets.settings import XhsSettings

    return XhsSettings.from_env(
        landing=getattr(args, "landing", None),
        warehouse=getattr(args, "warehouse", None),
        releases=getattr(args, "out", None) if args.command == "publish" else None,
        rebuild=bool(getattr(args, "rebuild", False)),
    )


def cmd_run(args: argparse.Namespace) -> int:
    from expectations import service

    progress.start("xhs run", quiet=args.quiet)
    # Great Expectations imports on the other core from the first moment, while this process checks the landing
    # folder and starts Dagster; a run with nothing new ends it at once (issue #28)
    with service.running():
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    if not (args.source or args.period):  # before anything heavy is imported
        from assets.paths import paths_from_env
        from pipelines.up_to_date import (
            last_run_if_nothing_new,
            say_nothing_new,
            say_still_uploading,
            settled_listing,
        )
        from sources.archive.landing import settle_seconds_from_env

        paths = paths_from_env(landing=args.landing, warehouse=args.warehouse)
        try:
            settle = settle_seconds_from_env()
            listing = settled_listing(paths.landing, settle)  # up to XHS_SETTLE_SECONDS; then skipped
        except ValueError as exc:
            print(f"xhs run: {exc}", file=sys.stderr)
            return EXIT_UNREADABLE
        except KeyboardInterrupt:
            print("xhs run stopped while waiting for uploads / đã dừng khi đang chờ tải lên", file=sys.stderr)
            return 130
        if listing.unsettled:
            say_still_uploading([f.path for f in listing.unsettled], settle)
        saved = None if args.rebuild else last_run_if_nothing_new(paths, listing)
        if saved is not None:
            progress.finish("nothing new")
            say_nothing_new(saved, paths)
            return 0
        # a file still uploading may settle before the run starts: then the run lists the folder again itself
        return _launch(args, None if listing.unsettled else listing)
    return _launch(args)


def _launch(args: argparse.Namespace, listing: Listing | None = None) -> int:
    """``xhs run`` once it has something to do: the run, in this process, then its summary. ``listing``: the
    landing folder as the command listed it (else the run lists it)."""
    from assets.instance import InstanceSettingError, instance_choice, instance_summary
    from pipelines.processes import run_stoppable
    from pipelines.run import FAILED, RerunError, print_outcome, print_stopped, run_pipeline, say_failure
    from runtime.files import file_state

    try:
        home = ensure_dagster_home()
    except InstanceSettingError as exc:
        print(f"xhs run: {exc}", file=sys.stderr)
        return FAILED
    settings = _settings(args)  # a setting that cannot be used (XHS_READ_THREADS) is refused here (main)
    published = settings.paths().warehouse
    before = file_state(published) if published.exists() else None
    finished = run_stoppable(lambda: run_pipeline(settings, home, args.source, args.period, listing))
    progress.finish("stopped" if finished.signal else "finished")
    if finished.signal:
        print_stopped(finished, published, before)
        if finished.forced:  # the worker thread is still inside a step: end the process now
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(finished.exit_code)
        return finished.exit_code
    if isinstance(finished.error, RerunError):
        print(f"xhs run: {finished.error}", file=sys.stderr)
        return FAILED
    if finished.error is not None:  # the CLI's last line of defence: say what failed, exit 2, no traceback
        if not isinstance(finished.error, Exception):
            raise finished.error
        say_failure(finished.error, home)
        return FAILED
    outcome = finished.value
    assert outcome is not None
    if outcome.exit_code != FAILED:
        print_outcome(outcome, settings)
        print(instance_summary(instance_choice(), home))
    return outcome.exit_code


def cmd_samples(args: argparse.Namespace) -> int:
    from sources.archive.landing import list_landing
    from sources.samples import write_samples

    out = Path(args.out or os.environ.get("XHS_LANDING") or "landing")
    listed = list_landing(out) if args.if_empty else None  # as xhs lists it: no link followed
    if listed is not None and (listed.files or listed.unsettled or listed.refused):
        print(f"{out} is not empty: samples not written (landing folder already has files)")
        return 0
    paths = write_samples(out)
    print(f"wrote {len(paths)} sample files into {out}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from expectations import service

    try:
        # Great Expectations imports on the other core while the file is read; no Data Docs are rendered (issue #28)
        with service.running(site=False):
            from pipelines.validate import validate_command

            return validate_command(
                Path(args.file), args.source, args.period, args.json, Path(args.feedback) if args.feedback else None
            )
    except Exception as exc:  # the CLI's last line of defence: say what failed, exit 2, no traceback
        print(
            f"xhs validate could not check the file / không kiểm tra được tệp: {type(exc).__name__}: {exc}",
            file=sys.stderr,
        )
        return EXIT_UNREADABLE


def cmd_rollback(args: argparse.Namespace) -> int:
    from warehouse.publish import list_versions, rollback

    settings = _settings(args)
    published = Path(settings.warehouse)
    if args.list:
        for v in list_versions(published):
            print(v.name)
        return 0
    try:
        restored = rollback(published, args.to, settings.warehouse_access())
    except ValueError as exc:
        print(f"xhs rollback: {exc}", file=sys.stderr)
        return 2
    print(f"{published} is now {restored.name} / đã khôi phục {restored.name}")
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    from pipelines.run import ReleaseFailed, publish_release

    home = ensure_dagster_home()
    settings = _settings(args)
    progress.start("xhs publish", quiet=args.quiet)
    try:
        release = publish_release(settings, home)
    except ReleaseFailed as exc:
        progress.finish()
        print(f"xhs publish refused / từ chối phát hành: {' '.join(str(exc).split())}", file=sys.stderr)
        return 2
    except Exception as exc:  # the CLI's last line of defence: say what failed, exit 2, no traceback
        progress.finish()
        print(
            f"xhs publish failed / không phát hành được: {type(exc).__name__}: {' '.join(str(exc).split())}",
            file=sys.stderr,
        )
        return 2
    progress.finish("finished")
    n_files = sum(1 for p in release.rglob("*") if p.is_file())
    print(f"release / bản phát hành: {release} ({n_files} files / tệp)")
    return 0


NO_LOGIN_WARNING = """\
!!! ==============================================================================================
!!! CẢNH BÁO: giao diện Dagster KHÔNG CÓ ĐĂNG NHẬP. Mở nó ra {host} thì bất kỳ ai kết nối được tới
!!! máy này đều có thể chạy, hủy lượt chạy, xóa lịch sử tài sản và đọc mọi nhật ký, phát hiện.
!!! Hãy để `xhs ui` trên 127.0.0.1 và đặt một reverse proxy có xác thực phía trước
!!! (docs/reverse_proxy.md), hoặc dùng `xhs ui --read-only` cho người chỉ cần xem.
!!! WARNING: the Dagster UI has NO LOGIN. Bound to {host}, anyone who can reach this machine can
!!! launch and cancel runs, wipe asset history and read every run's logs and findings. Keep
!!! `xhs ui` on 127.0.0.1 behind an authenticating reverse proxy (docs/reverse_proxy.md), or use
!!! `xhs ui --read-only` for viewers.
!!! =============================================================================================="""


def is_loopback(host: str) -> bool:
    """``127.0.0.1``, ``::1``, ``localhost``: only this machine can connect."""
    import ipaddress

    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to any interface


def ui_command(args: argparse.Namespace) -> list[str]:
    """The operator UI is ``dagster dev`` (webserver + daemon: schedules, sensors, runs); the viewers' UI is the
    webserver alone in its read-only mode (no launch, cancel, wipe or schedule toggle; no second daemon)."""
    # The executables of this environment: the venv need not be activated (make ui, .venv/bin/xhs ui).
    bin_dir = Path(sys.executable).parent
    where = ["-m", "pipelines.definitions", "--host", args.host, "--port", str(args.port)]
    if args.read_only:
        return [str(bin_dir / "dagster-webserver"), *where, "--read-only"]
    return [str(bin_dir / "dagster"), "dev", *where]


def cmd_ui(args: argparse.Namespace) -> int:
    home = ensure_dagster_home()
    settings = _settings(args)
    if not args.read_only and not is_loopback(args.host):
        print(NO_LOGIN_WARNING.format(host=args.host), file=sys.stderr, flush=True)
    if args.read_only:
        print(f"Dagster UI, read-only (xem, không chạy / view only); DAGSTER_HOME={home}", flush=True)
    else:
        print(f"Dagster UI with the daemon (schedules, sensors); DAGSTER_HOME={home}", flush=True)
    argv = ui_command(args)
    env = {
        **os.environ,
        **settings.as_env(),
        "DAGSTER_HOME": str(home),
        "DAGSTER_DISABLE_TELEMETRY": "true",
        "GX_ANALYTICS_ENABLED": "false",
    }
    from pipelines.processes import supervise

    return supervise(argv, env)  # stops with all of dagster dev's processes on SIGTERM or Ctrl-C


def cmd_doctor(args: argparse.Namespace) -> int:
    from pipelines.doctor import doctor_command

    return doctor_command(_settings(args), args.repair)


QUIET_HELP = (
    "no progress on stderr (by default: one live line on a terminal, timestamped lines otherwise; "
    "XHS_PROGRESS=live|lines|log|quiet chooses)"
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="xhs", description="Provincial digital-society (xã hội số) warehouse.")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="materialise every asset through Dagster, in-process")
    run.add_argument("--landing", help="landing folder (XHS_LANDING, default landing/)")
    run.add_argument("--warehouse", help="published DuckDB file (XHS_WAREHOUSE, default warehouse/xhs.duckdb)")
    run.add_argument(
        "--period",
        help="re-run one delivered period (2024, 2024-Q2, ...) or 'all': its files are "
        "read again from the raw archive, then the warehouse is rebuilt",
    )
    run.add_argument("--source", help="with --period: only this department's files (telecom, health, ...)")
    run.add_argument(
        "--rebuild",
        action="store_true",
        help="build the warehouse from nothing instead of bringing the published one up to date with what "
        "changed (the result is the same; for after a restore, or to re-sort the stored tables)",
    )
    run.add_argument("-q", "--quiet", action="store_true", help=QUIET_HELP)
    run.set_defaults(func=cmd_run)

    val = sub.add_parser("validate", help="check one spreadsheet, load nothing")
    val.add_argument("file")
    val.add_argument("--source", help="department spec (detected from the headers when omitted)")
    val.add_argument("--period", help="period code overriding the one in the file (2024, 2024-Q2, 2024-06-13)")
    val.add_argument("--json", action="store_true", help="machine-readable output")
    val.add_argument(
        "--feedback",
        metavar="OUT.xlsx",
        help="also write the reply workbook: a copy of the file with "
        "the cells of every finding marked and commented, and a first sheet listing them",
    )
    val.set_defaults(func=cmd_validate)

    samples = sub.add_parser("samples", help="write the sample workbooks")
    samples.add_argument("--out", help="folder (default: XHS_LANDING or landing/)")
    samples.add_argument("--if-empty", action="store_true", help="only when the folder has no files yet")
    samples.set_defaults(func=cmd_samples)

    rb = sub.add_parser("rollback", help="put an earlier publication of the warehouse back (kept: last 5)")
    rb.add_argument("--to", help="version name (see --list); default: the one before the current")
    rb.add_argument("--list", action="store_true", help="list the kept versions")
    rb.add_argument("--warehouse")
    rb.set_defaults(func=cmd_rollback)

    pub = sub.add_parser("publish", help="build a versioned open-data release from the published warehouse")
    pub.add_argument("--out", help="releases folder (XHS_PUBLISH_DIR, default releases/)")
    pub.add_argument("--warehouse")
    pub.add_argument("-q", "--quiet", action="store_true", help=QUIET_HELP)
    pub.set_defaults(func=cmd_publish)

    doc = sub.add_parser("doctor", help="check every archived object and state record; --repair mends them")
    doc.add_argument("--repair", action="store_true", help="set aside and rebuild what is damaged")
    doc.add_argument("--landing")
    doc.add_argument("--warehouse")
    doc.set_defaults(func=cmd_doctor)

    ui = sub.add_parser("ui", help="the Dagster UI and daemon on this code location")
    ui.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to bind (default 127.0.0.1, loopback only: the "
        "operator UI has no login, see docs/reverse_proxy.md)",
    )
    ui.add_argument(
        "--read-only",
        action="store_true",
        help="the viewers' UI: assets, checks, runs, schedules and lineage, without launching, "
        "cancelling or wiping anything (no daemon)",
    )
    ui.add_argument("--port", type=int, default=3000)
    ui.add_argument("--landing")
    ui.add_argument("--warehouse")
    ui.set_defaults(func=cmd_ui)
    return parser


def main(argv: list[str] | None = None) -> int:
    restrict_umask()  # everything written from here on, by xhs and its children (Dagster too): 0750 / 0640
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except SettingError as exc:  # before the command did anything: not a staging step failing after its retries
        print(f"xhs {args.command}: {exc}", file=sys.stderr)
        return EXIT_UNREADABLE


# Python's collector, as tuned for the ``xhs`` program (issue #28). With the default thresholds (700, 10, 10) a
# one-file run at M made 6 full collections, 0.45 s traversing Dagster's, SQLAlchemy's and pyiceberg's objects
# again and again, and 12 at XL (1.1 s); with these, 2 (0.05 s at M). Young cyclic garbage is still collected, every
# 50,000 allocations instead of every 700.
COMMAND_GC_THRESHOLDS = (50_000, 20, 20)


def command() -> NoReturn:
    """The ``xhs`` program: ``main`` with the collector tuned for one command in one process, then ``end``.
    Only here, where the process ends: a test calling ``main`` many times in one process keeps Python's defaults."""
    gc.set_threshold(*COMMAND_GC_THRESHOLDS)
    end(main())


def end(code: int) -> NoReturn:
    """End the process once the command has returned: the ``atexit`` functions run (temporary folders, log
    handlers, the expectations process), the output is flushed, and the process exits without the interpreter's
    teardown, whose full collection of every object still alive took 0.8 s after a one-file run at M, for memory the
    process gives back anyway. Every file and connection was closed by its own ``with`` before ``main`` returned.
    (Freezing the objects instead makes DuckDB's nanobind report them as leaks on stderr.) A failed flush (a closed
    pipe) gives 120, as Python's own ending does."""
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe or stream: what could not be written is lost either way
            code = code or 120
    os._exit(code)


if __name__ == "__main__":
    command()
