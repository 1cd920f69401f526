"""Ingest: registered files, each snapshot's verbatim rows, and the snapshot table with its quality gates."""

import datetime as dt
from pathlib import Path

import dagster as dg
import pandas as pd
from dagster_duckdb import DuckDBResource

from g287_assets.defs.metadata import asset_metadata, preview
from g287_assets.defs.resources import G287Files
from g287_assets.lib.cleaning.dates import parse_signed, plausible_signing
from g287_assets.lib.reference import load_reference
from g287_assets.lib.settings import SHIPPED_DIR
from g287_assets.lib.snapshots.filenames import parse_file_name, snapshot_moment
from g287_assets.lib.snapshots.quality import alias_note, assess_snapshots, decide_date
from g287_assets.lib.snapshots.registry import ImportRecord, archived_path, load_imports, read_archived
from g287_assets.lib.snapshots.shipped import ShippedHistory
from g287_assets.lib.snapshots.xlsx import RawTable, SpreadsheetError, read_table
from g287_assets.lib.warehouse import catalog
from g287_assets.lib.warehouse.database import replace_snapshots, replace_table

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


def imports_frame(records: list[ImportRecord]) -> pd.DataFrame:
    rows = []
    for seq, record in enumerate(records, start=1):
        info = parse_file_name(record.file_name)
        sidecar = record.sidecar or {}
        rows.append(
            {
                "import_seq": seq,
                "sha256": record.sha256,
                "file_name": record.file_name,
                "source_path": record.source_path,
                "imported_at": pd.Timestamp(record.imported_at),
                "outcome": record.outcome,
                "snapshot_key": record.snapshot_key,
                "reason": record.reason,
                "named_date": info.named_date,
                "name_label": info.label,
                "name_kind": info.kind_hint,
                "name_problem": info.problem,
                "sidecar_url": sidecar.get("url"),
                "sidecar_fetched_at": pd.Timestamp(sidecar["fetched_at"])
                if sidecar.get("fetched_at")
                else None,
                "alias_note": None,
            }
        )
    return pd.DataFrame(rows, columns=catalog.FILE_IMPORTS.column_names)


RAW_VALUE_NAMES = ["state", "agency", "type", "county", "support_type", "signed", "moa", "addendum"]


def rows_frame(key: str, table: RawTable) -> pd.DataFrame:
    """One snapshot's rows as the raw.rows frame; columns the file lacks are NULL."""
    rows = table.rows
    columns = {name: [row.cells.get(name) for row in rows] for name in RAW_VALUE_NAMES}
    return pd.DataFrame(
        {
            "snapshot_key": key,
            "sheet_name": table.sheet_name,
            "row_number": [row.row_number for row in rows],
            **columns,
            "signed_cell_type": [row.signed_cell_type for row in rows],
            "moa_link": [row.moa_link for row in rows],
            "addendum_link": [row.addendum_link for row in rows],
        },
        index=range(len(rows)),
    )


def read_list(
    archive: Path, shipped: ShippedHistory | None, key: str, sha256: str, file_label: str
) -> tuple[RawTable | None, pd.DataFrame, str | None]:
    """A snapshot's worksheet, rows (the raw.rows frame) and read error: from its archived xlsx when the
    archive holds one, else from the shipped history, which holds the same cells of the same bytes."""
    if shipped is not None and not archived_path(archive, sha256).exists() and shipped.holds(sha256):
        table, rows, error = shipped.read(sha256)
        return table, rows.assign(snapshot_key=key)[catalog.RAW_ROWS.column_names], error
    try:
        table = read_table(read_archived(archive, sha256), file_label=file_label)
    except SpreadsheetError as problem:
        return None, pd.DataFrame(columns=catalog.RAW_ROWS.column_names), str(problem)
    return table, rows_frame(key, table), None


def dated_overrides(overrides: pd.DataFrame) -> dict[str, tuple[dt.date, str]]:
    """sha256 -> (date, reason) for the override rows that set a snapshot's date."""
    return {
        row.sha256: (dt.date.fromisoformat(row.snapshot_date), row.reason)
        for row in overrides.itertuples()
        if row.snapshot_date.strip()
    }


def newest_signing(frame: pd.DataFrame) -> dt.date | None:
    dates = (
        [d for d in frame["signed"].map(parse_signed).map(plausible_signing) if d is not None]
        if len(frame)
        else []
    )
    return max(dates) if dates else None


