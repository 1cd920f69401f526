"""The geography tables of the data dictionary: Census populations and points, each agency's jurisdiction and counties."""

from __future__ import annotations

from g287_assets.lib.warehouse.schema import define_table

# ---- geography (Census Vintage 2024 estimates and Gazetteer internal points) -------------------------

GEO_CENSUS_SOURCES = define_table(
    "geo.census_sources",
    "The Census files the geo tables were built from: where each came from and the sha256 of the bytes read.",
    [
        (
            "source",
            "VARCHAR",
            "Which file: county_population, subcounty_population, county/place/cousub_points",
        ),
        ("file_name", "VARCHAR", "Census file name (for a zipped Gazetteer, the file inside the zip)"),
        ("url", "VARCHAR", "The Census Bureau's download URL"),
        ("origin", "VARCHAR", "Where the bytes were read: the URL, or the mirror path when offline"),
        (
            "obtained",
            "VARCHAR",
            "mirror (G287_SOURCE_MIRROR), cache (earlier download, sha256 checked) or downloaded",
        ),
        ("sha256", "VARCHAR", "SHA-256 of the file read (after unzipping)"),
        ("bytes", "BIGINT", "Size of the file read"),
        ("rows", "INTEGER", "Data rows the reader returned"),
    ],
)

GEO_STATES = define_table(
    "geo.states",
    "The 50 states and DC with their July 1, 2024 population (Census Vintage 2024, co-est2024-alldata.csv).",
    [
        ("state_fips", "VARCHAR", "2-digit state FIPS code"),
        ("state_code", "VARCHAR", "USPS state code"),
        ("state_name", "VARCHAR", "State name as Census writes it"),
        ("population", "BIGINT", "Population estimate, July 1, 2024"),
        ("counties", "INTEGER", "Counties and county-equivalents in the state"),
        ("latitude", "DOUBLE", "Population-weighted mean of the state's county internal points"),
        ("longitude", "DOUBLE", "Population-weighted mean of the state's county internal points"),
    ],
)

GEO_COUNTIES = define_table(
    "geo.counties",
    "Every county and county-equivalent (3,144: parishes, boroughs, Virginia cities, Connecticut's planning "
    "regions) with its 2024 population and Gazetteer internal point.",
    [
        ("county_fips", "VARCHAR", "5-digit county FIPS code (state + county)"),
        ("state_fips", "VARCHAR", "2-digit state FIPS code"),
        ("state_code", "VARCHAR", "USPS state code"),
        ("county_name", "VARCHAR", "Name with its kind, e.g. 'Orleans Parish', 'Hopewell city'"),
        ("population", "BIGINT", "Population estimate, July 1, 2024"),
        ("latitude", "DOUBLE", "Internal point latitude (2024 Gazetteer)"),
        ("longitude", "DOUBLE", "Internal point longitude (2024 Gazetteer)"),
        ("land_area_sqmi", "DOUBLE", "Land area in square miles (2024 Gazetteer)"),
    ],
)

GEO_PLACES = define_table(
    "geo.places",
    "Incorporated places (SUMLEV 162 of sub-est2024.csv) with population, principal county and internal "
    "point; Georgia's, missing from the estimates copy, come from the Gazetteer with no population.",
    [
        ("place_geoid", "VARCHAR", "7-digit place GEOID (state + place)"),
        ("state_fips", "VARCHAR", "2-digit state FIPS code"),
        ("state_code", "VARCHAR", "USPS state code"),
        ("name", "VARCHAR", "Name with its legal kind, e.g. 'Stamford city', 'Springdale borough'"),
        ("funcstat", "VARCHAR", "Census functional status (A = active government)"),
        (
            "county_fips",
            "VARCHAR",
            "Principal county: the county holding most of its people (NULL in Georgia)",
        ),
        ("county_count", "INTEGER", "Counties the place touches (rows in geo.place_county_parts)"),
        ("population", "BIGINT", "Population estimate, July 1, 2024 (NULL for Georgia places)"),
        ("latitude", "DOUBLE", "Internal point latitude (2025 Gazetteer)"),
        ("longitude", "DOUBLE", "Internal point longitude (2025 Gazetteer)"),
        ("land_area_sqmi", "DOUBLE", "Land area in square miles (2025 Gazetteer)"),
        ("population_gap", "VARCHAR", "Why population is NULL (NULL when it is known)"),
    ],
)

