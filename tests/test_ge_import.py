"""How Great Expectations is imported (``expectations.runner.import_great_expectations``, issues #24 and #28): in a
process that has not loaded its optional SQL dependencies (the expectations process) GE is imported without them
and with scipy loaded on first use, and the suites give the same failures as in a process that has them (the
Dagster UI, a step worker). Each case runs in a fresh Python, where nothing else has imported those modules."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# a telecom frame with a negative count, a part above its whole and an unknown area code: three failing rules
VERDICT = """
import gc, json, sys
from expectations.runner import suite_here
from tests.test_expectations import KNOWN, valid_frame
frame = valid_frame("telecom")
frame.loc[0, "mobile_subscribers"] = -5.0
frame.loc[1, "mobile_subscribers"] = 1000.0
frame.loc[1, "smartphone_subscribers"] = 1500.0
frame.loc[2, "area_code"] = "999"
failures, _ = suite_here("telecom", frame, KNOWN, False)
loaded = sorted(m for m in ("sqlalchemy", "psycopg2") if m in sys.modules)
lazy = type(sys.modules["scipy.stats"]).__name__
print(json.dumps({"failures": [[f.rule, list(f.columns), list(f.row_indices), f.message_en] for f in failures],
                  "loaded": loaded, "scipy.stats": lazy, "collecting": gc.isenabled()}))
"""


def _run(code: str) -> dict:
    env = {**os.environ, "GX_ANALYTICS_ENABLED": "false", "XHS_EXPECTATIONS_PROCESS": "0"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_great_expectations_is_imported_without_its_sql_dependencies() -> None:
    alone = _run(VERDICT)
    assert alone["loaded"] == []
    assert alone["scipy.stats"] == "_LazyModule"  # no suite uses it: never executed
    assert alone["collecting"]  # the garbage collector, paused during the import, runs again
    assert {rule for rule, *_ in alone["failures"]} == {"negative_count", "subset_exceeds_total", "unknown_area_code"}


def test_the_verdict_is_the_same_where_they_are_loaded() -> None:
    alone = _run(VERDICT)
    beside = _run("import sqlalchemy, psycopg2\n" + VERDICT)
    assert beside["loaded"] == ["psycopg2", "sqlalchemy"]
    assert alone["failures"] == beside["failures"]
    assert len(alone["failures"]) >= 3, alone


def test_nothing_is_hidden_where_one_of_them_is_loaded() -> None:
    """A Dagster process has SQLAlchemy loaded: GE then imports psycopg2 as it always did (no import in another
    thread can meet a hidden module there)."""
    beside = _run("import sqlalchemy\n" + VERDICT)
    assert beside["loaded"] == ["psycopg2", "sqlalchemy"]
    assert beside["failures"] == _run(VERDICT)["failures"]


def test_the_hidden_modules_import_normally_afterwards() -> None:
    after = _run(
        "import sys\n"
        "from expectations.runner import import_great_expectations\n"
        "import_great_expectations()\n"
        "assert 'sqlalchemy' not in sys.modules\n"
        "import sqlalchemy\n"
        "import json; print(json.dumps({'version': sqlalchemy.__version__, 'finders': "
        "[type(f).__name__ for f in sys.meta_path]}))\n"
    )
    assert after["version"]
    assert "_GreatExpectationsImport" not in after["finders"]
