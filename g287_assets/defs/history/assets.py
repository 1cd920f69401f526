"""History: one row per agreement across ICE's overwritten lists, its cancellations, corrections and timeline.

One multi-asset rebuilds every `history` table at once (they come from one pass of the history engine over
raw.snapshots and clean.agreements), and declares each table as its own asset so the UI shows each one's
description, columns, row count and preview. The checks below hold the engine to the invariants people rely
on when they quote a cancellation or today's count.
"""

import dagster as dg
from dagster_duckdb import DuckDBResource

from g287_assets.defs.metadata import asset_metadata, preview, table_key
from g287_assets.defs.resources import G287Files
from g287_assets.lib.history.engine import (
    MANUAL_LINKS_FILE,
    HistoryStats,
    build_history,
    read_manual_links,
)
from g287_assets.lib.reference import load_reference
from g287_assets.lib.warehouse import catalog

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
    catalog.HISTORY_AGENCIES: ["state_code", "agency_name", "status", "models_now", "models_before"],
    catalog.HISTORY_AGENCY_ALIASES: ["state_code", "alias_names", "agency_key", "method", "rules"],
    catalog.HISTORY_PENDING_AGENCIES: [
        "state_code",
        "agency_name",
        "model",
        "first_pending_date",
        "outcome",
        "days_pending_to_listed",
    ],
}

# Newest first where a table has a date people read from the top.
PREVIEW_ORDER = {
    catalog.HISTORY_CANCELLATIONS: "ended_date DESC",
    catalog.HISTORY_CANCELLATIONS_SINCE_TRACKING_START: "ended_date DESC",
    catalog.HISTORY_CHANGES: "snapshot_date DESC",
    catalog.HISTORY_TIMELINE: "snapshot_at DESC",
    catalog.HISTORY_TIMELINE_BY_STATE: "snapshot_date DESC, agreements DESC",
    catalog.HISTORY_PENDING_AGENCIES: "first_pending_date DESC",
}


def history_spec(table: catalog.Table) -> dg.AssetSpec:
    return dg.AssetSpec(
        key=table_key(table),
        deps=INPUTS,
        description=table.description,
        group_name="history",
        kinds={"duckdb"},
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
        stats = build_history(con, links, reference=load_reference(files.paths.reference_dir))
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
        yield dg.MaterializeResult(asset_key=table_key(table), metadata=metadata)


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
        "agencies": stats.agencies,
        "pending requests": stats.pending_requests,
    }
