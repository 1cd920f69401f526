"""History: one row per agreement across ICE's overwritten lists, its cancellations, corrections and timeline.

One multi-asset rebuilds every `history` table at once (they come from one pass of the history engine over
raw.snapshots and clean.agreements), and declares each table as its own asset so the UI shows each one's
description, columns, row count and preview. The checks below hold the engine to the invariants people rely
on when they quote a cancellation or today's count.
"""

import dagster as dg
import pandas as pd
from dagster_duckdb import DuckDBResource

from g287_assets.defs.ingest import asset_metadata, preview
from g287_assets.defs.resources import G287Files
from g287_assets.lib import catalog
from g287_assets.lib.history import HistoryStats, build_history, read_manual_links, unmatched_manual_rows

MANUAL_LINKS_FILE = "agreement_links.csv"
INPUTS = [dg.AssetKey(["raw", "snapshots"]), dg.AssetKey(["clean", "agreements"])]

# The columns each table's preview shows: enough to read a row, few enough to fit the UI.
PREVIEW_COLUMNS = {
    catalog.HISTORY_AGREEMENTS: [
        "state_code",
        "agency_name",
        "model",
        "signed_date",
        "status",
        "last_seen_date",
    ],
    catalog.HISTORY_CANCELLATIONS: ["ended_date", "state_code", "agency_name", "model", "signed_date"],
    catalog.HISTORY_CANCELLATIONS_SINCE_TRACKING_START: [
        "ended_date",
        "state_code",
        "agency_name",
        "model",
        "signed_date",
    ],
    catalog.HISTORY_CHANGES: ["snapshot_date", "event", "state_code", "agency_name", "model", "field"],
    catalog.HISTORY_TIMELINE: ["snapshot_date", "agreements", "agencies", "jem", "wso", "tfm"],
    catalog.HISTORY_TIMELINE_BY_STATE: ["snapshot_date", "state_code", "agreements", "agencies"],
    catalog.HISTORY_GAPS: ["state_code", "agency_name", "model", "first_missing_date", "returned_date"],
    catalog.HISTORY_LINKS: ["state_code", "from_agency_name", "to_agency_name", "change_kind", "method"],
    catalog.HISTORY_LINK_REVIEW: [
        "state_code",
        "from_agency_name",
        "to_agency_name",
        "score",
        "review_reason",
    ],
}

# Newest first where a table has a date people read from the top.
PREVIEW_ORDER = {
    catalog.HISTORY_CANCELLATIONS: "ended_date DESC",
    catalog.HISTORY_CANCELLATIONS_SINCE_TRACKING_START: "ended_date DESC",
    catalog.HISTORY_CHANGES: "snapshot_date DESC",
    catalog.HISTORY_TIMELINE: "snapshot_at DESC",
    catalog.HISTORY_TIMELINE_BY_STATE: "snapshot_date DESC, agreements DESC",
}


def asset_key(table: catalog.Table) -> dg.AssetKey:
    """history.agreements is the asset ["history", "agreements"]."""
    return dg.AssetKey(table.name.split("."))


def history_spec(table: catalog.Table) -> dg.AssetSpec:
    return dg.AssetSpec(
        key=asset_key(table),
        deps=INPUTS,
        description=table.description,
        group_name="history",
        kinds={"duckdb"},
        owners=["team:g287"],
        metadata=asset_metadata(table),
    )


@dg.multi_asset(
    specs=[history_spec(table) for table in catalog.HISTORY_TABLES],
    name="history_tables",
    can_subset=False,
    description=(
        "Rebuild every history table from the usable participating lists, linking ICE's corrections "
        "(typos, dates, states, signatories) so they are never counted as cancellations; manual decisions "
        "come from data/reference/agreement_links.csv."
    ),
)
def history_tables(context: dg.AssetExecutionContext, files: G287Files, duckdb: DuckDBResource):
    links = read_manual_links(files.paths.reference_dir / MANUAL_LINKS_FILE)
    with duckdb.get_connection() as con:
        stats = build_history(con, links)
        results = [table_result(con, table) for table in catalog.HISTORY_TABLES]
    context.log.info(
        f"history: {stats.agreements:,} agreements ({stats.active:,} active, {stats.ended:,} ended, "
        f"{stats.corrected:,} corrected) over {stats.snapshots_used} usable lists"
    )
    if stats.manual_rows_unmatched:
        context.log.warning(f"manual link rows matching no agreement: {list(stats.manual_rows_unmatched)}")
    for table, metadata in results:
        if table is catalog.HISTORY_AGREEMENTS:
            metadata.update(stats_metadata(stats))
        yield dg.MaterializeResult(asset_key=asset_key(table), metadata=metadata)


