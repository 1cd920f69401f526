"""The scenario tables of the data dictionary: what-if questions and their answers."""

from __future__ import annotations

from g287_assets.lib.warehouse.schema import define_table

# ---- scenarios (what-if questions, g287_assets/lib/scenarios/engine.py; presets in data/scenarios/) ---------------

_SCENARIO_JURISDICTION = [
    ("jurisdiction_level", "VARCHAR", "county / place / county_subdivision / state / other (NOT FOUND)"),
    ("jurisdiction_name", "VARCHAR", "Census name of the jurisdiction"),
    ("county_fips", "VARCHAR", "5-digit FIPS of the jurisdiction's principal county"),
    ("place_geoid", "VARCHAR", "Census GEOID of the place or county subdivision"),
    ("population", "BIGINT", "Census 2024 population of the jurisdiction (NULL when not found)"),
    ("match_method", "VARCHAR", "How it was matched ('census seat': a sheriff or police never listed)"),
    ("not_found_reason", "VARCHAR", "Why no jurisdiction was matched"),
]
_SCENARIO_COVERAGE = [
    ("population_covered", "BIGINT", "Residents whose local agency holds any agreement; counted once"),
    ("population_covered_jem", "BIGINT", "Residents covered by a Jail Enforcement Model agreement"),
    ("population_covered_wso", "BIGINT", "Residents covered by a Warrant Service Officer agreement"),
    ("population_covered_tfm", "BIGINT", "Residents covered by a Task Force Model agreement"),
]

SCENARIO_DEFINITIONS = define_table(
    "scenarios.definitions",
    "One row per preset scenario (data/scenarios/*.yaml): what it asks, its baseline list and its operations.",
    [
        ("scenario", "VARCHAR", "Scenario name (the YAML's name)"),
        ("title", "VARCHAR", "A short heading for the scenario (the YAML's title, else its name)"),
        ("description", "VARCHAR", "What the scenario asks"),
        ("source", "VARCHAR", "The YAML file it was read from"),
        (
            "status",
            "VARCHAR",
            "ran, or not_applicable: this history cannot answer it (e.g. its date precedes every usable "
            "list); such a scenario has no rows in the other scenarios tables",
        ),
        ("status_reason", "VARCHAR", "Why a not_applicable scenario could not run (NULL when it ran)"),
        ("baseline_requested", "DATE", "The baseline date the file asks for (NULL: the newest list)"),
        (
            "baseline_date",
            "DATE",
            "Date of the list used as baseline: the newest usable one on or before it (NULL: did not run)",
        ),
        ("baseline_snapshot_key", "VARCHAR", "That list's snapshot key"),
        ("operations", "VARCHAR", "The operations, numbered, in the order applied"),
    ],
)

SCENARIO_RESULTS = define_table(
    "scenarios.results",
    "One row per scenario and state plus a national row (state_code NULL): agreements, agencies and local "
    "population covered (marts' rule) in the scenario, beside its baseline list and the difference.",
    [
        ("scenario", "VARCHAR", "Scenario name (scenarios.definitions)"),
        ("state_code", "VARCHAR", "USPS state code; NULL for the national row"),
        ("population", "BIGINT", "Census 2024 population (national: the 50 states and DC)"),
        ("agreements", "BIGINT", "Agreements in the scenario (state agencies included)"),
        ("agencies", "BIGINT", "Agencies holding at least one agreement in the scenario"),
        ("jem", "BIGINT", "Jail Enforcement Model agreements in the scenario"),
        ("wso", "BIGINT", "Warrant Service Officer agreements in the scenario"),
        ("tfm", "BIGINT", "Task Force Model agreements in the scenario"),
        *_SCENARIO_COVERAGE,
        ("share_covered", "DOUBLE", "population_covered / population"),
        ("statewide_agencies", "BIGINT", "State agencies holding an agreement (beside coverage, not in it)"),
        (
            "agreements_not_found",
            "BIGINT",
            "Agreements whose agency has no Census jurisdiction (NOT FOUND): counted, but outside coverage",
        ),
        ("delta_agreements", "BIGINT", "agreements - baseline_agreements"),
        ("delta_agencies", "BIGINT", "agencies - baseline_agencies"),
        ("delta_population_covered", "BIGINT", "population_covered - baseline_population_covered"),
        ("baseline_agreements", "BIGINT", "Agreements in the baseline list"),
        ("baseline_agencies", "BIGINT", "Agencies in the baseline list"),
        ("baseline_jem", "BIGINT", "Jail Enforcement Model agreements in the baseline list"),
        ("baseline_wso", "BIGINT", "Warrant Service Officer agreements in the baseline list"),
        ("baseline_tfm", "BIGINT", "Task Force Model agreements in the baseline list"),
        ("baseline_population_covered", "BIGINT", "Residents covered in the baseline list"),
        ("baseline_population_covered_jem", "BIGINT", "Residents covered by JEM in the baseline list"),
        ("baseline_population_covered_wso", "BIGINT", "Residents covered by WSO in the baseline list"),
        ("baseline_population_covered_tfm", "BIGINT", "Residents covered by TFM in the baseline list"),
        ("baseline_statewide_agencies", "BIGINT", "State agencies holding an agreement in the baseline list"),
        ("baseline_date", "DATE", "Date of the baseline list"),
        ("baseline_snapshot_key", "VARCHAR", "Snapshot key of the baseline list"),
    ],
    public=True,
)

