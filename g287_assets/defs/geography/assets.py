"""Geography: Census populations and points as tables, and each agency's jurisdiction, population and counties.

The Census files come from the Census Bureau's host only (or the source mirror, offline), each recorded with
its sha256 in geo.census_sources. Agencies are matched by `lib.jurisdictions`; reviewed decisions live in
data/reference/jurisdiction_overrides.csv.
"""

from __future__ import annotations

import dagster as dg
import pandas as pd
from dagster_duckdb import DuckDBResource

from g287_assets.defs.metadata import asset_metadata, preview, table_key
from g287_assets.defs.resources import G287Files
from g287_assets.lib.geography.agencies import (
    WRONG_STATE_REASON,
    cached_match,
    load_overrides,
    obtain_sources,
    read_census,
    sources_frame,
    with_ice_columns,
    without_moved_agencies,
)
from g287_assets.lib.geography.jurisdictions import (
    NOT_FOUND,
    counties_table,
    county_office,
    county_subdivisions_table,
    match_agencies,
    match_rates,
    place_county_parts_table,
    places_table,
    states_table,
)
from g287_assets.lib.reference import load_reference
from g287_assets.lib.sources.census import (
    SourceFile,
)
from g287_assets.lib.warehouse import catalog
from g287_assets.lib.warehouse.database import replace_table

GROUP = "geography"
MUNICIPAL_TARGET = 0.97

# Each Census table, the function building it and the sources it is read from.
CENSUS_TABLES = {
    catalog.GEO_STATES.name: (states_table, ("county_population", "county_points")),
    catalog.GEO_COUNTIES.name: (counties_table, ("county_population", "county_points")),
    catalog.GEO_PLACES.name: (
        places_table,
        ("subcounty_population", "place_points", "county_population", "county_points"),
    ),
    catalog.GEO_COUNTY_SUBDIVISIONS.name: (
        county_subdivisions_table,
        ("subcounty_population", "cousub_points", "county_points"),
    ),
    catalog.GEO_PLACE_COUNTY_PARTS.name: (place_county_parts_table, ("subcounty_population",)),
}
_CATALOG_BY_NAME = {table.name: table for table in catalog.GEO_TABLES}


def source_metadata(sources: dict[str, SourceFile], names: tuple[str, ...], rows: dict[str, int]) -> dict:
    """Where each source of a table came from, its sha256 and its rows, as Dagster metadata."""
    metadata: dict = {}
    for name in names:
        found = sources[name]
        metadata[f"{name} source"] = (
            dg.MetadataValue.url(found.origin)
            if found.origin.startswith("http")
            else dg.MetadataValue.path(found.origin)
        )
        metadata[f"{name} sha256"] = found.sha256
        metadata[f"{name} rows"] = rows[name]
        metadata[f"{name} obtained"] = found.obtained
    return metadata


def census_spec(table: catalog.Table) -> dg.AssetSpec:
    return dg.AssetSpec(
        key=table_key(table),
        group_name=GROUP,
        kinds={"duckdb"},
        description=table.description,
        metadata=asset_metadata(table),
    )


@dg.multi_asset(
    specs=[census_spec(catalog.GEO_CENSUS_SOURCES)]
    + [census_spec(_CATALOG_BY_NAME[name]) for name in CENSUS_TABLES],
    name="census_geography",
)
def census_geography(files: G287Files, duckdb: DuckDBResource):
    """Read the five Census files once and write the state, county, place, subdivision and part tables."""
    sources = obtain_sources(files.mirror, files.paths.cache)
    census, rows = read_census(sources)
    provenance = sources_frame(sources, rows)
    with duckdb.get_connection() as con:
        replace_table(con, catalog.GEO_CENSUS_SOURCES, provenance)
        yield dg.MaterializeResult(
            asset_key=table_key(catalog.GEO_CENSUS_SOURCES),
            metadata={
                "dagster/row_count": len(provenance),
                "sources": preview(provenance[["source", "obtained", "origin", "sha256", "rows"]], 10),
            },
        )
        for name, (build, used) in CENSUS_TABLES.items():
            table = _CATALOG_BY_NAME[name]
            frame = build(census)
            replace_table(con, table, frame)
            yield dg.MaterializeResult(
                asset_key=table_key(table),
                metadata={
                    "dagster/row_count": len(frame),
                    **source_metadata(sources, used, rows),
                    "preview": preview(frame),
                },
            )


