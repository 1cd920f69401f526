"""The history engine: one row per agreement across ICE's overwritten lists, cancellations, a change log.

ICE republishes its list of participating agencies without identifiers, so an agreement is recognised by
its composite key (state, agency key, model, signing date). That key breaks whenever ICE fixes a typo or a
signing date: the old key vanishes and a near-twin appears. This module links such pairs as one agreement
corrected, so a fix is never reported as a cancellation, and leaves ambiguous pairs to a person
(`history.link_review`) and to the manual links table, which always wins over the matcher.

The heavy work (presence of every key in every usable snapshot, runs, gaps, counts) is set-based SQL in
DuckDB; Python only scores the few vanish/appear pairs and decides which become links.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
from rapidfuzz import fuzz

from g287_assets.lib.normalize import agency_key
from g287_assets.lib.reference import Reference
from g287_assets.lib.warehouse.database import load_sql, run_script

# The reviewed links between agreements, under data/reference/.
MANUAL_LINKS_FILE = "agreement_links.csv"
MANUAL_LINK_COLUMNS = (
    "state_code",
    "from_agency_name",
    "from_model",
    "from_signed_date",
    "to_agency_name",
    "to_model",
    "to_signed_date",
    "decision",
    "reason",
)
MANUAL_DECISIONS = ("link", "no_link")

DEFAULT_FUZZY_THRESHOLD = 80.0
DEFAULT_GAP_WINDOW = 3
DEFAULT_REVIEW_THRESHOLD = 60.0
WORDS_ADDED_SCORE = 90.0
MAX_ABBREVIATION = 4
DEFAULT_AMBIGUITY_MARGIN = 5.0
# A SIGNED date further than this from the date in its MOA's file name contradicts the document (signing
# and filing a few days or weeks apart is ordinary).
MOA_TOLERANCE_DAYS = 31
# An ended agreement seen in at most this many lists, never with an MOA, was a brief listing withdrawn.
BRIEF_LISTING_LISTS = 4
SAME_DOCUMENT_SCORE = 100.0
MIN_ACRONYM = 2

LINKABLE_KINDS = ("renamed", "re_dated", "state_corrected")

_PAIR_COLUMNS = ["from_key", "to_key", "method", "change_kind", "score", "reason"]
_REVIEW_COLUMNS = ["from_key", "to_key", "change_kind", "score", "review_reason"]


@dataclass(frozen=True)
class HistoryStats:
    """What one rebuild found, for materialization metadata and for checks."""

    snapshots_used: int
    newest_snapshot_key: str | None
    agreements: int
    active: int
    ended: int
    corrected: int
    links_automatic: int
    links_manual: int
    review_pairs: int
    gaps: int
    changes: int
    agencies: int
    pending_requests: int
    manual_rows_unmatched: tuple[int, ...]


class ManualLinksError(ValueError):
    """The manual links table is malformed (missing columns or an unknown decision)."""


def read_manual_links(path: Path) -> pd.DataFrame:
    """The manual links CSV as text columns, validated, so a bad edit fails loudly before any rebuild."""
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    validate_manual_links(table)
    return table


def validate_manual_links(links: pd.DataFrame) -> None:
    """Refuse a table without the expected columns, with an unknown decision, or a row without a reason."""
    missing = [column for column in MANUAL_LINK_COLUMNS if column not in links.columns]
    if missing:
        raise ManualLinksError(f"manual links table lacks columns {missing}")
    unknown = sorted(set(links["decision"]) - set(MANUAL_DECISIONS))
    if unknown:
        raise ManualLinksError(f"manual links decisions must be one of {MANUAL_DECISIONS}, found {unknown}")
    if (links["reason"].fillna("").str.strip() == "").any():
        raise ManualLinksError("every manual link needs a reason")


def name_similarity(left: str, right: str) -> float:
    """Similarity of two agency keys, 0-100, judged on the words that tell them apart.

    Whole-string ratios rate any two sheriff's offices of a state alike ("POLK COUNTY SHERIFFS OFFICE" vs
    "POPE COUNTY SHERIFFS OFFICE" is 93), so only the distinguishing words are compared: a spelling fix
    keeps them close ("LAMPASS" -> "LAMPASAS"), another agency does not ("POLK" -> "POPE" is 50). Names that
    differ only by abbreviations ("DEPT" -> "DEPARTMENT") or word order score 100; names that only gained
    or lost words ("DEPARTMENT OF CORRECTIONS" -> "ALASKA DEPARTMENT OF CORRECTIONS") score
    WORDS_ADDED_SCORE, likely the same agency but less certain than a spelling fix. Keys arrive with the
    abbreviations and names of data/reference/agency_key_rules.csv already folded ("SHERIFFS DEPARTMENT" is
    "SHERIFFS OFFICE"), so only what those rules leave is compared here.
    """
    if is_acronym_of(left, right) or is_acronym_of(right, left):
        return 100.0
    only_left, only_right = distinguishing_words(left, right)
    if not only_left and not only_right:
        return 100.0
    if not only_left or not only_right:
        return WORDS_ADDED_SCORE
    return fuzz.ratio(" ".join(sorted(only_left)), " ".join(sorted(only_right)))


def is_acronym_of(short: str, long: str) -> bool:
    """True when `long` becomes `short` by writing one run of its words as their initials.

    "TAMPA PD" is "TAMPA POLICE DEPARTMENT" and "GULF COUNTY BOCC" is "GULF COUNTY BOARD OF COUNTY
    COMMISSIONERS": ICE's first lists abbreviated names it later wrote out. The rest of both names must be
    equal, so an acronym alone never makes two different places alike.
    """
    short_words, long_words = short.split(), long.split()
    extra = len(long_words) - len(short_words) + 1
    if extra < MIN_ACRONYM:
        return False
    for start, word in enumerate(short_words):
        run = long_words[start : start + extra]
        if (
            len(word) == extra
            and short_words[:start] == long_words[:start]
            and short_words[start + 1 :] == long_words[start + extra :]
            and "".join(part[0] for part in run) == word
        ):
            return True
    return False


def distinguishing_words(left: str, right: str) -> tuple[list[str], list[str]]:
    """Words of each name missing from the other, after pairing off abbreviations with their long form."""
    left_words, right_words = Counter(left.split()), Counter(right.split())
    only_left = list((left_words - right_words).elements())
    only_right = list((right_words - left_words).elements())
    for word in list(only_left):
        match = next(
            (other for other in only_right if abbreviates(word, other) or abbreviates(other, word)), None
        )
        if match is not None:
            only_left.remove(word)
            only_right.remove(match)
    return only_left, only_right


def abbreviates(short: str, long: str) -> bool:
    """True when `short` (at most 4 letters, 2 fewer than `long`) abbreviates `long`: "FT" for "FORT".

    Same first letter and letters in order; the length limits keep a short real word ("LEE") from passing
    as an abbreviation of a longer one.
    """
    if len(short) > MAX_ABBREVIATION or len(long) < len(short) + 2 or short[0] != long[0]:
        return False
    letters = iter(long)
    return all(letter in letters for letter in short)


def change_kind(same_agency: bool, same_signed_date: bool, same_state: bool = True) -> str:
    """What differs between two keys of one model; only one changed part is linked unattended.

    Pairs across states are offered only with the same agency key and signing date (see
    history/candidates.sql), so a differing state is the one change.
    """
    if not same_state:
        return "state_corrected"
    if same_agency:
        return "re_dated"
    if same_signed_date:
        return "renamed"
    return "renamed_and_re_dated"


def score_candidates(pairs: pd.DataFrame) -> pd.DataFrame:
    """Add `change_kind` and `score` to vanish/appear pairs.

    The score is the name similarity (100 for a pure re-dating), raised to SAME_DOCUMENT_SCORE when the
    new key replaced the old one in the very list it vanished from and both link to the same signed
    agreement (MOA URL): one document is one agreement, whatever ICE calls its signatory ("Okaloosa County
    Sheriff's Office" became "Okaloosa County Department of Corrections"). Only that one transition counts,
    so a document renamed twice in a week stays a chain, not a set of equal rivals.
    """
    scored = pairs.copy()
    same_agency = scored["from_agency_key"] == scored["to_agency_key"]
    same_date = scored["from_signed_date"].eq(scored["to_signed_date"]) | (
        scored["from_signed_date"].isna() & scored["to_signed_date"].isna()
    )
    same_state = scored["from_state_code"] == scored["to_state_code"]
    scored["change_kind"] = [
        change_kind(agency, date, state)
        for agency, date, state in zip(same_agency, same_date, same_state, strict=True)
    ]
    similarity = pd.Series(
        [
            name_similarity(left, right)
            for left, right in zip(scored["from_agency_key"], scored["to_agency_key"], strict=True)
        ],
        index=scored.index,
        dtype="float64",
    )
    same_document = (
        scored["from_moa_url"].notna()
        & scored["from_moa_url"].eq(scored["to_moa_url"])
        & scored["appear_seq"].eq(scored["vanish_seq"])
    )
    scored["score"] = similarity.where(~same_document, SAME_DOCUMENT_SCORE)
    # A renamed and re-dated pair linking one MOA whose file name carries the new date: ICE fixed the name
    # and set SIGNED to its own document's date. The document is the evidence that makes it one agreement.
    moa_confirms = (
        scored["from_moa_url"].notna()
        & scored["from_moa_url"].eq(scored["to_moa_url"])
        & scored["to_signed_date"].eq(scored["to_moa_date"])
        & scored["change_kind"].eq("renamed_and_re_dated")
    )
    scored["moa_evidence"] = moa_confirms
    scored["score"] = scored["score"].where(~moa_confirms, SAME_DOCUMENT_SCORE)
    return scored


def choose_links(
    scored: pd.DataFrame,
    *,
    fuzzy_threshold: float,
    review_threshold: float,
    ambiguity_margin: float,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split scored pairs into automatic links and pairs for review.

    A pair is linked only when it is each side's clear best (no rival within `ambiguity_margin` on either
    side), scores at least `fuzzy_threshold`, and changed one thing only (the name or the signing date).
    A vanished key that is not linked keeps its plausible candidates (score >= `review_threshold`) for
    review, except those already claimed by a link: silence would hide a possible mistake either way.
    """
    plausible = scored[scored["score"] >= review_threshold].copy()
    if plausible.empty:
        return _empty_links(), _empty_review()
    from_best = plausible.groupby("from_key")["score"].transform("max")
    to_best = plausible.groupby("to_key")["score"].transform("max")
    from_rivals = plausible.groupby("from_key")["score"].transform(
        lambda scores: (scores >= scores.max() - ambiguity_margin).sum()
    )
    to_rivals = plausible.groupby("to_key")["score"].transform(
        lambda scores: (scores >= scores.max() - ambiguity_margin).sum()
    )
    clear_best = (
        plausible["score"].eq(from_best)
        & plausible["score"].eq(to_best)
        & from_rivals.eq(1)
        & to_rivals.eq(1)
    )
    linkable = (
        clear_best
        & (plausible["score"] >= fuzzy_threshold)
        & (plausible["change_kind"].isin(LINKABLE_KINDS) | plausible["moa_evidence"])
    )
    links = plausible[linkable].assign(method="automatic", reason=None)
    links.loc[links["moa_evidence"], "reason"] = (
        "both rows link one MOA, whose file name carries the new date"
    )
    links = links[_PAIR_COLUMNS]

    unresolved = plausible[
        ~plausible["from_key"].isin(links["from_key"]) & ~plausible["to_key"].isin(links["to_key"])
    ].copy()
    unresolved["review_reason"] = [
        review_reason(kind, score, best, fuzzy_threshold)
        for kind, score, best in zip(
            unresolved["change_kind"],
            unresolved["score"],
            clear_best[unresolved.index],
            strict=True,
        )
    ]
    return links.reset_index(drop=True), unresolved[_REVIEW_COLUMNS].reset_index(drop=True)


def review_reason(kind: str, score: float, clear_best: bool, fuzzy_threshold: float) -> str:
    """Why a plausible pair was left for a person instead of being linked."""
    if not clear_best:
        return "ambiguous: another candidate scores within the margin"
    if kind == "renamed_and_re_dated":
        return "both the name and the signing date changed"
    if score < fuzzy_threshold:
        return "name similarity below the link threshold"
    return "not linked"


def apply_manual_decisions(scored: pd.DataFrame, manual: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Manual links and the candidate pairs the matcher may still decide.

    A manual `link` forces its pair and takes both keys out of automatic matching; a manual `no_link`
    removes its pair. `manual` holds matched rows only (from_key, to_key, decision, reason).
    """
    forced = manual[manual["decision"] == "link"]
    refused = manual[manual["decision"] == "no_link"]
    refused_pairs = set(zip(refused["from_key"], refused["to_key"], strict=True))
    forced_from, forced_to = set(forced["from_key"]), set(forced["to_key"])
    keep = pd.Series(
        [
            (source, target) not in refused_pairs and source not in forced_from and target not in forced_to
            for source, target in zip(scored["from_key"], scored["to_key"], strict=True)
        ],
        index=scored.index,
        dtype=bool,
    )
    links = forced.assign(method="manual", change_kind=None, score=None)[_PAIR_COLUMNS]
    return links.reset_index(drop=True), scored[keep].reset_index(drop=True)


def lineage_roots(links: pd.DataFrame, keys: pd.Series) -> pd.DataFrame:
    """For every key, the first key of its chain of corrections (itself when it corrects nothing).

    Chains are short (a name fixed, then a date fixed), so following predecessors is cheap; a cycle,
    possible only through contradictory manual links, stops at the first repeated key.
    """
    predecessor = dict(zip(links["to_key"], links["from_key"], strict=True))

    def root_of(key: int) -> int:
        seen = {key}
        while key in predecessor and predecessor[key] not in seen:
            key = predecessor[key]
            seen.add(key)
        return key

    return pd.DataFrame({"key_no": keys, "lineage_key": [root_of(key) for key in keys]}).astype("uint64")


def build_history(
    con: duckdb.DuckDBPyConnection,
    links: pd.DataFrame,
    *,
    fuzzy_threshold: float = DEFAULT_FUZZY_THRESHOLD,
    gap_window: int = DEFAULT_GAP_WINDOW,
    review_threshold: float = DEFAULT_REVIEW_THRESHOLD,
    ambiguity_margin: float = DEFAULT_AMBIGUITY_MARGIN,
    reference: Reference | None = None,
) -> HistoryStats:
    """(Re)create the `history` schema's tables from `raw.snapshots` and `clean.agreements`.

    Agreements, cancellations, changes, gaps, links and the timelines come from the usable participating
    lists; agencies group an agreement's agency keys across renames; pending requests come from the usable
    pending lists and are matched to the agreements they became.

    `links` is the manual links table (see MANUAL_LINK_COLUMNS). `gap_window` is how many usable
    snapshots apart a vanishing key and its twin may be (and an ended model and the agency's next one).
    `reference` gives history.agency_aliases the rule and reason of each alias cleaning applied.
    """
    validate_manual_links(links)
    run_script(con, "history/presence.sql")
    write_frame(con, "h_alias_keys", alias_keys(con, reference))
    con.register("h_manual_input", manual_input(links))
    manual = con.execute(load_sql("history/manual_links.sql")).df()
    con.unregister("h_manual_input")
    matched = manual.dropna(subset=["from_key", "to_key"]).astype({"from_key": "uint64", "to_key": "uint64"})

    pairs = con.execute(load_sql("history/candidates.sql"), {"gap_window": gap_window}).df()
    manual_links, open_pairs = apply_manual_decisions(score_candidates(pairs), matched)
    auto_links, review = choose_links(
        open_pairs,
        fuzzy_threshold=fuzzy_threshold,
        review_threshold=review_threshold,
        ambiguity_margin=ambiguity_margin,
    )
    # A key is corrected into one successor: a manual row wins over the matcher, the first row over a later one.
    all_links = (
        pd.concat([manual_links, auto_links], ignore_index=True)
        .drop_duplicates("from_key")
        .astype({"from_key": "uint64", "to_key": "uint64", "score": "float64"})
    )
    keys = con.execute("SELECT key_no FROM h_keys").df()["key_no"]
    write_frame(con, "h_links", all_links)
    write_frame(con, "h_review", review.astype({"from_key": "uint64", "to_key": "uint64"}))
    write_frame(con, "h_lineage", lineage_roots(all_links, keys))
    run_script(
        con,
        "history/tables.sql",
        {
            "gap_window": gap_window,
            "moa_tolerance_days": MOA_TOLERANCE_DAYS,
            "brief_listing_lists": BRIEF_LISTING_LISTS,
        },
    )
    run_script(con, "history/agencies.sql")
    stats = collect_stats(con, manual, all_links, review)
    drop_working_tables(con)
    return stats


def alias_keys(con: duckdb.DuckDBPyConnection, reference: Reference | None) -> pd.DataFrame:
    """Every name key that cleaning folded into another agency key, with the rules and reasons that did it.

    The keys come from clean.agreements itself, so the table says what was applied; the reference only
    explains it (the same rules, so `rules` names exactly the rows that fired).
    """
    aliases = con.execute(
        """
        SELECT DISTINCT c.state_code, c.name_key AS alias_key, c.agency_key
        FROM clean.agreements AS c
        JOIN raw.snapshots AS s USING (snapshot_key)
        WHERE s.status = 'usable' AND c.name_key <> c.agency_key
        ORDER BY ALL
        """
    ).df()
    reasons = reference.rule_reasons() if reference is not None else {}
    rules = [
        list(reference.agency_identity(state, key).rules) if reference is not None else []
        for state, key in zip(aliases["state_code"], aliases["alias_key"], strict=True)
    ]
    return aliases.assign(
        method=[
            "reviewed" if any(r.startswith("agency_aliases:") for r in fired) else "rule" for fired in rules
        ],
        rules=pd.Series(rules, index=aliases.index, dtype=pd.ArrowDtype(pa.list_(pa.string()))),
        reason=pd.Series(
            ["; ".join(reasons.get(rule, "") for rule in fired) or None for fired in rules],
            index=aliases.index,
            dtype=pd.ArrowDtype(pa.string()),
        ),
    )


def unmatched_manual_rows(con: duckdb.DuckDBPyConnection, links: pd.DataFrame) -> pd.DataFrame:
    """Manual rows whose `from` or `to` agreement is not in the built history.agreements.

    Such a row decides nothing: a typo in the table, or an agreement never listed in a usable list.
    Returned with their 1-based row number in the table, for a check to show.
    """
    con.register("h_manual_check", manual_input(links))
    try:
        return con.execute(
            """
            WITH m AS (
                SELECT c.* REPLACE (
                    coalesce(fa.agency_key, c.from_agency_key) AS from_agency_key,
                    coalesce(ta.agency_key, c.to_agency_key) AS to_agency_key
                )
                FROM h_manual_check AS c
                LEFT JOIN history.agency_aliases AS fa
                    ON fa.state_code = c.state_code AND fa.alias_key = c.from_agency_key
                LEFT JOIN history.agency_aliases AS ta
                    ON ta.state_code = c.state_code AND ta.alias_key = c.to_agency_key
            )
            SELECT m.row_number, m.state_code, m.from_agency_key, m.from_model, m.from_signed_date,
                   m.to_agency_key, m.to_model, m.to_signed_date, m.decision
            FROM m
            WHERE NOT EXISTS (
                    SELECT 1 FROM history.agreements AS a
                    WHERE a.state_code = m.state_code AND a.agency_key = m.from_agency_key
                        AND a.model = m.from_model AND a.signed_date IS NOT DISTINCT FROM m.from_signed_date)
                OR NOT EXISTS (
                    SELECT 1 FROM history.agreements AS a
                    WHERE a.state_code = m.state_code AND a.agency_key = m.to_agency_key
                        AND a.model = m.to_model AND a.signed_date IS NOT DISTINCT FROM m.to_signed_date)
            ORDER BY m.row_number
            """
        ).df()
    finally:
        con.unregister("h_manual_check")


def manual_input(links: pd.DataFrame) -> pd.DataFrame:
    """The manual table reduced to the matching form of the keys: agency keys and real dates."""
    return pd.DataFrame(
        {
            "row_number": range(1, len(links) + 1),
            "state_code": links["state_code"].str.strip().str.upper(),
            "from_agency_key": links["from_agency_name"].map(agency_key),
            "from_model": links["from_model"].str.strip().str.upper(),
            "from_signed_date": pd.to_datetime(links["from_signed_date"].replace("", None)).dt.date,
            "to_agency_key": links["to_agency_name"].map(agency_key),
            "to_model": links["to_model"].str.strip().str.upper(),
            "to_signed_date": pd.to_datetime(links["to_signed_date"].replace("", None)).dt.date,
            "decision": links["decision"],
            "reason": links["reason"],
        }
    )


def collect_stats(
    con: duckdb.DuckDBPyConnection, manual: pd.DataFrame, links: pd.DataFrame, review: pd.DataFrame
) -> HistoryStats:
    """Counts of the rebuilt tables, plus the manual rows (1-based) that matched no agreement."""
    status_counts = dict(
        con.execute("SELECT status, count(*) FROM history.agreements GROUP BY status").fetchall()
    )
    newest = con.execute("SELECT snapshot_key FROM h_snapshots ORDER BY seq DESC LIMIT 1").fetchone()
    unmatched = manual[manual["from_key"].isna() | manual["to_key"].isna()]["row_number"]
    return HistoryStats(
        snapshots_used=con.execute("SELECT count(*) FROM h_snapshots").fetchone()[0],
        newest_snapshot_key=newest[0] if newest else None,
        agreements=sum(status_counts.values()),
        active=status_counts.get("active", 0),
        ended=status_counts.get("ended", 0),
        corrected=status_counts.get("corrected", 0),
        links_automatic=int((links["method"] == "automatic").sum()),
        links_manual=int((links["method"] == "manual").sum()),
        review_pairs=len(review),
        gaps=con.execute("SELECT count(*) FROM history.gaps").fetchone()[0],
        changes=con.execute("SELECT count(*) FROM history.changes").fetchone()[0],
        agencies=con.execute("SELECT count(*) FROM history.agencies").fetchone()[0],
        pending_requests=con.execute("SELECT count(*) FROM history.pending_agencies").fetchone()[0],
        manual_rows_unmatched=tuple(int(row) for row in unmatched),
    )


def write_frame(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    """Copy a small decided table (links, review, lineage) into a working table of this connection."""
    con.register("h_frame", frame)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT * FROM h_frame")
    con.unregister("h_frame")


def drop_working_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Free the build's working tables; the public `history` tables stay."""
    names = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE temporary AND starts_with(table_name, 'h_')"
    ).fetchall()
    for (name,) in names:
        con.execute(f"DROP TABLE {name}")


def _empty_links() -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series(dtype="object") for column in _PAIR_COLUMNS})


def _empty_review() -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series(dtype="object") for column in _REVIEW_COLUMNS})
