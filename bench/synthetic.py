"""A synthetic ICE archive of any size, written straight into raw.snapshots and clean.agreements, with its truth.

The real archive holds 250 usable lists; the history engine must also hold up at 10,000 lists of 2,000 rows
(20 million rows). Reading that many spreadsheets would measure the reader, not the engine, so this module
writes the two tables the engine reads (see g287_assets.lib.history.engine.build_history) directly into a DuckDB
file, together with a `truth` schema that says, from the script of the archive and not from the engine,
which agreements end and when, which key changes are corrections, and which absences are gaps.

The churn mimics ICE's lists: signings, endings, agency names misspelled or abbreviated and fixed later,
signing dates re-dated, agreements that disappear for a few lists and return, exact duplicate rows, and
files that must not drive history: stale and republished lists (quarantined) and pending lists, plus
participating lists published under the pending name (swapped, still usable).

Agencies get invented place names chosen so that, within a state, no two are alike (fuzz.ratio below
PLACE_SIMILARITY_LIMIT). That keeps the truth exact: an unrelated ending and signing never look like a
corrected typo, so any mismatch with the truth is the engine's, not the generator's.

Generation is vectorized: agreements and their versions are a few thousand rows built with numpy; the
expansion into one row per agreement per list is one DuckDB statement.

    python -m bench.synthetic --snapshots 10000 --rows 2000 --out /tmp/synthetic.duckdb
"""

from __future__ import annotations

import argparse
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from g287_assets.lib.normalize import agency_key
from g287_assets.lib.warehouse import catalog
from g287_assets.lib.warehouse.database import ensure_table

FIRST_LIST_AT = dt.datetime(2017, 1, 2)
# ICE publishes up to three lists a day; each usable list gets the next slot.
LIST_SLOTS = (("am", 9), ("mid", 13), ("pm", 17))
STATES = {  # code: (FIPS, share of agencies), roughly the real list's mix
    "FL": ("12", 0.30),
    "TX": ("48", 0.20),
    "GA": ("13", 0.06),
    "LA": ("22", 0.05),
    "TN": ("47", 0.05),
    "NC": ("37", 0.05),
    "SC": ("45", 0.04),
    "AL": ("01", 0.04),
    "OK": ("40", 0.04),
    "MO": ("29", 0.04),
    "VA": ("51", 0.03),
    "IN": ("18", 0.03),
    "AZ": ("04", 0.03),
    "AR": ("05", 0.02),
    "MS": ("28", 0.02),
}
MODELS = ("JEM", "WSO", "TFM")
MODEL_SHARES = (0.25, 0.25, 0.50)
# (name pattern, level, share); the last word of each pattern is the one ICE sometimes abbreviates.
AGENCY_FORMS = (
    ("{place} County Sheriff's Office", "county", 0.55),
    ("{place} Police Department", "municipal", 0.40),
    ("{place} State Patrol", "state", 0.05),
)
ABBREVIATIONS = {"Office": "Ofc", "Department": "Dept", "Patrol": "Ptrl"}
ONSETS = (
    "b",
    "d",
    "f",
    "g",
    "k",
    "l",
    "m",
    "n",
    "p",
    "r",
    "s",
    "t",
    "v",
    "z",
    "br",
    "st",
    "gr",
    "pl",
    "tr",
    "ch",
)
VOWELS = ("a", "e", "i", "o", "u", "ai", "ou")
CODAS = ("", "n", "r", "l", "s", "m")
PLACE_SIMILARITY_LIMIT = 60
POOL_PER_NAME = 4
SECOND_MODEL_SHARE = 0.10
MAX_GAP_LISTS = 5
PENDING_LOOKAHEAD = 30
REPUBLISHED_LAG = 20
DUPLICATE_EVERY = 97
# The generator's own bound, so making the archive never competes with the run it is made for.
GENERATOR_MEMORY = "4GB"


@dataclass(frozen=True)
class ArchiveShape:
    """How big the archive is and how much it churns; shares are of all agreements."""

    snapshots: int
    rows: int
    seed: int = 287
    ending_share: float = 0.30
    misspelled_share: float = 0.03
    abbreviated_share: float = 0.02
    re_dated_share: float = 0.03
    gap_share: float = 0.03
    extra_file_every: int = 25


