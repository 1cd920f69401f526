"""Checks of the scenarios: the engine agrees with the marts, and every preset ran or says why not."""

import dagster as dg

from g287_assets.defs.checks import RowCheck, row_checks
from g287_assets.defs.metadata import table_key
from g287_assets.lib.warehouse import catalog

CHECKS = row_checks(
    RowCheck(
        name="baselines_match_marts",
        asset=table_key(catalog.SCENARIO_RESULTS),
        description=(
            "Each scenario whose baseline is the newest list has, state by state, the baseline of "
            "marts.state_summary: the scenario engine and the marts count and cover alike."
        ),
        sql="""
        SELECT r.scenario, r.state_code, r.baseline_agreements, m.agreements,
               r.baseline_population_covered, m.population_covered
        FROM scenarios.results r
        JOIN marts.state_summary m USING (state_code)
        WHERE r.baseline_snapshot_key = (SELECT max(snapshot_key) FROM marts.current_agreements)
          AND (r.baseline_agreements <> m.agreements OR r.baseline_agencies <> m.agencies
               OR r.baseline_population_covered <> m.population_covered)
        """,
        label="differing rows",
    ),
    RowCheck(
        name="every_preset_ran",
        asset=table_key(catalog.SCENARIO_DEFINITIONS),
        description=(
            "Every preset ran. A preset this history cannot answer (its date precedes every usable list, say) "
            "is kept in scenarios.definitions with its reason and the build goes on; this warning names it."
        ),
        sql="SELECT scenario, status_reason FROM scenarios.definitions WHERE status <> 'ran' ORDER BY scenario",
        label="not applicable",
        severity=dg.AssetCheckSeverity.WARN,
    ),
)
