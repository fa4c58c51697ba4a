"""The project's shared files beside the checkout (``../shared/``): the reference unit lists and the real public
files of ``shared/realworld``. They are never copied into the repository; a test that needs one fails under
``CI=true`` when it is missing (CI has ``shared/`` beside the clone) and skips loudly otherwise."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def shared_path(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        message = f"{path} is missing: the tests of real files need the project's shared/ folder beside the checkout"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(f"!!! {message} !!!")
    return path
