"""Checks as data: each check a query whose rows are the offending ones, with its description and severity.

A `RowCheck` passes when its query returns no row, and shows in the UI how many rows offend, the first of
them, and any counts that put them in proportion. Each asset group lists its checks in its own checks.py;
a check that weighs numbers rather than rows (a rate against a target, totals against the Census) keeps a
body of its own there, with the same severity and description conventions.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import dagster as dg
from dagster_duckdb import DuckDBResource

from g287_assets.defs.metadata import preview


@dataclass(frozen=True)
class RowCheck:
    """A check on an asset: `sql` selects the offending rows; `label` names how many there are."""

    name: str
    asset: dg.AssetKey
    description: str
    sql: str
    label: str
    severity: dg.AssetCheckSeverity = dg.AssetCheckSeverity.ERROR
    parameters: Mapping[str, object] | Sequence[object] | None = None
    # Metadata shown beside the rows: label -> a query of one number ("corrected rows": "SELECT count(*) ...").
    counts: Mapping[str, str] = field(default_factory=dict)
    shown: int = 20

    def evaluate(self, duckdb: DuckDBResource) -> dg.AssetCheckResult:
        with duckdb.get_connection() as con:
            rows = con.execute(self.sql, self.parameters).df()
            counts = {label: int(con.execute(sql).fetchone()[0] or 0) for label, sql in self.counts.items()}
        return dg.AssetCheckResult(
            passed=rows.empty,
            severity=self.severity,
            metadata={**counts, self.label: len(rows), "rows": preview(rows, self.shown, "_none_")},
        )

    def definition(self) -> dg.AssetChecksDefinition:
        @dg.asset_check(asset=self.asset, name=self.name, description=self.description)
        def check(duckdb: DuckDBResource) -> dg.AssetCheckResult:
            return self.evaluate(duckdb)

        return check


def row_checks(*checks: RowCheck) -> list[dg.AssetChecksDefinition]:
    return [check.definition() for check in checks]
