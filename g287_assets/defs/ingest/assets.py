"""Ingest: registered files, each snapshot's verbatim rows, and the snapshot table with its quality gates."""

import dagster as dg
import pandas as pd
from dagster_duckdb import DuckDBResource

from g287_assets.defs.metadata import asset_metadata, preview
from g287_assets.defs.resources import G287Files
from g287_assets.lib.reference import load_reference
from g287_assets.lib.snapshots.contents import UnregisteredSnapshot, imports_frame, read_snapshots
from g287_assets.lib.snapshots.quality import annotate_aliases, assess_snapshots
from g287_assets.lib.snapshots.registry import load_imports
from g287_assets.lib.warehouse import catalog
from g287_assets.lib.warehouse.database import ensure_table, load_sql, replace_snapshots, replace_table

snapshot_partitions = dg.DynamicPartitionsDefinition(name="snapshots")

# Hundreds of snapshots are processed in one run, not one run each.
SINGLE_RUN = dg.BackfillPolicy.single_run()


@dg.asset(
    key=["raw", "file_imports"],
    group_name="ingest",
    kinds={"duckdb"},
    description=catalog.FILE_IMPORTS.description,
    metadata=asset_metadata(catalog.FILE_IMPORTS),
)
def file_imports(files: G287Files, duckdb: DuckDBResource) -> dg.MaterializeResult:
    """Load the archive's import log into DuckDB, with what each name says about its date and kind."""
    records = load_imports(files.paths.archive)
    frame = imports_frame(records)
    with duckdb.get_connection() as con:
        replace_table(con, catalog.FILE_IMPORTS, frame)
    outcomes = frame["outcome"].value_counts().to_dict() if len(frame) else {}
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": len(frame),
            **{f"{outcome} files": int(count) for outcome, count in outcomes.items()},
            "rejected": preview(frame.loc[frame.outcome == "rejected", ["file_name", "reason"]], 20)
            if len(frame)
            else preview(frame),
        }
    )


@dg.asset(
    key=["raw", "rows"],
    group_name="ingest",
    kinds={"duckdb", "excel"},
    partitions_def=snapshot_partitions,
    backfill_policy=SINGLE_RUN,
    deps=[file_imports],
    description=(
        "ICE's rows verbatim per snapshot, read from the archived file (verified by sha256), with sheet, row "
        "number and hyperlink targets; also raw.snapshot_contents (header, kind and date of each file)."
    ),
    metadata=asset_metadata(catalog.RAW_ROWS),
)
def raw_rows(context: dg.AssetExecutionContext, files: G287Files, duckdb: DuckDBResource) -> None:
    keys = context.partition_keys
    overrides = load_reference(files.paths.reference_dir).table("snapshot_overrides")
    frames, contents = [], []
    try:
        read = read_snapshots(files.paths.archive, keys, overrides)
    except UnregisteredSnapshot as problem:
        raise dg.Failure(str(problem)) from problem
    for index, snapshot in enumerate(read, start=1):
        frames.append(snapshot.rows)
        contents.append(snapshot.contents)
        context.add_asset_metadata(
            {
                "dagster/row_count": len(snapshot.rows),
                "file": snapshot.file_name,
                "sha256": snapshot.sha256,
                "header": snapshot.contents["header_code"] or "unreadable",
                "snapshot_date": str(snapshot.contents["snapshot_date"]),
                "preview": preview(
                    snapshot.rows[["row_number", "state", "agency", "type", "support_type", "signed"]]
                )
                if len(snapshot.rows)
                else dg.MetadataValue.md(snapshot.error or "_no rows_"),
            },
            partition_key=snapshot.key,
        )
        if index % 50 == 0:
            context.log.info(f"read {index} of {len(keys)} snapshots")
    rows = (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=catalog.RAW_ROWS.column_names)
    )
    with duckdb.get_connection() as con:
        replace_snapshots(con, catalog.RAW_ROWS, keys, rows)
        replace_snapshots(con, catalog.SNAPSHOT_CONTENTS, keys, pd.DataFrame(contents))
    context.log.info(f"stored {len(rows):,} raw rows of {len(keys)} snapshots")


@dg.asset(
    key=["raw", "snapshots"],
    group_name="ingest",
    kinds={"duckdb"},
    deps=[file_imports, dg.AssetKey(["clean", "agreements"])],
    description=catalog.SNAPSHOTS.description
    + " Quality gates: unreadable, empty, misdated, swapped, republished and stale lists.",
    metadata=asset_metadata(catalog.SNAPSHOTS),
)
def snapshots(files: G287Files, duckdb: DuckDBResource) -> dg.MaterializeResult:
    overrides = load_reference(files.paths.reference_dir).table("snapshot_overrides")
    with duckdb.get_connection() as con:
        facts = con.execute(load_sql("snapshots/facts.sql")).df()
        assessed = assess_snapshots(facts, overrides)
        replace_table(con, catalog.SNAPSHOTS, assessed)
        ensure_table(con, catalog.USABLE_PARTICIPATING_LISTS)
        annotate_aliases(con)
    counts = assessed.groupby(["list_kind", "status"]).size()
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": len(assessed),
            **{f"{kind} {status}": int(n) for (kind, status), n in counts.items()},
            "quarantined": preview(
                assessed.loc[
                    assessed.status == "quarantined", ["snapshot_key", "list_kind", "quality_reason"]
                ],
                50,
            ),
        }
    )
