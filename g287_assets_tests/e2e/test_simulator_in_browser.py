"""The page's scenario simulator against lib/scenarios.py on the full archive: every preset and seeded random
operations give the same agreements, agencies and residents covered, nationally, per state and per county.
Also the agency records, the date control, the paged tables and their CSV download.

Chromium is Debian's package; without it these tests skip, except under CI.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from pathlib import Path

import duckdb
import yaml

from g287_assets.lib.scenarios import engine
from g287_assets.lib.settings import PROJECT_ROOT, Paths
from g287_assets_tests.e2e.test_report_in_browser import browser_page  # noqa: F401 (a shared fixture)

FIGURES = [
    "agreements",
    "agencies",
    "jem",
    "wso",
    "tfm",
    "population_covered",
    "population_covered_jem",
    "population_covered_wso",
    "population_covered_tfm",
    "statewide_agencies",
    "agreements_not_found",
]
COUNTY_FIGURES = ["agreements", "agencies", "population_covered"]
RANDOM_SCENARIOS = 24
SEED = 287


def random_operation(rng: random.Random, states: list[str], dates: list[str]) -> dict:
    """One operation of the YAML shape: sign or end with random filters, sometimes as_of."""
    action = rng.choices(["sign", "end", "as_of"], weights=[6, 3, 1])[0]
    if action == "as_of":
        return {"as_of": {"date": rng.choice(dates)}}
    body: dict = {}
    if rng.random() < 0.85:
        body["states"] = rng.sample(states, rng.randint(1, 4))
    if rng.random() < 0.7:
        body["level"] = rng.choice(engine.LEVELS)
    if action == "sign":
        body["model"] = rng.choice(engine.MODELS)
        if rng.random() < 0.5:
            body["not_holding"] = rng.sample(engine.MODELS, rng.randint(1, 3))
        elif rng.random() < 0.3:
            body["holding"] = rng.sample(engine.MODELS, rng.randint(1, 2))
        if rng.random() < 0.3:
            body["min_population"] = rng.choice([1_000, 10_000, 50_000])
        if rng.random() < 0.2:
            body["max_population"] = rng.choice([20_000, 200_000])
        return {"sign": body}
    if rng.random() < 0.5:
        body["model"] = rng.choice(engine.MODELS)
    if rng.random() < 0.3:
        body["signed_from"] = rng.choice(["2019-01-01", "2025-01-20", "2025-06-01"])
    if rng.random() < 0.2:
        body["signed_to"] = rng.choice(["2025-03-01", "2025-09-30"])
    return {"end": body}


def random_scenarios(con: duckdb.DuckDBPyConnection) -> list[dict]:
    rng = random.Random(SEED)
    states = [row[0] for row in con.execute("SELECT state_code FROM geo.states ORDER BY 1").fetchall()]
    dates = [
        row[0].isoformat()
        for row in con.execute(
            "SELECT DISTINCT snapshot_date FROM raw.snapshots WHERE status = 'usable' "
            "AND list_kind = 'participating' ORDER BY 1"
        ).fetchall()
    ]
    return [
        {
            "name": f"random_{number}",
            "operations": [random_operation(rng, states, dates) for _ in range(rng.randint(1, 3))],
        }
        for number in range(RANDOM_SCENARIOS)
    ]


def preset_scenarios() -> list[dict]:
    folders = [PROJECT_ROOT / "data" / "scenarios"]
    presets = []
    for path in engine.preset_files(folders):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        presets.append(
            {
                "name": data["name"],
                "operations": data["operations"],
                "baseline": data["baseline"].isoformat() if data.get("baseline") else None,
            }
        )
    return presets


def as_json(value):
    if isinstance(value, dict):
        return {key: as_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_json(item) for item in value]
    return value.isoformat() if isinstance(value, dt.date) else value


def python_results(built_archive: Path, scenarios: list[dict]) -> tuple[dict, dict]:
    """lib/scenarios.py's results: {(scenario, state or None): row} and {(scenario, county): row}."""
    parsed = [
        engine.parse_scenario(
            {
                "name": scenario["name"],
                "description": "compared with the page",
                "operations": scenario["operations"],
                **({"baseline": scenario["baseline"]} if scenario.get("baseline") else {}),
            },
            scenario["name"],
        )
        for scenario in scenarios
    ]
    paths = Paths(data_dir=built_archive, reference_dir=PROJECT_ROOT / "data" / "reference")
    with duckdb.connect(str(built_archive / "g287.duckdb"), read_only=True) as con:
        simulation = engine.simulate(con, parsed, engine.states_without_county_sheriffs(paths))
    states = {
        (row["scenario"], row["state_code"] if isinstance(row["state_code"], str) else None): row
        for row in simulation.results.to_dict("records")
    }
    counties = {
        (row["scenario"], row["county_fips"]): row for row in simulation.county_coverage.to_dict("records")
    }
    return states, counties


