"""From ICE's verbatim rows to clean agreements: one row per agreement per snapshot.

Every value is mapped through the reference tables; each correction that fires is recorded on the row,
and every row that cannot be fully cleaned is reported in an issues table rather than dropped.
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import unquote

import numpy as np
import pandas as pd
import pyarrow as pa

from g287_assets.lib.cleaning.dates import parse_signed, plausible_signing
from g287_assets.lib.normalize import agency_key, clean_text, display_name, lookup_key
from g287_assets.lib.reference import Reference
from g287_assets.lib.snapshots.xlsx import unwrap_url

RAW_VALUE_COLUMNS = ["state", "agency", "type", "county", "support_type", "signed", "moa", "addendum"]
# Every cell a clean value is read from: two rows equal in these clean to the same values.
VALUE_CELLS = [*RAW_VALUE_COLUMNS, "moa_link", "addendum_link"]

CLEAN_COLUMNS = [
    "snapshot_key",
    "snapshot_date",
    "list_kind",
    "source_row",
    "state_code",
    "state_fips",
    "agency_name",
    "agency_key",
    "county_name",
    "level",
    "level_source",
    "model",
    "signed_date",
    "signed_raw",
    "moa_url",
    "addendum_url",
    "corrections",
    "duplicate_rows",
    "name_key",
    "moa_date",
    "addendum_date",
    "level_ice",
]

_URL = re.compile(r"https?://\S+")

# A date in an MOA or addendum file name: ISO (2020-06-09), separated month-day-year (03.19.2025, 6_12_25,
# 11-4-2025) or a run of digits (05132025, 070225). Digits on either side disqualify a match.
_DOCUMENT_DATE = re.compile(
    r"(?<!\d)(?:"
    r"(?P<iso_year>(?:19|20)\d\d)-(?P<iso_month>\d{1,2})-(?P<iso_day>\d{1,2})"
    r"|(?P<month>\d{1,2})(?P<separator>[._-])(?P<day>\d{1,2})(?P=separator)(?P<year>\d{4}|\d{2})"
    r"|(?P<digits>\d{6,8})"
    r")(?!\d)"
)
# Dates outside this range in a file name are version numbers or typos, not signing dates.
_DOCUMENT_YEARS = range(2005, 2031)


def map_distinct(values: pd.Series, function) -> pd.Series:
    """Apply a function once per distinct value: ICE repeats the same names across hundreds of lists."""
    distinct = values.dropna().unique()
    mapped = values.map(dict(zip(distinct, map(function, distinct)))).astype(object)
    return mapped.where(mapped.notna(), None)


def _lookup(values: pd.Series, table: dict[str, tuple[str, str | None]]) -> tuple[pd.Series, pd.Series]:
    """Map raw text through a reference lookup: (cleaned value or None, correction id or None)."""
    hits = map_distinct(values.fillna(""), lambda raw: table.get(lookup_key(raw), (None, None)))
    return _part(hits, 0), _part(hits, 1)


def _part(pairs: pd.Series, index: int) -> pd.Series:
    """One element of each (value, correction id) pair; None where there was no pair."""
    return pairs.map(lambda pair: pair[index] if isinstance(pair, tuple) else None).astype(object)


def infer_levels(keys: pd.Series, patterns: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Level the agency's name shows, and the id of the pattern that showed it: the first pattern wins.

    A pattern of level `type` stops the search with no level: the name says nothing ICE's TYPE should yield to.
    """
    result = pd.Series(None, index=keys.index, dtype=object)
    rule = pd.Series(None, index=keys.index, dtype=object)
    for _, pattern in patterns.sort_values("priority", key=lambda p: p.astype(int)).iterrows():
        hit = rule.isna() & keys.fillna("").str.contains(pattern.pattern, regex=True)
        result[hit] = None if pattern.level == "type" else pattern.level
        rule[hit] = f"level_patterns:{pattern.priority}"
    return result, rule


