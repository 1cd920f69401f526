"""Resources shared by every domain: where the files live, and the working DuckDB database."""

from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from g287_assets.lib.settings import Paths, paths_from_env


class G287Files(dg.ConfigurableResource):
    """The data directory (inbox, archive, databases) and the reference tables' folder."""

    data_dir: str
    reference_dir: str

    @property
    def paths(self) -> Paths:
        return Paths(data_dir=Path(self.data_dir), reference_dir=Path(self.reference_dir))


def default_resources(paths: Paths | None = None) -> dict[str, dg.ConfigurableResource]:
    """Resources for a data directory: from the environment (G287_DATA_DIR) unless one is given."""
    paths = paths or paths_from_env()
    paths.work_db.parent.mkdir(parents=True, exist_ok=True)
    return {
        "files": G287Files(data_dir=str(paths.data_dir), reference_dir=str(paths.reference_dir)),
        "duckdb": DuckDBResource(database=str(paths.work_db)),
    }
