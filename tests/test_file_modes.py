"""Least privilege on disk (issue #19): what a real run writes under ``data/`` and ``DAGSTER_HOME`` is private to
the pipeline's account and group (folders 0750, files 0640; archived objects 0440; the restricted quarantine
0700/0400), the published warehouse has its documented mode (0640, ``XHS_WAREHOUSE_MODE``/``_GROUP``), and a
release is public (0755/0644). The run is started with umask 022, so it is xhs that makes its files private."""

from __future__ import annotations

import grp
import os
import shutil
import stat
from pathlib import Path

import pytest

from bench.workbooks import write
from tests.pipeline_helpers import run_xhs

pytestmark = pytest.mark.deployment  # make check leaves it out (tests/README.md)


@pytest.fixture(scope="module")
def deployment(guarded_deployment: Path) -> Path:
    """The samples, a quarantined file and a list of people (restricted), run and published with umask 022."""
    assert (guarded_deployment / "data" / "raw" / "restricted").is_dir()
    return guarded_deployment


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def _modes(root: Path) -> dict[str, int]:
    """Every folder and file under ``root`` (``root`` too), by path relative to its parent: its mode."""
    return {str(p.relative_to(root.parent)): _mode(p) for p in [root, *root.rglob("*")]}


def _expected_in_data(path: str, is_dir: bool) -> int:
    parts = Path(path).parts
    if parts[:3] == ("data", "raw", "restricted"):
        return 0o700 if is_dir else 0o400
    if is_dir:
        return 0o750
    if parts[:3] == ("data", "raw", "objects") and not path.endswith(".json"):
        return 0o440  # the delivered bytes: read-only
    return 0o640


def test_everything_under_data_is_private_to_the_pipeline_and_its_group(deployment: Path) -> None:
    data = deployment / "data"
    found = _modes(data)
    assert (data / "raw" / "restricted").is_dir() and any((data / "reports").iterdir())
    assert any(p.startswith("data/staging/") for p in found) and "data/state.sqlite" in found
    wrong = {p: oct(m) for p, m in found.items() if m != _expected_in_data(p, (deployment / p).is_dir())}
    assert wrong == {}


def test_dagster_home_is_private(deployment: Path) -> None:
    found = _modes(deployment / ".dagster")
    assert any(p.endswith(".db") for p in found)  # run and event storage written by Dagster itself
    wrong = {p: oct(m) for p, m in found.items() if m != (0o750 if (deployment / p).is_dir() else 0o640)}
    assert wrong == {}


def test_published_warehouse_and_its_versions_are_group_readable_only(deployment: Path) -> None:
    found = _modes(deployment / "warehouse")
    assert found["warehouse/xhs.duckdb"] == 0o640
    assert found["warehouse"] == found["warehouse/versions"] == 0o750
    assert {m for p, m in found.items() if p.startswith("warehouse/versions/")} == {0o640}


def test_release_is_public(deployment: Path) -> None:
    found = _modes(deployment / "releases")
    assert len(found) > 20 and found["releases"] == 0o755
    wrong = {p: oct(m) for p, m in found.items() if m != (0o755 if (deployment / p).is_dir() else 0o644)}
    assert wrong == {}


def _another_group() -> str | None:
    """A group the current account may give its files to, other than its own primary group."""
    if os.geteuid() == 0:
        return next((g.gr_name for g in grp.getgrall() if g.gr_gid != os.getegid()), None)
    return next((grp.getgrgid(g).gr_name for g in os.getgroups() if g != os.getegid()), None)


def test_warehouse_mode_and_group_are_settings(deployment: Path, tmp_path: Path) -> None:
    # a copy: the shared deployment stays as the other tests read it (its lake is not needed here)
    deployment = Path(shutil.copytree(deployment, tmp_path / "deployment", ignore=shutil.ignore_patterns("lake")))
    published = deployment / "warehouse" / "xhs.duckdb"
    version = max(p.name for p in (deployment / "warehouse" / "versions").glob("xhs-*.duckdb"))  # the current one

    # A run with something to publish (a new delivery, brought in incrementally) refuses it and publishes nothing.
    before = published.read_bytes()
    names = ["TP. Bắc Kạn", "Pác Nặm", "Ba Bể", "Ngân Sơn", "Bạch Thông", "Chợ Đồn", "Chợ Mới", "Na Rì"]
    grid = [
        ["Năm 2019"],
        ["STT", "Đơn vị hành chính", "Thuê bao di động"],
        *[[i + 1, n, 1000] for i, n in enumerate(names)],
    ]
    write(deployment / "landing" / "telecom" / "vt_2019.xlsx", grid)
    done = run_xhs(deployment, "run", XHS_WAREHOUSE_MODE="0666")  # the run refuses it, publishes nothing
    assert done.returncode == 2 and "XHS_WAREHOUSE_MODE='0666'" in done.stderr, done.stderr
    assert published.read_bytes() == before and _mode(published) == 0o640

    done = run_xhs(deployment, "rollback", "--to", version, XHS_WAREHOUSE_MODE="0644")
    assert done.returncode == 0, done.stderr
    assert _mode(published) == 0o644

    for bad in ("0666", "0755", "rw-r-----", "0040"):
        done = run_xhs(deployment, "rollback", "--to", version, XHS_WAREHOUSE_MODE=bad)
        assert done.returncode == 2 and f"XHS_WAREHOUSE_MODE={bad!r}" in done.stderr, (bad, done.stderr)
        assert "không hợp lệ" in done.stderr and "is not a valid mode" in done.stderr
    assert _mode(published) == 0o644  # a refused setting changes nothing

    done = run_xhs(deployment, "rollback", "--to", version, XHS_WAREHOUSE_GROUP="xhs-no-such-group")
    assert done.returncode == 2 and "XHS_WAREHOUSE_GROUP" in done.stderr and "nhóm" in done.stderr, done.stderr

    done = run_xhs(deployment, "rollback", "--to", version)  # the default again
    assert done.returncode == 0 and _mode(published) == 0o640, done.stderr

    group = _another_group()
    if group is None:
        pytest.skip("this account belongs to no second group: XHS_WAREHOUSE_GROUP's success is not checked here")
    done = run_xhs(deployment, "rollback", "--to", version, XHS_WAREHOUSE_GROUP=group)
    assert done.returncode == 0, done.stderr
    assert grp.getgrgid(published.stat().st_gid).gr_name == group and _mode(published) == 0o640