def table_result(con, table: catalog.Table) -> tuple[catalog.Table, dict]:
    """Row count and a preview of one rebuilt table (identifiers from the catalog, never from data)."""
    rows = con.execute(f"SELECT count(*) FROM {table.name}").fetchone()[0]
    order = f" ORDER BY {PREVIEW_ORDER[table]}" if table in PREVIEW_ORDER else ""
    columns = ", ".join(PREVIEW_COLUMNS[table])
    head = con.execute(f"SELECT {columns} FROM {table.name}{order} LIMIT 10").df()
    return table, {"dagster/row_count": rows, "preview": preview(head, 10)}


def stats_metadata(stats: HistoryStats) -> dict:
    return {
        "usable lists": stats.snapshots_used,
        "newest list": stats.newest_snapshot_key or "none",
        "active": stats.active,
        "ended": stats.ended,
        "corrected": stats.corrected,
        "automatic links": stats.links_automatic,
        "manual links": stats.links_manual,
        "review pairs": stats.review_pairs,
        "gaps": stats.gaps,
    }


def frame_md(frame: pd.DataFrame, rows: int = 20) -> dg.MarkdownMetadataValue:
    return dg.MetadataValue.md(frame.head(rows).to_markdown(index=False) if len(frame) else "_none_")


@dg.asset_check(
    asset=asset_key(catalog.HISTORY_AGREEMENTS),
    description="One row per agreement, and no agreement both active and cancelled.",
)
def no_agreement_both_active_and_ended(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    with duckdb.get_connection() as con:
        duplicated = con.execute(
            "SELECT count(*) - count(DISTINCT agreement_id) FROM history.agreements"
        ).fetchone()[0]
        both = con.execute(
            """
            SELECT c.agreement_id, c.state_code, c.agency_name, c.model, c.signed_date
            FROM history.cancellations AS c JOIN history.agreements AS a USING (agreement_id)
            WHERE a.status <> 'ended'
            """
        ).df()
    return dg.AssetCheckResult(
        passed=duplicated == 0 and both.empty,
        metadata={
            "duplicated ids": int(duplicated),
            "cancelled yet not ended": len(both),
            "rows": frame_md(both),
        },
    )


@dg.asset_check(
    asset=asset_key(catalog.HISTORY_CANCELLATIONS),
    description="Every cancellation ends on a usable participating list's date, never on a quarantined one.",
)
def cancellations_end_on_usable_lists(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    with duckdb.get_connection() as con:
        bad = con.execute(
            """
            SELECT c.agreement_id, c.agency_name, c.ended_date, c.ended_snapshot_key
            FROM history.cancellations AS c
            LEFT JOIN raw.snapshots AS s
                ON s.snapshot_key = c.ended_snapshot_key
                AND s.snapshot_date = c.ended_date
                AND s.status = 'usable'
                AND s.list_kind = 'participating'
            WHERE s.snapshot_key IS NULL
            """
        ).df()
    return dg.AssetCheckResult(
        passed=bad.empty, metadata={"bad cancellations": len(bad), "rows": frame_md(bad)}
    )


@dg.asset_check(
    asset=asset_key(catalog.HISTORY_TIMELINE),
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
    asset=asset_key(catalog.HISTORY_LINKS),
    description="Manual link rows that match no agreement (warns: a typo in agreement_links.csv decides nothing).",
)
def manual_links_match(files: G287Files, duckdb: DuckDBResource) -> dg.AssetCheckResult:
    links = read_manual_links(files.paths.reference_dir / MANUAL_LINKS_FILE)
    with duckdb.get_connection() as con:
        unmatched = unmatched_manual_rows(con, links)
    return dg.AssetCheckResult(
        passed=unmatched.empty,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"manual rows": len(links), "unmatched rows": len(unmatched), "rows": frame_md(unmatched)},
    )


@dg.asset_check(
    asset=asset_key(catalog.HISTORY_LINK_REVIEW),
    description="Open review pairs (warns: each needs a link or no_link row in agreement_links.csv).",
)
def no_open_review_pairs(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    with duckdb.get_connection() as con:
        review = con.execute(
            "SELECT state_code, from_agency_name, to_agency_name, from_signed_date, to_signed_date, score, "
            "review_reason FROM history.link_review"
        ).df()
    return dg.AssetCheckResult(
        passed=review.empty,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"open pairs": len(review), "pairs": frame_md(review)},
    )


HISTORY_CHECKS = [
    no_agreement_both_active_and_ended,
    cancellations_end_on_usable_lists,
    newest_list_counts_agree,
    manual_links_match,
    no_open_review_pairs,
]


defs = dg.Definitions(assets=[history_tables], asset_checks=HISTORY_CHECKS)
