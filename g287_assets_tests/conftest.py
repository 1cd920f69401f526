"""Shared fixtures: the real-data mirror, and a fresh data directory per test."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def source_mirror() -> Path:
    """The folder of real ICE and Census files (G287_SOURCE_MIRROR); skipped where absent, fatal under CI."""
    value = os.environ.get("G287_SOURCE_MIRROR")
    mirror = Path(value) if value else None
    if mirror is None or not (mirror / "ice").is_dir():
        message = (
            "G287_SOURCE_MIRROR is not set to a folder with ice/, census/ and geo/ "
            "(e.g. G287_SOURCE_MIRROR=../shared/data); real-data tests need it"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return mirror.resolve()
