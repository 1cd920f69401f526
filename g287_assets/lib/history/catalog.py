"""The history tables of the data dictionary: one row per agreement across ICE's overwritten lists, and what
was derived from them."""

from __future__ import annotations

from g287_assets.lib.warehouse.schema import Table, define_table

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

HISTORY_AGREEMENTS = define_table(
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

HISTORY_CANCELLATIONS = define_table(
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

HISTORY_CHANGES = define_table(
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

HISTORY_TIMELINE = define_table(
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

HISTORY_TIMELINE_BY_STATE = define_table(
    "history.timeline_by_state",
    "One row per usable participating list and state: agreements and agencies, by model and level.",
    [
        ("snapshot_date", "DATE", "Date of the list"),
        ("snapshot_key", "VARCHAR", "Snapshot key"),
        ("state_code", "VARCHAR", "USPS state code"),
        *_TIMELINE_COUNT_COLUMNS,
    ],
)

HISTORY_GAPS = define_table(
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

HISTORY_LINKS = define_table(
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

HISTORY_LINK_REVIEW = define_table(
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

HISTORY_AGENCIES = define_table(
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

HISTORY_AGENCY_ALIASES = define_table(
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

HISTORY_PENDING_AGENCIES = define_table(
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
