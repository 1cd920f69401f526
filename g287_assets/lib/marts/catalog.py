"""The marts of the data dictionary: today's agreements and the county and state summaries."""

from __future__ import annotations

from g287_assets.lib.cleaning.catalog import CLEAN_AGREEMENTS
from g287_assets.lib.warehouse.schema import Column, Table, define_table

_CURRENT_EXTRA = [
    ("agreement_id", "VARCHAR", "The agreement's id in history.agreements"),
    (
        "lineage_id",
        "VARCHAR",
        "Id of the first row of its chain of corrections (one agreement across ICE's fixes)",
    ),
    ("first_seen_date", "DATE", "Date of the first usable list that has it"),
    (
        "jurisdiction_level",
        "VARCHAR",
        "county / place / county_subdivision / state / other (geo.agency_jurisdictions)",
    ),
    ("jurisdiction_name", "VARCHAR", "Census name of the matched jurisdiction"),
    ("county_fips", "VARCHAR", "5-digit FIPS of the jurisdiction's principal county"),
    ("place_geoid", "VARCHAR", "Census GEOID of the matched place or county subdivision"),
    ("population", "BIGINT", "Census 2024 population of the jurisdiction (NULL when not found)"),
    ("latitude", "DOUBLE", "Internal point of the jurisdiction (Census Gazetteer)"),
    ("longitude", "DOUBLE", "Internal point of the jurisdiction (Census Gazetteer)"),
    ("match_method", "VARCHAR", "How the agency was matched to its jurisdiction"),
    ("not_found_reason", "VARCHAR", "Why no jurisdiction was matched"),
    (
        "name_key",
        "VARCHAR",
        "Normalized name as written, before abbreviations and aliases (clean.agreements)",
    ),
    ("moa_date", "DATE", "Date written in the MOA link's file name"),
    ("addendum_date", "DATE", "Date written in the addendum link's file name"),
    ("signed_contradicts_moa", "BOOLEAN", "SIGNED is more than 31 days from moa_date (history.agreements)"),
    (
        "county_raw",
        "VARCHAR",
        "ICE's COUNTY cell as typed (cleaned of spaces), '#NA' and misspellings included",
    ),
    (
        "county_raw_status",
        "VARCHAR",
        "What the agency's COUNTY cell says against county_name: matches, another county (of the state), "
        "no county (names none of the state, so never used), not used (a county, but the agency has none: "
        "a state agency or one not found), NULL (empty, #NA or N/A)",
    ),
    ("level_ice", "VARCHAR", "The level ICE's TYPE column gives; level is decided by evidence"),
]
_CURRENT_FROM_CLEAN = [
    Column(
        "county_name",
        "VARCHAR",
        "Census name of the county of the agency's jurisdiction (geo.counties by county_fips); NULL for state "
        "agencies and agencies not found. ICE's cell is county_raw",
    )
    if column.name == "county_name"
    else column
    for column in CLEAN_AGREEMENTS.columns
    if column.name not in ("duplicate_rows", "name_key", "moa_date", "addendum_date", "level_ice")
]

CURRENT_AGREEMENTS = Table(
    "marts.current_agreements",
    "One row per active agreement in the newest usable participating list, with its history id, jurisdiction, "
    "population and point. The table most people query.",
    tuple(_CURRENT_FROM_CLEAN) + tuple(Column(*column) for column in _CURRENT_EXTRA),
    public=True,
)

_COVERAGE = [
    (
        "population_covered",
        "BIGINT",
        "Residents whose local agency (sheriff, county jail or city/town police) holds any agreement; counted once",
    ),
    ("population_covered_jem", "BIGINT", "Residents covered by a Jail Enforcement Model agreement"),
    ("population_covered_wso", "BIGINT", "Residents covered by a Warrant Service Officer agreement"),
    ("population_covered_tfm", "BIGINT", "Residents covered by a Task Force Model agreement"),
]
_COUNTS = [
    ("agreements", "BIGINT", "Active agreements (one agency may hold up to three, one per model)"),
    ("agencies", "BIGINT", "Agencies holding at least one active agreement"),
    ("jem", "BIGINT", "Active Jail Enforcement Model agreements"),
    ("wso", "BIGINT", "Active Warrant Service Officer agreements"),
    ("tfm", "BIGINT", "Active Task Force Model agreements"),
]

COUNTY_SUMMARY = define_table(
    "marts.county_summary",
    "One row per county (all 3,144, Connecticut's planning regions included): local agreements and agencies "
    "(counted in their agency's principal county; state agencies are in marts.state_summary), per 100,000 "
    "residents, and the population covered by local agreements.",
    [
        ("county_fips", "VARCHAR", "5-digit county FIPS code"),
        ("county_name", "VARCHAR", "Census county name"),
        ("state_code", "VARCHAR", "USPS state code"),
        ("state_fips", "VARCHAR", "2-digit state FIPS code"),
        ("population", "BIGINT", "Census 2024 population"),
        *_COUNTS[:2],
        *_COUNTS[2:],
        ("agreements_per_100k", "DOUBLE", "Local agreements per 100,000 residents"),
        *_COVERAGE,
        ("share_covered", "DOUBLE", "population_covered / population"),
        ("latitude", "DOUBLE", "County internal point (Census Gazetteer)"),
        ("longitude", "DOUBLE", "County internal point (Census Gazetteer)"),
    ],
    public=True,
)

STATE_SUMMARY = define_table(
    "marts.state_summary",
    "One row per state (and territory with agreements): all active agreements and agencies, local population "
    "covered (statewide agencies are reported beside it, not inside it), and the statewide agencies.",
    [
        ("state_code", "VARCHAR", "USPS state code"),
        ("state_fips", "VARCHAR", "2-digit state FIPS code"),
        ("state_name", "VARCHAR", "State name (NULL for territories without Census state rows)"),
        ("population", "BIGINT", "Census 2024 population"),
        *_COUNTS,
        *_COVERAGE,
        ("share_covered", "DOUBLE", "population_covered / population"),
        (
            "statewide_agencies",
            "BIGINT",
            "State agencies (state police, corrections, ...) holding an agreement",
        ),
        ("statewide_agreements", "VARCHAR", "Those agencies and their models"),
    ],
    public=True,
)
