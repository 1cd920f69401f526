"""The marts on a warehouse small enough to count by hand: no mirror, no build, the marts' own SQL.

Florida: Alachua County (600 people) has its sheriff (JEM and WSO) and Gainesville's police (TFM), whose city
lies in Alachua (100 people) and Baker (50 of Baker's 400); the Highway Patrol (TFM) is statewide. Georgia:
Appling County's sheriff (JEM). An older list and a newer quarantined list must not count.
"""

import datetime as dt

import duckdb
import pandas as pd
import pytest

from g287_assets.lib.warehouse import catalog
from g287_assets.lib.warehouse.database import ensure_table, run_script

NEWEST, OLDER, QUARANTINED = "2026-05-18_am_aaaa", "2026-05-01_am_bbbb", "2026-05-19_am_cccc"
SHERIFF, GAINESVILLE, PATROL, APPLING = (
    "ALACHUA COUNTY SHERIFFS OFFICE",
    "GAINESVILLE POLICE DEPARTMENT",
    "FLORIDA HIGHWAY PATROL",
    "APPLING COUNTY SHERIFFS OFFICE",
)


def insert(con: duckdb.DuckDBPyConnection, table: catalog.Table, rows: list[dict]) -> None:
    """Rows given by some of the table's columns; the others stay NULL."""
    ensure_table(con, table)
    frame = pd.DataFrame(rows)
    con.register("given", frame)
    con.execute(f"INSERT INTO {table.name} BY NAME SELECT * FROM given")
    con.unregister("given")


def agreement(snapshot: str, state: str, fips: str, key: str, level: str, model: str, row: int) -> dict:
    return {
        "snapshot_key": snapshot, "snapshot_date": dt.date.fromisoformat(snapshot[:10]), "list_kind": "participating",
        "source_row": row, "state_code": state, "state_fips": fips, "agency_name": key.title(), "agency_key": key,
        "level": level, "model": model, "signed_date": dt.date(2025, 3, row),
    }  # fmt: skip


@pytest.fixture
def warehouse() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    insert(con, catalog.SNAPSHOTS, [
        {"snapshot_key": key, "snapshot_date": dt.date.fromisoformat(key[:10]), "list_kind": "participating",
         "status": status, "snapshot_at": dt.datetime.fromisoformat(key[:10] + " 09:00")}
        for key, status in ((NEWEST, "usable"), (OLDER, "usable"), (QUARANTINED, "quarantined"))
    ])  # fmt: skip
    ensure_table(con, catalog.USABLE_PARTICIPATING_LISTS)  # created with raw.snapshots, as the build does
    newest = [
        agreement(NEWEST, "FL", "12", SHERIFF, "county", "JEM", 1),
        agreement(NEWEST, "FL", "12", SHERIFF, "county", "WSO", 2),
        agreement(NEWEST, "FL", "12", GAINESVILLE, "municipal", "TFM", 3),
        agreement(NEWEST, "FL", "12", PATROL, "state", "TFM", 4),
        agreement(NEWEST, "GA", "13", APPLING, "county", "JEM", 5),
    ]
    stale = [
        agreement(key, "FL", "12", "BAKER COUNTY SHERIFFS OFFICE", "county", "JEM", 6)
        for key in (OLDER, QUARANTINED)
    ]
    insert(con, catalog.CLEAN_AGREEMENTS, newest + stale)
    insert(con, catalog.HISTORY_AGREEMENTS, [
        {"agreement_id": f"id-{row['source_row']}", "state_code": row["state_code"], "agency_key": row["agency_key"],
         "model": row["model"], "signed_date": row["signed_date"], "status": "active"}
        for row in newest
    ])  # fmt: skip
    insert(con, catalog.AGENCY_JURISDICTIONS, [
        {"state_code": "FL", "agency_key": SHERIFF, "jurisdiction_level": "county", "county_fips": "12001", "population": 600},
        {"state_code": "FL", "agency_key": GAINESVILLE, "jurisdiction_level": "place", "county_fips": "12001", "population": 150},
        {"state_code": "FL", "agency_key": PATROL, "jurisdiction_level": "state", "population": 1000},
        {"state_code": "GA", "agency_key": APPLING, "jurisdiction_level": "county", "county_fips": "13001", "population": 500},
    ])  # fmt: skip
    insert(con, catalog.AGENCY_COUNTIES, [
        {"state_code": "FL", "agency_key": SHERIFF, "county_fips": "12001", "part_population": 600},
        {"state_code": "FL", "agency_key": GAINESVILLE, "county_fips": "12001", "part_population": 100},
        {"state_code": "FL", "agency_key": GAINESVILLE, "county_fips": "12003", "part_population": 50},
        {"state_code": "GA", "agency_key": APPLING, "county_fips": "13001", "part_population": 500},
    ])  # fmt: skip
    insert(con, catalog.GEO_COUNTIES, [
        {"county_fips": "12001", "county_name": "Alachua County", "state_code": "FL", "state_fips": "12", "population": 600},
        {"county_fips": "12003", "county_name": "Baker County", "state_code": "FL", "state_fips": "12", "population": 400},
        {"county_fips": "13001", "county_name": "Appling County", "state_code": "GA", "state_fips": "13", "population": 500},
    ])  # fmt: skip
    insert(con, catalog.GEO_STATES, [
        {"state_code": "FL", "state_fips": "12", "state_name": "Florida", "population": 1000},
        {"state_code": "GA", "state_fips": "13", "state_name": "Georgia", "population": 500},
    ])  # fmt: skip
    for script in ("marts/marts.sql", "geography/coverage.sql", "marts/summaries.sql"):
        run_script(con, script)
    yield con
    con.close()


