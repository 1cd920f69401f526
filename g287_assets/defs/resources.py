"""Resources shared by every asset group: where the files live, what the environment says, and the working
DuckDB database with its one-writer lock.

The environment is read here and nowhere else in defs/: assets, the sensor and the schedule take these
resources, so a test or a run configured in the UI can set every value without touching the environment.
"""

from __future__ import annotations

import os
from contextlib import ExitStack
from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource
from pydantic import PrivateAttr

from g287_assets.lib.settings import (
    ICE_PAGE_URL,
    SHIPPED_DIR,
    Paths,
    paths_from_env,
    shipped_history_enabled,
)
from g287_assets.lib.snapshots.shipped import ShippedHistory
from g287_assets.lib.warehouse.database import DUCKDB_CONFIG, build_lock


class G287Files(dg.ConfigurableResource):
    """The data directory (inbox, archive, databases), the reference tables, and where sources come from."""

    data_dir: str
    reference_dir: str
    source_mirror: str = ""
    ice_page_url: str = ICE_PAGE_URL
    shipped_history: bool = True
    feeds_url: str = ""

    @property
    def paths(self) -> Paths:
        return Paths(data_dir=Path(self.data_dir), reference_dir=Path(self.reference_dir))

    @property
    def mirror(self) -> Path | None:
        """A folder laid out like the public download areas (ice/, census/, geo/), read instead of the network."""
        return Path(self.source_mirror).resolve() if self.source_mirror else None

    @property
    def shipped(self) -> ShippedHistory | None:
        """The history the project ships, unless switched off (a data dir then holds only what it is given)."""
        return ShippedHistory(SHIPPED_DIR) if self.shipped_history else None


class WarehouseDatabase(DuckDBResource):
    """The working database. A run holds its one-writer lock from start to end, whether it was started by
    `g287 build`, the sensor or the UI; a second writer waits `lock_wait_seconds`, then fails saying why."""

    lock_wait_seconds: int = 600
    _lock: ExitStack | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        stack = ExitStack()
        if not stack.enter_context(build_lock(Path(self.database), wait_seconds=0)):
            if context.log:
                context.log.info(
                    f"waiting up to {self.lock_wait_seconds} s for another writer of {self.database}"
                )
            if not stack.enter_context(build_lock(Path(self.database), wait_seconds=self.lock_wait_seconds)):
                stack.close()
                raise dg.Failure(
                    f"another build is writing {self.database} (`g287 build` or another run) and did not end "
                    f"within {self.lock_wait_seconds} s; run this again when it ends"
                )
        self._lock = stack

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._lock is not None:
            self._lock.close()
            self._lock = None


def _from_env(variable: str, default: str = "") -> str | dg.EnvVar:
    """A setting read from its variable at run time when set (the UI shows where it came from), else the default."""
    return dg.EnvVar(variable) if os.environ.get(variable) else default


def files_resource(paths: Paths | None = None) -> G287Files:
    """Where the files live and where sources come from: the environment's, for a data directory if given."""
    paths = paths or paths_from_env()
    return G287Files(
        data_dir=str(paths.data_dir),
        reference_dir=str(paths.reference_dir),
        source_mirror=_from_env("G287_SOURCE_MIRROR"),
        ice_page_url=_from_env("G287_ICE_PAGE_URL", ICE_PAGE_URL),
        shipped_history=shipped_history_enabled(),
        feeds_url=_from_env("G287_FEEDS_URL"),
    )


def default_resources(paths: Paths | None = None) -> dict[str, dg.ConfigurableResource]:
    """Resources for a data directory: from the environment (G287_DATA_DIR and the others) unless one is given."""
    paths = paths or paths_from_env()
    paths.work_db.parent.mkdir(parents=True, exist_ok=True)
    return {
        "files": files_resource(paths),
        "duckdb": WarehouseDatabase(database=str(paths.work_db), connection_config=DUCKDB_CONFIG),
    }
