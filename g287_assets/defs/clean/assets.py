"""Clean: one row per agreement per snapshot, with every correction recorded.

Cleaning is incremental: a snapshot is cleaned again only when its rows were re-read or a reference table
changed, so a new list costs the cleaning of one list, and a corrected CSV re-cleans everything.
"""

import datetime as dt

import dagster as dg
import duckdb
import pandas as pd
from dagster_duckdb import DuckDBResource

from g287_assets.defs.metadata import asset_metadata, preview, table_key
from g287_assets.defs.resources import G287Files
from g287_assets.lib.cleaning.agreements import clean_agreements as clean_rows
from g287_assets.lib.reference import Reference, load_reference
from g287_assets.lib.warehouse import catalog
from g287_assets.lib.warehouse.database import ensure_table, replace_snapshots

# Snapshots cleaned per batch: bounds memory when every list of a large archive must be cleaned again.
BATCH_SNAPSHOTS = 200

STALE_SNAPSHOTS_SQL = """
SELECT c.snapshot_key, c.read_at
FROM raw.snapshot_contents c
LEFT JOIN clean.cleaned_snapshots v USING (snapshot_key)
WHERE v.snapshot_key IS NULL OR v.raw_read_at IS DISTINCT FROM c.read_at OR v.reference_hash <> ?
ORDER BY c.snapshot_key
"""

VANISHED_SNAPSHOTS_SQL = """
SELECT snapshot_key FROM clean.cleaned_snapshots
WHERE snapshot_key NOT IN (SELECT snapshot_key FROM raw.snapshot_contents)
"""


@dg.asset(
    key=["clean", "agreements"],
    group_name="clean",
    kinds={"duckdb"},
    deps=[table_key(catalog.RAW_ROWS)],
    description=catalog.CLEAN_AGREEMENTS.description
    + " Exact duplicate rows are counted once and reported, with every other problem, in clean.row_issues."
    " Only snapshots whose rows or reference tables changed are cleaned again (clean.cleaned_snapshots).",
    metadata=asset_metadata(catalog.CLEAN_AGREEMENTS),
)
def clean_agreements(
    context: dg.AssetExecutionContext, files: G287Files, duckdb: DuckDBResource
) -> dg.MaterializeResult:
    reference = load_reference(files.paths.reference_dir)
    with duckdb.get_connection() as con:
        for table in (catalog.ROW_ISSUES, catalog.CLEANED_SNAPSHOTS):
            ensure_table(con, table)
        if ensure_table(con, catalog.CLEAN_AGREEMENTS):
            # Rows cleaned before the columns existed hold NULL in them: clean every snapshot again.
            con.execute("DELETE FROM clean.cleaned_snapshots")
        vanished = [key for (key,) in con.execute(VANISHED_SNAPSHOTS_SQL).fetchall()]
        for table in (catalog.CLEAN_AGREEMENTS, catalog.ROW_ISSUES, catalog.CLEANED_SNAPSHOTS):
            replace_snapshots(con, table, vanished, pd.DataFrame(columns=table.column_names))
        stale = con.execute(STALE_SNAPSHOTS_SQL, [reference.fingerprint]).df()
        cleaned_rows = issue_rows = 0
        for start in range(0, len(stale), BATCH_SNAPSHOTS):
            batch = stale.iloc[start : start + BATCH_SNAPSHOTS]
            cleaned, issues = clean_batch(con, batch.snapshot_key.tolist(), reference)
            ledger = batch.rename(columns={"read_at": "raw_read_at"}).assign(
                reference_hash=reference.fingerprint, cleaned_at=dt.datetime.now()
            )
            replace_snapshots(con, catalog.CLEANED_SNAPSHOTS, ledger.snapshot_key.tolist(), ledger)
            cleaned_rows, issue_rows = cleaned_rows + cleaned, issue_rows + issues
            context.log.info(f"cleaned {min(start + BATCH_SNAPSHOTS, len(stale))} of {len(stale)} snapshots")
        totals = con.execute("SELECT count(*), count(DISTINCT snapshot_key) FROM clean.agreements").fetchone()
        newest = con.execute(
            """
            SELECT a.state_code, a.agency_name, a.level, a.model, a.signed_date, a.corrections
            FROM clean.agreements a JOIN raw.snapshot_contents c USING (snapshot_key)
            WHERE c.snapshot_at = (SELECT max(snapshot_at) FROM raw.snapshot_contents) LIMIT 5
            """
        ).df()
    context.log.info(
        f"cleaned {len(stale)} snapshots ({cleaned_rows:,} agreements, {issue_rows:,} row issues)"
    )
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": totals[0],
            "snapshots": totals[1],
            "snapshots cleaned in this run": len(stale),
            "agreements cleaned in this run": cleaned_rows,
            "row issues found in this run": issue_rows,
            "reference tables sha256": reference.fingerprint,
            "preview (newest list)": preview(newest),
        }
    )


def clean_batch(con: duckdb.DuckDBPyConnection, keys: list[str], reference: Reference) -> tuple[int, int]:
    """Clean some snapshots' raw rows and replace what clean.agreements and clean.row_issues held for them."""
    raw = con.execute(
        "SELECT * FROM raw.rows WHERE snapshot_key IN (SELECT unnest(?::VARCHAR[]))", [keys]
    ).df()
    snapshots = con.execute(
        "SELECT snapshot_key, snapshot_date, content_kind AS list_kind FROM raw.snapshot_contents "
        "WHERE snapshot_key IN (SELECT unnest(?::VARCHAR[]))",
        [keys],
    ).df()
    cleaned, issues = clean_rows(raw, snapshots, reference)
    replace_snapshots(con, catalog.CLEAN_AGREEMENTS, keys, cleaned)
    replace_snapshots(con, catalog.ROW_ISSUES, keys, issues)
    return len(cleaned), len(issues)
