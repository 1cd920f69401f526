"""Shared fixtures: the real-data mirror, and a fresh data directory per test."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest


@pytest.fixture(scope="session", autouse=True)
def only_the_files_a_test_gives() -> Iterator[None]:
    """Builds in tests hold only the files each test offers: no shipped history, no fetch of today's lists.

    The tests of those two paths switch them back on for their own build.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("G287_SHIPPED_HISTORY", "off")
        patch.setenv("G287_FETCH", "off")
        yield


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


@pytest.fixture(scope="module")
def published(built_archive: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """The published database of the full build, read-only, one connection per test module."""
    with duckdb.connect(str(built_archive / "g287.duckdb"), read_only=True) as con:
        yield con


@pytest.fixture(scope="session")
def built_archive(source_mirror: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory holding a full build of the whole real archive, made once per test session.

    The build runs as the README's `g287 build` in a subprocess, with its own data dir and Dagster instance.
    Returns the data dir; `<data dir>/g287.duckdb` is the published database.
    """
    data_dir = tmp_path_factory.mktemp("built_archive")
    env = {
        **os.environ,
        "G287_DATA_DIR": str(data_dir),
        "DAGSTER_HOME": str(data_dir / "dagster_home"),
        "G287_SOURCE_MIRROR": str(source_mirror),
    }
    result = subprocess.run(
        [sys.executable, "-m", "g287_assets.cli", "build", "--from", str(source_mirror / "ice")],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    (data_dir / "build.log").write_text(result.stdout + result.stderr, encoding="utf-8")
    if result.returncode != 0:
        pytest.fail(
            f"g287 build failed ({result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
    return data_dir