def page_results(page, scenarios: list[dict]) -> dict:
    return page.evaluate(
        """scenarios => Object.fromEntries(scenarios.map(s => {
             try { return [s.name, window.g287.simulate(s.operations, s.baseline || null)]; }
             catch (error) { return [s.name, {error: String(error)}]; }
           }))""",
        [as_json(scenario) for scenario in scenarios],
    )


def differences(scenarios: list[dict], in_page: dict, states: dict, counties: dict) -> list[str]:
    found = []
    for scenario in scenarios:
        name = scenario["name"]
        result = in_page[name]
        assert "error" not in result, (name, result)
        for (scenario_name, state), row in states.items():
            if scenario_name != name:
                continue
            mine = result if state is None else result["states"].get(state, {})
            for figure in FIGURES:
                if int(row[figure]) != int(mine.get(figure, 0)):
                    found.append(
                        f"{name} {state or 'national'} {figure}: python {row[figure]} page {mine.get(figure)}"
                    )
        for (scenario_name, fips), row in counties.items():
            if scenario_name != name:
                continue
            mine = result["counties"].get(fips, {})
            for figure in COUNTY_FIGURES:
                if int(row[figure]) != int(mine.get(figure, 0)):
                    found.append(
                        f"{name} county {fips} {figure}: python {row[figure]} page {mine.get(figure)}"
                    )
    return found


def test_every_preset_equals_the_engine(browser_page, built_archive: Path) -> None:  # noqa: F811
    page, errors, _ = browser_page
    scenarios = preset_scenarios()
    states, counties = python_results(built_archive, scenarios)
    ran = {name for name, _ in states}
    assert {"texas_sb8_sheriffs", "task_force_ends", "pending_sign"} <= ran
    compared = [scenario for scenario in scenarios if scenario["name"] in ran]
    assert differences(compared, page_results(page, compared), states, counties) == []
    assert errors == []


def test_random_operations_equal_the_engine(browser_page, built_archive: Path) -> None:  # noqa: F811
    page, _, _ = browser_page
    with duckdb.connect(str(built_archive / "g287.duckdb"), read_only=True) as con:
        scenarios = random_scenarios(con)
    states, counties = python_results(built_archive, scenarios)
    in_page = page_results(page, scenarios)
    assert differences(scenarios, in_page, states, counties) == []
    # The draw is not degenerate: scenarios add and end agreements.
    national = [in_page[scenario["name"]] for scenario in scenarios]
    baseline = page.evaluate("window.g287.simulate([]).agreements")
    assert any(result["agreements"] > baseline for result in national)
    assert any(result["agreements"] < baseline for result in national)


def test_the_baseline_is_the_state_summary(browser_page, built_archive: Path) -> None:  # noqa: F811
    page, _, _ = browser_page
    baseline = page.evaluate("window.g287.simulate([])")
    with duckdb.connect(str(built_archive / "g287.duckdb"), read_only=True) as con:
        rows = con.execute(
            "SELECT state_code, agreements, agencies, population_covered FROM marts.state_summary"
        ).fetchall()
    assert rows
    for state, agreements, agencies, covered in rows:
        mine = baseline["states"][state]
        assert (mine["agreements"], mine["agencies"], mine["population_covered"]) == (
            agreements,
            agencies,
            covered,
        )


