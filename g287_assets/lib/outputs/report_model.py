"""What the report's scripts need to answer questions the page does not precompute: the program on any usable
list's date, a scenario of the reader's own, and one agency's story.

The page simulates with the engine's own inputs: the agencies a `sign` can select, their county footprints
and the Census counties are read from the temp tables lib.scenarios builds (scenarios/inputs.sql), so the page
and `g287 scenario` select the same agencies. Which agreements each usable list held comes from
history.agreements (first and last list) and history.gaps (lists it was missing from), not from the lists.

Tables travel column-wise (one JSON array per column) and an agency's key is left out when it equals the key
of its name, which the page recomputes: the file stays small enough to open quickly.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

import duckdb
import yaml

from g287_assets.lib.normalize import agency_key
from g287_assets.lib.scenarios.engine import load_scenario_file, prepare_inputs, preset_files, table_exists

# ---- plain values --------------------------------------------------------------------------------------------


def json_value(value):
    """A value JSON and the template can carry as is: dates as ISO text, no NaN, no Decimal."""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


# DuckDB types whose Python values JSON carries unchanged.
PLAIN_TYPES = {
    "VARCHAR",
    "BIGINT",
    "INTEGER",
    "SMALLINT",
    "TINYINT",
    "BOOLEAN",
    "UBIGINT",
    "UINTEGER",
    "HUGEINT",
}


def records(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    """Rows of a query as dicts of plain values (the SQL names tables and columns, never data)."""
    cursor = con.execute(sql, params or [])
    names = [column[0] for column in cursor.description]
    # Only columns of a type that needs it go through json_value: most are text and integers, taken as is.
    converted = [
        i for i, column in enumerate(cursor.description) if str(column[1]).upper() not in PLAIN_TYPES
    ]
    rows = []
    for row in cursor.fetchall():
        values = list(row)
        for i in converted:
            values[i] = json_value(values[i])
        rows.append(dict(zip(names, values)))
    return rows


def web_link(url: str | None) -> str | None:
    """An http(s) link, or nothing: a `javascript:` or other scheme from a spreadsheet cell is never a link."""
    return url if isinstance(url, str) and re.match(r"^https?://", url, re.IGNORECASE) else None


USABLE_LISTS_SQL = """
SELECT snapshot_key, snapshot_date
FROM raw.usable_participating_lists
ORDER BY snapshot_at, snapshot_key
"""

CANDIDATES_SQL = """
SELECT state_code, agency_key, agency_name, level, sign_level, jurisdiction_level, jurisdiction_name,
       county_fips, place_geoid, population, match_method, origin, requested_models
FROM scenario_candidates
ORDER BY state_code, agency_key
"""

BRIDGE_SQL = "SELECT state_code, agency_key, county_fips, part_population FROM coverage_bridge ORDER BY ALL"

HISTORY_SQL = """
SELECT agreement_id, state_code, agency_key, agency_name, model, signed_date, level, county_name,
       moa_url, addendum_url, first_seen_date, first_snapshot_key, last_seen_date, last_snapshot_key,
       status, ended_date, corrected_date, successor_id, predecessor_id
FROM history.agreements
ORDER BY state_code, agency_key, model, signed_date
"""

GAPS_SQL = """
SELECT agreement_id, first_missing_snapshot_key, returned_snapshot_key FROM history.gaps ORDER BY ALL
"""

LINKS_SQL = """
SELECT from_agreement_id, to_agreement_id, change_kind, from_agency_name, to_agency_name,
       from_signed_date, to_signed_date, state_code, to_state_code, method, reason, to_first_seen_date
