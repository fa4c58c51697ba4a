import os

import pytest

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "true")


@pytest.fixture(autouse=True)
def _builtin_units(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests use the built-in unit list unless they set XHS_REFERENCE themselves."""
    monkeypatch.delenv("XHS_REFERENCE", raising=False)
