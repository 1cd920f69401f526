"""Where g287 keeps its files, read from the environment with defaults that work on a fresh clone."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# The history and Census tables the project ships (lib/shipped.py), read by every data dir.
SHIPPED_DIR = PROJECT_ROOT / "data" / "shipped"
# The project's own reference tables, used when a data dir has none of its own.
PROJECT_REFERENCE_DIR = PROJECT_ROOT / "data" / "reference"
ICE_PAGE_URL = "https://www.ice.gov/identify-and-arrest/287g"
ICE_HOSTS = ("www.ice.gov", "ice.gov")


@dataclass(frozen=True)
class Paths:
    """Every folder and file g287 reads or writes, all under one data directory."""

    data_dir: Path
    reference_dir: Path

    @property
    def inbox(self) -> Path:
        return self.data_dir / "inbox"

    @property
    def archive(self) -> Path:
        """Append-only store of every raw file, one file per sha256."""
        return self.data_dir / "archive"

    @property
    def work_db(self) -> Path:
        """The database runs write to; readers never open it."""
        return self.data_dir / "work" / "g287.duckdb"

    @property
    def published_db(self) -> Path:
        """The database people query, replaced atomically after each successful run."""
        return self.data_dir / "g287.duckdb"

    @property
    def dagster_home(self) -> Path:
        return self.data_dir / "dagster_home"

    @property
    def scenarios(self) -> Path:
        return self.data_dir / "scenarios"

    @property
    def exports(self) -> Path:
        return self.data_dir / "exports"

    @property
    def cache(self) -> Path:
        return self.data_dir / "cache"


def paths_from_env() -> Paths:
    """Paths from G287_DATA_DIR (default `data`) and G287_REFERENCE_DIR (default the project's tables)."""
    data_dir = Path(os.environ.get("G287_DATA_DIR", "data")).resolve()
    default_reference = data_dir / "reference"
    if not default_reference.is_dir():
        default_reference = PROJECT_REFERENCE_DIR
    reference_dir = Path(os.environ.get("G287_REFERENCE_DIR", default_reference)).resolve()
    return Paths(data_dir=data_dir, reference_dir=reference_dir)


def source_mirror() -> Path | None:
    """A folder laid out like the public download areas (ice/, census/, geo/), used instead of the network."""
    value = os.environ.get("G287_SOURCE_MIRROR")
    return Path(value).resolve() if value else None


def ice_page_url() -> str:
    return os.environ.get("G287_ICE_PAGE_URL", ICE_PAGE_URL)


def _switched_off(variable: str) -> bool:
    return os.environ.get(variable, "on").strip().lower() in ("off", "0", "false", "no")


def shipped_history_enabled() -> bool:
    """False when G287_SHIPPED_HISTORY is off: a data dir then holds only the files it is given."""
    return not _switched_off("G287_SHIPPED_HISTORY")


def fetch_before_build() -> bool:
    """False when G287_FETCH is off: `g287 build` then never fetches ICE's current lists (as --offline)."""
    return not _switched_off("G287_FETCH")


def feeds_url() -> str | None:
    """The public address of the feeds folder, for the feeds' self links (unset: the files' own paths)."""
    return os.environ.get("G287_FEEDS_URL") or None