# The agencies to locate: one row per (state_code, agency_key) of every usable participating list, with
# the name, level and county of its newest appearance (latest list, then its first row for the agency), and
# the state history moved it to when ICE had listed all its agreements under a wrong state (history.links).
AGENCIES_SQL = """
WITH moved AS (
    SELECT f.state_code, f.agency_key, min(l.to_state_code) AS moved_to_state
    FROM history.links l
    JOIN history.agreements f ON f.agreement_id = l.from_agreement_id
    WHERE l.change_kind = 'state_corrected'
    GROUP BY f.state_code, f.agency_key
    HAVING NOT EXISTS (
        SELECT 1 FROM history.agreements a
        WHERE a.state_code = f.state_code AND a.agency_key = f.agency_key AND a.agreement_id NOT IN (
            SELECT from_agreement_id FROM history.links WHERE change_kind = 'state_corrected'))
), seen AS (
    SELECT a.state_code, a.state_fips, a.agency_key, a.agency_name, a.level, a.county_name,
           a.snapshot_date,
           row_number() OVER (
               PARTITION BY a.state_code, a.agency_key
               ORDER BY s.snapshot_at DESC, a.snapshot_key DESC, a.county_name IS NULL, a.source_row
           ) AS recency
    FROM clean.agreements a
    JOIN raw.snapshots s USING (snapshot_key)
    WHERE s.status = ? AND s.list_kind = ?
), span AS (
    SELECT state_code, agency_key, min(snapshot_date) AS first_seen_date, max(snapshot_date) AS last_seen_date
    FROM seen GROUP BY ALL
)
SELECT seen.state_code, seen.state_fips, seen.agency_key, seen.agency_name, seen.level, seen.county_name,
       span.first_seen_date, span.last_seen_date, moved.moved_to_state
FROM seen JOIN span USING (state_code, agency_key)
LEFT JOIN moved USING (state_code, agency_key)
WHERE seen.recency = 1
ORDER BY seen.state_code, seen.agency_key
"""


# Agencies whose level by evidence is not ICE's TYPE, with the rule and whether the Census jurisdiction agrees.
LEVEL_REVIEW_SQL = """
WITH disagreements AS (
    SELECT
        a.state_code,
        a.agency_key,
        a.level_ice,
        a.level,
        arg_max(a.agency_name, (a.snapshot_date, a.agency_name)) AS agency_name,
        any_value(list_filter(a.corrections, lambda fix: starts_with(fix, 'level_patterns:'))[1]) AS rule,
        count(DISTINCT a.snapshot_key)::INTEGER AS lists,
        min(a.snapshot_date) AS first_seen_date,
        max(a.snapshot_date) AS last_seen_date
    FROM clean.agreements a
    JOIN raw.snapshots s USING (snapshot_key)
    WHERE s.status = 'usable' AND s.list_kind = 'participating' AND a.level_source = 'name'
    GROUP BY a.state_code, a.agency_key, a.level_ice, a.level
)
SELECT
    d.state_code, d.agency_name, d.agency_key, d.level_ice, d.level, d.rule, p.reason, j.jurisdiction_level,
    CASE j.jurisdiction_level
        WHEN 'county' THEN d.level = 'county'
        WHEN 'place' THEN d.level = 'municipal'
        WHEN 'county_subdivision' THEN d.level = 'municipal'
        WHEN 'state' THEN d.level = 'state'
    END AS census_agrees,
    d.lists, d.first_seen_date, d.last_seen_date
FROM disagreements d
LEFT JOIN level_rules p ON p.rule = d.rule
LEFT JOIN geo.agency_jurisdictions j ON j.state_code = d.state_code AND j.agency_key = d.agency_key
ORDER BY d.state_code, d.agency_key, d.level_ice
"""


