"""Checks of the geography: county offices located, the municipal match rate, counties within their state,
populations NULL only when expected, no jurisdiction shared across states, and county populations adding up.

Offending-row checks are RowChecks; the rate and the population totals keep bodies of their own.
"""

import dagster as dg
import pandas as pd
from dagster_duckdb import DuckDBResource

from g287_assets.defs.checks import RowCheck, row_checks
from g287_assets.defs.metadata import preview, table_key
from g287_assets.lib.geography.agencies import WRONG_STATE_REASON
from g287_assets.lib.geography.jurisdictions import NOT_FOUND, county_office, match_rates
from g287_assets.lib.warehouse import catalog

MUNICIPAL_TARGET = 0.97

JURISDICTIONS_KEY = table_key(catalog.AGENCY_JURISDICTIONS)


def read_jurisdictions(duckdb: DuckDBResource) -> pd.DataFrame:
    with duckdb.get_connection() as con:
        return con.execute("SELECT *, ice_level AS level FROM geo.agency_jurisdictions").df()


def rows_markdown(frame: pd.DataFrame, columns: list[str]) -> dg.MarkdownMetadataValue:
    return preview(frame[columns], 50)


@dg.asset_check(
    asset=JURISDICTIONS_KEY,
    description=(
        "Every county office (ICE level county and a sheriff's, county's or parish's office serving one "
        "county) is matched to a county, unless a reviewed row of jurisdiction_overrides.csv says why not "
        "(a sheriff filed by ICE under the wrong state), or history moved all its agreements to another state "
        "(history.links, state_corrected). Regional and district jails, multi-county task "
        "forces and judicial-district offices are not county offices: they have no single county."
    ),
)
def county_offices_matched(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    table = read_jurisdictions(duckdb)
    offices = table[(table["level"] == "county") & table["agency_name"].map(county_office)]
    unmatched = offices[(offices["jurisdiction_level"] != "county") | offices["county_fips"].isna()]
    reviewed = unmatched["override_reason"].notna() | unmatched["not_found_reason"].fillna("").str.startswith(
        WRONG_STATE_REASON
    )
    columns = ["state_code", "agency_name", "not_found_reason"]
    return dg.AssetCheckResult(
        passed=bool(reviewed.all()),
        metadata={
            "county offices": len(offices),
            "unmatched": int((~reviewed).sum()),
            "reviewed as not found": int(reviewed.sum()),
            "unmatched rows": rows_markdown(unmatched[~reviewed], columns),
            "reviewed rows": rows_markdown(unmatched[reviewed], columns),
        },
    )


@dg.asset_check(
    asset=JURISDICTIONS_KEY,
    description=(
        "At least 97% of municipal police departments outside Georgia are matched to a place or county "
        "subdivision. Campus, school-district, airport and regional police are left out of the rate: a "
        "campus, a school district or an airport is not a Census jurisdiction and a regional department "
        "serves several, so each is NOT FOUND on purpose. Georgia is measured apart because its city populations are missing from the estimates."
    ),
)
def municipal_match_rate(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    rates = match_rates(read_jurisdictions(duckdb))
    rate = rates["municipal police match rate outside GA"]
    return dg.AssetCheckResult(
        passed=rate >= MUNICIPAL_TARGET, metadata={"target": MUNICIPAL_TARGET, **rates}
    )


# A jurisdiction is its most specific Census code: the place or subdivision GEOID, else the county, else
# the state. Agencies left as "other" (not found) have none to share.
SHARED_JURISDICTIONS_SQL = """
WITH jurisdictions AS (
    SELECT
        state_code,
        agency_name,
        jurisdiction_level,
        CASE jurisdiction_level
            WHEN 'place' THEN place_geoid
            WHEN 'county_subdivision' THEN place_geoid
            WHEN 'county' THEN county_fips
            WHEN 'state' THEN state_fips
        END AS jurisdiction_code
    FROM geo.agency_jurisdictions
    WHERE match_method <> ?
)
SELECT
    jurisdiction_level,
    jurisdiction_code,
    list(DISTINCT state_code ORDER BY state_code) AS states,
    list(state_code || ' ' || agency_name ORDER BY state_code, agency_name) AS agencies
FROM jurisdictions
WHERE jurisdiction_code IS NOT NULL
GROUP BY jurisdiction_level, jurisdiction_code
HAVING count(DISTINCT state_code) > 1
ORDER BY jurisdiction_level, jurisdiction_code
"""


# The Census Bureau's Vintage 2024 estimate of the resident population of the United States (50 states and
# DC) on July 1, 2024. co-est2024-alldata.csv has no national row, so the figure is written here to check the
# file's state and county rows against a number read elsewhere.
CENSUS_NATIONAL_POPULATION_2024 = 340_110_988

# Each state's own row beside the sum of its counties; a state without counties or a county without its
# state shows up too.
STATE_VERSUS_COUNTIES_SQL = """
WITH county_sums AS (
    SELECT state_fips, sum(population) AS county_population, count(*) AS counties
    FROM geo.counties
    GROUP BY state_fips
)
SELECT
    coalesce(s.state_fips, c.state_fips) AS state_fips,
    s.state_code,
    s.population AS state_population,
    c.county_population,
    c.counties
FROM geo.states AS s
FULL JOIN county_sums AS c USING (state_fips)
ORDER BY state_fips
"""


@dg.asset_check(
    asset=table_key(catalog.GEO_COUNTIES),
    description=(
        "County populations add up: each state's counties sum to the state's own Census row, and all "
        "counties, like all states, sum to the Census national total for July 1, 2024 (340,110,988)."
    ),
)
def county_populations_sum_to_national_total(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    with duckdb.get_connection() as con:
        states = con.execute(STATE_VERSUS_COUNTIES_SQL).df()
    mismatched = states[states["state_population"].ne(states["county_population"])]
    counties_total = int(states["county_population"].sum())
    states_total = int(states["state_population"].sum())
    return dg.AssetCheckResult(
        passed=mismatched.empty and counties_total == states_total == CENSUS_NATIONAL_POPULATION_2024,
        metadata={
            "counties total": counties_total,
            "states total": states_total,
            "Census national total": CENSUS_NATIONAL_POPULATION_2024,
            "states whose counties do not add up": len(mismatched),
            "rows": preview(mismatched, 60),
        },
    )


ROW_CHECKS = row_checks(
    RowCheck(
        name="counties_within_state",
        asset=JURISDICTIONS_KEY,
        description="No agency is given a county of another state, in geo.agency_jurisdictions or the bridge.",
        sql="""
        SELECT j.state_code, j.agency_name, j.state_fips, j.county_fips, 'jurisdiction' AS found_in
        FROM geo.agency_jurisdictions j
        WHERE j.county_fips IS NOT NULL AND left(j.county_fips, 2) IS DISTINCT FROM j.state_fips
        UNION ALL
        SELECT j.state_code, j.agency_name, j.state_fips, b.county_fips, 'bridge'
        FROM geo.agency_counties b JOIN geo.agency_jurisdictions j USING (state_code, agency_key)
        WHERE left(b.county_fips, 2) IS DISTINCT FROM j.state_fips
        """,
        label="agencies with a county of another state",
        shown=50,
    ),
    RowCheck(
        name="population_null_only_when_expected",
        asset=JURISDICTIONS_KEY,
        description=(
            "Population is NULL exactly when the agency is NOT FOUND or is matched to a place whose population "
            "the estimates lack (geo.places.population_gap: Georgia's cities in the offline copy): never a "
            "silent gap, never a guess."
        ),
        sql="""
        SELECT j.state_code, j.agency_name, j.jurisdiction_level, j.match_method, j.population
        FROM geo.agency_jurisdictions j
        LEFT JOIN geo.places p
               ON j.jurisdiction_level = ? AND p.place_geoid = j.place_geoid
        WHERE (j.population IS NULL)
              <> (j.match_method = ? OR p.population_gap IS NOT NULL)
        """,
        parameters=["place", NOT_FOUND],
        label="unexpected rows",
        shown=50,
    ),
    RowCheck(
        name="no_jurisdiction_shared_across_states",
        asset=JURISDICTIONS_KEY,
        description=(
            "No two agencies of different states share a jurisdiction (place, county subdivision, county or "
            "state): an agency filed by ICE under the wrong state must not borrow another state's people."
        ),
        sql=SHARED_JURISDICTIONS_SQL,
        parameters=[NOT_FOUND],
        label="jurisdictions shared across states",
        shown=50,
    ),
)

# Every check of the group, for a test or a run that takes them all (the loader finds each above on its own).
CHECKS = [county_offices_matched, municipal_match_rate, county_populations_sum_to_national_total, *ROW_CHECKS]
