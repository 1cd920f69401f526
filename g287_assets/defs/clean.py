"""Clean: one row per agreement per snapshot, with every correction recorded."""

import dagster as dg
import pandas as pd
from dagster_duckdb import DuckDBResource

from g287_assets.defs.ingest import SINGLE_RUN, asset_metadata, preview, raw_rows, snapshot_partitions
from g287_assets.defs.resources import G287Files
from g287_assets.lib import catalog
from g287_assets.lib.cleaning import clean_agreements as clean_rows
from g287_assets.lib.reference import load_reference
from g287_assets.lib.warehouse import replace_snapshots


@dg.asset(
    key=["clean", "agreements"],
    group_name="clean",
    kinds={"duckdb"},
    owners=["team:g287"],
    partitions_def=snapshot_partitions,
    backfill_policy=SINGLE_RUN,
    deps=[raw_rows],
    description=catalog.CLEAN_AGREEMENTS.description
    + " Exact duplicate rows are counted once and reported, with every other problem, in clean.row_issues.",
    metadata=asset_metadata(catalog.CLEAN_AGREEMENTS),
)
def clean_agreements(context: dg.AssetExecutionContext, files: G287Files, duckdb: DuckDBResource) -> None:
    keys = context.partition_keys
    reference = load_reference(files.paths.reference_dir)
    with duckdb.get_connection() as con:
        raw = con.execute(
            "SELECT * FROM raw.rows WHERE snapshot_key IN (SELECT unnest(?::VARCHAR[]))", [keys]
        ).df()
        snapshots = con.execute(
            "SELECT snapshot_key, snapshot_date, content_kind AS list_kind FROM raw.snapshot_contents "
            "WHERE snapshot_key IN (SELECT unnest(?::VARCHAR[]))",
            [keys],
        ).df()
        clean, issues = clean_rows(raw, snapshots, reference)
        replace_snapshots(con, catalog.CLEAN_AGREEMENTS, keys, clean)
        replace_snapshots(con, catalog.ROW_ISSUES, keys, issues)
    by_key = dict(tuple(clean.groupby("snapshot_key"))) if len(clean) else {}
    issue_counts = issues.groupby("snapshot_key").size().to_dict() if len(issues) else {}
    for key in keys:
        rows = by_key.get(key, pd.DataFrame(columns=clean.columns))
        context.add_asset_metadata(
            {
                "dagster/row_count": len(rows),
                "agencies": int(rows[["state_code", "agency_key"]].drop_duplicates().shape[0]),
                "row issues": int(issue_counts.get(key, 0)),
                "preview": preview(rows[["state_code", "agency_name", "level", "model", "signed_date"]]),
            },
            partition_key=key,
        )
    context.log.info(
        f"cleaned {len(clean):,} agreements of {len(keys)} snapshots; {len(issues):,} row issues"
    )


defs = dg.Definitions(assets=[clean_agreements])