def level_review(con, files: G287Files) -> pd.DataFrame:
    """geo.level_review's rows (the jurisdictions must be written first)."""
    patterns = load_reference(files.paths.reference_dir).table("level_patterns")
    rules = pd.DataFrame({"rule": "level_patterns:" + patterns["priority"], "reason": patterns["reason"]})
    con.register("level_rules", rules)
    try:
        return con.execute(LEVEL_REVIEW_SQL).df()
    finally:
        con.unregister("level_rules")


def count_metadata(table: pd.DataFrame, column: str) -> dict[str, int]:
    return {f"{column}: {value}": int(n) for value, n in table[column].value_counts(dropna=False).items()}


def not_found_preview(table: pd.DataFrame) -> dg.MarkdownMetadataValue:
    missing = table[table["match_method"] == NOT_FOUND].sort_values(["state_code", "agency_name"])
    return preview(missing[["state_code", "agency_name", "ice_level", "not_found_reason"]], 200)


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            key=table_key(table),
            group_name=GROUP,
            kinds={"duckdb"},
            description=table.description,
            metadata=asset_metadata(table),
            deps=[
                dg.AssetKey(["clean", "agreements"]),
                dg.AssetKey(["raw", "snapshots"]),
                table_key(catalog.HISTORY_LINKS),
                *(table_key(_CATALOG_BY_NAME[name]) for name in CENSUS_TABLES),
            ],
        )
        for table in (catalog.AGENCY_JURISDICTIONS, catalog.AGENCY_COUNTIES, catalog.LEVEL_REVIEW)
    ],
    name="agency_geography",
)
def agency_geography(files: G287Files, duckdb: DuckDBResource):
    """Match every agency ever seen in a usable participating list to its jurisdiction and counties."""
    overrides = load_overrides(files.paths.reference_dir)
    with duckdb.get_connection() as con:
        agencies = con.execute(AGENCIES_SQL, ["usable", "participating"]).df()
        census_sources = ",".join(
            sha256
            for (sha256,) in con.execute("SELECT sha256 FROM geo.census_sources ORDER BY source").fetchall()
        )
        matched, reused = cached_match(
            files.paths.work_db.parent,
            agencies,
            overrides,
            census_sources,
            lambda: match_agencies(
                agencies, read_census(obtain_sources(files.mirror, files.paths.cache))[0], overrides
            ),
        )
        jurisdictions, bridge = without_moved_agencies(
            with_ice_columns(matched.jurisdictions, agencies), matched.county_bridge
        )
        replace_table(con, catalog.AGENCY_JURISDICTIONS, jurisdictions)
        replace_table(con, catalog.AGENCY_COUNTIES, bridge)
        levels = level_review(con, files)
        replace_table(con, catalog.LEVEL_REVIEW, levels)
    rates = match_rates(jurisdictions.rename(columns={"ice_level": "level"}))
    yield dg.MaterializeResult(
        asset_key=table_key(catalog.AGENCY_JURISDICTIONS),
        metadata={
            "dagster/row_count": len(jurisdictions),
            "matched again": not reused,
            **rates,
            **count_metadata(jurisdictions, "match_method"),
            **count_metadata(jurisdictions, "jurisdiction_level"),
            "not found": not_found_preview(jurisdictions),
            "preview": preview(
                jurisdictions[
                    ["state_code", "agency_name", "jurisdiction_level", "jurisdiction_name", "population"]
                ]
            ),
        },
    )
    yield dg.MaterializeResult(
        asset_key=table_key(catalog.AGENCY_COUNTIES),
        metadata={
            "dagster/row_count": len(bridge),
            "agencies": int(bridge[["state_code", "agency_key"]].drop_duplicates().shape[0]),
            "counties": int(bridge["county_fips"].nunique()),
            **count_metadata(bridge, "county_source"),
            "preview": preview(bridge),
        },
    )
    yield dg.MaterializeResult(
        asset_key=table_key(catalog.LEVEL_REVIEW),
        metadata={
            "dagster/row_count": len(levels),
            "agencies": int(levels[["state_code", "agency_key"]].drop_duplicates().shape[0]),
            "census disagrees": int((levels["census_agrees"] == False).sum()),  # noqa: E712
            "preview": preview(
                levels[["state_code", "agency_name", "level_ice", "level", "jurisdiction_level"]]
            ),
        },
    )