def contents_row(
    key: str,
    sha256: str,
    table: RawTable | None,
    frame: pd.DataFrame,
    names: list[ImportRecord],
    error: str | None,
    date_override: tuple[dt.date, str] | None = None,
) -> dict:
    """What a snapshot's file holds and the date decided for it from its names and its rows."""
    newest = newest_signing(frame)
    decision, label, _ = decide_date(names, newest, dt.date.today(), date_override)
    return {
        "snapshot_key": key,
        "sha256": sha256,
        "sheet_name": table.sheet_name if table else None,
        "header": " | ".join(table.header) if table else None,
        "header_code": table.header_code if table else None,
        "ignored_sheets": ", ".join(table.ignored_sheets) if table and table.ignored_sheets else None,
        "data_rows": len(frame),
        "blank_rows_inside": table.blank_rows_inside if table else 0,
        "content_kind": ("participating" if table.has_signed else "pending") if table else "unknown",
        "newest_signed": newest,
        "snapshot_date": decision.snapshot_date,
        "snapshot_at": snapshot_moment(decision.snapshot_date, label) if decision.snapshot_date else None,
        "label": label,
        "date_basis": decision.basis,
        "date_flag": decision.flag,
        "date_usable": decision.usable,
        "read_error": error,
        "read_at": dt.datetime.now(),
    }


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
    imports = load_imports(files.paths.archive)
    date_overrides = dated_overrides(load_reference(files.paths.reference_dir).table("snapshot_overrides"))
    names_by_key: dict[str, list[ImportRecord]] = {}
    for record in imports:
        if record.snapshot_key and record.outcome in ("snapshot", "alias"):
            names_by_key.setdefault(record.snapshot_key, []).append(record)
    frames, contents = [], []
    shipped = None  # opened the first time a snapshot has no xlsx in the archive
    for index, key in enumerate(keys, start=1):
        names = names_by_key.get(key)
        if not names:
            raise dg.Failure(f"snapshot {key} is not in the archive's import log; register its file first")
        sha256 = names[0].sha256
        if shipped is None and not archived_path(files.paths.archive, sha256).exists():
            shipped = ShippedHistory(SHIPPED_DIR)
        table, frame, error = read_list(files.paths.archive, shipped, key, sha256, names[0].file_name)
        frames.append(frame)
        contents.append(contents_row(key, sha256, table, frame, names, error, date_overrides.get(sha256)))
        context.add_asset_metadata(
            {
                "dagster/row_count": len(frame),
                "file": names[0].file_name,
                "sha256": sha256,
                "header": contents[-1]["header_code"] or "unreadable",
                "snapshot_date": str(contents[-1]["snapshot_date"]),
                "preview": preview(frame[["row_number", "state", "agency", "type", "support_type", "signed"]])
                if len(frame)
                else dg.MetadataValue.md(error or "_no rows_"),
            },
            partition_key=key,
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
        facts = con.execute(SNAPSHOT_FACTS_SQL).df()
        assessed = assess_snapshots(facts, overrides)
        replace_table(con, catalog.SNAPSHOTS, assessed)
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


# Per-snapshot facts for the quality gates; the content hash lets equal lists be found whatever the bytes.
SNAPSHOT_FACTS_SQL = """
WITH names AS (
    SELECT snapshot_key,
           arg_min(file_name, imported_at) FILTER (WHERE outcome = 'snapshot') AS file_name,
           arg_min(name_kind, imported_at) FILTER (WHERE outcome = 'snapshot') AS name_kind,
           count(*) FILTER (WHERE outcome = 'alias') AS aliases,
           min(import_seq) AS import_seq
    FROM raw.file_imports WHERE snapshot_key IS NOT NULL GROUP BY snapshot_key
), agreements AS (
    SELECT snapshot_key, count(*) AS agreement_count, sum(duplicate_rows) AS duplicate_rows,
           md5(string_agg(concat_ws('|', state_code, agency_key, level, model, signed_date), '\n'
               ORDER BY state_code, agency_key, level, model, signed_date)) AS content_hash
    FROM clean.agreements GROUP BY snapshot_key
)
SELECT c.snapshot_key, c.sha256, c.snapshot_date, c.snapshot_at, c.content_kind, n.name_kind, n.file_name,
       c.data_rows AS row_count, c.data_rows, coalesce(a.agreement_count, 0) AS agreement_count,
       coalesce(a.duplicate_rows, 0) AS duplicate_rows, c.newest_signed, a.content_hash, c.date_usable,
       c.date_flag, c.read_error, c.header_code, c.date_basis, coalesce(n.aliases, 0) AS aliases,
       CASE WHEN c.header_code = 'H1' THEN 'web_table' ELSE 'spreadsheet' END AS source_format, n.import_seq
FROM raw.snapshot_contents c
LEFT JOIN names n USING (snapshot_key)
LEFT JOIN agreements a USING (snapshot_key)
"""


def annotate_aliases(con) -> None:
    """Note on each alias what its name misstates: a later date (an old list re-published) or the kind."""
    aliases = con.execute(
        "SELECT i.sha256, i.file_name, i.source_path, i.name_kind, s.snapshot_date, s.list_kind "
        "FROM raw.file_imports i JOIN raw.snapshots s USING (snapshot_key) WHERE i.outcome = 'alias'"
    ).fetchall()
    for sha256, file_name, source_path, name_kind, snapshot_date, list_kind in aliases:
        note = alias_note(file_name, name_kind, snapshot_date, list_kind)
        if note:
            con.execute(
                "UPDATE raw.file_imports SET alias_note = ? WHERE sha256 = ? AND source_path = ?",
                [note, sha256, source_path],
            )