def decide_levels(
    keys: pd.Series, level_ice: pd.Series, patterns: pd.DataFrame
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """The level by evidence: the agency's name first, ICE's TYPE where the name says nothing.

    Patterns that apply `always` (a sheriff is county, a town's police municipal) override the TYPE, which
    ICE sometimes gets wrong; patterns for a `missing_type` only fill a blank TYPE (the web-page era).
    Returns the level, its source (type, name: the name overrode a different TYPE, inferred: no TYPE) and the
    pattern that overrode ICE's TYPE (a correction, None otherwise).
    """
    named, named_rule = infer_levels(keys, patterns[patterns["applies"] == "always"])
    fallback, _ = infer_levels(keys, patterns[patterns["applies"] == "missing_type"])
    level = named.where(named.notna(), level_ice).where(lambda chosen: chosen.notna(), fallback)
    overridden = named.notna() & level_ice.notna() & named.ne(level_ice)
    source = pd.Series("type", index=keys.index, dtype=object).where(level_ice.notna(), "inferred")
    source = source.where(~overridden, "name").where(level.notna(), None)
    return level, source, named_rule.where(overridden, None)


def link_or_url(link: pd.Series, text: pd.Series) -> pd.Series:
    """The hyperlink target of a cell, else a bare URL written in it (the web-page era held URLs as text)."""
    written = text.fillna("").map(lambda value: m.group(0) if (m := _URL.search(value)) else None)
    chosen = link.where(link.notna() & (link != ""), written)
    return map_distinct(chosen, unwrap_url).astype(object)


def document_date(url: object) -> dt.date | None:
    """The date an MOA or addendum link carries in its file name, or None when it has none or is ambiguous.

    `..._TFM_MOA_03.19.2025.pdf`, `287gJEM_PinalCoAz2020-06-09.pdf` and `..._MOA_05132025.pdf` carry their
    signing date; the last date in the name wins. Seven digits (`1162025`: 1/16 or 11/6) are read only when
    one reading alone is a real date.
    """
    if not isinstance(url, str) or not url:
        return None
    name = unquote(url).rsplit("/", 1)[-1]
    found = None
    for match in _DOCUMENT_DATE.finditer(name):
        if match["iso_year"]:
            candidates = {_real_date(match["iso_year"], match["iso_month"], match["iso_day"])}
        elif match["month"]:
            candidates = {_real_date(match["year"], match["month"], match["day"])}
        else:
            digits = match["digits"]
            readings = (
                [(digits[:2], digits[2:4], digits[4:])]
                if len(digits) in (6, 8)
                else [
                    (digits[:1], digits[1:3], digits[3:]),
                    (digits[:2], digits[2:3], digits[3:]),
                ]
            )
            candidates = {_real_date(year, month, day) for month, day, year in readings}
        candidates.discard(None)
        if len(candidates) == 1:
            found = candidates.pop()
    return found


def _real_date(year: str, month: str, day: str) -> dt.date | None:
    """A calendar date from file-name parts (two-digit years are 20xx), if it exists and is plausible."""
    full_year = int(year) + 2000 if len(year) == 2 else int(year)
    try:
        date = dt.date(full_year, int(month), int(day))
    except ValueError:
        return None
    return date if date.year in _DOCUMENT_YEARS else None


def drop_exact_duplicates(raw: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows identical in every cell are one agreement listed twice: keep the first, report the others."""
    columns = ["snapshot_key", *RAW_VALUE_COLUMNS]
    filled = raw[columns].fillna("\x00")
    groups = raw.groupby([filled[c] for c in columns], sort=False)["row_number"]
    first_row = groups.transform("min")
    copies = groups.transform("size")
    duplicate = raw["row_number"] != first_row
    issues = pd.DataFrame(
        {
            "snapshot_key": raw.loc[duplicate, "snapshot_key"],
            "source_row": raw.loc[duplicate, "row_number"],
            "issue": "exact duplicate",
            "detail": "identical in every cell to row " + first_row[duplicate].astype(str),
        }
    )
    kept = raw.loc[~duplicate].copy()
    kept["duplicate_rows"] = copies[~duplicate] - 1
    return kept, issues


def clean_agreements(
    raw: pd.DataFrame, snapshots: pd.DataFrame, reference: Reference
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Clean rows of one or more snapshots.

    raw: verbatim rows (snapshot_key, row_number, the RAW_VALUE_COLUMNS, moa_link, addendum_link).
    snapshots: snapshot_key, snapshot_date, list_kind for each snapshot in raw.
    Returns the clean agreements and an issues table (snapshot_key, source_row, issue, detail).

    A row's clean values depend on its cells alone, and ICE's lists repeat: the 250,000 rows of 500 lists
    hold about 8,500 distinct rows. Each distinct row is cleaned once and the result given to every copy.
    """
    kept, duplicate_issues = drop_exact_duplicates(raw)
    kept = kept.merge(
        snapshots[["snapshot_key", "snapshot_date", "list_kind"]], on="snapshot_key", how="left"
    ).reset_index(drop=True)
    cells = [kept[column].fillna("\x00") for column in VALUE_CELLS]
    copy_of = kept.groupby(cells, sort=False).ngroup().to_numpy()
    _, first_copy = np.unique(copy_of, return_index=True)
    values = clean_values(kept.iloc[first_copy].reset_index(drop=True), reference)
    values = values.iloc[copy_of].reset_index(drop=True)
    clean = pd.DataFrame(
        {
            "snapshot_key": kept["snapshot_key"],
            "snapshot_date": kept["snapshot_date"],
            "list_kind": kept["list_kind"],
            "source_row": kept["row_number"].astype(int),
            **{column: values[column] for column in values.columns},
            "signed_raw": kept["signed"],
            "duplicate_rows": kept["duplicate_rows"],
        }
    )[CLEAN_COLUMNS]
    issues = pd.concat([duplicate_issues, _value_issues(kept, clean)], ignore_index=True)
    return clean, issues


def clean_values(rows: pd.DataFrame, reference: Reference) -> pd.DataFrame:
    """The clean values of rows of cells (VALUE_CELLS), each mapped through the reference tables, with the id of
    every correction that fired."""
    state_code, state_fix = _lookup(rows["state"], reference.state_codes)
    level_ice, type_fix = _lookup(rows["type"], reference.vocabulary("type_levels", "level"))
    model, model_fix = _lookup(rows["support_type"], reference.vocabulary("support_type_models", "model"))

    names = map_distinct(rows["agency"].fillna(""), display_name)
    keys = map_distinct(names, agency_key)
    corrections_by_name = reference.name_corrections
    fixed = pd.Series(
        [corrections_by_name.get(pair) for pair in zip(state_code, keys)]
        if corrections_by_name
        else [None] * len(names),
        index=rows.index,
        dtype=object,
    )
    name_fix = _part(fixed, 1)
    names = names.where(fixed.isna(), _part(fixed, 0))
    name_keys = map_distinct(names, agency_key)
    state_and_key = pd.Series(list(zip(state_code, name_keys.fillna(""), strict=True)), index=rows.index)
    identities = map_distinct(state_and_key, lambda pair: reference.agency_identity(*pair))
    keys = identities.map(lambda identity: identity.agency_key).astype(object)
    alias_fixes = identities.map(lambda identity: list(identity.rules))

    level, level_source, level_fix = decide_levels(keys, level_ice, reference.table("level_patterns"))

    signed_fixed, signed_fix = _lookup(rows["signed"], reference.signed_date_corrections)
    signed_text = signed_fixed.where(signed_fixed.notna(), rows["signed"])
    signed = map_distinct(signed_text, lambda text: plausible_signing(parse_signed(text))).astype(object)

    corrections = pd.Series(
        [
            [fix for fix in fixes if isinstance(fix, str)] + aliases
            for *fixes, aliases in zip(
                state_fix, type_fix, level_fix, model_fix, name_fix, signed_fix, alias_fixes, strict=True
            )
        ],
        index=rows.index,
        # A typed list column: DuckDB cannot infer an element type from lists that are mostly empty.
        dtype=pd.ArrowDtype(pa.list_(pa.string())),
    )
    moa_urls = link_or_url(rows["moa_link"], rows["moa"])
    addendum_urls = link_or_url(rows["addendum_link"], rows["addendum"])
    return pd.DataFrame(
        {
            "state_code": state_code,
            "state_fips": state_code.map(reference.state_fips),
            "agency_name": names.where(names != "", None),
            "agency_key": keys.where(keys != "", None),
            "name_key": name_keys.where(name_keys != "", None),
            "moa_date": map_distinct(moa_urls, document_date),
            "addendum_date": map_distinct(addendum_urls, document_date),
            "level_ice": level_ice,
            "county_name": map_distinct(rows["county"], clean_text).replace("", None),
            "level": level,
            "level_source": level_source,
            "model": model,
            "signed_date": signed,
            "moa_url": moa_urls,
            "addendum_url": addendum_urls,
            "corrections": corrections,
        }
    )


def _value_issues(kept: pd.DataFrame, clean: pd.DataFrame) -> pd.DataFrame:
    """One issue per value that could not be cleaned, quoting ICE's raw text."""
    checks = [
        ("unknown state", clean["state_code"].isna(), kept["state"]),
        ("missing agency name", clean["agency_key"].isna(), kept["agency"]),
        ("unknown level", clean["level"].isna(), kept["type"]),
        ("unknown model", clean["model"].isna(), kept["support_type"]),
        (
            "unreadable signing date",
            clean["signed_date"].isna()
            & kept["signed"].notna()
            & (kept["signed"].fillna("").str.strip() != ""),
            kept["signed"],
        ),
    ]
    frames = [
        pd.DataFrame(
            {
                "snapshot_key": clean.loc[mask, "snapshot_key"],
                "source_row": clean.loc[mask, "source_row"],
                "issue": issue,
                "detail": "raw value: " + raw.loc[mask].fillna("<empty>").map(repr),
            }
        )
        for issue, mask, raw in checks
        if mask.any()
    ]
    return (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=["snapshot_key", "source_row", "issue", "detail"])
    )