def test_a_bad_operation_is_refused_with_its_reason(browser_page) -> None:  # noqa: F811
    page, _, _ = browser_page
    message = page.evaluate(
        "() => { try { window.g287.simulate([{sign: {model: 'XYZ'}}]); return ''; } catch (e) { return e.message; } }"
    )
    assert "'model'" in message and "XYZ" in message


def test_the_simulator_form_runs_a_scenario_the_presets_lack(browser_page, built_archive: Path) -> None:  # noqa: F811
    """Every Georgia sheriff signs WSO, through the controls a reader uses."""
    page, _, _ = browser_page
    page.click("#sim-clear")
    page.select_option("#sim-action", "sign")
    page.select_option("#sim-model", "WSO")
    page.select_option("#sim-level", "county")
    page.select_option("#sim-states", ["GA"])
    page.click("#simulator-form button[type=submit]")
    expected = page.evaluate(
        "window.g287.simulate([{sign: {model: 'WSO', states: ['GA'], level: 'county'}}])"
    )
    states, _ = python_results(
        built_archive,
        [
            {
                "name": "georgia_sheriffs",
                "operations": [{"sign": {"model": "WSO", "states": ["GA"], "level": "county"}}],
            }
        ],
    )
    assert expected["agreements"] == states[("georgia_sheriffs", None)]["agreements"]
    row = page.locator("#simulator-national tbody tr").first
    assert int(row.locator("td").nth(1).inner_text().replace(",", "")) == expected["agreements"]
    assert page.locator("#simulator-states tbody tr th", has_text="GA").count() == 1
    assert "sign WSO: states GA, level county" in page.inner_text("#simulator-steps")


def test_an_agency_record_opens_from_a_deep_link(browser_page, built_archive: Path) -> None:  # noqa: F811
    """An agency ICE renamed: its record lists its agreements under both names and the correction."""
    page, _, _ = browser_page
    with duckdb.connect(str(built_archive / "g287.duckdb"), read_only=True) as con:
        state, key, name, old_name = con.execute(
            "SELECT a.state_code, a.agency_key, a.agency_name, l.from_agency_name "
            "FROM history.links l JOIN history.agreements a ON a.agreement_id = l.to_agreement_id "
            "WHERE l.change_kind = 'renamed' AND a.status = 'active' ORDER BY a.state_code, a.agency_key LIMIT 1"
        ).fetchone()
        held = con.execute(
            "SELECT count(*) FROM history.agreements WHERE state_code = ? AND agency_key = ?", [state, key]
        ).fetchone()[0]
    page.evaluate(f"window.location.hash = 'agency={state}/{key.lower().replace(' ', '-')}'")
    page.wait_for_selector("#agency-dialog[open]")
    assert page.inner_text("#agency-dialog-title") == f"{name} ({state})"
    tables = page.locator("#agency-dialog-body table")
    assert tables.first.locator("tbody tr").count() >= held + 1  # its rows and the row corrected into them
    assert old_name in tables.nth(1).inner_text()
    page.click("#agency-dialog .dialog-close button")
    assert page.locator("#agency-dialog[open]").count() == 0


def test_an_agency_name_in_a_table_opens_its_record(browser_page) -> None:  # noqa: F811
    page, _, _ = browser_page
    link = page.locator("#agreement-table tbody a[href^='#agency=']").first
    name = link.inner_text()
    link.click()
    page.wait_for_selector("#agency-dialog[open]")
    assert name in page.inner_text("#agency-dialog-title")
    page.click("#agency-dialog .dialog-close button")