SCENARIO_COUNTY_COVERAGE = define_table(
    "scenarios.county_coverage",
    "One row per scenario and county (all 3,144): local agreements and population covered in the scenario "
    "and in its baseline, to draw a scenario on the county map.",
    [
        ("scenario", "VARCHAR", "Scenario name"),
        ("county_fips", "VARCHAR", "5-digit county FIPS code"),
        ("county_name", "VARCHAR", "Census county name"),
        ("state_code", "VARCHAR", "USPS state code"),
        ("population", "BIGINT", "Census 2024 population"),
        ("agreements", "BIGINT", "Local agreements, counted in their agency's principal county"),
        ("agencies", "BIGINT", "Local agencies holding them"),
        ("jem", "BIGINT", "Local Jail Enforcement Model agreements"),
        ("wso", "BIGINT", "Local Warrant Service Officer agreements"),
        ("tfm", "BIGINT", "Local Task Force Model agreements"),
        *_SCENARIO_COVERAGE,
        ("share_covered", "DOUBLE", "population_covered / population"),
        ("baseline_agreements", "BIGINT", "Local agreements in the baseline list"),
        ("baseline_population_covered", "BIGINT", "Residents covered in the baseline list"),
        ("delta_agreements", "BIGINT", "agreements - baseline_agreements"),
        ("delta_population_covered", "BIGINT", "population_covered - baseline_population_covered"),
    ],
)

SCENARIO_CHANGES = define_table(
    "scenarios.changes",
    "One row per agreement a scenario adds or ends compared with its baseline list, with the agency's "
    "jurisdiction: the audit trail of each scenario's figures.",
    [
        ("scenario", "VARCHAR", "Scenario name"),
        ("change", "VARCHAR", "added (in the scenario, not the baseline) or ended (the reverse)"),
        ("state_code", "VARCHAR", "USPS state code"),
        ("agency_name", "VARCHAR", "Agency name (a sheriff or police never listed: after its jurisdiction)"),
        ("agency_key", "VARCHAR", "Normalized agency name (a GEOID appended when the name is taken)"),
        ("level", "VARCHAR", "county / municipal / state / other"),
        ("model", "VARCHAR", "JEM, WSO or TFM"),
        ("signed_date", "DATE", "Signing date of a listed agreement (NULL for a hypothetical one)"),
        ("agreement_id", "VARCHAR", "history.agreements id of a listed agreement"),
        ("origin", "VARCHAR", "listed (participating lists), pending, or census (never listed)"),
        ("operation", "INTEGER", "For added: the number of the operation that added it"),
        *_SCENARIO_JURISDICTION,
    ],
)

SCENARIO_PENDING_AGENCIES = define_table(
    "scenarios.pending_agencies",
    "One row per agency of the newest usable pending list, with the models it asked for and its Census "
    "jurisdiction: from geo.agency_jurisdictions, else matched like participating agencies, else NOT FOUND.",
    [
        ("state_code", "VARCHAR", "USPS state code"),
        ("state_fips", "VARCHAR", "2-digit state FIPS code"),
        ("agency_name", "VARCHAR", "Agency name as the pending list writes it"),
        ("agency_key", "VARCHAR", "Normalized agency name"),
        ("level", "VARCHAR", "county / municipal / state / other, from the pending list"),
        ("county_name", "VARCHAR", "The pending list's COUNTY column"),
        ("requested_models", "VARCHAR[]", "Models the agency asked for"),
        ("snapshot_key", "VARCHAR", "Snapshot key of the pending list"),
        ("snapshot_date", "DATE", "Date of the pending list"),
        *_SCENARIO_JURISDICTION,
        ("jurisdiction_source", "VARCHAR", "geo.agency_jurisdictions (a participating list), or matched"),
    ],
)

SCENARIO_PENDING_AGENCY_COUNTIES = define_table(
    "scenarios.pending_agency_counties",
    "Bridge from each pending agency matched here (not in geo.agency_jurisdictions) to every county its "
    "jurisdiction touches, like geo.agency_counties.",
    [
        ("agency_key", "VARCHAR", "Normalized agency name"),
        ("state_code", "VARCHAR", "USPS state code"),
        ("county_fips", "VARCHAR", "5-digit FIPS of a county the jurisdiction touches"),
        ("part_population", "BIGINT", "People of the jurisdiction living in that county"),
        ("county_source", "VARCHAR", "census or ice_county_column"),
    ],
)

SCENARIO_TABLES = [
    SCENARIO_PENDING_AGENCIES,
    SCENARIO_PENDING_AGENCY_COUNTIES,
    SCENARIO_DEFINITIONS,
    SCENARIO_RESULTS,
    SCENARIO_COUNTY_COVERAGE,
    SCENARIO_CHANGES,
]
