"""Scenarios: what-if questions answered from the warehouse (the engine is g287_assets/lib/scenarios/engine.py).

Two ways in here: the `scenarios` multi-asset runs every preset of data/scenarios/ (and of the data dir's
scenarios folder) in each build, and the `simulate_scenario` job runs one ad-hoc scenario from the launchpad's
run config. The job reads the published database read-only, so it never waits for, or blocks, a build.
"""

import dagster as dg
import duckdb
import pandas as pd
from dagster_duckdb import DuckDBResource
from pydantic import Field

from g287_assets.defs.marts import assets as marts
from g287_assets.defs.metadata import asset_metadata, preview, table_key
from g287_assets.defs.resources import G287Files
from g287_assets.lib.geography.agencies import (
    load_overrides,
    obtain_sources,
    read_census,
)
from g287_assets.lib.geography.jurisdictions import match_agencies
from g287_assets.lib.reference import load_reference
from g287_assets.lib.scenarios.engine import (
    NOT_APPLICABLE,
    ScenarioError,
    Simulation,
    load_presets,
    load_scenario_file,
    pending_agencies_table,
    pending_list,
    scenario_folders,
    scenario_from_yaml,
    simulate,
    simulate_published,
    states_without_county_sheriffs,
)
from g287_assets.lib.settings import Paths
from g287_assets.lib.warehouse import catalog
from g287_assets.lib.warehouse.database import replace_table

GROUP = "scenarios"
UPSTREAM = [
    *marts.UPSTREAM,
    dg.AssetKey(["geo", "places"]),
    dg.AssetKey(["geo", "place_county_parts"]),
    # After the marts, so a scenario's baseline can be checked against marts.state_summary in one run.
    dg.AssetKey(["marts", "state_summary"]),
]
# What the tables of a preview show: the national row first, then the states a scenario changes.
SUMMARY_COLUMNS = [
    "scenario",
    "state_code",
    "baseline_agreements",
    "agreements",
    "delta_agreements",
    "baseline_population_covered",
    "population_covered",
    "delta_population_covered",
]


