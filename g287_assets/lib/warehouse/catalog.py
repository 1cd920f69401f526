"""The data dictionary: every table g287 writes, its columns, their types and what they mean.

One source for the DuckDB DDL, the `COMMENT ON` descriptions and the column schemas shown in Dagster.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str


@dataclass(frozen=True)
class Table:
    name: str  # schema.table
    description: str
    columns: tuple[Column, ...]
    public: bool = False

    @property
    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]


def _table(name: str, description: str, columns: list[tuple[str, str, str]], public: bool = False) -> Table:
    return Table(name, description, tuple(Column(*column) for column in columns), public)


FILE_IMPORTS = _table(
    "raw.file_imports",
    "Every file ever offered for import, once per content and path: a new snapshot, an alias of one, or a rejection.",
    [
        ("import_seq", "INTEGER", "Order of registration (1 = first file ever imported)"),
        ("sha256", "VARCHAR", "SHA-256 of the file's bytes"),
        ("file_name", "VARCHAR", "Base name of the file as offered"),
        ("source_path", "VARCHAR", "Where the file was found"),
        ("imported_at", "TIMESTAMP WITH TIME ZONE", "When it was registered"),
        ("outcome", "VARCHAR", "snapshot (first copy of this content), alias (same bytes again) or rejected"),
        ("snapshot_key", "VARCHAR", "The snapshot this content became (NULL when rejected)"),
        ("reason", "VARCHAR", "Why the file was rejected"),
        ("named_date", "DATE", "The date its name states, when it is a real date"),
        ("name_label", "VARCHAR", "Time-of-day label in the name (am, mid, pm, pm2, wb+time...)"),
        ("name_kind", "VARCHAR", "participating / pending / unknown, as the name says"),
        ("name_problem", "VARCHAR", "What is wrong with the name's date, if anything"),
        ("sidecar_url", "VARCHAR", "Download URL recorded by the downloader's sidecar"),
        (
            "sidecar_fetched_at",
            "TIMESTAMP WITH TIME ZONE",
            "Download time recorded by the downloader's sidecar",
        ),
        (
            "alias_note",
            "VARCHAR",
            "For an alias: a stale re-publication under a later date, or a swapped name",
        ),
    ],
)

RAW_ROWS = _table(
    "raw.rows",
    "ICE's rows verbatim, one per data row of each snapshot's list sheet, with hyperlink targets.",
    [
        ("snapshot_key", "VARCHAR", "Snapshot (partition) the row belongs to"),
        ("sheet_name", "VARCHAR", "Worksheet the list was read from"),
        ("row_number", "INTEGER", "1-based Excel row number (the header is row 1)"),
        ("state", "VARCHAR", "STATE cell as written"),
        ("agency", "VARCHAR", "LAW ENFORCEMENT AGENCY cell as written"),
        ("type", "VARCHAR", "TYPE cell as written (NULL when the file has no TYPE column)"),
        ("county", "VARCHAR", "COUNTY cell as written"),
        ("support_type", "VARCHAR", "SUPPORT TYPE cell as written"),
        ("signed", "VARCHAR", "SIGNED cell: ISO text for date cells, verbatim text otherwise"),
        ("signed_cell_type", "VARCHAR", "date, text, number, empty, or absent (no SIGNED column)"),
        ("moa", "VARCHAR", "MOA cell text (usually 'link' or 'link pending')"),
        ("addendum", "VARCHAR", "ADDENDUM cell text"),
        ("moa_link", "VARCHAR", "Hyperlink target of the MOA cell, Outlook safelinks unwrapped"),
        ("addendum_link", "VARCHAR", "Hyperlink target of the ADDENDUM cell"),
    ],
)

SNAPSHOT_CONTENTS = _table(
    "raw.snapshot_contents",
    "What each snapshot's file holds, read from its content: list sheet, header, rows, and the date decided for it.",
    [
        ("snapshot_key", "VARCHAR", "Snapshot (partition) key"),
        ("sha256", "VARCHAR", "SHA-256 of the archived file"),
        ("sheet_name", "VARCHAR", "Worksheet holding the list"),
        ("header", "VARCHAR", "Header row as read, columns joined by ' | '"),
        (
            "header_code",
            "VARCHAR",
            "Header variant code (H1-H7 of the archive's provenance, or 'new variant')",
        ),
        ("ignored_sheets", "VARCHAR", "Other worksheets of the workbook, not read"),
        ("data_rows", "INTEGER", "Non-blank rows under the header"),
        ("blank_rows_inside", "INTEGER", "Blank rows found between data rows"),
        ("content_kind", "VARCHAR", "participating when the header has SIGNED, else pending"),
        ("newest_signed", "DATE", "Latest plausible signing date in the rows"),
        ("snapshot_date", "DATE", "Date decided for the list (name, capture time, sidecar or repair)"),
        ("snapshot_at", "TIMESTAMP", "Sortable moment: orders two lists of one day by their label"),
        ("label", "VARCHAR", "Time-of-day label of the name the date came from"),
        ("date_basis", "VARCHAR", "Where the date came from"),
        ("date_flag", "VARCHAR", "Why the date is doubtful or how it was repaired (NULL when clean)"),
        ("date_usable", "BOOLEAN", "False when no defensible date exists"),
        ("read_error", "VARCHAR", "Why the file could not be read as a list (then it has no rows)"),
        ("read_at", "TIMESTAMP", "When the file's rows were (re)read into raw.rows"),
    ],
)

SNAPSHOTS = _table(
    "raw.snapshots",
    "One row per distinct file content (snapshot), with its date, true list kind and quality status.",
    [
        ("snapshot_key", "VARCHAR", "Stable key of the snapshot (also its Dagster partition)"),
        ("snapshot_date", "DATE", "Date of the list (see date_basis)"),
        ("snapshot_at", "TIMESTAMP", "Sortable moment of the list; orders two lists of one day"),
        ("list_kind", "VARCHAR", "participating / pending / unknown, decided by the header, not the name"),
        ("file_name", "VARCHAR", "Base name the content was first imported under"),
        ("sha256", "VARCHAR", "SHA-256 of the file"),
        ("row_count", "INTEGER", "Data rows in the file"),
        ("agreement_count", "INTEGER", "Rows in clean.agreements (data rows minus exact duplicates)"),
        ("duplicate_rows", "INTEGER", "Exact duplicate rows found in the file and counted once"),
        ("status", "VARCHAR", "usable, or quarantined (never drives history)"),
        ("quality_reason", "VARCHAR", "Every finding about the file, '; '-separated (NULL when none)"),
        (
            "source_format",
            "VARCHAR",
            "spreadsheet (ICE's xlsx lists) or web_table (the 287(g) page's table before 2025)",
        ),
        ("header_code", "VARCHAR", "Header variant code"),
        ("date_basis", "VARCHAR", "Where snapshot_date came from"),
        ("name_kind", "VARCHAR", "List kind the file name claims"),
        ("newest_signed", "DATE", "Latest signing date in the list"),
        ("aliases", "INTEGER", "Other names the same bytes were imported under"),
        (
            "content_hash",
            "VARCHAR",
            "Hash of the cleaned rows: equal lists have equal hashes whatever the bytes",
        ),
    ],
    public=True,
)

CLEAN_AGREEMENTS = _table(
    "clean.agreements",
    "One row per agreement per snapshot: ICE's rows cleaned (states, names, levels, models, dates, links).",
    [
        ("snapshot_key", "VARCHAR", "Snapshot the row comes from"),
        ("snapshot_date", "DATE", "Date of that snapshot"),
        ("list_kind", "VARCHAR", "participating or pending (from the file's header)"),
        ("source_row", "INTEGER", "Excel row number in the file"),
        ("state_code", "VARCHAR", "USPS state code, e.g. TX (typos fixed)"),
        ("state_fips", "VARCHAR", "2-digit state FIPS code"),
        ("agency_name", "VARCHAR", "Agency name for display: spaces collapsed, apostrophes straight"),
        (
            "agency_key",
            "VARCHAR",
            "The agency's key: the normalized name with abbreviations expanded and reviewed aliases applied "
            "(data/reference/agency_key_rules.csv, agency_aliases.csv), so one agency written several ways "
            "shares one key",
        ),
        ("county_name", "VARCHAR", "ICE's COUNTY column, cleaned (NULL when blank or absent)"),
        (
            "level",
            "VARCHAR",
            "county / municipal / state / other, by evidence: the agency's name (level_patterns.csv), else ICE's "
            "TYPE (level_ice)",
        ),
        (
            "level_source",
            "VARCHAR",
            "type (ICE's TYPE, the name agreeing or silent), name (the name overrode a different TYPE) or "
            "inferred (no TYPE: from the name)",
        ),
        ("model", "VARCHAR", "JEM (Jail Enforcement), WSO (Warrant Service Officer) or TFM (Task Force)"),
        ("signed_date", "DATE", "Signing date (NULL when empty, unreadable or implausible)"),
        ("signed_raw", "VARCHAR", "SIGNED cell as written"),
        ("moa_url", "VARCHAR", "Link to the signed agreement (MOA), when ICE gave one"),
        ("addendum_url", "VARCHAR", "Link to the agreement's addendum, when ICE gave one"),
        ("corrections", "VARCHAR[]", "Reference rows that corrected this row (table:value)"),
        ("duplicate_rows", "INTEGER", "Exact copies of this row in the same file, counted once here"),
        (
            "name_key",
            "VARCHAR",
            "Normalized name as written (case, spacing, punctuation folded), before abbreviations and aliases",
        ),
        ("moa_date", "DATE", "Date written in the MOA link's file name (NULL when it carries none)"),
        ("addendum_date", "DATE", "Date written in the addendum link's file name"),
        ("level_ice", "VARCHAR", "The level ICE's TYPE column gives (NULL when missing or #NA)"),
    ],
    public=True,
)

ROW_ISSUES = _table(
    "clean.row_issues",
    "Rows that could not be cleaned fully, and exact duplicates counted once: what and why.",
    [
        ("snapshot_key", "VARCHAR", "Snapshot of the row"),
        ("source_row", "INTEGER", "Excel row number"),
        ("issue", "VARCHAR", "exact duplicate, unknown state, unknown level, unknown model, ..."),
        ("detail", "VARCHAR", "The raw value or the row it duplicates"),
    ],
)

CLEANED_SNAPSHOTS = _table(
    "clean.cleaned_snapshots",
    "Which snapshots clean.agreements holds, from which reading of their rows and which reference tables: "
    "a snapshot is cleaned again only when either changed.",
    [
        ("snapshot_key", "VARCHAR", "Snapshot cleaned"),
        ("raw_read_at", "TIMESTAMP", "raw.snapshot_contents.read_at of the rows that were cleaned"),
        ("reference_hash", "VARCHAR", "sha256 of the reference tables (data/reference/*.csv) used"),
        ("cleaned_at", "TIMESTAMP", "When it was cleaned"),
    ],
)

TABLES = [
    FILE_IMPORTS,
    RAW_ROWS,
    SNAPSHOT_CONTENTS,
    SNAPSHOTS,
    CLEAN_AGREEMENTS,
    ROW_ISSUES,
    CLEANED_SNAPSHOTS,
]


def quote(text: str) -> str:
    """A SQL string literal of catalog text (code constants only, never data)."""
    return "'" + text.replace("'", "''") + "'"


def create_statements(table: Table) -> list[str]:
    """DDL for a table and its comments; identifiers and texts come from this module only."""
    schema = table.name.split(".")[0]
    columns = ", ".join(f"{column.name} {column.type}" for column in table.columns)
    statements = [
        f"CREATE SCHEMA IF NOT EXISTS {schema}",
        f"CREATE TABLE IF NOT EXISTS {table.name} ({columns})",
    ]
    return statements


def comment_statements(table: Table, kind: str = "TABLE") -> list[str]:
    statements = [f"COMMENT ON {kind} {table.name} IS {quote(table.description)}"]
    statements += [
        f"COMMENT ON COLUMN {table.name}.{column.name} IS {quote(column.description)}"
        for column in table.columns
    ]
    return statements


# ---- geography (Census Vintage 2024 estimates and Gazetteer internal points) -------------------------

GEO_CENSUS_SOURCES = _table(
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

GEO_STATES = _table(
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

GEO_COUNTIES = _table(
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

GEO_PLACES = _table(
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

GEO_COUNTY_SUBDIVISIONS = _table(
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

GEO_PLACE_COUNTY_PARTS = _table(
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

AGENCY_JURISDICTIONS = _table(
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

AGENCY_COUNTIES = _table(
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

LEVEL_REVIEW = _table(
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
TABLES += GEO_TABLES


# History: one agreement across ICE's overwritten lists. Written by g287_assets/lib/history/engine.py from the usable
# participating snapshots only; an agreement is identified by (state, agency key, model, signing date).

_AGREEMENT_KEY_COLUMNS = [
    ("state_code", "VARCHAR", "USPS state code"),
    ("agency_name", "VARCHAR", "Agency name as last listed"),
    ("model", "VARCHAR", "JEM, WSO or TFM"),
    ("signed_date", "DATE", "Signing date as ICE lists it (NULL when unknown)"),
]
_TIMELINE_COUNT_COLUMNS = [
    ("agreements", "INTEGER", "Agreements listed (a key listed twice in one file counts once)"),
    ("agencies", "INTEGER", "Distinct agencies (state and agency key) holding them"),
    ("jem", "INTEGER", "Jail Enforcement Model agreements"),
    ("wso", "INTEGER", "Warrant Service Officer agreements"),
    ("tfm", "INTEGER", "Task Force Model agreements"),
    ("level_county", "INTEGER", "Agreements of county agencies"),
    ("level_municipal", "INTEGER", "Agreements of municipal agencies"),
    ("level_state", "INTEGER", "Agreements of state agencies"),
    ("level_other", "INTEGER", "Agreements of other agencies"),
    (
        "agencies_all_three_models",
        "INTEGER",
        "Agencies holding all three models (JEM, WSO and TFM) in the list",
    ),
]

_MOA_EVIDENCE_COLUMNS = [
    ("moa_date", "DATE", "Date in the file name of its newest MOA link (NULL when none carries one)"),
    ("addendum_date", "DATE", "Date in the file name of its newest addendum link"),
    (
        "signed_contradicts_moa",
        "BOOLEAN",
        "SIGNED is more than 31 days from moa_date: ICE's date contradicts its own document",
    ),
]

HISTORY_AGREEMENTS = _table(
    "history.agreements",
    "One row per agreement ever listed in a usable participating list: when it was seen, and whether it is "
    "active, ended, or corrected into another row (a typo, date, state or signatory fixed by ICE).",
    [
        ("agreement_id", "VARCHAR", "Stable id: a hash of state, agency key, model and signing date"),
        (
            "lineage_id",
            "VARCHAR",
            "agreement_id of the first row of its chain of corrections (itself if none)",
        ),
        ("state_code", "VARCHAR", "USPS state code"),
        ("agency_name", "VARCHAR", "Agency name as last listed"),
        ("agency_key", "VARCHAR", "Normalized agency name (the key's agency part)"),
        ("model", "VARCHAR", "JEM, WSO or TFM"),
        ("signed_date", "DATE", "Signing date as ICE lists it (NULL when unknown)"),
        ("level", "VARCHAR", "county / municipal / state / other, as last listed"),
        ("county_name", "VARCHAR", "ICE's COUNTY value as last listed"),
        ("moa_url", "VARCHAR", "Link to the signed agreement (MOA) as last listed"),
        ("addendum_url", "VARCHAR", "Link to the addendum as last listed"),
        ("first_seen_date", "DATE", "Date of the first usable list that has it"),
        ("first_snapshot_key", "VARCHAR", "That list's snapshot key"),
        ("last_seen_date", "DATE", "Date of the last usable list that has it"),
        ("last_snapshot_key", "VARCHAR", "That list's snapshot key"),
        ("snapshots_seen", "INTEGER", "Usable participating lists that have it"),
        ("gap_count", "INTEGER", "Times it disappeared and came back (see history.gaps)"),
        ("status", "VARCHAR", "active (in the newest usable list), ended, or corrected (see successor_id)"),
        ("ended_date", "DATE", "For ended: date of the first usable list without it"),
        ("ended_snapshot_key", "VARCHAR", "For ended: that list's snapshot key"),
        ("corrected_date", "DATE", "For corrected: date of the first usable list with the corrected row"),
        (
            "successor_id",
            "VARCHAR",
            "For corrected: the row it became; for ended: the agency's next agreement of another model",
        ),
        (
            "successor_reason",
            "VARCHAR",
            "corrected, or model_change (an ended agreement followed by another model)",
        ),
        ("predecessor_id", "VARCHAR", "The row this one corrects (the first seen when two listings merged)"),
        *_MOA_EVIDENCE_COLUMNS,
        (
            "signed_minus_moa_days",
            "INTEGER",
            "signed_date minus moa_date in days (negative: the MOA file is dated after the SIGNED value)",
        ),
        (
            "moa_published",
            "BOOLEAN",
            "ICE linked a signed agreement (MOA) to some row of its correction chain",
        ),
        ("lists_seen", "INTEGER", "Usable participating lists with any row of its correction chain"),
    ],
    public=True,
)

HISTORY_CANCELLATIONS = _table(
    "history.cancellations",
    "One row per ended agreement: removed from ICE's list, with no corrected twin to explain it.",
    [
        ("agreement_id", "VARCHAR", "Stable id (history.agreements)"),
        *_AGREEMENT_KEY_COLUMNS,
        ("last_seen_date", "DATE", "Date of the last usable list that had it"),
        ("ended_date", "DATE", "Date of the first usable list without it"),
        ("agency_key", "VARCHAR", "Normalized agency name"),
        ("level", "VARCHAR", "county / municipal / state / other"),
        ("county_name", "VARCHAR", "ICE's COUNTY value"),
        ("first_seen_date", "DATE", "Date of the first usable list that had it"),
        ("last_snapshot_key", "VARCHAR", "Snapshot key of the last list that had it"),
        ("ended_snapshot_key", "VARCHAR", "Snapshot key of the first list without it"),
        ("snapshots_seen", "INTEGER", "Usable participating lists that had it"),
        ("gap_count", "INTEGER", "Times it disappeared and came back before ending"),
        ("successor_id", "VARCHAR", "The agency's next agreement of another model, if one began nearby"),
        ("successor_reason", "VARCHAR", "model_change when successor_id is set"),
        ("lineage_id", "VARCHAR", "agreement_id of the first row of its chain of corrections"),
        (
            "moa_published",
            "BOOLEAN",
            "ICE ever linked a signed agreement (MOA) to it or to a row of its correction chain",
        ),
        ("lists_seen", "INTEGER", "Usable participating lists with it or a row of its correction chain"),
        (
            "brief_listing",
            "BOOLEAN",
            "Listed in at most 4 usable lists and never with an MOA: an entry listed briefly and withdrawn, "
            "rather than a signed agreement cancelled",
        ),
        ("moa_date", "DATE", "Date in the file name of its newest MOA link"),
        ("signed_contradicts_moa", "BOOLEAN", "SIGNED is more than 31 days from moa_date"),
    ],
    public=True,
)

HISTORY_CANCELLATIONS_SINCE_TRACKING_START = Table(
    "history.cancellations_since_tracking_start",
    "View: history.cancellations ended after 2025-12-08, the start of the best-known public tracker.",
    HISTORY_CANCELLATIONS.columns,
)

HISTORY_CHANGES = _table(
    "history.changes",
    "Change log per usable list: agreements added, ended, disappeared, reappeared, corrected and re-dated.",
    [
        ("snapshot_date", "DATE", "Date of the list where the change is seen"),
        ("snapshot_key", "VARCHAR", "That list's snapshot key"),
        ("previous_snapshot_date", "DATE", "Date of the usable list before it"),
        ("previous_snapshot_key", "VARCHAR", "That list's snapshot key"),
        ("event", "VARCHAR", "added, ended, disappeared, reappeared, corrected or re-dated"),
        ("agreement_id", "VARCHAR", "The agreement changed (for a correction, the corrected row)"),
        ("related_agreement_id", "VARCHAR", "For a correction: the row it replaced"),
        *_AGREEMENT_KEY_COLUMNS,
        ("level", "VARCHAR", "county / municipal / state / other"),
        ("field", "VARCHAR", "For a correction: the column that changed"),
        ("old_value", "VARCHAR", "For a correction: the value before"),
        ("new_value", "VARCHAR", "For a correction: the value after"),
        ("link_method", "VARCHAR", "automatic or manual (data/reference/agreement_links.csv)"),
        ("link_score", "DOUBLE", "Matcher score of an automatic link, 0-100"),
    ],
)

HISTORY_TIMELINE = _table(
    "history.timeline",
    "One row per usable participating list: agreements and agencies, by model and level.",
    [
        ("snapshot_date", "DATE", "Date of the list"),
        ("snapshot_key", "VARCHAR", "Snapshot key"),
        ("snapshot_at", "TIMESTAMP", "Sortable moment of the list"),
        *_TIMELINE_COUNT_COLUMNS,
        (
            "ice_rows",
            "INTEGER",
            "Data rows of ICE's file: agreements plus duplicate listings (one agreement listed twice, or under "
            "two names of one agency)",
        ),
    ],
    public=True,
)

HISTORY_TIMELINE_BY_STATE = _table(
    "history.timeline_by_state",
    "One row per usable participating list and state: agreements and agencies, by model and level.",
    [
        ("snapshot_date", "DATE", "Date of the list"),
        ("snapshot_key", "VARCHAR", "Snapshot key"),
        ("state_code", "VARCHAR", "USPS state code"),
        *_TIMELINE_COUNT_COLUMNS,
    ],
)

HISTORY_GAPS = _table(
    "history.gaps",
    "Each time an agreement disappeared from the usable lists and came back (counted once, never twice).",
    [
        ("agreement_id", "VARCHAR", "Stable id"),
        ("gap_number", "INTEGER", "1 for its first gap, 2 for the second..."),
        *_AGREEMENT_KEY_COLUMNS,
        ("last_seen_before_date", "DATE", "Date of the last list with it before the gap"),
        ("last_seen_before_snapshot_key", "VARCHAR", "That list's snapshot key"),
        ("first_missing_date", "DATE", "Date of the first list without it"),
        ("first_missing_snapshot_key", "VARCHAR", "That list's snapshot key"),
        ("returned_date", "DATE", "Date of the list where it came back"),
        ("returned_snapshot_key", "VARCHAR", "That list's snapshot key"),
        ("snapshots_missed", "INTEGER", "Usable lists without it during the gap"),
    ],
)

_LINK_PAIR_COLUMNS = [
    ("from_agreement_id", "VARCHAR", "The row that vanished"),
    ("to_agreement_id", "VARCHAR", "The row that replaced it"),
    ("state_code", "VARCHAR", "State of the vanished row"),
    ("to_state_code", "VARCHAR", "State of the replacing row (differs when ICE fixed the state)"),
    ("from_agency_name", "VARCHAR", "Agency name of the vanished row"),
    ("to_agency_name", "VARCHAR", "Agency name of the replacing row as first listed"),
    ("from_model", "VARCHAR", "Model of the vanished row"),
    ("to_model", "VARCHAR", "Model of the replacing row"),
    ("from_signed_date", "DATE", "Signing date of the vanished row"),
    ("to_signed_date", "DATE", "Signing date of the replacing row"),
    ("change_kind", "VARCHAR", "renamed, re_dated, renamed_and_re_dated, state_corrected or model_changed"),
]

HISTORY_LINKS = _table(
    "history.links",
    "Corrections: each vanished row linked to the row it became, by the matcher or by a reviewed manual row.",
    [
        *_LINK_PAIR_COLUMNS,
        ("method", "VARCHAR", "automatic (matcher) or manual (data/reference/agreement_links.csv)"),
        (
            "score",
            "DOUBLE",
            "Matcher score, 0-100 (100 also when both rows link the same MOA); NULL for manual",
        ),
        ("reason", "VARCHAR", "For a manual link: the reviewed reason"),
        ("from_gone_date", "DATE", "Date of the first usable list without the vanished row"),
        ("to_first_seen_date", "DATE", "Date of the first usable list with the replacing row"),
    ],
)

HISTORY_LINK_REVIEW = _table(
    "history.link_review",
    "Plausible corrections the matcher would not decide alone: to be settled by a row in agreement_links.csv.",
    [
        *_LINK_PAIR_COLUMNS,
        ("score", "DOUBLE", "Matcher score, 0-100"),
        ("review_reason", "VARCHAR", "Why it was not linked (ambiguous, two changes at once, low score)"),
        ("from_gone_date", "DATE", "Date of the first usable list without the vanished row"),
        ("to_first_seen_date", "DATE", "Date of the first usable list with the candidate row"),
    ],
)

HISTORY_AGENCIES = _table(
    "history.agencies",
    "One row per agency ever listed in a usable participating list, the same agency across ICE's renames and "
    "name fixes: the models it holds now and held before, its first signing date, when it was seen.",
    [
        ("agency_id", "VARCHAR", "Stable id: a hash of the state and agency key of its first listed name"),
        ("state_code", "VARCHAR", "USPS state code, as last listed"),
        ("agency_name", "VARCHAR", "Agency name as last listed"),
        ("agency_key", "VARCHAR", "Normalized agency name as last listed"),
        ("level", "VARCHAR", "county / municipal / state / other, as last listed"),
        ("status", "VARCHAR", "active (holds an agreement in the newest usable list) or former"),
        ("models_now", "VARCHAR[]", "Models of its active agreements"),
        ("models_before", "VARCHAR[]", "Models it held in an agreement that ended and does not hold now"),
        ("active_agreements", "INTEGER", "Its agreements in the newest usable list"),
        ("ended_agreements", "INTEGER", "Its agreements that ended (history.cancellations)"),
        ("first_signed_date", "DATE", "Earliest signing date of its agreements (corrected rows left out)"),
        ("first_seen_date", "DATE", "Date of the first usable list that has it"),
        ("last_seen_date", "DATE", "Date of the last usable list that has it"),
        (
            "former_names",
            "VARCHAR[]",
            "Other names (agency keys) it was listed under, linked by a correction",
        ),
    ],
)

HISTORY_AGENCY_ALIASES = _table(
    "history.agency_aliases",
    "One row per name key that names an agency listed under another key: an abbreviation expanded by a rule "
    "(agency_key_rules.csv) or a reviewed alias (agency_aliases.csv). Cleaning, history, geography and the "
    "marts all use the agency key, so the agency count, the agreements and the map agree.",
    [
        ("state_code", "VARCHAR", "USPS state code"),
        ("alias_key", "VARCHAR", "The name key as ICE wrote it (clean.agreements.name_key)"),
        ("agency_key", "VARCHAR", "The agency's key it is read as (clean.agreements.agency_key)"),
        ("agency_id", "VARCHAR", "The agency in history.agencies (NULL if only ever on pending lists)"),
        ("alias_names", "VARCHAR[]", "The names ICE wrote with this key"),
        ("method", "VARCHAR", "rule (an abbreviation or naming rule) or reviewed (a reviewed alias row)"),
        (
            "rules",
            "VARCHAR[]",
            "The reference rows applied, in order (agency_key_rules:PD, agency_aliases:...)",
        ),
        ("reason", "VARCHAR", "Their reasons, from the reference tables"),
        ("first_seen_date", "DATE", "Date of the first usable list (any kind) with the alias"),
        ("last_seen_date", "DATE", "Date of the last usable list with it"),
        ("lists", "INTEGER", "Usable lists (participating and pending) with it"),
    ],
)

HISTORY_PENDING_AGENCIES = _table(
    "history.pending_agencies",
    "One row per agency and model on ICE's usable pending lists (Feb 2025 to Feb 2026): when it was listed "
    "pending and when, if ever, the agreement appeared as signed in a usable participating list.",
    [
        ("state_code", "VARCHAR", "USPS state code"),
        ("agency_name", "VARCHAR", "Agency name as last listed pending"),
        ("agency_key", "VARCHAR", "Normalized agency name"),
        ("model", "VARCHAR", "Model requested (NULL when the pending list gave none)"),
        ("level", "VARCHAR", "county / municipal / state / other, as last listed pending"),
        ("agency_id", "VARCHAR", "The agency in history.agencies (NULL if never listed as participating)"),
        ("first_pending_date", "DATE", "Date of the first usable pending list with it"),
        ("last_pending_date", "DATE", "Date of the last usable pending list with it"),
        ("pending_lists", "INTEGER", "Usable pending lists with it"),
        (
            "outcome",
            "VARCHAR",
            "signed; already_participating (an agreement of this model was listed before it was pending); "
            "pending_at_last_list; removed_unsigned",
        ),
        (
            "agreement_id",
            "VARCHAR",
            "For signed: the agreement (first listed on or after the pending listing)",
        ),
        ("signed_date", "DATE", "For signed: the agreement's signing date"),
        (
            "first_listed_signed_date",
            "DATE",
            "For signed: first usable participating list with the agreement",
        ),
        ("days_pending_to_listed", "INTEGER", "first_listed_signed_date minus first_pending_date"),
        (
            "days_pending_to_signed",
            "INTEGER",
            "signed_date minus first_pending_date (negative when ICE listed it pending after the signing)",
        ),
        (
            "listed_before_pending",
            "BOOLEAN",
            "The agency held an agreement of this model in a list before its first pending listing",
        ),
    ],
)

HISTORY_TABLES = [
    HISTORY_AGREEMENTS,
    HISTORY_CANCELLATIONS,
    HISTORY_CANCELLATIONS_SINCE_TRACKING_START,
    HISTORY_CHANGES,
    HISTORY_TIMELINE,
    HISTORY_TIMELINE_BY_STATE,
    HISTORY_GAPS,
    HISTORY_LINKS,
    HISTORY_LINK_REVIEW,
    HISTORY_AGENCIES,
    HISTORY_AGENCY_ALIASES,
    HISTORY_PENDING_AGENCIES,
]
TABLES += HISTORY_TABLES


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

COUNTY_SUMMARY = _table(
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

STATE_SUMMARY = _table(
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

TABLES += [CURRENT_AGREEMENTS, COUNTY_SUMMARY, STATE_SUMMARY]


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

SCENARIO_DEFINITIONS = _table(
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

SCENARIO_RESULTS = _table(
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

SCENARIO_COUNTY_COVERAGE = _table(
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

SCENARIO_CHANGES = _table(
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

SCENARIO_PENDING_AGENCIES = _table(
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

SCENARIO_PENDING_AGENCY_COUNTIES = _table(
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
TABLES += SCENARIO_TABLES
