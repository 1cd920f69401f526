"""The raw tables of the data dictionary: every registered file, each snapshot's rows verbatim, what each file holds, and
the snapshots with their quality gates."""

from __future__ import annotations

from g287_assets.lib.warehouse.schema import Table, define_table

FILE_IMPORTS = define_table(
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

RAW_ROWS = define_table(
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

SNAPSHOT_CONTENTS = define_table(
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

SNAPSHOTS = define_table(
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

# Which lists count, said once: the usable participating lists. Created with raw.snapshots.
USABLE_PARTICIPATING_LISTS = Table(
    "raw.usable_participating_lists",
    "View: the usable participating lists (raw.snapshots with status usable and list_kind participating), "
    "the only lists that drive history, geography and the marts.",
    tuple(
        column
        for column in SNAPSHOTS.columns
        if column.name in ("snapshot_key", "snapshot_date", "snapshot_at", "row_count")
    ),
    view_source="raw.snapshots WHERE status = 'usable' AND list_kind = 'participating'",
)
