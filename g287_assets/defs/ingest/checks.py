"""Checks of the snapshots: the quality gates and the cleaning of usable lists, visible in the UI."""

import dagster as dg

from g287_assets.defs.checks import RowCheck, row_checks
from g287_assets.defs.metadata import table_key
from g287_assets.lib.warehouse import catalog

SNAPSHOTS = table_key(catalog.SNAPSHOTS)

CHECKS = row_checks(
    RowCheck(
        name="usable_lists_fully_cleaned",
        asset=SNAPSHOTS,
        description="Every usable participating list has a known state, level and model on every row.",
        sql="""
        SELECT a.snapshot_key, count(*) AS rows
        FROM clean.agreements a JOIN raw.usable_participating_lists USING (snapshot_key)
        WHERE a.state_code IS NULL OR a.level IS NULL OR a.model IS NULL
        GROUP BY ALL ORDER BY 1
        """,
        label="snapshots with unknown values",
    ),
    RowCheck(
        name="agreements_match_rows",
        asset=SNAPSHOTS,
        description="Per snapshot, clean agreements equal data rows minus exact duplicates.",
        sql="SELECT snapshot_key, row_count, agreement_count, duplicate_rows FROM raw.snapshots "
        "WHERE agreement_count <> row_count - duplicate_rows",
        label="mismatched snapshots",
    ),
    RowCheck(
        name="quarantined_lists",
        asset=SNAPSHOTS,
        description="Lists kept out of history (warns when any is quarantined; the reasons are in the metadata).",
        sql="SELECT snapshot_key, list_kind, quality_reason FROM raw.snapshots WHERE status = 'quarantined' "
        "ORDER BY 1",
        label="quarantined",
        severity=dg.AssetCheckSeverity.WARN,
        shown=50,
    ),
)
