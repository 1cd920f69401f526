"""Publish: the database people query is replaced atomically at the end of each successful run."""

from collections.abc import Sequence

import dagster as dg
from dagster_duckdb import DuckDBResource

from g287_assets.defs.resources import G287Files
from g287_assets.lib.warehouse import catalog
from g287_assets.lib.warehouse.database import describe, publish


def published_database_asset(inputs: Sequence[dg.AssetKey]) -> dg.AssetsDefinition:
    """The publishing asset, downstream of every table-writing asset so it runs last."""

    @dg.asset(
        key=["published_database"],
        group_name="publish",
        kinds={"duckdb"},
        deps=list(inputs),
        description=(
            "data/g287.duckdb, the file people query: the working database with every table and column "
            "described (COMMENT ON), copied and swapped in atomically so readers never see a half-written state."
        ),
    )
    def published_database(files: G287Files, duckdb: DuckDBResource) -> dg.MaterializeResult:
        with duckdb.get_connection() as con:
            describe(con, catalog.TABLES)
        paths = files.paths
        publish(paths.work_db, paths.published_db)
        return dg.MaterializeResult(
            metadata={
                "path": dg.MetadataValue.path(str(paths.published_db)),
                "bytes": paths.published_db.stat().st_size,
            }
        )

    return published_database
