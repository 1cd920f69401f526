"""Checks of the history: one row per agreement, cancellations on usable lists, the newest list's counts,
reviewed links, no mass ending, and correction chains that end on a live row.

Offending-row checks are RowChecks; the checks that weigh counts and shares keep bodies of their own.
"""

import dagster as dg
import pandas as pd
from dagster_duckdb import DuckDBResource

from g287_assets.defs.checks import RowCheck, row_checks
from g287_assets.defs.metadata import preview, table_key
from g287_assets.defs.resources import G287Files
from g287_assets.lib.history.engine import MANUAL_LINKS_FILE, read_manual_links, unmatched_manual_rows
from g287_assets.lib.warehouse import catalog


@dg.asset_check(
    asset=table_key(catalog.HISTORY_TIMELINE),
    description=(
        "The newest usable list's active agreements equal its clean agreements after within-file duplicates, "
        "and no usable participating list is empty."
    ),
)
def newest_list_counts_agree(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    with duckdb.get_connection() as con:
        newest = con.execute(NEWEST_LIST_COUNTS_SQL).df()
        empty = con.execute(
            "SELECT snapshot_key, snapshot_date FROM history.timeline WHERE agreements = 0 ORDER BY snapshot_at"
        ).df()
    if newest.empty:
        return dg.AssetCheckResult(passed=empty.empty, metadata={"newest list": "none"})
    row = newest.iloc[0]
    agree = row["clean_keys"] == row["active"] == row["timeline_agreements"]
    return dg.AssetCheckResult(
        passed=bool(agree) and empty.empty,
        metadata={
            "newest list": row["snapshot_key"],
            "clean rows": int(row["clean_rows"]),
            "clean agreements after duplicates": int(row["clean_keys"]),
            "active agreements": int(row["active"]),
            "timeline agreements": int(row["timeline_agreements"]),
            "empty usable lists": len(empty),
        },
    )


# The newest timeline list, counted three independent ways: its clean rows' distinct keys, the agreements
# history calls active, and the timeline's own count.
NEWEST_LIST_COUNTS_SQL = """
WITH newest AS (SELECT snapshot_key, agreements FROM history.timeline ORDER BY snapshot_at DESC LIMIT 1)
SELECT
    n.snapshot_key,
    (SELECT count(*) FROM clean.agreements c WHERE c.snapshot_key = n.snapshot_key) AS clean_rows,
    (SELECT count(DISTINCT (c.state_code, c.agency_key, c.model, c.signed_date))
     FROM clean.agreements c WHERE c.snapshot_key = n.snapshot_key) AS clean_keys,
    (SELECT count(*) FROM history.agreements WHERE status = 'active') AS active,
    n.agreements AS timeline_agreements
FROM newest AS n
"""


@dg.asset_check(
    asset=table_key(catalog.HISTORY_LINKS),
    description="Manual link rows that match no agreement (warns: a typo in agreement_links.csv decides nothing).",
)
def manual_links_match(files: G287Files, duckdb: DuckDBResource) -> dg.AssetCheckResult:
    links = read_manual_links(files.paths.reference_dir / MANUAL_LINKS_FILE)
    with duckdb.get_connection() as con:
        unmatched = unmatched_manual_rows(con, links)
    return dg.AssetCheckResult(
        passed=unmatched.empty,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "manual rows": len(links),
            "unmatched rows": len(unmatched),
            "rows": preview(unmatched, 20, "_none_"),
        },
    )


# The share of the previous list's agreements that one transition may end before the check fails: ICE's
# real endings come in ones and twos, and a list missing more is far likelier a bad file than a wave of
# cancellations. Such a list must be quarantined (raw.snapshots), never counted.
MAX_ENDED_SHARE = 0.05

# Each transition between consecutive usable lists with the agreements it ended or lost for a while.
TRANSITION_ENDINGS_SQL = """
WITH
transitions AS (
    SELECT
        snapshot_key,
        snapshot_date,
        lag(snapshot_key) OVER w AS previous_snapshot_key,
        lag(snapshot_date) OVER w AS previous_snapshot_date,
        lag(agreements) OVER w AS previous_agreements
    FROM history.timeline
    WINDOW w AS (ORDER BY snapshot_at)
),
ends AS (
    SELECT snapshot_key, count(*) AS ended
    FROM history.changes
    WHERE event IN ('ended', 'disappeared')
    GROUP BY snapshot_key
)
SELECT
    t.previous_snapshot_key,
    t.previous_snapshot_date,
    t.snapshot_key,
    t.snapshot_date,
    t.previous_agreements,
    coalesce(e.ended, 0) AS ended,
    round(coalesce(e.ended, 0) / t.previous_agreements, 4) AS ended_share
FROM transitions AS t
LEFT JOIN ends AS e USING (snapshot_key)
WHERE t.previous_snapshot_key IS NOT NULL AND t.previous_agreements > 0
ORDER BY ended_share DESC, t.snapshot_date
"""

