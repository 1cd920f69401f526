"""Asset checks: the quality gates and invariants of snapshots and clean agreements, visible in the UI."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from g287_assets.defs.metadata import offending_rows, table_key
from g287_assets.lib.warehouse import catalog

SNAPSHOTS = table_key(catalog.SNAPSHOTS)


@dg.asset_check(
    asset=SNAPSHOTS,
    description="Every usable participating list has a known state, level and model on every row.",
)
def usable_lists_fully_cleaned(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    return offending_rows(
        duckdb,
        """
        SELECT a.snapshot_key, count(*) AS rows
        FROM clean.agreements a JOIN raw.snapshots s USING (snapshot_key)
        WHERE s.status = 'usable' AND s.list_kind = 'participating'
          AND (a.state_code IS NULL OR a.level IS NULL OR a.model IS NULL)
        GROUP BY ALL ORDER BY 1
        """,
        "snapshots with unknown values",
    )


@dg.asset_check(
    asset=SNAPSHOTS, description="Per snapshot, clean agreements equal data rows minus exact duplicates."
)
def agreements_match_rows(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    return offending_rows(
        duckdb,
        "SELECT snapshot_key, row_count, agreement_count, duplicate_rows FROM raw.snapshots "
        "WHERE agreement_count <> row_count - duplicate_rows",
        "mismatched snapshots",
    )


@dg.asset_check(
    asset=SNAPSHOTS,
    description="Lists kept out of history (warns when any is quarantined; the reasons are in the metadata).",
)
def quarantined_lists(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    return offending_rows(
        duckdb,
        "SELECT snapshot_key, list_kind, quality_reason FROM raw.snapshots WHERE status = 'quarantined' ORDER BY 1",
        "quarantined",
        severity=dg.AssetCheckSeverity.WARN,
        shown=50,
    )


CHECKS = [usable_lists_fully_cleaned, agreements_match_rows, quarantined_lists]
