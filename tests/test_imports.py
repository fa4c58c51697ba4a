"""What a command imports (issue #14): ``xhs --help`` and ``xhs validate`` never import Dagster; ``xhs validate``
imports Great Expectations only when the file reaches the suites. Measured on the real commands with Python's
``-X importtime``; and the top-level packages import each other without a cycle (``sources`` imports none)."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("sources", "expectations", "warehouse", "assets", "pipelines", "bench", "deploy")


def imported_by(*args: str, cwd: Path) -> set[str]:
    """The top-level packages ``xhs *args`` imports (every one Python's import-time log names)."""
    env = {**os.environ, "GX_ANALYTICS_ENABLED": "false"}
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "pipelines.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=600,
    )
    assert done.returncode in (0, 1, 2), done.stderr[-3000:]
    lines = [line for line in done.stderr.splitlines() if line.startswith("import time:")]
    assert len(lines) > 50, done.stderr[-3000:]  # the log is there
    return {line.rsplit("|", 1)[1].strip().split(".")[0] for line in lines}


def test_help_imports_no_engine(tmp_path: Path) -> None:
    loaded = imported_by("--help", cwd=tmp_path)
    assert "pipelines" in loaded
    assert not loaded & {"dagster", "great_expectations", "polars", "duckdb", "pandas", "pyarrow"}, loaded


@pytest.fixture(scope="module")
def sample_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from sources.samples import write_samples

    folder = tmp_path_factory.mktemp("samples")
    write_samples(folder)
    return next((folder / "telecom").glob("*.xlsx"))


def test_validate_imports_great_expectations_only_to_validate(sample_file: Path, tmp_path: Path) -> None:
    loaded = imported_by("validate", str(sample_file), cwd=tmp_path)
    assert {"polars", "great_expectations"} <= loaded  # read, then validated by the suite
    assert not loaded & {"dagster", "duckdb"}, loaded

    refused = tmp_path / "not_a_workbook.xlsx"
    refused.write_text("STT,Đơn vị\n1,Bắc Kạn\n", encoding="utf-8")
    loaded = imported_by("validate", str(refused), cwd=tmp_path)
    assert "polars" in loaded  # the reader ran and refused it
    assert not loaded & {"dagster", "great_expectations", "duckdb", "pandas", "pyarrow"}, loaded


def package_imports() -> dict[str, set[str]]:
    """For each top-level package, the others any of its modules imports (at the top or in a function)."""
    graph: dict[str, set[str]] = {p: set() for p in PACKAGES}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                graph[package] |= {n.split(".")[0] for n in names} & set(PACKAGES) - {package}
    return graph


def test_packages_import_each_other_without_a_cycle() -> None:
    graph = package_imports()
    assert graph["sources"] == set(), graph["sources"]  # the reader and its helpers stand alone
    done: set[str] = set()

    def visit(package: str, path: tuple[str, ...]) -> None:
        assert package not in path, " -> ".join((*path, package))
        if package not in done:
            for other in sorted(graph[package]):
                visit(other, (*path, package))
            done.add(package)

    for package in PACKAGES:
        visit(package, ())
