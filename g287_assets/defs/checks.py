"""Asset checks: the quality gates and invariants of snapshots and clean agreements, visible in the UI."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from g287_assets.defs.ingest import snapshots


@dg.asset_check(
    asset=snapshots,
    description="Every usable participating list has a known state, level and model on every row.",
)
def usable_lists_fully_cleaned(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    with duckdb.get_connection() as con:
        bad = con.execute(
            """
            SELECT a.snapshot_key, count(*) AS rows
            FROM clean.agreements a JOIN raw.snapshots s USING (snapshot_key)
            WHERE s.status = 'usable' AND s.list_kind = 'participating'
              AND (a.state_code IS NULL OR a.level IS NULL OR a.model IS NULL)
            GROUP BY ALL ORDER BY 1
            """
        ).df()
    return dg.AssetCheckResult(
        passed=bad.empty,
        metadata={
            "snapshots with unknown values": len(bad),
            "rows": int(bad["rows"].sum()) if len(bad) else 0,
        },
    )


@dg.asset_check(
    asset=snapshots, description="Per snapshot, clean agreements equal data rows minus exact duplicates."
)
def agreements_match_rows(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    with duckdb.get_connection() as con:
        bad = con.execute(
            "SELECT snapshot_key, row_count, agreement_count, duplicate_rows FROM raw.snapshots "
            "WHERE agreement_count <> row_count - duplicate_rows"
        ).df()
    return dg.AssetCheckResult(passed=bad.empty, metadata={"mismatched snapshots": len(bad)})


@dg.asset_check(
    asset=snapshots,
    description="Lists kept out of history (warns when any is quarantined; the reasons are in the metadata).",
)
def quarantined_lists(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    with duckdb.get_connection() as con:
        quarantined = con.execute(
            "SELECT snapshot_key, list_kind, quality_reason FROM raw.snapshots WHERE status = 'quarantined' ORDER BY 1"
        ).df()
    return dg.AssetCheckResult(
        passed=quarantined.empty,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "quarantined": len(quarantined),
            "reasons": dg.MetadataValue.md(
                quarantined.to_markdown(index=False) if len(quarantined) else "_none_"
            ),
        },
    )


CHECKS = [usable_lists_fully_cleaned, agreements_match_rows, quarantined_lists]


defs = dg.Definitions(asset_checks=CHECKS)