def match_pending(con: duckdb.DuckDBPyConnection, files: G287Files) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The pending agencies no participating list named, matched to Census jurisdictions like the others.

    Returns the scenarios.pending_agencies rows (every pending agency) and the county bridge of the newly
    matched ones. The Census files are read only when there is such an agency to match.
    """
    pending = pending_list(con)
    unknown = pending[~pending["known"].astype(bool)]
    if unknown.empty:
        bridge = pd.DataFrame(columns=catalog.SCENARIO_PENDING_AGENCY_COUNTIES.column_names)
        return pending_agencies_table(con, None), bridge
    census, _ = read_census(obtain_sources(files.mirror, files.paths.cache))
    matched = match_agencies(unknown, census, load_overrides(files.paths.reference_dir))
    return pending_agencies_table(con, matched.jurisdictions), matched.county_bridge


def national_and_changed(results: pd.DataFrame) -> pd.DataFrame:
    """The rows worth reading first: each national row, then every state a scenario changes."""
    changed = results["state_code"].isna() | (results["delta_agreements"] != 0)
    changed |= results["delta_population_covered"] != 0
    return results.loc[changed, SUMMARY_COLUMNS]


def write_simulation(con: duckdb.DuckDBPyConnection, simulation: Simulation) -> None:
    replace_table(con, catalog.SCENARIO_DEFINITIONS, simulation.definitions)
    replace_table(con, catalog.SCENARIO_RESULTS, simulation.results)
    replace_table(con, catalog.SCENARIO_COUNTY_COVERAGE, simulation.county_coverage)
    replace_table(con, catalog.SCENARIO_CHANGES, simulation.changes)


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            table_key(table),
            group_name=GROUP,
            kinds={"duckdb"},
            description=table.description,
            metadata=asset_metadata(table),
            deps=UPSTREAM,
        )
        for table in catalog.SCENARIO_TABLES
    ],
    name="scenarios",
    can_subset=False,
    description=(
        "Run every preset scenario of data/scenarios/ (and of the data dir's scenarios folder) against the "
        "newest lists: results per state and nationally, per county, and the agreements each one changes."
    ),
)
def scenarios(context: dg.AssetExecutionContext, files: G287Files, duckdb: DuckDBResource):
    paths = files.paths
    presets = load_presets(scenario_folders(paths))
    with duckdb.get_connection() as con:
        pending, bridge = match_pending(con, files)
        replace_table(con, catalog.SCENARIO_PENDING_AGENCIES, pending)
        replace_table(con, catalog.SCENARIO_PENDING_AGENCY_COUNTIES, bridge)
        simulation = simulate(
            con,
            presets,
            states_without_county_sheriffs(paths),
            strict=False,
            key_of=load_reference(paths.reference_dir).agency_key_of,
        )
        write_simulation(con, simulation)
    skipped = simulation.definitions[simulation.definitions["status"] == NOT_APPLICABLE]
    for row in skipped.itertuples():
        context.log.warning(f"{row.scenario} did not run: {row.status_reason}")
    national = simulation.results[simulation.results["state_code"].isna()]
    for row in national.itertuples():
        context.log.info(
            f"{row.scenario}: {row.agreements:,} agreements ({row.delta_agreements:+,}), "
            f"{row.population_covered:,} residents covered ({row.delta_population_covered:+,})"
        )
    frames = {
        catalog.SCENARIO_PENDING_AGENCIES: (
            pending,
            {"not found": int((pending["match_method"] == "not found").sum())},
        ),
        catalog.SCENARIO_PENDING_AGENCY_COUNTIES: (bridge, {}),
        catalog.SCENARIO_DEFINITIONS: (
            simulation.definitions,
            {"not applicable": preview(skipped[["scenario", "status_reason"]], 20)} if len(skipped) else {},
        ),
        catalog.SCENARIO_RESULTS: (
            simulation.results,
            {"national and changed": preview(national_and_changed(simulation.results), 40)},
        ),
        catalog.SCENARIO_COUNTY_COVERAGE: (simulation.county_coverage, {}),
        catalog.SCENARIO_CHANGES: (simulation.changes, {}),
    }
    for table, (frame, extra) in frames.items():
        yield dg.MaterializeResult(
            asset_key=table_key(table),
            metadata={"dagster/row_count": len(frame), "preview": preview(frame, 10), **extra},
        )


# ---- ad-hoc scenarios from the launchpad ------------------------------------------------------------------


class ScenarioRunConfig(dg.Config):
    """One scenario: a file name of the scenario folders, or the YAML itself."""

    scenario_file: str = Field(
        default="",
        description="A scenario file in the data dir's scenarios folder or data/scenarios, e.g. maryland_ban.yaml",
    )
    scenario_yaml: str = Field(
        default="", description="The scenario as YAML text (name, description, operations)"
    )


def scenario_of(config: ScenarioRunConfig, paths: Paths):
    if bool(config.scenario_file) == bool(config.scenario_yaml):
        raise ScenarioError("give exactly one of scenario_file and scenario_yaml")
    if config.scenario_file:
        return load_scenario_file(config.scenario_file, scenario_folders(paths))
    return scenario_from_yaml(config.scenario_yaml, source="run config")


@dg.op(
    description="Run one what-if scenario from run config on the published database and report its results."
)
def simulate_scenario_op(context: dg.OpExecutionContext, config: ScenarioRunConfig, files: G287Files) -> None:
    scenario = scenario_of(config, files.paths)
    simulation = simulate_published(files.paths, scenario)
    results = simulation.results
    national = results[results["state_code"].isna()].iloc[0]
    context.log.info(
        f"{scenario.name}: {national.agreements:,} agreements ({national.delta_agreements:+,}), "
        f"{national.population_covered:,} residents covered ({national.delta_population_covered:+,})"
    )
    context.log_event(
        dg.AssetObservation(
            asset_key=table_key(catalog.SCENARIO_RESULTS),
            metadata={
                "scenario": scenario.name,
                "description": scenario.description,
                "operations": simulation.definitions["operations"].iloc[0],
                "agreements": int(national.agreements),
                "delta agreements": int(national.delta_agreements),
                "population covered": int(national.population_covered),
                "delta population covered": int(national.delta_population_covered),
                "national and changed states": preview(national_and_changed(results), 60),
            },
        )
    )


@dg.job(
    name="simulate_scenario",
    description=(
        "An ad-hoc what-if from the launchpad: set ops.simulate_scenario_op.config.scenario_file (a file of "
        "the scenario folders) or scenario_yaml (the YAML itself). Reads the published database read-only; "
        "the results show in the run's logs and as an observation of scenarios/results."
    ),
)
def simulate_scenario_job():
    simulate_scenario_op()
