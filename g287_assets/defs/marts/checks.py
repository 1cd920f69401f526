"""Checks of the marts: every current agreement has its history id, and the county summary adds up."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from g287_assets.defs.checks import RowCheck, row_checks
from g287_assets.defs.metadata import table_key
from g287_assets.lib.warehouse import catalog

CHECKS = row_checks(
    RowCheck(
        name="current_agreements_have_ids",
        asset=table_key(catalog.CURRENT_AGREEMENTS),
        description="Every active agreement of the newest list has its history id.",
        sql="SELECT state_code, agency_name, model, signed_date FROM marts.current_agreements "
        "WHERE agreement_id IS NULL",
        label="without id",
    ),
)


# Numbers against numbers, not offending rows: a body of its own.
@dg.asset_check(
    asset=table_key(catalog.COUNTY_SUMMARY),
    description="Coverage never exceeds a county's population, and local agreements add up to the current list's.",
)
def county_summary_adds_up(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    with duckdb.get_connection() as con:
        over, county_total, local_total = con.execute(
            """
            SELECT (SELECT count(*) FROM marts.county_summary WHERE population_covered > population),
                   (SELECT sum(agreements) FROM marts.county_summary),
                   (SELECT count(*) FROM marts.current_agreements
                    WHERE jurisdiction_level IN ('county', 'place', 'county_subdivision') AND county_fips IS NOT NULL)
            """
        ).fetchone()
    return dg.AssetCheckResult(
        passed=over == 0 and county_total == local_total,
        metadata={
            "over-covered counties": over,
            "county agreements": int(county_total),
            "local agreements": local_total,
        },
    )
