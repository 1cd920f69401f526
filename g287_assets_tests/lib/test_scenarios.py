"""The scenario engine: validation of scenario files, and the engine on a small warehouse built here."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from g287_assets.lib.reference import load_reference
from g287_assets.lib.scenarios.engine import (
    ScenarioError,
    load_presets,
    load_scenario_file,
    parse_scenario,
    scenario_from_yaml,
    simulate,
    with_agency_keys,
)
from g287_assets.lib.settings import PROJECT_ROOT
from g287_assets.lib.warehouse import catalog
from g287_assets.lib.warehouse.database import ensure_table

NO_SHERIFF = ["CT"]


def scenario(*operations: dict, baseline: str | None = None, name: str = "test") -> dict:
    data = {"name": name, "description": "A test.", "operations": list(operations)}
    if baseline:
        data["baseline"] = baseline
    return data


# ---- validation ---------------------------------------------------------------------------------------------


def test_a_misspelt_field_is_named_with_the_allowed_ones() -> None:
    with pytest.raises(ScenarioError, match=r"unknown field 'modle'; allowed fields: model, states"):
        parse_scenario(scenario({"sign": {"modle": "JEM"}}), "x.yaml")


def test_a_misspelt_top_level_field_is_named() -> None:
    data = {"name": "x", "description": "d", "operation": []}
    with pytest.raises(
        ScenarioError, match=r"unknown field 'operation'; allowed fields: name, title, description"
    ):
        parse_scenario(data, "x.yaml")


def test_an_unknown_operation_lists_the_operations() -> None:
    with pytest.raises(
        ScenarioError, match=r"operation 1: unknown operation 'ban'; allowed operations: sign, end"
    ):
        parse_scenario(scenario({"ban": {"states": ["MD"]}}), "x.yaml")


def test_a_bad_model_lists_the_models() -> None:
    with pytest.raises(ScenarioError, match=r"field 'model': 'JAIL' is not one of JEM, WSO, TFM"):
        parse_scenario(scenario({"sign": {"model": "JAIL", "states": "TX"}}), "x.yaml")
    with pytest.raises(ScenarioError, match=r"operation 2 \(end\): field 'model': 'tfm' is not one of"):
        parse_scenario(scenario({"end": {"states": "MD"}}, {"end": {"model": ["tfm"]}}), "x.yaml")


def test_bad_states_levels_and_bounds_are_refused() -> None:
    with pytest.raises(ScenarioError, match=r"field 'states': 'Texas' is not one of AK, AL"):
        parse_scenario(scenario({"end": {"states": ["Texas"]}}), "x.yaml")
    with pytest.raises(ScenarioError, match=r"field 'level': 'sheriff' is not one of county, municipal"):
        parse_scenario(scenario({"sign": {"model": "JEM", "level": "sheriff"}}), "x.yaml")
    with pytest.raises(ScenarioError, match=r"'min_population' \(100\) is after 'max_population' \(10\)"):
        parse_scenario(scenario({"sign": {"model": "JEM", "min_population": 100, "max_population": 10}}), "x")
    with pytest.raises(ScenarioError, match=r"field 'signed_from': 'soon' is not a date"):
        parse_scenario(scenario({"end": {"signed_from": "soon"}}), "x.yaml")


def test_the_requested_model_needs_the_pending_list() -> None:
    with pytest.raises(ScenarioError, match=r"'requested' .* needs 'pending: true'"):
        parse_scenario(scenario({"sign": {"model": "requested", "states": ["TX"]}}), "x.yaml")


def test_a_valid_scenario_parses_every_field() -> None:
    parsed = scenario_from_yaml(
        """
        name: every_sheriff
        description: Every sheriff in Texas signs.
        baseline: 2025-06-01
        operations:
          - sign: {model: JEM, states: TX, level: county, not_holding: [JEM, WSO], min_population: 10}
          - end: {model: TFM, signed_from: 2025-01-01, agencies: [{state: MD, name: "Garrett  County Sheriff’s Office"}]}
          - as_of: {date: 2025-01-01}
        """
    )
    sign, end, as_of = parsed.operations
    assert parsed.baseline == dt.date(2025, 6, 1)
    assert (sign.model, sign.selection.states, sign.selection.levels) == ("JEM", ("TX",), ("county",))
    assert sign.selection.not_holding == ("JEM", "WSO") and sign.selection.min_population == 10
    assert end.selection.models == ("TFM",) and end.selection.signed_from == dt.date(2025, 1, 1)
    assert end.selection.agencies[0].match_key == "MD|GARRETT COUNTY SHERIFFS OFFICE"
    assert as_of.date == dt.date(2025, 1, 1)


def test_named_agencies_are_keyed_by_the_reference_tables_identity_rules() -> None:
    parsed = scenario_from_yaml(
        """
        name: named
        description: Two agencies named as a person writes them.
        operations:
          - end: {agencies: [{state: MD, name: "Garrett County Sheriff's Department"}, {state: OK, name: OK DPS}]}
        """
    )
    reference = load_reference(PROJECT_ROOT / "data" / "reference")
    (end,) = with_agency_keys(parsed, reference.agency_key_of).operations
    assert [ref.match_key for ref in end.selection.agencies] == [
        "MD|GARRETT COUNTY SHERIFFS OFFICE",
        "OK|OK DEPARTMENT OF PUBLIC SAFETY",
    ]
    # Until a scenario runs, a name keeps its plain key.
    assert parsed.operations[0].selection.agencies[0].match_key == "MD|GARRETT COUNTY SHERIFFS DEPARTMENT"


def test_yaml_is_loaded_safely() -> None:
    with pytest.raises(ScenarioError, match="not valid YAML"):
        scenario_from_yaml("name: !!python/object/apply:os.system ['true']")


def test_a_path_outside_the_scenario_folders_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "data" / "scenarios"
    folder.mkdir(parents=True)
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text("name: x\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="is outside the scenario folders"):
        load_scenario_file(outside, [folder])
    with pytest.raises(ScenarioError, match="is outside the scenario folders"):
        load_scenario_file("../../elsewhere.yaml", [folder])
    with pytest.raises(ScenarioError, match="not found in the scenario folders"):
        load_scenario_file("missing.yaml", [folder])


def test_a_file_is_found_by_name_in_the_scenario_folders(tmp_path: Path) -> None:
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "ban.yaml").write_text(
        "name: ban\ndescription: A ban.\noperations:\n  - end: {states: [MD]}\n", encoding="utf-8"
    )
    assert load_scenario_file("ban.yaml", [folder]).operations[0].selection.states == ("MD",)


def test_every_preset_is_valid() -> None:
    presets = load_presets([PROJECT_ROOT / "data" / "scenarios"])
    assert {preset.name for preset in presets} >= {
        "texas_sb8_sheriffs",
        "maryland_ban",
        "task_force_ends",
        "pending_sign",
        "program_2025_02_21",
    }


# ---- the engine on a small warehouse ------------------------------------------------------------------------


def insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict]) -> None:
    columns = list(rows[0])
    placeholders = ", ".join("?" for _ in columns)
    con.executemany(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})",
        [[row[column] for column in columns] for row in rows],
    )


def agreement(snapshot: str, row: int, state: str, name: str, level: str, model: str, kind: str) -> dict:
    from g287_assets.lib.normalize import agency_key

    fips = {"TX": "48", "MD": "24", "CT": "09"}[state]
    return {
        "snapshot_key": snapshot,
        "list_kind": kind,
        "source_row": row,
        "state_code": state,
        "state_fips": fips,
        "agency_name": name,
        "agency_key": agency_key(name),
        "level": level,
        "model": model,
        "signed_date": dt.date(2024, 1, row),
    }


def jurisdiction(state: str, name: str, level: str, j_level: str, county: str | None, place: str | None, pop):
    from g287_assets.lib.normalize import agency_key

    return {
        "state_code": state,
        "agency_name": name,
        "agency_key": agency_key(name),
        "ice_level": level,
        "jurisdiction_level": j_level,
        "county_fips": county,
        "place_geoid": place,
        "population": pop,
        "match_method": "test",
        "last_seen_date": dt.date(2025, 6, 1),
    }


@pytest.fixture()
def warehouse() -> duckdb.DuckDBPyConnection:
    """Texas (two counties, one city spanning both), Maryland (one county), Connecticut (no sheriffs)."""
    con = duckdb.connect()
    for table in catalog.TABLES:
        if table.name.split(".")[0] in ("raw", "clean", "geo") or table is catalog.HISTORY_AGREEMENTS:
            ensure_table(con, table)
    insert(
        con,
        "raw.snapshots",
        [
            {
                "snapshot_key": key,
                "snapshot_date": day,
                "snapshot_at": day,
                "list_kind": kind,
                "status": "usable",
            }
            for key, day, kind in [
                ("L1", dt.datetime(2025, 1, 1), "participating"),
                ("P1", dt.datetime(2025, 5, 1), "pending"),
                ("L2", dt.datetime(2025, 6, 1), "participating"),
            ]
        ],
    )
    sheriff, police, dps = (
        "Alpha County Sheriff's Office",
        "Alpha Police Department",
        "Texas Department of Public Safety",
    )
    garrett = "Garrett County Sheriff's Office"
    insert(
        con,
        "clean.agreements",
        [
            agreement("L1", 1, "TX", sheriff, "county", "JEM", "participating"),
            agreement("L1", 2, "MD", garrett, "county", "WSO", "participating"),
            agreement("L2", 1, "TX", sheriff, "county", "JEM", "participating"),
            agreement("L2", 2, "MD", garrett, "county", "WSO", "participating"),
            agreement("L2", 3, "TX", police, "municipal", "TFM", "participating"),
            agreement("L2", 4, "TX", dps, "state", "TFM", "participating"),
            agreement("P1", 5, "TX", police, "municipal", "JEM", "pending"),
            agreement("P1", 6, "TX", "Bravo Police Department", "municipal", "WSO", "pending"),
        ],
    )
    insert(
        con,
        "geo.agency_jurisdictions",
        [
            jurisdiction("TX", sheriff, "county", "county", "48001", None, 1000),
            jurisdiction("TX", police, "municipal", "place", "48001", "4800100", 400),
            jurisdiction("TX", dps, "state", "state", None, None, 1500),
            jurisdiction("MD", garrett, "county", "county", "24001", None, 600),
        ],
    )
    insert(
        con,
        "geo.agency_counties",
        [
            {
                "state_code": "TX",
                "agency_key": "ALPHA COUNTY SHERIFFS OFFICE",
                "county_fips": "48001",
                "part_population": 1000,
            },
            {
                "state_code": "TX",
                "agency_key": "ALPHA POLICE DEPARTMENT",
                "county_fips": "48001",
                "part_population": 300,
            },
            {
                "state_code": "TX",
                "agency_key": "ALPHA POLICE DEPARTMENT",
                "county_fips": "48003",
                "part_population": 100,
            },
            {
                "state_code": "MD",
                "agency_key": "GARRETT COUNTY SHERIFFS OFFICE",
                "county_fips": "24001",
                "part_population": 600,
            },
        ],
    )
    insert(
        con,
        "geo.counties",
        [
            {
                "county_fips": "48001",
                "state_code": "TX",
                "state_fips": "48",
                "county_name": "Alpha County",
                "population": 1000,
            },
            {
                "county_fips": "48003",
                "state_code": "TX",
                "state_fips": "48",
                "county_name": "Bravo County",
                "population": 500,
            },
            {
                "county_fips": "24001",
                "state_code": "MD",
                "state_fips": "24",
                "county_name": "Garrett County",
                "population": 600,
            },
            {
                "county_fips": "09110",
                "state_code": "CT",
                "state_fips": "09",
                "county_name": "Capitol Planning Region",
                "population": 800,
            },
        ],
    )
    insert(
        con,
        "geo.places",
        [
            {
                "place_geoid": "4800100",
                "state_code": "TX",
                "state_fips": "48",
                "name": "Alpha city",
                "funcstat": "A",
                "county_fips": "48001",
                "population": 400,
            },
            {
                "place_geoid": "0900100",
                "state_code": "CT",
                "state_fips": "09",
                "name": "Beta town",
                "funcstat": "A",
                "county_fips": "09110",
                "population": 200,
            },
        ],
    )
    insert(
        con,
        "geo.place_county_parts",
        [
            {"place_geoid": "4800100", "county_fips": "48001", "population": 300},
            {"place_geoid": "4800100", "county_fips": "48003", "population": 100},
            {"place_geoid": "0900100", "county_fips": "09110", "population": 200},
        ],
    )
    insert(
        con,
        "geo.states",
        [
            {"state_code": code, "state_name": name, "population": population}
            for code, name, population in [
                ("TX", "Texas", 1500),
                ("MD", "Maryland", 600),
                ("CT", "Connecticut", 800),
            ]
        ],
    )
    yield con
    con.close()


def run(con: duckdb.DuckDBPyConnection, *operations: dict, baseline: str | None = None):
    simulation = simulate(con, [parse_scenario(scenario(*operations, baseline=baseline), "test")], NO_SHERIFF)
    results = simulation.results.set_index(simulation.results["state_code"].fillna("US"))
    return simulation, results


def test_the_baseline_counts_agreements_and_covers_each_resident_once(warehouse) -> None:
    _, results = run(warehouse, {"end": {"states": ["CT"]}})
    texas = results.loc["TX"]
    assert (texas.baseline_agreements, texas.baseline_agencies, texas.statewide_agencies) == (3, 3, 1)
    # The sheriff covers Alpha County (1,000); the city's part in Bravo County adds 100; the state agency none.
    assert texas.baseline_population_covered == 1100
    assert (texas.baseline_population_covered_jem, texas.baseline_population_covered_tfm) == (1000, 400)
    assert results.loc["US"].baseline_population_covered == 1700
    assert results.loc["US"].delta_agreements == 0


def test_every_sheriff_signs_one_per_county_but_none_in_states_without_sheriffs(warehouse) -> None:
    simulation, results = run(
        warehouse,
        {"sign": {"model": "JEM", "states": ["TX", "CT"], "level": "county", "not_holding": ["JEM", "WSO"]}},
    )
    added = simulation.changes
    assert list(added.agency_name) == ["Bravo County Sheriff's Office"]
    assert (added.origin.iloc[0], added.county_fips.iloc[0], added.operation.iloc[0]) == (
        "census",
        "48003",
        1,
    )
    assert (results.loc["TX"].delta_agreements, results.loc["TX"].population_covered) == (1, 1500)
    assert results.loc["CT"].agreements == 0
    county = simulation.county_coverage.set_index("county_fips")
    assert (county.loc["48003"].baseline_population_covered, county.loc["48003"].population_covered) == (
        100,
        500,
    )


def test_a_ban_ends_every_agreement_of_the_state(warehouse) -> None:
    _, results = run(warehouse, {"end": {"states": ["MD"]}})
    assert (results.loc["MD"].agreements, results.loc["MD"].population_covered) == (0, 0)
    assert (results.loc["MD"].delta_agreements, results.loc["MD"].delta_population_covered) == (-1, -600)
    assert results.loc["TX"].delta_agreements == 0


def test_a_model_ends_nationwide_and_coverage_shrinks_only_where_it_was_alone(warehouse) -> None:
    _, results = run(warehouse, {"end": {"model": "TFM"}})
    assert results.loc["US"].delta_agreements == -2
    assert results.loc["TX"].population_covered == 1000  # the sheriff's JEM still covers Alpha County
    assert results.loc["TX"].statewide_agencies == 0


def test_places_sign_by_population_and_a_town_gets_its_police(warehouse) -> None:
    simulation, results = run(
        warehouse, {"sign": {"model": "TFM", "level": "municipal", "min_population": 100}}
    )
    assert list(simulation.changes.agency_name) == ["Beta Police Department"]
    assert results.loc["CT"].population_covered == 200
    assert results.loc["TX"].delta_agreements == 0  # Alpha's police already holds TFM


def test_holding_filters_read_the_run_as_it_stands(warehouse) -> None:
    _, results = run(
        warehouse,
        {"end": {"agencies": [{"state": "TX", "name": "Alpha County Sheriff's Office"}]}},
        {"sign": {"model": "WSO", "states": ["TX"], "level": "county", "not_holding": ["JEM"]}},
    )
    assert results.loc["TX"].wso == 2 and results.loc["TX"].jem == 0


def test_pending_agencies_sign_what_they_asked_for_and_unmatched_ones_are_not_found(warehouse) -> None:
    simulation, results = run(warehouse, {"sign": {"model": "requested", "pending": True}})
    added = simulation.changes.set_index("agency_name")
    assert added.loc["Alpha Police Department"].model == "JEM"
    assert added.loc["Bravo Police Department"].match_method == "not found"
    assert results.loc["TX"].delta_agreements == 2
    assert results.loc["TX"].agreements_not_found == 1
    assert results.loc["TX"].population_covered_jem == 1100  # its city part in Bravo County too


def test_a_past_baseline_and_as_of_rebuild_an_older_list(warehouse) -> None:
    _, past = run(warehouse, {"end": {"model": "TFM"}}, baseline="2025-03-01")
    assert past.loc["US"].baseline_agreements == 2
    _, rewound = run(warehouse, {"as_of": {"date": "2025-01-15"}})
    assert (rewound.loc["US"].agreements, rewound.loc["US"].delta_agreements) == (2, -2)
    with pytest.raises(ScenarioError, match="no usable participating list on or before 2024-12-31"):
        run(warehouse, {"end": {}}, baseline="2024-12-31")


def test_an_unknown_agency_is_an_error_not_an_empty_selection(warehouse) -> None:
    with pytest.raises(ScenarioError, match="unknown agencies: TX Alpha Sherif"):
        run(warehouse, {"sign": {"model": "JEM", "agencies": [{"state": "TX", "name": "Alpha Sherif"}]}})