# ---- checks ---------------------------------------------------------------------------------------------

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


@dg.asset_check(
    asset=JURISDICTIONS_KEY,
    description="No agency is given a county of another state, in geo.agency_jurisdictions or the bridge.",
)
def counties_within_state(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    with duckdb.get_connection() as con:
        wrong = con.execute(
            """
            SELECT j.state_code, j.agency_name, j.state_fips, j.county_fips, 'jurisdiction' AS found_in
            FROM geo.agency_jurisdictions j
            WHERE j.county_fips IS NOT NULL AND left(j.county_fips, 2) IS DISTINCT FROM j.state_fips
            UNION ALL
            SELECT j.state_code, j.agency_name, j.state_fips, b.county_fips, 'bridge'
            FROM geo.agency_counties b JOIN geo.agency_jurisdictions j USING (state_code, agency_key)
            WHERE left(b.county_fips, 2) IS DISTINCT FROM j.state_fips
            """
        ).df()
    return dg.AssetCheckResult(
        passed=wrong.empty,
        metadata={"agencies with a county of another state": len(wrong), "rows": preview(wrong, 50)},
    )


@dg.asset_check(
    asset=JURISDICTIONS_KEY,
    description=(
        "Population is NULL exactly when the agency is NOT FOUND or is matched to a place whose population "
        "the estimates lack (geo.places.population_gap: Georgia's cities in the offline copy): never a "
        "silent gap, never a guess."
    ),
)
def population_null_only_when_expected(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    with duckdb.get_connection() as con:
        wrong = con.execute(
            """
            SELECT j.state_code, j.agency_name, j.jurisdiction_level, j.match_method, j.population
            FROM geo.agency_jurisdictions j
            LEFT JOIN geo.places p
                   ON j.jurisdiction_level = ? AND p.place_geoid = j.place_geoid
            WHERE (j.population IS NULL)
                  <> (j.match_method = ? OR p.population_gap IS NOT NULL)
            """,
            ["place", NOT_FOUND],
        ).df()
    return dg.AssetCheckResult(
        passed=wrong.empty,
        metadata={"unexpected rows": len(wrong), "rows": preview(wrong, 50)},
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


@dg.asset_check(
    asset=JURISDICTIONS_KEY,
    description=(
        "No two agencies of different states share a jurisdiction (place, county subdivision, county or "
        "state): an agency filed by ICE under the wrong state must not borrow another state's people."
    ),
)
def no_jurisdiction_shared_across_states(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    with duckdb.get_connection() as con:
        shared = con.execute(SHARED_JURISDICTIONS_SQL, [NOT_FOUND]).df()
    return dg.AssetCheckResult(
        passed=shared.empty,
        metadata={"jurisdictions shared across states": len(shared), "rows": preview(shared, 50)},
    )


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


CHECKS = [
    county_offices_matched,
    municipal_match_rate,
    counties_within_state,
    population_null_only_when_expected,
    no_jurisdiction_shared_across_states,
    county_populations_sum_to_national_total,
]
