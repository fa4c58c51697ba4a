"""What a command imports (issue #14): ``xhs --help`` and ``xhs validate`` never import Dagster; ``xhs validate``
imports Great Expectations only when the file reaches the suites. Measured on the real commands with Python's
``-X importtime``; the top-level packages import each other without a cycle (``sources`` imports only ``runtime``,
which imports none); and each room of ``sources/`` imports only the rooms its ``__init__`` declares."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("runtime", "sources", "expectations", "warehouse", "assets", "pipelines", "bench", "deploy")


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
    assert graph["runtime"] == set(), graph["runtime"]  # shared by everything, imports nothing of xhs
    assert graph["sources"] <= {"runtime"}, graph["sources"]  # the reader and its helpers stand alone
    done: set[str] = set()

    def visit(package: str, path: tuple[str, ...]) -> None:
        assert package not in path, " -> ".join((*path, package))
        if package not in done:
            for other in sorted(graph[package]):
                visit(other, (*path, package))
            done.add(package)

    for package in PACKAGES:
        visit(package, ())


def imported_modules(path: Path) -> set[str]:
    """Every absolute module name a file imports (``from sources import x`` counts as ``sources.x``)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found |= {node.module} if node.module != "sources" else {f"sources.{a.name}" for a in node.names}
    return found


def declared_rooms(init: Path) -> tuple[str, ...]:
    """A room's ``MAY_IMPORT``, read from its ``__init__`` without importing it."""
    for node in ast.parse(init.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.AnnAssign | ast.Assign):
            targets = [node.target] if isinstance(node, ast.AnnAssign) else node.targets
            if any(isinstance(t, ast.Name) and t.id == "MAY_IMPORT" for t in targets) and node.value is not None:
                return tuple(ast.literal_eval(node.value))
    raise AssertionError(f"{init} declares no MAY_IMPORT")


def room_violations(sources: Path) -> list[str]:
    """Imports that cross from one room of ``sources/`` into a room it does not declare, and modules that sit at
    the top level of ``sources/`` instead of in a room."""
    problems = [f"{p.name} is not in a room" for p in sources.glob("*.py") if p.name != "__init__.py"]
    for room in sorted(p for p in sources.iterdir() if (p / "__init__.py").exists()):
        allowed = {room.name, *declared_rooms(room / "__init__.py")}
        for path in sorted(room.rglob("*.py")):
            for module in imported_modules(path):
                parts = module.split(".")
                if parts[0] == "sources" and len(parts) > 1 and parts[1] not in allowed:
                    problems.append(f"{path.relative_to(sources)} imports {module} ({room.name} may import {allowed})")
    return problems


def test_rooms_of_sources_import_only_what_they_declare() -> None:
    rooms = [p.name for p in (ROOT / "sources").iterdir() if (p / "__init__.py").exists()]
    assert {"common", "specs", "areas", "intake", "reading", "archive", "staging", "feedback", "samples"} <= set(rooms)
    assert room_violations(ROOT / "sources") == []


def test_room_check_fails_on_a_planted_violation(tmp_path: Path) -> None:
    copy = tmp_path / "sources"
    shutil.copytree(ROOT / "sources", copy, ignore=shutil.ignore_patterns("__pycache__", "*.csv", "*.yaml"))
    text = copy / "common" / "text.py"  # the lowest room reaching up into the reader
    text.write_text(text.read_text(encoding="utf-8") + "\nfrom sources.reading.reader import read_file\n")
    (copy / "stray.py").write_text("from sources import archive\n", encoding="utf-8")
    assert room_violations(copy) == [
        "stray.py is not in a room",
        "common/text.py imports sources.reading.reader (common may import {'common'})",
    ]