def generate(path: Path, shape: ArchiveShape) -> dict[str, int]:
    """Write the archive and its truth into a new DuckDB file at `path`; return its sizes."""
    rng = np.random.default_rng(shape.seed)
    agreements = agreement_table(shape, rng)
    versions = version_table(agreements, shape, rng)
    lists = usable_lists(shape.snapshots, shape.extra_file_every)
    extras = extra_files(lists, shape.extra_file_every)
    path.unlink(missing_ok=True)
    with duckdb.connect(str(path)) as con:
        write_inputs(con, agreements, versions, lists, extras)
        write_truth(con, agreements, lists)
        return {
            "usable_lists": shape.snapshots,
            "files": len(lists) + len(extras),
            "agreements": len(agreements),
            "rows": con.execute("SELECT count(*) FROM clean.agreements").fetchall()[0][0],
        }


def place_names(shape: ArchiveShape, states: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One invented place name per agency, globally unique and unlike every other name of its state."""
    pool = invented_words(POOL_PER_NAME * len(states) + 100 * len(STATES), rng)
    names = np.empty(len(states), dtype=object)
    start = 0
    for state in np.unique(states):
        wanted = np.flatnonzero(states == state)
        candidates = pool[start : start + POOL_PER_NAME * len(wanted) + 100]
        start += len(candidates)
        names[wanted] = candidates[dissimilar_subset(candidates, len(wanted))]
    return names


def invented_words(count: int, rng: np.random.Generator) -> np.ndarray:
    """Distinct three-syllable words (six letters or more), in random order."""
    parts = [rng.choice(np.array(group), size=(count, 3)) for group in (ONSETS, VOWELS, CODAS)]
    words = {
        "".join(parts[0][i, s] + parts[1][i, s] + parts[2][i, s] for s in range(3)).title()
        for i in range(count)
    }
    words = np.array(sorted(word for word in words if len(word) >= 6), dtype=object)
    rng.shuffle(words)
    return words


def dissimilar_subset(words: np.ndarray, wanted: int) -> np.ndarray:
    """Indices of `wanted` words, greedily picked so no two have a fuzz.ratio at or above the limit."""
    upper = [word.upper() for word in words]
    similar = process.cdist(upper, upper, scorer=fuzz.ratio, dtype=np.uint8) >= PLACE_SIMILARITY_LIMIT
    blocked = np.zeros(len(words), dtype=bool)
    chosen: list[int] = []
    for index in range(len(words)):
        if blocked[index]:
            continue
        chosen.append(index)
        if len(chosen) == wanted:
            return np.array(chosen)
        blocked |= similar[index]
    raise ValueError(f"only {len(chosen)} dissimilar place names for {wanted} agencies; enlarge the pool")


def agreement_table(shape: ArchiveShape, rng: np.random.Generator) -> pd.DataFrame:
    """One row per agreement: its agency, model, final signing date, and the lists it spans."""
    signings = round(shape.ending_share * shape.rows) if shape.snapshots > 1 else 0
    total = shape.rows + signings
    agencies = int(np.ceil(total / (1 + SECOND_MODEL_SHARE)))
    agency_of, model_of = agency_models(agencies, total, rng)
    state_codes = np.array(list(STATES))
    agency_state = rng.choice(state_codes, size=agencies, p=[share for _, share in STATES.values()])
    places = place_names(shape, agency_state, rng)
    forms = rng.choice(len(AGENCY_FORMS), size=agencies, p=[form[2] for form in AGENCY_FORMS])

    first = np.zeros(total, dtype=np.int64)
    first[shape.rows :] = rng.integers(1, max(shape.snapshots, 2), size=signings)
    order = rng.permutation(total)
    first = first[order]
    last = list_of_ending(first, shape, rng)
    table = pd.DataFrame(
        {
            "agreement_no": np.arange(total),
            "state_code": agency_state[agency_of],
            "place": places[agency_of],
            "form": forms[agency_of],
            "model": np.array(MODELS)[model_of],
            "first_seq": first,
            "last_seq": last,
        }
    )
    table["signed_date"] = signing_dates(first, rng)
    table["agency_name"] = [
        AGENCY_FORMS[form][0].format(place=place) for form, place in zip(table["form"], table["place"])
    ]
    table["level"] = [AGENCY_FORMS[form][1] for form in table["form"]]
    table["county_name"] = np.where(table["level"] == "county", table["place"] + " County", None)
    table["state_fips"] = table["state_code"].map({code: fips for code, (fips, _) in STATES.items()})
    with_document = rng.random(total) < 0.7
    table["moa_url"] = np.where(
        with_document,
        "https://www.ice.gov/doclib/287gMOA/" + table["place"] + table["model"] + ".pdf",
        None,
    )
    return table


def agency_models(agencies: int, total: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Agency and model of each agreement: every agency holds one model, some a second, never one twice."""
    first_models = rng.choice(len(MODELS), size=agencies, p=MODEL_SHARES)
    second_holders = rng.choice(agencies, size=total - agencies, replace=False)
    second_models = (
        first_models[second_holders] + rng.integers(1, len(MODELS), size=len(second_holders))
    ) % 3
    return (
        np.concatenate([np.arange(agencies), second_holders]),
        np.concatenate([first_models, second_models]),
    )


def list_of_ending(first: np.ndarray, shape: ArchiveShape, rng: np.random.Generator) -> np.ndarray:
    """Last usable list of each agreement: the newest for those still active, an earlier one for the ended.

    Agreements listed from the start end with `ending_share`; later signings with half of it, having had
    less time to end. An ended agreement's last list is before the newest, so a list exists that drops it.
    """
    newest = shape.snapshots - 1
    ending_chance = np.where(first == 0, shape.ending_share, shape.ending_share / 2)
    ends = (rng.random(len(first)) < ending_chance) & (first < newest)
    last = np.full(len(first), newest, dtype=np.int64)
    last[ends] = rng.integers(first[ends], newest)
    return last


def signing_dates(first: np.ndarray, rng: np.random.Generator) -> pd.Series:
    """Signed before the first list showing them: years before for the initial list, days for later ones."""
    listed = pd.to_datetime(list_times(first)).normalize()
    days_before = np.where(first == 0, rng.integers(30, 2_000, len(first)), rng.integers(1, 30, len(first)))
    return pd.Series((listed - pd.to_timedelta(days_before, unit="D")).date)


def list_times(seq: np.ndarray) -> np.ndarray:
    """Publication time of the usable list at each sequence number (three a day)."""
    seq = np.asarray(seq)
    hours = np.array([hour for _, hour in LIST_SLOTS])[seq % len(LIST_SLOTS)]
    start = np.datetime64(FIRST_LIST_AT)
    return start + (seq // len(LIST_SLOTS)).astype("timedelta64[D]") + hours.astype("timedelta64[h]")


def version_table(agreements: pd.DataFrame, shape: ArchiveShape, rng: np.random.Generator) -> pd.DataFrame:
    """Spans of lists in which an agreement is written one way; scripted events mark the agreements.

    Adds the truth of each event to `agreements`: `change_kind` and `fixed_seq` for a name or date fixed
    at that list, `gap_first_seq` and `gap_return_seq` for an absence. Every agreement has at most one event.
    """
    span = (agreements["last_seq"] - agreements["first_seq"]).to_numpy()
    eligible = rng.permutation(np.flatnonzero(span >= 1))
    counts = [round(share * len(agreements)) for share in (shape.misspelled_share, shape.abbreviated_share)]
    counts.append(round(shape.re_dated_share * len(agreements)))
    misspelled, abbreviated, re_dated = np.split(eligible[: sum(counts)], np.cumsum(counts)[:-1])
    rest = eligible[sum(counts) :]
    gapped = rest[span[rest] >= 2][: round(shape.gap_share * len(agreements))]

    agreements["change_kind"] = None
    agreements["old_agency_name"] = agreements["agency_name"]
    agreements["old_signed_date"] = agreements["signed_date"]
    fixed = np.concatenate([misspelled, abbreviated, re_dated])
    agreements.loc[np.concatenate([misspelled, abbreviated]), "change_kind"] = "renamed"
    agreements.loc[re_dated, "change_kind"] = "re_dated"
    agreements.loc[misspelled, "old_agency_name"] = [
        misspelled_name(name, place, rng)
        for name, place in zip(agreements.loc[misspelled, "agency_name"], agreements.loc[misspelled, "place"])
    ]
    agreements.loc[abbreviated, "old_agency_name"] = agreements.loc[abbreviated, "agency_name"].map(
        abbreviated_name
    )
    shift = rng.choice([-1, 1], len(re_dated)) * rng.integers(1, 40, len(re_dated))
    agreements.loc[re_dated, "old_signed_date"] = (
        pd.to_datetime(agreements.loc[re_dated, "signed_date"]) + pd.to_timedelta(shift, unit="D")
    ).dt.date.to_numpy()
    agreements["fixed_seq"] = pd.Series(dtype="Int64")
    agreements.loc[fixed, "fixed_seq"] = rng.integers(
        agreements.loc[fixed, "first_seq"] + 1, agreements.loc[fixed, "last_seq"] + 1
    )
    gap_first = rng.integers(agreements.loc[gapped, "first_seq"] + 1, agreements.loc[gapped, "last_seq"])
    agreements["gap_first_seq"] = pd.Series(dtype="Int64")
    agreements["gap_return_seq"] = pd.Series(dtype="Int64")
    agreements.loc[gapped, "gap_first_seq"] = gap_first
    agreements.loc[gapped, "gap_return_seq"] = np.minimum(
        gap_first + rng.integers(1, MAX_GAP_LISTS + 1, len(gapped)), agreements.loc[gapped, "last_seq"]
    )
    return version_spans(agreements)


def misspelled_name(name: str, place: str, rng: np.random.Generator) -> str:
    """The name with one letter of the place dropped or doubled: a typo one edit away."""
    position = int(rng.integers(1, len(place) - 1))
    if rng.random() < 0.5:
        typo = place[:position] + place[position + 1 :]
    else:
        typo = place[: position + 1] + place[position:]
    return name.replace(place, typo, 1)


def abbreviated_name(name: str) -> str:
    head, _, last_word = name.rpartition(" ")
    return f"{head} {ABBREVIATIONS[last_word]}"


def version_spans(agreements: pd.DataFrame) -> pd.DataFrame:
    """(agreement_no, first_seq, last_seq, agency_name, signed_date): the rows each agreement contributes."""
    plain = agreements[agreements["change_kind"].isna() & agreements["gap_first_seq"].isna()]
    fixed = agreements[agreements["change_kind"].notna()]
    gapped = agreements[agreements["gap_first_seq"].notna()]
    parts = [
        plain,
        fixed.assign(
            last_seq=fixed["fixed_seq"] - 1,
            agency_name=fixed["old_agency_name"],
            signed_date=fixed["old_signed_date"],
        ),
        fixed.assign(first_seq=fixed["fixed_seq"]),
        gapped.assign(last_seq=gapped["gap_first_seq"] - 1),
        gapped.assign(first_seq=gapped["gap_return_seq"]),
    ]
    columns = ["agreement_no", "first_seq", "last_seq", "agency_name", "signed_date"]
    spans = pd.concat([part[columns] for part in parts], ignore_index=True)
    spans["agency_key"] = spans["agency_name"].map(agency_key)
    return spans.astype({"first_seq": "int64", "last_seq": "int64"})


def usable_lists(count: int, extra_every: int) -> pd.DataFrame:
    """The usable participating lists; every `extra_every`-th was published under the pending list's name."""
    seq = np.arange(count)
    at = pd.to_datetime(list_times(seq))
    labels = np.array([label for label, _ in LIST_SLOTS])[seq % len(LIST_SLOTS)]
    keys = [f"{day}_{label}_{index:08x}" for day, label, index in zip(at.strftime("%Y-%m-%d"), labels, seq)]
    swapped = (seq % extra_every) == extra_every // 2
    names = np.where(swapped, "pendingAgencies", "participatingAgencies")
    return pd.DataFrame(
        {
            "seq": seq,
            "snapshot_key": keys,
            "snapshot_at": at,
            "list_kind": "participating",
            "file_name": [f"{name}{key[:10]}{label}.xlsx" for name, key, label in zip(names, keys, labels)],
            "status": "usable",
            "quality_reason": np.where(
                swapped, "swapped: named as the pending list but holds the participating list", None
            ),
        }
    )


def extra_files(lists: pd.DataFrame, extra_every: int) -> pd.DataFrame:
    """Files that must not drive history, one after every `extra_every`-th usable list, in turn:

    a republished older list and a stale list missing half its rows (both quarantined), and a pending list.
    """
    after = lists.iloc[extra_every - 1 :: extra_every]
    kinds = np.array(["republished", "stale", "pending"])[np.arange(len(after)) % 3]
    source = np.where(kinds == "republished", np.maximum(after["seq"] - REPUBLISHED_LAG, 0), after["seq"])
    return pd.DataFrame(
        {
            "snapshot_key": [f"{key}_{kind}" for key, kind in zip(after["snapshot_key"], kinds)],
            "snapshot_at": after["snapshot_at"].to_numpy() + np.timedelta64(1, "h"),
            "kind": kinds,
            "after_seq": after["seq"].to_numpy(),
            "source_key": lists["snapshot_key"].to_numpy()[source],
        }
    ).astype(
        {
            "snapshot_key": "str",
            "snapshot_at": "datetime64[us]",
            "kind": "str",
            "after_seq": "int64",
            "source_key": "str",
        }
    )


def write_inputs(
    con: duckdb.DuckDBPyConnection,
    agreements: pd.DataFrame,
    spans: pd.DataFrame,
    lists: pd.DataFrame,
    extras: pd.DataFrame,
) -> None:
    """raw.snapshots and clean.agreements, with the column types of the real build."""
    con.execute(f"SET memory_limit = '{GENERATOR_MEMORY}'")
    con.execute("CREATE SCHEMA raw")
    con.execute("CREATE SCHEMA clean")
    frames = {
        "g_agreements": agreements.drop(columns=["signed_date", "agency_name"]),
        "g_spans": spans.rename_axis("span_no").reset_index(),
        "g_lists": lists,
        "g_extras": extras,
    }
    for name, frame in frames.items():
        con.register("g_frame", frame)
        con.execute(f"CREATE TEMP TABLE {name} AS SELECT * FROM g_frame")
        con.unregister("g_frame")
    for statement in EXPAND_ROWS:
        con.execute(
            statement, {"duplicate_every": DUPLICATE_EVERY} if "$duplicate_every" in statement else None
        )
    con.execute(ADD_EXTRA_FILES, {"lookahead": PENDING_LOOKAHEAD})
    con.execute(CREATE_SNAPSHOTS)
    # As the build does with raw.snapshots: the usable participating lists, the view history reads.
    ensure_table(con, catalog.USABLE_PARTICIPATING_LISTS)


# One row per agreement per usable list it spans, plus an exact duplicate row now and then. The pairs
# (list, version) are sorted first, on integers only, so the wide rows come out clustered by list (each
# row group holds consecutive lists, as in a real build) without sorting 20 million rows of text.
EXPAND_ROWS = (
    """
CREATE TEMP TABLE g_listed AS
WITH listed AS (
    SELECT span_no, agreement_no, unnest(range(first_seq, last_seq + 1)) AS seq FROM g_spans
)
SELECT seq, span_no FROM listed
UNION ALL
SELECT seq, span_no FROM listed WHERE seq % $duplicate_every = 1 AND agreement_no % $duplicate_every = 0
ORDER BY seq, span_no
""",
    """
CREATE TABLE clean.agreements AS
SELECT
    l.snapshot_key,
    l.snapshot_at::DATE AS snapshot_date,
    'participating' AS list_kind,
    (a.agreement_no + 2)::INTEGER AS source_row,
    a.state_code,
    a.state_fips,
    s.agency_name,
    s.agency_key,
    a.county_name::VARCHAR AS county_name,
    a.level,
    'type' AS level_source,
    a.model,
    s.signed_date::DATE AS signed_date,
    strftime(s.signed_date::DATE, '%m/%d/%Y') AS signed_raw,
    a.moa_url::VARCHAR AS moa_url,
    NULL::VARCHAR AS addendum_url,
    []::VARCHAR[] AS corrections,
    0 AS duplicate_rows,
    s.agency_key AS name_key,
    NULL::DATE AS moa_date,
    NULL::DATE AS addendum_date
FROM g_listed AS r
JOIN g_spans AS s USING (span_no)
JOIN g_agreements AS a ON a.agreement_no = s.agreement_no
JOIN g_lists AS l USING (seq)
""",
    "DROP TABLE g_listed",
)

# Quarantined copies of usable lists (republished: an older one; stale: half of the current one), and
# pending lists naming the agencies that sign within the next lists, without a signing date.
ADD_EXTRA_FILES = """
INSERT INTO clean.agreements
SELECT e.snapshot_key, e.snapshot_at::DATE, c.list_kind, c.source_row, c.state_code, c.state_fips,
    c.agency_name, c.agency_key, c.county_name, c.level, c.level_source, c.model, c.signed_date,
    c.signed_raw, c.moa_url, c.addendum_url, c.corrections, c.duplicate_rows, c.name_key,
    c.moa_date, c.addendum_date
FROM g_extras AS e
JOIN clean.agreements AS c ON c.snapshot_key = e.source_key
WHERE e.kind = 'republished' OR (e.kind = 'stale' AND c.source_row % 2 = 0)
UNION ALL
SELECT e.snapshot_key, e.snapshot_at::DATE, 'pending', (a.agreement_no + 2)::INTEGER, a.state_code,
    a.state_fips, s.agency_name, s.agency_key, a.county_name, a.level, 'type', a.model, NULL, NULL, NULL,
    NULL, [], 0, s.agency_key, NULL, NULL
FROM g_extras AS e
JOIN g_agreements AS a ON a.first_seq BETWEEN e.after_seq + 1 AND e.after_seq + $lookahead
JOIN g_spans AS s ON s.agreement_no = a.agreement_no AND s.first_seq = a.first_seq
WHERE e.kind = 'pending'
"""

CREATE_SNAPSHOTS = """
CREATE TABLE raw.snapshots AS
WITH files AS (
    SELECT snapshot_key, snapshot_at, list_kind, file_name, status, quality_reason::VARCHAR AS quality_reason
    FROM g_lists
    UNION ALL
    SELECT
        snapshot_key,
        snapshot_at,
        CASE WHEN kind = 'pending' THEN 'pending' ELSE 'participating' END,
        CASE WHEN kind = 'pending' THEN 'pendingAgencies' ELSE 'participatingAgencies' END
            || left(snapshot_key, 10) || '.xlsx',
        CASE WHEN kind = 'pending' THEN 'usable' ELSE 'quarantined' END,
        CASE kind
            WHEN 'republished' THEN 'republished: same agreements as ' || source_key || ', after newer lists'
            WHEN 'stale' THEN 'stale: more than 10% of agreements dropped and the newest signing went back'
        END
    FROM g_extras
),
counts AS (
    SELECT snapshot_key, count(*)::INTEGER AS row_count,
        count(DISTINCT (state_code, agency_key, model, signed_date))::INTEGER AS agreement_count
    FROM clean.agreements
    GROUP BY snapshot_key
)
SELECT
    f.snapshot_key,
    f.snapshot_at::DATE AS snapshot_date,
    f.snapshot_at::TIMESTAMP AS snapshot_at,
    f.list_kind,
    f.file_name,
    sha256(f.snapshot_key) AS sha256,
    coalesce(c.row_count, 0) AS row_count,
    coalesce(c.agreement_count, 0) AS agreement_count,
    coalesce(c.row_count - c.agreement_count, 0)::INTEGER AS duplicate_rows,
    f.status,
    f.quality_reason,
    'spreadsheet' AS source_format,
    'file name' AS date_basis
FROM files AS f
LEFT JOIN counts AS c USING (snapshot_key)
ORDER BY f.snapshot_at
"""


def write_truth(con: duckdb.DuckDBPyConnection, agreements: pd.DataFrame, lists: pd.DataFrame) -> None:
    """The `truth` schema: what the script of the archive says history must find.

    truth.cancellations: each ended agreement under its final key, with the date of the first list without
    it; truth.corrections: each fixed key and the key it became; truth.gaps: each absence and its return;
    truth.active: the agreements in the newest list.
    """
    day = lists["snapshot_at"].dt.date.to_numpy()
    newest = len(lists) - 1
    ended = agreements[agreements["last_seq"] < newest]
    fixed = agreements[agreements["change_kind"].notna()]
    gapped = agreements[agreements["gap_first_seq"].notna()]
    frames = {
        "cancellations": final_key(ended).assign(ended_date=day[ended["last_seq"] + 1]),
        "corrections": pd.DataFrame(
            {
                "state_code": fixed["state_code"],
                "model": fixed["model"],
                "from_agency_key": fixed["old_agency_name"].map(agency_key),
                "from_signed_date": fixed["old_signed_date"],
                "to_agency_key": fixed["agency_name"].map(agency_key),
                "to_signed_date": fixed["signed_date"],
                "change_kind": fixed["change_kind"],
                "corrected_date": day[fixed["fixed_seq"].astype(int)],
            }
        ),
        "gaps": final_key(gapped).assign(
            first_missing_date=day[gapped["gap_first_seq"].astype(int)],
            returned_date=day[gapped["gap_return_seq"].astype(int)],
        ),
        "active": final_key(agreements[agreements["last_seq"] == newest]),
    }
    con.execute("CREATE SCHEMA truth")
    for name, frame in frames.items():
        con.register("g_truth", frame.reset_index(drop=True))
        dates = ", ".join(
            f"{column}::DATE AS {column}" for column in frame.columns if column.endswith("_date")
        )
        con.execute(f"CREATE TABLE truth.{name} AS SELECT * REPLACE ({dates}) FROM g_truth")
        con.unregister("g_truth")


def final_key(agreements: pd.DataFrame) -> pd.DataFrame:
    """The agreement key (state, agency key, model, signing date) as the agreement was last listed."""
    return pd.DataFrame(
        {
            "state_code": agreements["state_code"],
            "agency_key": agreements["agency_name"].map(agency_key),
            "model": agreements["model"],
            "signed_date": agreements["signed_date"],
        }
    )


# Each check counts rows on either side of a symmetric difference: 0 means history equals the truth.
TRUTH_CHECKS = {
    "cancellations": (
        "SELECT state_code, agency_key, model, signed_date, ended_date FROM history.cancellations",
        "SELECT state_code, agency_key, model, signed_date, ended_date FROM truth.cancellations",
    ),
    "corrections": (
        """
        SELECT f.state_code, f.model, f.agency_key, f.signed_date, t.agency_key, t.signed_date,
            l.change_kind, f.corrected_date
        FROM history.agreements AS f
        JOIN history.agreements AS t ON t.agreement_id = f.successor_id
        JOIN history.links AS l ON l.from_agreement_id = f.agreement_id
        WHERE f.status = 'corrected'
        """,
        """
        SELECT state_code, model, from_agency_key, from_signed_date, to_agency_key, to_signed_date,
            change_kind, corrected_date
        FROM truth.corrections
        """,
    ),
    "gaps": (
        """
        SELECT a.state_code, a.agency_key, a.model, a.signed_date, g.first_missing_date, g.returned_date
        FROM history.gaps AS g
        JOIN history.agreements AS a USING (agreement_id)
        """,
        "SELECT state_code, agency_key, model, signed_date, first_missing_date, returned_date FROM truth.gaps",
    ),
    "active": (
        "SELECT state_code, agency_key, model, signed_date FROM history.agreements WHERE status = 'active'",
        "SELECT state_code, agency_key, model, signed_date FROM truth.active",
    ),
}


def truth_mismatches(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rows in history and not in the truth, or in the truth and not in history, per check."""
    return {name: symmetric_difference(con, *queries) for name, queries in TRUTH_CHECKS.items()}


def symmetric_difference(con: duckdb.DuckDBPyConnection, found: str, expected: str) -> int:
    extra = con.execute(f"SELECT count(*) FROM (({found}) EXCEPT ALL ({expected}))").fetchall()[0][0]
    missing = con.execute(f"SELECT count(*) FROM (({expected}) EXCEPT ALL ({found}))").fetchall()[0][0]
    return extra + missing


def truth_sizes(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """How many rows each truth table holds, so a match is never a match of two empty sets."""
    return {name: con.execute(f"SELECT count(*) FROM truth.{name}").fetchall()[0][0] for name in TRUTH_CHECKS}


def main() -> None:
    parser = argparse.ArgumentParser(description="Write a synthetic ICE archive and its truth into DuckDB.")
    parser.add_argument("--snapshots", type=int, default=10_000, help="usable participating lists")
    parser.add_argument("--rows", type=int, default=2_000, help="agreements in the first list")
    parser.add_argument("--seed", type=int, default=287)
    parser.add_argument("--out", type=Path, required=True, help="DuckDB file to create (replaced)")
    args = parser.parse_args()
    sizes = generate(args.out, ArchiveShape(args.snapshots, args.rows, seed=args.seed))
    print(", ".join(f"{name}: {value:,}" for name, value in sizes.items()))


if __name__ == "__main__":
    main()