def test_current_agreements_are_the_newest_usable_list_with_ids_and_census_counties(warehouse) -> None:
    rows = warehouse.execute(
        "SELECT agency_key, model, agreement_id, county_name FROM marts.current_agreements ORDER BY source_row"
    ).fetchall()
    assert rows == [
        (SHERIFF, "JEM", "id-1", "Alachua County"),
        (SHERIFF, "WSO", "id-2", "Alachua County"),
        (GAINESVILLE, "TFM", "id-3", "Alachua County"),
        (PATROL, "TFM", "id-4", None),
        (APPLING, "JEM", "id-5", "Appling County"),
    ]


def test_counties_count_agreements_where_the_agency_sits_and_cover_residents_once(warehouse) -> None:
    counties = warehouse.execute(
        "SELECT county_fips, agreements, agencies, jem, wso, tfm, agreements_per_100k, population_covered, "
        "population_covered_jem, population_covered_tfm, share_covered FROM marts.county_summary ORDER BY 1"
    ).fetchall()
    assert counties == [
        # The sheriff covers all 600; Gainesville's 100 inside it are not counted again; TFM covers the city only.
        ("12001", 3, 2, 1, 1, 1, 500.0, 600, 600, 100, 1.0),
        # Gainesville's 50 residents in Baker are covered there, but its agreement counts in Alachua.
        ("12003", 0, 0, 0, 0, 0, 0.0, 50, 0, 50, 0.125),
        ("13001", 1, 1, 1, 0, 0, 200.0, 500, 500, 0, 1.0),
    ]


def test_states_count_every_agreement_and_show_statewide_agencies_beside_coverage(warehouse) -> None:
    states = warehouse.execute(
        "SELECT state_code, agreements, agencies, population_covered, share_covered, statewide_agencies, "
        "statewide_agreements FROM marts.state_summary ORDER BY 1"
    ).fetchall()
    assert states == [
        ("FL", 4, 3, 650, 0.65, 1, "Florida Highway Patrol (TFM)"),
        ("GA", 1, 1, 500, 1.0, 0, None),
    ]
