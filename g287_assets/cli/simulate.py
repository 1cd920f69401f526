"""`g287 simulate FILE.yaml`: run one what-if scenario on the published database and print its table."""

from __future__ import annotations

import argparse
import sys

import pandas as pd

from g287_assets.lib.scenarios.engine import ScenarioError, Simulation

# Column headings of the printed table: short enough for a terminal.
PRINTED = {
    "state_code": "state",
    "baseline_agreements": "agreements before",
    "agreements": "after",
    "delta_agreements": "change",
    "baseline_agencies": "agencies before",
    "agencies": "after ",
    "baseline_population_covered": "covered before",
    "population_covered": "covered after",
    "delta_population_covered": "covered change",
    "share_covered": "share after",
}


def results_table(results: pd.DataFrame, all_states: bool) -> pd.DataFrame:
    """The national row, then each state the scenario changes (or every state with agreements)."""
    rows = results.copy()
    changed = (rows["delta_agreements"] != 0) | (rows["delta_population_covered"] != 0)
    if all_states:
        changed |= (rows["agreements"] > 0) | (rows["baseline_agreements"] > 0)
    rows = rows[rows["state_code"].isna() | changed].copy()
    rows["state_code"] = rows["state_code"].fillna("US")
    rows["share_covered"] = rows["share_covered"].map(lambda share: f"{share:.1%}" if pd.notna(share) else "")
    return rows[list(PRINTED)].rename(columns=PRINTED)


def print_simulation(simulation: Simulation, all_states: bool) -> None:
    definition = simulation.definitions.iloc[0]
    print(f"scenario {definition.scenario}: {definition.description}")
    print(f"baseline: the list of {definition.baseline_date} ({definition.baseline_snapshot_key})")
    print(f"operations: {definition.operations}")
    table = results_table(simulation.results, all_states)
    print(table.to_string(index=False, formatters={column: "{:,}".format for column in table.columns[1:-1]}))
    not_found = int(
        simulation.results.loc[simulation.results["state_code"].isna(), "agreements_not_found"].iloc[0]
    )
    if not_found:
        print(
            f"{not_found:,} agreements of agencies with no Census jurisdiction (NOT FOUND) are outside coverage"
        )


def simulate_file(scenario_file: str, all_states: bool) -> int:
    from g287_assets.lib.scenarios.engine import load_scenario_file, scenario_folders, simulate_published
    from g287_assets.lib.settings import paths_from_env

    paths = paths_from_env()
    try:
        scenario = load_scenario_file(scenario_file, scenario_folders(paths))
        simulation = simulate_published(paths, scenario)
    except ScenarioError as error:
        print(f"g287 simulate: {error}", file=sys.stderr)
        return 2
    print_simulation(simulation, all_states)
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "simulate",
        help="run a what-if scenario (YAML in data/scenarios/) on data/g287.duckdb and print the results",
    )
    parser.add_argument(
        "scenario_file",
        metavar="FILE.yaml",
        help="a scenario file of the data dir's scenarios folder or the project's data/scenarios",
    )
    parser.add_argument(
        "--all-states", action="store_true", help="print every state with agreements, not only those changed"
    )
    parser.set_defaults(run=lambda args: simulate_file(args.scenario_file, args.all_states))
