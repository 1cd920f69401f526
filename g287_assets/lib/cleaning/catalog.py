"""The clean tables of the data dictionary: one row per agreement per snapshot, the row issues, the cleaning ledger."""

from __future__ import annotations

from g287_assets.lib.warehouse.schema import define_table

CLEAN_AGREEMENTS = define_table(
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

ROW_ISSUES = define_table(
    "clean.row_issues",
    "Rows that could not be cleaned fully, and exact duplicates counted once: what and why.",
    [
        ("snapshot_key", "VARCHAR", "Snapshot of the row"),
        ("source_row", "INTEGER", "Excel row number"),
        ("issue", "VARCHAR", "exact duplicate, unknown state, unknown level, unknown model, ..."),
        ("detail", "VARCHAR", "The raw value or the row it duplicates"),
    ],
)

CLEANED_SNAPSHOTS = define_table(
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
