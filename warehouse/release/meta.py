"""The release's own metadata (``release.yaml``): what the warehouse does not hold itself."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

META_PATH = Path(__file__).with_name("release.yaml")


@cache
def release_meta() -> dict[str, Any]:
    return yaml.safe_load(META_PATH.read_text(encoding="utf-8"))
