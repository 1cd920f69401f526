"""Marts: today's agreements and the county and state summaries, recomputed in SQL after every change."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from g287_assets.defs.metadata import asset_metadata, preview, table_key
from g287_assets.lib.warehouse import catalog
from g287_assets.lib.warehouse.database import run_script

MART_TABLES = [catalog.CURRENT_AGREEMENTS, catalog.COUNTY_SUMMARY, catalog.STATE_SUMMARY]
UPSTREAM = [
    dg.AssetKey(["raw", "snapshots"]),
    dg.AssetKey(["clean", "agreements"]),
    dg.AssetKey(["history", "agreements"]),
    dg.AssetKey(["geo", "agency_jurisdictions"]),
    dg.AssetKey(["geo", "agency_counties"]),
    dg.AssetKey(["geo", "counties"]),
    dg.AssetKey(["geo", "states"]),
]


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            table_key(table),
            group_name="marts",
            kinds={"duckdb"},
            description=table.description,
            metadata=asset_metadata(table),
            deps=UPSTREAM,
        )
        for table in MART_TABLES
    ],
)
def marts(context: dg.AssetExecutionContext, duckdb: DuckDBResource):
    with duckdb.get_connection() as con:
        for script in ("marts/marts.sql", "geography/coverage.sql", "marts/summaries.sql"):
            run_script(con, script)
        frames = {table.name: con.execute(f"SELECT * FROM {table.name}").df() for table in MART_TABLES}
    current = frames["marts.current_agreements"]
    counties = frames["marts.county_summary"]
    states = frames["marts.state_summary"]
    context.log.info(
        f"{len(current):,} active agreements of {current[['state_code', 'agency_key']].drop_duplicates().shape[0]:,} "
        f"agencies; {int(counties.population_covered.sum()):,} residents covered locally"
    )
    yield dg.MaterializeResult(
        asset_key=table_key(catalog.CURRENT_AGREEMENTS),
        metadata={
            "dagster/row_count": len(current),
            "list date": str(current.snapshot_date.iloc[0]) if len(current) else "none",
            "without jurisdiction": int(current.population.isna().sum()),
            "preview": preview(
                current[["state_code", "agency_name", "model", "signed_date", "county_fips", "population"]]
            ),
        },
    )
    yield dg.MaterializeResult(
        asset_key=table_key(catalog.COUNTY_SUMMARY),
        metadata={
            "dagster/row_count": len(counties),
            "counties with agreements": int((counties.agreements > 0).sum()),
            "preview": preview(
                counties.sort_values("agreements", ascending=False)[
                    [
                        "county_fips",
                        "county_name",
                        "state_code",
                        "agreements",
                        "agreements_per_100k",
                        "population_covered",
                    ]
                ],
                10,
            ),
        },
    )
    yield dg.MaterializeResult(
        asset_key=table_key(catalog.STATE_SUMMARY),
        metadata={
            "dagster/row_count": len(states),
            "population covered": int(states.population_covered.sum()),
            "preview": preview(
                states.sort_values("agreements", ascending=False)[
                    [
                        "state_code",
                        "agreements",
                        "agencies",
                        "population_covered",
                        "share_covered",
                        "statewide_agencies",
                    ]
                ],
                10,
            ),
        },
    )