# Each quarantined participating list against the usable list before it: what it would have ended had it
# been let into history.
QUARANTINED_ENDINGS_SQL = """
WITH
quarantined AS (
    SELECT snapshot_key, snapshot_date, snapshot_at, quality_reason
    FROM raw.snapshots
    WHERE list_kind = 'participating' AND status = 'quarantined'
),
pairs AS (
    SELECT q.snapshot_key, q.snapshot_date, q.quality_reason, t.snapshot_key AS previous_snapshot_key
    FROM quarantined AS q
    ASOF JOIN history.timeline AS t ON q.snapshot_at > t.snapshot_at
),
previous_keys AS (
    SELECT DISTINCT p.snapshot_key, c.state_code, c.agency_key, c.model, c.signed_date
    FROM pairs AS p
    JOIN clean.agreements AS c ON c.snapshot_key = p.previous_snapshot_key
),
listed_keys AS (
    SELECT DISTINCT c.snapshot_key, c.state_code, c.agency_key, c.model, c.signed_date
    FROM clean.agreements AS c
    SEMI JOIN quarantined AS q USING (snapshot_key)
),
missing AS (
    SELECT
        k.snapshot_key,
        count(*) AS previous_agreements,
        count(*) FILTER (WHERE l.snapshot_key IS NULL) AS would_end
    FROM previous_keys AS k
    LEFT JOIN listed_keys AS l
        ON l.snapshot_key = k.snapshot_key
        AND l.state_code = k.state_code
        AND l.agency_key = k.agency_key
        AND l.model = k.model
        AND l.signed_date IS NOT DISTINCT FROM k.signed_date
    GROUP BY k.snapshot_key
)
SELECT
    p.snapshot_key,
    p.snapshot_date,
    p.previous_snapshot_key,
    m.previous_agreements,
    m.would_end,
    round(m.would_end / m.previous_agreements, 4) AS would_end_share,
    p.quality_reason
FROM pairs AS p
JOIN missing AS m USING (snapshot_key)
ORDER BY p.snapshot_date
"""