def test_the_date_control_shows_the_timeline(browser_page, built_archive: Path) -> None:  # noqa: F811
    """An earlier list's figures, rebuilt in the page from history.agreements and history.gaps, equal
    history.timeline and history.timeline_by_state (counted from the lists themselves)."""
    page, _, _ = browser_page
    with duckdb.connect(str(built_archive / "g287.duckdb"), read_only=True) as con:
        checked = con.execute(
            "SELECT t.snapshot_key, t.snapshot_date, t.agreements, t.agencies, coalesce(s.agreements, 0), "
            "t.tfm, t.level_county "
            "FROM history.timeline t LEFT JOIN history.timeline_by_state s "
            "ON s.snapshot_key = t.snapshot_key AND s.state_code = 'TX' "
            "ORDER BY t.snapshot_at DESC LIMIT 3 OFFSET 40"
        ).fetchall()
    assert len(checked) == 3
    for key, day, agreements, agencies, texas, tfm, county in checked:
        page.select_option("#as-of", page.locator(f"#as-of option[data-key='{key}']").get_attribute("value"))
        assert page.inner_text("#figure-list-date") == day.isoformat()
        assert int(page.inner_text("#figure-agreements").replace(",", "")) == agreements
        assert int(page.inner_text("#figure-agencies").replace(",", "")) == agencies
        texas_cells = page.locator("#state-table tbody tr[data-state=TX] td")
        assert int(texas_cells.first.inner_text().replace(",", "")) == texas
        tfm_cell = page.locator("#model-table tbody tr[data-value=TFM] td").first
        county_cell = page.locator("#level-table tbody tr[data-value=county] td").first
        assert int(tfm_cell.inner_text().replace(",", "")) == tfm
        assert int(county_cell.inner_text().replace(",", "")) == county
    page.select_option("#as-of", "")
    assert page.inner_text("#figure-list-date") == page.evaluate("window.g287.simulate([]).list_date")


def test_tables_are_paged_and_download_the_filtered_rows(browser_page, built_archive: Path) -> None:  # noqa: F811
    page, _, _ = browser_page
    page.set_viewport_size({"width": 1300, "height": 900})
    assert page.evaluate("document.documentElement.scrollHeight") < 20_000
    assert page.locator("#agreement-table tbody tr").count() == 50
    page.select_option("#agreement-state", "FL")
    with page.expect_download() as download:
        page.click("#agreement-pager [data-download]")
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
    with duckdb.connect(str(built_archive / "g287.duckdb"), read_only=True) as con:
        florida = con.execute(
            "SELECT count(*) FROM marts.current_agreements WHERE state_code = 'FL'"
        ).fetchone()[0]
    assert florida > 50
    assert len(rows) == florida and {row["state"] for row in rows} == {"FL"}
    page.select_option("#agreement-state", "")


def test_csv_cells_never_run_as_formulas(browser_page) -> None:  # noqa: F811
    page, _, _ = browser_page
    text = page.evaluate(
        """window.g287.csvText(["agency", "population"], [
             {agency: "=HYPERLINK(\\"http://x\\")", population: -5}, {agency: "@SUM(A1)", population: 7},
             {agency: "-1+2", population: null}, {agency: "Plain, Sheriff", population: 0}])"""
    )
    assert list(csv.reader(io.StringIO(text))) == [
        ["agency", "population"],
        ['\'=HYPERLINK("http://x")', "-5"],
        ["'@SUM(A1)", "7"],
        ["'-1+2", ""],
        ["Plain, Sheriff", "0"],
    ]


def test_a_preset_loads_into_the_simulator(browser_page) -> None:  # noqa: F811
    page, _, _ = browser_page
    page.click("button.load-preset[data-preset=texas_sb8_sheriffs]")
    assert page.inner_text("#simulator-steps").startswith(
        "sign JEM: states TX, level county, not holding JEM/WSO"
    )
    assert page.input_value("#sim-level") == "county" and page.input_value("#sim-model") == "JEM"
    assert page.eval_on_selector("#sim-states", "s => Array.from(s.selectedOptions).map(o => o.value)") == [
        "TX"
    ]
    expected = page.evaluate(
        "window.g287.simulate([{sign: {model: 'JEM', states: ['TX'], level: 'county', not_holding: ['JEM', 'WSO']}}])"
    )
    after = page.locator("#simulator-national tbody tr").first.locator("td").nth(1).inner_text()
    assert (
        int(after.replace(",", ""))
        == expected["agreements"]
        > page.evaluate("window.g287.simulate([]).agreements")
    )
    page.click("#sim-clear")