FROM history.links
ORDER BY to_first_seen_date, from_agreement_id
"""


def columns(rows: Sequence[dict], names: Sequence[str]) -> dict[str, list]:
    """Rows as one list per column (what the page turns back into rows)."""
    return {name: [row[name] for row in rows] for name in names}


def _list_positions(con: duckdb.DuckDBPyConnection) -> tuple[list[dict], dict[str, int]]:
    lists = records(con, USABLE_LISTS_SQL)
    return lists, {row["snapshot_key"]: position for position, row in enumerate(lists)}


def _split_census_seats(rows: list[dict]) -> tuple[list[dict], list[dict]]:
    """Listed and pending agencies keep every column; the Census seats (some 21,000 sheriffs and police
    departments ICE never listed) travel as name, county, population and footprint only, the rest being
    implied: level and sign level county (sheriff) or municipal (police), jurisdiction county or place. A
    police footprint that is its whole place in its principal county is implied too (null)."""
    agencies, seats = [], []
    for row in rows:
        if row["origin"] != "census":
            agencies.append(row)
            continue
        police = row["sign_level"] == "municipal"
        implied = ("municipal", "place") if police else ("county", "county")
        if (row["level"], row["jurisdiction_level"]) != implied or row["sign_level"] != implied[0]:
            raise ValueError(f"Census seat {row['state_code']} {row['agency_name']} has unexpected levels")
        whole_place = [row["county_fips"], row["population"]]
        bridge = row["bridge"] or []
        implied_bridge = whole_place if police else []
        seats.append({**row, "police": int(police), "bridge": None if bridge == implied_bridge else bridge})
    return agencies, seats


def _agencies(con: duckdb.DuckDBPyConnection) -> tuple[list[dict], list[dict], dict[tuple[str, str], int]]:
    """Every agency the engine can sign or the lists hold, each with its county footprint (flat pairs), the
    listed and pending ones first; `index` gives each (state, key) its position in that order."""
    rows = records(con, CANDIDATES_SQL)
    footprints: dict[tuple[str, str], list] = defaultdict(list)
    for part in records(con, BRIDGE_SQL):
        footprints[(part["state_code"], part["agency_key"])] += [part["county_fips"], part["part_population"]]
    for row in rows:
        row["bridge"] = footprints.get((row["state_code"], row["agency_key"]))
        # The page recomputes a key from the name; only a key that differs travels.
        row["key"] = None if agency_key(row["agency_name"]) == row["agency_key"] else row["agency_key"]
    agencies, seats = _split_census_seats(rows)
    index: dict[tuple[str, str], int] = {}
    for position, row in enumerate(agencies + seats):
        identity = (row["state_code"], row["agency_key"])
        if identity in index:
            raise ValueError(f"scenario_candidates holds {identity} twice: the page needs one row per agency")
        index[identity] = position
    return agencies, seats, index


def _history(con: duckdb.DuckDBPyConnection, positions: dict[str, int], index: dict) -> list[dict]:
    """history.agreements with, per row, its agency's position and the positions of its first and last list
    and of its gaps (first list missing, list it came back in)."""
    gaps: dict[str, list] = defaultdict(list)
    for gap in records(con, GAPS_SQL):
        gaps[gap["agreement_id"]] += [
            positions[gap["first_missing_snapshot_key"]],
            positions[gap["returned_snapshot_key"]],
        ]
    rows = records(con, HISTORY_SQL)
    for row in rows:
        identity = (row["state_code"], row["agency_key"])
        if identity not in index:
            raise ValueError(f"history.agreements names {identity}, which geo.agency_jurisdictions lacks")
        row["agency"] = index[identity]
        row["first"] = positions[row["first_snapshot_key"]]
        row["last"] = positions[row["last_snapshot_key"]]
        row["gaps"] = gaps.get(row["agreement_id"])
        row["moa_url"], row["addendum_url"] = web_link(row["moa_url"]), web_link(row["addendum_url"])
    return rows


def plain(value):
    """YAML values as JSON carries them: dates as ISO text, mappings and lists walked."""
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return json_value(value)


def preset_operations(folders: Sequence[Path]) -> dict[str, dict]:
    """Each preset's operations as its YAML file holds them, by scenario name (validated by lib.scenarios)."""
    presets = {}
    for path in preset_files(folders):
        scenario = load_scenario_file(path, folders)
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        presets[scenario.name] = {
            "operations": plain(data["operations"]),
            "baseline": plain(data.get("baseline")),
        }
    return presets


def simulator_data(con: duckdb.DuckDBPyConnection, no_sheriff_states: Sequence[str]) -> dict:
    """The page's model of the program: usable lists, agencies, agreements through time, counties, states.

    Builds the scenario engine's temp tables on `con` (a read-only connection works) and reads them.
    """
    prepare_inputs(con, no_sheriff_states)
    lists, positions = _list_positions(con)
    agencies, seats, index = _agencies(con)
    history = _history(con, positions, index)
    links = records(con, LINKS_SQL) if table_exists(con, "history.links") else []
    counties = records(
        con, "SELECT county_fips, state_code, county_name, population FROM geo.counties ORDER BY county_fips"
    )
    states = records(con, "SELECT state_code, state_name, population FROM geo.states ORDER BY state_code")
    return {
        "lists": columns(lists, ["snapshot_key", "snapshot_date"]),
        "states": columns(states, ["state_code", "state_name", "population"]),
        "counties": columns(counties, ["county_fips", "state_code", "county_name", "population"]),
        "agencies": columns(
            agencies,
            [
                "state_code",
                "agency_name",
                "key",
                "level",
                "sign_level",
                "jurisdiction_level",
                "jurisdiction_name",
                "county_fips",
                "population",
                "match_method",
                "requested_models",
                "bridge",
            ],
        ),
        "seats": columns(
            seats, ["state_code", "agency_name", "key", "county_fips", "population", "police", "bridge"]
        ),
        "history": columns(
            history,
            [
                "agreement_id",
                "agency",
                "agency_name",
                "model",
                "signed_date",
                "level",
                "county_name",
                "moa_url",
                "addendum_url",
                "first_seen_date",
                "last_seen_date",
                "status",
                "ended_date",
                "corrected_date",
                "successor_id",
                "predecessor_id",
                "first",
                "last",
                "gaps",
            ],
        ),
        "links": columns(
            links,
            [
                "from_agreement_id",
                "to_agreement_id",
                "change_kind",
                "from_agency_name",
                "to_agency_name",
                "from_signed_date",
                "to_signed_date",
                "state_code",
                "to_state_code",
                "method",
                "to_first_seen_date",
            ],
        ),
    }