GEO_COUNTY_SUBDIVISIONS = define_table(
    "geo.county_subdivisions",
    "County subdivisions (SUMLEV 061 of sub-est2024.csv): the towns and townships that township police "
    "departments serve, with population and internal point.",
    [
        ("cousub_geoid", "VARCHAR", "10-digit GEOID (state + county + subdivision)"),
        ("state_fips", "VARCHAR", "2-digit state FIPS code"),
        ("state_code", "VARCHAR", "USPS state code"),
        ("county_fips", "VARCHAR", "5-digit FIPS of the county it lies in"),
        ("name", "VARCHAR", "Name with its legal kind, e.g. 'East Pennsboro township'"),
        ("funcstat", "VARCHAR", "Census functional status (A active, F fictitious, ...)"),
        ("population", "BIGINT", "Population estimate, July 1, 2024"),
        ("latitude", "DOUBLE", "Internal point latitude (2025 Gazetteer; NULL for 13 renamed subdivisions)"),
        ("longitude", "DOUBLE", "Internal point longitude (2025 Gazetteer)"),
        ("land_area_sqmi", "DOUBLE", "Land area in square miles (2025 Gazetteer)"),
    ],
)

GEO_PLACE_COUNTY_PARTS = define_table(
    "geo.place_county_parts",
    "The part of each incorporated place inside each county it touches (SUMLEV 157 of sub-est2024.csv).",
    [
        ("place_geoid", "VARCHAR", "7-digit place GEOID"),
        ("county_fips", "VARCHAR", "5-digit FIPS of the county holding this part"),
        ("state_fips", "VARCHAR", "2-digit state FIPS code"),
        ("name", "VARCHAR", "Census name of the part, e.g. 'Stamford city (pt.)'"),
        ("population", "BIGINT", "People of the place living in this county, July 1, 2024"),
    ],
)

AGENCY_JURISDICTIONS = define_table(
    "geo.agency_jurisdictions",
    "One row per agency ever seen in a usable participating list: the Census jurisdiction it serves, its "
    "population and point, and how it was matched, or NOT FOUND with the reason.",
    [
        ("state_code", "VARCHAR", "USPS state code"),
        ("agency_name", "VARCHAR", "Agency name as ICE wrote it in its newest appearance"),
        ("agency_key", "VARCHAR", "Normalized agency name (with state_code, the agency's key)"),
        (
            "jurisdiction_level",
            "VARCHAR",
            "county / place / county_subdivision / state / other (other: no Census jurisdiction found)",
        ),
        ("state_fips", "VARCHAR", "2-digit state FIPS code"),
        (
            "county_fips",
            "VARCHAR",
            "County of the jurisdiction (a place's principal county); else ICE's COUNTY column if it "
            "names a real county (see county_source); NULL for state agencies",
        ),
        ("place_geoid", "VARCHAR", "Place (7 digits) or county subdivision (10 digits) GEOID"),
        ("jurisdiction_name", "VARCHAR", "Census name of the jurisdiction(s), '; '-separated"),
        (
            "population",
            "BIGINT",
            "July 1, 2024 population of the jurisdiction; NULL when NOT FOUND and for Georgia places",
        ),
        ("latitude", "DOUBLE", "Internal point of the jurisdiction (states: population-weighted)"),
        ("longitude", "DOUBLE", "Internal point of the jurisdiction (states: population-weighted)"),
        (
            "match_method",
            "VARCHAR",
            "county name, county column, county fuzzy, place/cousub exact or fuzzy, state, override, "
            "or 'not found'",
        ),
        ("match_score", "DOUBLE", "Name similarity 0-100 of the match (or of the best rejected candidate)"),
        (
            "not_found_reason",
            "VARCHAR",
            "Why there is no jurisdiction or no population, naming the best candidates",
        ),
        (
            "override_reason",
            "VARCHAR",
            "Reason of the reviewed row of jurisdiction_overrides.csv that decided it",
        ),
        ("county_source", "VARCHAR", "census (from the jurisdiction) or ice_county_column"),
        ("ice_level", "VARCHAR", "ICE's level in the newest appearance: county / municipal / state / other"),
        ("ice_county_name", "VARCHAR", "ICE's COUNTY column in the newest appearance"),
        ("first_seen_date", "DATE", "Date of the first usable participating list naming the agency"),
        ("last_seen_date", "DATE", "Date of the newest usable participating list naming the agency"),
        (
            "county_cell_fips",
            "VARCHAR",
            "The county ICE's COUNTY cell names, when it names one of the state (exactly or by one slip)",
        ),
        (
            "county_cell_match",
            "VARCHAR",
            "How the COUNTY cell was read: exact, typo (one letter off one county's name), no county (names "
            "none of the state: never used), NULL (empty or #NA); a cell whose county differs from county_fips "
            "is a recorded mismatch",
        ),
    ],
    public=True,
)

