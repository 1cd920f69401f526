"""Scenarios on the real archive: the presets' results, the launchpad job and `g287 simulate`."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from g287_assets.cli import main
from g287_assets.defs.resources import G287Files
from g287_assets.defs.scenarios.assets import simulate_scenario_job
from g287_assets.lib.settings import PROJECT_ROOT

DEFAULT_BASELINE = ["texas_sb8_sheriffs", "task_force_ends", "pending_sign", "program_2025_02_21"]


def national(con: duckdb.DuckDBPyConnection, scenario: str) -> dict:
    frame = con.execute(
        "SELECT * FROM scenarios.results WHERE scenario = ? AND state_code IS NULL", [scenario]
    ).df()
    assert len(frame) == 1
    return frame.iloc[0].to_dict()


def state(con: duckdb.DuckDBPyConnection, scenario: str, code: str) -> dict:
    return (
        con.execute("SELECT * FROM scenarios.results WHERE scenario = ? AND state_code = ?", [scenario, code])
        .df()
        .iloc[0]
        .to_dict()
    )


def test_texas_sb8_adds_one_agreement_per_sheriff_without_jem_or_wso(published) -> None:
    holding = published.execute(
        "SELECT count(DISTINCT county_fips) FROM marts.current_agreements "
        "WHERE state_code = 'TX' AND jurisdiction_level = 'county' AND model IN ('JEM', 'WSO') "
        "AND agency_key LIKE '%SHERIFF%'"
    ).fetchone()[0]
    texas = state(published, "texas_sb8_sheriffs", "TX")
    assert texas["delta_agreements"] == 254 - holding == 85
    assert national(published, "texas_sb8_sheriffs")["delta_agreements"] == 85
    # Every Texas county's sheriff now holds an agreement, so all of Texas is covered.
    assert texas["population_covered"] == texas["population"] == 31290831
    added = published.execute(
        "SELECT count(*), count(DISTINCT county_fips), count(*) FILTER (WHERE origin = 'census') "
        "FROM scenarios.changes WHERE scenario = 'texas_sb8_sheriffs'"
    ).fetchone()
    assert added == (85, 85, 56)


def test_the_maryland_ban_removes_every_maryland_agreement_and_its_coverage(published) -> None:
    maryland = state(published, "maryland_ban", "MD")
    listed = published.execute(
        "SELECT agreements FROM history.timeline_by_state WHERE snapshot_key = ? AND state_code = 'MD'",
        [maryland["baseline_snapshot_key"]],
    ).fetchone()[0]
    assert str(maryland["baseline_date"])[:10] == "2026-02-13"
    assert (maryland["baseline_agreements"], maryland["delta_agreements"]) == (listed, -listed)
    assert listed == 9
    assert (maryland["agreements"], maryland["population_covered"]) == (0, 0)
    assert maryland["delta_population_covered"] == -maryland["baseline_population_covered"] < 0
    others = published.execute(
        "SELECT count(*) FROM scenarios.results WHERE scenario = 'maryland_ban' AND state_code <> 'MD' "
        "AND (delta_agreements <> 0 OR delta_population_covered <> 0)"
    ).fetchone()[0]
    assert others == 0


def test_the_task_force_model_ending_removes_exactly_todays_tfm_agreements(published) -> None:
    tfm = published.execute("SELECT count(*) FROM marts.current_agreements WHERE model = 'TFM'").fetchone()[0]
    result = national(published, "task_force_ends")
    assert result["delta_agreements"] == -tfm == -1162
    assert (result["tfm"], result["population_covered_tfm"]) == (0, 0)
    assert result["jem"] == result["baseline_jem"]


def test_every_baseline_of_the_newest_list_equals_marts_state_summary(published) -> None:
    different = published.execute(
        """
        SELECT r.scenario, r.state_code
        FROM scenarios.results r JOIN marts.state_summary m USING (state_code)
        WHERE list_contains(?, r.scenario)
          AND (r.baseline_agreements, r.baseline_agencies, r.baseline_jem, r.baseline_wso, r.baseline_tfm,
               r.baseline_population_covered, r.baseline_population_covered_jem,
               r.baseline_population_covered_wso, r.baseline_population_covered_tfm,
               r.baseline_statewide_agencies)
              IS DISTINCT FROM
              (m.agreements, m.agencies, m.jem, m.wso, m.tfm, m.population_covered, m.population_covered_jem,
               m.population_covered_wso, m.population_covered_tfm, m.statewide_agencies)
        """,
        [DEFAULT_BASELINE],
    ).fetchall()
    assert different == []
    rows = published.execute(
        "SELECT count(*) FROM scenarios.results r JOIN marts.state_summary USING (state_code) "
        "WHERE r.scenario = 'task_force_ends'"
    ).fetchone()[0]
    assert rows == published.execute("SELECT count(*) FROM marts.state_summary").fetchone()[0]
    totals = published.execute(
        "SELECT sum(agreements), sum(population_covered) FROM marts.state_summary"
    ).fetchone()
    result = national(published, "task_force_ends")
    assert (result["baseline_agreements"], result["baseline_population_covered"]) == totals


def test_the_program_on_the_first_spreadsheet_date_is_that_list(published) -> None:
    then = published.execute(
        "SELECT agreements, agencies FROM history.timeline WHERE snapshot_date <= DATE '2025-02-21' "
        "ORDER BY snapshot_at DESC LIMIT 1"
    ).fetchone()
    result = national(published, "program_2025_02_21")
    assert (result["agreements"], result["agencies"]) == then
    assert result["delta_agreements"] == then[0] - result["baseline_agreements"] < 0


def test_pending_agencies_are_the_newest_pending_list(published) -> None:
    listed = published.execute(
        "SELECT count(DISTINCT (a.state_code, a.agency_key)) FROM clean.agreements a "
        "WHERE a.snapshot_key = (SELECT snapshot_key FROM raw.snapshots WHERE status = 'usable' "
        "AND list_kind = 'pending' ORDER BY snapshot_at DESC LIMIT 1)"
    ).fetchone()[0]
    assert published.execute("SELECT count(*) FROM scenarios.pending_agencies").fetchone()[0] == listed
    unheld = published.execute(
        """
        SELECT count(*) FROM scenarios.pending_agencies p, unnest(p.requested_models) AS r(model)
        WHERE NOT EXISTS (SELECT 1 FROM marts.current_agreements c
                          WHERE c.state_code = p.state_code AND c.agency_key = p.agency_key AND c.model = r.model)
        """
    ).fetchone()[0]
    assert national(published, "pending_sign")["delta_agreements"] == unheld


def test_county_coverage_adds_up_to_the_state_results(published) -> None:
    per_scenario = published.execute(
        "SELECT scenario, count(*) FROM scenarios.county_coverage GROUP BY ALL"
    ).fetchall()
    assert {count for _, count in per_scenario} == {3144}
    mismatched = published.execute(
        """
        SELECT c.scenario, c.state_code FROM scenarios.county_coverage c
        JOIN scenarios.results r ON r.scenario = c.scenario AND r.state_code = c.state_code
        GROUP BY c.scenario, c.state_code, r.population_covered
        HAVING sum(c.population_covered) <> r.population_covered
        """
    ).fetchall()
    assert mismatched == []


def test_g287_simulate_prints_the_national_and_state_table(
    built_archive: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setenv("G287_DATA_DIR", str(built_archive))
    assert main(["simulate", "texas_sb8_sheriffs.yaml"]) == 0
    printed = capsys.readouterr().out
    lines = {line.split()[0]: line.split() for line in printed.splitlines() if line.strip()}
    assert lines["US"][1:4] == ["1,843", "1,928", "85"]
    assert lines["TX"][1:4] == ["387", "472", "85"]
    assert "baseline: the list of 2026-05-18" in printed


def test_g287_simulate_refuses_a_file_outside_the_scenario_folders(
    built_archive: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setenv("G287_DATA_DIR", str(built_archive))
    assert main(["simulate", str(PROJECT_ROOT / "pyproject.toml")]) == 2
    assert "outside the scenario folders" in capsys.readouterr().err


def test_the_launchpad_job_runs_an_ad_hoc_scenario(built_archive: Path) -> None:
    scenario = (
        "name: florida_police_over_100k\n"
        "description: Every Florida police department of a city over 100,000 signs a Task Force agreement.\n"
        "operations:\n"
        "  - sign: {model: TFM, states: [FL], level: municipal, min_population: 100000}\n"
    )
    files = G287Files(data_dir=str(built_archive), reference_dir=str(PROJECT_ROOT / "data" / "reference"))
    result = simulate_scenario_job.execute_in_process(
        run_config={"ops": {"simulate_scenario_op": {"config": {"scenario_yaml": scenario}}}},
        resources={"files": files},
    )
    assert result.success
    observations = [
        event.asset_observation_data.asset_observation
        for event in result.all_events
        if event.event_type_value == "ASSET_OBSERVATION"
    ]
    metadata = observations[0].metadata
    assert metadata["scenario"].value == "florida_police_over_100k"
    # Florida is already fully covered by its sheriffs: agreements grow, coverage cannot.
    assert metadata["delta agreements"].value > 0
    assert metadata["delta population covered"].value == 0


def simulated(built_archive: Path, text: str):
    from g287_assets.lib.scenarios.engine import scenario_from_yaml, simulate_published
    from g287_assets.lib.settings import Paths

    paths = Paths(data_dir=built_archive, reference_dir=PROJECT_ROOT / "data" / "reference")
    results = simulate_published(paths, scenario_from_yaml(text)).results
    return results.set_index(results.state_code.fillna("US"))


def test_a_scenario_that_ends_everything_covers_nobody(built_archive: Path) -> None:
    results = simulated(
        built_archive,
        "name: nothing_left\ndescription: every agreement ends\noperations:\n"
        "  - end: {model: [JEM, WSO, TFM]}\n",
    )
    assert results.loc["US", "agreements"] == 0
    assert results.loc["US", "population_covered"] == 0
    assert results.loc["US", "delta_agreements"] == -1843
    assert (results.population_covered == 0).all()


def test_every_sheriff_of_a_state_covers_the_whole_state(built_archive: Path, published) -> None:
    # Texas has no independent cities and a sheriff in each of its 254 counties, so all of it is covered;
    # Virginia's independent cities have their own sheriffs, so they count as counties there too.
    results = simulated(
        built_archive,
        "name: all_sheriffs\ndescription: every sheriff signs\noperations:\n"
        "  - sign: {states: [TX, VA], level: county, model: JEM}\n",
    )
    population = dict(
        published.execute(
            "SELECT state_code, population FROM geo.states WHERE state_code IN ('TX', 'VA')"
        ).fetchall()
    )
    assert results.loc["TX", "population_covered"] == population["TX"] == 31290831
    assert results.loc["VA", "population_covered"] == population["VA"]