@dg.asset_check(
    asset=table_key(catalog.HISTORY_CHANGES),
    description=(
        "No transition between consecutive usable lists ends (or loses for a while) more than 5% of the "
        "previous list's agreements: such a list is a bad file to quarantine, not a wave of cancellations. "
        "Fails with ERROR severity naming each transition; quarantined lists are shown with what they would "
        "have ended."
    ),
)
def no_mass_ending_transition(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    with duckdb.get_connection() as con:
        transitions = con.execute(TRANSITION_ENDINGS_SQL).df()
        held_back = con.execute(QUARANTINED_ENDINGS_SQL).df()
    failing = transitions[transitions["ended_share"] > MAX_ENDED_SHARE]
    worst = transitions.head(1)
    named = [f"{row.previous_snapshot_key} -> {row.snapshot_key}" for row in failing.itertuples()]
    return dg.AssetCheckResult(
        passed=failing.empty,
        severity=dg.AssetCheckSeverity.ERROR,
        description=("transitions ending over 5%: " + ", ".join(named)) if named else None,
        metadata={
            "threshold": MAX_ENDED_SHARE,
            "transitions": len(transitions),
            "failing transitions": len(failing),
            "worst share": float(worst["ended_share"].iloc[0]) if len(worst) else 0.0,
            "worst transition": named_transition(worst),
            "failing": preview(failing, 50, "_none_"),
            "quarantined lists (kept out of history)": preview(held_back, 50, "_none_"),
        },
    )


def named_transition(rows: pd.DataFrame) -> str:
    """ "<previous snapshot> -> <snapshot>" of the first row, or "none"."""
    if rows.empty:
        return "none"
    row = rows.iloc[0]
    return f"{row['previous_snapshot_key']} -> {row['snapshot_key']}"


# The newest usable list's distinct agreement keys against the agreements history calls active, both ways.
ACTIVE_VERSUS_NEWEST_SQL = """
WITH
newest AS (SELECT snapshot_key FROM history.timeline ORDER BY snapshot_at DESC LIMIT 1),
listed AS (
    SELECT DISTINCT c.state_code, c.agency_key, c.model, c.signed_date
    FROM clean.agreements AS c SEMI JOIN newest USING (snapshot_key)
),
active AS (
    SELECT state_code, agency_key, model, signed_date FROM history.agreements WHERE status = 'active'
)
SELECT 'listed, not active' AS side, * FROM (SELECT * FROM listed EXCEPT SELECT * FROM active)
UNION ALL
SELECT 'active, not listed', * FROM (SELECT * FROM active EXCEPT SELECT * FROM listed)
"""


# Follows each corrected row's successors to the end of its chain; the chain must end on an active or ended
# row. A chain still on a corrected row after the depth limit is a cycle.
CORRECTION_CHAINS_SQL = """
WITH RECURSIVE chain(start_id, current_id, depth) AS (
    SELECT agreement_id, successor_id, 1 FROM history.agreements WHERE status = 'corrected'
    UNION ALL
    SELECT c.start_id, a.successor_id, c.depth + 1
    FROM chain AS c
    JOIN history.agreements AS a ON a.agreement_id = c.current_id
    WHERE a.status = 'corrected' AND c.depth < $max_depth
),
ends AS (
    SELECT start_id, arg_max(current_id, depth) AS end_id, max(depth) AS steps FROM chain GROUP BY start_id
)
SELECT s.state_code, s.agency_name, s.model, s.signed_date, e.end_id, e.steps, a.status AS end_status
FROM ends AS e
JOIN history.agreements AS s ON s.agreement_id = e.start_id
LEFT JOIN history.agreements AS a ON a.agreement_id = e.end_id
WHERE a.status IS NULL OR a.status NOT IN ('active', 'ended')
ORDER BY s.state_code, s.agency_name, s.model
"""
MAX_CHAIN = 20


AGREEMENTS, LINKS = table_key(catalog.HISTORY_AGREEMENTS), table_key(catalog.HISTORY_LINKS)

ROW_CHECKS = row_checks(
    RowCheck(
        name="no_agreement_both_active_and_ended",
        asset=AGREEMENTS,
        description="One row per agreement, and no agreement both active and cancelled.",
        sql="""
        SELECT 'id listed twice' AS problem, agreement_id, any_value(state_code) AS state_code,
               any_value(agency_name) AS agency_name, any_value(model) AS model,
               any_value(signed_date) AS signed_date
        FROM history.agreements GROUP BY agreement_id HAVING count(*) > 1
        UNION ALL
        SELECT 'cancelled, not ended', c.agreement_id, c.state_code, c.agency_name, c.model, c.signed_date
        FROM history.cancellations AS c JOIN history.agreements AS a USING (agreement_id)
        WHERE a.status <> 'ended'
        """,
        label="offending agreements",
    ),
    RowCheck(
        name="cancellations_end_on_usable_lists",
        asset=table_key(catalog.HISTORY_CANCELLATIONS),
        description="Every cancellation ends on a usable participating list's date, never on a quarantined one.",
        sql="""
        SELECT c.agreement_id, c.agency_name, c.ended_date, c.ended_snapshot_key
        FROM history.cancellations AS c
        LEFT JOIN raw.usable_participating_lists AS s
            ON s.snapshot_key = c.ended_snapshot_key AND s.snapshot_date = c.ended_date
        WHERE s.snapshot_key IS NULL
        """,
        label="bad cancellations",
    ),
    RowCheck(
        name="no_open_review_pairs",
        asset=table_key(catalog.HISTORY_LINK_REVIEW),
        description="Open review pairs (warns: each needs a link or no_link row in agreement_links.csv).",
        sql="SELECT state_code, from_agency_name, to_agency_name, from_signed_date, to_signed_date, score, "
        "review_reason FROM history.link_review",
        label="open pairs",
        severity=dg.AssetCheckSeverity.WARN,
    ),
    RowCheck(
        name="active_agreements_are_the_newest_list",
        asset=AGREEMENTS,
        description=(
            "The active agreements are exactly the newest usable list's agreements (state, agency, model, "
            "signing date), both ways: today's count is ICE's own list, nothing added or lost."
        ),
        sql=ACTIVE_VERSUS_NEWEST_SQL,
        label="differences",
        counts={"active agreements": "SELECT count(*) FROM history.agreements WHERE status = 'active'"},
    ),
    RowCheck(
        name="corrections_lead_to_live_agreements",
        asset=LINKS,
        description=(
            "Every corrected row leads, through its chain of corrections, to a live row (active or ended): a "
            "correction never points at nothing and never loops."
        ),
        sql=CORRECTION_CHAINS_SQL,
        parameters={"max_depth": MAX_CHAIN},
        label="dangling",
        counts={"corrected rows": "SELECT count(*) FROM history.agreements WHERE status = 'corrected'"},
    ),
)

# Every check of the group, for a test or a run that takes them all (the loader finds each above on its own).
CHECKS = [newest_list_counts_agree, manual_links_match, no_mass_ending_transition, *ROW_CHECKS]