AGENCY_COUNTIES = define_table(
    "geo.agency_counties",
    "Bridge from each matched agency to every county its jurisdiction touches: a place spanning three "
    "counties has three rows. State agencies and NOT FOUND agencies have none.",
    [
        ("agency_key", "VARCHAR", "Normalized agency name"),
        ("state_code", "VARCHAR", "USPS state code"),
        ("county_fips", "VARCHAR", "5-digit FIPS of a county the jurisdiction touches"),
        (
            "part_population",
            "BIGINT",
            "People of the jurisdiction living in that county (NULL when only ICE's COUNTY column is known)",
        ),
        (
            "county_source",
            "VARCHAR",
            "census (county parts of the estimates) or ice_county_column (Georgia places)",
        ),
    ],
)

LEVEL_REVIEW = define_table(
    "geo.level_review",
    "Every agency whose level by evidence differs from ICE's TYPE: the name's rule that decided it, its reason, "
    "and whether the agency's Census jurisdiction agrees. One row per agency and pair of levels.",
    [
        ("state_code", "VARCHAR", "USPS state code"),
        ("agency_name", "VARCHAR", "Agency name as last listed with this disagreement"),
        ("agency_key", "VARCHAR", "The agency's key"),
        ("level_ice", "VARCHAR", "The level ICE's TYPE gives"),
        ("level", "VARCHAR", "The level by evidence, used everywhere"),
        ("rule", "VARCHAR", "The level_patterns.csv row that decided (level_patterns:<priority>)"),
        ("reason", "VARCHAR", "That row's reason"),
        (
            "jurisdiction_level",
            "VARCHAR",
            "The agency's Census jurisdiction (geo.agency_jurisdictions): county, place, county_subdivision, "
            "state, other",
        ),
        (
            "census_agrees",
            "BOOLEAN",
            "The jurisdiction is of the level by evidence (place and county subdivision are municipal); NULL "
            "when the agency has no jurisdiction",
        ),
        ("lists", "INTEGER", "Usable participating lists with this disagreement"),
        ("first_seen_date", "DATE", "First of those lists"),
        ("last_seen_date", "DATE", "Last of those lists"),
    ],
)

GEO_TABLES = [
    GEO_CENSUS_SOURCES,
    GEO_STATES,
    GEO_COUNTIES,
    GEO_PLACES,
    GEO_COUNTY_SUBDIVISIONS,
    GEO_PLACE_COUNTY_PARTS,
    AGENCY_JURISDICTIONS,
    AGENCY_COUNTIES,
    LEVEL_REVIEW,
]
