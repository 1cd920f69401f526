"""Checks of the outputs: the county map draws every county of the county summary."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from g287_assets.defs.outputs.figures import county_topology, join_metadata
from g287_assets.defs.resources import G287Files
from g287_assets.lib.outputs import maps
from g287_assets.lib.warehouse import catalog


@dg.asset_check(
    asset=dg.AssetKey(["outputs", "county_map"]),
    description="Every county of marts.county_summary has a shape on the map (CT planning regions included).",
)
def county_map_draws_every_county(files: G287Files, duckdb: DuckDBResource) -> dg.AssetCheckResult:
    with duckdb.get_connection() as con:
        fips = [
            row[0] for row in con.execute(f"SELECT county_fips FROM {catalog.COUNTY_SUMMARY.name}").fetchall()
        ]
    join = maps.join_counties(county_topology(files), fips)
    return dg.AssetCheckResult(passed=not join.without_shape, metadata=join_metadata(join))
